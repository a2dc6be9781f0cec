#include "model/generator.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "util/error.h"

namespace hart {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Longest suffix of `text` that is a proper prefix of some stop string: that much
// must be held back from the stream until we know it is not a stop.
size_t held_back(std::string_view text, const std::vector<std::string>& stops) {
  size_t hold = 0;
  for (const std::string& s : stops)
    for (size_t k = std::min(s.size() - 1, text.size()); k > hold; --k)
      if (text.substr(text.size() - k) == std::string_view(s).substr(0, k)) {
        hold = k;
        break;
      }
  return hold;
}

// NaN or infinite logits make every later choice meaningless (an argmax over NaNs
// is token 0, forever), so they end generation with where they appeared. One pass
// over the row, before any hook (hooks may ban tokens with -inf).
void require_finite(std::span<const float> logits, size_t position, int step) {
  for (size_t v = 0; v < logits.size(); ++v)
    if (!std::isfinite(logits[v]))
      throw Error("generate: the model's logits for position " + std::to_string(position) + " (step " +
                  std::to_string(step) + ") are not finite (token " + std::to_string(v) + ": " +
                  (std::isnan(logits[v]) ? "nan" : logits[v] > 0 ? "inf" : "-inf") +
                  "); its weights or metadata are degenerate (see tensors.nan_count and the model's metadata)");
}

// The k likeliest tokens and their log-softmax, as the sampler scores its choice
// (before penalties and temperature).
std::vector<std::pair<int32_t, float>> top_logprobs(std::span<const float> logits, size_t k) {
  const float mx = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float v : logits) sum += std::exp(static_cast<double>(v - mx));
  const float log_z = mx + static_cast<float>(std::log(sum));
  std::vector<int32_t> ids(logits.size());
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>(i);
  k = std::min(k, ids.size());
  std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(),
                    [&](int32_t a, int32_t b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); });
  std::vector<std::pair<int32_t, float>> top;
  for (size_t i = 0; i < k; ++i) top.emplace_back(ids[i], logits[ids[i]] - log_z);
  return top;
}

}  // namespace

std::vector<int32_t> prompt_tokens(const Tokenizer& tokenizer, std::string_view prompt, int32_t n_ctx,
                                   std::string_view context) {
  std::vector<int32_t> ids = tokenizer.encode(prompt, /*add_special=*/true);
  if (ids.empty()) {
    if (tokenizer.special().bos < 0)
      throw UsageError("generate: the prompt is empty and the model has no BOS token to start from");
    ids.push_back(tokenizer.special().bos);
  }
  if (static_cast<int64_t>(ids.size()) >= n_ctx)
    throw UsageError("generate: the prompt is " + std::to_string(ids.size()) + " tokens; " + std::string(context) + " is " +
                     std::to_string(n_ctx) + " tokens (shorten the prompt)");
  return ids;
}

GenerationStream::GenerationStream(const Tokenizer& tokenizer, std::vector<int32_t> ids,
                                   const GenerationOptions& options, int32_t n_ctx, LogitsHook* logits_hook,
                                   std::vector<int32_t> end_ids)
    : tokenizer_(tokenizer), options_(options), n_ctx_(n_ctx), hook_(logits_hook), end_ids_(std::move(end_ids)),
      ids_(std::move(ids)), sampler_(options), decoder_(tokenizer) {
  if (ids_.empty()) throw UsageError("generate: the prompt has no tokens");
  if (static_cast<int64_t>(ids_.size()) >= n_ctx_)
    throw UsageError("generate: the prompt is " + std::to_string(ids_.size()) + " tokens; the context is " +
                     std::to_string(n_ctx_) + " tokens (shorten the prompt)");
  r_.prompt_tokens = static_cast<int32_t>(ids_.size());
  r_.seed = sampler_.seed();
  r_.stop_reason = "max_tokens";
  // The continuation follows the prompt's text: decode the prompt first (and drop it)
  // so a leading space of the first new token is kept, as in decode(prompt + new).
  for (int32_t id : ids_) decoder_.push(id);
  if (options_.json_grammar) json_ = std::make_unique<JsonConstraint>(options_.json_grammar, tokenizer_, end_ids_);
  if (options_.max_tokens <= 0) done_ = true;
}

