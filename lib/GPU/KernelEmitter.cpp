//===- KernelEmitter.cpp - one tiled gpu.launch per linalg op -------------===//
//
// sdd-to-linalg leaves every model as a few hundred linalg ops (mostly
// linalg.generic with explicit reductions and fused prologues). Each one
// gets a kernel whose tiling follows from its indexing maps: register tiles
// for contractions (or tensor cores, MmaKernel.cpp), warp and block
// cooperative reductions, and several coalesced outputs per thread for the
// rest. The kernel computes the op's payload directly with loads and stores
// on the original buffers, so no tiled linalg op is left to lower.
//
//===----------------------------------------------------------------------===//

#include "KernelEmitter.h"

#include "GPUKernels.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallBitVector.h"

using namespace mlir;
using namespace mlir::sdd;
using namespace mlir::sdd::gpu_kernels;

namespace {

constexpr int64_t kWarpSize = 32;
/// Threads of an elementwise or serial-reduction block.
constexpr int64_t kBlockThreads = 256;
/// Outputs per thread of an elementwise kernel.
constexpr int64_t kPointsPerThread = 4;
/// Warps per block of a warp-per-output reduction.
constexpr int64_t kReduceWarps = 8;
/// Threads of a block-per-output reduction.
constexpr int64_t kBlockReduceThreads = 512;

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

int64_t powerOf2AtLeast(int64_t n) {
  int64_t p = 1;
  while (p < n)
    p *= 2;
  return p;
}

int64_t product(ArrayRef<int64_t> values) {
  int64_t result = 1;
  for (int64_t v : values)
    result *= v;
  return result;
}

std::optional<Combiners> matchCombiners(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  SmallVector<BlockArgument> outArgs;
  for (OpOperand &init : op.getDpsInitsMutable())
    outArgs.push_back(op.getMatchingBlockArgument(&init));
  Combiners result;
  for (unsigned i = 0, e = outArgs.size(); i < e; ++i) {
    SmallVector<Operation *> combinerOps;
    if (!matchReduction(outArgs, i, combinerOps) || combinerOps.size() != 1)
      return std::nullopt;
    Operation *combiner = combinerOps.front();
    if (combiner->getNumOperands() != 2 || combiner->getBlock() != body)
      return std::nullopt;
    std::optional<TypedAttr> neutral = arith::getNeutralElement(combiner);
    if (!neutral)
      return std::nullopt;
    Type type = combiner->getResult(0).getType();
    if (!type.isIntOrFloat() || (type.getIntOrFloatBitWidth() != 32 &&
                                 type.getIntOrFloatBitWidth() != 64))
      return std::nullopt;
    result.ops.push_back(combiner);
    result.neutral.push_back(*neutral);
  }
  return result;
}

/// Emits kernels for the linalg ops of one function.

} // namespace

KernelEmitter::Launch KernelEmitter::createLaunch(OpBuilder &b, Operation *op,
                                                  int64_t grid, int64_t block,
                                                  StringRef kind,
                                                  TypeRange workgroup) {
  Location loc = op->getLoc();
  b.setInsertionPoint(op);
  Value one = constantIndex(b, loc, 1);
  std::string name =
      (func.getSymName() + "_" + kind + "_" + Twine(counter++)).str();
  auto launch = gpu::LaunchOp::create(
      b, loc, constantIndex(b, loc, grid), one, one,
      constantIndex(b, loc, block), one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, workgroup, /*privateAttributions=*/{}, nullptr,
      nullptr, nullptr, FlatSymbolRefAttr::get(b.getContext(), moduleName),
      FlatSymbolRefAttr::get(b.getContext(), name));
  Block &body = launch.getBody().front();
  b.setInsertionPointToEnd(&body);
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&body);
  return {launch, launch.getBlockIds().x, launch.getThreadIds().x};
}

