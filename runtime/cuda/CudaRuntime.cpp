//===- CudaRuntime.cpp - mgpu* over a dlopen'ed CUDA driver ---------------===//
//
// The functions that MLIR's gpu-to-llvm lowering calls (their signatures are
// those of mlir/lib/ExecutionEngine/CudaRuntimeWrappers.cpp in LLVM 22),
// implemented over the CUDA driver API. Debian ships no implementation, and
// linking libcuda would make every tool fail to start on machines without a
// driver, so the driver is loaded with dlopen on first use. The context is
// the device's primary context, made current lazily on each calling thread:
// the artifact's global constructor loads its kernels before any other call.
// Freed device memory is cached (CachingAllocator) and streams are pooled,
// since the lowered code allocates every buffer and creates a stream on
// every call.
//
//===----------------------------------------------------------------------===//

#include "sddrt/CudaRuntime.h"

#include "CachingAllocator.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#define SDD_CUDA_EXPORT extern "C" __attribute__((visibility("default")))

using sddrt::cuda::CachingAllocator;

namespace {

// The driver API's types, declared here so that the library builds without
// the CUDA toolkit's headers.
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUstream = void *;
using CUevent = void *;

constexpr CUresult kSuccess = 0;
constexpr CUresult kInvalidValue = 1;
constexpr unsigned kStreamNonBlocking = 0x1;
constexpr unsigned kEventDisableTiming = 0x2;
constexpr int kAttributeComputeCapabilityMajor = 75;
constexpr int kAttributeComputeCapabilityMinor = 76;
constexpr int kFuncAttributeMaxDynamicSharedSize = 8;
constexpr int kJitOptimizationLevel = 7;
constexpr unsigned kMemAttachGlobal = 0x1;
constexpr int kDefaultSharedMemoryLimit = 48 * 1024;

/// The driver functions, by their exported (versioned) names.
struct Driver {
  void *handle = nullptr;
#define SDD_CUDA_FUNCTIONS(X)                                                  \
  X(cuInit, "cuInit", CUresult (*)(unsigned))                                  \
  X(cuDeviceGetCount, "cuDeviceGetCount", CUresult (*)(int *))                 \
  X(cuDeviceGet, "cuDeviceGet", CUresult (*)(CUdevice *, int))                 \
  X(cuDeviceGetName, "cuDeviceGetName", CUresult (*)(char *, int, CUdevice))   \
  X(cuDeviceGetAttribute, "cuDeviceGetAttribute",                              \
    CUresult (*)(int *, int, CUdevice))                                        \
  X(cuDeviceTotalMem, "cuDeviceTotalMem_v2", CUresult (*)(size_t *, CUdevice)) \
  X(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain",                      \
    CUresult (*)(CUcontext *, CUdevice))                                       \
  X(cuCtxSetCurrent, "cuCtxSetCurrent", CUresult (*)(CUcontext))               \
  X(cuModuleLoadData, "cuModuleLoadData",                                      \
    CUresult (*)(CUmodule *, const void *))                                    \
  X(cuModuleLoadDataEx, "cuModuleLoadDataEx",                                  \
    CUresult (*)(CUmodule *, const void *, unsigned, int *, void **))          \
  X(cuModuleUnload, "cuModuleUnload", CUresult (*)(CUmodule))                  \
  X(cuModuleGetFunction, "cuModuleGetFunction",                                \
    CUresult (*)(CUfunction *, CUmodule, const char *))                        \
  X(cuFuncSetAttribute, "cuFuncSetAttribute",                                  \
    CUresult (*)(CUfunction, int, int))                                        \
  X(cuLaunchKernel, "cuLaunchKernel",                                          \
    CUresult (*)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, \
                 unsigned, unsigned, CUstream, void **, void **))              \
  X(cuStreamCreate, "cuStreamCreate", CUresult (*)(CUstream *, unsigned))      \
  X(cuStreamDestroy, "cuStreamDestroy_v2", CUresult (*)(CUstream))             \
  X(cuStreamSynchronize, "cuStreamSynchronize", CUresult (*)(CUstream))        \
  X(cuStreamWaitEvent, "cuStreamWaitEvent",                                    \
    CUresult (*)(CUstream, CUevent, unsigned))                                 \
  X(cuEventCreate, "cuEventCreate", CUresult (*)(CUevent *, unsigned))         \
  X(cuEventDestroy, "cuEventDestroy_v2", CUresult (*)(CUevent))                \
  X(cuEventRecord, "cuEventRecord", CUresult (*)(CUevent, CUstream))           \
  X(cuEventSynchronize, "cuEventSynchronize", CUresult (*)(CUevent))           \
  X(cuMemAlloc, "cuMemAlloc_v2", CUresult (*)(CUdeviceptr *, size_t))          \
  X(cuMemAllocManaged, "cuMemAllocManaged",                                    \
    CUresult (*)(CUdeviceptr *, size_t, unsigned))                             \
  X(cuMemFree, "cuMemFree_v2", CUresult (*)(CUdeviceptr))                      \
  X(cuMemcpyAsync, "cuMemcpyAsync",                                            \
    CUresult (*)(CUdeviceptr, CUdeviceptr, size_t, CUstream))                  \
  X(cuMemsetD32Async, "cuMemsetD32Async",                                      \
    CUresult (*)(CUdeviceptr, unsigned, size_t, CUstream))                     \
  X(cuMemsetD16Async, "cuMemsetD16Async",                                      \
    CUresult (*)(CUdeviceptr, unsigned short, size_t, CUstream))               \
  X(cuMemHostRegister, "cuMemHostRegister_v2",                                 \
    CUresult (*)(void *, size_t, unsigned))                                    \
  X(cuMemHostUnregister, "cuMemHostUnregister", CUresult (*)(void *))          \
  X(cuGetErrorName, "cuGetErrorName", CUresult (*)(CUresult, const char **))   \
  X(cuGetErrorString, "cuGetErrorString", CUresult (*)(CUresult, const char **))
#define SDD_CUDA_DECLARE(name, symbol, type)                                   \
  using name##Fn = type;                                                       \
  name##Fn name = nullptr;
  SDD_CUDA_FUNCTIONS(SDD_CUDA_DECLARE)
#undef SDD_CUDA_DECLARE

  /// Loads `path` and every function; fails with a reason.
  bool load(const char *path, std::string &error) {
    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char *why = dlerror();
      error = std::string("no NVIDIA driver: ") + (why ? why : path);
      return false;
    }
#define SDD_CUDA_LOAD(name, symbol, type)                                      \
  name = reinterpret_cast<name##Fn>(dlsym(handle, symbol));                    \
  if (!name) {                                                                 \
    error =                                                                    \
        std::string(path) + " has no " + symbol + " (the driver is too old)";  \
    return false;                                                              \
  }
    SDD_CUDA_FUNCTIONS(SDD_CUDA_LOAD)
#undef SDD_CUDA_LOAD
    // Optional (drivers of CUDA 12.4 and later): checks the argument count
    // of every kernel at its first launch.
    cuFuncGetParamInfo = reinterpret_cast<cuFuncGetParamInfoFn>(
        dlsym(handle, "cuFuncGetParamInfo"));
    return true;
  }

