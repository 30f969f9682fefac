//===- ModelBuilder.h - model configs to sdd IR -----------------*- C++ -*-===//
//
// Builds the sdd IR of the dense models of MODEL_SPEC.md from a config, and
// the flat-buffer optimiser functions that the artifact exports.
//
//===----------------------------------------------------------------------===//

#ifndef SDD_MODELS_MODELBUILDER_H
#define SDD_MODELS_MODELBUILDER_H

#include "sddrt/Config.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>
#include <vector>

namespace mlir {
namespace sdd {

/// One learnable tensor of a model: its MODEL_SPEC name, shape and
/// initialisation (MODEL_SPEC section 6).
struct ParameterSpec {
  enum class Init { Normal, Constant };
  /// Rows [begin, end) drawn with their own standard deviation (DeepNorm's
  /// q/k versus v rows of the fused qkv matrix).
  struct RowStd {
    int64_t begin, end;
    double std;
  };

  std::string name;
  SmallVector<int64_t> shape;
  Init init = Init::Normal;
  double std = 0.0;
  double value = 0.0;
  std::vector<RowStd> rowStd;
  bool weightDecay = true;

  int64_t numElements() const;
};

/// The parameters of a model in artifact order.
std::vector<ParameterSpec> listParameters(const sddrt::ModelConfig &model);

/// The names of the statistics that @moe_stats returns, in order: for each
/// MoE layer i, "moe.i.lb", "moe.i.z" (the aux losses without their
/// coefficients) and "moe.i.max_load" (the fraction of the N k assignments
/// that went to the busiest expert). Empty for dense models.
std::vector<std::string> listStats(const sddrt::ModelConfig &model);

/// Builds a module with
///   @loss(params..., tokens, targets) -> tensor<elt>       (sdd.param args)
///   @logits(params..., tokens) -> tensor<B x T x V x elt>
///   @moe_stats(params..., tokens) -> tensor<n_stats x elt>  (MoE only)
/// for the batch shape of `config.train`.
OwningOpRef<ModuleOp> buildModelModule(MLIRContext *context,
                                       const sddrt::Config &config,
                                       Type elementType);

/// Adds @grad_sq_norm(grads) -> sum of squares (accumulated in f64, or in
/// f32 without `wideNormAccumulator`: GPUs, whose reductions are trees) and
/// @adamw_update(params, grads, m, v, decay_mask, hyper) -> (params, m, v)
/// over flat f32 buffers of `numParams` elements (docs/ARTIFACT.md).
void addOptimizerFunctions(ModuleOp module, int64_t numParams,
                           bool wideNormAccumulator = true);

} // namespace sdd
} // namespace mlir

#endif // SDD_MODELS_MODELBUILDER_H
