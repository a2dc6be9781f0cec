#!/usr/bin/env python3
"""GPT-2 reference forward pass. Plain PyTorch, float64.

    /usr/bin/python3 tests/reference/gpt2_ref.py gpt2_f32.gguf   [token ids ...]
    /usr/bin/python3 tests/reference/gpt2_ref.py DIR/gpt2-hf      (model.safetensors + config.json)

Loads either layout into one set of Linear-style weights ([out, in]):
  - GGUF (llama.cpp's LLM_ARCH_GPT2 names): token_embd, position_embd, blk.N.attn_norm,
    attn_qkv, attn_output, ffn_norm, ffn_up, ffn_down, output_norm (+ .bias), output
    (a copy of token_embd; token_embd when absent). Matrices are already [out, in].
  - Hugging Face (GPT2LMHeadModel, no "transformer." prefix): wte, wpe, h.N.ln_1,
    attn.c_attn, attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj, ln_f. Conv1D weights are
    stored [in, out] and are transposed here; the output projection is tied to wte.

The model (Radford et al. 2019; as HF's GPT2LMHeadModel and llama.cpp's llm_build_gpt2):

    x = wte[tokens] + wpe[0..T-1]
    per layer:
        h = layer_norm(x) * ln_1.weight + ln_1.bias             # eps from the file
        q, k, v = split(h @ c_attn^T + c_attn.bias, 3)          # each [T, dim], q first
        a = softmax(q k^T / sqrt(head_dim) + causal mask) v     # per head
        x = x + a @ c_proj^T + c_proj.bias
        h = layer_norm(x) * ln_2.weight + ln_2.bias
        x = x + gelu_tanh(h @ c_fc^T + c_fc.bias) @ mlp.c_proj^T + mlp.c_proj.bias
    logits = (layer_norm(x) * ln_f.weight + ln_f.bias) @ wte^T

gelu_tanh(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))   (GPT-2's "gelu_new")
"""
import json
import math
import os
import sys

import torch

from llama_ref import greedy
from model_files import read_gguf, read_safetensors

F64 = torch.float64


class Gpt2:
    def __init__(self, path, dtype=F64):
        self.dtype = dtype
        if os.path.isdir(path):
            self._load_hf(path)
        else:
            self._load_gguf(path)
        self.head_dim = self.dim // self.n_head
        self.vocab = self.w["wte"].shape[0]

    def _load_gguf(self, path):
        meta, t, _ = read_gguf(path)
        assert meta["general.architecture"] == "gpt2", path
        self.n_layer = meta["gpt2.block_count"]
        self.dim = meta["gpt2.embedding_length"]
        self.n_head = meta["gpt2.attention.head_count"]
        self.eps = float(meta["gpt2.attention.layer_norm_epsilon"])
        t = {k: torch.from_numpy(v).to(self.dtype) for k, v in t.items()}
        self.w = {"wte": t["token_embd.weight"], "wpe": t["position_embd.weight"],
                  "ln_f.w": t["output_norm.weight"], "ln_f.b": t["output_norm.bias"],
                  "out": t.get("output.weight", t["token_embd.weight"])}
        names = {"ln_1": "attn_norm", "attn": "attn_qkv", "proj": "attn_output",
                 "ln_2": "ffn_norm", "fc": "ffn_up", "mlp_proj": "ffn_down"}
        for l in range(self.n_layer):
            for ours, theirs in names.items():
                self.w[f"{l}.{ours}.w"] = t[f"blk.{l}.{theirs}.weight"]
                self.w[f"{l}.{ours}.b"] = t[f"blk.{l}.{theirs}.bias"]

    def _load_hf(self, path):
        with open(os.path.join(path, "config.json")) as f:
            cfg = json.load(f)
        _, t = read_safetensors(os.path.join(path, "model.safetensors"))
        self.n_layer, self.dim, self.n_head = cfg["n_layer"], cfg["n_embd"], cfg["n_head"]
        self.eps = float(cfg["layer_norm_epsilon"])
        t = {k: torch.from_numpy(v.copy()).to(self.dtype) for k, v in t.items()}
        self.w = {"wte": t["wte.weight"], "wpe": t["wpe.weight"],
                  "ln_f.w": t["ln_f.weight"], "ln_f.b": t["ln_f.bias"], "out": t["wte.weight"]}
        names = {"ln_1": "ln_1", "attn": "attn.c_attn", "proj": "attn.c_proj",
                 "ln_2": "ln_2", "fc": "mlp.c_fc", "mlp_proj": "mlp.c_proj"}
        for l in range(self.n_layer):
            for ours, theirs in names.items():
                w = t[f"h.{l}.{theirs}.weight"]
                self.w[f"{l}.{ours}.w"] = w.T.contiguous() if w.dim() == 2 else w  # Conv1D [in,out]
                self.w[f"{l}.{ours}.b"] = t[f"h.{l}.{theirs}.bias"]

    def layer_norm(self, x, name):
        mean = x.mean(-1, keepdim=True)
        var = ((x - mean) ** 2).mean(-1, keepdim=True)
        return (x - mean) / torch.sqrt(var + self.eps) * self.w[name + ".w"] + self.w[name + ".b"]

    def linear(self, x, name):
        return x @ self.w[name + ".w"].T + self.w[name + ".b"]

    @staticmethod
    def gelu_tanh(x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))

    def forward(self, tokens):
        T, D, H, hd = len(tokens), self.dim, self.n_head, self.head_dim
        x = self.w["wte"][torch.tensor(tokens)] + self.w["wpe"][:T]
        mask = torch.full((T, T), float("-inf"), dtype=x.dtype).triu(1)
        for l in range(self.n_layer):
            h = self.layer_norm(x, f"{l}.ln_1")
            qkv = self.linear(h, f"{l}.attn")
            q, k, v = (qkv[:, i * D:(i + 1) * D].reshape(T, H, hd) for i in range(3))
            scores = torch.einsum("qhd,khd->hqk", q, k) / math.sqrt(hd) + mask
            a = torch.einsum("hqk,khd->qhd", torch.softmax(scores, dim=-1), v).reshape(T, D)
            x = x + self.linear(a, f"{l}.proj")
            h = self.layer_norm(x, f"{l}.ln_2")
            x = x + self.linear(self.gelu_tanh(self.linear(h, f"{l}.fc")), f"{l}.mlp_proj")
        x = self.layer_norm(x, "ln_f")
        return x @ self.w["out"].T


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    m = Gpt2(argv[1])
    prompt = [int(t) for t in argv[2:]] or [0, 10, 20, 30]
    ids, margins, logits = greedy(m, prompt, 16)
    print(f"{argv[1]}: {m.n_layer} layers, dim {m.dim}, heads {m.n_head}, eps {m.eps:g}")
    print("greedy:", ids)
    print("min margin %.4f, logits in [%.3f, %.3f]" % (margins.min(), logits.min(), logits.max()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
