//===- ContractionKernels.cpp - vector loops for contractions -------------===//
//
// Lowered by convert-linalg-to-parallel-loops, a matrix product computes one
// output at a time and reloads both operands for each: about 1 GFLOP/s on
// the project's machines, where the vendor BLAS reaches 30. Here every
// contraction (sdd::matchContractionPayload, the same match as the GPU's
// tensor-core kernels) gets a loop nest that keeps a tile of outputs in
// vector accumulators across the whole reduction, so each loaded vector
// feeds several fused multiply-adds. The fused prologues (RMSNorm's
// scaling, RoPE, ...) are evaluated as vectors on the fly: the operands are
// never materialised.
//
//===----------------------------------------------------------------------===//

#include "sdd/CPU/Passes.h"

#include "sdd/Analysis/Contraction.h"
#include "sdd/Utils/IndexArithmetic.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/IRMapping.h"

#include "llvm/ADT/SetVector.h"

namespace mlir::sdd {
#define GEN_PASS_DEF_SDDCPUCONTRACTIONKERNELS
#include "sdd/CPU/Passes.h.inc"
} // namespace mlir::sdd

using namespace mlir;
using namespace mlir::sdd;

namespace {

/// How one contraction or sum is vectorised (see the pass description).
struct Plan {
  enum class Kind { Broadcast, Dot, Sum } kind;
  /// The two tile dimensions: `row` is read by `rowSide` only, `col` by
  /// `colSide` only. `vec` is the dimension the vectors run along: `col`
  /// for Broadcast and Sum, a reduction dimension for Dot. A Sum has no
  /// row side: `colSide` is the summand.
  unsigned row, col, vec;
  Value rowSide, colSide;
  /// A Broadcast plan's reduction range: the reduction loop runs over
  /// [begin, end) only, where the masked side is its unmasked value.
  std::optional<ReductionRange> range = std::nullopt;
  bool hasRow() const { return kind != Kind::Sum; }
};

/// Vectors per tile of a Sum: independent accumulators that hide the
/// latency of the additions.
constexpr int64_t kSumVectors = 4;

/// Whether the slice of `root` can be evaluated as vectors along `dim`:
/// every buffer it loads reads `dim` as its innermost, contiguous index or
/// not at all (inputs, and loads in the payload such as a grouped
/// contraction's weight, whose last index may be the loop index of `dim`),
/// the ops on values that vary along `dim` are elementwise, and whatever
/// does not vary along `dim` is computed once as a scalar.
bool isVectorizable(linalg::LinalgOp op, Value root, unsigned dim) {
  llvm::SetVector<Operation *> ops;
  llvm::SmallSetVector<BlockArgument, 4> args;
  collectPayloadSlice(op, root, ops, args);
  // The values that vary along `dim` (vectors once evaluated).
  llvm::SmallPtrSet<Value, 16> varying;
  for (BlockArgument arg : args) {
    OpOperand &operand = op->getOpOperand(arg.getArgNumber());
    if (!op.isDpsInput(&operand))
      return false;
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type)
      continue;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    if (!dimsReadBy(map).test(dim))
      continue;
    auto last = dyn_cast<AffineDimExpr>(map.getResults().back());
    if (!last || last.getPosition() != dim || !type.isLastDimUnitStride() ||
        !type.getElementType().isIntOrFloat())
      return false;
    for (AffineExpr expr : map.getResults().drop_back())
      if (expr.isFunctionOfDim(dim))
        return false;
    varying.insert(arg);
  }
  auto isVarying = [&](Value v) { return varying.contains(v); };
  for (Operation *payload : ops) {
    if (auto index = dyn_cast<linalg::IndexOp>(payload)) {
      // Only as the last index of a load (below).
      if (index.getDim() == dim &&
          !llvm::all_of(index->getUsers(), [&](Operation *user) {
            auto load = dyn_cast<memref::LoadOp>(user);
            return load && load.getIndices().back() == index.getResult() &&
                   !llvm::is_contained(load.getIndices().drop_back(),
                                       index.getResult());
          }))
        return false;
      continue;
    }
    if (auto load = dyn_cast<memref::LoadOp>(payload)) {
      if (llvm::any_of(load.getIndices(), isVarying))
        return false;
      auto last = load.getIndices().back().getDefiningOp<linalg::IndexOp>();
      if (last && last.getDim() == dim) {
        if (!load.getMemRefType().isLastDimUnitStride() ||
            !load.getType().isIntOrFloat())
          return false;
        varying.insert(load.getResult());
      }
      continue;
    }
    if (payload->getNumRegions() != 0 || !isPure(payload))
      return false;
    if (llvm::none_of(payload->getOperands(), isVarying))
      continue;
    if (payload->getNumResults() != 1 ||
        !OpTrait::hasElementwiseMappableTraits(payload) ||
        !payload->getResult(0).getType().isIntOrFloat())
      return false;
    varying.insert(payload->getResult(0));
  }
  return true;
}

