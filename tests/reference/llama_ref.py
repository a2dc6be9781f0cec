#!/usr/bin/env python3
"""Llama reference forward pass, on the GGUF layout exactly as llama.cpp runs
LLM_ARCH_LLAMA. Plain PyTorch, float64 throughout (the weights are the file's values,
dequantized to float32 first when the file is quantized).

    /usr/bin/python3 tests/reference/llama_ref.py MODEL.gguf [token ids ...]

prints the greedy continuation and the logits' range. make_goldens.py imports it.

The model, as llama.cpp computes it (llama-model.cpp, llm_build_llama):

    x = token_embd[tokens]                                   # [T, dim]
    per layer:
        h = rms_norm(x) * attn_norm                          # x / sqrt(mean(x^2) + eps)
        q = h @ attn_q^T, k = h @ attn_k^T, v = h @ attn_v^T # weights are [out, in]
        q, k = rope(q), rope(k)                              # NORM mode, see rope()
        head i attends with key/value head i // (n_head / n_head_kv)   (GQA)
        a = softmax(q k^T / sqrt(head_dim) + causal mask) v
        x = x + a @ attn_output^T
        h = rms_norm(x) * ffn_norm
        x = x + (silu(h @ ffn_gate^T) * (h @ ffn_up^T)) @ ffn_down^T
    logits = (rms_norm(x) * output_norm) @ output^T          # output = token_embd when absent

`act_quant` (used only to measure tolerances) is applied to the input of every matrix
multiplication with a weight, as llama.cpp's CPU backend converts activations to the
weight type's vec_dot_type (Q8_0 for Q8_0/Q4_0 weights, F16 for F16 weights).
"""
import sys

import numpy as np
import torch

from model_files import read_gguf

F64 = torch.float64


class Llama:
    def __init__(self, path, dtype=F64):
        meta, w, types = read_gguf(path)
        assert meta["general.architecture"] == "llama", path
        g = lambda k: meta["llama." + k]  # noqa: E731
        self.n_layer = g("block_count")
        self.dim = g("embedding_length")
        self.n_head = g("attention.head_count")
        self.n_head_kv = g("attention.head_count_kv")
        self.head_dim = self.dim // self.n_head
        self.n_rot = g("rope.dimension_count")
        self.rope_base = float(g("rope.freq_base"))        # the stored float32 value
        self.eps = float(g("attention.layer_norm_rms_epsilon"))
        self.w = {k: torch.from_numpy(v).to(dtype) for k, v in w.items()}
        self.matrix_type = types["blk.0.attn_q.weight"]
        self.tied = "output.weight" not in self.w
        self.vocab = self.w["token_embd.weight"].shape[0]

    # ------------------------------------------------------------ building blocks

    def rms_norm(self, x, weight):
        return x / torch.sqrt((x * x).mean(-1, keepdim=True) + self.eps) * weight

    def rope(self, x, pos):
        """x: [T, heads, head_dim]. llama.cpp's NORM rope (LLM_ARCH_LLAMA): adjacent
        pairs (x[2i], x[2i+1]) of the first n_rot dims rotate by pos * base^(-2i/n_rot);
        dims past n_rot pass through."""
        i = torch.arange(0, self.n_rot, 2, dtype=F64)
        theta = pos[:, None].to(F64) * self.rope_base ** (-i / self.n_rot)   # [T, n_rot/2]
        cos, sin = torch.cos(theta)[:, None, :].to(x.dtype), torch.sin(theta)[:, None, :].to(x.dtype)
        x0, x1 = x[..., 0:self.n_rot:2], x[..., 1:self.n_rot:2]
        out = x.clone()
        out[..., 0:self.n_rot:2] = x0 * cos - x1 * sin
        out[..., 1:self.n_rot:2] = x0 * sin + x1 * cos
        return out

    def linear(self, x, name, act_quant):
        if act_quant is not None:
            x = act_quant(x)
        return x @ self.w[name].T

    # ------------------------------------------------------------ forward

    def forward(self, tokens, act_quant=None, kv_quant=None):
        """tokens: list of ids. Returns logits [T, vocab] (causal: row t sees tokens
        0..t), float64 unless the model was loaded with another dtype. `kv_quant`
        (tolerance measurements only) rounds what an F16 KV cache would: k and v after
        RoPE, and q and the softmax weights as ggml converts them for the F16 products."""
        T = len(tokens)
        pos = torch.arange(T)
        x = self.w["token_embd.weight"][torch.tensor(tokens)]
        mask = torch.full((T, T), float("-inf"), dtype=x.dtype).triu(1)
        kvq = kv_quant or (lambda t: t)
        group = self.n_head // self.n_head_kv
        for l in range(self.n_layer):
            p = f"blk.{l}."
            h = self.rms_norm(x, self.w[p + "attn_norm.weight"])
            q = self.linear(h, p + "attn_q.weight", act_quant).view(T, self.n_head, self.head_dim)
            k = self.linear(h, p + "attn_k.weight", act_quant).view(T, self.n_head_kv, self.head_dim)
            v = self.linear(h, p + "attn_v.weight", act_quant).view(T, self.n_head_kv, self.head_dim)
            q, k, v = kvq(self.rope(q, pos)), kvq(self.rope(k, pos)), kvq(v)
            k = k.repeat_interleave(group, dim=1)   # query head i uses kv head i // group
            v = v.repeat_interleave(group, dim=1)
            scores = torch.einsum("qhd,khd->hqk", q, k) / self.head_dim ** 0.5 + mask
            a = torch.einsum("hqk,khd->qhd", kvq(torch.softmax(scores, dim=-1)), v).reshape(T, self.dim)
            x = x + self.linear(a, p + "attn_output.weight", act_quant)
            h = self.rms_norm(x, self.w[p + "ffn_norm.weight"])
            gate = torch.nn.functional.silu(self.linear(h, p + "ffn_gate.weight", act_quant))
            up = self.linear(h, p + "ffn_up.weight", act_quant)
            x = x + self.linear(gate * up, p + "ffn_down.weight", act_quant)
        x = self.rms_norm(x, self.w["output_norm.weight"])
        return self.linear(x, "token_embd.weight" if self.tied else "output.weight", act_quant)


def greedy(model, prompt, steps):
    """Greedy decoding. Returns (ids, margins, logits): logits [len(prompt)+steps-1, vocab]
    for the sequence prompt + ids[:-1]; ids[i] = argmax of row len(prompt)-1+i;
    margins[i] = top1 - top2 logit at that row."""
    seq = list(prompt)
    for _ in range(steps):
        seq.append(int(torch.argmax(model.forward(seq)[-1])))
    logits = model.forward(seq[:-1])
    tail = logits[len(prompt) - 1:]
    top2 = torch.topk(tail, 2, dim=-1).values
    ids = seq[len(prompt):]
    assert ids == torch.argmax(tail, dim=-1).tolist()  # one pass agrees with step by step
    return ids, (top2[:, 0] - top2[:, 1]).numpy(), logits.numpy()


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    m = Llama(argv[1])
    prompt = [int(t) for t in argv[2:]] or [1, 10, 20, 30]
    ids, margins, logits = greedy(m, prompt, 16)
    print(f"{argv[1]}: {m.matrix_type}, {m.n_layer} layers, dim {m.dim}, heads {m.n_head}/{m.n_head_kv}, "
          f"rope base {m.rope_base}, eps {m.eps:g}, tied={m.tied}")
    print("greedy:", ids)
    print("min margin %.4f, logits in [%.3f, %.3f]" % (margins.min(), logits.min(), logits.max()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
