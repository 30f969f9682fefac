//===- EntryPoints.cpp - the artifact's C entry points --------------------===//
//
// One C signature for every entry, `void NAME(void **args)`, so that the
// runtime calls a model with any number of parameters without knowing its
// arity at compile time.
//
//===----------------------------------------------------------------------===//

#include "sdd/Pipelines/EntryPoints.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"

using namespace mlir;

ArrayRef<std::pair<StringRef, StringRef>> mlir::sdd::artifactEntryPoints() {
  static const std::pair<StringRef, StringRef> kEntries[] = {
      {"sdd_grad_step", "loss_grad"},
      {"sdd_eval_loss", "loss"},
      {"sdd_logits", "logits"},
      {"sdd_grad_sq_norm", "grad_sq_norm"},
      {"sdd_adamw_update", "adamw_update"}};
  return kEntries;
}

LogicalResult
mlir::sdd::addEntryPoints(ModuleOp module,
                          ArrayRef<std::pair<StringRef, StringRef>> entries) {
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(module.getBody());
  Location loc = module.getLoc();
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  auto entryType =
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptrType});
  for (auto [entryName, calleeName] : entries) {
    auto callee = module.lookupSymbol<LLVM::LLVMFuncOp>(calleeName);
    if (!callee)
      return module.emitError("lowered module has no @") << calleeName;
    auto entry = LLVM::LLVMFuncOp::create(b, loc, entryName, entryType);
    Block *block = entry.addEntryBlock(b);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(block);
    SmallVector<Value> args;
    for (unsigned i = 0, e = callee.getNumArguments(); i < e; ++i) {
      if (callee.getArgument(i).getType() != ptrType)
        return callee.emitError("argument ")
               << i << " is not a bare pointer after lowering";
      Value slot =
          LLVM::GEPOp::create(b, loc, ptrType, ptrType, block->getArgument(0),
                              ArrayRef<LLVM::GEPArg>{int32_t(i)});
      args.push_back(LLVM::LoadOp::create(b, loc, ptrType, slot));
    }
    LLVM::CallOp::create(b, loc, callee, args);
    LLVM::ReturnOp::create(b, loc, ValueRange{});
  }
  return success();
}
