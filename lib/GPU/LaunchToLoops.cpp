//===- LaunchToLoops.cpp - run gpu.launch bodies as host loops ------------===//
//
// A test aid: the kernels of sdd-linalg-to-gpu run on the CPU, so that the
// GPU lowering is checked against the CPU lowering without a GPU. Threads of
// a block run one after the other between synchronisation points, which is
// what a barrier, a warp shuffle and a warp's mma.sync guarantee on the GPU:
// the body is cut into phases at those points, each phase a loop over the
// threads, and values that live across phases are kept per thread in stack
// buffers. A loop whose body synchronises runs once for the whole block
// (its bounds do not depend on the thread: thread 0's are used) and is cut
// into phases in turn.
//
//===----------------------------------------------------------------------===//

#include "sdd/GPU/Passes.h"

#include "mlir/Dialect/LLVMIR/FunctionCallUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"

#include "llvm/ADT/MapVector.h"

namespace mlir::sdd {
#define GEN_PASS_DEF_SDDGPULAUNCHTOLOOPS
#include "sdd/GPU/Passes.h.inc"
} // namespace mlir::sdd

using namespace mlir;

namespace {

constexpr int64_t kWarpSize = 32;

bool isSync(Operation *op) {
  return isa<gpu::ShuffleOp, gpu::BarrierOp, NVVM::MmaOp>(op);
}

bool containsSync(Operation *op) {
  return op
      ->walk([](Operation *nested) {
        return isSync(nested) ? WalkResult::interrupt() : WalkResult::advance();
      })
      .wasInterrupted();
}

/// One phase of a block: ordinary ops run by every thread in turn, or a
/// synchronising op (with the extractions of an mma's results), or a loop
/// that synchronises.
struct Phase {
  enum Kind { Threads, Shuffle, Barrier, Mma, Loop } kind;
  SmallVector<Operation *> ops;
};

/// The helper that emulates mma.sync m16n8k16 bf16 for every warp of a
/// block of `threads`, shared by the mma ops of the module:
///   (a0..a3, b0, b1: memref<threads x i32>, c0..c3, d0..d3:
///    memref<threads x f32>)
/// where element t of each buffer is thread t's register (static shapes, so
/// that the bare-pointer calling convention of c-abi applies). Lane l holds A
/// rows l/4 (+8), columns 2(l%4) (+1, +8); B column l/4, rows 2(l%4) (+1,
/// +8); C/D row l/4 (+8), columns 2(l%4) (+1) (the PTX ISA's layouts, also
/// nvgpu's MMAUtils); a register's low half is the lower column (row of B).
func::FuncOp getOrCreateMmaHelper(ModuleOp module, int64_t threads);

class Emulator {
public:
  Emulator(gpu::LaunchOp launch, int64_t threads, bool reverse)
      : launch(launch), numThreads(threads), reverse(reverse) {}

  LogicalResult run(int64_t gridX);

private:
  /// Emits the phases of `block` at `b`; `mapping` holds what is uniform
  /// across the block's threads (ids, loop counters of uniform loops).
  LogicalResult emitBlock(OpBuilder &b, Block &block, IRMapping &mapping);
  SmallVector<Phase> partition(Block &block);
  /// A per-thread buffer for `value`, made once before the loop over blocks.
  Value storageFor(Value value);
  Value threadLoop(OpBuilder &b, function_ref<void(OpBuilder &, Value)> body);
  LogicalResult emitMma(OpBuilder &b, Phase &phase);

  /// Loops over `count` ids from the top: blocks and threads.
  Value loopId(OpBuilder &b, Value inductionVar, int64_t count);
  /// Before each load and store of workgroup memory in `op` (cloned for
  /// thread `threadId`), checks that no other thread wrote the element, or
  /// for a store read it, since the last barrier.
  void checkWorkgroupAccesses(Operation *op, Value threadId);
  void bumpEpoch(OpBuilder &b);
  /// Records a failed check where `failed` holds: after the launch, the
  /// program writes "sdd-gpu-launch-to-loops: <message>" to stderr and
  /// aborts, as a GPU would trap. A flag per `kind`, not a branch at every
  /// check: values live across no extra blocks (a bf16 value that does
  /// makes the host's code generator call soft-float helpers that libgcc
  /// may lack).
  void failIf(OpBuilder &b, Value failed, StringRef kind, StringRef message);
  /// After the launch: aborts with the message of each flag that is set
  /// (through a helper of the module per kind; not cf.assert, whose
  /// message goes to stdout, which an abort may leave unflushed).
  void reportFailures(OpBuilder &b);

