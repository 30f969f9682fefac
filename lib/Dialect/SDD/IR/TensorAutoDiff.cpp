//===- TensorAutoDiff.cpp - adjoints of the tensor reshapes and slices ----===//
//
// Models split fused projections (qkv) and heads with upstream tensor ops;
// these external models let sdd-autodiff differentiate through them.
//
//===----------------------------------------------------------------------===//

#include "sdd/Dialect/SDD/IR/AutoDiffOpInterface.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::sdd;

namespace {

/// The adjoint of a slice scatters the result's adjoint into zeros.
struct ExtractSliceAdjoint
    : public ReverseAutoDiffOpInterface::ExternalModel<ExtractSliceAdjoint,
                                                       tensor::ExtractSliceOp> {
  SmallVector<Value> getAdjointInputs(Operation *op) const { return {}; }

  LogicalResult buildAdjoint(Operation *op, OpBuilder &builder,
                             ValueRange resultAdjoints,
                             SmallVectorImpl<Value> &operandAdjoints) const {
    auto slice = cast<tensor::ExtractSliceOp>(op);
    operandAdjoints.assign(op->getNumOperands(), Value());
    if (!resultAdjoints[0])
      return success();
    RankedTensorType sourceType = slice.getSourceType();
    Location loc = op->getLoc();
    Value zeros = arith::ConstantOp::create(
        builder, loc,
        DenseElementsAttr::get(
            sourceType,
            builder.getFloatAttr(sourceType.getElementType(), 0.0)));
    operandAdjoints[0] = tensor::InsertSliceOp::create(
        builder, loc, resultAdjoints[0], zeros, slice.getMixedOffsets(),
        slice.getMixedSizes(), slice.getMixedStrides());
    return success();
  }
};

/// Reshapes are linear and invertible: the adjoint is the inverse reshape.
struct ExpandShapeAdjoint
    : public ReverseAutoDiffOpInterface::ExternalModel<ExpandShapeAdjoint,
                                                       tensor::ExpandShapeOp> {
  SmallVector<Value> getAdjointInputs(Operation *op) const { return {}; }

  LogicalResult buildAdjoint(Operation *op, OpBuilder &builder,
                             ValueRange resultAdjoints,
                             SmallVectorImpl<Value> &operandAdjoints) const {
    auto expand = cast<tensor::ExpandShapeOp>(op);
    operandAdjoints.assign(op->getNumOperands(), Value());
    if (!resultAdjoints[0])
      return success();
    operandAdjoints[0] = tensor::CollapseShapeOp::create(
        builder, op->getLoc(), expand.getSrcType(), resultAdjoints[0],
        expand.getReassociationIndices());
    return success();
  }
};

struct CollapseShapeAdjoint
    : public ReverseAutoDiffOpInterface::ExternalModel<
          CollapseShapeAdjoint, tensor::CollapseShapeOp> {
  SmallVector<Value> getAdjointInputs(Operation *op) const { return {}; }

  LogicalResult buildAdjoint(Operation *op, OpBuilder &builder,
                             ValueRange resultAdjoints,
                             SmallVectorImpl<Value> &operandAdjoints) const {
    auto collapse = cast<tensor::CollapseShapeOp>(op);
    operandAdjoints.assign(op->getNumOperands(), Value());
    if (!resultAdjoints[0])
      return success();
    operandAdjoints[0] = tensor::ExpandShapeOp::create(
        builder, op->getLoc(), collapse.getSrcType(), resultAdjoints[0],
        collapse.getReassociationIndices());
    return success();
  }
};

} // namespace

void mlir::sdd::registerTensorAutoDiffModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, tensor::TensorDialect *) {
    tensor::ExtractSliceOp::attachInterface<ExtractSliceAdjoint>(*ctx);
    tensor::ExpandShapeOp::attachInterface<ExpandShapeAdjoint>(*ctx);
    tensor::CollapseShapeOp::attachInterface<CollapseShapeAdjoint>(*ctx);
  });
}
