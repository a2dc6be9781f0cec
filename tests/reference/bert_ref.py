#!/usr/bin/env python3
"""BERT reference encoder + sentence-transformers pooling. Plain PyTorch, float64.

    /usr/bin/python3 tests/reference/bert_ref.py bert_f32.gguf   [token ids ...]
    /usr/bin/python3 tests/reference/bert_ref.py DIR/bert-hf      (model.safetensors + config.json)

Loads either layout (the matrices are [out, in] in both):
  - GGUF (llama.cpp's LLM_ARCH_BERT names): token_embd, position_embd, token_types,
    token_embd_norm, blk.N.attn_q/attn_k/attn_v, attn_output, attn_output_norm,
    ffn_up, ffn_down, layer_output_norm (+ .bias)
  - Hugging Face BertModel (as sentence-transformers saves it, no "bert." prefix):
    embeddings.word_embeddings/position_embeddings/token_type_embeddings/LayerNorm,
    encoder.layer.N.attention.self.query/key/value, attention.output.dense/LayerNorm,
    intermediate.dense, output.dense/LayerNorm

The model (HF BertModel, post-LayerNorm; every token attends to every token):

    x = LN_emb(word[tokens] + position[0..T-1] + token_type[types])
    per layer:
        q, k, v = x @ Wq^T + bq, x @ Wk^T + bk, x @ Wv^T + bv
        a = softmax(q k^T / sqrt(head_dim)) v                  # per head, no mask
        x = LN_attn(x + a @ Wo^T + bo)
        x = LN_out(x + gelu_erf(x @ Wup^T + bup) @ Wdown^T + bdown)
    hidden = x                                                  # [T, dim]
    embedding = mean(hidden over tokens) / ||mean||_2           # sentence-transformers
                                                                # Pooling(mean) + Normalize
gelu_erf(x) = 0.5 x (1 + erf(x / sqrt(2)))   (HF "gelu"; NOT the tanh approximation
that ggml_gelu computes, see README.md)
"""
import json
import math
import os
import sys

import torch

from model_files import read_gguf, read_safetensors

F64 = torch.float64

HF_TO_OURS = {  # per-layer HF name -> GGUF name
    "attention.self.query": "attn_q", "attention.self.key": "attn_k", "attention.self.value": "attn_v",
    "attention.output.dense": "attn_output", "attention.output.LayerNorm": "attn_output_norm",
    "intermediate.dense": "ffn_up", "output.dense": "ffn_down", "output.LayerNorm": "layer_output_norm",
}


class Bert:
    def __init__(self, path, dtype=F64):
        if os.path.isdir(path):
            with open(os.path.join(path, "config.json")) as f:
                cfg = json.load(f)
            _, t = read_safetensors(os.path.join(path, "model.safetensors"))
            self.n_layer, self.dim = cfg["num_hidden_layers"], cfg["hidden_size"]
            self.n_head, self.eps = cfg["num_attention_heads"], float(cfg["layer_norm_eps"])
            rename = {"embeddings.word_embeddings": "token_embd", "embeddings.position_embeddings": "position_embd",
                      "embeddings.token_type_embeddings": "token_types", "embeddings.LayerNorm": "token_embd_norm"}
            w = {}
            for name, v in t.items():
                stem, kind = name.rsplit(".", 1)
                if stem in rename:
                    w[rename[stem] + "." + kind] = v
                else:
                    parts = stem.split(".")  # encoder.layer.N.<rest>
                    w[f"blk.{parts[2]}.{HF_TO_OURS['.'.join(parts[3:])]}.{kind}"] = v
        else:
            meta, w, _ = read_gguf(path)
            assert meta["general.architecture"] == "bert", path
            self.n_layer, self.dim = meta["bert.block_count"], meta["bert.embedding_length"]
            self.n_head, self.eps = meta["bert.attention.head_count"], float(meta["bert.attention.layer_norm_epsilon"])
        self.w = {k: torch.from_numpy(v.copy()).to(dtype) for k, v in w.items()}
        self.head_dim = self.dim // self.n_head

    def layer_norm(self, x, name):
        mean = x.mean(-1, keepdim=True)
        var = ((x - mean) ** 2).mean(-1, keepdim=True)
        return (x - mean) / torch.sqrt(var + self.eps) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def linear(self, x, name):
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    @staticmethod
    def gelu_erf(x):
        return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))

    def forward(self, tokens, types, gelu=None):
        """Returns (hidden [T, dim], embedding [dim]) in float64. `gelu` overrides the
        activation (used only to measure the tanh approximation's effect)."""
        gelu = gelu or self.gelu_erf
        T, D, H, hd = len(tokens), self.dim, self.n_head, self.head_dim
        x = (self.w["token_embd.weight"][torch.tensor(tokens)] + self.w["position_embd.weight"][:T]
             + self.w["token_types.weight"][torch.tensor(types)])
        x = self.layer_norm(x, "token_embd_norm")
        for l in range(self.n_layer):
            p = f"blk.{l}."
            q, k, v = (self.linear(x, p + n).reshape(T, H, hd) for n in ("attn_q", "attn_k", "attn_v"))
            scores = torch.einsum("qhd,khd->hqk", q, k) / math.sqrt(hd)
            a = torch.einsum("hqk,khd->qhd", torch.softmax(scores, dim=-1), v).reshape(T, D)
            x = self.layer_norm(x + self.linear(a, p + "attn_output"), p + "attn_output_norm")
            h = gelu(self.linear(x, p + "ffn_up"))
            x = self.layer_norm(x + self.linear(h, p + "ffn_down"), p + "layer_output_norm")
        pooled = x.mean(0)
        return x, pooled / torch.clamp(pooled.norm(), min=1e-12)


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    m = Bert(argv[1])
    tokens = [int(t) for t in argv[2:]] or [2, 10, 11, 12, 3]
    hidden, emb = m.forward(tokens, [0] * len(tokens))
    print(f"{argv[1]}: {m.n_layer} layers, dim {m.dim}, heads {m.n_head}, eps {m.eps:g}")
    print("embedding[:8]:", [round(float(v), 6) for v in emb[:8]])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