void KernelEmitter::sinkHostScalars(OpBuilder &b, linalg::LinalgOp op,
                                    IRMapping &mapping) {
  SetVector<Value> captured;
  getUsedValuesDefinedAbove(op->getRegion(0), captured);
  // Host ops to clone: loads of buffers and everything computed from them.
  llvm::SetVector<Operation *> slice;
  std::function<bool(Value)> needsSinking = [&](Value v) -> bool {
    Operation *def = v.getDefiningOp();
    if (!def || def->getNumRegions() != 0)
      return false;
    if (isa<memref::LoadOp>(def)) {
      slice.insert(def);
      return true;
    }
    if (!isPure(def))
      return false;
    bool any = false;
    for (Value operand : def->getOperands())
      any |= needsSinking(operand);
    if (any)
      slice.insert(def);
    return any;
  };
  for (Value v : captured)
    needsSinking(v);
  SmallVector<Operation *> ordered(slice.begin(), slice.end());
  llvm::sort(ordered,
             [](Operation *a, Operation *c) { return a->isBeforeInBlock(c); });
  for (Operation *host : ordered)
    b.clone(*host, mapping);
}

/// The value of input `input` at `loopIdx` (scalars as they are).
static Value loadInput(OpBuilder &b, Location loc, linalg::LinalgOp op,
                       OpOperand *input, ArrayRef<Value> loopIdx) {
  Value source = input->get();
  if (!isa<MemRefType>(source.getType()))
    return source;
  return memref::LoadOp::create(
      b, loc, source,
      applyMap(b, loc, op.getMatchingIndexingMap(input), loopIdx));
}

SmallVector<Value> KernelEmitter::emitPayload(OpBuilder &b, Location loc,
                                              linalg::LinalgOp op,
                                              ArrayRef<Value> loopIdx,
                                              ArrayRef<Value> outs,
                                              const IRMapping &base) {
  IRMapping mapping = base;
  Block *body = op.getBlock();
  unsigned numInputs = op.getNumDpsInputs();
  for (OpOperand *input : op.getDpsInputOperands()) {
    BlockArgument arg = op.getMatchingBlockArgument(input);
    // Inputs the payload never reads need no load, nor those that `base`
    // maps (a fused epilogue's reduction result).
    if (!arg.use_empty() && !mapping.contains(arg))
      mapping.map(arg, loadInput(b, loc, op, input, loopIdx));
  }
  for (auto [i, out] : llvm::enumerate(outs))
    if (out)
      mapping.map(body->getArgument(numInputs + i), out);
  for (Operation &payload : body->without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(payload)) {
      mapping.map(index.getResult(), loopIdx[index.getDim()]);
      continue;
    }
    b.clone(payload, mapping);
  }
  SmallVector<Value> results;
  for (Value yielded : body->getTerminator()->getOperands())
    results.push_back(mapping.lookupOrDefault(yielded));
  return results;
}

Value KernelEmitter::evaluate(OpBuilder &b, Location loc, linalg::LinalgOp op,
                              Value root, ArrayRef<Value> loopIdx,
                              const IRMapping &base) {
  llvm::SetVector<Operation *> slice;
  llvm::SmallSetVector<BlockArgument, 4> args;
  collectPayloadSlice(op, root, slice, args);
  IRMapping mapping = base;
  // Arguments that `base` already maps (a grouped contraction's group) keep
  // their value.
  for (BlockArgument arg : args)
    if (!mapping.contains(arg))
      mapping.map(arg,
                  loadInput(b, loc, op, &op->getOpOperand(arg.getArgNumber()),
                            loopIdx));
  for (Operation *payload : slice) {
    if (auto index = dyn_cast<linalg::IndexOp>(payload)) {
      mapping.map(index.getResult(), loopIdx[index.getDim()]);
      continue;
    }
    b.clone(*payload, mapping);
  }
  return mapping.lookupOrDefault(root);
}

