// Continuous batching for one model, as llama-server does it: a fixed number of
// slots, each a sequence with an explicit context; requests wait in a bounded queue
// for a free slot; one thread runs every busy slot's next tokens (a prompt chunk or
// one generated token) through a single forward pass, samples each, and hands the
// text to the request's GenerationJob. A new request takes the free slot whose cached
// tokens share the longest prefix with its prompt, or copies that prefix from a busy
// slot, so a shared system prompt is computed once.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "model/kv_type.h"
#include "model/causal_lm.h"
#include "model/generator.h"
#include "util/error.h"

namespace hart::server {

struct SchedulerLimits {
  int slots = 4;            // requests generating at once
  int32_t slot_ctx = 0;     // tokens per slot, prompt and generation (0: min(model's context, 4096))
  int queue = 64;           // requests waiting for a slot; more are refused
  int batch_tokens = 512;   // prompt tokens per forward pass, shared by the slots
  int threads = 0;          // for the forward pass (0: the machine's cores)
  KvType cache_type = KvType::kF32;  // the slots' KV caches (f16: half the memory)
};

// Thrown by submit() when the queue is full: the server answers 429 (or 503).
struct QueueFull : Error {
  using Error::Error;
};

// One request's generation, shared by the thread that asked for it and the scheduler.
class GenerationJob {
 public:
  struct Update {
    std::string text;                    // newly final text
    std::vector<GeneratedToken> tokens;  // newly sampled tokens
    bool done = false;                   // result() is complete
  };
  // Blocks until there is new output, the job ends, or `timeout` passes (an empty
  // update). A failed job rethrows its error here.
  Update next(std::chrono::milliseconds timeout);
  // The client left: the scheduler frees the slot at its next step.
  void cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }
  // After done: the whole generation, with the prompt's and the queue's timings.
  const GenerationResult& result() const { return result_; }
  const GenerationOptions& options() const { return options_; }
  double queue_seconds() const { return queue_seconds_; }
  int32_t reused_tokens() const { return reused_; }  // prompt tokens found cached

 private:
  friend class BatchScheduler;
  std::vector<int32_t> prompt_, end_ids_;
  GenerationOptions options_;
  std::chrono::steady_clock::time_point queued_at_ = std::chrono::steady_clock::now();
  std::mutex m_;
  std::condition_variable cv_;
  std::string text_;
  std::vector<GeneratedToken> tokens_;
  size_t text_sent_ = 0, tokens_sent_ = 0;
  bool done_ = false;
  std::string error_;
  GenerationResult result_;
  double queue_seconds_ = 0;
  int32_t reused_ = 0;
  std::atomic<bool> cancelled_{false};
};

class BatchScheduler {
 public:
  BatchScheduler(std::shared_ptr<const LoadedModel> model, SchedulerLimits limits);
  ~BatchScheduler();  // cancels every request and stops the thread
  BatchScheduler(const BatchScheduler&) = delete;
  BatchScheduler& operator=(const BatchScheduler&) = delete;

  const LoadedModel& model() const { return *model_; }
  int32_t slot_ctx() const { return slot_ctx_; }
  // Queues a generation of `prompt` (token ids, checked against the slot context);
  // `end_ids` end it as EOS does (a chat model's end of turn). Throws QueueFull, or
  // UsageError for a prompt that does not fit.
  std::shared_ptr<GenerationJob> submit(std::vector<int32_t> prompt, const GenerationOptions& options,
                                        std::vector<int32_t> end_ids = {});

  struct Stats {
    int busy_slots = 0, queued = 0, slots = 0;
    uint64_t requests = 0, prompt_tokens = 0, reused_tokens = 0, generated_tokens = 0, forward_passes = 0;
    double busy_seconds = 0;  // time spent in forward passes
  };
  Stats stats() const;

 private:
  struct Slot {
    std::unique_ptr<Sequence> seq;
    std::shared_ptr<GenerationJob> job;
    std::unique_ptr<GenerationStream> stream;
    size_t prompt_done = 0;  // prompt tokens in the cache
    int32_t next = -1;       // the token to feed once the prompt is in
  };
  void loop();
  void admit(std::unique_lock<std::mutex>& lock);
  void start(Slot& slot, std::shared_ptr<GenerationJob> job);
  void step();
  void finish(Slot& slot, const std::string& error = "");
  void publish(Slot& slot, const std::string& text, size_t new_tokens);

  std::shared_ptr<const LoadedModel> model_;
  SchedulerLimits limits_;
  int32_t slot_ctx_;
  std::unique_ptr<CausalLM> lm_;
  std::vector<Slot> slots_;
  mutable std::mutex m_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<GenerationJob>> queue_;
  bool stopping_ = false;
  Stats stats_;
  std::vector<float> logits_;
  std::thread thread_;
};

}  // namespace hart::server
