//===- CudaRuntimeTest.cpp - the CUDA layer against a fake driver ---------===//
//
// libsdd_cuda_runtime.so loads the stand-in driver of FakeCudaDriver.cpp
// (through SDD_CUDA_DRIVER) instead of libcuda.so.1: the caching allocator,
// the stream pool, kernel launches and their arguments, and the messages
// when there is no driver or no device.
//
//===----------------------------------------------------------------------===//

#include "sddrt/CudaRuntime.h"

#include "../../runtime/cuda/CachingAllocator.h"
#include "FakeCudaDriver.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <string>
#include <thread>
#include <vector>

// The mgpu* functions as the lowered host code declares them.
extern "C" {
void *mgpuModuleLoad(void *data, size_t size);
void mgpuModuleUnload(void *module);
void *mgpuModuleGetFunction(void *module, const char *name);
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t paramsCount);
void *mgpuStreamCreate();
void mgpuStreamSynchronize(void *stream);
void mgpuStreamDestroy(void *stream);
void *mgpuEventCreate();
void mgpuEventRecord(void *event, void *stream);
void mgpuEventSynchronize(void *event);
void mgpuEventDestroy(void *event);
void mgpuStreamWaitEvent(void *stream, void *event);
void *mgpuMemAlloc(uint64_t sizeBytes, void *stream, bool isHostShared);
void mgpuMemFree(void *ptr, void *stream);
void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, void *stream);
void mgpuMemset32(void *dst, unsigned value, size_t count, void *stream);
void mgpuMemset16(void *dst, unsigned short value, size_t count, void *stream);
}

using sddrt::cuda::CachingAllocator;

namespace {

std::vector<std::string> &errors() {
  static std::vector<std::string> list;
  return list;
}
void recordError(const char *message) { errors().push_back(message); }

/// Points the runtime at a driver library and forgets the previous one.
class CudaRuntimeTest : public ::testing::Test {
protected:
  void useDriver(const char *path) {
    ::setenv("SDD_CUDA_DRIVER", path, 1);
    sdd_cuda_reset();
    sdd_cuda_set_error_handler(recordError);
    errors().clear();
  }
  /// The fake driver's state: the same library instance as the runtime's,
  /// kept loaded by this fixture across sdd_cuda_reset.
  FakeCudaState &fake() {
    auto get = reinterpret_cast<FakeCudaStateFn>(
        dlsym(driverHandle, "fake_cuda_state"));
    return *get();
  }
  void SetUp() override {
    driverHandle = dlopen(SDD_FAKE_CUDA_DRIVER, RTLD_NOW | RTLD_LOCAL);
    ASSERT_TRUE(driverHandle) << dlerror();
    useDriver(SDD_FAKE_CUDA_DRIVER);
    char message[256];
    ASSERT_TRUE(sdd_cuda_probe(message, sizeof(message))) << message;
    fake() = FakeCudaState();
  }
  void TearDown() override {
    sdd_cuda_reset();
    ::unsetenv("SDD_CUDA_DRIVER");
    sdd_cuda_set_error_handler(nullptr);
    dlclose(driverHandle);
  }
  void *driverHandle = nullptr;
};

TEST(CachingAllocatorTest, RoundsSizes) {
  EXPECT_EQ(CachingAllocator::roundSize(1), 512u);
  EXPECT_EQ(CachingAllocator::roundSize(512), 512u);
  EXPECT_EQ(CachingAllocator::roundSize(513), 1024u);
  EXPECT_EQ(CachingAllocator::roundSize(1 << 20), size_t(1) << 20);
  // Above 1 MiB: steps of 1/16 of the power of two above.
  EXPECT_EQ(CachingAllocator::roundSize((1 << 20) + 1),
            (size_t(1) << 20) + (size_t(1) << 17));
  for (size_t bytes : {size_t(3000), size_t(5) << 20, size_t(123456789)}) {
    size_t rounded = CachingAllocator::roundSize(bytes);
    EXPECT_GE(rounded, bytes);
    EXPECT_LE(rounded, bytes + bytes / 8 + 512);
  }
}

TEST(CachingAllocatorTest, ReusesOnTheSameStreamAtOnceAndOthersAfterSync) {
  int allocations = 0, releases = 0;
  uintptr_t next = 0x10000;
  CachingAllocator allocator(
      [&](size_t size) {
        ++allocations;
        next += size;
        return next;
      },
      [&](uintptr_t) { ++releases; });
  int s1 = 0, s2 = 0;
  uintptr_t a = allocator.allocate(1000, &s1);
  ASSERT_TRUE(allocator.free(a, &s1));
  EXPECT_FALSE(allocator.free(a, &s1)) << "a double free is refused";
  // Another stream must not get a block that s1's kernels may still use.
  uintptr_t b = allocator.allocate(1000, &s2);
  EXPECT_NE(a, b);
  EXPECT_EQ(allocator.allocate(1000, &s1), a);
  allocator.free(a, &s1);
  allocator.streamSynchronized(&s1);
  EXPECT_EQ(allocator.allocate(900, &s2), a) << "same size class";
  EXPECT_EQ(allocations, 2);
  CachingAllocator::Stats stats = allocator.stats();
  EXPECT_EQ(stats.allocations, 4u);
  EXPECT_EQ(stats.cacheHits, 2u);
  EXPECT_EQ(stats.bytesInUse, 2048u);
  EXPECT_EQ(stats.bytesReserved, 2048u);
  allocator.free(b, &s2);
  allocator.streamSynchronized(&s2);
  allocator.releaseCached();
  EXPECT_EQ(releases, 1);
}

TEST(CachingAllocatorTest, EmptiesTheCacheWhenOutOfMemory) {
  size_t reserved = 0;
  const size_t limit = 4096;
  uintptr_t next = 0x10000;
  CachingAllocator allocator(
      [&](size_t size) -> uintptr_t {
        if (reserved + size > limit)
          return 0;
        reserved += size;
        return next += size;
      },
      [&](uintptr_t) { reserved -= 1024; });
  int stream = 0;
  uintptr_t a = allocator.allocate(1024, &stream);
  uintptr_t b = allocator.allocate(1024, &stream);
  allocator.free(a, &stream);
  allocator.free(b, &stream);
  allocator.streamSynchronized(&stream);
  // 1024 x 2 cached; 4096 does not fit until they are released.
  EXPECT_NE(allocator.allocate(4096, &stream), 0u);
  EXPECT_EQ(allocator.allocate(4096, &stream), 0u) << "really out of memory";
}

TEST_F(CudaRuntimeTest, DescribesTheDevice) {
  EXPECT_STREQ(sdd_cuda_device_description(), "Fake GPU (sm_90, 1.0 GiB)");
}

TEST_F(CudaRuntimeTest, CachesDeviceMemory) {
  void *stream = mgpuStreamCreate();
  void *a = mgpuMemAlloc(4000, stream, false);
  void *b = mgpuMemAlloc(4000, stream, false);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a, b);
  mgpuMemFree(a, stream);
  EXPECT_EQ(mgpuMemAlloc(4000, stream, false), a);
  mgpuMemFree(a, stream);
  mgpuMemFree(b, stream);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  EXPECT_EQ(fake().allocCalls, 2);
  EXPECT_EQ(fake().freeCalls, 0) << "freed blocks stay cached";
  sdd_cuda_allocator_stats stats;
  sdd_cuda_get_allocator_stats(&stats);
  EXPECT_EQ(stats.device_allocations, 2u);
  EXPECT_EQ(stats.cache_hits, 1u);
  EXPECT_EQ(stats.bytes_in_use, 0u);
  EXPECT_TRUE(errors().empty());
}

