//===- sdd-compile.cpp - model config to a training artifact --------------===//
//
// sdd-compile CONFIG.toml -o OUT.so: builds the model's sdd IR, derives the
// gradient with sdd-autodiff, lowers everything with sdd-lower-to-cpu in the
// artifact calling convention, compiles it with LLVM and links a shared
// object next to its manifest (docs/ARTIFACT.md).
//
//===----------------------------------------------------------------------===//

#define JSON_NOEXCEPTION
#include <nlohmann/json.hpp>

#include "sdd/Dialect/SDD/Transforms/Passes.h"
#include "sdd/InitAllSDD.h"
#include "sdd/Models/ModelBuilder.h"
#include "sdd/Pipelines/EntryPoints.h"
#include "sdd/Pipelines/Pipelines.h"
#include "sddrt/Config.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

#include <chrono>
#include <cstdlib>

using namespace mlir;
namespace cl = llvm::cl;

namespace {

enum class Emit { MLIR, LLVM, Object, SharedObject };
enum class Target { CPU, CUDA, CUDAEmulated };

cl::opt<std::string> configPath(cl::Positional, cl::Required,
                                cl::desc("<config.toml>"));
cl::opt<std::string> outputPath("o", cl::desc("Output file"),
                                cl::value_desc("path"));
cl::list<std::string>
    overrides("set", cl::desc("Override a config value (section.key=value)"),
              cl::value_desc("section.key=value"));
/// --emit's parser, which names the accepted values when given another.
struct EmitParser : cl::parser<Emit> {
  using cl::parser<Emit>::parser;
  bool parse(cl::Option &option, StringRef argName, StringRef arg,
             Emit &value) {
    for (const auto &entry : Values)
      if (entry.Name == arg) {
        value = entry.V.getValue();
        return false;
      }
    return option.error("'" + arg + "' is not mlir, llvm, obj or so");
  }
};

cl::opt<Emit, false, EmitParser> emitKind(
    "emit", cl::desc("Where to stop"), cl::init(Emit::SharedObject),
    cl::values(clEnumValN(Emit::MLIR, "mlir",
                          "the model's sdd IR (forward and optimiser, before "
                          "sdd-autodiff)"),
               clEnumValN(Emit::LLVM, "llvm",
                          "optimised LLVM IR of the artifact"),
               clEnumValN(Emit::Object, "obj", "the artifact's object file"),
               clEnumValN(Emit::SharedObject, "so",
                          "the shared object and its manifest (default)")));
cl::opt<Target> target(
    "target", cl::desc("Where the artifact runs"), cl::init(Target::CPU),
    cl::values(
        clEnumValN(Target::CPU, "cpu", "the CPU, with OpenMP (default)"),
        clEnumValN(Target::CUDA, "cuda",
                   "an NVIDIA GPU (sm_80 and sm_90a cubins through "
                   "sdd-lower-to-nvvm; needs CUDA_HOME for ptxas and "
                   "fatbinary, and libsdd_cuda_runtime.so at run time)"),
        clEnumValN(Target::CUDAEmulated, "cuda-emulated",
                   "testing: the GPU kernels (without tensor cores) run on "
                   "the CPU as loops")));
cl::opt<bool> useMma("mma",
                     cl::desc("With --target cuda: matrix products on tensor "
                              "cores (bf16 operands, f32 accumulation)"),
                     cl::init(true));
cl::opt<bool> deviceArguments(
    "device-arguments",
    cl::desc("With --target cuda (default on): the entry points take device "
             "pointers, so that sdd-train keeps the parameters, gradients "
             "and Adam state on the GPU; off: host pointers, copied to the "
             "device and back on every call. With --target cuda-emulated "
             "(default off; testing): the manifest says device arguments, "
             "so that sdd-train stages them through the CUDA layer"),
    cl::init(false));
cl::opt<bool> emulateReverse(
    "emulate-reverse",
    cl::desc("With --target cuda-emulated (testing): blocks and threads run "
             "in descending order; a kernel whose result changes with the "
             "order has a race on a GPU"),
    cl::init(false));
cl::opt<bool> recompute(
    "recompute",
    cl::desc("CPU: the backward pass recomputes what it needs from the "
             "forward pass (the product x V^T of every SDD layer, ...), the "
             "least memory (default); --recompute=false keeps those values "
             "from the forward pass instead: faster, more memory"),
    cl::init(true));
cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimisation level (0-3)"),
                           cl::init(2), cl::Prefix);
cl::opt<std::string>
    elementTypeName("element-type",
                    cl::desc("Element type of the model IR: f32, or f64 for "
                             "gradient checks (only with --emit=mlir)"),
                    cl::init("f32"));

