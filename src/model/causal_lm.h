// A decoder-only language model ready to run: feed tokens, get logits. Each
// instance owns its KV cache, so one loaded model can serve several sessions; its
// matrix products run on a thread pool that several models may share.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "model/forward_observer.h"
#include "model/loaded_model.h"
#include "tensor/thread_pool.h"

namespace hart {

class CausalLM {
 public:
  // A null pool means tensor::process_pool().
  explicit CausalLM(std::shared_ptr<tensor::ThreadPool> pool)
      : pool_(pool ? std::move(pool) : tensor::process_pool()) {}
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
  // Called during every eval from now on (see forward_observer.h); nullptr = none.
  // The observer must outlive its use.
  void set_observer(ForwardObserver* observer) { observer_ = observer; }
  const std::shared_ptr<tensor::ThreadPool>& pool() const { return pool_; }

 protected:
  std::shared_ptr<tensor::ThreadPool> pool_;
  ForwardObserver* observer_ = nullptr;
  int32_t n_past_ = 0;
};

// Architectures the engine runs, for error messages.
std::string supported_architectures();

// Builds the runnable model for `model->architecture()`, running on `pool` (null:
// tensor::process_pool()); an unsupported architecture or a missing tensor is an
// Error naming it.
std::unique_ptr<CausalLM> make_causal_lm(std::shared_ptr<const LoadedModel> model,
                                         std::shared_ptr<tensor::ThreadPool> pool);
// The same on tensor::shared_pool(threads): capped at the machine's cores, and one
// pool for every model asking for the same count.
std::unique_ptr<CausalLM> make_causal_lm(std::shared_ptr<const LoadedModel> model, int threads);

}  // namespace hart