/// The output's innermost dimension when the output is contiguous along it.
std::optional<unsigned> contiguousOutputDim(linalg::LinalgOp op) {
  OpOperand *init = op.getDpsInitOperand(0);
  auto outType = cast<MemRefType>(init->get().getType());
  AffineMap outMap = op.getMatchingIndexingMap(init);
  if (outMap.getNumResults() == 0 || !outType.isLastDimUnitStride())
    return std::nullopt;
  auto last = dyn_cast<AffineDimExpr>(outMap.getResults().back());
  if (!last)
    return std::nullopt;
  return last.getPosition();
}

std::optional<Plan> choosePlan(const OpInfo &info, unsigned m, unsigned n,
                               const ContractionPayload &payload) {
  linalg::LinalgOp op = info.op;
  std::optional<unsigned> outDim = contiguousOutputDim(op);
  if (outDim && (*outDim == m || *outDim == n)) {
    unsigned col = *outDim;
    Plan plan{Plan::Kind::Broadcast,
              col == n ? m : n,
              col,
              col,
              col == n ? payload.lhs : payload.rhs,
              col == n ? payload.rhs : payload.lhs};
    if (isVectorizable(op, plan.colSide, col))
      return plan;
  }
  for (unsigned k : llvm::reverse(info.reduction))
    if (isVectorizable(op, payload.lhs, k) &&
        isVectorizable(op, payload.rhs, k))
      return Plan{Plan::Kind::Dot, m, n, k, payload.lhs, payload.rhs};
  return std::nullopt;
}

/// A sum over the reduction dimensions, `out' = out + f(ins)` in f32, whose
/// output is contiguous along a parallel dimension that f can be evaluated
/// along as vectors (e.g. the gradients of alpha and of the norm weights:
/// sums over all positions of a row vector). The summand becomes the
/// payload's `rhs`.
std::optional<std::pair<Plan, ContractionPayload>>
matchSum(const OpInfo &info) {
  linalg::LinalgOp op = info.op;
  std::optional<std::pair<arith::AddFOp, Value>> accumulation =
      matchAccumulation(op);
  if (!accumulation)
    return std::nullopt;
  auto [accumulate, summand] = *accumulation;
  std::optional<unsigned> col = contiguousOutputDim(op);
  if (!col || !llvm::is_contained(info.parallel, *col) ||
      !isVectorizable(op, summand, *col))
    return std::nullopt;
  return std::make_pair(
      Plan{Plan::Kind::Sum, *col, *col, *col, Value(), summand},
      ContractionPayload{nullptr, accumulate, Value(), summand,
                         BlockArgument()});
}

/// Emits the loop nest of one contraction.
class Emitter {
public:
  Emitter(const OpInfo &info, const ContractionPayload &payload,
          const Plan &plan)
      : info(info), op(info.op), payload(payload), plan(plan),
        loc(op.getLoc()) {}

  /// One region of the output: rows [rowBegin, rowEnd) in tiles of `rows`,
  /// columns [colBegin, colEnd) in tiles of `cols` x `width` (Broadcast) or
  /// `cols` (Dot).
  void emitRegion(OpBuilder &b, int64_t rowBegin, int64_t rowEnd, int64_t rows,
                  int64_t colBegin, int64_t colEnd, int64_t cols,
                  int64_t width);

private:
  Value index(OpBuilder &b, int64_t v) { return constantIndex(b, loc, v); }

