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

/// How the mixture-of-experts ops lower (see the options of sdd-to-linalg).
struct MoELoweringOptions {
  /// Group the assignments by expert with the parallel sort (for GPUs)
  /// instead of the sequential counting sort.
  bool parallelSort = false;
  /// The grouped expert products as grouped contractions (a reduction
  /// dimension, for the GPU's tensor cores) instead of a dot product per
  /// output inside the payload.
  bool groupedContractions = false;
};

/// Adds the patterns that rewrite every sdd op on tensors (forward and
/// backward). `sortedEmbeddingGrad`: the embedding gradient as the
/// positions grouped by id and a sum per id (parallel loops, for GPUs)
/// instead of a scatter-add of rows, position after position.
void populateSDDToLinalgPatterns(RewritePatternSet &patterns,
                                 MoELoweringOptions moe = {},
                                 bool sortedEmbeddingGrad = false);

/// Adds the patterns of the backward ops only.
void populateSDDGradToLinalgPatterns(RewritePatternSet &patterns,
                                     bool sortedEmbeddingGrad = false);

/// Adds the patterns of the mixture-of-experts ops, forward and backward.
void populateSDDMoEToLinalgPatterns(RewritePatternSet &patterns,
                                    MoELoweringOptions options = {});

#define GEN_PASS_REGISTRATION
#include "sdd/Conversion/Passes.h.inc"

} // namespace sdd
} // namespace mlir

#endif // SDD_CONVERSION_PASSES_H
