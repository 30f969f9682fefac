//===- MoEToLinalg.cpp - lower the mixture-of-experts ops -----------------===//
//
// The experts are dropless and sparse: the N k (token, expert) assignments
// are grouped by expert with a counting sort (histogram, exclusive prefix
// sum, stable scatter; sequential scf.for loops over tensors, O(N k + E)),
// the token rows are gathered into that order (dispatch) and every product
// runs over the sorted rows with the weight of each row's segment (grouped
// products; the weight gradients sum over each expert's segment
// [offsets[e], offsets[e+1])). No expert ever touches a token that did not
// select it, so the work is proportional to N k, not N E, and no
// assignment is dropped however unbalanced the routing is. The combine
// reads each token's k rows back through the inverse permutation, in slot
// order, so the result does not depend on the thread schedule.
//
// Every large computation is a linalg.generic whose outermost loops are
// parallel (rows, or experts and features for the weight gradients), which
// the parallel CPU pipeline turns into one OpenMP loop; the data-dependent
// reads (the expert of a row, the row of an assignment) are tensor.extract
// in the payload, and a weight gradient's segment is an scf.for with
// dynamic bounds inside the payload. The elementwise parts of an SDD
// expert reuse sdd.rms_normalize, sdd.swiglu and their backward ops, which
// the conversion then lowers with their own patterns.
//
//===----------------------------------------------------------------------===//

#include "sdd/Conversion/Passes.h"
#include "sdd/Dialect/SDD/IR/SDDOps.h"

#include "LinalgBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

using namespace mlir;
using namespace mlir::sdd;
using namespace mlir::sdd::detail;

namespace {

//===----------------------------------------------------------------------===//
// Shapes and small helpers
//===----------------------------------------------------------------------===//

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value toIndex(OpBuilder &b, Location loc, Value integer) {
  if (integer.getType().isIndex())
    return integer;
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), integer);
}

/// `[a, b, ..., n]` as `[a * b * ..., n]` (a vector as `[1, n]`): the MoE
/// ops treat every leading axis as a token axis.
Value collapseToRows(OpBuilder &b, Location loc, Value value) {
  RankedTensorType type = tensorTypeOf(value);
  int64_t rank = type.getRank();
  if (rank == 2)
    return value;
  if (rank == 1)
    return tensor::ExpandShapeOp::create(
        b, loc,
        RankedTensorType::get({1, type.getShape()[0]}, type.getElementType()),
        value, SmallVector<ReassociationIndices>{{0, 1}});
  ReassociationIndices leading;
  for (int64_t i = 0; i + 1 < rank; ++i)
    leading.push_back(i);
  return tensor::CollapseShapeOp::create(
      b, loc, value, SmallVector<ReassociationIndices>{leading, {rank - 1}});
}

/// Undoes collapseToRows: `rows` `[N, n]` back to `type`.
Value expandRows(OpBuilder &b, Location loc, Value rows,
                 RankedTensorType type) {
  int64_t rank = type.getRank();
  if (rank == 2)
    return rows;
  if (rank == 1)
    return tensor::CollapseShapeOp::create(
        b, loc, type, rows, SmallVector<ReassociationIndices>{{0, 1}});
  ReassociationIndices leading;
  for (int64_t i = 0; i + 1 < rank; ++i)
    leading.push_back(i);
  return tensor::ExpandShapeOp::create(
      b, loc, type, rows,
      SmallVector<ReassociationIndices>{leading, {rank - 1}});
}

/// A rank-1 tensor of every element of `value`.
Value flatten(OpBuilder &b, Location loc, Value value) {
  int64_t rank = tensorTypeOf(value).getRank();
  if (rank == 1)
    return value;
  ReassociationIndices all;
  for (int64_t i = 0; i < rank; ++i)
    all.push_back(i);
  return tensor::CollapseShapeOp::create(
      b, loc, value, SmallVector<ReassociationIndices>{all});
}

Value filledIndexTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                        int64_t value) {
  Value empty = tensor::EmptyOp::create(b, loc, shape, b.getIndexType());
  return linalg::FillOp::create(b, loc,
                                ValueRange{indexConstant(b, loc, value)},
                                ValueRange{empty})
      .getResult(0);
}

/// One element of `tensor`: a data-dependent read inside a payload.
Value extractAt(OpBuilder &b, Location loc, Value tensor, ValueRange indices) {
  return tensor::ExtractOp::create(b, loc, tensor, indices);
}

/// The transpose `[n, m] -> [m, n]`, so that a later loop over the former
/// rows reads contiguous memory.
Value emitTranspose(OpBuilder &b, Location loc, Value value) {
  RankedTensorType type = tensorTypeOf(value);
  MLIRContext *ctx = b.getContext();
  auto transposed = RankedTensorType::get(
      {type.getShape()[1], type.getShape()[0]}, type.getElementType());
  return emitElementwise(
      b, loc, transposed, {value}, {selectDims(ctx, 2, {1, 0})},
      [](OpBuilder &, Location, ValueRange args) -> Value { return args[0]; });
}

//===----------------------------------------------------------------------===//
// Grouping the assignments by expert
//===----------------------------------------------------------------------===//

/// `counts[e]` = how many entries of the integer tensor `flat` equal `e`:
/// one sequential pass, O(size).
Value emitExpertCounts(OpBuilder &b, Location loc, Value flat,
                       int64_t experts) {
  int64_t size = tensorTypeOf(flat).getShape()[0];
  Value zero = indexConstant(b, loc, 0), one = indexConstant(b, loc, 1);
  Value init = filledIndexTensor(b, loc, {experts}, 0);
  auto loop = scf::ForOp::create(
      b, loc, zero, indexConstant(b, loc, size), one, ValueRange{init},
      [&](OpBuilder &b, Location loc, Value a, ValueRange iter) {
        Value e = toIndex(b, loc, extractAt(b, loc, flat, {a}));
        Value count =
            arith::AddIOp::create(b, loc, extractAt(b, loc, iter[0], {e}), one);
        scf::YieldOp::create(
            b, loc,
            ValueRange{tensor::InsertOp::create(b, loc, count, iter[0], {e})});
      });
  return loop.getResult(0);
}

/// The assignments `a = t * k + s` of N tokens to k experts each, sorted by
/// expert (stable: by assignment within an expert).
struct ExpertGrouping {
  /// `[E + 1]` index: expert e owns the sorted rows [offsets[e],
  /// offsets[e + 1]).
  Value offsets;
  /// `[N k]` index: the assignment at each sorted row.
  Value assignments;
  /// `[N k]` index: the expert of each sorted row.
  Value experts;
  /// `[N, k]` index: the sorted row of each assignment (the inverse
  /// permutation of `assignments`).
  Value positions;
};