/// Prints "sdd-compile: <stage> ..." and, at the end of the stage, its time.
class Stage {
public:
  explicit Stage(const char *name)
      : name(name), start(std::chrono::steady_clock::now()) {
    llvm::errs() << "sdd-compile: " << name << " ...\n";
  }
  ~Stage() {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    llvm::errs() << "sdd-compile: " << name << " done in "
                 << llvm::format("%.2f", seconds) << " s\n";
  }

private:
  const char *name;
  std::chrono::steady_clock::time_point start;
};

int fail(const llvm::Twine &message) {
  llvm::errs() << "sdd-compile: error: " << message << "\n";
  return 1;
}

/// The artifact's entry points: MoE models add sdd_moe_stats.
SmallVector<std::pair<StringRef, StringRef>>
entryPointsFor(const sddrt::Config &config) {
  SmallVector<std::pair<StringRef, StringRef>> entries(
      sdd::artifactEntryPoints());
  if (config.model.isMoE())
    entries.push_back({"sdd_moe_stats", "moe_stats"});
  return entries;
}

/// --device-arguments, with its default for the target.
bool useDeviceArguments() {
  return deviceArguments.getNumOccurrences() ? deviceArguments
                                             : target == Target::CUDA;
}

std::string manifestFor(const sddrt::Config &config,
                        ArrayRef<sdd::ParameterSpec> params) {
  nlohmann::ordered_json manifest;
  manifest["format"] = "sdd-artifact-1";
  // Emulated GPU kernels run on the CPU like any CPU artifact.
  manifest["target"] = target == Target::CUDA ? "cuda" : "cpu";
  manifest["arguments"] = useDeviceArguments() ? "device" : "host";
  manifest["config"] =
      nlohmann::ordered_json::parse(sddrt::configToJSON(config));
  manifest["batch_size"] = config.train.batchSize;
  manifest["seq_len"] = config.train.seqLen;
  manifest["vocab_size"] = config.model.vocabSize;
  int64_t offset = 0;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const sdd::ParameterSpec &spec : params) {
    nlohmann::ordered_json entry;
    entry["name"] = spec.name;
    entry["shape"] = std::vector<int64_t>(spec.shape.begin(), spec.shape.end());
    entry["dtype"] = "f32";
    entry["offset"] = offset;
    entry["numel"] = spec.numElements();
    nlohmann::ordered_json init;
    if (spec.init == sdd::ParameterSpec::Init::Normal) {
      init["kind"] = "normal";
      init["std"] = spec.std;
      init["truncate"] = 3.0;
      if (!spec.rowStd.empty()) {
        nlohmann::ordered_json rows = nlohmann::ordered_json::array();
        for (const auto &range : spec.rowStd)
          rows.push_back({range.begin, range.end, range.std});
        init["row_std"] = rows;
      }
    } else {
      init["kind"] = "constant";
      init["value"] = spec.value;
    }
    entry["init"] = init;
    entry["weight_decay"] = spec.weightDecay;
    list.push_back(entry);
    offset += spec.numElements();
  }
  manifest["num_params"] = offset;
  manifest["params"] = list;
  manifest["stats"] = sdd::listStats(config.model);
  nlohmann::ordered_json entries;
  for (auto [entry, function] : entryPointsFor(config))
    entries[entry.drop_front(4).str()] = entry.str();
  manifest["entries"] = entries;
  return manifest.dump(2) + "\n";
}

/// Why `path` cannot be written (empty when it can), checked before the
/// compilation, which takes seconds.
std::string unwritable(StringRef path) {
  if (llvm::sys::fs::is_directory(path))
    return "it is a folder";
  StringRef parent = llvm::sys::path::parent_path(path);
  if (parent.empty())
    parent = ".";
  llvm::sys::fs::file_status status;
  if (std::error_code error = llvm::sys::fs::status(parent, status))
    return (parent + ": " + error.message()).str();
  if (!llvm::sys::fs::is_directory(status))
    return (parent + " is not a folder").str();
  if (llvm::sys::fs::access(parent, llvm::sys::fs::AccessMode::Write))
    return (parent + " is not writable").str();
  return "";
}

/// The folder of libsdd_cuda_runtime.so: ../lib from this executable (the
/// build tree's bin/ and lib/).
std::string runtimeLibraryDir() {
  static int anchor;
  std::string self = llvm::sys::fs::getMainExecutable("sdd-compile", &anchor);
  SmallString<256> dir(llvm::sys::path::parent_path(self));
  llvm::sys::path::append(dir, "..", "lib");
  llvm::sys::path::remove_dots(dir, /*remove_dot_dot=*/true);
  return std::string(dir);
}

