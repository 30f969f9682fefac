//===- Contraction.cpp - loop structure of linalg ops on buffers ----------===//

#include "sdd/Analysis/Contraction.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"

#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;
using namespace mlir::sdd;

std::optional<sdd::OpInfo> sdd::OpInfo::get(linalg::LinalgOp op) {
  OpInfo info;
  info.op = op;
  info.ranges = op.getStaticLoopRanges();
  if (llvm::any_of(info.ranges, ShapedType::isDynamic))
    return std::nullopt;
  for (auto [d, type] : llvm::enumerate(op.getIteratorTypesArray())) {
    if (type == utils::IteratorType::parallel)
      info.parallel.push_back(d);
    else
      info.reduction.push_back(d);
  }
  return info;
}

int64_t sdd::OpInfo::parallelPoints() const {
  int64_t n = 1;
  for (unsigned d : parallel)
    n *= ranges[d];
  return n;
}

int64_t sdd::OpInfo::reductionPoints() const {
  int64_t n = 1;
  for (unsigned d : reduction)
    n *= ranges[d];
  return n;
}

void sdd::collectPayloadSlice(linalg::LinalgOp op, Value root,
                              llvm::SetVector<Operation *> &ops,
                              llvm::SmallSetVector<BlockArgument, 4> &args) {
  Block *body = op.getBlock();
  llvm::SmallPtrSet<Operation *, 16> seen;
  SmallVector<Value> worklist = {root};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (arg.getOwner() == body)
        args.insert(arg);
      continue;
    }
    Operation *def = v.getDefiningOp();
    if (!def || def->getBlock() != body || !seen.insert(def).second)
      continue;
    def->walk([&](Operation *nested) {
      for (Value operand : nested->getOperands())
        worklist.push_back(operand);
    });
  }
  for (Operation &payload : body->without_terminator())
    if (seen.contains(&payload))
      ops.insert(&payload);
}

std::optional<std::pair<arith::AddFOp, Value>>
sdd::matchAccumulation(linalg::LinalgOp op) {
  if (op.getNumDpsInits() != 1)
    return std::nullopt;
  BlockArgument out = op.getMatchingBlockArgument(op.getDpsInitOperand(0));
  Value yielded = op.getBlock()->getTerminator()->getOperand(0);
  auto accumulate = yielded.getDefiningOp<arith::AddFOp>();
  if (!accumulate || !yielded.getType().isF32() || !out.hasOneUse())
    return std::nullopt;
  Value other = accumulate.getLhs() == out   ? accumulate.getRhs()
                : accumulate.getRhs() == out ? accumulate.getLhs()
                                             : Value();
  if (!other)
    return std::nullopt;
  return std::make_pair(accumulate, other);
}

std::optional<llvm::SmallBitVector>
sdd::dimsReadBySlice(linalg::LinalgOp op, Value root, OpOperand **largest,
                     BlockArgument ignored) {
  llvm::SetVector<Operation *> ops;
  llvm::SmallSetVector<BlockArgument, 4> args;
  collectPayloadSlice(op, root, ops, args);
  llvm::SmallBitVector dims(op.getNumLoops());
  int64_t largestSize = -1;
  for (BlockArgument arg : args) {
    if (arg == ignored)
      continue;
    OpOperand &operand = op->getOpOperand(arg.getArgNumber());
    if (!op.isDpsInput(&operand))
      return std::nullopt;
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type)
      continue;
    dims |= dimsReadBy(op.getMatchingIndexingMap(&operand));
    if (type.getNumElements() > largestSize) {
      largestSize = type.getNumElements();
      *largest = &operand;
    }
  }
  for (Operation *payload : ops)
    if (auto index = dyn_cast<linalg::IndexOp>(payload))
      dims.set(index.getDim());
  return dims;
}

llvm::SmallBitVector sdd::dimsReadBy(AffineMap map) {
  llvm::SmallBitVector dims(map.getNumDims());
  for (AffineExpr expr : map.getResults())
    expr.walk([&](AffineExpr e) {
      if (auto dim = dyn_cast<AffineDimExpr>(e))
        dims.set(dim.getPosition());
    });
  return dims;
}

std::optional<std::pair<unsigned, unsigned>>
sdd::findRegisterTileDims(const OpInfo &info) {
  linalg::LinalgOp op = info.op;
  SmallVector<llvm::SmallBitVector> reads;
  for (OpOperand *input : op.getDpsInputOperands())
    if (isa<MemRefType>(input->get().getType()))
      reads.push_back(dimsReadBy(op.getMatchingIndexingMap(input)));
  auto readers = [&](unsigned dim) {
    llvm::SmallBitVector set(reads.size());
    for (auto [i, r] : llvm::enumerate(reads))
      if (r.test(dim))
        set.set(i);
    return set;
  };
  for (unsigned n : llvm::reverse(info.parallel)) {
    llvm::SmallBitVector byN = readers(n);
    if (byN.none() || byN.all() || info.ranges[n] < 4)
      continue;
    for (unsigned m : llvm::reverse(info.parallel)) {
      if (m == n || info.ranges[m] < 4)
        continue;
      llvm::SmallBitVector byM = readers(m);
      if (byM.none() || byM.anyCommon(byN))
        continue;
      return std::make_pair(m, n);
    }
  }
  return std::nullopt;
}

