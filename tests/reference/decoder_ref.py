#!/usr/bin/env python3
"""Reference forward pass for the decoder families beyond Llama (qwen2, qwen3, phi3,
gemma, gemma2, gemma3, and Llama files with RoPE frequency factors or a sliding
window), on the GGUF layout as llama.cpp runs each architecture (src/models/<arch>.cpp).
Plain PyTorch, float64 throughout.

    /usr/bin/python3 tests/reference/decoder_ref.py MODEL.gguf [token ids ...]

prints the greedy continuation. make_goldens.py imports it.

    x = token_embd[tokens] (* sqrt(dim) for the Gemmas)
    per layer:
        h = rms_norm(x) * attn_norm
        q, k, v = h @ W^T (+ b)           # attn_q/k/v, or attn_qkv split [q | k | v] (phi3)
        q, k = rms_norm per head * attn_q_norm / attn_k_norm     (qwen3, gemma3)
        q, k = rope(q), rope(k)           # NORM (llama) or NEOX pairs; see rope()
        s = q k^T * scale                 # 1/sqrt(head width); Gemma 27B: 1/sqrt(dim/heads)
        s = cap * tanh(s / cap)           # gemma2 attn_logit_softcapping
        mask: causal, and for sliding layers key positions > query - window
        a = softmax(s) v, per query head i with KV head i // (heads / kv heads)
        o = a @ attn_output^T; o = rms_norm(o) * post_attention_norm (gemma2/3)
        x = x + o
        h = rms_norm(x) * ffn_norm
        g, u = h @ ffn_gate^T, h @ ffn_up^T, or the two halves of h @ ffn_up^T (phi3)
        f = (silu(g) or gelu_tanh(g)) * u @ ffn_down^T; f = rms_norm(f) * post_ffw_norm
        x = x + f
    logits = rms_norm(x) * output_norm @ output^T (+ output bias); cap * tanh(logits / cap)

RoPE is ggml's rope_ext: theta_i = pos * base^(-2i/n_rot) / factor_i, linear scaling
multiplies by freq_scale = 1 / scaling.factor, YaRN blends interpolated and
extrapolated angles by ggml's ramp and scales cos/sin by its mscale.
"""
import math
import sys

import torch

from model_files import read_gguf

F64 = torch.float64

# What the metadata does not say, per architecture (llama.cpp's model code).
NEOX = {"qwen2", "qwen3", "phi3", "gemma", "gemma2", "gemma3"}
GELU = {"gemma", "gemma2", "gemma3"}
WIDE_ATTENTION_LAYERS = {"gemma2": 46, "gemma3": 62}