TEST_F(CudaRuntimeTest, PoolsStreams) {
  void *first = mgpuStreamCreate();
  mgpuStreamDestroy(first);
  void *second = mgpuStreamCreate();
  EXPECT_EQ(first, second);
  void *third = mgpuStreamCreate();
  EXPECT_NE(second, third);
  EXPECT_EQ(fake().streamsCreated, 2);
  mgpuStreamDestroy(second);
  mgpuStreamDestroy(third);
}

TEST_F(CudaRuntimeTest, CopiesAndSets) {
  void *stream = mgpuStreamCreate();
  float host[64], back[64];
  for (int i = 0; i < 64; ++i)
    host[i] = float(i) * 0.5f;
  void *device = mgpuMemAlloc(sizeof(host), stream, false);
  mgpuMemcpy(device, host, sizeof(host), stream);
  mgpuMemcpy(back, device, sizeof(back), stream);
  EXPECT_EQ(std::memcmp(host, back, sizeof(host)), 0);
  mgpuMemset32(device, 0x3f800000u, 64, stream);
  mgpuMemcpy(back, device, sizeof(back), stream);
  EXPECT_EQ(back[0], 1.0f);
  EXPECT_EQ(back[63], 1.0f);
  mgpuMemset16(device, 0xffff, 2, stream);
  unsigned char bytes[4];
  mgpuMemcpy(bytes, device, 4, stream);
  EXPECT_EQ(bytes[0], 0xff);
  EXPECT_EQ(bytes[3], 0xff);
  mgpuMemFree(device, stream);
  mgpuStreamDestroy(stream);
}

