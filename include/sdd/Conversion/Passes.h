//===- Passes.h - conversions out of the sdd dialect ------------*- C++ -*-===//

#ifndef SDD_CONVERSION_PASSES_H
#define SDD_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace sdd {

#define GEN_PASS_DECL
#include "sdd/Conversion/Passes.h.inc"

/// Adds the patterns that rewrite every sdd op on tensors (forward and
/// backward). `parallelMoESort`: group the MoE assignments by expert with
/// the parallel sort (for GPUs) instead of the sequential counting sort.
/// `denseEmbeddingGrad`: the embedding gradient as a dense reduction over
/// positions (for GPUs) instead of a scatter-add of rows.
void populateSDDToLinalgPatterns(RewritePatternSet &patterns,
                                 bool parallelMoESort = false,
                                 bool denseEmbeddingGrad = false);

/// Adds the patterns of the backward ops only.
void populateSDDGradToLinalgPatterns(RewritePatternSet &patterns,
                                     bool denseEmbeddingGrad = false);

/// Adds the patterns of the mixture-of-experts ops, forward and backward.
void populateSDDMoEToLinalgPatterns(RewritePatternSet &patterns,
                                    bool parallelSort = false);

#define GEN_PASS_REGISTRATION
#include "sdd/Conversion/Passes.h.inc"

} // namespace sdd
} // namespace mlir

#endif // SDD_CONVERSION_PASSES_H