  gpu::LaunchOp launch;
  int64_t numThreads;
  bool reverse;
  /// Race checks of workgroup memory: per buffer, the last writer and
  /// reader of every element as `epoch * (threads + 2) + thread + 1`
  /// (reader `threads + 1`: several); the epoch counts barriers.
  struct Shadow {
    Value writer, reader;
  };
  llvm::MapVector<Value, Shadow> shadows;
  Value epoch;
  struct Failure {
    Value flag;
    std::string message;
  };
  llvm::MapVector<StringRef, Failure> failures;
  /// The epoch at which the current block started: a load of an element
  /// written before it reads what no thread of the block wrote.
  Value blockEpoch;
  Location loc = launch.getLoc();
  /// Where per-thread buffers go: before the loop over blocks.
  OpBuilder::InsertPoint allocaPoint;
  DenseMap<Value, Value> storage;
  /// The phase of every op (top-level in its block) and the block it is in.
  DenseMap<Operation *, unsigned> phaseOf;
  unsigned nextPhase = 0;
};

Value Emulator::storageFor(Value value) {
  auto it = storage.find(value);
  if (it != storage.end())
    return it->second;
  OpBuilder b(launch.getContext());
  b.restoreInsertionPoint(allocaPoint);
  Value buffer = memref::AllocaOp::create(
      b, loc, MemRefType::get({numThreads}, value.getType()));
  storage[value] = buffer;
  return buffer;
}

Value Emulator::threadLoop(OpBuilder &b,
                           function_ref<void(OpBuilder &, Value)> body) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value count = arith::ConstantIndexOp::create(b, loc, numThreads);
  auto loop = scf::ForOp::create(b, loc, zero, count, one);
  OpBuilder inner = OpBuilder::atBlockTerminator(loop.getBody());
  body(inner, loopId(inner, loop.getInductionVar(), numThreads));
  return loop.getInductionVar();
}

void Emulator::failIf(OpBuilder &b, Value failed, StringRef kind,
                      StringRef message) {
  Failure &failure = failures[kind];
  if (!failure.flag) {
    OpBuilder ab(launch.getContext());
    ab.restoreInsertionPoint(allocaPoint);
    failure.flag =
        memref::AllocaOp::create(ab, loc, MemRefType::get({}, ab.getI1Type()));
    memref::StoreOp::create(
        ab, loc, arith::ConstantIntOp::create(ab, loc, ab.getI1Type(), 0),
        failure.flag, ValueRange{});
    failure.message = message.str();
  }
  Value any = arith::OrIOp::create(
      b, loc, memref::LoadOp::create(b, loc, failure.flag, ValueRange{}),
      failed);
  memref::StoreOp::create(b, loc, any, failure.flag, ValueRange{});
}

void Emulator::reportFailures(OpBuilder &b) {
  auto module = launch->getParentOfType<ModuleOp>();
  for (auto &[kind, failure] : failures) {
    std::string name = ("__sdd_emulator_" + kind).str();
    StringRef message = failure.message;
    auto fail = module.lookupSymbol<func::FuncOp>(name);
    if (!fail) {
      MLIRContext *ctx = module.getContext();
      OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
      Type i32 = mb.getI32Type(), i64 = mb.getI64Type(),
           ptr = LLVM::LLVMPointerType::get(ctx);
      FailureOr<LLVM::LLVMFuncOp> write =
          LLVM::lookupOrCreateFn(mb, module, "write", {i32, ptr, i64}, i64);
      FailureOr<LLVM::LLVMFuncOp> abort = LLVM::lookupOrCreateFn(
          mb, module, "abort", {}, LLVM::LLVMVoidType::get(ctx));
      assert(succeeded(write) && succeeded(abort) && "libc's, by their names");
      fail =
          func::FuncOp::create(mb, loc, name, FunctionType::get(ctx, {}, {}));
      fail.setPrivate();
      OpBuilder fb = OpBuilder::atBlockBegin(fail.addEntryBlock());
      std::string text = ("sdd-gpu-launch-to-loops: " + message + "\n").str();
      Value chars = LLVM::createGlobalString(loc, fb, name + "_message", text,
                                             LLVM::Linkage::Internal);
      LLVM::CallOp::create(
          fb, loc, *write,
          ValueRange{LLVM::ConstantOp::create(fb, loc, i32, 2), chars,
                     LLVM::ConstantOp::create(fb, loc, i64, text.size())});
      LLVM::CallOp::create(fb, loc, *abort, ValueRange{});
      func::ReturnOp::create(fb, loc);
    }
    auto ifOp = scf::IfOp::create(
        b, loc, memref::LoadOp::create(b, loc, failure.flag, ValueRange{}),
        false);
    OpBuilder tb = OpBuilder::atBlockTerminator(&ifOp.getThenRegion().front());
    func::CallOp::create(tb, loc, fail);
  }
}

