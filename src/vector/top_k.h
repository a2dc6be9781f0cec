// The k closest of a stream of candidates, by a strict order `Closer` (a before b when
// a is closer): a bounded max-heap whose top is the worst kept. Every k-nearest search
// (ExactIndex, a collection's segments, the code scans) keeps its best this way.
#pragma once
#include <algorithm>
#include <cstddef>
#include <functional>
#include <vector>

namespace hart::vector {

template <class T, class Closer = std::less<T>>
class TopK {
 public:
  explicit TopK(size_t k, Closer closer = {}) : k_(k), closer_(closer) { heap_.reserve(k + 1); }

  // Keeps `c` when fewer than k are kept or it is closer than the worst kept.
  void offer(const T& c) {
    if (heap_.size() < k_) {
      heap_.push_back(c);
      std::push_heap(heap_.begin(), heap_.end(), closer_);
    } else if (k_ && closer_(c, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), closer_);
      heap_.back() = c;
      std::push_heap(heap_.begin(), heap_.end(), closer_);
    }
  }
  const std::vector<T>& kept() const { return heap_; }  // in heap order
  // The kept candidates, closest first.
  std::vector<T> sorted() && {
    std::sort_heap(heap_.begin(), heap_.end(), closer_);
    return std::move(heap_);
  }

 private:
  size_t k_;
  Closer closer_;
  std::vector<T> heap_;
};

}  // namespace hart::vector
