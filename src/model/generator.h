// Text in, text out: tokenizes the prompt with the model's own tokenizer, runs the
// model, samples, and streams decoded text. Policies (documented in the README):
//  - an empty prompt starts from the model's BOS token alone (an error if it has none);
//  - a prompt longer than the context is an error naming both lengths;
//  - generation stops at max_tokens, the end-of-sequence token, a stop string (which
//    is not included in the text), or a full context (stop_reason says which);
//  - invalid UTF-8 in the prompt is replaced by U+FFFD (the tokenizer's policy).
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/causal_lm.h"
#include "model/generation_options.h"
#include "model/logits_hook.h"
#include "tokenizer/tokenizer.h"

namespace hart {

struct GeneratedToken {
  int32_t position;  // position in the sequence (prompt tokens come first)
  int32_t id;
  std::string text;  // the text this token added (may be empty while a character is incomplete)
  float logprob;
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
