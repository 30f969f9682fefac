//===- ModelBuilder.cpp - model configs to sdd IR -------------------------===//
//
// The mathematics of MODEL_SPEC.md sections 3-5 in sdd ops. The SDD variants
// slice the fused qkv weight by rows so that q and k are SDD linear layers
// with one alpha shared by their heads (groups = H, resp. Hkv).
//
//===----------------------------------------------------------------------===//

#include "sdd/Models/ModelBuilder.h"

#include "sdd/Dialect/SDD/IR/SDDOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

#include <cmath>

using namespace mlir;
using namespace mlir::sdd;
using sddrt::LinearKind;
using sddrt::NormKind;

int64_t ParameterSpec::numElements() const {
  int64_t count = 1;
  for (int64_t size : shape)
    count *= size;
  return count;
}

namespace {

double baseStd(const sddrt::ModelConfig &model) {
  return model.initStd > 0 ? model.initStd
                           : 1.0 / std::sqrt(2.5 * double(model.dModel));
}

ParameterSpec normal(std::string name, SmallVector<int64_t> shape, double std,
                     bool weightDecay = true) {
  ParameterSpec spec;
  spec.name = std::move(name);
  spec.shape = std::move(shape);
  spec.init = ParameterSpec::Init::Normal;
  spec.std = std;
  spec.weightDecay = weightDecay;
  return spec;
}

ParameterSpec constant(std::string name, SmallVector<int64_t> shape,
                       double value) {
  ParameterSpec spec;
  spec.name = std::move(name);
  spec.shape = std::move(shape);
  spec.init = ParameterSpec::Init::Constant;
  spec.value = value;
  return spec;
}

} // namespace

std::vector<ParameterSpec>
mlir::sdd::listParameters(const sddrt::ModelConfig &m) {
  const int64_t d = m.dModel, dh = m.headDim(), h = m.nHeads, hkv = m.nKVHeads,
                f = m.ffnHidden, layers = m.nLayers;
  const bool sdd = m.linear == LinearKind::SDD;
  const bool deep = m.norm == NormKind::DeepNorm && !sdd;
  const double std = baseStd(m);
  // sdd-*: every SDD layer's V starts small; plain: the output projections
  // are scaled down by sqrt(2L); DeepNorm (plain) uses (8L)^(-1/4) instead.
  const double matrixStd = sdd ? std * m.sddInitScale : std;
  const double outStd = sdd ? matrixStd
                            : (deep ? std * std::pow(8.0 * layers, -0.25)
                                    : std / std::sqrt(2.0 * layers));
  const double deepStd = std * std::pow(8.0 * layers, -0.25);

  std::vector<ParameterSpec> params;
  params.push_back(normal("embed.weight", {m.vocabSize, d}, std,
                          /*weightDecay=*/false));
  for (int64_t i = 0; i < layers; ++i) {
    std::string p = "layers." + std::to_string(i) + ".";
    params.push_back(constant(p + "attn_norm.weight", {d}, 1.0));
    params.push_back(constant(p + "ffn_norm.weight", {d}, 1.0));
    ParameterSpec qkv =
        normal(p + "attn.qkv.weight", {(h + 2 * hkv) * dh, d}, matrixStd);
    if (deep)
      qkv.rowStd = {{0, (h + hkv) * dh, std},
                    {(h + hkv) * dh, (h + 2 * hkv) * dh, deepStd}};
    params.push_back(qkv);
    if (sdd) {
      params.push_back(constant(p + "attn.q_alpha", {dh}, 1.0));
      params.push_back(constant(p + "attn.k_alpha", {dh}, 1.0));
      params.push_back(constant(p + "attn.ctx_norm.weight", {d}, 1.0));
    }
    params.push_back(normal(p + "attn.out.weight", {d, h * dh}, outStd));
    if (sdd)
      params.push_back(
          constant(p + "attn.out.alpha", {d}, 1.0 / std::sqrt(2.0 * layers)));
    if (m.isMoE()) {
      // The experts follow the rules of the dense FFN; the router is a plain
      // linear drawn with std.
      const int64_t e = m.moe.experts, fe = m.moe.expertHidden;
      params.push_back(normal(p + "moe.router.weight", {e, d}, std));
      params.push_back(normal(p + "moe.up.weight", {e, 2 * fe, d},
                              deep ? deepStd : matrixStd));
      if (sdd)
        params.push_back(constant(p + "moe.up.alpha", {e, 2 * fe}, 1.0));
      params.push_back(normal(p + "moe.down.weight", {e, d, fe}, outStd));
      if (sdd)
        params.push_back(constant(p + "moe.down.alpha", {e, d},
                                  1.0 / std::sqrt(2.0 * layers)));
      continue;
    }
    params.push_back(
        normal(p + "ffn.up.weight", {2 * f, d}, deep ? deepStd : matrixStd));
    if (sdd)
      params.push_back(constant(p + "ffn.up.alpha", {2 * f}, 1.0));
    params.push_back(normal(p + "ffn.down.weight", {d, f}, outStd));
    if (sdd)
      params.push_back(
          constant(p + "ffn.down.alpha", {d}, 1.0 / std::sqrt(2.0 * layers)));
  }
  params.push_back(constant("final_norm.weight", {d}, 1.0));
  if (!m.tieEmbeddings)
    params.push_back(normal("lm_head.weight", {m.vocabSize, d}, std));
  return params;
}