  /// `root` at `idx`: `width` lanes along `plan.vec` from `idx[plan.vec]`,
  /// or a scalar for a width of 1.
  Value evaluate(OpBuilder &b, Value root, ArrayRef<Value> idx, int64_t width);

  Value zero(OpBuilder &b, int64_t width);
  Value fma(OpBuilder &b, Value a, Value x, Value acc);

  /// out = out + sum at `idx`, as vectors of `width` along `plan.col`.
  void accumulateInto(OpBuilder &b, ArrayRef<Value> idx, Value sum,
                      int64_t width);

  void emitBroadcastTile(OpBuilder &b, SmallVector<Value> idx, int64_t rows,
                         int64_t cols, int64_t width);
  void emitDotTile(OpBuilder &b, SmallVector<Value> idx, int64_t rows,
                   int64_t cols, int64_t width);

  const OpInfo &info;
  linalg::LinalgOp op;
  const ContractionPayload &payload;
  const Plan &plan;
  Location loc;
  /// In a pass of a grouped contraction's Dot tile: the group (an index)
  /// at which the column side is evaluated.
  Value groupValue;
};

Value Emitter::evaluate(OpBuilder &b, Value root, ArrayRef<Value> idx,
                        int64_t width) {
  llvm::SetVector<Operation *> ops;
  llvm::SmallSetVector<BlockArgument, 4> args;
  collectPayloadSlice(op, root, ops, args);
  IRMapping mapping;
  for (BlockArgument arg : args) {
    OpOperand &operand = op->getOpOperand(arg.getArgNumber());
    Value source = operand.get();
    if (groupValue && arg == payload.group && root == plan.colSide) {
      mapping.map(arg, arg.getType().isIndex()
                           ? groupValue
                           : arith::IndexCastOp::create(b, loc, arg.getType(),
                                                        groupValue)
                                 .getResult());
      continue;
    }
    auto type = dyn_cast<MemRefType>(source.getType());
    if (!type) {
      mapping.map(arg, source);
      continue;
    }
    AffineMap map = op.getMatchingIndexingMap(&operand);
    SmallVector<Value> indices = applyMap(b, loc, map, idx);
    if (width > 1 && dimsReadBy(map).test(plan.vec))
      mapping.map(arg,
                  vector::LoadOp::create(
                      b, loc, VectorType::get({width}, type.getElementType()),
                      source, indices));
    else
      mapping.map(arg, memref::LoadOp::create(b, loc, source, indices));
  }
  for (Operation *payloadOp : ops) {
    if (auto indexOp = dyn_cast<linalg::IndexOp>(payloadOp)) {
      mapping.map(indexOp.getResult(), idx[indexOp.getDim()]);
      continue;
    }
    // Inside the loop over the range, the masked side is its own value.
    if (plan.range && payloadOp == plan.range->mask) {
      mapping.map(payloadOp->getResult(0),
                  mapping.lookupOrDefault(
                      cast<arith::SelectOp>(payloadOp).getTrueValue()));
      continue;
    }
    if (auto load = dyn_cast<memref::LoadOp>(payloadOp)) {
      SmallVector<Value> indices;
      for (Value index : load.getIndices())
        indices.push_back(mapping.lookupOrDefault(index));
      auto last = load.getIndices().back().getDefiningOp<linalg::IndexOp>();
      Value value;
      if (width > 1 && last && last.getDim() == plan.vec)
        value = vector::LoadOp::create(b, loc,
                                       VectorType::get({width}, load.getType()),
                                       load.getMemRef(), indices);
      else
        value = memref::LoadOp::create(b, loc, load.getMemRef(), indices);
      mapping.map(load.getResult(), value);
      continue;
    }
    SmallVector<Value> operands;
    for (Value operand : payloadOp->getOperands())
      operands.push_back(mapping.lookupOrDefault(operand));
    if (!llvm::any_of(operands,
                      [](Value v) { return isa<VectorType>(v.getType()); })) {
      b.clone(*payloadOp, mapping);
      continue;
    }
    // Elementwise on vectors: scalar operands (loads that do not read the
    // vector dimension, constants) are broadcast to every lane.
    for (Value &operand : operands)
      if (!isa<VectorType>(operand.getType()))
        operand = vector::BroadcastOp::create(
            b, loc, VectorType::get({width}, operand.getType()), operand);
    OperationState state(loc, payloadOp->getName());
    state.addOperands(operands);
    state.addAttributes(payloadOp->getAttrs());
    state.addTypes(VectorType::get({width}, payloadOp->getResult(0).getType()));
    mapping.map(payloadOp->getResult(0), b.create(state)->getResult(0));
  }
  return mapping.lookupOrDefault(root);
}