/// A counting sort of the `[N, k]` integer `indices`: histogram, exclusive
/// prefix sum, then a stable scatter. O(N k + E), sequential (a few integer
/// operations per assignment against the O(D Fe) of its expert).
ExpertGrouping emitExpertGrouping(OpBuilder &b, Location loc, Value indices,
                                  int64_t experts) {
  RankedTensorType type = tensorTypeOf(indices);
  int64_t count = type.getNumElements();
  Value flat = flatten(b, loc, indices);
  Value counts = emitExpertCounts(b, loc, flat, experts);
  Value zero = indexConstant(b, loc, 0), one = indexConstant(b, loc, 1);
  Type indexType = b.getIndexType();

  // offsets[e + 1] = offsets[e] + counts[e]; the scatter cursors start at
  // the same values (a second tensor, so that the offsets stay intact).
  Value offsetsInit = tensor::InsertOp::create(
      b, loc, zero, tensor::EmptyOp::create(b, loc, {experts + 1}, indexType),
      ValueRange{zero});
  Value cursorsInit = tensor::EmptyOp::create(b, loc, {experts}, indexType);
  auto prefix = scf::ForOp::create(
      b, loc, zero, indexConstant(b, loc, experts), one,
      ValueRange{offsetsInit, cursorsInit, zero},
      [&](OpBuilder &b, Location loc, Value e, ValueRange iter) {
        Value cursors =
            tensor::InsertOp::create(b, loc, iter[2], iter[1], ValueRange{e});
        Value end = arith::AddIOp::create(b, loc, iter[2],
                                          extractAt(b, loc, counts, {e}));
        Value next = arith::AddIOp::create(b, loc, e, one);
        Value offsets =
            tensor::InsertOp::create(b, loc, end, iter[0], ValueRange{next});
        scf::YieldOp::create(b, loc, ValueRange{offsets, cursors, end});
      });

  // Stable scatter in assignment order.
  Value sortedInit = tensor::EmptyOp::create(b, loc, {count}, indexType);
  auto scatter = scf::ForOp::create(
      b, loc, zero, indexConstant(b, loc, count), one,
      ValueRange{prefix.getResult(1), sortedInit, sortedInit, sortedInit},
      [&](OpBuilder &b, Location loc, Value a, ValueRange iter) {
        Value e = toIndex(b, loc, extractAt(b, loc, flat, {a}));
        Value row = extractAt(b, loc, iter[0], {e});
        Value cursors = tensor::InsertOp::create(
            b, loc, arith::AddIOp::create(b, loc, row, one), iter[0],
            ValueRange{e});
        Value assignments =
            tensor::InsertOp::create(b, loc, a, iter[1], ValueRange{row});
        Value rowExperts =
            tensor::InsertOp::create(b, loc, e, iter[2], ValueRange{row});
        Value positions =
            tensor::InsertOp::create(b, loc, row, iter[3], ValueRange{a});
        scf::YieldOp::create(
            b, loc, ValueRange{cursors, assignments, rowExperts, positions});
      });
  Value positions = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(type.getShape(), indexType),
      scatter.getResult(3), SmallVector<ReassociationIndices>{{0, 1}});
  return {prefix.getResult(0), scatter.getResult(1), scatter.getResult(2),
          positions};
}

using TermBuilder = function_ref<Value(OpBuilder &, Location, Value)>;

/// `sum_{i in [begin, end)} term(i)`, built inside a linalg payload as an
/// scf.for that accumulates in a register. The sums of this file read their
/// operands through data-dependent indices (a row's expert, an
/// assignment's row); with the accumulator in memory next to such a read,
/// LLVM can neither promote it nor vectorise the loop (measured: 27 times
/// slower for the grouped products), while this form vectorises whenever
/// the terms are contiguous in i.
/// Also of index values (counts), with `elementType` index.
Value emitPayloadSum(OpBuilder &b, Location loc, Value begin, Value end,
                     Type elementType, TermBuilder term) {
  bool counts = elementType.isIndex();
  Value zero = counts ? indexConstant(b, loc, 0)
                      : floatConstant(b, loc, elementType, 0.0);
  auto loop = scf::ForOp::create(
      b, loc, begin, end, indexConstant(b, loc, 1), ValueRange{zero},
      [&](OpBuilder &b, Location loc, Value i, ValueRange iter) {
        Value value = term(b, loc, i);
        Value sum =
            counts ? arith::AddIOp::create(b, loc, iter[0], value).getResult()
                   : arith::AddFOp::create(b, loc, iter[0], value).getResult();
        scf::YieldOp::create(b, loc, ValueRange{sum});
      });
  return loop.getResult(0);
}

Value emitPayloadSum(OpBuilder &b, Location loc, int64_t count,
                     Type elementType, TermBuilder term) {
  return emitPayloadSum(b, loc, indexConstant(b, loc, 0),
                        indexConstant(b, loc, count), elementType, term);
}

/// Assignments per chunk of the parallel sort.
constexpr int64_t kSortChunk = 128;

using IndexBuilder = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// An index tensor of `shape` whose element at `ivs` is `body(ivs)`: a
/// linalg.generic without inputs (the body reads tensors by extract).
Value emitIndexTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                      IndexBuilder body) {
  auto type = RankedTensorType::get(shape, b.getIndexType());
  return emitElementwise(b, loc, type, {}, {},
                         [&](OpBuilder &b, Location loc, ValueRange) -> Value {
                           SmallVector<Value> ivs;
                           for (int64_t i = 0, e = shape.size(); i < e; ++i)
                             ivs.push_back(linalg::IndexOp::create(b, loc, i));
                           return body(b, loc, ivs);
                         });
}

/// `sum_{i in [begin, end)} term(i)` of index values, inside a payload.
Value emitPayloadCount(OpBuilder &b, Location loc, Value begin, Value end,
                       TermBuilder term) {
  return emitPayloadSum(b, loc, begin, end, b.getIndexType(), term);
}

/// 1 where `condition` holds, else 0 (an index).
Value indexFromBool(OpBuilder &b, Location loc, Value condition) {
  return arith::SelectOp::create(b, loc, condition, indexConstant(b, loc, 1),
                                 indexConstant(b, loc, 0));
}

int64_t chunkCount(int64_t assignments) {
  return (assignments + kSortChunk - 1) / kSortChunk;
}

/// The first assignment of chunk `c`, and one past its last of `n`.
Value chunkBegin(OpBuilder &b, Location loc, Value c) {
  return arith::MulIOp::create(b, loc, c, indexConstant(b, loc, kSortChunk));
}
Value chunkEnd(OpBuilder &b, Location loc, Value c, int64_t n) {
  Value next = arith::AddIOp::create(b, loc, c, indexConstant(b, loc, 1));
  return arith::MinUIOp::create(b, loc, chunkBegin(b, loc, next),
                                indexConstant(b, loc, n));
}

/// The expert of assignment `a` of the rank-1 integer tensor `flat`.
Value expertAt(OpBuilder &b, Location loc, Value flat, Value a) {
  return toIndex(b, loc, extractAt(b, loc, flat, {a}));
}

/// 1 when assignment `a` of `flat` goes to expert `e`, else 0.
Value isExpertAt(OpBuilder &b, Location loc, Value flat, Value a, Value e) {
  return indexFromBool(b, loc,
                       arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                             expertAt(b, loc, flat, a), e));
}

/// `counts[c, e]`: how many of the assignments `[c kSortChunk, (c + 1)
/// kSortChunk)` of the rank-1 integer tensor `flat` equal `e` (one thread
/// per chunk and expert).
Value emitChunkCounts(OpBuilder &b, Location loc, Value flat, int64_t experts) {
  int64_t n = tensorTypeOf(flat).getShape()[0];
  return emitIndexTensor(b, loc, {chunkCount(n), experts},
                         [&](OpBuilder &b, Location loc, ValueRange ivs) {
                           return emitPayloadCount(
                               b, loc, chunkBegin(b, loc, ivs[0]),
                               chunkEnd(b, loc, ivs[0], n),
                               [&](OpBuilder &b, Location loc, Value a) {
                                 return isExpertAt(b, loc, flat, a, ivs[1]);
                               });
                         });
}

/// `totals[e] = sum_c counts[c, e]` of emitChunkCounts.
Value emitChunkTotals(OpBuilder &b, Location loc, Value counts) {
  ArrayRef<int64_t> shape = tensorTypeOf(counts).getShape();
  return emitIndexTensor(
      b, loc, {shape[1]}, [&](OpBuilder &b, Location loc, ValueRange ivs) {
        return emitPayloadCount(b, loc, indexConstant(b, loc, 0),
                                indexConstant(b, loc, shape[0]),
                                [&](OpBuilder &b, Location loc, Value c) {
                                  return extractAt(b, loc, counts, {c, ivs[0]});
                                });
      });
}