void Emulator::bumpEpoch(OpBuilder &b) {
  if (!epoch)
    return;
  Value next = arith::AddIOp::create(
      b, loc, memref::LoadOp::create(b, loc, epoch, ValueRange{}),
      arith::ConstantIntOp::create(b, loc, b.getI64Type(), 1));
  memref::StoreOp::create(b, loc, next, epoch, ValueRange{});
}

void Emulator::checkWorkgroupAccesses(Operation *op, Value threadId) {
  SmallVector<Operation *> accesses;
  op->walk([&](Operation *nested) {
    if (auto load = dyn_cast<memref::LoadOp>(nested);
        load && shadows.count(load.getMemRef()))
      accesses.push_back(nested);
    if (auto store = dyn_cast<memref::StoreOp>(nested);
        store && shadows.count(store.getMemRef()))
      accesses.push_back(nested);
  });
  for (Operation *access : accesses) {
    OpBuilder b(access);
    Type i64 = b.getI64Type();
    auto constant = [&](int64_t v) {
      return arith::ConstantIntOp::create(b, loc, i64, v).getResult();
    };
    auto load = dyn_cast<memref::LoadOp>(access);
    Value buffer =
        load ? load.getMemRef() : cast<memref::StoreOp>(access).getMemRef();
    ValueRange indices =
        load ? load.getIndices() : cast<memref::StoreOp>(access).getIndices();
    const Shadow &shadow = shadows.lookup(buffer);
    Value stride = constant(numThreads + 2);
    Value base = arith::MulIOp::create(
        b, loc, memref::LoadOp::create(b, loc, epoch, ValueRange{}), stride);
    Value self = arith::AddIOp::create(
        b, loc, base,
        arith::AddIOp::create(b, loc,
                              arith::IndexCastOp::create(b, loc, i64, threadId),
                              constant(1)));
    // Another thread's access in this epoch: at least `base`, not `self`.
    auto byOther = [&](Value mark) {
      Value now =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, mark, base);
      Value other =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, mark, self);
      return arith::AndIOp::create(b, loc, now, other).getResult();
    };
    Value lastWriter = memref::LoadOp::create(b, loc, shadow.writer, indices);
    Value lastReader = memref::LoadOp::create(b, loc, shadow.reader, indices);
    Value race = byOther(lastWriter);
    if (load) {
      Value several =
          arith::AddIOp::create(b, loc, base, constant(numThreads + 1));
      Value mark =
          arith::SelectOp::create(b, loc, byOther(lastReader), several, self);
      memref::StoreOp::create(b, loc, mark, shadow.reader, indices);
      Value blockBase = arith::MulIOp::create(
          b, loc, memref::LoadOp::create(b, loc, blockEpoch, ValueRange{}),
          stride);
      Value unwritten = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                              lastWriter, blockBase);
      failIf(b, unwritten, "unwritten",
             "a thread read workgroup memory that no thread of its block "
             "wrote");
    } else {
      race = arith::OrIOp::create(b, loc, race, byOther(lastReader));
      memref::StoreOp::create(b, loc, self, shadow.writer, indices);
    }
    failIf(b, race, "race",
           "threads race on workgroup memory (one wrote an element that "
           "another read or wrote since the last barrier)");
  }
}

Value Emulator::loopId(OpBuilder &b, Value inductionVar, int64_t count) {
  if (!reverse)
    return inductionVar;
  return arith::SubIOp::create(
      b, loc, arith::ConstantIndexOp::create(b, loc, count - 1), inductionVar);
}