Value Emitter::zero(OpBuilder &b, int64_t width) {
  Type f32 = b.getF32Type();
  if (width == 1)
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));
  auto type = VectorType::get({width}, f32);
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, b.getF32FloatAttr(0.0)));
}

Value Emitter::fma(OpBuilder &b, Value a, Value x, Value acc) {
  if (auto type = dyn_cast<VectorType>(acc.getType())) {
    if (!isa<VectorType>(a.getType()))
      a = vector::BroadcastOp::create(b, loc, type, a);
    if (!isa<VectorType>(x.getType()))
      x = vector::BroadcastOp::create(b, loc, type, x);
  }
  return math::FmaOp::create(b, loc, a, x, acc);
}

void Emitter::accumulateInto(OpBuilder &b, ArrayRef<Value> idx, Value sum,
                             int64_t width) {
  OpOperand *init = op.getDpsInitOperand(0);
  Value out = init->get();
  SmallVector<Value> indices =
      applyMap(b, loc, op.getMatchingIndexingMap(init), idx);
  Value initial;
  if (width > 1)
    initial = vector::LoadOp::create(b, loc, cast<VectorType>(sum.getType()),
                                     out, indices);
  else
    initial = memref::LoadOp::create(b, loc, out, indices);
  auto accumulate = cast<arith::AddFOp>(payload.accumulate);
  Value result =
      arith::AddFOp::create(b, loc, initial, sum, accumulate.getFastmathAttr());
  if (width > 1)
    vector::StoreOp::create(b, loc, result, out, indices);
  else
    memref::StoreOp::create(b, loc, result, out, indices);
}

void Emitter::emitBroadcastTile(OpBuilder &b, SmallVector<Value> idx,
                                int64_t rows, int64_t cols, int64_t width) {
  Value row0 = idx[plan.row], col0 = idx[plan.col];
  auto at = [&](SmallVector<Value> point, int64_t r, int64_t c) {
    if (plan.hasRow())
      point[plan.row] = arith::AddIOp::create(b, loc, row0, index(b, r));
    point[plan.col] = arith::AddIOp::create(b, loc, col0, index(b, c * width));
    return point;
  };
  auto fastmath = cast<arith::AddFOp>(payload.accumulate).getFastmathAttr();
  SmallVector<Value> lbs, ubs, steps;
  for (unsigned d : info.reduction) {
    lbs.push_back(index(b, 0));
    ubs.push_back(index(b, info.ranges[d]));
    steps.push_back(index(b, 1));
  }
  if (plan.range) {
    // The only reduction dimension, over [begin, end) of this batch point.
    lbs[0] = evaluate(b, plan.range->begin, idx, 1);
    ubs[0] = evaluate(b, plan.range->end, idx, 1);
  }
  SmallVector<Value> init(rows * cols, zero(b, width));
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, ubs, steps, init,
      [&](OpBuilder &lb, Location, ValueRange ivs, ValueRange accs) {
        SmallVector<Value> point = idx;
        for (auto [d, iv] : llvm::zip(info.reduction, ivs))
          point[d] = iv;
        // The scalars of the row side, then a vector per column block.
        SmallVector<Value> scalars, vectors;
        for (int64_t r = 0; plan.hasRow() && r < rows; ++r)
          scalars.push_back(evaluate(lb, plan.rowSide, at(point, r, 0), 1));
        for (int64_t c = 0; c < cols; ++c)
          vectors.push_back(evaluate(lb, plan.colSide, at(point, 0, c), width));
        SmallVector<Value> next;
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t c = 0; c < cols; ++c) {
            Value acc = accs[r * cols + c];
            next.push_back(plan.hasRow()
                               ? fma(lb, scalars[r], vectors[c], acc)
                               : arith::AddFOp::create(lb, loc, acc, vectors[c],
                                                       fastmath));
          }
        return next;
      });
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      accumulateInto(b, at(idx, r, c), nest.results[r * cols + c], width);
}

