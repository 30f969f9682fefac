//===- SamplerTest.cpp - next-token sampling ------------------------------===//

#include "sddrt/Sampler.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace sddrt;

namespace {

TEST(SamplerTest, GreedyTakesTheFirstMaximum) {
  Rng rng(1);
  float logits[5] = {0.5f, 2.0f, -1.0f, 2.0f, 1.0f};
  EXPECT_EQ(sampleToken(logits, 5, 0.0, rng), 1);
  uint64_t state = rng.getState();
  sampleToken(logits, 5, 0.0, rng);
  EXPECT_EQ(rng.getState(), state) << "greedy draws no random numbers";
}

TEST(SamplerTest, TemperatureSamplingFollowsTheSoftmax) {
  float logits[3] = {0.0f, std::log(2.0f), std::log(5.0f)};
  Rng rng(9);
  int counts[3] = {};
  const int n = 80000;
  for (int i = 0; i < n; ++i)
    ++counts[sampleToken(logits, 3, 1.0, rng)];
  EXPECT_NEAR(counts[0] / double(n), 1.0 / 8, 0.01);
  EXPECT_NEAR(counts[1] / double(n), 2.0 / 8, 0.01);
  EXPECT_NEAR(counts[2] / double(n), 5.0 / 8, 0.01);
  // A low temperature is nearly greedy; the same seed repeats the draws.
  Rng a(3), b(3);
  int greedy = 0;
  for (int i = 0; i < 1000; ++i) {
    int64_t x = sampleToken(logits, 3, 0.05, a);
    EXPECT_EQ(x, sampleToken(logits, 3, 0.05, b));
    greedy += x == 2;
  }
  EXPECT_GT(greedy, 990);
}

} // namespace
