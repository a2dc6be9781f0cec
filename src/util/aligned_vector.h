// std::vector whose storage starts on a cache line. SIMD kernels reading rows of it
// (KV cache, activations) then split no load across two lines, whatever address the
// heap hands out, so their speed does not depend on the allocation order elsewhere.
#pragma once
#include <cstddef>
#include <new>
#include <vector>

namespace hart {

template <typename T, size_t Align = 64>
struct CacheAlignedAllocator {
  using value_type = T;
  template <typename U>
  struct rebind {
    using other = CacheAlignedAllocator<U, Align>;
  };
  CacheAlignedAllocator() = default;
  template <typename U>
  CacheAlignedAllocator(const CacheAlignedAllocator<U, Align>&) {}
  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(Align))); }
  void deallocate(T* p, size_t) { ::operator delete(p, std::align_val_t(Align)); }
  template <typename U>
  bool operator==(const CacheAlignedAllocator<U, Align>&) const { return true; }
};

template <typename T>
using AlignedVector = std::vector<T, CacheAlignedAllocator<T>>;

}  // namespace hart