/// emitExpertCounts without a sequential pass.
Value emitParallelExpertCounts(OpBuilder &b, Location loc, Value flat,
                               int64_t experts) {
  return emitChunkTotals(b, loc, emitChunkCounts(b, loc, flat, experts));
}

/// The grouping of emitExpertGrouping, equal to it, for machines with many
/// threads: no loop carries state from one assignment to the next. The n =
/// N k assignments are cut into C chunks of kSortChunk; every step is a
/// linalg.generic over chunks, experts, assignments or rows whose payload
/// loops over at most kSortChunk, C or E values: per-chunk counts, the
/// experts' totals and offsets, the first row of every (chunk, expert), each
/// assignment's row (its chunk's first row for its expert plus the matches
/// before it in the chunk), each row's expert (the offsets at or below it)
/// and each row's assignment (found in the last chunk whose first row for
/// that expert is at or below the row). O(n (kSortChunk + C + log E) + C^2 E
/// + E^2 / kSortChunk) work (C E kSortChunk = n E for the chunk counts).
ExpertGrouping emitParallelExpertGrouping(OpBuilder &b, Location loc,
                                          Value indices, int64_t experts) {
  RankedTensorType type = tensorTypeOf(indices);
  int64_t n = type.getNumElements();
  int64_t chunks = chunkCount(n);
  Value flat = flatten(b, loc, indices);
  Value zero = indexConstant(b, loc, 0);

  // counts[c, e]: the assignments of chunk c to expert e; totals[e] =
  // sum_c counts[c, e]; offsets[e] = sum_{e' < e} totals[e'].
  Value counts = emitChunkCounts(b, loc, flat, experts);
  Value totals = emitChunkTotals(b, loc, counts);
  // In two levels (sums of blocks of kSortChunk totals first): O(E (E /
  // kSortChunk + kSortChunk)), not O(E^2), for an embedding gradient's
  // vocabulary.
  Value block = indexConstant(b, loc, kSortChunk);
  Value blockTotals = emitIndexTensor(
      b, loc, {chunkCount(experts)},
      [&](OpBuilder &b, Location loc, ValueRange ivs) {
        return emitPayloadCount(b, loc, chunkBegin(b, loc, ivs[0]),
                                chunkEnd(b, loc, ivs[0], experts),
                                [&](OpBuilder &b, Location loc, Value e) {
                                  return extractAt(b, loc, totals, {e});
                                });
      });
  Value offsets = emitIndexTensor(
      b, loc, {experts + 1},
      [&](OpBuilder &b, Location loc, ValueRange ivs) -> Value {
        Value blockOf = arith::DivUIOp::create(b, loc, ivs[0], block);
        Value before = emitPayloadCount(
            b, loc, zero, blockOf, [&](OpBuilder &b, Location loc, Value j) {
              return extractAt(b, loc, blockTotals, {j});
            });
        Value within = emitPayloadCount(
            b, loc, arith::MulIOp::create(b, loc, blockOf, block), ivs[0],
            [&](OpBuilder &b, Location loc, Value e) {
              return extractAt(b, loc, totals, {e});
            });
        return arith::AddIOp::create(b, loc, before, within);
      });
  // first[c, e] = offsets[e] + sum_{c' < c} counts[c', e]: the sorted row
  // of the first assignment of chunk c to expert e.
  Value first = emitIndexTensor(
      b, loc, {chunks, experts},
      [&](OpBuilder &b, Location loc, ValueRange ivs) -> Value {
        Value before = emitPayloadCount(
            b, loc, zero, ivs[0], [&](OpBuilder &b, Location loc, Value c) {
              return extractAt(b, loc, counts, {c, ivs[1]});
            });
        return arith::AddIOp::create(
            b, loc, extractAt(b, loc, offsets, {ivs[1]}), before);
      });
  // positions[a]: first[chunk, e] plus the matches before a in its chunk
  // (an index outside [0, E) has no row; it reads expert E - 1's instead).
  Value positions = emitIndexTensor(
      b, loc, {n}, [&](OpBuilder &b, Location loc, ValueRange ivs) -> Value {
        Value a = ivs[0];
        Value c = arith::DivUIOp::create(b, loc, a,
                                         indexConstant(b, loc, kSortChunk));
        Value e = arith::MinUIOp::create(b, loc, expertAt(b, loc, flat, a),
                                         indexConstant(b, loc, experts - 1));
        Value before =
            emitPayloadCount(b, loc, chunkBegin(b, loc, c), a,
                             [&](OpBuilder &b, Location loc, Value other) {
                               return isExpertAt(b, loc, flat, other, e);
                             });
        return arith::AddIOp::create(b, loc, extractAt(b, loc, first, {c, e}),
                                     before);
      });
  // rowExperts[r] = #{e in [1, E) : offsets[e] <= r}, the segment of r: a
  // binary search over the non-decreasing offsets (ceil(log2 E) + 1 steps,
  // for embedding gradients E is the vocabulary).
  int64_t steps = 1;
  while ((int64_t(1) << (steps - 1)) < experts)
    ++steps;
  Value rowExperts = emitIndexTensor(
      b, loc, {n}, [&](OpBuilder &b, Location loc, ValueRange ivs) -> Value {
        Value r = ivs[0], one = indexConstant(b, loc, 1);
        auto search = scf::ForOp::create(
            b, loc, zero, indexConstant(b, loc, steps), one,
            ValueRange{one, indexConstant(b, loc, experts)},
            [&](OpBuilder &b, Location loc, Value, ValueRange range) {
              Value lo = range[0], hi = range[1];
              Value active = arith::CmpIOp::create(
                  b, loc, arith::CmpIPredicate::ult, lo, hi);
              Value mid = arith::DivUIOp::create(
                  b, loc, arith::AddIOp::create(b, loc, lo, hi),
                  indexConstant(b, loc, 2));
              Value below =
                  arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule,
                                        extractAt(b, loc, offsets, {mid}), r);
              Value raise = arith::AndIOp::create(b, loc, active, below);
              Value lower = arith::AndIOp::create(
                  b, loc, active,
                  arith::XOrIOp::create(
                      b, loc, below,
                      arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1)));
              scf::YieldOp::create(
                  b, loc,
                  ValueRange{arith::SelectOp::create(
                                 b, loc, raise,
                                 arith::AddIOp::create(b, loc, mid, one), lo),
                             arith::SelectOp::create(b, loc, lower, mid, hi)});
            });
        return arith::SubIOp::create(b, loc, search.getResult(0), one);
      });
  // assignments[r]: the chunk is the last whose first row for the expert is
  // at or below r (first[., e] grows with the chunk); in it, the match
  // numbered r - first[c, e].
  Value assignments = emitIndexTensor(
      b, loc, {n}, [&](OpBuilder &b, Location loc, ValueRange ivs) -> Value {
        Value r = ivs[0];
        Value e = extractAt(b, loc, rowExperts, {r});
        Value c = emitPayloadCount(
            b, loc, indexConstant(b, loc, 1), indexConstant(b, loc, chunks),
            [&](OpBuilder &b, Location loc, Value c) {
              return indexFromBool(
                  b, loc,
                  arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule,
                                        extractAt(b, loc, first, {c, e}), r));
            });
        Value target =
            arith::SubIOp::create(b, loc, r, extractAt(b, loc, first, {c, e}));
        auto scan = scf::ForOp::create(
            b, loc, chunkBegin(b, loc, c), chunkEnd(b, loc, c, n),
            indexConstant(b, loc, 1), ValueRange{zero, zero},
            [&](OpBuilder &b, Location loc, Value a, ValueRange iter) {
              Value match = isExpertAt(b, loc, flat, a, e);
              Value hit = arith::AndIOp::create(
                  b, loc,
                  arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, match,
                                        indexConstant(b, loc, 0)),
                  arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                        iter[0], target));
              Value found = arith::SelectOp::create(b, loc, hit, a, iter[1]);
              Value seen = arith::AddIOp::create(b, loc, iter[0], match);
              scf::YieldOp::create(b, loc, ValueRange{seen, found});
            });
        return scan.getResult(1);
      });
  Value positions2D = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(type.getShape(), b.getIndexType()),
      positions, SmallVector<ReassociationIndices>{{0, 1}});
  return {offsets, assignments, rowExperts, positions2D};
}

