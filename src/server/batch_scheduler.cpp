#include "server/batch_scheduler.h"

#include <algorithm>

#include "tensor/thread_pool.h"

namespace hart::server {
namespace {

using Clock = std::chrono::steady_clock;

size_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

}  // namespace

GenerationJob::Update GenerationJob::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(m_);
  cv_.wait_for(lock, timeout, [&] { return done_ || text_sent_ < text_.size() || tokens_sent_ < tokens_.size(); });
  if (!error_.empty()) throw Error(error_);
  Update u;
  u.text = text_.substr(text_sent_);
  u.tokens.assign(tokens_.begin() + static_cast<std::ptrdiff_t>(tokens_sent_), tokens_.end());
  text_sent_ = text_.size();
  tokens_sent_ = tokens_.size();
  u.done = done_;
  return u;
}

BatchScheduler::BatchScheduler(std::shared_ptr<const LoadedModel> model, SchedulerLimits limits)
    : model_(std::move(model)), limits_(limits) {
  if (limits_.slots < 1 || limits_.slots > 256) throw UsageError("server: slots must be 1..256");
  if (limits_.queue < 0) throw UsageError("server: the queue length must be >= 0");
  if (limits_.batch_tokens < 1) throw UsageError("server: batch tokens must be >= 1");
  lm_ = make_causal_lm(model_, limits_.threads > 0 ? limits_.threads : tensor::hardware_threads());
  lm_->set_kv_type(limits_.cache_type);
  slot_ctx_ = limits_.slot_ctx > 0 ? limits_.slot_ctx : std::min<int32_t>(lm_->n_ctx(), 4096);
  if (slot_ctx_ > lm_->n_ctx())
    throw UsageError("server: a slot context of " + std::to_string(slot_ctx_) + " tokens exceeds model '" +
                     model_->info().name + "''s context of " + std::to_string(lm_->n_ctx()));
  slots_.resize(static_cast<size_t>(limits_.slots));
  for (Slot& s : slots_) s.seq = lm_->new_sequence(slot_ctx_);
  stats_.slots = limits_.slots;
  thread_ = std::thread([this] { loop(); });
}

BatchScheduler::~BatchScheduler() {
  {
    std::lock_guard lock(m_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::shared_ptr<GenerationJob> BatchScheduler::submit(std::vector<int32_t> prompt, const GenerationOptions& options,
                                                      std::vector<int32_t> end_ids) {
  if (prompt.empty()) throw UsageError("server: the prompt has no tokens");
  if (static_cast<int64_t>(prompt.size()) >= slot_ctx_)
    throw UsageError("the prompt is " + std::to_string(prompt.size()) + " tokens; this server's context per request is " +
                     std::to_string(slot_ctx_) + " tokens (shorten the prompt, or start the server with a larger --ctx-size)");
  auto job = std::make_shared<GenerationJob>();
  job->prompt_ = std::move(prompt);
  job->options_ = options;
  job->end_ids_ = std::move(end_ids);
  {
    std::lock_guard lock(m_);
    if (stopping_) throw QueueFull("server: shutting down");
    const int busy = static_cast<int>(std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.job != nullptr; }));
    if (busy == limits_.slots && static_cast<int>(queue_.size()) >= limits_.queue)
      throw QueueFull("server busy: " + std::to_string(limits_.slots) + " requests are generating and " +
                      std::to_string(queue_.size()) + " waiting (the queue's limit); retry later");
    queue_.push_back(job);
    ++stats_.requests;
  }
  wake_.notify_all();
  return job;
}

BatchScheduler::Stats BatchScheduler::stats() const {
  std::lock_guard lock(m_);
  Stats s = stats_;
  s.queued = static_cast<int>(queue_.size());
  s.busy_slots = static_cast<int>(std::count_if(slots_.begin(), slots_.end(), [](const Slot& x) { return x.job != nullptr; }));
  return s;
}

void BatchScheduler::loop() {
  for (;;) {
    {
      std::unique_lock lock(m_);
      wake_.wait(lock, [&] {
        return stopping_ || !queue_.empty() || std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.job; });
      });
      if (stopping_) break;
      admit(lock);
    }
    step();
  }
  // Shutting down: every request still here ends with an error, none hangs.
  for (Slot& s : slots_)
    if (s.job) finish(s, "server: shutting down");
  std::lock_guard lock(m_);
  for (auto& job : queue_) {
    std::lock_guard jl(job->m_);
    job->error_ = "server: shutting down";
    job->done_ = true;
    job->cv_.notify_all();
  }
  queue_.clear();
}

// Free slots take queued requests, each the free slot with the longest cached prefix.
void BatchScheduler::admit(std::unique_lock<std::mutex>&) {
  while (!queue_.empty()) {
    auto job = queue_.front();
    if (job->cancelled()) {
      queue_.pop_front();
      continue;
    }
    Slot* best = nullptr;
    size_t best_len = 0;
    for (Slot& s : slots_)
      if (!s.job) {
        const size_t len = common_prefix(s.seq->tokens(), job->prompt_);
        if (!best || len > best_len) best = &s, best_len = len;
      }
    if (!best) return;
    queue_.pop_front();
    start(*best, std::move(job));
  }
}

