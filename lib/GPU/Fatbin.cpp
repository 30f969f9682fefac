//===- Fatbin.cpp - the PTX of every target in one fatbin -----------------===//
//
// gpu-module-to-binary makes one object per target, and the host code then
// loads whichever object comes first, whatever GPU it runs on. A CUDA fatbin
// holds a cubin per architecture and the driver picks the one for its GPU,
// so one artifact runs on an A100 (sm_80) and an H100 (sm_90a).
//
//===----------------------------------------------------------------------===//

#include "sdd/GPU/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

namespace mlir::sdd {
#define GEN_PASS_DEF_SDDGPUFATBIN
#include "sdd/GPU/Passes.h.inc"
} // namespace mlir::sdd

using namespace mlir;

namespace {

/// A CUDA tool from $CUDA_HOME/bin, $CUDA_PATH/bin, /usr/local/cuda/bin or
/// PATH.
std::optional<std::string> findCudaTool(StringRef name) {
  for (const char *variable : {"CUDA_HOME", "CUDA_PATH"}) {
    if (const char *root = std::getenv(variable)) {
      SmallString<128> path(root);
      llvm::sys::path::append(path, "bin", name);
      if (llvm::sys::fs::can_execute(path))
        return std::string(path);
    }
  }
  SmallString<128> path("/usr/local/cuda/bin");
  llvm::sys::path::append(path, name);
  if (llvm::sys::fs::can_execute(path))
    return std::string(path);
  if (llvm::ErrorOr<std::string> found = llvm::sys::findProgramByName(name))
    return *found;
  return std::nullopt;
}

/// Removes a temporary folder and its files when it goes out of scope.
class TempDir {
public:
  LogicalResult create() {
    return success(!llvm::sys::fs::createUniqueDirectory("sdd-fatbin", path));
  }
  ~TempDir() {
    if (!path.empty())
      llvm::sys::fs::remove_directories(path);
  }
  std::string file(const Twine &name) const {
    SmallString<128> result(path);
    llvm::sys::path::append(result, name);
    return std::string(result);
  }

private:
  SmallString<128> path;
};

bool writeFile(StringRef path, StringRef contents) {
  std::error_code error;
  llvm::raw_fd_ostream os(path, error);
  if (error)
    return false;
  os << contents;
  return !os.has_error();
}

std::string readFileOrEmpty(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  return buffer ? (*buffer)->getBuffer().str() : std::string();
}

/// Runs `args`, sending both output streams to `logPath`; fails with the log.
LogicalResult runTool(Operation *op, ArrayRef<std::string> args,
                      StringRef logPath) {
  SmallVector<StringRef> argRefs(args.begin(), args.end());
  std::optional<StringRef> redirects[] = {std::nullopt, logPath, logPath};
  std::string message;
  int status = llvm::sys::ExecuteAndWait(args.front(), argRefs, std::nullopt,
                                         redirects, 0, 0, &message);
  if (status == 0)
    return success();
  std::string command = llvm::join(args, " ");
  return op->emitError() << "'" << command << "' failed"
                         << (message.empty() ? "" : ": " + message) << "\n"
                         << readFileOrEmpty(logPath);
}

struct SDDGPUFatbin : public sdd::impl::SDDGPUFatbinBase<SDDGPUFatbin> {
  using Base::Base;

  LogicalResult assemble(gpu::BinaryOp binary, StringRef ptxas,
                         StringRef fatbinary);

  void runOnOperation() override {
    SmallVector<gpu::BinaryOp> binaries;
    getOperation().walk([&](gpu::BinaryOp op) { binaries.push_back(op); });
    if (binaries.empty())
      return;
    std::optional<std::string> ptxas = findCudaTool("ptxas");
    std::optional<std::string> fatbinary = findCudaTool("fatbinary");
    if (!ptxas || !fatbinary) {
      getOperation().emitError()
          << "sdd-gpu-fatbin needs ptxas and fatbinary from the CUDA toolkit: "
             "set CUDA_HOME (e.g. /usr/local/cuda)";
      return signalPassFailure();
    }
    for (gpu::BinaryOp binary : binaries)
      if (failed(assemble(binary, *ptxas, *fatbinary)))
        return signalPassFailure();
  }
};

LogicalResult SDDGPUFatbin::assemble(gpu::BinaryOp binary, StringRef ptxas,
                                     StringRef fatbinary) {
  TempDir dir;
  if (failed(dir.create()))
    return binary.emitError("cannot create a temporary folder");
  std::vector<std::string> fatbinArgs = {fatbinary.str(), "-64",
                                         "--compress=false",
                                         "--create=" + dir.file("out.fatbin")};
  Attribute firstTarget;
  SmallVector<std::string> extraOptions;
  for (StringRef option : llvm::split(ptxasOptions, ' '))
    if (!option.empty())
      extraOptions.push_back(option.str());
  for (auto [i, attr] : llvm::enumerate(binary.getObjectsAttr())) {
    auto object = cast<gpu::ObjectAttr>(attr);
    auto target = dyn_cast<NVVM::NVVMTargetAttr>(object.getTarget());
    if (!target || object.getFormat() != gpu::CompilationTarget::Assembly)
      return binary.emitError("sdd-gpu-fatbin expects PTX objects for NVVM "
                              "targets (gpu-module-to-binary{format=isa})");
    StringRef chip = target.getChip();
    if (!chip.starts_with("sm_"))
      return binary.emitError("unexpected NVVM chip '") << chip << "'";
    std::string ptxPath = dir.file(Twine(i) + ".ptx");
    std::string cubinPath = dir.file(Twine(i) + ".cubin");
    if (!writeFile(ptxPath, object.getObject().getValue()))
      return binary.emitError("cannot write ") << ptxPath;
    std::vector<std::string> args = {ptxas.str(),
                                     "-arch=" + chip.str(),
                                     "-O" + std::to_string(target.getO()),
                                     ptxPath,
                                     "-o",
                                     cubinPath};
    args.insert(args.end() - 3, extraOptions.begin(), extraOptions.end());
    if (failed(runTool(binary, args, dir.file(Twine(i) + ".log"))))
      return failure();
    std::string sm = chip.drop_front(3).str();
    fatbinArgs.push_back("--image3=kind=elf,sm=" + sm + ",file=" + cubinPath);
    if (i == 0) {
      firstTarget = target;
      if (embedPtx)
        fatbinArgs.push_back("--image3=kind=ptx,sm=" + sm + ",file=" + ptxPath);
    }
  }
  if (!firstTarget)
    return binary.emitError("has no objects");
  if (failed(runTool(binary, fatbinArgs, dir.file("fatbinary.log"))))
    return failure();
  auto fatbin = llvm::MemoryBuffer::getFile(dir.file("out.fatbin"),
                                            /*IsText=*/false);
  if (!fatbin)
    return binary.emitError("fatbinary wrote no output");
  MLIRContext *ctx = binary.getContext();
  auto object = gpu::ObjectAttr::get(
      ctx, firstTarget, gpu::CompilationTarget::Fatbin,
      StringAttr::get(ctx, (*fatbin)->getBuffer()), nullptr, nullptr);
  binary.setObjectsAttr(ArrayAttr::get(ctx, {object}));
  return success();
}

} // namespace
