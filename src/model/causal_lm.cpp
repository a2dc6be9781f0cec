#include "model/causal_lm.h"

#include "model/gpt2.h"
#include "model/decoder.h"
#include "util/error.h"

namespace hart {

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
