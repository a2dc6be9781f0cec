#include "model/generator.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "model/sampler.h"
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

}  // namespace

GenerationResult generate_text(CausalLM& lm, const Tokenizer& tokenizer, std::string_view prompt,
                               const GenerationOptions& options, const TextCallback& on_text,
                               LogitsHook* logits_hook) {
  std::vector<int32_t> ids = tokenizer.encode(prompt, /*add_special=*/true);
  if (ids.empty()) {
    if (tokenizer.special().bos < 0)
      throw UsageError("generate: the prompt is empty and the model has no BOS token to start from");
    ids.push_back(tokenizer.special().bos);
  }
  return generate_from_ids(lm, tokenizer, std::move(ids), options, on_text, logits_hook);
}

GenerationResult generate_from_ids(CausalLM& lm, const Tokenizer& tokenizer, std::vector<int32_t> ids,
                                   const GenerationOptions& options, const TextCallback& on_text,
                                   LogitsHook* logits_hook, std::span<const int32_t> end_ids) {
  GenerationResult r;
  if (ids.empty()) throw UsageError("generate: the prompt has no tokens");
  if (static_cast<int64_t>(ids.size()) >= lm.n_ctx())
    throw UsageError("generate: the prompt is " + std::to_string(ids.size()) + " tokens; the model's context is " +
                     std::to_string(lm.n_ctx()) + " tokens (shorten the prompt)");
  r.prompt_tokens = static_cast<int32_t>(ids.size());

  Sampler sampler(options);
  r.seed = sampler.seed();
  StreamDecoder decoder(tokenizer);
  // The continuation follows the prompt's text: decode the prompt first (and drop it)
  // so a leading space of the first new token is kept, as in decode(prompt + new).
  for (int32_t id : ids) decoder.push(id);
  std::vector<float> logits;
  lm.reset();
  auto t0 = Clock::now();
  lm.eval(ids, logits);
  r.prompt_seconds = seconds_since(t0);
  auto t1 = Clock::now();

  std::string pending;  // decoded text not yet streamed (may be the start of a stop string)
  auto emit = [&](std::string_view piece) { return !on_text || on_text(piece); };
  r.stop_reason = "max_tokens";
  for (int i = 0; i < options.max_tokens; ++i) {
    require_finite(logits, ids.size(), i);
    if (logits_hook) logits_hook->on_logits(logits, {ids, i});
    SampledToken t = sampler.sample(logits, ids);
    if (t.id == tokenizer.special().eos || std::find(end_ids.begin(), end_ids.end(), t.id) != end_ids.end()) {
      r.stop_reason = "eos";
      break;
    }
    ids.push_back(t.id);
    std::string piece = decoder.push(t.id);
    r.tokens.push_back({static_cast<int32_t>(ids.size() - 1), t.id, piece, t.logprob});
    pending += piece;
    bool stopped = false;
    for (const std::string& s : options.stop) {
      size_t at = pending.find(s);
      if (at != std::string::npos) {
        pending.resize(at);
        stopped = true;
      }
    }
    if (stopped) {
      r.stop_reason = "stop";
      break;
    }
    size_t keep = held_back(pending, options.stop);
    std::string ready = pending.substr(0, pending.size() - keep);
    r.text += ready;
    pending.erase(0, ready.size());
    if (!ready.empty() && !emit(ready)) {
      r.stop_reason = "cancelled";
      break;
    }
    if (static_cast<int32_t>(ids.size()) >= lm.n_ctx()) {
      r.stop_reason = "context";
      break;
    }
    if (i + 1 < options.max_tokens) lm.eval(std::span<const int32_t>(&ids.back(), 1), logits);
  }
  if (r.stop_reason != "stop") pending += decoder.finish();
  r.text += pending;
  if (!pending.empty()) emit(pending);
  r.generate_seconds = seconds_since(t1);
  return r;
}

}  // namespace hart