//===----------------------------------------------------------------------===//
// Dispatch, grouped products, segment sums, combine
//===----------------------------------------------------------------------===//

/// A sum over the sorted rows of expert `e`, the segment [offsets[e],
/// offsets[e + 1]), built inside a linalg payload.
Value emitSegmentSum(OpBuilder &b, Location loc, Value offsets, Value expert,
                     Type elementType, TermBuilder term) {
  Value begin = extractAt(b, loc, offsets, {expert});
  Value end = extractAt(
      b, loc, offsets,
      {arith::AddIOp::create(b, loc, expert, indexConstant(b, loc, 1))});
  return emitPayloadSum(b, loc, begin, end, elementType, term);
}

/// Dispatch: `rows[p, :] = tokens[t, :]` for the sorted row p of assignment
/// `t * k + s`, times `gates[t, s]` when gates are given.
Value emitDispatch(OpBuilder &b, Location loc, Value tokens, Value assignments,
                   int64_t k, Value gates) {
  RankedTensorType tokenType = tensorTypeOf(tokens);
  int64_t count = tensorTypeOf(assignments).getShape()[0];
  auto type = RankedTensorType::get({count, tokenType.getShape()[1]},
                                    tokenType.getElementType());
  MLIRContext *ctx = b.getContext();
  Value slots = indexConstant(b, loc, k);
  return emitElementwise(
      b, loc, type, {assignments}, {selectDims(ctx, 2, {0})},
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value token = arith::DivUIOp::create(b, loc, args[0], slots);
        Value value = extractAt(b, loc, tokens,
                                {token, linalg::IndexOp::create(b, loc, 1)});
        if (!gates)
          return value;
        Value slot = arith::RemUIOp::create(b, loc, args[0], slots);
        return arith::MulFOp::create(b, loc, value,
                                     extractAt(b, loc, gates, {token, slot}));
      });
}

/// `out[p, n] = sum_m rows[p, m] * weight[experts[p], n, m]`: each sorted
/// row times the transposed weight of its expert. With `contraction`, a
/// linalg.generic with m as a reduction dimension whose payload is
/// `out + rows * weight[experts, n, m]` (a grouped contraction for the
/// GPU's tensor-core kernels: sdd::matchGroupedContraction); else one dot
/// product per output element inside the payload, which LLVM vectorises
/// with both operands contiguous along m.
Value emitGroupedProduct(OpBuilder &b, Location loc, Value rows, Value weight,
                         Value experts, bool contraction) {
  RankedTensorType rowType = tensorTypeOf(rows);
  Type elementType = rowType.getElementType();
  int64_t count = rowType.getShape()[0], inner = rowType.getShape()[1];
  int64_t outputs = tensorTypeOf(weight).getShape()[1];
  MLIRContext *ctx = b.getContext();
  if (contraction)
    return emitReduction(
        b, loc, {count, outputs}, elementType, 0.0, ValueRange{rows, experts},
        {selectDims(ctx, 3, {0, 2}), selectDims(ctx, 3, {0})},
        selectDims(ctx, 3, {0, 1}), iteratorKinds("ppr"),
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value n = linalg::IndexOp::create(b, loc, 1);
          Value m = linalg::IndexOp::create(b, loc, 2);
          Value product = arith::MulFOp::create(
              b, loc, args[0], extractAt(b, loc, weight, {args[1], n, m}));
          return arith::AddFOp::create(b, loc, args[2], product);
        });
  return emitElementwise(
      b, loc, RankedTensorType::get({count, outputs}, elementType), {experts},
      {selectDims(ctx, 2, {0})},
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value p = linalg::IndexOp::create(b, loc, 0);
        Value n = linalg::IndexOp::create(b, loc, 1);
        return emitPayloadSum(
            b, loc, inner, elementType,
            [&](OpBuilder &b, Location loc, Value m) -> Value {
              return arith::MulFOp::create(
                  b, loc, extractAt(b, loc, rows, {p, m}),
                  extractAt(b, loc, weight, {args[0], n, m}));
            });
      });
}

/// `out[p, m] = sum_n rows[p, n] * weight[experts[p], n, m]`: the input
/// gradient of emitGroupedProduct, as a grouped product with the weights
/// transposed to [E, M, N] (one pass over the weights, which the backward
/// pass reads and whose gradient it writes anyway).
Value emitGroupedProductWithWeight(OpBuilder &b, Location loc, Value rows,
                                   Value weight, Value experts,
                                   bool contraction) {
  RankedTensorType type = tensorTypeOf(weight);
  ArrayRef<int64_t> shape = type.getShape();
  MLIRContext *ctx = b.getContext();
  Value transposed = emitElementwise(
      b, loc,
      RankedTensorType::get({shape[0], shape[2], shape[1]},
                            type.getElementType()),
      {weight}, {selectDims(ctx, 3, {0, 2, 1})},
      [](OpBuilder &, Location, ValueRange args) -> Value { return args[0]; });
  return emitGroupedProduct(b, loc, rows, transposed, experts, contraction);
}

/// `out[e, n, m] = sum_{p in segment e} lhs[p, n] * rhs[p, m]`: the weight
/// gradient of a grouped product. With `contraction`, a linalg.generic over
/// (e, n, m, p) with p a reduction over all rows, whose lhs is masked to the
/// segment: `select(begin[e] <= p && p < end[e], lhs[p, n], 0)` (a
/// contraction with a reduction range, sdd::matchReductionRange, which the
/// GPU's tensor-core kernel restricts to the segment; any other lowering
/// does E times the work). Else the operands are transposed first so that
/// a segment loop in the payload reads both contiguously.
Value emitSegmentOuterSum(OpBuilder &b, Location loc, Value lhs, Value rhs,
                          Value offsets, bool contraction) {
  RankedTensorType lhsType = tensorTypeOf(lhs);
  int64_t experts = tensorTypeOf(offsets).getShape()[0] - 1;
  auto type = RankedTensorType::get(
      {experts, lhsType.getShape()[1], tensorTypeOf(rhs).getShape()[1]},
      lhsType.getElementType());
  if (contraction) {
    MLIRContext *ctx = b.getContext();
    auto bounds = RankedTensorType::get({experts}, b.getIndexType());
    Value begin = tensor::ExtractSliceOp::create(
        b, loc, bounds, offsets, ValueRange{}, ValueRange{}, ValueRange{},
        ArrayRef<int64_t>{0}, ArrayRef<int64_t>{experts}, ArrayRef<int64_t>{1});
    Value end = tensor::ExtractSliceOp::create(
        b, loc, bounds, offsets, ValueRange{}, ValueRange{}, ValueRange{},
        ArrayRef<int64_t>{1}, ArrayRef<int64_t>{experts}, ArrayRef<int64_t>{1});
    Type elementType = type.getElementType();
    return emitReduction(
        b, loc, type.getShape(), elementType, 0.0,
        ValueRange{lhs, rhs, begin, end},
        {selectDims(ctx, 4, {3, 1}), selectDims(ctx, 4, {3, 2}),
         selectDims(ctx, 4, {0}), selectDims(ctx, 4, {0})},
        selectDims(ctx, 4, {0, 1, 2}), iteratorKinds("pppr"),
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value p = linalg::IndexOp::create(b, loc, 3);
          Value inside = arith::AndIOp::create(
              b, loc,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, p,
                                    args[2]),
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, p,
                                    args[3]));
          Value masked = arith::SelectOp::create(
              b, loc, inside, args[0], floatConstant(b, loc, elementType, 0.0));
          Value product = arith::MulFOp::create(b, loc, masked, args[1]);
          return arith::AddFOp::create(b, loc, args[4], product);
        });
  }
  Value lhsT = emitTranspose(b, loc, lhs), rhsT = emitTranspose(b, loc, rhs);
  return emitElementwise(
      b, loc, type, {}, {},
      [&](OpBuilder &b, Location loc, ValueRange) -> Value {
        Value n = linalg::IndexOp::create(b, loc, 1);
        Value m = linalg::IndexOp::create(b, loc, 2);
        return emitSegmentSum(
            b, loc, offsets, linalg::IndexOp::create(b, loc, 0),
            type.getElementType(),
            [&](OpBuilder &b, Location loc, Value p) -> Value {
              return arith::MulFOp::create(b, loc,
                                           extractAt(b, loc, lhsT, {n, p}),
                                           extractAt(b, loc, rhsT, {m, p}));
            });
      });
}