namespace {

/// Emits the forward computation of one model into a function body.
class ForwardBuilder {
public:
  ForwardBuilder(OpBuilder &b, Location loc, const sddrt::Config &config,
                 Type elementType, const llvm::StringMap<Value> &params)
      : b(b), loc(loc), m(config.model), batch(config.train.batchSize),
        seq(config.train.seqLen), elementType(elementType), params(params) {}

  /// The auxiliary losses (rank 0, coefficients applied) of the MoE layers
  /// that logits() built, in layer order.
  ArrayRef<Value> auxLosses() const { return aux; }
  /// The router logits [B, T, E] and selections [B, T, k] of the MoE layers.
  ArrayRef<Value> routerLogits() const { return routers; }
  ArrayRef<Value> selections() const { return selected; }

  /// tokens [B, T] -> logits [B, T, V].
  Value logits(Value tokens) {
    Value x = EmbeddingOp::create(b, loc, activation(m.dModel),
                                  param("embed.weight"), tokens);
    const double deepScale = std::pow(2.0 * m.nLayers, 0.25);
    for (int64_t i = 0; i < m.nLayers; ++i) {
      std::string p = "layers." + std::to_string(i) + ".";
      Value attnNorm = param(p + "attn_norm.weight");
      Value ffnNorm = param(p + "ffn_norm.weight");
      if (m.norm == NormKind::PreNorm) {
        x = residual(x, attention(p, rmsNorm(x, attnNorm)), 1.0);
        x = residual(x, feedForward(p, rmsNorm(x, ffnNorm)), 1.0);
      } else {
        // postnorm and deepnorm normalise the stream before each sub-layer.
        double scale = m.norm == NormKind::DeepNorm ? deepScale : 1.0;
        x = rmsNorm(x, attnNorm);
        x = residual(x, attention(p, x), scale);
        x = rmsNorm(x, ffnNorm);
        x = residual(x, feedForward(p, x), scale);
      }
    }
    x = rmsNorm(x, param("final_norm.weight"));
    Value head = param(m.tieEmbeddings ? "embed.weight" : "lm_head.weight");
    return MatmulOp::create(b, loc, activation(m.vocabSize), x, head);
  }

private:
  Value param(const std::string &name) const { return params.lookup(name); }

  RankedTensorType activation(int64_t features) const {
    return RankedTensorType::get({batch, seq, features}, elementType);
  }

  Value rmsNorm(Value x, Value weight) {
    return RMSNormOp::create(b, loc, x.getType(), x, weight,
                             b.getF64FloatAttr(m.normEps));
  }

  Value residual(Value x, Value update, double scale) {
    return ResidualAddOp::create(b, loc, x.getType(), x, update,
                                 b.getF64FloatAttr(scale));
  }