LogicalResult KernelEmitter::emitTiled(const OpInfo &info,
                                       ArrayRef<int64_t> threads,
                                       ArrayRef<int64_t> points,
                                       StringRef kind) {
  linalg::LinalgOp op = info.op;
  Location loc = op.getLoc();
  OpBuilder b(op);
  SmallVector<int64_t> grid, blockThreads, pointCounts;
  for (unsigned d : info.parallel) {
    grid.push_back(ceilDiv(info.ranges[d], threads[d] * points[d]));
    blockThreads.push_back(threads[d]);
    pointCounts.push_back(points[d]);
  }
  Launch launch =
      createLaunch(b, op, product(grid), product(blockThreads), kind);
  IRMapping base;
  sinkHostScalars(b, op, base);
  SmallVector<Value> blockCoord = delinearize(b, loc, launch.blockId, grid);
  SmallVector<Value> threadCoord =
      delinearize(b, loc, launch.threadId, blockThreads);

  // Every point of the thread's tile: its loop indices (reduction dimensions
  // filled in later), clamped copies for loads and a validity flag where the
  // last block overhangs.
  struct Point {
    SmallVector<Value> idx, safe;
    Value valid;
  };
  SmallVector<Point> tile;
  int64_t numPoints = product(pointCounts);
  for (int64_t p = 0; p < numPoints; ++p) {
    SmallVector<int64_t> pointCoord = delinearizeStatic(p, pointCounts);
    Point point;
    point.idx.assign(info.ranges.size(), nullptr);
    point.safe.assign(info.ranges.size(), nullptr);
    for (auto [k, d] : llvm::enumerate(info.parallel)) {
      int64_t blockTile = threads[d] * points[d];
      // Points of one thread lie a block of threads apart, so that
      // neighbouring threads touch neighbouring elements.
      Value idx = addIndex(
          b, loc, mulIndex(b, loc, blockCoord[k], blockTile),
          addIndex(b, loc, constantIndex(b, loc, pointCoord[k] * threads[d]),
                   threadCoord[k]));
      point.idx[d] = idx;
      point.safe[d] = idx;
      if (info.ranges[d] % blockTile != 0) {
        Value size = constantIndex(b, loc, info.ranges[d]);
        Value inside =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, idx, size);
        point.valid = point.valid
                          ? arith::AndIOp::create(b, loc, point.valid, inside)
                          : inside;
        point.safe[d] = arith::MinUIOp::create(
            b, loc, idx, constantIndex(b, loc, info.ranges[d] - 1));
      }
    }
    tile.push_back(std::move(point));
  }

  unsigned numOutputs = op.getNumDpsInits();
  Block *body = op.getBlock();
  auto outputRead = [&](unsigned o) {
    return !body->getArgument(op.getNumDpsInputs() + o).use_empty();
  };
  auto outputIndices = [&](OpBuilder &b, unsigned o, ArrayRef<Value> idx) {
    SmallVector<Value> full(idx.begin(), idx.end());
    for (Value &v : full)
      if (!v)
        v = constantIndex(b, loc, 0);
    return applyMap(b, loc, op.getMatchingIndexingMap(op.getDpsInitOperand(o)),
                    full);
  };

  // Initial output values (the accumulators of a reduction).
  SmallVector<Value> accumulators;
  bool hasReduction = !info.reduction.empty();
  for (Point &point : tile)
    for (unsigned o = 0; o < numOutputs; ++o) {
      if (!hasReduction && !outputRead(o)) {
        accumulators.push_back(nullptr);
        continue;
      }
      Value out = op.getDpsInitOperand(o)->get();
      accumulators.push_back(
          memref::LoadOp::create(b, loc, out, outputIndices(b, o, point.safe)));
    }

  SmallVector<Value> results;
  if (!hasReduction) {
    for (auto [p, point] : llvm::enumerate(tile)) {
      SmallVector<Value> values = emitPayload(
          b, loc, op, point.safe,
          ArrayRef<Value>(accumulators).slice(p * numOutputs, numOutputs),
          base);
      results.append(values);
    }
  } else {
    SmallVector<Value> lbs, ubs, steps;
    for (unsigned d : info.reduction) {
      lbs.push_back(constantIndex(b, loc, 0));
      ubs.push_back(constantIndex(b, loc, info.ranges[d]));
      steps.push_back(constantIndex(b, loc, 1));
    }
    scf::LoopNest nest = scf::buildLoopNest(
        b, loc, lbs, ubs, steps, accumulators,
        [&](OpBuilder &nb, Location loc, ValueRange ivs,
            ValueRange iterArgs) -> scf::ValueVector {
          scf::ValueVector next;
          for (auto [p, point] : llvm::enumerate(tile)) {
            SmallVector<Value> idx = point.safe;
            for (auto [k, d] : llvm::enumerate(info.reduction))
              idx[d] = ivs[k];
            SmallVector<Value> values = emitPayload(
                nb, loc, op, idx,
                SmallVector<Value>(iterArgs.slice(p * numOutputs, numOutputs)),
                base);
            next.append(values.begin(), values.end());
          }
          return next;
        });
    results.assign(nest.results.begin(), nest.results.end());
  }

  for (auto [p, point] : llvm::enumerate(tile)) {
    OpBuilder::InsertionGuard guard(b);
    if (point.valid) {
      auto ifOp = scf::IfOp::create(b, loc, point.valid,
                                    /*withElseRegion=*/false);
      b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    }
    for (unsigned o = 0; o < numOutputs; ++o)
      memref::StoreOp::create(b, loc, results[p * numOutputs + o],
                              op.getDpsInitOperand(o)->get(),
                              outputIndices(b, o, point.idx));
  }
  return success();
}

