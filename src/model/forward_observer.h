// A seam for reading a forward pass's hidden states while it runs (importance
// scores, kNN-LM keys, decoder embeddings). A model with an observer set
// (CausalLM::set_observer, BertEncoder::set_observer) calls it at fixed points of
// every eval, in this order per block: on_block_input, [on_attn_input,
// on_attn_output,] on_ffn_input, [on_ffn_hidden,] on_block_output; then
// on_final_hidden once. The bracketed points (what each of a block's matrices
// multiplies, for activation-aware importance) are shown by Llama-family models. With none set (the default) each
// point costs one branch. The observer only reads: outputs are the same with it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace hart {

// Hidden states of one batch: row i (dim floats) belongs to tokens[i], at position
// first_position + i. A view of the model's scratch memory, valid only during the
// call: copy what you keep.
struct HiddenRows {
  const float* data = nullptr;
  size_t dim = 0;
  std::span<const int32_t> tokens;
  int32_t first_position = 0;

  size_t n_tokens() const { return tokens.size(); }
  std::span<const float> row(size_t i) const { return {data + i * dim, dim}; }
  int32_t position(size_t i) const { return first_position + static_cast<int32_t>(i); }
};

class ForwardObserver {
 public:
  virtual ~ForwardObserver() = default;
  // The residual stream entering block `layer` (the embeddings for layer 0).
  virtual void on_block_input(int /*layer*/, const HiddenRows& /*rows*/) {}
  // The rows the attention's Q, K and V matrices multiply (the normalised stream).
  virtual void on_attn_input(int /*layer*/, const HiddenRows& /*rows*/) {}
  // The heads' outputs side by side (n_head x head_dim a row): what the attention's
  // output matrix multiplies.
  virtual void on_attn_output(int /*layer*/, const HiddenRows& /*rows*/) {}
  // The rows the block's feed-forward multiplies first: the normalised residual
  // stream in pre-norm models (Llama, GPT-2), the attention sub-block's
  // LayerNorm output in BERT (post-norm).
  virtual void on_ffn_input(int /*layer*/, const HiddenRows& /*rows*/) {}
  // The feed-forward's hidden rows after the activation (n_ff a row): what its
  // down matrix multiplies.
  virtual void on_ffn_hidden(int /*layer*/, const HiddenRows& /*rows*/) {}
  // The residual stream leaving block `layer`: the next block's input.
  virtual void on_block_output(int /*layer*/, const HiddenRows& /*rows*/) {}
  // Decoders: the rows the output matrix multiplies into logits (after the final
  // norm), the last token's only unless eval was asked for every token's logits.
  // BERT: every token's last-block output, before pooling (what encode returns).
  virtual void on_final_hidden(const HiddenRows& /*rows*/) {}
};

}  // namespace hart
