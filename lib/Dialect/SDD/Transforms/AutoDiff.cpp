//===- AutoDiff.cpp - reverse-mode gradient functions ---------------------===//
//
// sdd-autodiff: clones @f into @f_grad, lets each op prepare its forward form
// for the reverse pass, then walks the ops backwards and asks each active op
// for its adjoint through ReverseAutoDiffOpInterface.
//
//===----------------------------------------------------------------------===//

#include "sdd/Dialect/SDD/IR/SDDOps.h"
#include "sdd/Dialect/SDD/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir {
namespace sdd {
#define GEN_PASS_DEF_SDDAUTODIFF
#include "sdd/Dialect/SDD/Transforms/Passes.h.inc"
} // namespace sdd
} // namespace mlir

using namespace mlir;
using namespace mlir::sdd;

namespace {

constexpr StringLiteral kParamAttr = "sdd.param";
constexpr StringLiteral kGradientOfAttr = "sdd.gradient_of";
constexpr StringLiteral kSavedAttr = "sdd.saved_activation_elements";

bool isParam(func::FuncOp func, unsigned index) {
  return static_cast<bool>(func.getArgAttr(index, kParamAttr));
}

bool hasParams(func::FuncOp func) {
  for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
    if (isParam(func, i))
      return true;
  return false;
}

bool isFloatTensor(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && isa<FloatType>(type.getElementType());
}

Value zerosLike(OpBuilder &b, Location loc, Type type) {
  auto tensorType = cast<RankedTensorType>(type);
  return arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(tensorType,
                             b.getFloatAttr(tensorType.getElementType(), 0.0)));
}