/// `out[e, n] = sum_{p in segment e} lhs[p, n] * rhs[p, n]`: the gradient
/// of a per-expert scale.
Value emitSegmentDotSum(OpBuilder &b, Location loc, Value lhs, Value rhs,
                        Value offsets) {
  RankedTensorType lhsType = tensorTypeOf(lhs);
  int64_t experts = tensorTypeOf(offsets).getShape()[0] - 1;
  auto type = RankedTensorType::get({experts, lhsType.getShape()[1]},
                                    lhsType.getElementType());
  Value lhsT = emitTranspose(b, loc, lhs), rhsT = emitTranspose(b, loc, rhs);
  return emitElementwise(
      b, loc, type, {}, {},
      [&](OpBuilder &b, Location loc, ValueRange) -> Value {
        Value n = linalg::IndexOp::create(b, loc, 1);
        return emitSegmentSum(
            b, loc, offsets, linalg::IndexOp::create(b, loc, 0),
            type.getElementType(),
            [&](OpBuilder &b, Location loc, Value p) -> Value {
              return arith::MulFOp::create(b, loc,
                                           extractAt(b, loc, lhsT, {n, p}),
                                           extractAt(b, loc, rhsT, {n, p}));
            });
      });
}

/// `out[p, n] = values[p, n] * table[experts[p], n]`: a per-expert scale
/// (an SDD alpha) applied to the sorted rows.
Value emitExpertRowScale(OpBuilder &b, Location loc, Value values, Value table,
                         Value experts) {
  MLIRContext *ctx = b.getContext();
  return emitElementwise(
      b, loc, tensorTypeOf(values), {values, experts},
      {AffineMap::getMultiDimIdentityMap(2, ctx), selectDims(ctx, 2, {0})},
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value scale = extractAt(b, loc, table,
                                {args[1], linalg::IndexOp::create(b, loc, 1)});
        return arith::MulFOp::create(b, loc, args[0], scale);
      });
}

/// Combine: `out[t, m] = sum_s (gates[t, s] *) rows[positions[t, s], m]`,
/// the token's k rows in slot order.
Value emitCombine(OpBuilder &b, Location loc, Value rows, Value positions,
                  Value gates) {
  RankedTensorType rowType = tensorTypeOf(rows);
  Type elementType = rowType.getElementType();
  ArrayRef<int64_t> selection = tensorTypeOf(positions).getShape();
  return emitElementwise(
      b, loc,
      RankedTensorType::get({selection[0], rowType.getShape()[1]}, elementType),
      {}, {}, [&](OpBuilder &b, Location loc, ValueRange) -> Value {
        Value t = linalg::IndexOp::create(b, loc, 0);
        Value m = linalg::IndexOp::create(b, loc, 1);
        return emitPayloadSum(
            b, loc, selection[1], elementType,
            [&](OpBuilder &b, Location loc, Value s) -> Value {
              Value row = extractAt(b, loc, positions, {t, s});
              Value value = extractAt(b, loc, rows, {row, m});
              if (!gates)
                return value;
              return arith::MulFOp::create(b, loc, value,
                                           extractAt(b, loc, gates, {t, s}));
            });
      });
}

/// `dgates[t, s] = dy[t] . out[positions[t, s]]`: the gradient of a gate
/// is the dot product of the token's output gradient with its row's expert
/// output.
Value emitGateGradient(OpBuilder &b, Location loc, Value dy, Value out,
                       Value positions) {
  RankedTensorType type = tensorTypeOf(dy);
  Type elementType = type.getElementType();
  int64_t features = type.getShape()[1];
  RankedTensorType positionType = tensorTypeOf(positions);
  MLIRContext *ctx = b.getContext();
  return emitElementwise(
      b, loc, RankedTensorType::get(positionType.getShape(), elementType),
      {positions}, {AffineMap::getMultiDimIdentityMap(2, ctx)},
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value t = linalg::IndexOp::create(b, loc, 0);
        return emitPayloadSum(
            b, loc, features, elementType,
            [&](OpBuilder &b, Location loc, Value d) -> Value {
              return arith::MulFOp::create(
                  b, loc, extractAt(b, loc, dy, {t, d}),
                  extractAt(b, loc, out, {args[0], d}));
            });
      });
}

//===----------------------------------------------------------------------===//
// The experts on the sorted rows
//===----------------------------------------------------------------------===//

/// Everything the experts compute for the sorted rows `[N k, ...]`; the
/// backward lowering recomputes it rather than keeping it.
struct ExpertActivations {
  Value rows;           // x of each row (dispatch)        [A, D]
  Value up;             // a = x up[e]^T                    [A, 2Fe]
  Value upNormalized;   // sdd: a / rms per half, else null [A, 2Fe]
  Value gated;          // the SwiGLU input                 [A, 2Fe]
  Value hidden;         // h = silu(g) * u                  [A, Fe]
  Value down;           // o = h down[e]^T                  [A, D]
  Value downNormalized; // sdd: o / rms(o), else null      [A, D]
  Value out;            // Expert_e(x)                      [A, D]
};

ExpertActivations emitExperts(OpBuilder &b, Location loc, Value tokens,
                              const ExpertGrouping &grouping, int64_t k,
                              Value up, Value down, Value upAlpha,
                              Value downAlpha, FloatAttr eps,
                              bool contractions) {
  ExpertActivations act;
  act.rows =
      emitDispatch(b, loc, tokens, grouping.assignments, k, /*gates=*/Value());
  act.up =
      emitGroupedProduct(b, loc, act.rows, up, grouping.experts, contractions);
  act.gated = act.up;
  if (upAlpha) {
    // groups = 2: u and g normalised on their own.
    act.upNormalized = RMSNormalizeOp::create(b, loc, act.up.getType(), act.up,
                                              b.getI64IntegerAttr(2), eps);
    act.gated =
        emitExpertRowScale(b, loc, act.upNormalized, upAlpha, grouping.experts);
  }
  RankedTensorType gatedType = tensorTypeOf(act.gated);
  auto hiddenType = RankedTensorType::get(
      {gatedType.getShape()[0], gatedType.getShape()[1] / 2},
      gatedType.getElementType());
  act.hidden = SwiGLUOp::create(b, loc, hiddenType, act.gated);
  act.down = emitGroupedProduct(b, loc, act.hidden, down, grouping.experts,
                                contractions);
  act.out = act.down;
  if (downAlpha) {
    act.downNormalized = RMSNormalizeOp::create(
        b, loc, act.down.getType(), act.down, b.getI64IntegerAttr(1), eps);
    act.out = emitExpertRowScale(b, loc, act.downNormalized, downAlpha,
                                 grouping.experts);
  }
  return act;
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

struct SoftmaxLowering : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    unsigned rank = type.getRank();
    MLIRContext *ctx = rewriter.getContext();
    Value input = adaptor.getInput();
    auto [rowMax, sumExp] = emitLogSumExpParts(rewriter, loc, input);
    AffineMap rowMap = selectDims(ctx, rank, leadingDims(rank - 1));
    rewriter.replaceOp(
        op, emitElementwise(
                rewriter, loc, type, {input, rowMax, sumExp},
                {AffineMap::getMultiDimIdentityMap(rank, ctx), rowMap, rowMap},
                [](OpBuilder &b, Location loc, ValueRange args) -> Value {
                  Value shifted =
                      arith::SubFOp::create(b, loc, args[0], args[1]);
                  return arith::DivFOp::create(
                      b, loc, math::ExpOp::create(b, loc, shifted), args[2]);
                }));
    return success();
  }
};

