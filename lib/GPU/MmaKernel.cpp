//===- MmaKernel.cpp - contractions on tensor cores -----------------------===//
//
// A contraction payload `out + lhs * rhs` (ContractionPayload) on tensor
// cores, for sm_80 and later: mma.sync m16n8k16 with bf16 operands and f32
// accumulators. The prologues `lhs` and `rhs` (after elementwise fusion they
// compute e.g. `x * rsqrt(mean(x^2)) * w` or RoPE) are evaluated for a
// 64x32 tile of each side, rounded to bf16 and staged in shared memory;
// every warp then feeds its mma fragments from there with 32-bit loads. The
// fragment layouts are those of the PTX ISA (and of nvgpu's MMAUtils: lane
// l holds rows l/4 and l/4+8, columns 2(l%4) and 2(l%4)+1, of each 8x8
// quarter). Norms, reductions and the accumulation stay in f32. A grouped
// contraction (the MoE products, GroupedContraction) makes one pass over the
// reduction per group among the block's rows, with the rows of other groups
// staged as zeros. A side masked to a range of the reduction per block
// (the MoE weight gradients, ReductionRange) only visits the k-tiles that
// overlap it.
//
//===----------------------------------------------------------------------===//

#include "KernelEmitter.h"

#include "GPUKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallBitVector.h"

using namespace mlir;
using namespace mlir::sdd;
using namespace mlir::sdd::gpu_kernels;

namespace {

// Block tile 64x64 in four warps of 32x32 (2 x 4 mma tiles of 16x8), the
// reduction in steps of 32 (two mma steps of 16).
constexpr int64_t kTileM = 64, kTileN = 64, kTileK = 32;
constexpr int64_t kWarpTile = 32, kThreads = 128, kWarpSize = 32;
constexpr int64_t kMmaM = 16, kMmaN = 8, kMmaK = 16;
// Shared-memory rows of 32 + 8 bf16 (20 words): the eight rows a fragment
// load touches fall in distinct banks.
constexpr int64_t kRowStride = kTileK + 8;

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

} // namespace

