#include "store/chunk_analyzer.h"

namespace hart {

ChunkAnalyzer::ChunkAnalyzer(const ModelFile& model, const uint8_t* data) {
  for (size_t t = 0; t < model.tensors.size(); ++t)
    for (const ChunkSpan& span : chunk_spans(model.tensors[t].dtype, model.tensors[t].n_elements))
      jobs_.push_back({t, span});
  results_.resize(jobs_.size());
  worker_ = std::thread([this, &model, data] { run(model, data); });
}

ChunkAnalyzer::~ChunkAnalyzer() {
  cancel_ = true;
  worker_.join();
}

void ChunkAnalyzer::run(const ModelFile& model, const uint8_t* data) {
  try {
    std::vector<float> values;
    for (size_t i = 0; i < jobs_.size() && !cancel_; ++i) {
      const TensorInfo& t = model.tensors[jobs_[i].tensor];
      const ChunkSpan& span = jobs_[i].span;
      const uint8_t* p = data + t.offset + span.byte_offset;
      results_[i].sha256 = sha256(p, span.n_bytes);
      values.resize(span.elem_count);
      dequantize(t.dtype, p, values.data(), span.elem_count);
      results_[i].summary = summarize(values.data(), span.elem_count);
      ready_.store(i + 1, std::memory_order_release);
      { std::lock_guard<std::mutex> lock(mutex_); }  // a waiter is either before its check or asleep
      cv_.notify_one();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = std::current_exception();
    cv_.notify_one();
  }
}

const ChunkAnalysis& ChunkAnalyzer::get(size_t i) {
  if (ready_.load(std::memory_order_acquire) <= i) {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return ready_.load(std::memory_order_acquire) > i || error_; });
    if (ready_.load(std::memory_order_acquire) <= i) std::rethrow_exception(error_);
  }
  return results_[i];
}

}  // namespace hart
