// A decoder-only language model ready to run: feed tokens, get logits. Each
// instance owns its KV cache, so one loaded model can serve several sessions.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "model/loaded_model.h"

namespace hart {

class CausalLM {
 public:
  virtual ~CausalLM() = default;
  virtual int32_t n_vocab() const = 0;
  virtual int32_t n_ctx() const = 0;
  int32_t n_past() const { return n_past_; }
  // Appends `tokens` at positions n_past()..; writes the logits of the last token
  // (all_logits = false: n_vocab floats) or of every token (n x n_vocab) to `logits`.
  // Throws UsageError when the context would overflow or a token is out of range.
  virtual void eval(std::span<const int32_t> tokens, std::vector<float>& logits, bool all_logits = false) = 0;
  // Forgets everything: the next eval starts at position 0.
  void reset() { n_past_ = 0; }

 protected:
  int32_t n_past_ = 0;
};

// Architectures the engine runs, for error messages.
const char* supported_architectures();

// Builds the runnable model for `model->architecture()`; an unsupported
// architecture or a missing tensor is an Error naming it.
std::unique_ptr<CausalLM> make_causal_lm(std::shared_ptr<const LoadedModel> model, int threads);

}  // namespace hart
