//===- Schedule.h - learning rate and optimiser scalars ---------*- C++ -*-===//
//
// The scalar arithmetic of MODEL_SPEC section 7 that the runtime does once
// per step; the elementwise update itself is the artifact's
// sdd_adamw_update.
//
//===----------------------------------------------------------------------===//

#ifndef SDDRT_SCHEDULE_H
#define SDDRT_SCHEDULE_H

#include "sddrt/Config.h"

namespace sddrt {

/// The learning rate at step s = 1, 2, ...: lr s / warmup while
/// s <= warmup, then cosine decay to min_lr_ratio lr at s = steps (and
/// min_lr after it).
double learningRate(const TrainConfig &train, int64_t step);

/// min(1, clip / (sqrt(sumSquares) + 1e-6)).
double clipScale(const TrainConfig &train, double sumSquares);

/// The `hyper` argument of sdd_adamw_update for step s: [lr, beta1, beta2,
/// eps, weight_decay, 1 - beta1^s, 1 - beta2^s, grad_scale].
void adamwHyper(const TrainConfig &train, int64_t step, double sumSquares,
                float hyper[8]);

} // namespace sddrt

#endif // SDDRT_SCHEDULE_H
