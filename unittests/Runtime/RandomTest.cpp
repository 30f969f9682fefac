//===- RandomTest.cpp - the deterministic RNG -----------------------------===//

#include "sddrt/Random.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace sddrt;

namespace {

TEST(RandomTest, SplitMix64ReferenceValues) {
  // The reference implementation (Vigna's splitmix64.c) seeded with 0.
  Rng rng(0);
  EXPECT_EQ(rng.nextU64(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(rng.nextU64(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(rng.nextU64(), 0x06c45d188009454fULL);
}

TEST(RandomTest, SameSeedSameNumbers) {
  Rng a(1234), b(1234), c(1235);
  for (int i = 0; i < 100; ++i) {
    double x = a.normal();
    EXPECT_EQ(x, b.normal());
    EXPECT_NE(x, c.normal());
  }
}

TEST(RandomTest, StateRestoresTheSequence) {
  Rng rng(42);
  for (int i = 0; i < 10; ++i)
    rng.truncatedNormal(3.0);
  uint64_t state = rng.getState();
  double next[5];
  for (double &x : next)
    x = rng.truncatedNormal(3.0);
  Rng resumed;
  resumed.setState(state);
  for (double x : next)
    EXPECT_EQ(resumed.truncatedNormal(3.0), x);
}

TEST(RandomTest, Distributions) {
  Rng rng(7);
  const int n = 200000;
  double sum = 0, squares = 0, uniformSum = 0, truncatedMax = 0;
  for (int i = 0; i < n; ++i) {
    double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    uniformSum += u;
    double x = rng.normal();
    ASSERT_TRUE(std::isfinite(x));
    sum += x;
    squares += x * x;
    truncatedMax = std::fmax(truncatedMax, std::fabs(rng.truncatedNormal(2.0)));
  }
  EXPECT_NEAR(uniformSum / n, 0.5, 0.01);
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(squares / n, 1.0, 0.02);
  EXPECT_LE(truncatedMax, 2.0);
  EXPECT_GT(truncatedMax, 1.9);
}

} // namespace