/// Builds @<name>_grad next to `func`.
LogicalResult differentiate(func::FuncOp func) {
  if (!func.getBody().hasOneBlock())
    return func.emitError("sdd-autodiff needs a function with one block");
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  if (ret.getNumOperands() != 1 || !isFloatTensor(ret.getOperand(0)) ||
      cast<RankedTensorType>(ret.getOperand(0).getType()).getRank() != 0)
    return func.emitError("sdd-autodiff needs a function that returns one "
                          "scalar loss (a rank-0 float tensor), @")
           << func.getName() << " returns " << ret.getNumOperands()
           << " value(s) of type(s) " << ret.getOperandTypes();

  std::string gradName = (func.getName() + "_grad").str();
  auto module = func->getParentOfType<ModuleOp>();
  if (SymbolTable::lookupSymbolIn(module, gradName))
    return func.emitError("sdd-autodiff: @") << gradName << " already exists";

  MLIRContext *ctx = func.getContext();
  IRRewriter rewriter(ctx);
  rewriter.setInsertionPointAfter(func);
  auto grad = cast<func::FuncOp>(rewriter.clone(*func));
  grad.setName(gradName);
  grad->setAttr(kGradientOfAttr, FlatSymbolRefAttr::get(func));
  Block &body = grad.getBody().front();
  ret = cast<func::ReturnOp>(body.getTerminator());

  for (unsigned i = 0, e = grad.getNumArguments(); i < e; ++i)
    if (isParam(grad, i) && !isFloatTensor(grad.getArgument(i)))
      return func.emitError("sdd-autodiff: argument #")
             << i << " is marked sdd.param but is not a float tensor ("
             << grad.getArgument(i).getType() << "); only float tensors "
             << "have gradients";

  // Let every op keep what its adjoint needs.
  SmallVector<Operation *> forward;
  for (Operation &op : body.without_terminator())
    forward.push_back(&op);
  SmallVector<Operation *> prepared;
  for (Operation *op : forward) {
    if (auto diff = dyn_cast<ReverseAutoDiffOpInterface>(op))
      prepared.push_back(diff.prepareForReverse(rewriter));
    else
      prepared.push_back(op);
  }

  // Activity: a value needs an adjoint when a parameter reaches it (varied)
  // and it reaches the loss (useful).
  llvm::DenseSet<Value> varied, useful;
  for (unsigned i = 0, e = grad.getNumArguments(); i < e; ++i)
    if (isParam(grad, i))
      varied.insert(grad.getArgument(i));
  for (Operation *op : prepared)
    if (llvm::any_of(op->getOperands(),
                     [&](Value v) { return varied.contains(v); }))
      for (Value result : op->getResults())
        if (isFloatTensor(result))
          varied.insert(result);
  Value loss = ret.getOperand(0);
  useful.insert(loss);
  for (Operation *op : llvm::reverse(prepared))
    if (llvm::any_of(op->getResults(),
                     [&](Value v) { return useful.contains(v); }))
      useful.insert(op->getOperands().begin(), op->getOperands().end());
  auto isActive = [&](Value v) {
    return varied.contains(v) && useful.contains(v);
  };

  // The reverse sweep.
  rewriter.setInsertionPoint(ret);
  Location loc = func.getLoc();
  DenseMap<Value, Value> adjoints;
  auto lossType = cast<RankedTensorType>(loss.getType());
  adjoints[loss] = arith::ConstantOp::create(
      rewriter, loc,
      DenseElementsAttr::get(
          lossType, rewriter.getFloatAttr(lossType.getElementType(), 1.0)));
  llvm::SetVector<Value> saved;
  for (Operation *op : llvm::reverse(prepared)) {
    if (llvm::none_of(op->getResults(), isActive))
      continue;
    auto diff = dyn_cast<ReverseAutoDiffOpInterface>(op);
    if (!diff)
      return op->emitOpError("has no adjoint: sdd-autodiff cannot "
                             "differentiate through it");
    SmallVector<Value> resultAdjoints;
    for (Value result : op->getResults())
      resultAdjoints.push_back(adjoints.lookup(result));
    if (llvm::all_of(resultAdjoints, [](Value v) { return !v; }))
      continue;
    SmallVector<Value> operandAdjoints;
    if (failed(diff.buildAdjoint(rewriter, resultAdjoints, operandAdjoints)))
      return failure();
    // Activations the backward pass reads; arguments and constants are
    // alive anyway.
    for (Value input : diff.getAdjointInputs())
      if (Operation *def = input.getDefiningOp();
          def && !def->hasTrait<OpTrait::ConstantLike>())
        saved.insert(input);
    for (auto [operand, adjoint] :
         llvm::zip_equal(op->getOperands(), operandAdjoints)) {
      if (!adjoint || !varied.contains(operand))
        continue;
      Value &slot = adjoints[operand];
      // A value with several users: sum the contributions.
      slot = slot ? arith::AddFOp::create(rewriter, op->getLoc(), slot, adjoint)
                        .getResult()
                  : adjoint;
    }
  }

  SmallVector<Value> results = {loss};
  for (unsigned i = 0, e = grad.getNumArguments(); i < e; ++i) {
    if (!isParam(grad, i))
      continue;
    Value adjoint = adjoints.lookup(grad.getArgument(i));
    results.push_back(
        adjoint ? adjoint
                : zerosLike(rewriter, loc, grad.getArgument(i).getType()));
  }
  rewriter.modifyOpInPlace(ret, [&] { ret->setOperands(results); });
  grad.setType(FunctionType::get(ctx, grad.getArgumentTypes(),
                                 ValueRange(results).getTypes()));

  int64_t savedElements = 0;
  for (Value value : saved)
    if (auto type = dyn_cast<RankedTensorType>(value.getType()))
      savedElements += type.getNumElements();
  grad->setAttr(kSavedAttr, rewriter.getI64IntegerAttr(savedElements));
  return success();
}

struct SDDAutoDiffPass : public sdd::impl::SDDAutoDiffBase<SDDAutoDiffPass> {
  void runOnOperation() override {
    SmallVector<func::FuncOp> targets;
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal() && !func->hasAttr(kGradientOfAttr) &&
          hasParams(func))
        targets.push_back(func);
    for (func::FuncOp func : targets)
      if (failed(differentiate(func)))
        return signalPassFailure();
  }
};

} // namespace