SmallVector<Phase> Emulator::partition(Block &block) {
  SmallVector<Phase> phases;
  auto startPhase = [&](Phase::Kind kind) {
    phases.push_back({kind, {}});
    ++nextPhase;
  };
  startPhase(Phase::Threads);
  for (Operation &op : block.without_terminator()) {
    Phase::Kind kind = Phase::Threads;
    if (isa<gpu::BarrierOp>(op))
      kind = Phase::Barrier;
    else if (isa<gpu::ShuffleOp>(op))
      kind = Phase::Shuffle;
    else if (isa<NVVM::MmaOp>(op))
      kind = Phase::Mma;
    else if (isa<LLVM::ExtractValueOp>(op) &&
             op.getOperand(0).getDefiningOp<NVVM::MmaOp>()) {
      // Extractions of an mma's results belong to its phase.
      Operation *mma = op.getOperand(0).getDefiningOp();
      phaseOf[&op] = phaseOf[mma];
      for (Phase &phase : phases)
        if (!phase.ops.empty() && phase.ops.front() == mma)
          phase.ops.push_back(&op);
      continue;
    } else if (containsSync(&op))
      kind = Phase::Loop;
    if (kind != Phase::Threads || phases.back().kind != Phase::Threads)
      startPhase(kind);
    phases.back().ops.push_back(&op);
    phaseOf[&op] = nextPhase;
    if (kind != Phase::Threads)
      startPhase(Phase::Threads);
  }
  return phases;
}