  using cuFuncGetParamInfoFn = CUresult (*)(CUfunction, size_t, size_t *,
                                            size_t *);
  cuFuncGetParamInfoFn cuFuncGetParamInfo = nullptr;
};

void defaultErrorHandler(const char *message) {
  std::fprintf(stderr, "sdd-cuda: error: %s\n", message);
  std::fflush(stderr);
  std::exit(1);
}

struct Runtime {
  std::mutex mutex;
  bool initialized = false, usable = false;
  std::string failure, description;
  Driver driver;
  CUdevice device = 0;
  CUcontext context = nullptr;
  int requestedDevice = -1;
  std::unique_ptr<CachingAllocator> allocator;
  std::vector<CUstream> streamPool;
  /// The parameter count of every kernel launched so far (0: unknown).
  std::unordered_map<CUfunction, size_t> kernelParams;
  /// Bumped by sdd_cuda_reset, so that threads make the new context current.
  std::atomic<unsigned> generation{1};
  std::atomic<sdd_cuda_error_handler> handler{defaultErrorHandler};
};

// Never destroyed: artifacts unload their modules from global destructors
// that may run after ours.
Runtime &state() {
  static Runtime *runtime = new Runtime;
  return *runtime;
}

void fail(const std::string &message) {
  state().handler.load()(message.c_str());
}

std::string describe(CUresult result) {
  Driver &driver = state().driver;
  const char *name = nullptr, *text = nullptr;
  if (driver.cuGetErrorName)
    driver.cuGetErrorName(result, &name);
  if (driver.cuGetErrorString)
    driver.cuGetErrorString(result, &text);
  std::string out = name ? name : "CUDA error " + std::to_string(result);
  if (text)
    out += std::string(" (") + text + ")";
  return out;
}

/// Reports a failed driver call; returns whether it succeeded.
bool check(CUresult result, const char *call) {
  if (result == kSuccess)
    return true;
  fail(std::string(call) + " failed: " + describe(result));
  return false;
}
#define CHECK(call) check(call, #call)

/// Loads the driver and creates the context once; `runtime.failure` says why
/// not.
bool initialize(Runtime &runtime) {
  if (runtime.initialized)
    return runtime.usable;
  runtime.initialized = true;
  const char *override = std::getenv("SDD_CUDA_DRIVER");
  const char *path = override && *override ? override : "libcuda.so.1";
  Driver &driver = runtime.driver;
  if (!driver.load(path, runtime.failure))
    return false;
  CUresult result = driver.cuInit(0);
  if (result != kSuccess) {
    runtime.failure =
        "the NVIDIA driver does not start: cuInit: " + describe(result);
    return false;
  }
  int count = 0;
  result = driver.cuDeviceGetCount(&count);
  if (result != kSuccess || count == 0) {
    runtime.failure =
        "no CUDA device" +
        (result != kSuccess ? ": " + describe(result) : std::string(" found"));
    return false;
  }
  int ordinal = runtime.requestedDevice;
  if (ordinal < 0) {
    const char *variable = std::getenv("SDD_CUDA_DEVICE");
    ordinal = variable && *variable ? std::atoi(variable) : 0;
  }
  if (ordinal < 0 || ordinal >= count) {
    runtime.failure = "CUDA device " + std::to_string(ordinal) +
                      " does not exist (" + std::to_string(count) + " found)";
    return false;
  }
  if ((result = driver.cuDeviceGet(&runtime.device, ordinal)) != kSuccess ||
      (result = driver.cuDevicePrimaryCtxRetain(&runtime.context,
                                                runtime.device)) != kSuccess) {
    runtime.failure = "cannot create a CUDA context: " + describe(result);
    return false;
  }
  char name[256] = "?";
  driver.cuDeviceGetName(name, sizeof(name), runtime.device);
  int major = 0, minor = 0;
  driver.cuDeviceGetAttribute(&major, kAttributeComputeCapabilityMajor,
                              runtime.device);
  driver.cuDeviceGetAttribute(&minor, kAttributeComputeCapabilityMinor,
                              runtime.device);
  size_t memory = 0;
  driver.cuDeviceTotalMem(&memory, runtime.device);
  char buffer[400];
  std::snprintf(buffer, sizeof(buffer), "%s (sm_%d%d, %.1f GiB)", name, major,
                minor, double(memory) / double(1ull << 30));
  runtime.description = buffer;
  runtime.allocator = std::make_unique<CachingAllocator>(
      [&driver](size_t bytes) -> uintptr_t {
        CUdeviceptr ptr = 0;
        return driver.cuMemAlloc(&ptr, bytes) == kSuccess ? uintptr_t(ptr) : 0;
      },
      [&driver](uintptr_t ptr) { driver.cuMemFree(CUdeviceptr(ptr)); });
  runtime.usable = true;
  return true;
}

/// The driver with the context current on this thread; null (after
/// reporting why) when there is no usable GPU.
Driver *ready() {
  Runtime &runtime = state();
  thread_local unsigned current = 0;
  unsigned generation = runtime.generation.load();
  if (current == generation)
    return &runtime.driver;
  bool usable;
  {
    std::lock_guard<std::mutex> lock(runtime.mutex);
    usable = initialize(runtime);
  }
  if (!usable) {
    fail("this program needs an NVIDIA GPU: " + runtime.failure);
    return nullptr;
  }
  if (!CHECK(runtime.driver.cuCtxSetCurrent(runtime.context)))
    return nullptr;
  current = generation;
  return &runtime.driver;
}

} // namespace