struct SoftmaxGradLowering : OpConversionPattern<SoftmaxGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SoftmaxGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    unsigned rank = type.getRank();
    MLIRContext *ctx = rewriter.getContext();
    Value dy = adaptor.getResultGrad(), y = adaptor.getResult();
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap rowMap = selectDims(ctx, rank, leadingDims(rank - 1));
    Value dot =
        emitReduction(rewriter, loc, type.getShape().drop_back(),
                      type.getElementType(), 0.0, {dy, y}, {identity, identity},
                      rowMap, iterators(rank - 1, 1), multiplyAdd);
    // dx = y * (dy - sum(dy * y)).
    rewriter.replaceOp(
        op, emitElementwise(
                rewriter, loc, type, {dy, y, dot}, {identity, identity, rowMap},
                [](OpBuilder &b, Location loc, ValueRange args) -> Value {
                  Value centered =
                      arith::SubFOp::create(b, loc, args[0], args[2]);
                  return arith::MulFOp::create(b, loc, args[1], centered);
                }));
    return success();
  }
};

struct RouterTopKLowering : OpConversionPattern<RouterTopKOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RouterTopKOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value probs = collapseToRows(rewriter, loc, adaptor.getProbs());
    RankedTensorType probsType = tensorTypeOf(probs);
    Type elementType = probsType.getElementType();
    int64_t tokens = probsType.getShape()[0];
    int64_t experts = probsType.getShape()[1], k = op.getK();
    AffineMap entryMap = AffineMap::getMultiDimIdentityMap(2, ctx);
    AffineMap rowMap = selectDims(ctx, 2, {0});

    // Pass s picks the largest entry, in the total order "larger value
    // first, lower index first", among those strictly after pick s - 1:
    // k passes over [N, E], O(N E k), ties to the lower index by
    // construction. The order is total, so the sequential reduction over
    // e is independent of its direction.
    SmallVector<Value> values, picks;
    for (int64_t s = 0; s < k; ++s) {
      SmallVector<Value> inputs = {probs};
      SmallVector<AffineMap> maps = {entryMap};
      if (s > 0) {
        inputs.append({values.back(), picks.back()});
        maps.append({rowMap, rowMap});
      }
      maps.append({rowMap, rowMap});
      Value bestInit = filledTensor(rewriter, loc, {tokens}, elementType,
                                    -std::numeric_limits<double>::infinity());
      Value pickInit = filledIndexTensor(rewriter, loc, {tokens}, experts);
      auto pass = linalg::GenericOp::create(
          rewriter, loc, TypeRange{bestInit.getType(), pickInit.getType()},
          inputs, ValueRange{bestInit, pickInit}, maps, iterators(1, 1),
          [&](OpBuilder &b, Location loc, ValueRange args) {
            Value value = args[0], e = linalg::IndexOp::create(b, loc, 1);
            Value best = args[args.size() - 2], pick = args.back();
            auto after = [&](Value v, Value i, Value refV, Value refI) {
              Value smaller = arith::CmpFOp::create(
                  b, loc, arith::CmpFPredicate::OLT, v, refV);
              Value equal = arith::CmpFOp::create(
                  b, loc, arith::CmpFPredicate::OEQ, v, refV);
              Value later = arith::CmpIOp::create(
                  b, loc, arith::CmpIPredicate::ugt, i, refI);
              return arith::OrIOp::create(
                  b, loc, smaller, arith::AndIOp::create(b, loc, equal, later));
            };
            // e beats the current best when the best comes after it.
            Value take = after(best, pick, value, e);
            if (s > 0)
              take = arith::AndIOp::create(b, loc, take,
                                           after(value, e, args[1], args[2]));
            linalg::YieldOp::create(
                b, loc,
                ValueRange{arith::SelectOp::create(b, loc, take, value, best),
                           arith::SelectOp::create(b, loc, take, e, pick)});
          });
      values.push_back(pass.getResult(0));
      picks.push_back(pass.getResult(1));
    }

    // Assemble the k picks into [N, k]. A pick left at the sentinel E (no
    // eligible entry: NaNs) is clamped so that every index stays in range.
    auto indicesType = cast<RankedTensorType>(op.getIndices().getType());
    auto gatesType = op.getGates().getType();
    SmallVector<AffineMap> pickMaps(k, selectDims(ctx, 2, {0}));
    auto assemble = [&](ArrayRef<Value> perSlot, Type resultElement,
                        bool isIndex) {
      auto type = RankedTensorType::get({tokens, k}, resultElement);
      return emitElementwise(
          rewriter, loc, type, perSlot, pickMaps,
          [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
            Value slot = linalg::IndexOp::create(b, loc, 1);
            Value result = args[k - 1];
            for (int64_t s = k - 2; s >= 0; --s) {
              Value isSlot =
                  arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, slot,
                                        indexConstant(b, loc, s));
              result = arith::SelectOp::create(b, loc, isSlot, args[s], result);
            }
            if (!isIndex)
              return result;
            Value last = indexConstant(b, loc, experts - 1);
            result = arith::MinUIOp::create(b, loc, result, last);
            return arith::IndexCastOp::create(b, loc, resultElement, result);
          });
    };
    Value indices = assemble(picks, indicesType.getElementType(), true);
    Value gates = assemble(values, elementType, false);
    rewriter.replaceOp(op, {expandRows(rewriter, loc, indices, indicesType),
                            expandRows(rewriter, loc, gates, gatesType)});
    return success();
  }
};

struct RouterTopKGradLowering : OpConversionPattern<RouterTopKGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RouterTopKGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType type = op.getType();
    Value dgates = collapseToRows(rewriter, loc, adaptor.getResultGrad());
    Value indices = collapseToRows(rewriter, loc, adaptor.getIndices());
    int64_t tokens = tensorTypeOf(dgates).getShape()[0];
    int64_t experts = type.getShape().back();
    // dprobs[t, e] = sum_s [indices[t, s] = e] dgates[t, s]. Loops t, s, e.
    Value grad = emitReduction(
        rewriter, loc, {tokens, experts}, type.getElementType(), 0.0,
        {indices, dgates},
        {selectDims(ctx, 3, {0, 1}), selectDims(ctx, 3, {0, 1})},
        selectDims(ctx, 3, {0, 2}), iteratorKinds("prp"),
        [](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value matches = arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::eq, toIndex(b, loc, args[0]),
              linalg::IndexOp::create(b, loc, 2));
          Value sum = arith::AddFOp::create(b, loc, args[2], args[1]);
          return arith::SelectOp::create(b, loc, matches, sum, args[2]);
        });
    rewriter.replaceOp(op, expandRows(rewriter, loc, grad, type));
    return success();
  }
};

