// A decoder-only language model ready to run: feed tokens, get logits. Its state
// per sequence (KV cache, tokens so far) is a Sequence: an instance has one of its
// own for eval(), and makes more for eval_batch(), which runs the new tokens of
// several sequences through one forward pass (continuous batching: the weights are
// read once for all of them). Its matrix products run on a thread pool that several
// models may share.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "model/attention.h"
#include "model/forward_observer.h"
#include "model/loaded_model.h"
#include "tensor/thread_pool.h"

namespace hart {

// One sequence: the keys and values of its tokens so far, and the tokens. A cache is
// valid only for the model that made it (CausalLM::new_sequence).
class Sequence {
 public:
  Sequence(size_t n_layer, size_t kv_dim, int32_t n_ctx, KvType kv_type = KvType::kF32)
      : cache(n_layer, kv_dim, n_ctx, kv_type), n_ctx_(n_ctx) {}
  int32_t n_past() const { return static_cast<int32_t>(tokens_.size()); }
  int32_t n_ctx() const { return n_ctx_; }
  const std::vector<int32_t>& tokens() const { return tokens_; }
  // Forgets every token from position n on (their cache rows are overwritten later).
  void truncate(size_t n) {
    if (n < tokens_.size()) tokens_.resize(n);
  }
  // Copies the first n tokens' keys and values from another sequence of the same
  // model, replacing everything here: a shared prompt prefix costs no forward pass.
  void copy_prefix(const Sequence& from, size_t n);
  KvCache cache;

 private:
  friend class CausalLM;
  std::vector<int32_t> tokens_;
  int32_t n_ctx_;
};

// New tokens for one sequence, in a batch.
struct BatchItem {
  Sequence* sequence;
  std::span<const int32_t> tokens;
};

class CausalLM {
 public:
  // A null pool means tensor::process_pool().
  explicit CausalLM(std::shared_ptr<tensor::ThreadPool> pool)
      : pool_(pool ? std::move(pool) : tensor::process_pool()) {}
  virtual ~CausalLM() = default;
  virtual int32_t n_vocab() const = 0;
  virtual int32_t n_ctx() const = 0;

  // The instance's own sequence. Appends `tokens` at positions n_past()..; writes the
  // logits of the last token (all_logits = false: n_vocab floats) or of every token
  // (n x n_vocab) to `logits`. Throws UsageError when the context would overflow or a
  // token is out of range.
  void eval(std::span<const int32_t> tokens, std::vector<float>& logits, bool all_logits = false);
  int32_t n_past() const { return own_ ? own_->n_past() : 0; }
  // Forgets everything: the next eval starts at position 0.
  void reset() {
    if (own_) own_->truncate(0);
  }

  // A new, empty sequence holding at most n_ctx tokens (0: the model's context).
  std::unique_ptr<Sequence> new_sequence(int32_t n_ctx = 0) const;
  // The KV cache type of sequences made from now on (F32 unless set); the instance's
  // own sequence starts over when it changes.
  void set_kv_type(KvType type);
  KvType kv_type() const { return kv_type_; }
  // Appends each item's tokens to its sequence, all in one forward pass; `logits`
  // gets the logits of each item's last token, items.size() x n_vocab. Every item's
  // tokens and context are checked before anything runs; a sequence appears once.
  void eval_batch(std::span<const BatchItem> items, std::vector<float>& logits);

  // Called during every single-sequence eval from now on (see forward_observer.h);
  // nullptr = none. Batches of several sequences are not observed. The observer must
  // outlive its use.
  void set_observer(ForwardObserver* observer) { observer_ = observer; }
  const std::shared_ptr<tensor::ThreadPool>& pool() const { return pool_; }

 protected:
  // The architecture's forward pass over checked items; all_logits only with one item.
  virtual void forward(std::span<const BatchItem> items, std::vector<float>& logits, bool all_logits) = 0;
  // The KV cache's shape: layers and floats per position.
  virtual size_t kv_layers() const = 0;
  virtual size_t kv_dim() const = 0;
  virtual const LoadedModel& loaded() const = 0;
  // Records the items' tokens as held by their sequences (after a successful forward).
  static void append_tokens(std::span<const BatchItem> items);

  std::shared_ptr<tensor::ThreadPool> pool_;
  ForwardObserver* observer_ = nullptr;

 private:
  std::unique_ptr<Sequence> own_;  // eval()'s sequence, made on first use
  KvType kv_type_ = KvType::kF32;
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
