//===- Random.h - the runtime's deterministic random numbers ----*- C++ -*-===//
//
// splitmix64 with Box-Muller normals: the same seed gives the same numbers on
// every machine and compiler, and the whole state is one 64-bit word, which
// checkpoints store so that a resumed run draws what an uninterrupted one
// would.
//
//===----------------------------------------------------------------------===//

#ifndef SDDRT_RANDOM_H
#define SDDRT_RANDOM_H

#include <cstdint>

namespace sddrt {

class Rng {
public:
  explicit Rng(uint64_t seed = 0) : state(seed) {}

  /// splitmix64 (Steele, Lea, Flood 2014).
  uint64_t nextU64() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(nextU64() >> 11) * 0x1p-53; }

  /// A standard normal: Box-Muller from two uniforms, the sine half
  /// discarded so that the state stays one word.
  double normal();

  /// A standard normal conditioned on |x| <= truncate, by rejection.
  double truncatedNormal(double truncate);

  uint64_t getState() const { return state; }
  void setState(uint64_t value) { state = value; }

private:
  uint64_t state;
};

} // namespace sddrt

#endif // SDDRT_RANDOM_H