/// The number of parameters of `function`, 0 when the driver cannot tell.
size_t kernelParamCount(Driver &driver, CUfunction function) {
  if (!driver.cuFuncGetParamInfo)
    return 0;
  Runtime &runtime = state();
  {
    std::lock_guard<std::mutex> lock(runtime.mutex);
    auto it = runtime.kernelParams.find(function);
    if (it != runtime.kernelParams.end())
      return it->second;
  }
  // Kernel parameters take at most 32 KiB, so at most 4096 pointers.
  constexpr size_t kMaxParams = 4096;
  size_t count = 0, offset = 0, size = 0;
  CUresult result = kSuccess;
  while (count <= kMaxParams &&
         (result = driver.cuFuncGetParamInfo(function, count, &offset,
                                             &size)) == kSuccess)
    ++count;
  // Past the last parameter the driver answers "invalid value"; anything
  // else means it cannot tell.
  if (result != kInvalidValue)
    count = 0;
  std::lock_guard<std::mutex> lock(runtime.mutex);
  runtime.kernelParams[function] = count;
  return count;
}

//===----------------------------------------------------------------------===//
// The tools' C API
//===----------------------------------------------------------------------===//

SDD_CUDA_EXPORT int sdd_cuda_probe(char *message, size_t size) {
  Runtime &runtime = state();
  std::lock_guard<std::mutex> lock(runtime.mutex);
  bool usable = initialize(runtime);
  if (!usable && message && size)
    std::snprintf(message, size, "%s", runtime.failure.c_str());
  return usable ? 1 : 0;
}

