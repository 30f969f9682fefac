//===- CudaRuntime.h - the CUDA layer under GPU artifacts -------*- C++ -*-===//
//
// libsdd_cuda_runtime.so implements the mgpu* functions that MLIR's GPU
// lowering calls (module load, launch, streams, events, memory) over the
// CUDA driver API, which it loads with dlopen("libcuda.so.1") on first use:
// the library, sdd-train and every artifact load and run their CPU path on
// machines without a driver. This header is its C API for the tools.
//
//===----------------------------------------------------------------------===//

#ifndef SDDRT_CUDARUNTIME_H
#define SDDRT_CUDARUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Loads the driver and creates the context if that has not happened yet.
/// Returns 1 when a GPU is usable; otherwise 0 and a one-line reason in
/// `message` (e.g. "no NVIDIA driver: libcuda.so.1: cannot open shared
/// object file"). `message` may be null.
int sdd_cuda_probe(char *message, size_t size);

/// "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)" after a successful probe.
const char *sdd_cuda_device_description(void);

struct sdd_cuda_allocator_stats {
  uint64_t device_allocations, device_releases, bytes_reserved;
  uint64_t allocations, cache_hits, bytes_in_use;
};
void sdd_cuda_get_allocator_stats(struct sdd_cuda_allocator_stats *stats);

/// Called with a message when a CUDA call fails; the default prints
/// "sdd-cuda: error: ..." and exits with status 1, since a kernel that did
/// not run leaves garbage behind. Tests install their own.
typedef void (*sdd_cuda_error_handler)(const char *message);
void sdd_cuda_set_error_handler(sdd_cuda_error_handler handler);

/// The mgpu* functions that runtime code calls too (MLIR's signatures):
/// Artifact stages the arguments of device-argument artifacts with them.
void *mgpuStreamCreate(void);
void mgpuStreamSynchronize(void *stream);
void *mgpuMemAlloc(uint64_t sizeBytes, void *stream, bool isHostShared);
void mgpuMemFree(void *ptr, void *stream);
void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, void *stream);

/// Forgets the driver, context and caches (for tests that swap drivers; the
/// environment variable SDD_CUDA_DRIVER names a driver library to use
/// instead of libcuda.so.1).
void sdd_cuda_reset(void);

#ifdef __cplusplus
}
#endif

#endif // SDDRT_CUDARUNTIME_H