LogicalResult Emulator::emitBlock(OpBuilder &b, Block &block,
                                  IRMapping &mapping) {
  SmallVector<Phase> phases = partition(block);
  // A value crosses phases when a use lies (at any depth) under an op of
  // another phase, or under a loop phase, which has phases of its own.
  auto crosses = [&](Value value, unsigned phase) {
    for (Operation *user : value.getUsers()) {
      Operation *top = block.findAncestorOpInBlock(*user);
      if (!top)
        return true;
      if (top->hasTrait<OpTrait::IsTerminator>() || phaseOf[top] != phase ||
          containsSync(top))
        return true;
    }
    return false;
  };
  gpu::KernelDim3 tids = launch.getThreadIds();
  // Values of this block read per thread: from the mapping when uniform or
  // a constant, else from their per-thread buffer.
  auto bindOperands = [&](OpBuilder &tb, Operation *op, IRMapping &local,
                          Value threadId) {
    op->walk([&](Operation *inner) {
      for (Value operand : inner->getOperands()) {
        if (local.contains(operand))
          continue;
        if (Operation *def = operand.getDefiningOp()) {
          if (def->getParentRegion()->isAncestor(op->getParentRegion()) &&
              def->hasTrait<OpTrait::ConstantLike>() &&
              launch->isProperAncestor(def)) {
            tb.clone(*def, local);
            continue;
          }
        }
        auto it = storage.find(operand);
        if (it != storage.end())
          local.map(operand,
                    memref::LoadOp::create(tb, loc, it->second, threadId));
      }
    });
  };

  for (Phase &phase : phases) {
    switch (phase.kind) {
    case Phase::Barrier:
      bumpEpoch(b);
      break;
    case Phase::Threads: {
      if (phase.ops.empty())
        break;
      // Buffers first, for values later phases read.
      for (Operation *op : phase.ops)
        for (Value result : op->getResults())
          if (crosses(result, phaseOf[op]))
            storageFor(result);
      threadLoop(b, [&](OpBuilder &tb, Value threadId) {
        IRMapping local = mapping;
        local.map(tids.x, threadId);
        for (Operation *op : phase.ops) {
          bindOperands(tb, op, local, threadId);
          checkWorkgroupAccesses(tb.clone(*op, local), threadId);
          for (Value result : op->getResults())
            if (Value buffer = storage.lookup(result))
              memref::StoreOp::create(tb, loc, local.lookup(result), buffer,
                                      threadId);
        }
      });
      break;
    }
    case Phase::Shuffle: {
      auto shuffle = cast<gpu::ShuffleOp>(phase.ops.front());
      if (shuffle.getMode() != gpu::ShuffleMode::XOR)
        return shuffle.emitOpError("only xor shuffles can be emulated");
      Value source = storageFor(shuffle.getValue());
      Value result = storageFor(shuffle.getShuffleResult());
      Value valid = storageFor(shuffle.getValid());
      threadLoop(b, [&](OpBuilder &tb, Value threadId) {
        IRMapping local = mapping;
        local.map(tids.x, threadId);
        bindOperands(tb, shuffle, local, threadId);
        Value offset = arith::IndexCastOp::create(
            tb, loc, tb.getIndexType(), local.lookup(shuffle.getOffset()));
        Value partner = arith::XOrIOp::create(tb, loc, threadId, offset);
        memref::StoreOp::create(
            tb, loc, memref::LoadOp::create(tb, loc, source, partner), result,
            threadId);
        memref::StoreOp::create(
            tb, loc, arith::ConstantIntOp::create(tb, loc, tb.getI1Type(), 1),
            valid, threadId);
      });
      break;
    }
    case Phase::Mma:
      if (failed(emitMma(b, phase)))
        return failure();
      break;
    case Phase::Loop: {
      auto loop = dyn_cast<scf::ForOp>(phase.ops.front());
      if (!loop)
        return phase.ops.front()->emitOpError(
            "synchronises inside control flow that is not an scf.for, which "
            "cannot be emulated");
      // Bounds are uniform, constants, or computed by every thread from
      // the same loads (a grouped contraction's groups): those are taken
      // from thread 0, the GPU requiring them to agree anyway. A thread id
      // is none of these.
      for (Value bound :
           {loop.getLowerBound(), loop.getUpperBound(), loop.getStep()}) {
        if (mapping.contains(bound))
          continue;
        Value perThread = storage.lookup(bound);
        Operation *def = bound.getDefiningOp();
        Operation *owner = def ? def : bound.getParentBlock()->getParentOp();
        if (!perThread) {
          if (!(def && def->hasTrait<OpTrait::ConstantLike>()) &&
              launch->isAncestor(owner))
            return loop.emitOpError("synchronises in a loop whose bounds may "
                                    "differ between threads");
          continue;
        }
        // Computed per thread, they must agree (the GPU would deadlock at
        // the barrier, or mix up lanes at a shuffle or mma): checked at
        // run time, as the emulation follows thread 0's.
        Value first = memref::LoadOp::create(
            b, loc, perThread,
            ValueRange{arith::ConstantIndexOp::create(b, loc, 0)});
        threadLoop(b, [&](OpBuilder &tb, Value threadId) {
          Value differ = arith::CmpIOp::create(
              tb, loc, arith::CmpIPredicate::ne, first,
              memref::LoadOp::create(tb, loc, perThread, threadId));
          failIf(tb, differ, "bounds",
                 "the bounds of a loop that synchronises differ between "
                 "threads");
        });
      }
      // The loop-carried values live per thread; the loop runs once.
      SmallVector<Value> carried;
      for (BlockArgument arg : loop.getRegionIterArgs())
        carried.push_back(storageFor(arg));
      // (Not `storage[result] = storage[arg]`: inserting may move the map.)
      for (auto [result, buffer] : llvm::zip(loop.getResults(), carried))
        storage.try_emplace(result, buffer);
      // Initial values into the carried buffers: constants, uniform values
      // or per-thread values of earlier phases.
      threadLoop(b, [&](OpBuilder &tb, Value threadId) {
        IRMapping local = mapping;
        local.map(tids.x, threadId);
        for (auto [init, buffer] : llvm::zip(loop.getInitArgs(), carried)) {
          Value value;
          if (local.contains(init)) {
            value = local.lookup(init);
          } else if (Operation *def = init.getDefiningOp();
                     def && def->hasTrait<OpTrait::ConstantLike>()) {
            value = tb.clone(*def, local)->getResult(0);
          } else if (storage.count(init)) {
            value =
                memref::LoadOp::create(tb, loc, storage.lookup(init), threadId);
          } else {
            value = init;
          }
          memref::StoreOp::create(tb, loc, value, buffer, threadId);
        }
      });
      auto clone = [&](Value v) -> Value {
        if (mapping.contains(v))
          return mapping.lookup(v);
        if (Value perThread = storage.lookup(v))
          return memref::LoadOp::create(
              b, loc, perThread,
              ValueRange{arith::ConstantIndexOp::create(b, loc, 0)});
        Operation *def = v.getDefiningOp();
        if (def && def->hasTrait<OpTrait::ConstantLike>()) {
          IRMapping local;
          return b.clone(*def, local)->getResult(0);
        }
        return v;
      };
      auto uniform = scf::ForOp::create(b, loc, clone(loop.getLowerBound()),
                                        clone(loop.getUpperBound()),
                                        clone(loop.getStep()));
      OpBuilder lb = OpBuilder::atBlockTerminator(uniform.getBody());
      IRMapping inner = mapping;
      inner.map(loop.getInductionVar(), uniform.getInductionVar());
      if (failed(emitBlock(lb, *loop.getBody(), inner)))
        return failure();
      // The yielded values become the carried values of the next trip.
      auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
      threadLoop(lb, [&](OpBuilder &tb, Value threadId) {
        IRMapping local = inner;
        local.map(tids.x, threadId);
        SmallVector<Value> values;
        for (Value v : yield.getOperands())
          values.push_back(
              local.contains(v)
                  ? local.lookup(v)
                  : memref::LoadOp::create(tb, loc, storage.lookup(v), threadId)
                        .getResult());
        for (auto [value, buffer] : llvm::zip(values, carried))
          memref::StoreOp::create(tb, loc, value, buffer, threadId);
      });
      break;
    }
    }
  }
  return success();
}