void Emitter::emitDotTile(OpBuilder &b, SmallVector<Value> idx, int64_t rows,
                          int64_t cols, int64_t width) {
  Value row0 = idx[plan.row], col0 = idx[plan.col];
  auto at = [&](SmallVector<Value> point, int64_t r, int64_t c) {
    point[plan.row] = arith::AddIOp::create(b, loc, row0, index(b, r));
    point[plan.col] = arith::AddIOp::create(b, loc, col0, index(b, c));
    return point;
  };
  // A grouped contraction's group of each row of the tile (as an index).
  SmallVector<Value> rowGroups;
  Value groupMin, groupMax;
  auto groupAt = [&](OpBuilder &b, ArrayRef<Value> point) -> Value {
    Value group = evaluate(b, payload.group, point, 1);
    if (group.getType().isIndex())
      return group;
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), group);
  };
  int64_t size = info.ranges[plan.vec];
  int64_t vectorEnd = size / width * width;
  // The other reduction dimensions are loops outside the vector one.
  SmallVector<unsigned> outer;
  SmallVector<Value> lbs, ubs, steps;
  for (unsigned d : info.reduction)
    if (d != plan.vec) {
      outer.push_back(d);
      lbs.push_back(index(b, 0));
      ubs.push_back(index(b, info.ranges[d]));
      steps.push_back(index(b, 1));
    }
  int64_t tile = rows * cols;
  SmallVector<Value> init(tile, zero(b, width));
  init.append(tile, zero(b, 1));
  // Runs [begin, end) of the vector dimension in steps of `step` lanes,
  // accumulating into `accs`.
  auto sweep = [&](OpBuilder &lb, SmallVector<Value> point, ValueRange accs,
                   int64_t begin, int64_t end, int64_t step) {
    SmallVector<Value> current(accs.begin(), accs.end());
    if (begin >= end)
      return current;
    auto loop = scf::ForOp::create(
        lb, loc, index(lb, begin), index(lb, end), index(lb, step), current,
        [&](OpBuilder &fb, Location, Value k, ValueRange loopAccs) {
          point[plan.vec] = k;
          SmallVector<Value> lhs, rhs, next;
          for (int64_t r = 0; r < rows; ++r) {
            lhs.push_back(evaluate(fb, plan.rowSide, at(point, r, 0), step));
            if (groupValue) {
              Value same = arith::CmpIOp::create(
                  fb, loc, arith::CmpIPredicate::eq, rowGroups[r], groupValue);
              lhs.back() = arith::SelectOp::create(fb, loc, same, lhs.back(),
                                                   zero(fb, step));
            }
          }
          for (int64_t c = 0; c < cols; ++c)
            rhs.push_back(evaluate(fb, plan.colSide, at(point, 0, c), step));
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t c = 0; c < cols; ++c)
              next.push_back(fma(fb, lhs[r], rhs[c], loopAccs[r * cols + c]));
          scf::YieldOp::create(fb, loc, next);
        });
    return SmallVector<Value>(loop.getResults());
  };
  auto reductionNest = [&](OpBuilder &b, ValueRange init) {
    return scf::buildLoopNest(
               b, loc, lbs, ubs, steps, init,
               [&](OpBuilder &lb, Location, ValueRange ivs, ValueRange accs) {
                 SmallVector<Value> point = idx;
                 for (auto [d, iv] : llvm::zip(outer, ivs))
                   point[d] = iv;
                 SmallVector<Value> vectors = sweep(
                     lb, point, accs.take_front(tile), 0, vectorEnd, width);
                 SmallVector<Value> scalars = sweep(
                     lb, point, accs.drop_front(tile), vectorEnd, size, 1);
                 vectors.append(scalars);
                 return vectors;
               })
        .results;
  };
  SmallVector<Value> results;
  if (!payload.group) {
    results = reductionNest(b, init);
  } else {
    // A grouped contraction: one pass per group among the tile's rows (the
    // least to the greatest; sorted rows have one or two), with the column
    // side at that group and the rows of other groups masked to zero.
    for (int64_t r = 0; r < rows; ++r) {
      Value group = groupAt(b, at(idx, r, 0));
      rowGroups.push_back(group);
      groupMin = r ? arith::MinSIOp::create(b, loc, groupMin, group).getResult()
                   : group;
      groupMax = r ? arith::MaxSIOp::create(b, loc, groupMax, group).getResult()
                   : group;
    }
    auto passes = scf::ForOp::create(
        b, loc, groupMin, arith::AddIOp::create(b, loc, groupMax, index(b, 1)),
        index(b, 1), init,
        [&](OpBuilder &pb, Location, Value group, ValueRange accs) {
          groupValue = group;
          scf::YieldOp::create(pb, loc, reductionNest(pb, accs));
          groupValue = Value();
        });
    results.assign(passes.getResults().begin(), passes.getResults().end());
    rowGroups.clear();
  }
  auto fastmath = cast<arith::AddFOp>(payload.accumulate).getFastmathAttr();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      int64_t i = r * cols + c;
      Value sum = vector::ReductionOp::create(
          b, loc, vector::CombiningKind::ADD, results[i], results[tile + i],
          arith::FastMathFlags::reassoc | fastmath.getValue());
      accumulateInto(b, at(idx, r, c), sum, 1);
    }
}