struct MoEExpertsLowering : OpConversionPattern<MoEExpertsOp> {
  MoEExpertsLowering(MLIRContext *context, MoELoweringOptions options)
      : OpConversionPattern(context), options(options) {}
  MoELoweringOptions options;
  LogicalResult
  matchAndRewrite(MoEExpertsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value tokens = collapseToRows(rewriter, loc, adaptor.getX());
    Value indices = collapseToRows(rewriter, loc, adaptor.getIndices());
    Value gates = collapseToRows(rewriter, loc, adaptor.getGates());
    int64_t k = tensorTypeOf(indices).getShape()[1];
    int64_t experts = tensorTypeOf(adaptor.getUp()).getShape()[0];
    ValueRange alphas = adaptor.getAlphas();
    ExpertGrouping grouping =
        options.parallelSort
            ? emitParallelExpertGrouping(rewriter, loc, indices, experts)
            : emitExpertGrouping(rewriter, loc, indices, experts);
    ExpertActivations act =
        emitExperts(rewriter, loc, tokens, grouping, k, adaptor.getUp(),
                    adaptor.getDown(), alphas.empty() ? Value() : alphas[0],
                    alphas.empty() ? Value() : alphas[1], op.getEpsAttr(),
                    options.groupedContractions);
    Value combined =
        emitCombine(rewriter, loc, act.out, grouping.positions, gates);
    rewriter.replaceOp(op, expandRows(rewriter, loc, combined, op.getType()));
    return success();
  }
};

struct MoEExpertsGradLowering : OpConversionPattern<MoEExpertsGradOp> {
  MoEExpertsGradLowering(MLIRContext *context, MoELoweringOptions options)
      : OpConversionPattern(context), options(options) {}
  MoELoweringOptions options;
  LogicalResult
  matchAndRewrite(MoEExpertsGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value tokens = collapseToRows(rewriter, loc, adaptor.getX());
    Value indices = collapseToRows(rewriter, loc, adaptor.getIndices());
    Value gates = collapseToRows(rewriter, loc, adaptor.getGates());
    Value dy = collapseToRows(rewriter, loc, adaptor.getResultGrad());
    Value up = adaptor.getUp(), down = adaptor.getDown();
    int64_t k = tensorTypeOf(indices).getShape()[1];
    int64_t experts = tensorTypeOf(up).getShape()[0];
    ValueRange alphas = adaptor.getAlphas();
    Value upAlpha = alphas.empty() ? Value() : alphas[0];
    Value downAlpha = alphas.empty() ? Value() : alphas[1];
    FloatAttr eps = op.getEpsAttr();
    ExpertGrouping grouping =
        options.parallelSort
            ? emitParallelExpertGrouping(rewriter, loc, indices, experts)
            : emitExpertGrouping(rewriter, loc, indices, experts);
    ExpertActivations act =
        emitExperts(rewriter, loc, tokens, grouping, k, up, down, upAlpha,
                    downAlpha, eps, options.groupedContractions);
    Value rowExperts = grouping.experts;

    Value dgates =
        emitGateGradient(rewriter, loc, dy, act.out, grouping.positions);

    // The gradient of each row's expert output: gate * dy of its token.
    Value dout =
        emitDispatch(rewriter, loc, dy, grouping.assignments, k, gates);
    Value ddown = dout, dDownAlpha;
    if (downAlpha) {
      dDownAlpha = emitSegmentDotSum(rewriter, loc, dout, act.downNormalized,
                                     grouping.offsets);
      Value dNormalized =
          emitExpertRowScale(rewriter, loc, dout, downAlpha, rowExperts);
      ddown = RMSNormalizeGradOp::create(rewriter, loc, act.down.getType(),
                                         dNormalized, act.down,
                                         rewriter.getI64IntegerAttr(1), eps);
    }
    Value dhidden = emitGroupedProductWithWeight(
        rewriter, loc, ddown, down, rowExperts, options.groupedContractions);
    Value downGrad =
        emitSegmentOuterSum(rewriter, loc, ddown, act.hidden, grouping.offsets,
                            options.groupedContractions);
    Value dgated = SwiGLUGradOp::create(rewriter, loc, act.gated.getType(),
                                        dhidden, act.gated);
    Value dup = dgated, dUpAlpha;
    if (upAlpha) {
      dUpAlpha = emitSegmentDotSum(rewriter, loc, dgated, act.upNormalized,
                                   grouping.offsets);
      Value dNormalized =
          emitExpertRowScale(rewriter, loc, dgated, upAlpha, rowExperts);
      dup = RMSNormalizeGradOp::create(rewriter, loc, act.up.getType(),
                                       dNormalized, act.up,
                                       rewriter.getI64IntegerAttr(2), eps);
    }
    Value drows = emitGroupedProductWithWeight(
        rewriter, loc, dup, up, rowExperts, options.groupedContractions);
    Value upGrad =
        emitSegmentOuterSum(rewriter, loc, dup, act.rows, grouping.offsets,
                            options.groupedContractions);
    Value dx = emitCombine(rewriter, loc, drows, grouping.positions,
                           /*gates=*/Value());

    SmallVector<Value> results = {
        expandRows(rewriter, loc, dx, tensorTypeOf(op.getXGrad())),
        expandRows(rewriter, loc, dgates, tensorTypeOf(op.getGatesGrad())),
        upGrad, downGrad};
    if (upAlpha)
      results.append({dUpAlpha, dDownAlpha});
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// The parts of both auxiliary losses that the forward and the backward
/// lowering share, for logits `[N, E]` and indices `[N, k]`.
struct AuxLossParts {
  Value rowMax, sumExp; // logsumexp = log(sumExp) + rowMax, per position
  Value counts;         // [E] index: selections of each expert
  double lbScale;       // lb_coef * E / (N k N): times counts_e * sum_t p_te
  double zScale;        // z_coef / N: times sum_t lse_t^2
};

AuxLossParts emitAuxLossParts(OpBuilder &b, Location loc, Value logits,
                              Value indices, double lbCoef, double zCoef,
                              bool parallelSort) {
  RankedTensorType type = tensorTypeOf(logits);
  double tokens = type.getShape()[0], experts = type.getShape()[1];
  double k = tensorTypeOf(indices).getShape()[1];
  auto [rowMax, sumExp] = emitLogSumExpParts(b, loc, logits);
  Value counts =
      parallelSort ? emitParallelExpertCounts(b, loc, flatten(b, loc, indices),
                                              type.getShape()[1])
                   : emitExpertCounts(b, loc, flatten(b, loc, indices),
                                      type.getShape()[1]);
  return {rowMax, sumExp, counts, lbCoef * experts / (tokens * k * tokens),
          zCoef / tokens};
}

/// exp(logit - max) / sumExp.
Value probability(OpBuilder &b, Location loc, Value logit, Value rowMax,
                  Value sumExp) {
  Value shifted = arith::SubFOp::create(b, loc, logit, rowMax);
  return arith::DivFOp::create(b, loc, math::ExpOp::create(b, loc, shifted),
                               sumExp);
}

Value logSumExp(OpBuilder &b, Location loc, Value rowMax, Value sumExp) {
  return arith::AddFOp::create(b, loc, math::LogOp::create(b, loc, sumExp),
                               rowMax);
}

Value countAsFloat(OpBuilder &b, Location loc, Value count, Type type) {
  Value asInt = arith::IndexCastOp::create(b, loc, b.getI64Type(), count);
  return arith::SIToFPOp::create(b, loc, type, asInt);
}

struct MoEAuxLossLowering : OpConversionPattern<MoEAuxLossOp> {
  MoEAuxLossLowering(MLIRContext *context, MoELoweringOptions options)
      : OpConversionPattern(context), parallelSort(options.parallelSort) {}
  bool parallelSort;
  LogicalResult
  matchAndRewrite(MoEAuxLossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value logits = collapseToRows(rewriter, loc, adaptor.getLogits());
    Value indices = collapseToRows(rewriter, loc, adaptor.getIndices());
    RankedTensorType type = tensorTypeOf(logits);
    Type elementType = type.getElementType();
    AuxLossParts parts = emitAuxLossParts(
        rewriter, loc, logits, indices, op.getLbCoef().convertToDouble(),
        op.getZCoef().convertToDouble(), parallelSort);
    AffineMap entryMap = AffineMap::getMultiDimIdentityMap(2, ctx);
    AffineMap rowMap = selectDims(ctx, 2, {0});
    // sum_t p_te, loops t, e (e innermost).
    Value probSums = emitReduction(
        rewriter, loc, {type.getShape()[1]}, elementType, 0.0,
        {logits, parts.rowMax, parts.sumExp}, {entryMap, rowMap, rowMap},
        selectDims(ctx, 2, {1}), iteratorKinds("rp"),
        [](OpBuilder &b, Location loc, ValueRange args) -> Value {
          return arith::AddFOp::create(
              b, loc, args[3], probability(b, loc, args[0], args[1], args[2]));
        });
    AffineMap toScalar1 = AffineMap::get(1, 0, {}, ctx);
    // sum_e counts_e * sum_t p_te.
    Value balance = emitReduction(
        rewriter, loc, {}, elementType, 0.0, {parts.counts, probSums},
        {selectDims(ctx, 1, {0}), selectDims(ctx, 1, {0})}, toScalar1,
        iterators(0, 1),
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value count = countAsFloat(b, loc, args[0], elementType);
          return multiplyAdd(b, loc, {count, args[1], args[2]});
        });
    // sum_t lse_t^2.
    Value squares = emitReduction(
        rewriter, loc, {}, elementType, 0.0, {parts.rowMax, parts.sumExp},
        {selectDims(ctx, 1, {0}), selectDims(ctx, 1, {0})}, toScalar1,
        iterators(0, 1),
        [](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value lse = logSumExp(b, loc, args[0], args[1]);
          return multiplyAdd(b, loc, {lse, lse, args[2]});
        });
    Value lbScale = floatConstant(rewriter, loc, elementType, parts.lbScale);
    Value zScale = floatConstant(rewriter, loc, elementType, parts.zScale);
    AffineMap scalar = AffineMap::get(0, 0, {}, ctx);
    Value loss = emitElementwise(
        rewriter, loc, op.getType(), {balance, squares}, {scalar, scalar},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value lb = arith::MulFOp::create(b, loc, args[0], lbScale);
          Value z = arith::MulFOp::create(b, loc, args[1], zScale);
          return arith::AddFOp::create(b, loc, lb, z);
        });
    rewriter.replaceOp(op, loss);
    return success();
  }
};

