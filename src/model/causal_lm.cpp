#include "model/causal_lm.h"

#include "model/gpt2.h"
#include "model/llama.h"
#include "util/error.h"

namespace hart {

const char* supported_architectures() { return "llama, gpt2"; }

std::unique_ptr<CausalLM> make_causal_lm(std::shared_ptr<const LoadedModel> model, int threads) {
  const std::string& arch = model->architecture();
  if (arch == "llama") return std::make_unique<LlamaModel>(std::move(model), threads);
  if (arch == "gpt2") return std::make_unique<Gpt2Model>(std::move(model), threads);
  throw UsageError("model '" + model->info().name + "': architecture '" + arch +
                   "' cannot generate text yet (supported: " + supported_architectures() + ")");
}

}  // namespace hart
