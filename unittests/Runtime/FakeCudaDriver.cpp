//===- FakeCudaDriver.cpp - a stand-in for libcuda.so.1 -------------------===//
//
// The driver functions that libsdd_cuda_runtime.so loads, over host memory,
// so that the CUDA layer is tested on machines without a GPU: device memory
// is malloc'ed, copies are memcpy, kernels are not run but every launch is
// recorded. The test reads what happened through fake_cuda_state().
// It refuses what the real driver refuses and a GPU-less machine would not
// notice otherwise: calls without a current context on the calling thread,
// launch shapes past the hardware's limits, and copies or sets that run
// past the end of a device allocation.
//
//===----------------------------------------------------------------------===//

#include "FakeCudaDriver.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#define FAKE_EXPORT extern "C" __attribute__((visibility("default")))

namespace {
FakeCudaState &state() {
  static FakeCudaState s;
  return s;
}
struct Function {
  std::string name;
  unsigned maxDynamicShared = 0;
};

// The CUresult values the real driver returns for these cases.
constexpr int kInvalidValue = 1, kOutOfMemory = 2, kInvalidContext = 201;
// The launch limits of every GPU since Volta; 48 KiB of dynamic shared
// memory unless the kernel's attribute allows more (at most 227 KiB).
constexpr unsigned kMaxBlockThreads = 1024, kMaxBlockZ = 64, kMaxGridYZ = 65535,
                   kMaxGridX = 0x7fffffffu, kDefaultShared = 48 << 10,
                   kMaxShared = 227 << 10;
constexpr int kFuncAttributeMaxDynamicSharedSize = 8;

thread_local void *currentContext = nullptr;

/// A driver call that needs a context current on the calling thread.
bool hasContext() {
  if (currentContext)
    return true;
  ++state().refusedCalls;
  return false;
}

/// Whether [ptr, ptr + bytes) stays inside the device allocation that
/// contains ptr; true for host memory, which the fake cannot check.
bool fitsAllocation(unsigned long long ptr, size_t bytes) {
  const std::map<void *, size_t> &allocations = state().allocations;
  auto *address = reinterpret_cast<char *>(ptr);
  auto it = allocations.upper_bound(address);
  if (it == allocations.begin())
    return true;
  --it;
  auto *begin = static_cast<char *>(it->first);
  if (address >= begin + it->second)
    return true;
  if (bytes <= size_t(begin + it->second - address))
    return true;
  ++state().refusedCalls;
  return false;
}
} // namespace

FAKE_EXPORT FakeCudaState *fake_cuda_state() { return &state(); }