/// mma.sync m16n8k16 (row-major bf16 A, column-major bf16 B, f32 C/D) for
/// each warp of the block, through the module's helper.
LogicalResult Emulator::emitMma(OpBuilder &b, Phase &phase) {
  auto mma = cast<NVVM::MmaOp>(phase.ops.front());
  auto shape = mma.getShapeAttr();
  if (shape.getM() != 16 || shape.getN() != 8 || shape.getK() != 16 ||
      mma.getMultiplicandAPtxType() != NVVM::MMATypes::bf16 ||
      mma.getOperandA().size() != 4 || mma.getOperandB().size() != 2 ||
      mma.getOperandC().size() != 4)
    return mma.emitOpError("only m16n8k16 bf16 mma can be emulated");
  if (numThreads % kWarpSize != 0)
    return mma.emitOpError("needs whole warps");
  SmallVector<Value> buffers;
  for (Value v : mma->getOperands())
    buffers.push_back(storageFor(v));
  SmallVector<Value> results(4);
  for (Operation *op : ArrayRef<Operation *>(phase.ops).drop_front()) {
    auto extract = cast<LLVM::ExtractValueOp>(op);
    results[extract.getPosition()[0]] = storageFor(extract.getResult());
  }
  for (Value &buffer : results)
    if (!buffer) {
      OpBuilder ab(launch.getContext());
      ab.restoreInsertionPoint(allocaPoint);
      buffer = memref::AllocaOp::create(
          ab, loc, MemRefType::get({numThreads}, ab.getF32Type()));
    }
  buffers.append(results);
  func::FuncOp helper =
      getOrCreateMmaHelper(launch->getParentOfType<ModuleOp>(), numThreads);
  func::CallOp::create(b, loc, helper, buffers);
  return success();
}

