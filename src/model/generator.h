// Text in, text out: tokenizes the prompt with the model's own tokenizer, runs the
// model, samples, and streams decoded text. Policies (documented in the README):
//  - an empty prompt starts from the model's BOS token alone (an error if it has none);
//  - a prompt longer than the context is an error naming both lengths;
//  - generation stops at max_tokens, the end-of-sequence token, a stop string (which
//    is not included in the text), or a full context (stop_reason says which);
//  - invalid UTF-8 in the prompt is replaced by U+FFFD (the tokenizer's policy);
//  - with a response_format, tokens are sampled inside its JSON grammar and the
//    answer ends (stop_reason "stop") as soon as the JSON value is whole.
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/causal_lm.h"
#include "model/generation_options.h"
#include "model/json_constraint.h"
#include "model/logits_hook.h"
#include "model/sampler.h"
#include "tokenizer/tokenizer.h"

namespace hart {

struct GeneratedToken {
  int32_t position;  // position in the sequence (prompt tokens come first)
  int32_t id;
  std::string text;  // the text this token added (may be empty while a character is incomplete)
  float logprob;
  std::vector<std::pair<int32_t, float>> top;  // the likeliest tokens and their logprobs, when asked (top_logprobs)
};

struct GenerationResult {
  std::string text;
  std::vector<GeneratedToken> tokens;
  int32_t prompt_tokens = 0;
  std::string stop_reason;  // "max_tokens", "eos", "stop", "context"
  uint64_t seed = 0;        // the seed the sampler used
  double prompt_seconds = 0, generate_seconds = 0;
};

// Called with each piece of text as soon as it is final; return false to stop.
using TextCallback = std::function<bool(std::string_view piece)>;

// The prompt's token ids by the policies above (BOS alone for an empty prompt; too
// long for `n_ctx` is a UsageError naming both lengths and `context`, what n_ctx is).
std::vector<int32_t> prompt_tokens(const Tokenizer& tokenizer, std::string_view prompt, int32_t n_ctx,
                                   std::string_view context = "the model's context");

// One generation, a step at a time: what generate_text does, for a scheduler that
// runs many of them in shared forward passes. Feed it the logits after each token the
// model took; it samples, decodes and holds back text that may start a stop string.
class GenerationStream {
 public:
  // `ids` is the prompt (prompt_tokens); `n_ctx` the sequence's context.
  // `end_ids`: tokens that end generation as EOS does (a chat model's end of turn).
  GenerationStream(const Tokenizer& tokenizer, std::vector<int32_t> ids, const GenerationOptions& options,
                   int32_t n_ctx, LogitsHook* logits_hook = nullptr, std::vector<int32_t> end_ids = {});
  // Samples from `logits` (modified: hooks and penalties), appends the new text that is
  // final to `text`, and returns the token the model must take next, or -1 when the
  // generation has ended (result().stop_reason says why). Throws on non-finite logits.
  int32_t step(std::span<float> logits, std::string& text);
  // Ends early (a client left): "cancelled".
  void cancel();
  bool done() const { return done_; }
  // Prompt and generated tokens so far.
  const std::vector<int32_t>& ids() const { return ids_; }
  // The result once done(); text is what was final, with the held-back text flushed.
  const GenerationResult& result() const { return r_; }

 private:
  void finish(std::string& text);
  const Tokenizer& tokenizer_;
  GenerationOptions options_;
  int32_t n_ctx_;
  LogitsHook* hook_;
  std::vector<int32_t> end_ids_;
  std::unique_ptr<JsonConstraint> json_;  // options.response_format's grammar, if any
  std::vector<int32_t> ids_;
  Sampler sampler_;
  StreamDecoder decoder_;
  std::string pending_;  // decoded text not yet final (may be the start of a stop string)
  GenerationResult r_;
  int steps_ = 0;
  bool done_ = false;
};

// `logits_hook`, when given, sees (and may change) every step's logits before the
// sampler does (logits_hook.h).
GenerationResult generate_text(CausalLM& lm, const Tokenizer& tokenizer, std::string_view prompt,
                               const GenerationOptions& options, const TextCallback& on_text = {},
                               LogitsHook* logits_hook = nullptr);

// The same from a prompt already tokenized (a chat prompt is, with its special tokens
// parsed). `end_ids`: tokens that end generation as EOS does (a chat model's end of
// turn); like EOS they are not part of the text, and stop_reason is "eos".
GenerationResult generate_from_ids(CausalLM& lm, const Tokenizer& tokenizer, std::vector<int32_t> ids,
                                   const GenerationOptions& options, const TextCallback& on_text = {},
                                   LogitsHook* logits_hook = nullptr, std::span<const int32_t> end_ids = {});

}  // namespace hart
