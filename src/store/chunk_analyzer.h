// Hashes and summarises a model file's chunks on a worker thread, in file order,
// ahead of the thread that inserts them into SQLite: on two cores the hashing and
// dequantizing hide behind the database writes.
#pragma once
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "formats/model_file.h"
#include "store/chunk_layout.h"
#include "store/value_summary.h"
#include "util/sha256.h"

namespace hart {

struct ChunkJob {
  size_t tensor;  // index into ModelFile::tensors
  ChunkSpan span;
};

struct ChunkAnalysis {
  Sha256Digest sha256;
  ValueSummary summary;  // of the dequantized values
};

class ChunkAnalyzer {
 public:
  // `data` is the start of the tensor data section; it must outlive the analyzer.
  ChunkAnalyzer(const ModelFile& model, const uint8_t* data);
  ~ChunkAnalyzer();  // stops the worker early if the consumer gave up
  ChunkAnalyzer(const ChunkAnalyzer&) = delete;
  ChunkAnalyzer& operator=(const ChunkAnalyzer&) = delete;

  const std::vector<ChunkJob>& jobs() const { return jobs_; }
  // Blocks until job i is analysed; rethrows anything the worker threw.
  const ChunkAnalysis& get(size_t i);

 private:
  void run(const ModelFile& model, const uint8_t* data);

  std::vector<ChunkJob> jobs_;
  std::vector<ChunkAnalysis> results_;
  std::atomic<size_t> ready_{0};
  std::atomic<bool> cancel_{false};
  std::exception_ptr error_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::thread worker_;
};

}  // namespace hart