TEST_F(CudaRuntimeTest, LaunchesWithTheKernelArguments) {
  // What gpu-to-llvm emits: an array of pointers to each argument's value
  // (here a memref descriptor's fields and a float), passed unchanged.
  const char image[16] = "\x50\xed\x55\xba fatbin";
  void *module = mgpuModuleLoad(const_cast<char *>(image), sizeof(image));
  ASSERT_TRUE(module);
  EXPECT_EQ(fake().moduleImages.back().substr(0, 4), std::string(image, 4));
  void *function = mgpuModuleGetFunction(module, "loss_grad_contract_3");
  void *stream = mgpuStreamCreate();
  void *buffer = mgpuMemAlloc(256, stream, false);
  int64_t offset = 0, size = 64, stride = 1;
  float scale = 0.25f;
  uint64_t scaleBits = 0;
  std::memcpy(&scaleBits, &scale, sizeof(scale));
  void *params[] = {&buffer, &buffer, &offset, &size, &stride, &scaleBits};
  fake().recordParams = 6;
  mgpuLaunchKernel(function, 7, 1, 1, 256, 1, 1, 1024, stream, params, nullptr,
                   6);
  ASSERT_EQ(fake().launches.size(), 1u);
  const FakeLaunch &launch = fake().launches.front();
  EXPECT_EQ(launch.function, "loss_grad_contract_3");
  EXPECT_EQ(launch.grid[0], 7u);
  EXPECT_EQ(launch.block[0], 256u);
  EXPECT_EQ(launch.sharedMemory, 1024u);
  EXPECT_EQ(launch.stream, stream);
  ASSERT_EQ(launch.params.size(), 6u);
  EXPECT_EQ(launch.params[0], reinterpret_cast<uint64_t>(buffer));
  EXPECT_EQ(launch.params[3], 64u);
  EXPECT_EQ(launch.params[5], scaleBits);
  void *event = mgpuEventCreate();
  mgpuEventRecord(event, stream);
  mgpuStreamWaitEvent(stream, event);
  mgpuEventSynchronize(event);
  mgpuEventDestroy(event);
  mgpuMemFree(buffer, stream);
  mgpuStreamDestroy(stream);
  mgpuModuleUnload(module);
  EXPECT_EQ(fake().moduleUnloads, 1);
  EXPECT_TRUE(errors().empty());
}

TEST_F(CudaRuntimeTest, RefusesALaunchWithTheWrongArgumentCount) {
  // The kernel takes 7 parameters (a rank-2 memref descriptor); a host that
  // passes a bare pointer would make the driver read past `params`.
  const char image[16] = "fatbin";
  void *module = mgpuModuleLoad(const_cast<char *>(image), sizeof(image));
  void *function = mgpuModuleGetFunction(module, "copy_elementwise_0");
  void *stream = mgpuStreamCreate();
  void *buffer = nullptr;
  void *params[] = {&buffer};
  fake().kernelParams = 7;
  mgpuLaunchKernel(function, 1, 1, 1, 32, 1, 1, 0, stream, params, nullptr, 1);
  EXPECT_TRUE(fake().launches.empty());
  ASSERT_EQ(errors().size(), 1u);
  EXPECT_EQ(errors()[0], "a kernel takes 7 arguments but the host code passes "
                         "1 (the host and the kernels disagree on the calling "
                         "convention)");
  // The right count launches.
  int64_t fields[7] = {};
  void *all[7];
  for (int i = 0; i < 7; ++i)
    all[i] = &fields[i];
  mgpuLaunchKernel(function, 1, 1, 1, 32, 1, 1, 0, stream, all, nullptr, 7);
  EXPECT_EQ(fake().launches.size(), 1u);
  mgpuStreamDestroy(stream);
  mgpuModuleUnload(module);
}

TEST_F(CudaRuntimeTest, LaunchesWhenTheDriverCannotCountTheArguments) {
  // A driver that answers every parameter index does not tell the count:
  // the layer gives up after 4096 (32 KiB of pointers) and launches.
  const char image[16] = "fatbin";
  void *module = mgpuModuleLoad(const_cast<char *>(image), sizeof(image));
  void *function = mgpuModuleGetFunction(module, "copy_elementwise_0");
  void *stream = mgpuStreamCreate();
  fake().kernelParams = 100000;
  void *buffer = nullptr;
  void *params[] = {&buffer};
  mgpuLaunchKernel(function, 1, 1, 1, 32, 1, 1, 0, stream, params, nullptr, 1);
  EXPECT_EQ(fake().launches.size(), 1u);
  EXPECT_TRUE(errors().empty());
  mgpuStreamDestroy(stream);
  mgpuModuleUnload(module);
}