void BatchScheduler::start(Slot& slot, std::shared_ptr<GenerationJob> job) {
  const std::vector<int32_t>& prompt = job->prompt_;
  // Keep the cached prefix (at least one prompt token must run, for its logits), or
  // copy a longer one from a busy slot.
  size_t keep = std::min(common_prefix(slot.seq->tokens(), prompt), prompt.size() - 1);
  for (Slot& other : slots_)
    if (other.job && &other != &slot) {
      const size_t len = std::min({common_prefix(other.seq->tokens(), prompt), prompt.size() - 1,
                                   static_cast<size_t>(other.seq->n_past())});
      if (len > keep + 16) {  // worth a copy
        slot.seq->copy_prefix(*other.seq, len);
        keep = len;
      }
    }
  slot.seq->truncate(keep);
  slot.prompt_done = keep;
  slot.next = -1;
  job->queue_seconds_ = std::chrono::duration<double>(Clock::now() - job->queued_at_).count();
  job->reused_ = static_cast<int32_t>(keep);
  stats_.prompt_tokens += prompt.size();
  stats_.reused_tokens += keep;
  slot.stream = std::make_unique<GenerationStream>(model_->tokenizer(), prompt, job->options_, slot_ctx_, nullptr,
                                                   job->end_ids_);
  slot.job = std::move(job);
}

void BatchScheduler::publish(Slot& slot, const std::string& text, size_t new_tokens) {
  GenerationJob& job = *slot.job;
  const auto& all = slot.stream->result().tokens;
  std::lock_guard lock(job.m_);
  job.text_ += text;
  job.tokens_.insert(job.tokens_.end(), all.end() - static_cast<std::ptrdiff_t>(new_tokens), all.end());
  job.cv_.notify_all();
}

void BatchScheduler::finish(Slot& slot, const std::string& error) {
  GenerationJob& job = *slot.job;
  {
    std::lock_guard lock(job.m_);
    if (error.empty()) {
      job.result_ = slot.stream->result();
    } else {
      job.error_ = error;
    }
    job.done_ = true;
    job.cv_.notify_all();
  }
  std::lock_guard lock(m_);
  slot.job.reset();
  slot.stream.reset();
}

void BatchScheduler::step() {
  // This pass's items: each busy slot's next prompt chunk (within the shared token
  // budget) or its next generated token.
  struct Planned {
    Slot* slot;
    size_t n;
  };
  std::vector<Planned> plan;
  std::vector<BatchItem> items;
  int budget = limits_.batch_tokens;
  for (Slot& s : slots_) {
    if (!s.job) continue;
    if (s.job->cancelled()) {
      s.stream->cancel();
      finish(s);
      continue;
    }
    const std::vector<int32_t>& prompt = s.job->prompt_;
    if (s.prompt_done < prompt.size()) {
      const size_t n = std::min(prompt.size() - s.prompt_done, static_cast<size_t>(std::max(budget, 0)));
      if (n == 0) continue;
      budget -= static_cast<int>(n);
      items.push_back({s.seq.get(), std::span<const int32_t>(prompt).subspan(s.prompt_done, n)});
      plan.push_back({&s, n});
    } else {
      items.push_back({s.seq.get(), std::span<const int32_t>(&s.next, 1)});
      plan.push_back({&s, 1});
      --budget;
    }
  }
  if (items.empty()) return;
  const auto t0 = Clock::now();
  try {
    lm_->eval_batch(items, logits_);
  } catch (const std::exception& e) {
    for (Planned& p : plan) finish(*p.slot, e.what());
    return;
  }
  {
    std::lock_guard lock(m_);
    stats_.busy_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    ++stats_.forward_passes;
  }
  const size_t V = static_cast<size_t>(lm_->n_vocab());
  for (size_t k = 0; k < plan.size(); ++k) {
    Slot& s = *plan[k].slot;
    if (s.prompt_done < s.job->prompt_.size()) {
      s.prompt_done += plan[k].n;
      if (s.prompt_done < s.job->prompt_.size()) continue;  // more prompt to go
    }
    std::string text;
    int32_t next;
    try {
      next = s.stream->step(std::span<float>(logits_.data() + k * V, V), text);
    } catch (const std::exception& e) {
      finish(s, e.what());
      continue;
    }
    const size_t before = s.job->tokens_.size();  // read under no lock: only this thread appends
    publish(s, text, s.stream->result().tokens.size() - before);
    {
      std::lock_guard lock(m_);
      stats_.generated_tokens += s.stream->result().tokens.size() - before;
    }
    if (next < 0) {
      finish(s);
    } else {
      s.next = next;
    }
  }
}

}  // namespace hart::server