/// For a payload `out + lhs * rhs` in f32: the addition and the product.
static std::optional<std::pair<arith::AddFOp, arith::MulFOp>>
matchProduct(linalg::LinalgOp op) {
  std::optional<std::pair<arith::AddFOp, Value>> accumulation =
      matchAccumulation(op);
  if (!accumulation)
    return std::nullopt;
  auto [accumulate, product] = *accumulation;
  auto mul = product.getDefiningOp<arith::MulFOp>();
  if (!mul || !product.hasOneUse())
    return std::nullopt;
  return std::make_pair(accumulate, mul);
}

std::optional<ContractionPayload>
sdd::matchContractionPayload(const OpInfo &info, unsigned m, unsigned n) {
  linalg::LinalgOp op = info.op;
  std::optional<std::pair<arith::AddFOp, arith::MulFOp>> matched =
      matchProduct(op);
  if (!matched)
    return std::nullopt;
  auto [accumulate, mul] = *matched;
  OpOperand *unused = nullptr;
  std::optional<llvm::SmallBitVector> lhsDims =
      dimsReadBySlice(op, mul.getLhs(), &unused);
  std::optional<llvm::SmallBitVector> rhsDims =
      dimsReadBySlice(op, mul.getRhs(), &unused);
  if (!lhsDims || !rhsDims)
    return std::nullopt;
  ContractionPayload payload{mul, accumulate, mul.getLhs(), mul.getRhs(),
                             BlockArgument()};
  if (lhsDims->test(n) || rhsDims->test(m))
    std::swap(payload.lhs, payload.rhs), std::swap(lhsDims, rhsDims);
  if (lhsDims->test(n) || rhsDims->test(m))
    return std::nullopt;
  return payload;
}

std::optional<GroupedContraction>
sdd::matchGroupedContraction(const OpInfo &info) {
  linalg::LinalgOp op = info.op;
  std::optional<std::pair<arith::AddFOp, arith::MulFOp>> matched =
      matchProduct(op);
  if (!matched || info.reduction.empty())
    return std::nullopt;
  auto [accumulate, mul] = *matched;
  for (OpOperand *input : op.getDpsInputOperands()) {
    // A group: an integer buffer read along one parallel dimension.
    auto type = dyn_cast<MemRefType>(input->get().getType());
    AffineMap map = op.getMatchingIndexingMap(input);
    if (!type || !type.getElementType().isIntOrIndex() ||
        map.getNumResults() != 1 || !isa<AffineDimExpr>(map.getResult(0)))
      continue;
    unsigned m = cast<AffineDimExpr>(map.getResult(0)).getPosition();
    if (!llvm::is_contained(info.parallel, m))
      continue;
    BlockArgument group = op.getMatchingBlockArgument(input);
    for (bool swapped : {false, true}) {
      Value lhs = swapped ? mul.getRhs() : mul.getLhs();
      Value rhs = swapped ? mul.getLhs() : mul.getRhs();
      OpOperand *unused = nullptr;
      std::optional<llvm::SmallBitVector> lhsDims =
          dimsReadBySlice(op, lhs, &unused);
      std::optional<llvm::SmallBitVector> rhsDims =
          dimsReadBySlice(op, rhs, &unused, group);
      if (!lhsDims || !rhsDims || rhsDims->test(m))
        continue;
      // The rhs must really read the group, else this is a plain
      // contraction.
      llvm::SetVector<Operation *> ops;
      llvm::SmallSetVector<BlockArgument, 4> args;
      collectPayloadSlice(op, rhs, ops, args);
      if (!args.contains(group))
        continue;
      for (unsigned n : llvm::reverse(info.parallel))
        if (n != m && rhsDims->test(n) && !lhsDims->test(n))
          return GroupedContraction{
              m, n, ContractionPayload{mul, accumulate, lhs, rhs, group}};
    }
  }
  return std::nullopt;
}

std::optional<ReductionRange> sdd::matchReductionRange(const OpInfo &info,
                                                       Value side, unsigned m,
                                                       unsigned n) {
  linalg::LinalgOp op = info.op;
  if (info.reduction.size() != 1)
    return std::nullopt;
  unsigned k = info.reduction.front();
  auto select = side.getDefiningOp<arith::SelectOp>();
  if (!select || !matchPattern(select.getFalseValue(), m_AnyZeroFloat()))
    return std::nullopt;
  auto both = select.getCondition().getDefiningOp<arith::AndIOp>();
  if (!both)
    return std::nullopt;
  // `bound` compared with the reduction index by `predicate`, as a batch
  // input's block argument.
  auto boundOf = [&](Value cmp, arith::CmpIPredicate predicate) {
    auto compare = cmp.getDefiningOp<arith::CmpIOp>();
    if (!compare || compare.getPredicate() != predicate)
      return BlockArgument();
    auto index = compare.getLhs().getDefiningOp<linalg::IndexOp>();
    auto bound = dyn_cast<BlockArgument>(compare.getRhs());
    if (!index || index.getDim() != k || !bound ||
        bound.getOwner() != op.getBlock())
      return BlockArgument();
    OpOperand &operand = op->getOpOperand(bound.getArgNumber());
    if (!op.isDpsInput(&operand))
      return BlockArgument();
    llvm::SmallBitVector dims = dimsReadBy(op.getMatchingIndexingMap(&operand));
    if (dims.test(m) || dims.test(n) || dims.test(k))
      return BlockArgument();
    return bound;
  };
  for (bool swapped : {false, true}) {
    Value lower = swapped ? both.getRhs() : both.getLhs();
    Value upper = swapped ? both.getLhs() : both.getRhs();
    BlockArgument begin = boundOf(lower, arith::CmpIPredicate::uge);
    BlockArgument end = boundOf(upper, arith::CmpIPredicate::ult);
    if (begin && end)
      return ReductionRange{begin, end, select};
  }
  return std::nullopt;
}
