//===- KernelEmitter.h - one tiled gpu.launch per linalg op -----*- C++ -*-===//
//
// The kernel generator behind sdd-linalg-to-gpu: the analysis of a linalg
// op's loops and payload, and one emitter per tiling strategy (see the pass
// description in include/sdd/GPU/Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef SDD_LIB_GPU_KERNELEMITTER_H
#define SDD_LIB_GPU_KERNELEMITTER_H

#include "sdd/Analysis/Contraction.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/IRMapping.h"

#include <optional>

namespace mlir {
namespace sdd {
namespace gpu_kernels {

/// A reduction whose every output combines into its initial value with one
/// associative op, e.g. `out' = addf(f(ins), out)`.
struct Combiners {
  /// One per output: the binary op that combines into the output.
  SmallVector<Operation *> ops;
  SmallVector<TypedAttr> neutral;
};

class KernelEmitter {
public:
  /// `useMma`: f32 contractions on tensor cores with bf16 operands.
  KernelEmitter(func::FuncOp func, StringRef moduleName, bool useMma)
      : func(func), moduleName(moduleName), useMma(useMma) {}

  LogicalResult emit(linalg::LinalgOp op);
  /// Also runs `next` (the op after `op`, or null) in the same kernel when
  /// it is an elementwise epilogue of a row reduction (`fusedNext`).
  LogicalResult emit(linalg::LinalgOp op, linalg::LinalgOp next,
                     bool &fusedNext);

private:
  struct Launch {
    gpu::LaunchOp op;
    Value blockId, threadId;
  };

  /// Creates the gpu.launch before `op` and positions `b` in its body.
  Launch createLaunch(OpBuilder &b, Operation *op, int64_t grid, int64_t block,
                      StringRef kind, TypeRange workgroup = {});

  /// Clones the host scalars that the payload reads from buffers (host
  /// loads and what is computed from them) into the kernel.
  void sinkHostScalars(OpBuilder &b, linalg::LinalgOp op, IRMapping &mapping);

  /// The payload at the iteration point `loopIdx`, with the given output
  /// values (null where the payload does not read the output).
  SmallVector<Value> emitPayload(OpBuilder &b, Location loc,
                                 linalg::LinalgOp op, ArrayRef<Value> loopIdx,
                                 ArrayRef<Value> outs, const IRMapping &base);

  /// The value of `root`, a value of the payload, at `loopIdx`: clones the
  /// payload ops it depends on, loading only the inputs they read.
  Value evaluate(OpBuilder &b, Location loc, linalg::LinalgOp op, Value root,
                 ArrayRef<Value> loopIdx, const IRMapping &base);

  LogicalResult emitTiled(const OpInfo &info, ArrayRef<int64_t> threads,
                          ArrayRef<int64_t> points, StringRef kind);
  /// With `epilogue`: one warp per output, then the epilogue over the
  /// reduced row in the same kernel (isRowEpilogue).
  LogicalResult emitReduction(const OpInfo &info, const Combiners &combiners,
                              bool blockPerOutput,
                              linalg::LinalgOp epilogue = {});
  /// Tensor cores (MmaKernel.cpp).
  LogicalResult emitMma(const OpInfo &info, unsigned m, unsigned n,
                        const ContractionPayload &payload);

  func::FuncOp func;
  std::string moduleName;
  bool useMma;
  unsigned counter = 0;
};

} // namespace gpu_kernels
} // namespace sdd
} // namespace mlir

#endif // SDD_LIB_GPU_KERNELEMITTER_H