FAKE_EXPORT int cuInit(unsigned) { return state().initResult; }
FAKE_EXPORT int cuDeviceGetCount(int *count) {
  *count = state().deviceCount;
  return 0;
}
FAKE_EXPORT int cuDeviceGet(int *device, int ordinal) {
  *device = ordinal;
  return 0;
}
FAKE_EXPORT int cuDeviceGetName(char *name, int size, int) {
  std::strncpy(name, "Fake GPU", size);
  return 0;
}
FAKE_EXPORT int cuDeviceGetAttribute(int *value, int attribute, int) {
  *value = attribute == 75 ? 9 : 0; // compute capability 9.0
  return 0;
}
FAKE_EXPORT int cuDeviceTotalMem_v2(size_t *bytes, int) {
  *bytes = size_t(1) << 30;
  return 0;
}
FAKE_EXPORT int cuDevicePrimaryCtxRetain(void **context, int) {
  static int token;
  *context = &token;
  return 0;
}
FAKE_EXPORT int cuCtxSetCurrent(void *context) {
  ++state().contextSets;
  currentContext = context;
  return 0;
}
FAKE_EXPORT int cuModuleLoadData(void **module, const void *image) {
  if (!hasContext())
    return kInvalidContext;
  ++state().moduleLoads;
  state().moduleImages.emplace_back(static_cast<const char *>(image), 16);
  *module = new int(0);
  return 0;
}
FAKE_EXPORT int cuModuleLoadDataEx(void **module, const void *image, unsigned,
                                   int *, void **) {
  return cuModuleLoadData(module, image);
}
FAKE_EXPORT int cuModuleUnload(void *module) {
  ++state().moduleUnloads;
  delete static_cast<int *>(module);
  return 0;
}
FAKE_EXPORT int cuModuleGetFunction(void **function, void *, const char *name) {
  if (!hasContext())
    return kInvalidContext;
  *function = new Function{name};
  return 0;
}
FAKE_EXPORT int cuFuncSetAttribute(void *function, int attribute, int value) {
  if (attribute == kFuncAttributeMaxDynamicSharedSize) {
    if (value < 0 || unsigned(value) > kMaxShared)
      return kInvalidValue;
    static_cast<Function *>(function)->maxDynamicShared = value;
  }
  return 0;
}
FAKE_EXPORT int cuFuncGetParamInfo(void *, size_t index, size_t *offset,
                                   size_t *size) {
  if (state().kernelParams == 0)
    return 801; // CUDA_ERROR_NOT_SUPPORTED
  if (index >= state().kernelParams)
    return 1; // CUDA_ERROR_INVALID_VALUE
  *offset = 8 * index;
  *size = 8;
  return 0;
}
FAKE_EXPORT int cuLaunchKernel(void *function, unsigned gx, unsigned gy,
                               unsigned gz, unsigned bx, unsigned by,
                               unsigned bz, unsigned smem, void *stream,
                               void **params, void **) {
  if (!hasContext())
    return kInvalidContext;
  auto *kernel = static_cast<Function *>(function);
  unsigned sharedLimit = std::max(kDefaultShared, kernel->maxDynamicShared);
  if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0 ||
      gx > kMaxGridX || gy > kMaxGridYZ || gz > kMaxGridYZ ||
      bx > kMaxBlockThreads || by > kMaxBlockThreads || bz > kMaxBlockZ ||
      uint64_t(bx) * by * bz > kMaxBlockThreads || smem > sharedLimit) {
    ++state().refusedCalls;
    return kInvalidValue;
  }
  FakeLaunch launch{kernel->name, {gx, gy, gz}, {bx, by, bz}, smem, stream, {}};
  for (size_t i = 0; i < state().recordParams; ++i) {
    uint64_t value = 0;
    std::memcpy(&value, params[i], sizeof(value));
    launch.params.push_back(value);
  }
  state().launches.push_back(launch);
  return 0;
}
FAKE_EXPORT int cuStreamCreate(void **stream, unsigned) {
  if (!hasContext())
    return kInvalidContext;
  ++state().streamsCreated;
  *stream = new int(0);
  return 0;
}
FAKE_EXPORT int cuStreamDestroy_v2(void *stream) {
  delete static_cast<int *>(stream);
  return 0;
}
FAKE_EXPORT int cuStreamSynchronize(void *) {
  ++state().streamSyncs;
  return 0;
}
FAKE_EXPORT int cuStreamWaitEvent(void *, void *, unsigned) { return 0; }
FAKE_EXPORT int cuEventCreate(void **event, unsigned) {
  if (!hasContext())
    return kInvalidContext;
  *event = new int(0);
  return 0;
}
FAKE_EXPORT int cuEventDestroy_v2(void *event) {
  delete static_cast<int *>(event);
  return 0;
}
FAKE_EXPORT int cuEventRecord(void *, void *) { return 0; }
FAKE_EXPORT int cuEventSynchronize(void *) { return 0; }
FAKE_EXPORT int cuMemAlloc_v2(unsigned long long *ptr, size_t bytes) {
  if (!hasContext())
    return kInvalidContext;
  FakeCudaState &s = state();
  if (bytes == 0)
    return kInvalidValue;
  if (s.memoryLimit && s.liveBytes + bytes > s.memoryLimit)
    return kOutOfMemory;
  void *memory = std::malloc(bytes);
  s.allocations[memory] = bytes;
  s.liveBytes += bytes;
  ++s.allocCalls;
  *ptr = reinterpret_cast<unsigned long long>(memory);
  return 0;
}
FAKE_EXPORT int cuMemAllocManaged(unsigned long long *ptr, size_t bytes,
                                  unsigned) {
  return cuMemAlloc_v2(ptr, bytes);
}
FAKE_EXPORT int cuMemFree_v2(unsigned long long ptr) {
  if (!hasContext())
    return kInvalidContext;
  FakeCudaState &s = state();
  void *memory = reinterpret_cast<void *>(ptr);
  auto it = s.allocations.find(memory);
  if (it == s.allocations.end())
    return kInvalidValue;
  s.liveBytes -= it->second;
  s.allocations.erase(it);
  ++s.freeCalls;
  std::free(memory);
  return 0;
}
FAKE_EXPORT int cuMemcpyAsync(unsigned long long dst, unsigned long long src,
                              size_t bytes, void *) {
  if (!hasContext())
    return kInvalidContext;
  if (!fitsAllocation(dst, bytes) || !fitsAllocation(src, bytes))
    return kInvalidValue;
  std::memcpy(reinterpret_cast<void *>(dst), reinterpret_cast<void *>(src),
              bytes);
  return 0;
}
FAKE_EXPORT int cuMemsetD32Async(unsigned long long dst, unsigned value,
                                 size_t count, void *) {
  if (!hasContext())
    return kInvalidContext;
  if (!fitsAllocation(dst, count * 4))
    return kInvalidValue;
  auto *p = reinterpret_cast<unsigned *>(dst);
  for (size_t i = 0; i < count; ++i)
    p[i] = value;
  return 0;
}
FAKE_EXPORT int cuMemsetD16Async(unsigned long long dst, unsigned short value,
                                 size_t count, void *) {
  if (!hasContext())
    return kInvalidContext;
  if (!fitsAllocation(dst, count * 2))
    return kInvalidValue;
  auto *p = reinterpret_cast<unsigned short *>(dst);
  for (size_t i = 0; i < count; ++i)
    p[i] = value;
  return 0;
}
FAKE_EXPORT int cuMemHostRegister_v2(void *, size_t, unsigned) { return 0; }
FAKE_EXPORT int cuMemHostUnregister(void *) { return 0; }
FAKE_EXPORT int cuGetErrorName(int result, const char **name) {
  *name = result == kOutOfMemory      ? "CUDA_ERROR_OUT_OF_MEMORY"
          : result == kInvalidValue   ? "CUDA_ERROR_INVALID_VALUE"
          : result == kInvalidContext ? "CUDA_ERROR_INVALID_CONTEXT"
                                      : "CUDA_ERROR_UNKNOWN";
  return 0;
}
FAKE_EXPORT int cuGetErrorString(int, const char **text) {
  *text = "fake driver error";
  return 0;
}
