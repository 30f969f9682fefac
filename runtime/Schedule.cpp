//===- Schedule.cpp - learning rate and optimiser scalars -----------------===//

#include "sddrt/Schedule.h"

#include <algorithm>
#include <cmath>

using namespace sddrt;

double sddrt::learningRate(const TrainConfig &train, int64_t step) {
  double s = static_cast<double>(step);
  if (step <= train.warmup)
    return train.lr * s / static_cast<double>(train.warmup);
  double minLr = train.minLrRatio * train.lr;
  if (step >= train.steps)
    return minLr;
  double progress = (s - train.warmup) / double(train.steps - train.warmup);
  return minLr + (train.lr - minLr) * (1.0 + std::cos(M_PI * progress)) / 2.0;
}

double sddrt::clipScale(const TrainConfig &train, double sumSquares) {
  return std::min(1.0, train.clip / (std::sqrt(sumSquares) + 1e-6));
}

void sddrt::adamwHyper(const TrainConfig &train, int64_t step,
                       double sumSquares, float hyper[8]) {
  double s = static_cast<double>(step);
  hyper[0] = static_cast<float>(learningRate(train, step));
  hyper[1] = static_cast<float>(train.beta1);
  hyper[2] = static_cast<float>(train.beta2);
  hyper[3] = static_cast<float>(train.adamEps);
  hyper[4] = static_cast<float>(train.weightDecay);
  hyper[5] = static_cast<float>(1.0 - std::pow(train.beta1, s));
  hyper[6] = static_cast<float>(1.0 - std::pow(train.beta2, s));
  hyper[7] = static_cast<float>(clipScale(train, sumSquares));
}