struct MoEAuxLossGradLowering : OpConversionPattern<MoEAuxLossGradOp> {
  MoEAuxLossGradLowering(MLIRContext *context, MoELoweringOptions options)
      : OpConversionPattern(context), parallelSort(options.parallelSort) {}
  bool parallelSort;
  LogicalResult
  matchAndRewrite(MoEAuxLossGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value logits = collapseToRows(rewriter, loc, adaptor.getLogits());
    Value indices = collapseToRows(rewriter, loc, adaptor.getIndices());
    RankedTensorType type = tensorTypeOf(logits);
    Type elementType = type.getElementType();
    AuxLossParts parts = emitAuxLossParts(
        rewriter, loc, logits, indices, op.getLbCoef().convertToDouble(),
        op.getZCoef().convertToDouble(), parallelSort);
    AffineMap entryMap = AffineMap::getMultiDimIdentityMap(2, ctx);
    AffineMap rowMap = selectDims(ctx, 2, {0});
    AffineMap expertMap = selectDims(ctx, 2, {1});
    // c_e = lb_coef * E * f_e / N = lbScale * counts_e.
    Value lbScale = floatConstant(rewriter, loc, elementType, parts.lbScale);
    Value weights = emitElementwise(
        rewriter, loc, RankedTensorType::get({type.getShape()[1]}, elementType),
        {parts.counts}, {selectDims(ctx, 1, {0})},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          return arith::MulFOp::create(
              b, loc, countAsFloat(b, loc, args[0], elementType), lbScale);
        });
    // sum_e c_e p_te per position.
    Value centers = emitReduction(
        rewriter, loc, {type.getShape()[0]}, elementType, 0.0,
        {logits, parts.rowMax, parts.sumExp, weights},
        {entryMap, rowMap, rowMap, expertMap}, rowMap, iterators(1, 1),
        [](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value p = probability(b, loc, args[0], args[1], args[2]);
          return multiplyAdd(b, loc, {p, args[3], args[4]});
        });
    // dlogits = dloss * p * (c_e - center + 2 zScale lse).
    Value twoZ = floatConstant(rewriter, loc, elementType, 2.0 * parts.zScale);
    Value grad = emitElementwise(
        rewriter, loc, type,
        {logits, parts.rowMax, parts.sumExp, weights, centers,
         adaptor.getResultGrad()},
        {entryMap, rowMap, rowMap, expertMap, rowMap,
         AffineMap::get(2, 0, {}, ctx)},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value p = probability(b, loc, args[0], args[1], args[2]);
          Value lse = logSumExp(b, loc, args[1], args[2]);
          Value z = arith::MulFOp::create(b, loc, lse, twoZ);
          Value centered = arith::SubFOp::create(b, loc, args[3], args[4]);
          Value factor = arith::AddFOp::create(b, loc, centered, z);
          Value scaled = arith::MulFOp::create(b, loc, p, factor);
          return arith::MulFOp::create(b, loc, scaled, args[5]);
        });
    rewriter.replaceOp(
        op, expandRows(rewriter, loc, grad, tensorTypeOf(op.getLogits())));
    return success();
  }
};

} // namespace

Value mlir::sdd::detail::emitSortedSegmentSum(OpBuilder &b, Location loc,
                                              Value ids, Value rows,
                                              int64_t buckets) {
  int64_t n = tensorTypeOf(ids).getShape()[0];
  RankedTensorType rowType = tensorTypeOf(rows);
  Value indices = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({n, 1}, tensorTypeOf(ids).getElementType()),
      ids, SmallVector<ReassociationIndices>{{0, 1}});
  ExpertGrouping grouping =
      emitParallelExpertGrouping(b, loc, indices, buckets);
  auto type = RankedTensorType::get({buckets, rowType.getShape()[1]},
                                    rowType.getElementType());
  return emitElementwise(
      b, loc, type, {}, {},
      [&](OpBuilder &b, Location loc, ValueRange) -> Value {
        Value d = linalg::IndexOp::create(b, loc, 1);
        return emitSegmentSum(
            b, loc, grouping.offsets, linalg::IndexOp::create(b, loc, 0),
            type.getElementType(),
            [&](OpBuilder &b, Location loc, Value r) -> Value {
              Value position = extractAt(b, loc, grouping.assignments, {r});
              return extractAt(b, loc, rows, {position, d});
            });
      });
}

void mlir::sdd::populateSDDMoEToLinalgPatterns(RewritePatternSet &patterns,
                                               MoELoweringOptions options) {
  patterns.add<RouterTopKGradLowering, RouterTopKLowering, SoftmaxGradLowering,
               SoftmaxLowering>(patterns.getContext());
  patterns.add<MoEAuxLossGradLowering, MoEAuxLossLowering,
               MoEExpertsGradLowering, MoEExpertsLowering>(
      patterns.getContext(), options);
}
