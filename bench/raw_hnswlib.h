// hnswlib 0.6.2 used directly, as its own users do (L2Space, HierarchicalNSW,
// searchKnn), for hart-ann-bench to compare HnswIndex against. Its own file, compiled
// with the instruction set given in bench/CMakeLists.txt, because hnswlib picks its
// SIMD distance at compile time.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

namespace hart::bench {

class RawHnswlib {
 public:
  RawHnswlib(size_t dim, size_t capacity, size_t M, size_t ef_construction, uint64_t seed);
  ~RawHnswlib();
  // Rows 0..n-1 as labels 0..n-1: the first alone, the rest on `threads` threads.
  void add(const float* rows, size_t n, unsigned threads);
  void set_ef(size_t ef);
  // The k nearest labels, closest first, into out[0, k) (-1 past the end).
  void search(const float* query, size_t k, int64_t* out) const;
  size_t saved_bytes() const;  // what saveIndex would write
  static const char* simd();   // the distance code hnswlib was compiled with

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hart::bench
