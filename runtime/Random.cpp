//===- Random.cpp - the runtime's deterministic random numbers ------------===//

#include "sddrt/Random.h"

#include <cmath>

using namespace sddrt;

double Rng::normal() {
  // 1 - uniform() lies in (0, 1], so the logarithm is finite.
  double u1 = 1.0 - uniform();
  double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

double Rng::truncatedNormal(double truncate) {
  for (;;) {
    double x = normal();
    if (std::fabs(x) <= truncate)
      return x;
  }
}
