// The shape of a stored Llama-family model, read from its metadata without loading
// it: what importance scores and students need to know to cut heads and neurons.
#pragma once
#include <cstdint>
#include <string>

#include "formats/model_file.h"

namespace hart {

struct LlamaShape {
  std::string arch;  // the metadata prefix: "llama"
  int64_t n_layer = 0, dim = 0, n_head = 0, n_kv = 0, head_dim = 0, ffn = 0;
  int64_t group() const { return n_head / n_kv; }  // query heads per KV head
};

// UsageError naming the model when it is not of the llama architecture or its
// head counts are inconsistent.
LlamaShape llama_shape(const std::string& model_name, const std::string& architecture, const ordered_json& metadata);

// "blk.3.attn_q.weight" -> 3 and "attn_q.weight"; false for tensors outside blocks.
bool split_block_name(const std::string& name, int64_t& layer, std::string& rest);

}  // namespace hart