LogicalResult KernelEmitter::emitReduction(const OpInfo &info,
                                           const Combiners &combiners,
                                           bool blockPerOutput,
                                           linalg::LinalgOp epilogue) {
  linalg::LinalgOp op = info.op;
  Location loc = op.getLoc();
  OpBuilder b(op);
  int64_t outputsPerBlock = blockPerOutput ? 1 : kReduceWarps;
  int64_t blockSize =
      blockPerOutput ? kBlockReduceThreads : kReduceWarps * kWarpSize;
  int64_t numWarps = blockSize / kWarpSize;
  int64_t numOutputPoints = info.parallelPoints();
  int64_t numReductionPoints = info.reductionPoints();
  unsigned numOutputs = op.getNumDpsInits();

  SmallVector<Type> workgroup;
  if (blockPerOutput)
    for (Operation *combiner : combiners.ops)
      workgroup.push_back(MemRefType::get(
          {numWarps}, combiner->getResult(0).getType(), AffineMap(),
          gpu::AddressSpaceAttr::get(b.getContext(),
                                     gpu::AddressSpace::Workgroup)));
  Launch launch =
      createLaunch(b, op, ceilDiv(numOutputPoints, outputsPerBlock), blockSize,
                   blockPerOutput ? "block_reduce"
                   : epilogue     ? "row_epilogue"
                                  : "warp_reduce",
                   workgroup);
  IRMapping base;
  sinkHostScalars(b, op, base);

  Value warpSize = constantIndex(b, loc, kWarpSize);
  Value lane = arith::RemUIOp::create(b, loc, launch.threadId, warpSize);
  Value warp = arith::DivUIOp::create(b, loc, launch.threadId, warpSize);
  Value outputPoint, first, stride, valid;
  if (blockPerOutput) {
    outputPoint = launch.blockId;
    first = launch.threadId;
    stride = constantIndex(b, loc, blockSize);
  } else {
    outputPoint =
        addIndex(b, loc, mulIndex(b, loc, launch.blockId, kReduceWarps), warp);
    first = lane;
    stride = warpSize;
    if (numOutputPoints % kReduceWarps != 0) {
      valid =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, outputPoint,
                                constantIndex(b, loc, numOutputPoints));
      outputPoint = arith::MinUIOp::create(
          b, loc, outputPoint, constantIndex(b, loc, numOutputPoints - 1));
    }
  }
  SmallVector<int64_t> parallelSizes, reductionSizes;
  for (unsigned d : info.parallel)
    parallelSizes.push_back(info.ranges[d]);
  for (unsigned d : info.reduction)
    reductionSizes.push_back(info.ranges[d]);
  SmallVector<Value> parallelIdx =
      delinearize(b, loc, outputPoint, parallelSizes);
  SmallVector<Value> idx(info.ranges.size(), nullptr);
  for (auto [k, d] : llvm::enumerate(info.parallel))
    idx[d] = parallelIdx[k];

  // The loop indices of the row's reduction point `r`.
  auto pointAt = [&](OpBuilder &lb, Value r) {
    SmallVector<Value> point = idx;
    SmallVector<Value> reductionIdx = delinearize(lb, loc, r, reductionSizes);
    for (auto [k, d] : llvm::enumerate(info.reduction))
      point[d] = reductionIdx[k];
    return point;
  };

  // Each lane folds a strided share of the reduction into a partial value
  // that starts at the combiner's neutral element.
  SmallVector<Value> partials;
  for (TypedAttr neutral : combiners.neutral)
    partials.push_back(arith::ConstantOp::create(b, loc, neutral));
  auto loop = scf::ForOp::create(
      b, loc, first, constantIndex(b, loc, numReductionPoints), stride,
      partials, [&](OpBuilder &lb, Location loc, Value r, ValueRange iterArgs) {
        SmallVector<Value> values = emitPayload(
            lb, loc, op, pointAt(lb, r), SmallVector<Value>(iterArgs), base);
        scf::YieldOp::create(lb, loc, values);
      });
  partials.assign(loop.getResults().begin(), loop.getResults().end());

  auto combine = [&](OpBuilder &b, unsigned o, Value x, Value y) {
    Operation *combiner = b.clone(*combiners.ops[o]);
    combiner->setOperands({x, y});
    return combiner->getResult(0);
  };
  auto warpReduce = [&](OpBuilder &b, SmallVector<Value> &values) {
    for (int64_t offset = kWarpSize / 2; offset > 0; offset /= 2)
      for (unsigned o = 0; o < numOutputs; ++o)
        values[o] = combine(b, o, values[o],
                            shuffleXor(b, loc, values[o], offset, kWarpSize));
  };
  Value zero = constantIndex(b, loc, 0);
  Value isLeader =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane, zero);
  SmallVector<Value> full = idx;
  for (Value &v : full)
    if (!v)
      v = zero;
  SmallVector<SmallVector<Value>> outIndices;
  for (unsigned o = 0; o < numOutputs; ++o) {
    OpOperand *init = op.getDpsInitOperand(o);
    outIndices.push_back(
        applyMap(b, loc, op.getMatchingIndexingMap(init), full));
  }
  // The payload's own combiner order: combiner(f(ins), out).
  auto withInitial = [&](OpBuilder &b, unsigned o, Value total) {
    OpOperand *init = op.getDpsInitOperand(o);
    Value initial = memref::LoadOp::create(b, loc, init->get(), outIndices[o]);
    Value outArg = op.getMatchingBlockArgument(init);
    return combiners.ops[o]->getOperand(0) == outArg
               ? combine(b, o, initial, total)
               : combine(b, o, total, initial);
  };
  // With an epilogue every lane needs the result: lane 0 folds the initial
  // value in before the butterfly (every lane reading it after lane 0
  // stored the result would race).
  if (epilogue)
    for (unsigned o = 0; o < numOutputs; ++o)
      partials[o] = arith::SelectOp::create(
          b, loc, isLeader, withInitial(b, o, partials[o]), partials[o]);
  warpReduce(b, partials);
  if (blockPerOutput) {
    // Warp leaders meet in shared memory; the first warp combines them.
    auto attributions = launch.op.getWorkgroupAttributions();
    {
      auto ifOp = scf::IfOp::create(b, loc, isLeader, false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&ifOp.getThenRegion().front());
      for (unsigned o = 0; o < numOutputs; ++o)
        memref::StoreOp::create(b, loc, partials[o], attributions[o],
                                ValueRange{warp});
    }
    gpu::BarrierOp::create(b, loc);
    Value laneHasValue =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, lane,
                              constantIndex(b, loc, numWarps));
    Value safeLane = arith::MinUIOp::create(
        b, loc, lane, constantIndex(b, loc, numWarps - 1));
    for (unsigned o = 0; o < numOutputs; ++o) {
      Value stored =
          memref::LoadOp::create(b, loc, attributions[o], ValueRange{safeLane});
      Value neutral = arith::ConstantOp::create(b, loc, combiners.neutral[o]);
      partials[o] =
          arith::SelectOp::create(b, loc, laneHasValue, stored, neutral);
    }
    warpReduce(b, partials);
    Value firstWarp =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, warp, zero);
    isLeader = arith::AndIOp::create(b, loc, isLeader, firstWarp);
  }
  Value store = valid
                    ? arith::AndIOp::create(b, loc, isLeader, valid).getResult()
                    : isLeader;
  SmallVector<Value> results = partials;
  {
    OpBuilder::InsertionGuard guard(b);
    auto ifOp = scf::IfOp::create(b, loc, store, false);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    for (unsigned o = 0; o < numOutputs; ++o) {
      if (!epilogue)
        results[o] = withInitial(b, o, partials[o]);
      memref::StoreOp::create(b, loc, results[o],
                              op.getDpsInitOperand(o)->get(), outIndices[o]);
    }
  }
  if (!epilogue)
    return success();

  // The epilogue over the row, the reduction's result from registers and
  // the row's other operands read a second time (from cache, just read by
  // this warp).
  if (valid) {
    auto ifOp = scf::IfOp::create(b, loc, valid, false);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  }
  IRMapping epilogueBase;
  sinkHostScalars(b, epilogue, epilogueBase);
  for (OpOperand *input : epilogue.getDpsInputOperands())
    if (input->get() == op.getDpsInitOperand(0)->get())
      epilogueBase.map(epilogue.getMatchingBlockArgument(input), results[0]);
  scf::ForOp::create(
      b, loc, first, constantIndex(b, loc, numReductionPoints), stride,
      ValueRange{}, [&](OpBuilder &lb, Location loc, Value r, ValueRange) {
        SmallVector<Value> point = pointAt(lb, r);
        SmallVector<Value> values =
            emitPayload(lb, loc, epilogue, point,
                        SmallVector<Value>(epilogue.getNumDpsInits(), Value()),
                        epilogueBase);
        for (auto [o, value] : llvm::enumerate(values)) {
          OpOperand *init = epilogue.getDpsInitOperand(o);
          memref::StoreOp::create(
              lb, loc, value, init->get(),
              applyMap(lb, loc, epilogue.getMatchingIndexingMap(init), point));
        }
        scf::YieldOp::create(lb, loc);
      });
  return success();
}