TEST_F(CudaRuntimeTest, RefusesLaunchesPastTheHardwareLimits) {
  const char image[16] = "\x50\xed\x55\xba fatbin";
  void *module = mgpuModuleLoad(const_cast<char *>(image), sizeof(image));
  void *function = mgpuModuleGetFunction(module, "f");
  void *stream = mgpuStreamCreate();
  // 2048 threads in a block, then 64 KiB of shared memory: the second is
  // fine once the runtime raised the kernel's limit, the first is not.
  mgpuLaunchKernel(function, 1, 1, 1, 2048, 1, 1, 0, stream, nullptr, nullptr,
                   0);
  mgpuLaunchKernel(function, 1, 1, 1, 128, 1, 1, 64 << 10, stream, nullptr,
                   nullptr, 0);
  ASSERT_EQ(errors().size(), 1u);
  EXPECT_EQ(errors()[0], "launching a kernel with grid (1, 1, 1), block "
                         "(2048, 1, 1), 0 bytes of shared memory failed: "
                         "CUDA_ERROR_INVALID_VALUE (fake driver error)");
  ASSERT_EQ(fake().launches.size(), 1u);
  EXPECT_EQ(fake().launches[0].sharedMemory, 64u << 10);
  mgpuStreamDestroy(stream);
  mgpuModuleUnload(module);
}

TEST_F(CudaRuntimeTest, RefusesACopyPastTheEndOfAnAllocation) {
  void *stream = mgpuStreamCreate();
  // 512 bytes: the allocator's smallest block, so the driver's allocation
  // is exactly that long.
  std::vector<float> host(256, 1.0f);
  void *device = mgpuMemAlloc(512, stream, false);
  mgpuMemcpy(device, host.data(), 512, stream);
  EXPECT_TRUE(errors().empty());
  mgpuMemcpy(device, host.data(), 1024, stream);
  mgpuMemset32(static_cast<char *>(device) + 256, 0, 128, stream);
  ASSERT_EQ(errors().size(), 2u);
  EXPECT_NE(errors()[0].find("cuMemcpyAsync"), std::string::npos)
      << errors()[0];
  EXPECT_NE(errors()[1].find("cuMemsetD32Async"), std::string::npos)
      << errors()[1];
  EXPECT_EQ(fake().refusedCalls, 2);
  mgpuMemFree(device, stream);
  mgpuStreamDestroy(stream);
}

TEST_F(CudaRuntimeTest, MakesTheContextCurrentOnEveryThread) {
  // The driver's context is per thread: a thread that did not make it
  // current gets CUDA_ERROR_INVALID_CONTEXT from the real driver, as from
  // the fake one.
  void *stream = mgpuStreamCreate();
  void *device = mgpuMemAlloc(512, stream, false);
  std::thread worker([&] {
    float value = 2.0f;
    mgpuMemcpy(device, &value, sizeof(value), stream);
  });
  worker.join();
  float back = 0.0f;
  mgpuMemcpy(&back, device, sizeof(back), stream);
  EXPECT_EQ(back, 2.0f);
  EXPECT_TRUE(errors().empty()) << errors()[0];
  EXPECT_EQ(fake().refusedCalls, 0);
  mgpuMemFree(device, stream);
  mgpuStreamDestroy(stream);
}

TEST_F(CudaRuntimeTest, ReportsOutOfMemory) {
  fake().memoryLimit = 1 << 20;
  void *stream = mgpuStreamCreate();
  EXPECT_EQ(mgpuMemAlloc(size_t(2) << 20, stream, false), nullptr);
  ASSERT_EQ(errors().size(), 1u);
  EXPECT_EQ(errors()[0], "out of GPU memory allocating 2097152 bytes");
  mgpuStreamDestroy(stream);
}

TEST_F(CudaRuntimeTest, NoDriver) {
  useDriver("/nonexistent/libcuda.so.1");
  char message[256] = "";
  EXPECT_EQ(sdd_cuda_probe(message, sizeof(message)), 0);
  EXPECT_NE(std::string(message).find("no NVIDIA driver: "), std::string::npos)
      << message;
  EXPECT_EQ(mgpuMemAlloc(64, nullptr, false), nullptr);
  ASSERT_EQ(errors().size(), 1u);
  EXPECT_EQ(errors()[0].rfind("this program needs an NVIDIA GPU: no NVIDIA "
                              "driver: ",
                              0),
            0u)
      << errors()[0];
}

TEST_F(CudaRuntimeTest, NoDevice) {
  sdd_cuda_reset();
  fake().deviceCount = 0;
  char message[256] = "";
  EXPECT_EQ(sdd_cuda_probe(message, sizeof(message)), 0);
  EXPECT_STREQ(message, "no CUDA device found");
  fake().deviceCount = 1;
}

TEST_F(CudaRuntimeTest, DriverThatDoesNotStart) {
  sdd_cuda_reset();
  fake().initResult = 1;
  char message[256] = "";
  EXPECT_EQ(sdd_cuda_probe(message, sizeof(message)), 0);
  EXPECT_STREQ(message, "the NVIDIA driver does not start: cuInit: "
                        "CUDA_ERROR_INVALID_VALUE (fake driver error)");
  fake().initResult = 0;
}

} // namespace