SDD_CUDA_EXPORT const char *sdd_cuda_device_description(void) {
  return state().description.c_str();
}

SDD_CUDA_EXPORT void
sdd_cuda_get_allocator_stats(struct sdd_cuda_allocator_stats *stats) {
  *stats = {};
  Runtime &runtime = state();
  if (!runtime.allocator)
    return;
  CachingAllocator::Stats s = runtime.allocator->stats();
  stats->device_allocations = s.deviceAllocations;
  stats->device_releases = s.deviceReleases;
  stats->bytes_reserved = s.bytesReserved;
  stats->allocations = s.allocations;
  stats->cache_hits = s.cacheHits;
  stats->bytes_in_use = s.bytesInUse;
}

SDD_CUDA_EXPORT void sdd_cuda_set_error_handler(sdd_cuda_error_handler h) {
  state().handler = h ? h : defaultErrorHandler;
}

SDD_CUDA_EXPORT void sdd_cuda_reset(void) {
  Runtime &runtime = state();
  std::lock_guard<std::mutex> lock(runtime.mutex);
  runtime.allocator.reset();
  runtime.streamPool.clear();
  runtime.kernelParams.clear();
  if (runtime.driver.handle)
    dlclose(runtime.driver.handle);
  runtime.driver = Driver();
  runtime.initialized = runtime.usable = false;
  runtime.failure.clear();
  runtime.description.clear();
  runtime.context = nullptr;
  runtime.requestedDevice = -1;
  runtime.generation++;
}

//===----------------------------------------------------------------------===//
// What the lowered host code calls
//===----------------------------------------------------------------------===//

SDD_CUDA_EXPORT void *mgpuModuleLoad(void *data, size_t /*size*/) {
  Driver *driver = ready();
  CUmodule module = nullptr;
  if (driver)
    CHECK(driver->cuModuleLoadData(&module, data));
  return module;
}

