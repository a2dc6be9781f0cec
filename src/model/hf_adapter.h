// Hugging Face models (safetensors + config.json) seen the way GGUF describes them:
// llama.cpp's tensor names and the architecture's metadata keys, so each
// architecture has one forward pass. GPT-2's Conv1D weights are stored [in, out] and
// are transposed to [out, in] here (one copy, owned by the loaded model).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "formats/model_file.h"
#include "model/loaded_model.h"

namespace hart {

struct HfAdaptation {
  ordered_json metadata;                        // keys to add, e.g. "gpt2.block_count"
  std::vector<std::pair<size_t, std::string>> renames;  // tensor index -> GGUF name
  std::vector<size_t> transpose;                // tensor indices to transpose (2-D)
};

// What to change for `architecture` ("gpt2" or "bert") given config.json; nullopt
// when the tensors already carry GGUF names. Throws Error naming a missing config key.
std::optional<HfAdaptation> plan_hf_adaptation(const std::string& model_name, const std::string& architecture,
                                               const ordered_json& config, const std::vector<TensorView>& tensors);

}  // namespace hart
