//===- CachingAllocator.h - reuse of device memory -------------*- C++ -*-===//
//
// The lowered host code allocates and frees every intermediate buffer of
// every call (hundreds per training step); cuMemAlloc and cuMemFree
// synchronise the device and cost tens of microseconds each. The cache keeps
// freed blocks and hands them out again. A block freed on a stream may still
// be read by kernels queued on that stream, so it is reused at once only on
// the same stream, and by other streams once that stream has been
// synchronised (the lowered code synchronises before it returns).
//
//===----------------------------------------------------------------------===//

#ifndef SDDRT_CUDA_CACHINGALLOCATOR_H
#define SDDRT_CUDA_CACHINGALLOCATOR_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace sddrt {
namespace cuda {

class CachingAllocator {
public:
  /// Device allocation and release; `allocate` returns 0 when the device is
  /// out of memory.
  using AllocateFn = std::function<uintptr_t(size_t)>;
  using ReleaseFn = std::function<void(uintptr_t)>;

  struct Stats {
    /// Calls of the backend, and bytes it holds (in use or cached).
    uint64_t deviceAllocations = 0, deviceReleases = 0;
    uint64_t bytesReserved = 0;
    /// Blocks handed out, and how many of them came from the cache.
    uint64_t allocations = 0, cacheHits = 0;
    uint64_t bytesInUse = 0;
  };

  CachingAllocator(AllocateFn allocate, ReleaseFn release)
      : allocateFn(std::move(allocate)), releaseFn(std::move(release)) {}
  ~CachingAllocator() { releaseCached(); }

  /// Blocks are rounded up to 512 bytes (and to 1/8 of the power of two
  /// above for large ones), so that similar sizes share a free list.
  static size_t roundSize(size_t bytes);

  /// A block of at least `bytes` bytes for use on `stream`; 0 when the device
  /// is out of memory even after the cache was emptied.
  uintptr_t allocate(size_t bytes, const void *stream);
  /// Returns a block; it becomes available to other streams after
  /// `streamSynchronized(stream)`. Returns false for an unknown pointer.
  bool free(uintptr_t ptr, const void *stream);
  /// Every block freed on `stream` so far may now be used by any stream.
  void streamSynchronized(const void *stream);
  /// Gives every cached block back to the device.
  void releaseCached();

  Stats stats() const;

private:
  struct Block {
    uintptr_t ptr;
    size_t size;
  };

  AllocateFn allocateFn;
  ReleaseFn releaseFn;
  mutable std::mutex mutex;
  /// Sizes of the blocks handed out.
  std::unordered_map<uintptr_t, size_t> live;
  /// Free blocks any stream may use, by size.
  std::multimap<size_t, uintptr_t> freeBlocks;
  /// Free blocks that only their stream may use until it synchronises.
  std::unordered_map<const void *, std::vector<Block>> pending;
  Stats counters;
};

} // namespace cuda
} // namespace sddrt

#endif // SDDRT_CUDA_CACHINGALLOCATOR_H