SDD_CUDA_EXPORT void *mgpuModuleLoadJIT(void *data, int optLevel) {
  Driver *driver = ready();
  CUmodule module = nullptr;
  if (!driver)
    return nullptr;
  int options[] = {kJitOptimizationLevel};
  void *values[] = {reinterpret_cast<void *>(intptr_t(optLevel))};
  CHECK(driver->cuModuleLoadDataEx(&module, data, 1, options, values));
  return module;
}

SDD_CUDA_EXPORT void mgpuModuleUnload(void *module) {
  // Runs from global destructors at exit, when a lost driver is no error.
  Runtime &runtime = state();
  if (module && runtime.usable)
    runtime.driver.cuModuleUnload(module);
}

SDD_CUDA_EXPORT void *mgpuModuleGetFunction(void *module, const char *name) {
  Driver *driver = ready();
  CUfunction function = nullptr;
  if (driver && CHECK(driver->cuModuleGetFunction(&function, module, name)))
    return function;
  return nullptr;
}

SDD_CUDA_EXPORT void mgpuLaunchKernel(void *function, intptr_t gridX,
                                      intptr_t gridY, intptr_t gridZ,
                                      intptr_t blockX, intptr_t blockY,
                                      intptr_t blockZ, int32_t sharedMemory,
                                      void *stream, void **params, void **extra,
                                      size_t paramsCount) {
  Driver *driver = ready();
  if (!driver)
    return;
  // The driver reads one pointer per kernel parameter from `params`: a host
  // that passes fewer (e.g. bare pointers where the kernel takes memref
  // descriptors) makes it read past the array, so check once per kernel.
  if (size_t expected = kernelParamCount(*driver, function);
      expected && expected != paramsCount) {
    fail("a kernel takes " + std::to_string(expected) +
         " arguments but the host code passes " + std::to_string(paramsCount) +
         " (the host and the kernels disagree on the calling convention)");
    return;
  }
  // A loop nest with no iterations becomes an empty grid, which the driver
  // rejects: there is nothing to run.
  if (gridX <= 0 || gridY <= 0 || gridZ <= 0)
    return;
  if (sharedMemory > kDefaultSharedMemoryLimit)
    CHECK(driver->cuFuncSetAttribute(
        function, kFuncAttributeMaxDynamicSharedSize, sharedMemory));
  // The driver rejects a launch that has both kernel parameters and
  // `extra`; the lowered host code passes its arguments through `params`.
  CUresult result = driver->cuLaunchKernel(
      function, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedMemory,
      stream, params, params ? nullptr : extra);
  if (result != kSuccess)
    fail("launching a kernel with grid (" + std::to_string(gridX) + ", " +
         std::to_string(gridY) + ", " + std::to_string(gridZ) + "), block (" +
         std::to_string(blockX) + ", " + std::to_string(blockY) + ", " +
         std::to_string(blockZ) + "), " + std::to_string(sharedMemory) +
         " bytes of shared memory failed: " + describe(result));
}

SDD_CUDA_EXPORT void *mgpuStreamCreate() {
  Driver *driver = ready();
  if (!driver)
    return nullptr;
  Runtime &runtime = state();
  {
    std::lock_guard<std::mutex> lock(runtime.mutex);
    if (!runtime.streamPool.empty()) {
      CUstream stream = runtime.streamPool.back();
      runtime.streamPool.pop_back();
      return stream;
    }
  }
  CUstream stream = nullptr;
  CHECK(driver->cuStreamCreate(&stream, kStreamNonBlocking));
  return stream;
}

SDD_CUDA_EXPORT void mgpuStreamSynchronize(void *stream) {
  Driver *driver = ready();
  if (driver && CHECK(driver->cuStreamSynchronize(stream)))
    state().allocator->streamSynchronized(stream);
}

