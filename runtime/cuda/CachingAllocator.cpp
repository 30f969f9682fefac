//===- CachingAllocator.cpp - stream-ordered reuse of device memory -------===//

#include "CachingAllocator.h"

using namespace sddrt::cuda;

size_t CachingAllocator::roundSize(size_t bytes) {
  const size_t kMinimum = 512;
  if (bytes <= kMinimum)
    return kMinimum;
  size_t rounded = (bytes + kMinimum - 1) / kMinimum * kMinimum;
  if (rounded <= (size_t(1) << 20))
    return rounded;
  // Large blocks: eighths of the power of two above, so that a slightly
  // larger request still finds a cached block and at most 1/8 is wasted.
  size_t power = 1;
  while (power < rounded)
    power <<= 1;
  size_t step = power / 16;
  return (rounded + step - 1) / step * step;
}

uintptr_t CachingAllocator::allocate(size_t bytes, const void *stream) {
  size_t size = roundSize(bytes);
  std::lock_guard<std::mutex> lock(mutex);
  ++counters.allocations;
  auto take = [&](uintptr_t ptr, size_t blockSize) {
    live[ptr] = blockSize;
    counters.bytesInUse += blockSize;
    ++counters.cacheHits;
    return ptr;
  };
  // Same stream first: no synchronisation needed.
  auto own = pending.find(stream);
  if (own != pending.end()) {
    std::vector<Block> &blocks = own->second;
    for (size_t i = 0; i < blocks.size(); ++i) {
      if (blocks[i].size == size) {
        Block block = blocks[i];
        blocks.erase(blocks.begin() + i);
        return take(block.ptr, block.size);
      }
    }
  }
  auto it = freeBlocks.find(size);
  if (it != freeBlocks.end()) {
    uintptr_t ptr = it->second;
    freeBlocks.erase(it);
    return take(ptr, size);
  }
  uintptr_t ptr = allocateFn(size);
  if (!ptr && !freeBlocks.empty()) {
    // Out of memory: give the cache back and try once more.
    for (auto &[blockSize, block] : freeBlocks) {
      releaseFn(block);
      ++counters.deviceReleases;
      counters.bytesReserved -= blockSize;
    }
    freeBlocks.clear();
    ptr = allocateFn(size);
  }
  if (!ptr)
    return 0;
  ++counters.deviceAllocations;
  counters.bytesReserved += size;
  counters.bytesInUse += size;
  live[ptr] = size;
  return ptr;
}

bool CachingAllocator::free(uintptr_t ptr, const void *stream) {
  std::lock_guard<std::mutex> lock(mutex);
  auto it = live.find(ptr);
  if (it == live.end())
    return false;
  size_t size = it->second;
  live.erase(it);
  counters.bytesInUse -= size;
  pending[stream].push_back({ptr, size});
  return true;
}

void CachingAllocator::streamSynchronized(const void *stream) {
  std::lock_guard<std::mutex> lock(mutex);
  auto it = pending.find(stream);
  if (it == pending.end())
    return;
  for (const Block &block : it->second)
    freeBlocks.emplace(block.size, block.ptr);
  pending.erase(it);
}

void CachingAllocator::releaseCached() {
  std::lock_guard<std::mutex> lock(mutex);
  for (auto &[size, ptr] : freeBlocks) {
    releaseFn(ptr);
    ++counters.deviceReleases;
    counters.bytesReserved -= size;
  }
  freeBlocks.clear();
}

CachingAllocator::Stats CachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mutex);
  return counters;
}