LogicalResult KernelEmitter::emitMma(const OpInfo &info, unsigned m, unsigned n,
                                     const ContractionPayload &payload) {
  linalg::LinalgOp op = info.op;
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  OpBuilder b(op);
  Type f32 = b.getF32Type(), bf16 = b.getBF16Type(), i32 = b.getI32Type();
  int64_t sizeM = info.ranges[m], sizeN = info.ranges[n];
  int64_t sizeK = info.reductionPoints();
  SmallVector<unsigned> batchDims;
  SmallVector<int64_t> gridShape, reductionSizes;
  for (unsigned d : info.parallel)
    if (d != m && d != n) {
      batchDims.push_back(d);
      gridShape.push_back(info.ranges[d]);
    }
  gridShape.push_back(ceilDiv(sizeM, kTileM));
  gridShape.push_back(ceilDiv(sizeN, kTileN));
  for (unsigned d : info.reduction)
    reductionSizes.push_back(info.ranges[d]);
  int64_t grid = 1;
  for (int64_t g : gridShape)
    grid *= g;

  auto shared = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto tileType =
      MemRefType::get({kTileM, kRowStride}, bf16, AffineMap(), shared);
  Launch launch =
      createLaunch(b, op, grid, kThreads, "mma", {tileType, tileType});
  IRMapping base;
  sinkHostScalars(b, op, base);
  Value tileA = launch.op.getWorkgroupAttributions()[0];
  Value tileB = launch.op.getWorkgroupAttributions()[1];

  auto c = [&](int64_t v) { return constantIndex(b, loc, v); };
  SmallVector<Value> blockCoord =
      delinearize(b, loc, launch.blockId, gridShape);
  Value baseM = mulIndex(b, loc, blockCoord[batchDims.size()], kTileM);
  Value baseN = mulIndex(b, loc, blockCoord[batchDims.size() + 1], kTileN);
  Value tid = launch.threadId;
  Value warp = arith::DivUIOp::create(b, loc, tid, c(kWarpSize));
  Value lane = arith::RemUIOp::create(b, loc, tid, c(kWarpSize));
  Value warpM =
      mulIndex(b, loc, arith::DivUIOp::create(b, loc, warp, c(2)), kWarpTile);
  Value warpN =
      mulIndex(b, loc, arith::RemUIOp::create(b, loc, warp, c(2)), kWarpTile);
  Value group = arith::DivUIOp::create(b, loc, lane, c(4));
  Value pair = mulIndex(b, loc, arith::RemUIOp::create(b, loc, lane, c(4)), 2);

  // Loop indices with the batch coordinates of this block; m, n and the
  // reduction dimensions are filled in per element.
  SmallVector<Value> blockIdx(info.ranges.size(), nullptr);
  for (auto [i, d] : llvm::enumerate(batchDims))
    blockIdx[d] = blockCoord[i];
  Value zero = c(0);
  for (Value &v : blockIdx)
    if (!v)
      v = zero;

  // Which side's tile is loaded along k: the largest buffer the side reads
  // decides, so that neighbouring threads load neighbouring elements. (A
  // group is one index per row, and a weight read by tensor.extract is
  // indexed by its reduction dimension last, as the MoE lowering builds it.)
  auto kContiguous = [&](Value root) {
    OpOperand *largest = nullptr;
    dimsReadBySlice(op, root, &largest, payload.group);
    if (!largest)
      return true;
    AffineMap map = op.getMatchingIndexingMap(largest);
    if (map.getNumResults() == 0)
      return true;
    auto last = dyn_cast<AffineDimExpr>(map.getResults().back());
    return !last || llvm::is_contained(info.reduction, last.getPosition());
  };
  bool kFastA = kContiguous(payload.lhs), kFastB = kContiguous(payload.rhs);

  // A grouped contraction's group of the row at `idx`, as an index, and an
  // index as a value of the group's type.
  Type groupType = payload.group ? payload.group.getType() : Type();
  auto groupAt = [&](OpBuilder &b, ArrayRef<Value> idx) -> Value {
    Value g = evaluate(b, loc, op, payload.group, idx, base);
    if (groupType.isIndex())
      return g;
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), g);
  };
  auto fromIndex = [&](OpBuilder &b, Value index) -> Value {
    if (groupType.isIndex())
      return index;
    return arith::IndexCastOp::create(b, loc, groupType, index);
  };

  Value cZero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));
  constexpr int64_t kTilesM = kWarpTile / kMmaM, kTilesN = kWarpTile / kMmaN;
  SmallVector<Value> init(kTilesM * kTilesN * 4, cZero);

  // Stages one 64x32 side of the k-tile at `k0`: thread t evaluates the
  // prologue for elements t, t + 128, ... and stores them as bf16. A loop,
  // not unrolled: the prologue may be long and there are 16 elements.
  // For a grouped contraction, `rowGroup` is the group `e` that this
  // pass over the reduction computes: the rhs is evaluated at `g = e` and
  // lhs rows of other groups stage zeros.
  auto stage = [&](OpBuilder &b, Value k0, Value root, unsigned dim,
                   int64_t size, Value tileBase, Value tile, bool kFast,
                   Value rowGroup) {
    auto loop = scf::ForOp::create(b, loc, constantIndex(b, loc, 0),
                                   constantIndex(b, loc, kTileM * kTileK),
                                   constantIndex(b, loc, kThreads));
    OpBuilder lb = OpBuilder::atBlockTerminator(loop.getBody());
    Value linear = addIndex(lb, loc, tid, loop.getInductionVar());
    Value row, col;
    if (kFast) {
      row = arith::DivUIOp::create(lb, loc, linear,
                                   constantIndex(lb, loc, kTileK));
      col = arith::RemUIOp::create(lb, loc, linear,
                                   constantIndex(lb, loc, kTileK));
    } else {
      col = arith::DivUIOp::create(lb, loc, linear,
                                   constantIndex(lb, loc, kTileM));
      row = arith::RemUIOp::create(lb, loc, linear,
                                   constantIndex(lb, loc, kTileM));
    }
    Value mn = addIndex(lb, loc, tileBase, row);
    Value k = addIndex(lb, loc, k0, col);
    Value valid;
    auto guard = [&](Value &index, int64_t bound) {
      Value inside =
          arith::CmpIOp::create(lb, loc, arith::CmpIPredicate::ult, index,
                                constantIndex(lb, loc, bound));
      valid = valid ? arith::AndIOp::create(lb, loc, valid, inside) : inside;
      index = arith::MinUIOp::create(lb, loc, index,
                                     constantIndex(lb, loc, bound - 1));
    };
    if (size % kTileM != 0)
      guard(mn, size);
    if (sizeK % kTileK != 0)
      guard(k, sizeK);
    SmallVector<Value> idx = blockIdx;
    idx[dim] = mn;
    SmallVector<Value> reductionIdx = delinearize(lb, loc, k, reductionSizes);
    for (auto [i, d] : llvm::enumerate(info.reduction))
      idx[d] = reductionIdx[i];
    Value value;
    if (rowGroup && root == payload.rhs) {
      IRMapping groupBase = base;
      groupBase.map(payload.group, fromIndex(lb, rowGroup));
      value = evaluate(lb, loc, op, root, idx, groupBase);
    } else {
      value = evaluate(lb, loc, op, root, idx, base);
    }
    if (rowGroup && root == payload.lhs) {
      Value same = arith::CmpIOp::create(lb, loc, arith::CmpIPredicate::eq,
                                         groupAt(lb, idx), rowGroup);
      valid = valid ? arith::AndIOp::create(lb, loc, valid, same) : same;
    }
    if (valid)
      value = arith::SelectOp::create(
          lb, loc, valid, value,
          arith::ConstantOp::create(lb, loc, lb.getF32FloatAttr(0.0)));
    Value narrow = arith::TruncFOp::create(lb, loc, bf16, value);
    memref::StoreOp::create(lb, loc, narrow, tile, ValueRange{row, col});
  };

  // Two bf16 of a shared-memory row, packed in the i32 an mma operand
  // register holds (the first in the low half).
  auto loadPair = [&](OpBuilder &lb, Value tile, Value row, Value col) {
    Value next = addIndex(lb, loc, col, constantIndex(lb, loc, 1));
    Type i16 = lb.getI16Type();
    auto bits = [&](Value index) {
      Value v = memref::LoadOp::create(lb, loc, tile, ValueRange{row, index});
      return arith::ExtUIOp::create(lb, loc, i32,
                                    arith::BitcastOp::create(lb, loc, i16, v));
    };
    Value high = arith::ShLIOp::create(
        lb, loc, bits(next), arith::ConstantIntOp::create(lb, loc, i32, 16));
    return arith::OrIOp::create(lb, loc, bits(col), high).getResult();
  };

  auto structType = LLVM::LLVMStructType::getLiteral(ctx, {f32, f32, f32, f32});
  // The k-tiles: all, or those that overlap a side's reduction range (the
  // terms outside it are zeros; the same for the whole block).
  Value ktBegin = zero, ktEnd = c(ceilDiv(sizeK, kTileK));
  std::optional<ReductionRange> range =
      matchReductionRange(info, payload.lhs, m, n);
  if (!range)
    range = matchReductionRange(info, payload.rhs, m, n);
  if (range && !payload.group) {
    Value begin = evaluate(b, loc, op, range->begin, blockIdx, base);
    Value end = evaluate(b, loc, op, range->end, blockIdx, base);
    ktBegin = arith::DivUIOp::create(b, loc, begin, c(kTileK));
    ktEnd = arith::MinUIOp::create(
        b, loc, ktEnd,
        arith::DivUIOp::create(b, loc, addIndex(b, loc, end, c(kTileK - 1)),
                               c(kTileK)));
  }
  auto kLoopFor = [&](OpBuilder &b, ValueRange init, Value rowGroup) {
    return scf::ForOp::create(
        b, loc, ktBegin, ktEnd, c(1), init,
        [&](OpBuilder &lb, Location loc, Value kt, ValueRange acc) {
          Value k0 = mulIndex(lb, loc, kt, kTileK);
          stage(lb, k0, payload.lhs, m, sizeM, baseM, tileA, kFastA, rowGroup);
          stage(lb, k0, payload.rhs, n, sizeN, baseN, tileB, kFastB, rowGroup);
          gpu::BarrierOp::create(lb, loc);
          SmallVector<Value> next(acc.begin(), acc.end());
          for (int64_t kk = 0; kk < kTileK; kk += kMmaK) {
            // A: registers r = 0..3 hold rows g + 8 (r % 2), columns
            // kk + 8 (r / 2) + 2 (l % 4) + {0, 1}.
            SmallVector<SmallVector<Value>> fragA(kTilesM), fragB(kTilesN);
            for (int64_t mi = 0; mi < kTilesM; ++mi)
              for (int64_t r = 0; r < 4; ++r) {
                Value row = addIndex(
                    lb, loc, warpM,
                    addIndex(lb, loc, group,
                             constantIndex(lb, loc, mi * kMmaM + (r % 2) * 8)));
                Value col = addIndex(lb, loc, pair,
                                     constantIndex(lb, loc, kk + (r / 2) * 8));
                fragA[mi].push_back(loadPair(lb, tileA, row, col));
              }
            // B (stored n-major): registers r = 0..1 hold column n = g, rows
            // k = kk + 8 r + 2 (l % 4) + {0, 1}.
            for (int64_t ni = 0; ni < kTilesN; ++ni)
              for (int64_t r = 0; r < 2; ++r) {
                Value row =
                    addIndex(lb, loc, warpN,
                             addIndex(lb, loc, group,
                                      constantIndex(lb, loc, ni * kMmaN)));
                Value col =
                    addIndex(lb, loc, pair, constantIndex(lb, loc, kk + r * 8));
                fragB[ni].push_back(loadPair(lb, tileB, row, col));
              }
            for (int64_t mi = 0; mi < kTilesM; ++mi)
              for (int64_t ni = 0; ni < kTilesN; ++ni) {
                int64_t at = (mi * kTilesN + ni) * 4;
                auto mma = NVVM::MmaOp::create(
                    lb, loc, structType, fragA[mi], fragB[ni],
                    ArrayRef<Value>(next).slice(at, 4),
                    ArrayRef<int64_t>{kMmaM, kMmaN, kMmaK}, std::nullopt,
                    std::nullopt,
                    std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::bf16,
                                                  NVVM::MMATypes::bf16},
                    std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                                   NVVM::MMALayout::col});
                for (int64_t v = 0; v < 4; ++v)
                  next[at + v] = LLVM::ExtractValueOp::create(
                      lb, loc, mma, ArrayRef<int64_t>{v});
              }
          }
          // The next k-tile overwrites the shared tiles.
          gpu::BarrierOp::create(lb, loc);
          scf::YieldOp::create(lb, loc, next);
        });
  };
  SmallVector<Value> sums;
  if (!payload.group) {
    llvm::append_range(sums, kLoopFor(b, init, Value()).getResults());
  } else {
    // One pass over the reduction per group among the block's rows, from
    // the least to the greatest (the MoE rows are sorted by expert: one or
    // two passes); rows of other groups contribute zeros.
    SmallVector<Value> rowIdx = blockIdx;
    rowIdx[m] = baseM;
    Value first = groupAt(b, rowIdx);
    Value end = arith::MinUIOp::create(
        b, loc, addIndex(b, loc, baseM, c(kTileM)), c(sizeM));
    auto range = scf::ForOp::create(
        b, loc, addIndex(b, loc, baseM, c(1)), end, c(1),
        ValueRange{first, first},
        [&](OpBuilder &lb, Location loc, Value row, ValueRange bounds) {
          SmallVector<Value> idx = blockIdx;
          idx[m] = row;
          Value g = groupAt(lb, idx);
          scf::YieldOp::create(
              lb, loc,
              ValueRange{arith::MinSIOp::create(lb, loc, bounds[0], g),
                         arith::MaxSIOp::create(lb, loc, bounds[1], g)});
        });
    auto groups = scf::ForOp::create(
        b, loc, range.getResult(0), addIndex(b, loc, range.getResult(1), c(1)),
        c(1), init,
        [&](OpBuilder &lb, Location loc, Value rowGroup, ValueRange acc) {
          scf::YieldOp::create(lb, loc,
                               kLoopFor(lb, acc, rowGroup).getResults());
        });
    llvm::append_range(sums, groups.getResults());
  }

  // Epilogue: accumulator v of mma tile (mi, ni) is row g + 8 (v / 2),
  // column 2 (l % 4) + v % 2; the payload's own accumulation adds the
  // output's initial value.
  OpOperand *init0 = op.getDpsInitOperand(0);
  AffineMap outMap = op.getMatchingIndexingMap(init0);
  BlockArgument outArg = op.getMatchingBlockArgument(init0);
  for (int64_t mi = 0; mi < kTilesM; ++mi)
    for (int64_t ni = 0; ni < kTilesN; ++ni)
      for (int64_t v = 0; v < 4; ++v) {
        Value row = addIndex(
            b, loc, baseM,
            addIndex(b, loc, warpM,
                     addIndex(b, loc, group, c(mi * kMmaM + (v / 2) * 8))));
        Value col =
            addIndex(b, loc, baseN,
                     addIndex(b, loc, warpN,
                              addIndex(b, loc, pair, c(ni * kMmaN + v % 2))));
        Value valid;
        auto guard = [&](Value index, int64_t bound) {
          Value inside = arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::ult, index, c(bound));
          valid = valid ? arith::AndIOp::create(b, loc, valid, inside) : inside;
        };
        if (sizeM % kTileM != 0)
          guard(row, sizeM);
        if (sizeN % kTileN != 0)
          guard(col, sizeN);
        OpBuilder::InsertionGuard insertion(b);
        if (valid) {
          auto ifOp = scf::IfOp::create(b, loc, valid, false);
          b.setInsertionPointToStart(&ifOp.getThenRegion().front());
        }
        SmallVector<Value> idx = blockIdx;
        idx[m] = row;
        idx[n] = col;
        SmallVector<Value> outIdx = applyMap(b, loc, outMap, idx);
        Value initial = memref::LoadOp::create(b, loc, init0->get(), outIdx);
        IRMapping mapping;
        mapping.map(outArg, initial);
        mapping.map(payload.product->getResult(0),
                    sums[(mi * kTilesN + ni) * 4 + v]);
        Value result = b.clone(*payload.accumulate, mapping)->getResult(0);
        memref::StoreOp::create(b, loc, result, init0->get(), outIdx);
      }
  return success();
}
