//===- FakeCudaDriver.h - what the stand-in driver records ------*- C++ -*-===//

#ifndef SDDRT_UNITTESTS_FAKECUDADRIVER_H
#define SDDRT_UNITTESTS_FAKECUDADRIVER_H

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

struct FakeLaunch {
  std::string function;
  unsigned grid[3], block[3], sharedMemory;
  void *stream;
  /// The first eight bytes behind each of the first `recordParams` params.
  std::vector<uint64_t> params;
};

struct FakeCudaState {
  int initResult = 0, deviceCount = 1;
  /// cuMemAlloc fails once this many bytes are live (0: never).
  size_t memoryLimit = 0;
  size_t liveBytes = 0;
  int allocCalls = 0, freeCalls = 0, moduleLoads = 0, moduleUnloads = 0;
  int streamsCreated = 0, streamSyncs = 0, contextSets = 0;
  /// Calls refused as the real driver would: no current context, a launch
  /// past the limits, a copy or set past the end of an allocation.
  int refusedCalls = 0;
  size_t recordParams = 0;
  /// The parameter count cuFuncGetParamInfo reports for every kernel (0:
  /// the driver cannot tell, as before CUDA 12.4).
  size_t kernelParams = 0;
  std::vector<FakeLaunch> launches;
  std::vector<std::string> moduleImages;
  std::map<void *, size_t> allocations;
};

/// The state of the fake driver (exported as fake_cuda_state).
using FakeCudaStateFn = FakeCudaState *(*)();

#endif // SDDRT_UNITTESTS_FAKECUDADRIVER_H