SDD_CUDA_EXPORT void mgpuStreamDestroy(void *stream) {
  // Pooled instead: the lowered code makes a stream per call. A pooled
  // stream is idle, so its freed blocks are free for everyone.
  Driver *driver = ready();
  if (!driver || !CHECK(driver->cuStreamSynchronize(stream)))
    return;
  Runtime &runtime = state();
  runtime.allocator->streamSynchronized(stream);
  std::lock_guard<std::mutex> lock(runtime.mutex);
  runtime.streamPool.push_back(stream);
}

SDD_CUDA_EXPORT void mgpuStreamWaitEvent(void *stream, void *event) {
  if (Driver *driver = ready())
    CHECK(driver->cuStreamWaitEvent(stream, event, 0));
}

SDD_CUDA_EXPORT void *mgpuEventCreate() {
  Driver *driver = ready();
  CUevent event = nullptr;
  if (driver)
    CHECK(driver->cuEventCreate(&event, kEventDisableTiming));
  return event;
}

SDD_CUDA_EXPORT void mgpuEventDestroy(void *event) {
  if (Driver *driver = ready())
    CHECK(driver->cuEventDestroy(event));
}

SDD_CUDA_EXPORT void mgpuEventSynchronize(void *event) {
  if (Driver *driver = ready())
    CHECK(driver->cuEventSynchronize(event));
}

SDD_CUDA_EXPORT void mgpuEventRecord(void *event, void *stream) {
  if (Driver *driver = ready())
    CHECK(driver->cuEventRecord(event, stream));
}

SDD_CUDA_EXPORT void *mgpuMemAlloc(uint64_t sizeBytes, void *stream,
                                   bool isHostShared) {
  Driver *driver = ready();
  if (!driver)
    return nullptr;
  if (isHostShared) {
    CUdeviceptr ptr = 0;
    CHECK(driver->cuMemAllocManaged(&ptr, sizeBytes, kMemAttachGlobal));
    return reinterpret_cast<void *>(ptr);
  }
  uintptr_t ptr = state().allocator->allocate(sizeBytes, stream);
  if (!ptr)
    fail("out of GPU memory allocating " + std::to_string(sizeBytes) +
         " bytes");
  return reinterpret_cast<void *>(ptr);
}

SDD_CUDA_EXPORT void mgpuMemFree(void *ptr, void *stream) {
  Driver *driver = ready();
  if (!driver || !ptr)
    return;
  // Managed memory did not come from the cache.
  if (!state().allocator->free(reinterpret_cast<uintptr_t>(ptr), stream))
    CHECK(driver->cuMemFree(reinterpret_cast<CUdeviceptr>(ptr)));
}

SDD_CUDA_EXPORT void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                                void *stream) {
  Driver *driver = ready();
  if (driver && sizeBytes)
    CHECK(driver->cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                                reinterpret_cast<CUdeviceptr>(src), sizeBytes,
                                stream));
}

SDD_CUDA_EXPORT void mgpuMemset32(void *dst, unsigned int value, size_t count,
                                  void *stream) {
  Driver *driver = ready();
  if (driver && count)
    CHECK(driver->cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                   count, stream));
}

SDD_CUDA_EXPORT void mgpuMemset16(void *dst, unsigned short value, size_t count,
                                  void *stream) {
  Driver *driver = ready();
  if (driver && count)
    CHECK(driver->cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                   count, stream));
}

SDD_CUDA_EXPORT void mgpuMemHostRegister(void *ptr, uint64_t sizeBytes) {
  if (Driver *driver = ready())
    CHECK(driver->cuMemHostRegister(ptr, sizeBytes, 0));
}

SDD_CUDA_EXPORT void mgpuMemHostUnregister(void *ptr) {
  if (Driver *driver = ready())
    CHECK(driver->cuMemHostUnregister(ptr));
}

SDD_CUDA_EXPORT void mgpuSetDefaultDevice(int32_t device) {
  Runtime &runtime = state();
  bool late;
  {
    std::lock_guard<std::mutex> lock(runtime.mutex);
    late = runtime.initialized && runtime.requestedDevice != device;
    if (!late)
      runtime.requestedDevice = device;
  }
  if (late)
    fail("mgpuSetDefaultDevice after the CUDA context was created");
}