func::FuncOp getOrCreateMmaHelper(ModuleOp module, int64_t threads) {
  std::string name =
      "__sdd_emulate_mma_m16n8k16_bf16_" + std::to_string(threads);
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  MLIRContext *ctx = module.getContext();
  Location loc = module.getLoc();
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  auto i32s = MemRefType::get({threads}, i32);
  auto f32s = MemRefType::get({threads}, f32);
  SmallVector<Type> inputs(6, i32s);
  inputs.append(8, f32s);
  auto func =
      func::FuncOp::create(b, loc, name, FunctionType::get(ctx, inputs, {}));
  func.setPrivate();
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  ValueRange args = entry->getArguments();
  ValueRange a = args.slice(0, 4), bb = args.slice(4, 2), c = args.slice(6, 4),
             d = args.slice(10, 4);

  auto idx = [&](OpBuilder &ob, int64_t v) {
    return arith::ConstantIndexOp::create(ob, loc, v).getResult();
  };
  auto div = [&](OpBuilder &ob, Value v, int64_t by) {
    return arith::DivUIOp::create(ob, loc, v, idx(ob, by)).getResult();
  };
  auto rem = [&](OpBuilder &ob, Value v, int64_t by) {
    return arith::RemUIOp::create(ob, loc, v, idx(ob, by)).getResult();
  };
  auto add = [&](OpBuilder &ob, Value x, Value y) {
    return arith::AddIOp::create(ob, loc, x, y).getResult();
  };
  auto mul = [&](OpBuilder &ob, Value x, int64_t by) {
    return arith::MulIOp::create(ob, loc, x, idx(ob, by)).getResult();
  };
  // The element of a packed bf16 pair: low half first.
  auto unpack = [&](OpBuilder &ob, Value word, Value high) {
    Value shift = arith::SelectOp::create(
        ob, loc, high, arith::ConstantIntOp::create(ob, loc, i32, 16),
        arith::ConstantIntOp::create(ob, loc, i32, 0));
    Value bits = arith::TruncIOp::create(
        ob, loc, ob.getI16Type(), arith::ShRUIOp::create(ob, loc, word, shift));
    Value half = arith::BitcastOp::create(ob, loc, ob.getBF16Type(), bits);
    return arith::ExtFOp::create(ob, loc, f32, half).getResult();
  };
  // buffers[which][thread].
  auto select = [&](OpBuilder &ob, ValueRange buffers, Value which,
                    Value thread) {
    Value result = memref::LoadOp::create(ob, loc, buffers[0], thread);
    for (int64_t i = 1, e = buffers.size(); i < e; ++i) {
      Value is = arith::CmpIOp::create(ob, loc, arith::CmpIPredicate::eq, which,
                                       idx(ob, i));
      result = arith::SelectOp::create(
          ob, loc, is, memref::LoadOp::create(ob, loc, buffers[i], thread),
          result);
    }
    return result;
  };
  auto loop = [&](OpBuilder &ob, Value count,
                  function_ref<void(OpBuilder &, Value)> body) {
    auto l = scf::ForOp::create(ob, loc, idx(ob, 0), count, idx(ob, 1));
    OpBuilder inner = OpBuilder::atBlockTerminator(l.getBody());
    body(inner, l.getInductionVar());
  };
  loop(b, idx(b, threads / kWarpSize), [&](OpBuilder &wb, Value warp) {
    Value warpBase = mul(wb, warp, kWarpSize);
    loop(wb, idx(wb, 16), [&](OpBuilder &ib, Value i) {
      loop(ib, idx(ib, 8), [&](OpBuilder &jb, Value j) {
        // C/D element (i, j): lane 4 (i % 8) + j / 2, value 2 (i / 8) + j % 2.
        Value cLane = add(jb, warpBase,
                          add(jb, mul(jb, rem(jb, i, 8), 4), div(jb, j, 2)));
        Value cValue = add(jb, mul(jb, div(jb, i, 8), 2), rem(jb, j, 2));
        Value init = select(jb, c, cValue, cLane);
        auto kLoop = scf::ForOp::create(
            jb, loc, idx(jb, 0), idx(jb, 16), idx(jb, 1), ValueRange{init},
            [&](OpBuilder &kb, Location, Value k, ValueRange acc) {
              Value pairLane = div(kb, rem(kb, k, 8), 2);
              Value high = arith::CmpIOp::create(
                  kb, loc, arith::CmpIPredicate::eq, rem(kb, k, 2), idx(kb, 1));
              // A (i, k): lane 4 (i % 8) + (k % 8) / 2, register
              // (i / 8) + 2 (k / 8).
              Value aLane = add(kb, warpBase,
                                add(kb, mul(kb, rem(kb, i, 8), 4), pairLane));
              Value aReg = add(kb, div(kb, i, 8), mul(kb, div(kb, k, 8), 2));
              Value aValue = unpack(kb, select(kb, a, aReg, aLane), high);
              // B (k, j): lane 4 j + (k % 8) / 2, register k / 8.
              Value bLane = add(kb, warpBase, add(kb, mul(kb, j, 4), pairLane));
              Value bValue =
                  unpack(kb, select(kb, bb, div(kb, k, 8), bLane), high);
              Value product = arith::MulFOp::create(kb, loc, aValue, bValue);
              scf::YieldOp::create(
                  kb, loc,
                  ValueRange{arith::AddFOp::create(kb, loc, acc[0], product)});
            });
        Value result = kLoop.getResult(0);
        for (int64_t v = 0; v < 4; ++v) {
          Value is = arith::CmpIOp::create(jb, loc, arith::CmpIPredicate::eq,
                                           cValue, idx(jb, v));
          auto ifOp = scf::IfOp::create(jb, loc, is, false);
          OpBuilder tb =
              OpBuilder::atBlockTerminator(&ifOp.getThenRegion().front());
          memref::StoreOp::create(tb, loc, result, d[v], cLane);
        }
      });
    });
  });
  func::ReturnOp::create(b, loc);
  return func;
}

