#include "model/causal_lm.h"

#include "model/gpt2.h"
#include "model/decoder.h"
#include "model/weights_check.h"
#include "util/error.h"

namespace hart {

void Sequence::copy_prefix(const Sequence& from, size_t n) {
  if (&from == this) return truncate(n);
  if (n > from.tokens_.size())
    throw Error("copy_prefix: the source sequence holds " + std::to_string(from.tokens_.size()) + " tokens, not " +
                std::to_string(n));
  if (from.cache.kv_dim() != cache.kv_dim() || from.cache.type() != cache.type() || static_cast<int64_t>(n) > n_ctx_)
    throw Error("copy_prefix: the sequences belong to different models or cache types, or the prefix exceeds this "
                "context");
  cache.copy_prefix(from.cache, n);
  tokens_.assign(from.tokens_.begin(), from.tokens_.begin() + static_cast<std::ptrdiff_t>(n));
}

void CausalLM::eval(std::span<const int32_t> tokens, std::vector<float>& logits, bool all_logits) {
  if (!own_) own_ = new_sequence();
  const BatchItem item{own_.get(), tokens};
  check_eval(loaded(), tokens, own_->n_past(), own_->n_ctx(), n_vocab());
  forward({&item, 1}, logits, all_logits);
  append_tokens({&item, 1});
}

std::unique_ptr<Sequence> CausalLM::new_sequence(int32_t n_ctx) const {
  if (n_ctx < 0 || n_ctx > this->n_ctx())
    throw UsageError("model '" + loaded().info().name + "': a context of " + std::to_string(n_ctx) +
                     " tokens is outside 1.." + std::to_string(this->n_ctx()));
  return std::make_unique<Sequence>(kv_layers(), kv_dim(), n_ctx ? n_ctx : this->n_ctx(), kv_type_);
}

void CausalLM::set_kv_type(KvType type) {
  if (type == kv_type_) return;
  kv_type_ = type;
  own_.reset();
}

void CausalLM::eval_batch(std::span<const BatchItem> items, std::vector<float>& logits) {
  if (items.empty()) throw UsageError("eval_batch: no sequences to run");
  for (size_t i = 0; i < items.size(); ++i) {
    const BatchItem& it = items[i];
    if (!it.sequence || it.sequence->cache.kv_dim() != kv_dim())
      throw UsageError("eval_batch: item " + std::to_string(i) + " has no sequence of this model");
    for (size_t j = 0; j < i; ++j)
      if (items[j].sequence == it.sequence) throw UsageError("eval_batch: a sequence appears twice in one batch");
    check_eval(loaded(), it.tokens, it.sequence->n_past(), it.sequence->n_ctx(), n_vocab());
  }
  forward(items, logits, /*all_logits=*/false);
  append_tokens(items);
}

void CausalLM::append_tokens(std::span<const BatchItem> items) {
  for (const BatchItem& it : items) it.sequence->tokens_.insert(it.sequence->tokens_.end(), it.tokens.begin(), it.tokens.end());
}

std::string supported_architectures() { return decoder_architectures() + ", gpt2"; }

std::unique_ptr<CausalLM> make_causal_lm(std::shared_ptr<const LoadedModel> model,
                                         std::shared_ptr<tensor::ThreadPool> pool) {
  const std::string& arch = model->architecture();
  if (is_decoder_architecture(arch)) return std::make_unique<DecoderModel>(std::move(model), std::move(pool));
  if (arch == "gpt2") return std::make_unique<Gpt2Model>(std::move(model), std::move(pool));
  throw UsageError("model '" + model->info().name + "': architecture '" + arch +
                   "' cannot generate text yet (supported: " + supported_architectures() + ")");
}

std::unique_ptr<CausalLM> make_causal_lm(std::shared_ptr<const LoadedModel> model, int threads) {
  return make_causal_lm(std::move(model), tensor::shared_pool(threads));
}

}  // namespace hart
