//===- FakeModel.cpp - a stand-in artifact for the runtime's tests --------===//
//
// The five entry points of docs/ARTIFACT.md for the tiny config of
// Inputs/fake-model.json, written by hand so that the runtime can be tested
// without sdd-compile. Only the entry ABI is real: the "model" is a bigram
// model logits = (E[token] * final_norm) @ E^T over the tied embedding E; the
// other parameters get zero gradients. sdd_grad_sq_norm and
// sdd_adamw_update follow ARTIFACT.md exactly.
//
//===----------------------------------------------------------------------===//

#include <cmath>
#include <cstdint>
#include <cstring>

namespace {

constexpr int kTensors = 8;
constexpr int B = 4, T = 16, V = 256, D = 8;
constexpr long kNumParams = 2456;
constexpr long kNumel[kTensors] = {V * D, D, D, 16 * D, D *D, 16 * D, D *D, D};
constexpr int kEmbed = 0, kFinalNorm = kTensors - 1;

/// Mean cross entropy over the batch; with `dE`/`dG`, their gradients;
/// with `logitsOut`, the logits [B, T, V].
float run(void **args, const int32_t *tokens, const int32_t *targets, float *dE,
          float *dG, float *logitsOut) {
  const float *E = static_cast<const float *>(args[kEmbed]);
  const float *g = static_cast<const float *>(args[kFinalNorm]);
  const float scale = 1.0f / (B * T);
  double loss = 0;
  float h[D], logits[V], dh[D];
  for (int p = 0; p < B * T; ++p) {
    int token = tokens[p];
    for (int d = 0; d < D; ++d)
      h[d] = E[token * D + d] * g[d];
    float max = -INFINITY;
    for (int v = 0; v < V; ++v) {
      float sum = 0;
      for (int d = 0; d < D; ++d)
        sum += h[d] * E[v * D + d];
      logits[v] = sum;
      max = std::fmax(max, sum);
    }
    if (logitsOut)
      std::memcpy(logitsOut + p * V, logits, sizeof(logits));
    if (!targets)
      continue;
    double total = 0;
    for (int v = 0; v < V; ++v)
      total += std::exp(double(logits[v]) - max);
    int target = targets[p];
    loss += std::log(total) + max - logits[target];
    if (!dE)
      continue;
    for (int d = 0; d < D; ++d)
      dh[d] = 0;
    for (int v = 0; v < V; ++v) {
      float dl = float(std::exp(double(logits[v]) - max) / total);
      if (v == target)
        dl -= 1.0f;
      dl *= scale;
      for (int d = 0; d < D; ++d) {
        dE[v * D + d] += dl * h[d];
        dh[d] += dl * E[v * D + d];
      }
    }
    for (int d = 0; d < D; ++d) {
      dG[d] += dh[d] * E[token * D + d];
      dE[token * D + d] += dh[d] * g[d];
    }
  }
  return float(loss * scale);
}

} // namespace

extern "C" {

void sdd_grad_step(void **args) {
  const int32_t *tokens = static_cast<const int32_t *>(args[kTensors]);
  const int32_t *targets = static_cast<const int32_t *>(args[kTensors + 1]);
  float *loss = static_cast<float *>(args[kTensors + 2]);
  void **grads = args + kTensors + 3;
  for (int i = 0; i < kTensors; ++i)
    std::memset(grads[i], 0, kNumel[i] * sizeof(float));
  *loss = run(args, tokens, targets, static_cast<float *>(grads[kEmbed]),
              static_cast<float *>(grads[kFinalNorm]), nullptr);
}

void sdd_eval_loss(void **args) {
  *static_cast<float *>(args[kTensors + 2]) =
      run(args, static_cast<const int32_t *>(args[kTensors]),
          static_cast<const int32_t *>(args[kTensors + 1]), nullptr, nullptr,
          nullptr);
}

void sdd_logits(void **args) {
  run(args, static_cast<const int32_t *>(args[kTensors]), nullptr, nullptr,
      nullptr, static_cast<float *>(args[kTensors + 1]));
}

void sdd_grad_sq_norm(void **args) {
  const float *grads = static_cast<const float *>(args[0]);
  double sum = 0;
  for (long i = 0; i < kNumParams; ++i)
    sum += double(grads[i]) * grads[i];
  *static_cast<float *>(args[1]) = float(sum);
}

void sdd_adamw_update(void **args) {
  const float *p = static_cast<const float *>(args[0]);
  const float *grad = static_cast<const float *>(args[1]);
  const float *m = static_cast<const float *>(args[2]);
  const float *v = static_cast<const float *>(args[3]);
  const float *mask = static_cast<const float *>(args[4]);
  const float *hyper = static_cast<const float *>(args[5]);
  float *pOut = static_cast<float *>(args[6]);
  float *mOut = static_cast<float *>(args[7]);
  float *vOut = static_cast<float *>(args[8]);
  float lr = hyper[0], beta1 = hyper[1], beta2 = hyper[2], eps = hyper[3],
        wd = hyper[4], bc1 = hyper[5], bc2 = hyper[6], scale = hyper[7];
  for (long i = 0; i < kNumParams; ++i) {
    float g = grad[i] * scale;
    float m1 = beta1 * m[i] + (1 - beta1) * g;
    float v1 = beta2 * v[i] + (1 - beta2) * g * g;
    float p0 = p[i];
    pOut[i] = p0 - lr * ((m1 / bc1) / (std::sqrt(v1 / bc2) + eps) +
                         wd * mask[i] * p0);
    mOut[i] = m1;
    vOut[i] = v1;
  }
}

} // extern "C"