LogicalResult Emulator::run(int64_t gridX) {
  OpBuilder b(launch);
  IRMapping mapping;
  Type i64 = b.getI64Type();
  Value zero64 = arith::ConstantIntOp::create(b, loc, i64, 0);
  for (BlockArgument arg : launch.getWorkgroupAttributions()) {
    auto type = cast<MemRefType>(arg.getType());
    ArrayRef<int64_t> shape = type.getShape();
    Value buffer = memref::AllocaOp::create(
        b, loc, MemRefType::get(shape, type.getElementType()));
    mapping.map(arg, buffer);
    // On the heap (two i64 per element), zeroed: epoch 0 precedes every
    // block's accesses.
    SmallVector<Value> lower, upper, steps;
    for (int64_t size : shape) {
      lower.push_back(arith::ConstantIndexOp::create(b, loc, 0));
      upper.push_back(arith::ConstantIndexOp::create(b, loc, size));
      steps.push_back(arith::ConstantIndexOp::create(b, loc, 1));
    }
    Shadow shadow;
    for (Value *mark : {&shadow.writer, &shadow.reader}) {
      *mark = memref::AllocOp::create(b, loc, MemRefType::get(shape, i64));
      scf::buildLoopNest(b, loc, lower, upper, steps,
                         [&](OpBuilder &nb, Location, ValueRange idx) {
                           memref::StoreOp::create(nb, loc, zero64, *mark, idx);
                         });
    }
    shadows[buffer] = shadow;
  }
  if (!shadows.empty()) {
    epoch = memref::AllocaOp::create(b, loc, MemRefType::get({}, i64));
    memref::StoreOp::create(b, loc, zero64, epoch, ValueRange{});
    blockEpoch = memref::AllocaOp::create(b, loc, MemRefType::get({}, i64));
  }
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto blockLoop = scf::ForOp::create(
      b, loc, zero, arith::ConstantIndexOp::create(b, loc, gridX), one);
  // Per-thread buffers go before the loop over blocks, which reuses them.
  allocaPoint =
      OpBuilder::InsertPoint(blockLoop->getBlock(), blockLoop->getIterator());
  OpBuilder lb = OpBuilder::atBlockTerminator(blockLoop.getBody());
  gpu::KernelDim3 ids = launch.getBlockIds(), tids = launch.getThreadIds(),
                  gridSize = launch.getGridSize(),
                  blockSize = launch.getBlockSize();
  mapping.map(ids.x, loopId(lb, blockLoop.getInductionVar(), gridX));
  // A block's accesses never race with the previous block's.
  bumpEpoch(lb);
  if (blockEpoch)
    memref::StoreOp::create(
        lb, loc, memref::LoadOp::create(lb, loc, epoch, ValueRange{}),
        blockEpoch, ValueRange{});
  for (Value v : {ids.y, ids.z, tids.y, tids.z})
    mapping.map(v, zero);
  mapping.map(gridSize.x, arith::ConstantIndexOp::create(b, loc, gridX));
  mapping.map(blockSize.x, arith::ConstantIndexOp::create(b, loc, numThreads));
  for (Value v : {gridSize.y, gridSize.z, blockSize.y, blockSize.z})
    mapping.map(v, one);
  if (failed(emitBlock(lb, launch.getBody().front(), mapping)))
    return failure();
  b.setInsertionPointAfter(blockLoop);
  reportFailures(b);
  for (auto &[buffer, shadow] : shadows) {
    memref::DeallocOp::create(b, loc, shadow.writer);
    memref::DeallocOp::create(b, loc, shadow.reader);
  }
  launch.erase();
  return success();
}

LogicalResult emulate(gpu::LaunchOp launch, bool reverse) {
  auto constant = [](Value v) { return getConstantIntValue(v); };
  std::optional<int64_t> gridX = constant(launch.getGridSizeX()),
                         blockX = constant(launch.getBlockSizeX());
  if (!gridX || !blockX || constant(launch.getGridSizeY()) != 1 ||
      constant(launch.getGridSizeZ()) != 1 ||
      constant(launch.getBlockSizeY()) != 1 ||
      constant(launch.getBlockSizeZ()) != 1)
    return launch.emitOpError("only one-dimensional launches of constant "
                              "size can be emulated");
  return Emulator(launch, *blockX, reverse).run(*gridX);
}

struct SDDGPULaunchToLoops
    : public sdd::impl::SDDGPULaunchToLoopsBase<SDDGPULaunchToLoops> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation().walk([&](gpu::LaunchOp op) { launches.push_back(op); });
    for (gpu::LaunchOp launch : launches)
      if (failed(emulate(launch, reverse)))
        return signalPassFailure();
  }
};

} // namespace