/// Writes `contents` to `path` through a temporary file and a rename, so that
/// a reader never sees a half-written file.
bool writeAtomically(StringRef path, StringRef contents) {
  std::string temporary = (path + ".tmp").str();
  {
    std::error_code error;
    llvm::raw_fd_ostream os(temporary, error);
    if (error)
      return false;
    os << contents;
    if (os.has_error())
      return false;
  }
  return !llvm::sys::fs::rename(temporary, path);
}

/// The f32 lanes of the host's widest vector registers, which the CPU
/// artifact is compiled for (-mcpu=native).
int64_t hostVectorWidth() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx512f"))
    return 16;
  if (features.lookup("avx2") || features.lookup("avx"))
    return 8;
  return 4;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(
      argc, argv,
      "sdd-compile: compile a model config (models/*.toml) to a training "
      "artifact\n");

  sddrt::Config config;
  std::string error;
  std::vector<std::string> assignments(overrides.begin(), overrides.end());
  if (!sddrt::loadConfig(configPath, assignments, config, error))
    return fail(error);
  if (elementTypeName != "f32" && elementTypeName != "f64")
    return fail("--element-type must be f32 or f64, got '" + elementTypeName +
                "'");
  if (target == Target::CPU && deviceArguments.getNumOccurrences())
    return fail("--device-arguments is for --target cuda or cuda-emulated");
  if (target != Target::CUDAEmulated && emulateReverse)
    return fail("--emulate-reverse is for --target cuda-emulated");
  if (elementTypeName == "f64" && emitKind != Emit::MLIR)
    return fail("--element-type=f64 is only for --emit=mlir; artifacts are "
                "f32");
  // The GPU lowering finds libdevice, ptxas and fatbinary through
  // CUDA_HOME (or CUDA_PATH); default to the toolkit's usual place.
  if (target == Target::CUDA && !std::getenv("CUDA_HOME") &&
      !std::getenv("CUDA_PATH") &&
      llvm::sys::fs::is_directory("/usr/local/cuda"))
    ::setenv("CUDA_HOME", "/usr/local/cuda", /*overwrite=*/0);
  if (outputPath.empty() && emitKind != Emit::MLIR && emitKind != Emit::LLVM)
    return fail("an output path is required: -o OUT");
  if (!outputPath.empty() && outputPath != "-") {
    std::string problem = unwritable(outputPath);
    if (!problem.empty())
      return fail("cannot write " + outputPath + ": " + problem);
  }

  DialectRegistry registry;
  sdd::registerAllSDDDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  std::vector<sdd::ParameterSpec> params = sdd::listParameters(config.model);
  int64_t numParams = 0;
  for (const sdd::ParameterSpec &spec : params)
    numParams += spec.numElements();

  OwningOpRef<ModuleOp> module;
  {
    Stage stage("building the model's sdd IR");
    Type elementType = elementTypeName == "f64"
                           ? Type(Float64Type::get(&context))
                           : Type(Float32Type::get(&context));
    module = sdd::buildModelModule(&context, config, elementType);
    if (elementTypeName == "f32")
      sdd::addOptimizerFunctions(*module, numParams,
                                 /*wideNormAccumulator=*/target == Target::CPU);
    if (failed(verify(*module)))
      return fail("the model builder produced invalid IR");
  }
  if (emitKind == Emit::MLIR) {
    std::string errorMessage;
    auto output = openOutputFile(
        outputPath.empty() ? "-" : outputPath.getValue(), &errorMessage);
    if (!output)
      return fail(errorMessage);
    module->print(output->os());
    output->keep();
    return 0;
  }

  {
    Stage stage(target == Target::CPU
                    ? "differentiating and lowering (sdd-autodiff, "
                      "sdd-lower-to-cpu)"
                    : "differentiating and lowering (sdd-autodiff, "
                      "sdd-lower-to-nvvm)");
    PassManager pm(&context);
    pm.addPass(sdd::createSDDAutoDiff());
    if (target == Target::CPU) {
      sdd::LowerToCPUOptions options;
      options.cABI = true;
      options.parallel = true;
      options.recompute = recompute;
      options.vectorWidth = hostVectorWidth();
      sdd::buildLowerToCPUPipeline(pm, options);
    } else {
      sdd::LowerToNVVMOptions options;
      options.cABI = true;
      options.emulate = target == Target::CUDAEmulated;
      options.emulateReverse = emulateReverse;
      options.hostArguments = !useDeviceArguments();
      options.mma = useMma;
      sdd::buildLowerToNVVMPipeline(pm, options);
    }
    if (failed(pm.run(*module)) ||
        failed(sdd::addEntryPoints(*module, entryPointsFor(config))))
      return fail("lowering failed");
  }

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule;
  std::unique_ptr<llvm::TargetMachine> machine;
  {
    Stage stage("translating and optimising LLVM IR");
    llvmModule = translateModuleToLLVMIR(*module, llvmContext, "sdd_model");
    if (!llvmModule)
      return fail("translation to LLVM IR failed");
    llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
    const llvm::Target *target =
        llvm::TargetRegistry::lookupTarget(triple, error);
    if (!target)
      return fail(error);
    llvm::TargetOptions targetOptions;
    machine.reset(target->createTargetMachine(
        triple, llvm::sys::getHostCPUName(), "", targetOptions,
        llvm::Reloc::PIC_, std::nullopt, llvm::CodeGenOptLevel::Aggressive));
    llvmModule->setDataLayout(machine->createDataLayout());
    llvmModule->setTargetTriple(triple);
    if (llvm::Error err = makeOptimizingTransformer(optLevel, 0, machine.get())(
            llvmModule.get()))
      return fail(llvm::toString(std::move(err)));
  }
  if (emitKind == Emit::LLVM) {
    std::string errorMessage;
    auto output = openOutputFile(
        outputPath.empty() ? "-" : outputPath.getValue(), &errorMessage);
    if (!output)
      return fail(errorMessage);
    llvmModule->print(output->os(), nullptr);
    output->keep();
    return 0;
  }

  std::string objectPath = emitKind == Emit::Object
                               ? outputPath.getValue()
                               : outputPath.getValue() + ".o";
  {
    Stage stage("generating machine code");
    std::error_code ec;
    llvm::raw_fd_ostream os(objectPath, ec);
    if (ec)
      return fail("cannot write " + objectPath + ": " + ec.message());
    llvm::legacy::PassManager codegen;
    if (machine->addPassesToEmitFile(codegen, os, nullptr,
                                     llvm::CodeGenFileType::ObjectFile))
      return fail("the target cannot emit object files");
    codegen.run(*llvmModule);
  }
  if (emitKind == Emit::Object)
    return 0;

  {
    Stage stage("linking the shared object");
    std::string linker;
    for (const char *candidate : {"clang-22", "clang", "cc"}) {
      if (auto found = llvm::sys::findProgramByName(candidate)) {
        linker = *found;
        break;
      }
    }
    if (linker.empty())
      return fail("no linker found (clang-22, clang or cc)");
    std::string temporary = outputPath + ".tmp";
    SmallVector<std::string> libraries;
    if (target == Target::CPU) {
      // The parallel loops call the OpenMP runtime of the LLVM we build with.
      std::string ompDir = SDD_OPENMP_LIBRARY_DIR;
      libraries = {"-L" + ompDir, "-Wl,-rpath," + ompDir, "-lomp"};
    } else if (target == Target::CUDA) {
      // The host code calls the mgpu* functions of libsdd_cuda_runtime.so,
      // found beside the artifact, in ../lib (the build tree's layout, which
      // scripts/device-check.sh keeps) or where it was built.
      std::string libDir = runtimeLibraryDir();
      libraries = {"-L" + libDir, "-Wl,-rpath,$ORIGIN",
                   "-Wl,-rpath,$ORIGIN/../lib", "-Wl,-rpath," + libDir,
                   "-lsdd_cuda_runtime"};
    }
    SmallVector<StringRef> args = {linker, "-shared", "-o", temporary,
                                   objectPath};
    args.append(libraries.begin(), libraries.end());
    args.push_back("-lm");
    std::string linkError;
    if (llvm::sys::ExecuteAndWait(linker, args, std::nullopt, {}, 0, 0,
                                  &linkError) != 0)
      return fail("linking " + outputPath + " failed: " + linkError);
    llvm::sys::fs::remove(objectPath);
    if (llvm::sys::fs::rename(temporary, outputPath))
      return fail("cannot write " + outputPath);
  }
  std::string manifestPath =
      (llvm::sys::path::parent_path(outputPath.getValue()) +
       (llvm::sys::path::parent_path(outputPath.getValue()).empty() ? ""
                                                                    : "/") +
       llvm::sys::path::stem(outputPath.getValue()) + ".json")
          .str();
  if (!writeAtomically(manifestPath, manifestFor(config, params)))
    return fail("cannot write " + manifestPath);
  llvm::errs() << "sdd-compile: wrote " << outputPath << " and " << manifestPath
               << " (" << params.size() << " parameters, " << numParams
               << " values)\n";
  return 0;
}