  Value linear(Value x, Value v, Value alpha, int64_t groups) {
    int64_t n = cast<RankedTensorType>(v.getType()).getShape()[0];
    return LinearOp::create(b, loc, activation(n), x, v, alpha,
                            b.getI64IntegerAttr(groups),
                            b.getF64FloatAttr(m.normEps))
        .getResult();
  }

  Value matmul(Value x, Value w) {
    int64_t n = cast<RankedTensorType>(w.getType()).getShape()[0];
    return MatmulOp::create(b, loc, activation(n), x, w);
  }

  /// Rows [begin, begin + count) of a [N, K] matrix.
  Value rows(Value matrix, int64_t begin, int64_t count) {
    ArrayRef<int64_t> shape =
        cast<RankedTensorType>(matrix.getType()).getShape();
    return tensor::ExtractSliceOp::create(
        b, loc, matrix,
        ArrayRef<OpFoldResult>{b.getIndexAttr(begin), b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(count), b.getIndexAttr(shape[1])},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
  }

  Value splitHeads(Value x, int64_t heads) {
    auto type =
        RankedTensorType::get({batch, seq, heads, m.headDim()}, elementType);
    return tensor::ExpandShapeOp::create(
        b, loc, type, x, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  }

  Value attention(const std::string &p, Value x) {
    const int64_t h = m.nHeads, hkv = m.nKVHeads, dh = m.headDim();
    Value qkvWeight = param(p + "attn.qkv.weight");
    // q, k and v use contiguous row blocks of the fused weight, so that the
    // adjoint of each slice is a dense copy into the weight's gradient.
    Value qWeight = rows(qkvWeight, 0, h * dh);
    Value kWeight = rows(qkvWeight, h * dh, hkv * dh);
    Value vWeight = rows(qkvWeight, (h + hkv) * dh, hkv * dh);
    Value q, k;
    if (m.linear == LinearKind::SDD) {
      q = linear(x, qWeight, param(p + "attn.q_alpha"), h);
      k = linear(x, kWeight, param(p + "attn.k_alpha"), hkv);
    } else {
      q = matmul(x, qWeight);
      k = matmul(x, kWeight);
    }
    Value v = matmul(x, vWeight);
    FloatAttr base = b.getF64FloatAttr(m.ropeBase);
    Value q4 = splitHeads(q, h), k4 = splitHeads(k, hkv);
    q4 = RoPEOp::create(b, loc, q4.getType(), q4, base);
    k4 = RoPEOp::create(b, loc, k4.getType(), k4, base);
    Value c4 =
        AttentionOp::create(b, loc, q4.getType(), q4, k4, splitHeads(v, hkv));
    Value c = tensor::CollapseShapeOp::create(
        b, loc, activation(h * dh), c4,
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
    if (m.linear == LinearKind::SDD) {
      c = rmsNorm(c, param(p + "attn.ctx_norm.weight"));
      return linear(c, param(p + "attn.out.weight"),
                    param(p + "attn.out.alpha"), 1);
    }
    return matmul(c, param(p + "attn.out.weight"));
  }

  /// MODEL_SPEC section 3: router, top-k, dropless experts; records the
  /// layer's auxiliary loss.
  Value mixtureOfExperts(const std::string &p, Value x) {
    const sddrt::MoEConfig &moe = m.moe;
    Value r = matmul(x, param(p + "moe.router.weight"));
    Value probs = SoftmaxOp::create(b, loc, r.getType(), r);
    auto selection =
        RankedTensorType::get({batch, seq, moe.topK}, b.getI32Type());
    auto gatesType = RankedTensorType::get({batch, seq, moe.topK}, elementType);
    auto topk = RouterTopKOp::create(b, loc, selection, gatesType, probs,
                                     b.getI64IntegerAttr(moe.topK));
    SmallVector<Value, 2> alphas;
    if (m.linear == LinearKind::SDD)
      alphas = {param(p + "moe.up.alpha"), param(p + "moe.down.alpha")};
    Value y = MoEExpertsOp::create(
        b, loc, activation(m.dModel), x, topk.getIndices(), topk.getGates(),
        param(p + "moe.up.weight"), param(p + "moe.down.weight"), alphas,
        b.getF64FloatAttr(m.normEps));
    routers.push_back(r);
    selected.push_back(topk.getIndices());
    aux.push_back(MoEAuxLossOp::create(
        b, loc, RankedTensorType::get({}, elementType), r, topk.getIndices(),
        b.getF64FloatAttr(moe.lbCoef), b.getF64FloatAttr(moe.zCoef)));
    return y;
  }

  Value feedForward(const std::string &p, Value x) {
    if (m.isMoE())
      return mixtureOfExperts(p, x);
    Value up = param(p + "ffn.up.weight"), down = param(p + "ffn.down.weight");
    bool sdd = m.linear == LinearKind::SDD;
    Value a = sdd ? linear(x, up, param(p + "ffn.up.alpha"), 1) : matmul(x, up);
    Value hidden = SwiGLUOp::create(b, loc, activation(m.ffnHidden), a);
    return sdd ? linear(hidden, down, param(p + "ffn.down.alpha"), 1)
               : matmul(hidden, down);
  }

  OpBuilder &b;
  Location loc;
  const sddrt::ModelConfig &m;
  int64_t batch, seq;
  Type elementType;
  const llvm::StringMap<Value> &params;
  SmallVector<Value> aux, routers, selected;
};

/// Creates `func.func @name(params..., extra...)` with the parameters marked
/// `sdd.param` and named `sdd.name`; returns the entry block's arguments.
func::FuncOp createFunction(OpBuilder &b, Location loc, StringRef name,
                            ArrayRef<ParameterSpec> specs, Type elementType,
                            TypeRange extraInputs, TypeRange results,
                            llvm::StringMap<Value> &params) {
  SmallVector<Type> inputs;
  for (const ParameterSpec &spec : specs)
    inputs.push_back(RankedTensorType::get(spec.shape, elementType));
  inputs.append(extraInputs.begin(), extraInputs.end());
  auto func =
      func::FuncOp::create(b, loc, name, b.getFunctionType(inputs, results));
  Block *entry = func.addEntryBlock();
  for (auto [index, spec] : llvm::enumerate(specs)) {
    func.setArgAttr(index, "sdd.param", b.getUnitAttr());
    func.setArgAttr(index, "sdd.name", b.getStringAttr(spec.name));
    params[spec.name] = entry->getArgument(index);
  }
  b.setInsertionPointToStart(entry);
  return func;
}

} // namespace

OwningOpRef<ModuleOp> mlir::sdd::buildModelModule(MLIRContext *context,
                                                  const sddrt::Config &config,
                                                  Type elementType) {
  context->loadDialect<SDDDialect, func::FuncDialect, tensor::TensorDialect,
                       arith::ArithDialect, linalg::LinalgDialect>();
  Location loc = UnknownLoc::get(context);
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  OpBuilder b(context);
  std::vector<ParameterSpec> specs = listParameters(config.model);
  const int64_t batch = config.train.batchSize, seq = config.train.seqLen;
  auto tokenType = RankedTensorType::get({batch, seq}, b.getI32Type());
  auto lossType = RankedTensorType::get({}, elementType);
  auto logitsType =
      RankedTensorType::get({batch, seq, config.model.vocabSize}, elementType);

  {
    b.setInsertionPointToEnd(module->getBody());
    llvm::StringMap<Value> params;
    func::FuncOp func =
        createFunction(b, loc, "loss", specs, elementType,
                       {tokenType, tokenType}, {lossType}, params);
    ForwardBuilder forward(b, loc, config, elementType, params);
    unsigned numParams = specs.size();
    Value logits = forward.logits(func.getArgument(numParams));
    Value loss = CrossEntropyOp::create(b, loc, lossType, logits,
                                        func.getArgument(numParams + 1));
    // MoE: plus the auxiliary losses (a rank-0 residual add: arith.addf has
    // no adjoint).
    for (Value aux : forward.auxLosses())
      loss = ResidualAddOp::create(b, loc, lossType, loss, aux,
                                   b.getF64FloatAttr(1.0));
    func::ReturnOp::create(b, loc, loss);
  }
  {
    b.setInsertionPointToEnd(module->getBody());
    llvm::StringMap<Value> params;
    func::FuncOp func = createFunction(b, loc, "logits", specs, elementType,
                                       {tokenType}, {logitsType}, params);
    // Only @loss is differentiated.
    for (unsigned i = 0; i < specs.size(); ++i)
      func.removeArgAttr(i, "sdd.param");
    ForwardBuilder forward(b, loc, config, elementType, params);
    func::ReturnOp::create(b, loc,
                           forward.logits(func.getArgument(specs.size())));
  }
  if (config.model.isMoE()) {
    // @moe_stats: the statistics of listStats (not differentiated).
    const sddrt::MoEConfig &moe = config.model.moe;
    b.setInsertionPointToEnd(module->getBody());
    llvm::StringMap<Value> params;
    auto statsType = RankedTensorType::get(
        {int64_t(listStats(config.model).size())}, elementType);
    func::FuncOp func = createFunction(b, loc, "moe_stats", specs, elementType,
                                       {tokenType}, {statsType}, params);
    for (unsigned i = 0; i < specs.size(); ++i)
      func.removeArgAttr(i, "sdd.param");
    ForwardBuilder forward(b, loc, config, elementType, params);
    forward.logits(func.getArgument(specs.size()));
    MLIRContext *ctx = context;
    auto scalarType = RankedTensorType::get({}, elementType);
    auto countsType = RankedTensorType::get({moe.experts}, elementType);
    Value zero =
        arith::ConstantOp::create(b, loc, b.getFloatAttr(elementType, 0.0));
    Value one =
        arith::ConstantOp::create(b, loc, b.getFloatAttr(elementType, 1.0));
    Value assignments = arith::ConstantOp::create(
        b, loc, b.getFloatAttr(elementType, double(batch * seq * moe.topK)));
    // Rank-0 tensors; the ones listed in shareOfAssignments are divided by
    // the number of assignments.
    SmallVector<Value> stats;
    SmallVector<size_t> shareOfAssignments;
    for (auto [r, idx] :
         llvm::zip_equal(forward.routerLogits(), forward.selections())) {
      for (auto [lbCoef, zCoef] : {std::pair{1.0, 0.0}, std::pair{0.0, 1.0}}) {
        Value term = MoEAuxLossOp::create(b, loc, scalarType, r, idx,
                                          b.getF64FloatAttr(lbCoef),
                                          b.getF64FloatAttr(zCoef));
        stats.push_back(term);
      }
      // counts[e] = number of (token, slot) assignments to expert e.
      Value counts = linalg::FillOp::create(
                         b, loc, ValueRange{zero},
                         ValueRange{tensor::EmptyOp::create(
                             b, loc, countsType.getShape(), elementType)})
                         .getResult(0);
      auto it = utils::IteratorType::reduction;
      counts =
          linalg::GenericOp::create(
              b, loc, countsType, ValueRange{idx}, ValueRange{counts},
              ArrayRef<AffineMap>{
                  AffineMap::get(4, 0,
                                 {b.getAffineDimExpr(0), b.getAffineDimExpr(1),
                                  b.getAffineDimExpr(2)},
                                 ctx),
                  AffineMap::get(4, 0, {b.getAffineDimExpr(3)}, ctx)},
              ArrayRef<utils::IteratorType>{it, it, it,
                                            utils::IteratorType::parallel},
              [&](OpBuilder &b, Location loc, ValueRange args) {
                Value e = linalg::IndexOp::create(b, loc, 3);
                Value chosen = arith::IndexCastOp::create(
                    b, loc, b.getIndexType(), args[0]);
                Value hit = arith::CmpIOp::create(
                    b, loc, arith::CmpIPredicate::eq, chosen, e);
                Value add = arith::SelectOp::create(b, loc, hit, one, zero);
                linalg::YieldOp::create(
                    b, loc,
                    ValueRange{arith::AddFOp::create(b, loc, args[1], add)});
              })
              .getResult(0);
      Value busiest =
          linalg::FillOp::create(b, loc, ValueRange{zero},
                                 ValueRange{tensor::EmptyOp::create(
                                     b, loc, ArrayRef<int64_t>{}, elementType)})
              .getResult(0);
      busiest =
          linalg::GenericOp::create(
              b, loc, scalarType, ValueRange{counts}, ValueRange{busiest},
              ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(1, ctx),
                                  AffineMap::get(1, 0, {}, ctx)},
              ArrayRef<utils::IteratorType>{it},
              [&](OpBuilder &b, Location loc, ValueRange args) {
                linalg::YieldOp::create(b, loc,
                                        ValueRange{arith::MaximumFOp::create(
                                            b, loc, args[0], args[1])});
              })
              .getResult(0);
      stats.push_back(busiest);
      shareOfAssignments.push_back(stats.size() - 1);
    }
    // The vector of statistics as one linalg op over the rank-0 tensors,
    // not scalars extracted on the host: on the GPU they live in device
    // memory, where only kernels read them.
    SmallVector<AffineMap> maps(stats.size(), AffineMap::get(1, 0, {}, ctx));
    maps.push_back(AffineMap::getMultiDimIdentityMap(1, ctx));
    Value statsVector =
        linalg::GenericOp::create(
            b, loc, statsType, stats,
            ValueRange{tensor::EmptyOp::create(b, loc, statsType.getShape(),
                                               elementType)},
            maps, ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
            [&](OpBuilder &b, Location loc, ValueRange args) {
              Value i = linalg::IndexOp::create(b, loc, 0);
              Value value;
              for (size_t k = 0; k < stats.size(); ++k) {
                Value stat = args[k];
                if (llvm::is_contained(shareOfAssignments, k))
                  stat = arith::DivFOp::create(b, loc, stat, assignments);
                if (k == 0) {
                  value = stat;
                  continue;
                }
                Value isK = arith::CmpIOp::create(
                    b, loc, arith::CmpIPredicate::eq, i,
                    arith::ConstantIndexOp::create(b, loc, k));
                value = arith::SelectOp::create(b, loc, isK, stat, value);
              }
              linalg::YieldOp::create(b, loc, ValueRange{value});
            })
            .getResult(0);
    func::ReturnOp::create(b, loc, ValueRange{statsVector});
  }
  return module;
}

std::vector<std::string> mlir::sdd::listStats(const sddrt::ModelConfig &model) {
  std::vector<std::string> names;
  if (!model.isMoE())
    return names;
  for (int64_t i = 0; i < model.nLayers; ++i)
    for (const char *stat : {"lb", "z", "max_load"})
      names.push_back("moe." + std::to_string(i) + "." + stat);
  return names;
}

void mlir::sdd::addOptimizerFunctions(ModuleOp module, int64_t numParams,
                                      bool wideNormAccumulator) {
  MLIRContext *context = module.getContext();
  context->loadDialect<linalg::LinalgDialect, math::MathDialect>();
  Location loc = module.getLoc();
  OpBuilder b(context);
  b.setInsertionPointToEnd(module.getBody());
  Type f32 = b.getF32Type();
  Type accumulator = wideNormAccumulator ? Type(b.getF64Type()) : f32;
  auto flat = RankedTensorType::get({numParams}, f32);
  auto scalar = RankedTensorType::get({}, f32);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(1, context);
  AffineMap toScalar = AffineMap::get(1, 0, {}, context);

  // @grad_sq_norm: float64 accumulation so that the norm of millions of
  // gradients keeps float32 accuracy. On a GPU the reduction is a tree of
  // short float32 sums, accurate enough without float64 (which most GPUs
  // run at a small fraction of the float32 rate).
  {
    auto func = func::FuncOp::create(b, loc, "grad_sq_norm",
                                     b.getFunctionType({flat}, {scalar}));
    Block *entry = func.addEntryBlock();
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(entry);
    Value zero =
        arith::ConstantOp::create(b, loc, b.getFloatAttr(accumulator, 0.0));
    Value acc =
        linalg::FillOp::create(b, loc, ValueRange{zero},
                               ValueRange{tensor::EmptyOp::create(
                                   b, loc, ArrayRef<int64_t>{}, accumulator)})
            .getResult(0);
    Value sum =
        linalg::GenericOp::create(
            b, loc, acc.getType(), ValueRange{entry->getArgument(0)},
            ValueRange{acc}, ArrayRef<AffineMap>{identity, toScalar},
            ArrayRef<utils::IteratorType>{utils::IteratorType::reduction},
            [&](OpBuilder &b, Location loc, ValueRange args) {
              Value wide = args[0];
              if (wideNormAccumulator)
                wide = arith::ExtFOp::create(b, loc, accumulator, wide);
              Value square = arith::MulFOp::create(b, loc, wide, wide);
              linalg::YieldOp::create(
                  b, loc,
                  ValueRange{arith::AddFOp::create(b, loc, square, args[1])});
            })
            .getResult(0);
    Value narrow = sum;
    if (wideNormAccumulator)
      narrow =
          linalg::GenericOp::create(
              b, loc, scalar, ValueRange{sum},
              ValueRange{
                  tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, f32)},
              ArrayRef<AffineMap>{AffineMap::get(0, 0, {}, context),
                                  AffineMap::get(0, 0, {}, context)},
              ArrayRef<utils::IteratorType>{},
              [&](OpBuilder &b, Location loc, ValueRange args) {
                linalg::YieldOp::create(
                    b, loc,
                    ValueRange{arith::TruncFOp::create(b, loc, f32, args[0])});
              })
              .getResult(0);
    func::ReturnOp::create(b, loc, narrow);
  }