class Decoder:
    def __init__(self, path):
        meta, w, types = read_gguf(path)
        self.arch = a = meta["general.architecture"]
        g = lambda k, d=None: meta.get(f"{a}.{k}", d)  # noqa: E731
        self.n_layer = g("block_count")
        self.dim = g("embedding_length")
        self.n_head = g("attention.head_count")
        self.n_head_kv = g("attention.head_count_kv")
        self.head_dim = g("attention.key_length", self.dim // self.n_head)
        self.n_rot = g("rope.dimension_count", self.head_dim)
        self.n_ctx = g("context_length")
        self.eps = float(g("attention.layer_norm_rms_epsilon"))
        self.w = {k: torch.from_numpy(v).to(F64) for k, v in w.items()}
        self.matrix_type = types["token_embd.weight"]
        self.vocab = self.w["token_embd.weight"].shape[0]
        self.embed_scale = math.sqrt(float(self.dim)) if a in GELU else 1.0
        width = self.dim // self.n_head if self.n_layer == WIDE_ATTENTION_LAYERS.get(a) else self.head_dim
        self.scale = 1.0 / math.sqrt(width)
        self.attn_cap = float(g("attn_logit_softcapping", 0.0)) if a == "gemma2" else 0.0
        self.final_cap = float(g("final_logit_softcapping", 0.0))
        # Sliding windows: gemma2 always (default 4096, every other layer), gemma3 and
        # llama when the metadata has a window; period p: layer l slides if l % p < p - 1.
        window = g("attention.sliding_window", 4096 if a == "gemma2" else 0) if a in ("gemma2", "gemma3", "llama") else 0
        period = g("attention.sliding_window_pattern", {"gemma2": 2, "gemma3": 6}.get(a, 0))
        self.window = window
        self.sliding = [bool(window) and (period == 0 or l % period < period - 1) for l in range(self.n_layer)]
        # RoPE, for global and sliding layers.
        base = float(g("rope.freq_base", 10000.0))
        factor = float(g("rope.scaling.factor", 0.0) or g("rope.scale_linear", 0.0) or 0.0)
        kind = g("rope.scaling.type", "")
        freq_scale = 1.0 / factor if factor > 0 and kind != "none" else 1.0
        self.rope_global = dict(base=base, freq_scale=freq_scale, yarn=(kind == "yarn"),
                                attn_factor=float(g("rope.scaling.attn_factor", 1.0)),
                                n_ctx_orig=g("rope.scaling.original_context_length", self.n_ctx))
        if a == "gemma3":
            self.rope_sliding = dict(base=float(g("rope.freq_base_swa", 10000.0)), freq_scale=1.0, yarn=False,
                                     attn_factor=1.0, n_ctx_orig=self.n_ctx)
        else:
            self.rope_sliding = self.rope_global
        self.factors = self.w.get("rope_freqs.weight")
        if self.factors is None:  # Phi-3: long factors past the original context
            long = self.n_ctx > self.rope_global["n_ctx_orig"]
            self.factors = self.w.get("rope_factors_long.weight" if long else "rope_factors_short.weight")

    def rms_norm(self, x, weight):
        return x / torch.sqrt((x * x).mean(-1, keepdim=True) + self.eps) * weight

    def rope(self, x, pos, r):
        """x: [T, heads, head_dim]; ggml_rope_ext on the first n_rot dims."""
        half = self.n_rot // 2
        i = torch.arange(half, dtype=F64)
        extrap = pos[:, None].to(F64) * r["base"] ** (-2 * i / self.n_rot)
        if self.factors is not None:
            extrap = extrap / self.factors
        theta = r["freq_scale"] * extrap
        mscale = r["attn_factor"]
        if r["yarn"]:  # ggml_rope_yarn_corr_dims, rope_yarn_ramp, and llama.cpp's attention factor
            corr = lambda beta: self.n_rot * math.log(r["n_ctx_orig"] / (beta * 2 * math.pi)) / (2 * math.log(r["base"]))  # noqa: E731
            low, high = max(0.0, math.floor(corr(32.0))), min(self.n_rot - 1.0, math.ceil(corr(1.0)))
            ramp = 1 - torch.clamp((i - low) / max(0.001, high - low), 0, 1)
            theta = theta * (1 - ramp) + extrap * ramp
            f = 1 / r["freq_scale"]
            mscale *= (0.1 * math.log(f) + 1.0) if f > 1 else 1.0
        cos, sin = (torch.cos(theta) * mscale)[:, None, :], (torch.sin(theta) * mscale)[:, None, :]
        out = x.clone()
        if self.arch in NEOX:
            x0, x1 = x[..., :half], x[..., half:2 * half]
            out[..., :half], out[..., half:2 * half] = x0 * cos - x1 * sin, x0 * sin + x1 * cos
        else:
            x0, x1 = x[..., 0:2 * half:2], x[..., 1:2 * half:2]
            out[..., 0:2 * half:2], out[..., 1:2 * half:2] = x0 * cos - x1 * sin, x0 * sin + x1 * cos
        return out

    def linear(self, x, prefix):
        y = x @ self.w[prefix + ".weight"].T
        bias = self.w.get(prefix + ".bias")
        return y if bias is None else y + bias

    def forward(self, tokens):
        T, hd = len(tokens), self.head_dim
        pos = torch.arange(T)
        x = self.w["token_embd.weight"][torch.tensor(tokens)] * self.embed_scale
        q_dim, kv_dim = self.n_head * hd, self.n_head_kv * hd
        group = self.n_head // self.n_head_kv
        for l in range(self.n_layer):
            p = f"blk.{l}."
            h = self.rms_norm(x, self.w[p + "attn_norm.weight"])
            if p + "attn_qkv.weight" in self.w:
                qkv = self.linear(h, p + "attn_qkv")
                q, k, v = qkv[:, :q_dim], qkv[:, q_dim:q_dim + kv_dim], qkv[:, q_dim + kv_dim:]
            else:
                q, k, v = self.linear(h, p + "attn_q"), self.linear(h, p + "attn_k"), self.linear(h, p + "attn_v")
            q, k, v = q.reshape(T, self.n_head, hd), k.reshape(T, self.n_head_kv, hd), v.reshape(T, self.n_head_kv, hd)
            if p + "attn_q_norm.weight" in self.w:
                q = self.rms_norm(q, self.w[p + "attn_q_norm.weight"])
                k = self.rms_norm(k, self.w[p + "attn_k_norm.weight"])
            r = self.rope_sliding if self.sliding[l] else self.rope_global
            q, k = self.rope(q, pos, r), self.rope(k, pos, r)
            k, v = k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1)
            s = torch.einsum("qhd,khd->hqk", q, k) * self.scale
            if self.attn_cap:
                s = self.attn_cap * torch.tanh(s / self.attn_cap)
            qi, ki = pos[:, None], pos[None, :]
            allowed = ki <= qi
            if self.sliding[l]:
                allowed = allowed & (qi - ki < self.window)
            s = s.masked_fill(~allowed, float("-inf"))
            a = torch.einsum("hqk,khd->qhd", torch.softmax(s, dim=-1), v).reshape(T, q_dim)
            o = self.linear(a, p + "attn_output")
            if p + "post_attention_norm.weight" in self.w:
                o = self.rms_norm(o, self.w[p + "post_attention_norm.weight"])
            x = x + o
            h = self.rms_norm(x, self.w[p + "ffn_norm.weight"])
            if p + "ffn_gate.weight" in self.w:
                gate, up = self.linear(h, p + "ffn_gate"), self.linear(h, p + "ffn_up")
            else:
                gate, up = self.linear(h, p + "ffn_up").chunk(2, dim=-1)
            act = torch.nn.functional.gelu(gate, approximate="tanh") if self.arch in GELU else torch.nn.functional.silu(gate)
            f = self.linear(act * up, p + "ffn_down")
            if p + "post_ffw_norm.weight" in self.w:
                f = self.rms_norm(f, self.w[p + "post_ffw_norm.weight"])
            x = x + f
        x = self.rms_norm(x, self.w["output_norm.weight"])
        logits = self.linear(x, "output") if "output.weight" in self.w else x @ self.w["token_embd.weight"].T
        if self.final_cap:
            logits = self.final_cap * torch.tanh(logits / self.final_cap)
        return logits


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    from llama_ref import greedy
    m = Decoder(argv[1])
    prompt = [int(t) for t in argv[2:]] or [1, 10, 20, 30]
    ids, margins, logits = greedy(m, prompt, 16)
    print(f"{argv[1]}: {m.arch}, {m.n_layer} layers, dim {m.dim}, heads {m.n_head}/{m.n_head_kv} of {m.head_dim}, "
          f"sliding {m.sliding} (window {m.window})")
    print("greedy:", ids)
    print("min margin %.4f, logits in [%.3f, %.3f]" % (margins.min(), logits.min(), logits.max()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