/// Whether `epilogue` can run in the kernel of the row reduction `info` (one
/// warp per output): an elementwise op right after it over the same loops
/// that reads the reduction's one output where the reduction writes it (the
/// SDD layer's `alpha * z / rms`, RMSNorm's scaling), whose payload does not
/// read its outputs, and that writes none of the buffers the two read.
static bool isRowEpilogue(const OpInfo &info, linalg::LinalgOp epilogue) {
  linalg::LinalgOp op = info.op;
  if (!epilogue || op.getNumDpsInits() != 1 ||
      epilogue.getNumReductionLoops() != 0 ||
      !epilogue.hasPureBufferSemantics() ||
      epilogue.getStaticLoopRanges() != ArrayRef<int64_t>(info.ranges))
    return false;
  Value reduced = op.getDpsInitOperand(0)->get();
  Value reducedRoot = sdd::gpu_kernels::viewRoot(reduced);
  bool readsResult = false;
  for (OpOperand *input : epilogue.getDpsInputOperands()) {
    if (input->get() != reduced) {
      // Read through another view, it could be read before lane 0 stored.
      if (sdd::gpu_kernels::viewRoot(input->get()) == reducedRoot)
        return false;
      continue;
    }
    if (epilogue.getMatchingIndexingMap(input) !=
        op.getMatchingIndexingMap(op.getDpsInitOperand(0)))
      return false;
    readsResult = true;
  }
  if (!readsResult)
    return false;
  llvm::SmallPtrSet<Value, 8> read;
  for (OpOperand &operand : op->getOpOperands())
    read.insert(sdd::gpu_kernels::viewRoot(operand.get()));
  for (OpOperand *input : epilogue.getDpsInputOperands())
    read.insert(sdd::gpu_kernels::viewRoot(input->get()));
  for (OpOperand &init : epilogue.getDpsInitsMutable())
    if (!epilogue.getMatchingBlockArgument(&init).use_empty() ||
        read.contains(sdd::gpu_kernels::viewRoot(init.get())))
      return false;
  // Between the two only allocations, views and constants.
  for (Operation *between = op->getNextNode(); between != epilogue;
       between = between->getNextNode()) {
    if (!between)
      return false;
    if (!isa<memref::AllocOp, ViewLikeOpInterface>(between) &&
        !between->hasTrait<OpTrait::ConstantLike>())
      return false;
  }
  return true;
}