void Emitter::emitRegion(OpBuilder &b, int64_t rowBegin, int64_t rowEnd,
                         int64_t rows, int64_t colBegin, int64_t colEnd,
                         int64_t cols, int64_t width) {
  bool broadcast = plan.kind != Plan::Kind::Dot;
  int64_t colStep = broadcast ? cols * width : cols;
  if (rowBegin >= rowEnd || colBegin >= colEnd)
    return;
  // Batch dimensions, column tiles, then row tiles innermost: consecutive
  // iterations of a thread share the column side's vectors.
  SmallVector<unsigned> dims;
  SmallVector<Value> lbs, ubs, steps;
  auto addLoop = [&](unsigned d, int64_t begin, int64_t end, int64_t step) {
    dims.push_back(d);
    lbs.push_back(index(b, begin));
    ubs.push_back(index(b, end));
    steps.push_back(index(b, step));
  };
  for (unsigned d : info.parallel)
    if (d != plan.row && d != plan.col)
      addLoop(d, 0, info.ranges[d], 1);
  addLoop(plan.col, colBegin, colEnd, colStep);
  if (plan.hasRow())
    addLoop(plan.row, rowBegin, rowEnd, rows);
  scf::ParallelOp::create(
      b, loc, lbs, ubs, steps, [&](OpBuilder &pb, Location, ValueRange ivs) {
        SmallVector<Value> idx(info.ranges.size(), index(pb, 0));
        for (auto [d, iv] : llvm::zip(dims, ivs))
          idx[d] = iv;
        if (broadcast)
          emitBroadcastTile(pb, idx, rows, cols, width);
        else
          emitDotTile(pb, idx, rows, cols, width);
      });
}