  // @adamw_update: MODEL_SPEC section 7, elementwise over flat buffers.
  {
    auto hyperType = RankedTensorType::get({8}, f32);
    auto func = func::FuncOp::create(
        b, loc, "adamw_update",
        b.getFunctionType({flat, flat, flat, flat, flat, hyperType},
                          {flat, flat, flat}));
    Block *entry = func.addEntryBlock();
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(entry);
    Value hyper = entry->getArgument(5);
    SmallVector<Value> h;
    for (int64_t i = 0; i < 8; ++i)
      h.push_back(tensor::ExtractOp::create(
          b, loc, hyper,
          ValueRange{arith::ConstantIndexOp::create(b, loc, i)}));
    Value lr = h[0], beta1 = h[1], beta2 = h[2], eps = h[3], decay = h[4],
          bc1 = h[5], bc2 = h[6], gradScale = h[7];
    Value one = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1.0));
    SmallVector<Value> inits;
    for (int i = 0; i < 3; ++i)
      inits.push_back(tensor::EmptyOp::create(b, loc, flat.getShape(), f32));
    auto update = linalg::GenericOp::create(
        b, loc, TypeRange{flat, flat, flat},
        ValueRange{entry->getArgument(0), entry->getArgument(1),
                   entry->getArgument(2), entry->getArgument(3),
                   entry->getArgument(4)},
        inits, SmallVector<AffineMap>(8, identity),
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value p = args[0], g = args[1], mOld = args[2], vOld = args[3],
                mask = args[4];
          auto mul = [&](Value x, Value y) {
            return arith::MulFOp::create(b, loc, x, y).getResult();
          };
          auto add = [&](Value x, Value y) {
            return arith::AddFOp::create(b, loc, x, y).getResult();
          };
          auto sub = [&](Value x, Value y) {
            return arith::SubFOp::create(b, loc, x, y).getResult();
          };
          auto div = [&](Value x, Value y) {
            return arith::DivFOp::create(b, loc, x, y).getResult();
          };
          Value clipped = mul(g, gradScale);
          Value mNew = add(mul(beta1, mOld), mul(sub(one, beta1), clipped));
          Value vNew = add(mul(beta2, vOld),
                           mul(sub(one, beta2), mul(clipped, clipped)));
          Value denom = add(math::SqrtOp::create(b, loc, div(vNew, bc2)), eps);
          Value step =
              add(div(div(mNew, bc1), denom), mul(mul(decay, mask), p));
          linalg::YieldOp::create(
              b, loc, ValueRange{sub(p, mul(lr, step)), mNew, vNew});
        });
    func::ReturnOp::create(b, loc, update.getResults());
  }
}