LogicalResult KernelEmitter::emit(linalg::LinalgOp op) {
  bool fused = false;
  return emit(op, linalg::LinalgOp(), fused);
}

LogicalResult KernelEmitter::emit(linalg::LinalgOp op, linalg::LinalgOp next,
                                  bool &fusedNext) {
  fusedNext = false;
  std::optional<OpInfo> analysed = OpInfo::get(op);
  if (!analysed)
    return op.emitOpError("has dynamic loop bounds; the GPU lowering needs "
                          "static shapes");
  const OpInfo &info = *analysed;
  unsigned numLoops = info.ranges.size();
  SmallVector<int64_t> threads(numLoops, 1), points(numLoops, 1);
  int64_t reductionPoints = info.reductionPoints();
  int64_t parallelPoints = info.parallelPoints();

  if (!info.reduction.empty() && reductionPoints >= 8) {
    if (auto dims = findRegisterTileDims(info)) {
      if (useMma && info.ranges[dims->first] >= 16 &&
          info.ranges[dims->second] >= 16 && reductionPoints >= 16)
        if (std::optional<ContractionPayload> payload =
                matchContractionPayload(info, dims->first, dims->second))
          return emitMma(info, dims->first, dims->second, *payload);
      // A register tile of up to 4x4 outputs per thread over 16x16 threads.
      for (unsigned d : {dims->first, dims->second}) {
        int64_t blockTile =
            std::min<int64_t>(64, powerOf2AtLeast(info.ranges[d]));
        points[d] = blockTile >= 64 ? 4 : std::max<int64_t>(1, blockTile / 16);
        threads[d] = blockTile / points[d];
      }
      return emitTiled(info, threads, points, "contract");
    }
  }
  if (useMma && reductionPoints >= 16)
    if (std::optional<GroupedContraction> grouped =
            matchGroupedContraction(info))
      if (info.ranges[grouped->m] >= 16 && info.ranges[grouped->n] >= 16)
        return emitMma(info, grouped->m, grouped->n, grouped->payload);
  if (!info.reduction.empty() && reductionPoints >= kWarpSize) {
    if (std::optional<Combiners> combiners = matchCombiners(op)) {
      bool blockPerOutput = parallelPoints <= 64 && reductionPoints >= 8192;
      if (!blockPerOutput && isRowEpilogue(info, next)) {
        fusedNext = true;
        // The allocations and views between the two go first, for the
        // kernel at `op`'s place.
        while (op->getNextNode() != next.getOperation())
          op->getNextNode()->moveBefore(op);
        return emitReduction(info, *combiners, false, next);
      }
      return emitReduction(info, *combiners, blockPerOutput);
    }
  }

  // Threads over the innermost parallel dimensions, then up to
  // kPointsPerThread outputs per thread along the innermost dimension that
  // still has work left.
  int64_t budget = kBlockThreads;
  // A thread per output of a serial reduction: with few outputs, smaller
  // blocks spread them over more multiprocessors.
  if (!info.reduction.empty())
    budget = std::max<int64_t>(
        kWarpSize, std::min<int64_t>(kBlockThreads,
                                     powerOf2AtLeast(parallelPoints / 256)));
  for (unsigned d : llvm::reverse(info.parallel)) {
    if (budget == 1)
      break;
    threads[d] = std::min(budget, powerOf2AtLeast(info.ranges[d]));
    budget /= threads[d];
  }
  if (info.reduction.empty()) {
    for (unsigned d : llvm::reverse(info.parallel)) {
      int64_t left = ceilDiv(info.ranges[d], threads[d]);
      if (left > 1) {
        points[d] = std::min<int64_t>(kPointsPerThread, left);
        break;
      }
    }
  }
  return emitTiled(info, threads, points,
                   info.reduction.empty() ? "elementwise" : "reduce");
}
