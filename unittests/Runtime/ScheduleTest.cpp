//===- ScheduleTest.cpp - learning rate, clipping, AdamW scalars ----------===//

#include "sddrt/Schedule.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace sddrt;

namespace {

TrainConfig makeTrain() {
  TrainConfig train;
  train.lr = 1e-3;
  train.minLrRatio = 0.1;
  train.warmup = 10;
  train.steps = 110;
  return train;
}

TEST(ScheduleTest, WarmupThenCosine) {
  TrainConfig train = makeTrain();
  EXPECT_DOUBLE_EQ(learningRate(train, 1), 1e-4);
  EXPECT_DOUBLE_EQ(learningRate(train, 5), 5e-4);
  EXPECT_DOUBLE_EQ(learningRate(train, 10), 1e-3);
  // Halfway through the decay: the mean of lr and min_lr.
  EXPECT_DOUBLE_EQ(learningRate(train, 60), (1e-3 + 1e-4) / 2);
  EXPECT_DOUBLE_EQ(learningRate(train, 11),
                   1e-4 + 9e-4 * (1 + std::cos(M_PI * 1 / 100)) / 2);
  EXPECT_DOUBLE_EQ(learningRate(train, 110), 1e-4);
  EXPECT_DOUBLE_EQ(learningRate(train, 200), 1e-4);
  for (int64_t s = 11; s < 110; ++s)
    EXPECT_LT(learningRate(train, s + 1), learningRate(train, s));
}

TEST(ScheduleTest, NoWarmupAndWarmupPastTheEnd) {
  TrainConfig train = makeTrain();
  train.warmup = 0;
  EXPECT_DOUBLE_EQ(learningRate(train, 1),
                   1e-4 + 9e-4 * (1 + std::cos(M_PI / 110)) / 2);
  train.warmup = 200;
  EXPECT_DOUBLE_EQ(learningRate(train, 110), 1e-3 * 110 / 200);
}

TEST(ScheduleTest, ClipScale) {
  TrainConfig train;
  train.clip = 1.0;
  EXPECT_EQ(clipScale(train, 0.25), 1.0);
  EXPECT_DOUBLE_EQ(clipScale(train, 16.0), 1.0 / (4.0 + 1e-6));
  EXPECT_EQ(clipScale(train, 0.0), 1.0);
}

TEST(ScheduleTest, AdamWHyper) {
  TrainConfig train = makeTrain();
  float hyper[8];
  adamwHyper(train, 3, 9.0, hyper);
  EXPECT_EQ(hyper[0], float(3e-4));
  EXPECT_EQ(hyper[1], float(train.beta1));
  EXPECT_EQ(hyper[2], float(train.beta2));
  EXPECT_EQ(hyper[3], float(train.adamEps));
  EXPECT_EQ(hyper[4], float(train.weightDecay));
  EXPECT_EQ(hyper[5], float(1 - std::pow(0.9, 3)));
  EXPECT_EQ(hyper[6], float(1 - std::pow(0.95, 3)));
  EXPECT_EQ(hyper[7], float(1.0 / (3.0 + 1e-6)));
}

} // namespace
