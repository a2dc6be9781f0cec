// Where a tensor sits in a model, read from its name. GGUF names
// ("blk.3.attn_q.weight") and Hugging Face names ("model.layers.3.self_attn.q_proj.weight",
// GPT-2's "h.3.attn.c_attn.weight", BERT's "encoder.layer.3.attention.self.query.weight")
// map to one vocabulary of kinds, GGUF's: token_embd, attn_q, attn_k, attn_v,
// attn_output, attn_qkv, attn_norm, ffn_gate, ffn_up, ffn_down, ffn_norm,
// output_norm, output, ... Biases get the suffix ".bias".
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hart {

struct TensorRole {
  std::optional<int64_t> layer;  // block index; nullopt outside the blocks
  std::string kind;
};

TensorRole tensor_role(std::string_view name);

}  // namespace hart
