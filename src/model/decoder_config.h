// What a decoder-only transformer of the Llama lineage needs to know to run: shapes,
// RoPE, attention variants (scale, soft-capping, sliding windows), the feed-forward
// activation. One forward pass (decoder.h) runs every architecture listed in
// decoder_config.cpp's table; an architecture is a row there (its RoPE layout,
// activation, embedding scale, sliding-window defaults), and the optional tensors a
// file has (biases, Q/K norms, fused QKV, post-norms) are found by name at load.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/loaded_model.h"
#include "tensor/ops.h"

namespace hart {

enum class FfnActivation {
  Silu,  // SwiGLU: silu(gate) * up (Llama, Qwen, Phi-3)
  Gelu,  // GeGLU: gelu_tanh(gate) * up (Gemma)
};

struct DecoderConfig {
  std::string arch;  // the GGUF architecture name, also the metadata key prefix
  int32_t n_vocab = 0, dim = 0, n_layer = 0, n_head = 0, n_head_kv = 0, head_dim = 0, ffn = 0, n_ctx = 0;
  float eps = 1e-5f;
  // RoPE for full-attention layers, and for sliding-window layers (Gemma 2/3 give
  // those another base). factors (rope_freqs / Phi-3 rope factors) are set by the model.
  tensor::RopeSpec rope, rope_swa;
  float attn_scale = 0;       // of q.k; from the head width unless the architecture says otherwise
  float attn_softcap = 0;     // Gemma 2: tanh soft-capping of attention scores
  float final_softcap = 0;    // Gemma 2 (and Gemma 3 when set): soft-capping of the logits
  float embed_scale = 1;      // Gemma: token embeddings times sqrt(dim)
  FfnActivation activation = FfnActivation::Silu;
  int32_t sliding_window = 0;       // > 0: the window of the layers marked in swa_layers
  std::vector<bool> swa_layers;     // per layer: sliding-window attention
};

// Reads `<arch>.*` metadata for a supported architecture; a missing required key, a
// value that cannot work, or an unsupported architecture is an Error naming it.
DecoderConfig decoder_config(const LoadedModel& m);

// Whether decoder_config knows the architecture, and the list for messages.
bool is_decoder_architecture(const std::string& arch);
std::string decoder_architectures();

}  // namespace hart