void GenerationStream::finish(std::string& text) {
  done_ = true;
  if (r_.stop_reason != "stop") pending_ += decoder_.finish();
  r_.text += pending_;
  text += pending_;
  pending_.clear();
}

void GenerationStream::cancel() {
  if (done_) return;
  r_.stop_reason = "cancelled";
  done_ = true;
}

int32_t GenerationStream::step(std::span<float> logits, std::string& text) {
  if (done_) return -1;
  const int i = steps_++;
  require_finite(logits, ids_.size(), i);
  if (hook_) hook_->on_logits(logits, {ids_, i});
  if (json_) json_->mask(logits);  // after any hook: the grammar has the last word
  std::vector<std::pair<int32_t, float>> top;
  if (options_.top_logprobs > 0) top = top_logprobs(logits, static_cast<size_t>(options_.top_logprobs));
  SampledToken t = sampler_.sample(logits, ids_);
  if (t.id == tokenizer_.special().eos || std::find(end_ids_.begin(), end_ids_.end(), t.id) != end_ids_.end()) {
    r_.stop_reason = "eos";
    finish(text);
    return -1;
  }
  ids_.push_back(t.id);
  if (json_) json_->advance(t.id);
  std::string piece = decoder_.push(t.id);
  r_.tokens.push_back({static_cast<int32_t>(ids_.size() - 1), t.id, piece, t.logprob, std::move(top)});
  pending_ += piece;
  bool stopped = json_ && json_->finished();
  for (const std::string& s : options_.stop) {
    size_t at = pending_.find(s);
    if (at != std::string::npos) {
      pending_.resize(at);
      stopped = true;
    }
  }
  if (stopped) {
    r_.stop_reason = "stop";
    finish(text);
    return -1;
  }
  const size_t keep = held_back(pending_, options_.stop);
  const std::string ready = pending_.substr(0, pending_.size() - keep);
  r_.text += ready;
  text += ready;
  pending_.erase(0, ready.size());
  if (static_cast<int32_t>(ids_.size()) >= n_ctx_) {
    r_.stop_reason = "context";
    finish(text);
    return -1;
  }
  if (steps_ >= options_.max_tokens) {
    finish(text);
    return -1;
  }
  return t.id;
}

GenerationResult generate_text(CausalLM& lm, const Tokenizer& tokenizer, std::string_view prompt,
                               const GenerationOptions& options, const TextCallback& on_text,
                               LogitsHook* logits_hook) {
  return generate_from_ids(lm, tokenizer, prompt_tokens(tokenizer, prompt, lm.n_ctx()), options, on_text, logits_hook);
}

GenerationResult generate_from_ids(CausalLM& lm, const Tokenizer& tokenizer, std::vector<int32_t> ids,
                                   const GenerationOptions& options, const TextCallback& on_text,
                                   LogitsHook* logits_hook, std::span<const int32_t> end_ids) {
  GenerationStream stream(tokenizer, std::move(ids), options, lm.n_ctx(), logits_hook,
                          std::vector<int32_t>(end_ids.begin(), end_ids.end()));
  std::vector<float> logits;
  lm.reset();
  auto t0 = Clock::now();
  if (!stream.done()) lm.eval(stream.ids(), logits);
  const double prompt_seconds = seconds_since(t0);
  auto t1 = Clock::now();
  std::string text;
  while (!stream.done()) {
    text.clear();
    const int32_t next = stream.step(logits, text);
    if (!text.empty() && on_text && !on_text(text)) {
      stream.cancel();
      break;
    }
    if (next >= 0) lm.eval(std::span<const int32_t>(&next, 1), logits);
  }
  GenerationResult r = stream.result();
  r.prompt_seconds = prompt_seconds;
  r.generate_seconds = seconds_since(t1);
  return r;
}

}  // namespace hart