struct SDDCPUContractionKernels
    : public sdd::impl::SDDCPUContractionKernelsBase<SDDCPUContractionKernels> {
  using Base::Base;

  void runOnOperation() override {
    if (vectorWidth < 1 || broadcastRows < 1 || broadcastVectors < 1 ||
        dotRows < 1 || dotCols < 1) {
      getOperation().emitError("sdd-cpu-contraction-kernels: tile sizes and "
                               "the vector width must be "
                               "positive");
      return signalPassFailure();
    }
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureBufferSemantics())
        ops.push_back(op);
    });
    for (linalg::LinalgOp op : ops)
      lower(op);
  }

  /// The plan of `op` (and its payload) when it is a contraction or a sum
  /// that vectorises.
  std::optional<std::pair<Plan, ContractionPayload>>
  planFor(const OpInfo &info) {
    if (std::optional<std::pair<unsigned, unsigned>> dims =
            findRegisterTileDims(info)) {
      auto [m, n] = *dims;
      if (std::optional<ContractionPayload> payload =
              matchContractionPayload(info, m, n))
        if (std::optional<Plan> plan = choosePlan(info, m, n, *payload)) {
          if (plan->kind == Plan::Kind::Broadcast) {
            plan->range = matchReductionRange(info, payload->lhs, m, n);
            if (!plan->range)
              plan->range = matchReductionRange(info, payload->rhs, m, n);
          }
          return std::make_pair(*plan, *payload);
        }
    }
    if (std::optional<GroupedContraction> grouped =
            matchGroupedContraction(info)) {
      const ContractionPayload &payload = grouped->payload;
      for (unsigned k : llvm::reverse(info.reduction))
        if (isVectorizable(info.op, payload.lhs, k) &&
            isVectorizable(info.op, payload.rhs, k))
          return std::make_pair(Plan{Plan::Kind::Dot, grouped->m, grouped->n, k,
                                     payload.lhs, payload.rhs},
                                payload);
    }
    return matchSum(info);
  }

  /// Replaces `op` when it is a contraction or a sum with a vectorisable
  /// plan.
  void lower(linalg::LinalgOp op) {
    std::optional<OpInfo> info = OpInfo::get(op);
    if (!info || info->reduction.empty())
      return;
    std::optional<std::pair<Plan, ContractionPayload>> planned = planFor(*info);
    if (!planned || info->ranges[planned->first.vec] < vectorWidth)
      return;
    const Plan &plan = planned->first;

    OpBuilder b(op);
    Emitter emitter(*info, planned->second, plan);
    int64_t rowSize = plan.hasRow() ? info->ranges[plan.row] : 1;
    int64_t colSize = info->ranges[plan.col];
    bool broadcast = plan.kind != Plan::Kind::Dot;
    int64_t rows = plan.kind == Plan::Kind::Broadcast ? broadcastRows
                   : broadcast                        ? 1
                                                      : dotRows;
    int64_t cols = plan.kind == Plan::Kind::Broadcast ? broadcastVectors
                   : broadcast                        ? kSumVectors
                                                      : dotCols;
    int64_t rowEnd = rowSize / rows * rows;
    // Row tiles, then single rows; for each, full column tiles, then (for
    // Broadcast) single vectors, then single lanes.
    for (auto [rowBegin, rowStop, tileRows] :
         {std::make_tuple(int64_t(0), rowEnd, rows),
          std::make_tuple(rowEnd, rowSize, int64_t(1))}) {
      if (broadcast) {
        int64_t tileEnd = colSize / (cols * vectorWidth) * cols * vectorWidth;
        int64_t vectorEnd = colSize / vectorWidth * vectorWidth;
        emitter.emitRegion(b, rowBegin, rowStop, tileRows, 0, tileEnd, cols,
                           vectorWidth);
        emitter.emitRegion(b, rowBegin, rowStop, tileRows, tileEnd, vectorEnd,
                           1, vectorWidth);
        emitter.emitRegion(b, rowBegin, rowStop, tileRows, vectorEnd, colSize,
                           1, 1);
      } else {
        int64_t colEnd = colSize / cols * cols;
        emitter.emitRegion(b, rowBegin, rowStop, tileRows, 0, colEnd, cols,
                           vectorWidth);
        emitter.emitRegion(b, rowBegin, rowStop, tileRows, colEnd, colSize, 1,
                           vectorWidth);
      }
    }
    op->erase();
  }
};

} // namespace
