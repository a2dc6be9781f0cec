// A seam between a model's logits and the sampler (kNN-LM interpolation,
// ensembles, constraints): generate_text hands each step's logits to the hook, which
// may change them in place before the sampler chooses. Setting a logit to -infinity
// bans that token; leaving one token finite forces it. At least one logit must stay
// finite. Sampling then works on the logits as the hook left them (the reported
// logprob too).
#pragma once
#include <cstdint>
#include <span>

namespace hart {

struct LogitsContext {
  // The sequence so far, prompt first; the logits predict the token at position
  // tokens.size().
  std::span<const int32_t> tokens;
  int32_t step = 0;  // 0 for the first generated token
};

class LogitsHook {
 public:
  virtual ~LogitsHook() = default;
  // `logits` holds the model's n_vocab logits for the next token.
  virtual void on_logits(std::span<float> logits, const LogitsContext& context) = 0;
};

}  // namespace hart
