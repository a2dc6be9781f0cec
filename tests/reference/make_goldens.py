#!/usr/bin/env python3
"""Computes the inference goldens in tests/golden/reference/ from the models written by
hart-reference-models, and measures the numbers behind the tolerances in README.md.

    build/tests/reference/hart-reference-models --out /tmp/hart-ref
    /usr/bin/python3 tests/reference/make_goldens.py --models /tmp/hart-ref

Needs NumPy and PyTorch (Debian: apt-get install python3-torch). Writes one golden per
model file (format in README.md) plus measurements.txt, and runs self-checks of the
references against independent formulations (torch.nn modules, Meta's complex RoPE).
Reruns give identical bytes.
"""
import argparse
import math
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dequant_reference as dq  # noqa: E402
from bert_ref import Bert  # noqa: E402
from gpt2_ref import Gpt2  # noqa: E402
from decoder_ref import Decoder  # noqa: E402
from llama_ref import Llama, greedy  # noqa: E402
from model_files import sha256_of, write_safetensors  # noqa: E402

OUT_DIR = os.path.join(HERE, "..", "golden", "reference")
FORMAT = "hart-reference-golden/1"
STEPS = 16  # greedy continuation length

# Token ids (no tokenizer involved). Prompts start with the files' BOS id (1 for Llama,
# 0 = <|endoftext|> for GPT-2); BERT's is [CLS] a [SEP] b [SEP] with token types 0 / 1.
LLAMA_PROMPT = [1, 302, 17, 455, 89, 260, 131, 7, 388, 41, 222, 509, 64, 150, 333, 96]
LLAMA_TIED_PROMPT = [1, 45, 300, 12, 181, 77, 263, 99, 5, 370, 140, 201, 33, 318, 66, 250]
GPT2_PROMPT = [0, 123, 45, 300, 7, 211, 88, 359, 16, 240, 102, 64, 333, 9, 187, 276]
BERT_TOKENS = [2, 45, 130, 7, 288, 61, 199, 102, 3, 77, 310, 14, 250, 96, 183, 3]
BERT_TYPES = [0] * 9 + [1] * 7

# Tolerances (README.md explains them; measurements.txt holds the numbers behind them).
TOL = {"F32": 1e-4, "F16": 5e-3, "Q8_0": 1e-1, "Q4_0": 1e-1}

LLAMA_FILES = [("llama_f32.gguf", LLAMA_PROMPT), ("llama_f16.gguf", LLAMA_PROMPT),
               ("llama_q8_0.gguf", LLAMA_PROMPT), ("llama_q4_0.gguf", LLAMA_PROMPT),
               ("llama_tied_f32.gguf", LLAMA_TIED_PROMPT)]


def rel_err(a, b):
    """The tolerance metric: per row (one position's logits, one token's hidden state,
    or the embedding), max |a - b| / max |b|; the worst row."""
    a, b = np.atleast_2d(np.asarray(a, np.float64)), np.atleast_2d(np.asarray(b, np.float64))
    return float((np.abs(a - b).max(-1) / np.abs(b).max(-1)).max())


# ---------------------------------------------------------------- activation rounding,
# as llama.cpp's CPU backend does before a matrix product with a weight of that type.

def q8_0_activations(x):
    """Rounds each row of x (float32 first, as ggml's activations are) through Q8_0
    blocks of 32 (quantize_row_q8_0's reference rounding), back to float64."""
    shape = x.shape
    f = x.detach().to(torch.float32).reshape(-1).numpy()
    back = dq.dq_q8_0(dq.quantize_q8_0(f)).reshape(shape)
    return torch.from_numpy(back.astype(np.float64))


def f16_round(x):
    return x.to(torch.float32).to(torch.float16).to(torch.float64)


ACT_QUANT = {"F32": None, "F16": f16_round, "Q8_0": q8_0_activations, "Q4_0": q8_0_activations}


# ---------------------------------------------------------------- goldens# The decoder families (decoder_families.cpp), all F32, with the prompt long enough
# for their windows of 6.
FAMILY_PROMPT = [1, 17, 42, 99, 150, 200, 250, 300, 7, 64, 128, 31, 5, 260, 111, 222]
FAMILY_FILES = ["qwen2_f32.gguf", "qwen3_f32.gguf", "phi3_f32.gguf", "gemma_f32.gguf", "gemma2_f32.gguf",
                "gemma3_f32.gguf", "llama3_f32.gguf", "mistral_f32.gguf"]


def header(models, rel, arch, reference, extra):
    meta = {"format": FORMAT, "architecture": arch}
    if rel.endswith("-hf"):  # a Hugging Face folder: weights and config
        meta["model"] = rel + "/model.safetensors"
        meta["model_sha256"] = sha256_of(os.path.join(models, rel, "model.safetensors"))
        meta["config"] = rel + "/config.json"
        meta["config_sha256"] = sha256_of(os.path.join(models, rel, "config.json"))
    else:
        meta["model"] = rel
        meta["model_sha256"] = sha256_of(os.path.join(models, rel))
    meta["reference"] = reference
    meta["compute"] = "float64 (weights as stored, dequantized to float32 first)"
    meta.update({k: str(v) for k, v in extra.items()})
    return meta


def golden_name(rel):
    return rel.replace(".gguf", "").replace("-hf", "_hf") + ".golden.safetensors"


def write_causal_golden(models, rel, arch, model, prompt, wtype, reference):
    ids, margins, logits = greedy(model, prompt, STEPS)
    meta = header(models, rel, arch, reference,
                  {"weights_type": wtype, "tolerance": TOL[wtype], "tolerance_float_activations": TOL["F32"],
                   "prompt_length": len(prompt),
                   "greedy_steps": STEPS, "vocab": logits.shape[1]})
    path = os.path.join(OUT_DIR, golden_name(rel))
    write_safetensors(path, [("tokens", np.array(prompt, np.int32)),
                             ("greedy", np.array(ids, np.int32)),
                             ("greedy_margin", margins.astype(np.float32)),
                             ("logits", logits.astype(np.float32))], meta)
    return ids, logits


def write_bert_golden(models, rel, model):
    hidden, emb = model.forward(BERT_TOKENS, BERT_TYPES)
    meta = header(models, rel, "bert", "tests/reference/bert_ref.py",
                  {"weights_type": "F32", "tolerance": TOL["F32"], "pooling": "mean, then L2-normalised"})
    write_safetensors(os.path.join(OUT_DIR, golden_name(rel)),
                      [("tokens", np.array(BERT_TOKENS, np.int32)), ("token_types", np.array(BERT_TYPES, np.int32)),
                       ("hidden", hidden.numpy().astype(np.float32)), ("embedding", emb.numpy().astype(np.float32))],
                      meta)
    return hidden.numpy(), emb.numpy()


# ---------------------------------------------------------------- self-checks

def check_rope_against_complex(model):
    """Meta's llama reference applies RoPE as a complex multiplication of adjacent pairs;
    llama.cpp's NORM mode is the same rotation. Compare."""
    T, x = 7, torch.randn(7, model.n_head, model.head_dim, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    pos = torch.arange(T)
    freqs = 1.0 / (model.rope_base ** (torch.arange(0, model.head_dim, 2, dtype=torch.float64) / model.head_dim))
    cis = torch.polar(torch.ones(T, model.head_dim // 2, dtype=torch.float64), torch.outer(pos.double(), freqs))
    xc = torch.view_as_complex(x.reshape(T, model.n_head, -1, 2))
    meta = torch.view_as_real(xc * cis[:, None, :]).reshape(x.shape)
    return float((meta - model.rope(x, pos)).abs().max())


def check_bert_against_torch(model):
    """BERT's encoder is torch.nn.TransformerEncoderLayer (post-LN, erf GELU)."""
    T = len(BERT_TOKENS)
    w = model.w
    x = (w["token_embd.weight"][torch.tensor(BERT_TOKENS)] + w["position_embd.weight"][:T]
         + w["token_types.weight"][torch.tensor(BERT_TYPES)])
    x = torch.nn.functional.layer_norm(x, (model.dim,), w["token_embd_norm.weight"], w["token_embd_norm.bias"], model.eps)
    for l in range(model.n_layer):
        p = f"blk.{l}."
        layer = torch.nn.TransformerEncoderLayer(model.dim, model.n_head, w[p + "ffn_up.weight"].shape[0], dropout=0.0,
                                                 activation="gelu", layer_norm_eps=model.eps, batch_first=True,
                                                 dtype=torch.float64).eval()
        with torch.no_grad():
            layer.self_attn.in_proj_weight.copy_(torch.cat([w[p + n + ".weight"] for n in ("attn_q", "attn_k", "attn_v")]))
            layer.self_attn.in_proj_bias.copy_(torch.cat([w[p + n + ".bias"] for n in ("attn_q", "attn_k", "attn_v")]))
            for mod, name in [(layer.self_attn.out_proj, "attn_output"), (layer.linear1, "ffn_up"),
                              (layer.linear2, "ffn_down"), (layer.norm1, "attn_output_norm"),
                              (layer.norm2, "layer_output_norm")]:
                mod.weight.copy_(w[p + name + ".weight"])
                mod.bias.copy_(w[p + name + ".bias"])
            x = layer(x[None])[0]
    hidden, _ = model.forward(BERT_TOKENS, BERT_TYPES)
    return float((hidden - x).abs().max())


def check_gpt2_against_torch(model, prompt):
    """GPT-2's attention is torch.nn.MultiheadAttention with a causal mask."""
    T, D = len(prompt), model.dim
    w = model.w
    x = w["wte"][torch.tensor(prompt)] + w["wpe"][:T]
    ln = lambda x, n: torch.nn.functional.layer_norm(x, (D,), w[n + ".w"], w[n + ".b"], model.eps)  # noqa: E731
    mask = torch.ones(T, T, dtype=torch.bool).triu(1)
    for l in range(model.n_layer):
        mha = torch.nn.MultiheadAttention(D, model.n_head, batch_first=True, dtype=torch.float64).eval()
        with torch.no_grad():
            mha.in_proj_weight.copy_(w[f"{l}.attn.w"])
            mha.in_proj_bias.copy_(w[f"{l}.attn.b"])
            mha.out_proj.weight.copy_(w[f"{l}.proj.w"])
            mha.out_proj.bias.copy_(w[f"{l}.proj.b"])
            h = ln(x, f"{l}.ln_1")[None]
            x = x + mha(h, h, h, attn_mask=mask, need_weights=False)[0][0]
        h = torch.nn.functional.gelu(ln(x, f"{l}.ln_2") @ w[f"{l}.fc.w"].T + w[f"{l}.fc.b"], approximate="tanh")
        x = x + h @ w[f"{l}.mlp_proj.w"].T + w[f"{l}.mlp_proj.b"]
    logits = ln(x, "ln_f") @ w["out"].T
    return float((logits - model.forward(prompt)).abs().max())


# ---------------------------------------------------------------- measurements

def extra_prompts(vocab, n, length, seed):
    rng = np.random.default_rng(seed)
    return [[1] + [int(t) for t in rng.integers(3, vocab, length - 1)] for _ in range(n)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", required=True, help="the folder hart-reference-models wrote")
    ap.add_argument("--extra-prompts", type=int, default=40, help="random prompts for the tolerance measurements")
    args = ap.parse_args()
    torch.set_num_threads(1)  # deterministic summation order
    os.makedirs(OUT_DIR, exist_ok=True)
    report = []
    say = lambda s="": (print(s), report.append(s))  # noqa: E731

    say("# Measurements behind the tolerances in tests/reference/README.md")
    say("# (written by make_goldens.py; metric: per row max|a-b| / max|b|, worst row)")
    say()
    # ---- Llama goldens
    lm = {}
    for rel, prompt in LLAMA_FILES:
        m = Llama(os.path.join(args.models, rel))
        lm[rel] = (m, prompt)
        ids, logits = write_causal_golden(args.models, rel, "llama", m, prompt, m.matrix_type, "tests/reference/llama_ref.py")
        say(f"golden {golden_name(rel)}: greedy {ids}")
    # ---- decoder-family goldens
    for rel in FAMILY_FILES:
        m = Decoder(os.path.join(args.models, rel))
        ids, _ = write_causal_golden(args.models, rel, m.arch, m, FAMILY_PROMPT, "F32", "tests/reference/decoder_ref.py")
        say(f"golden {golden_name(rel)}: greedy {ids}")
    # ---- GPT-2 goldens
    g_gguf, g_hf = Gpt2(os.path.join(args.models, "gpt2_f32.gguf")), Gpt2(os.path.join(args.models, "gpt2-hf"))
    _, lg1 = write_causal_golden(args.models, "gpt2_f32.gguf", "gpt2", g_gguf, GPT2_PROMPT, "F32", "tests/reference/gpt2_ref.py")
    ids, lg2 = write_causal_golden(args.models, "gpt2-hf", "gpt2", g_hf, GPT2_PROMPT, "F32", "tests/reference/gpt2_ref.py")
    say(f"golden gpt2 (gguf and hf): greedy {ids}")
    # ---- BERT goldens
    b_gguf, b_hf = Bert(os.path.join(args.models, "bert_f32.gguf")), Bert(os.path.join(args.models, "bert-hf"))
    h1, e1 = write_bert_golden(args.models, "bert_f32.gguf", b_gguf)
    h2, e2 = write_bert_golden(args.models, "bert-hf", b_hf)
    say()

    say("## Self-checks (float64; should be ~1e-15)")
    say(f"llama RoPE vs Meta's complex formulation:       {check_rope_against_complex(lm['llama_f32.gguf'][0]):.2e}")
    say(f"llama_tied RoPE (base 500000, 8 heads):         {check_rope_against_complex(lm['llama_tied_f32.gguf'][0]):.2e}")
    say(f"bert hidden vs torch.nn.TransformerEncoderLayer: {check_bert_against_torch(b_gguf):.2e}")
    say(f"gpt2 logits vs torch.nn.MultiheadAttention:     {check_gpt2_against_torch(g_gguf, GPT2_PROMPT):.2e}")
    say(f"gpt2 GGUF vs HF safetensors logits:             {np.abs(lg1 - lg2).max():.2e}")
    say(f"bert GGUF vs HF hidden / embedding:             {np.abs(h1 - h2).max():.2e} / {np.abs(e1 - e2).max():.2e}")
    say()

    # ---- float32 arithmetic vs the float64 golden (what an exact float32 engine gets)
    say("## float32 forward pass (PyTorch) vs the float64 golden")
    for rel, prompt in LLAMA_FILES:
        m64, _ = lm[rel]
        m32 = Llama(os.path.join(args.models, rel), dtype=torch.float32)
        ids, _, ref = greedy(m64, prompt, STEPS)
        seq = prompt + ids[:-1]
        say(f"{rel:24s} {rel_err(m32.forward(seq).numpy(), ref):.2e}")
    g32 = Gpt2(os.path.join(args.models, "gpt2_f32.gguf"), dtype=torch.float32)
    say(f"{'gpt2_f32.gguf':24s} {rel_err(g32.forward(GPT2_PROMPT).numpy(), g_gguf.forward(GPT2_PROMPT).numpy()):.2e}")
    b32 = Bert(os.path.join(args.models, "bert_f32.gguf"), dtype=torch.float32)
    h32, e32 = b32.forward(BERT_TOKENS, BERT_TYPES)
    say(f"{'bert_f32.gguf':24s} hidden {rel_err(h32.numpy(), h1):.2e}  embedding {rel_err(e32.numpy(), e1):.2e}")
    say()

    # ---- BERT: ggml_gelu is the tanh approximation; HF BERT uses erf
    ht, et = b_gguf.forward(BERT_TOKENS, BERT_TYPES, gelu=Gpt2.gelu_tanh)
    say("## bert with tanh-approximated GELU (what ggml_gelu computes) vs erf GELU golden")
    say(f"hidden {rel_err(ht.numpy(), h1):.2e}  embedding {rel_err(et.numpy(), e1):.2e}")
    say()

    # ---- llama.cpp-style activation rounding vs the float-activation goldens
    say("## Activations rounded as llama.cpp's CPU backend does (Q8_0 for Q8_0/Q4_0 weights, F16")
    say("## for F16 weights), weights identical, vs float activations. Golden prompt + "
        f"{args.extra_prompts} random prompts, {len(LLAMA_PROMPT) + STEPS - 1} tokens each.")
    say(f"{'file':24s} {'worst':>9s} {'median':>9s} {'+f16 KV':>9s}  tolerance")
    worst_by_type = {}
    for rel, prompt in LLAMA_FILES[:4]:
        m, _ = lm[rel]
        aq = ACT_QUANT[m.matrix_type]
        ids, _, _ = greedy(m, prompt, STEPS)
        seqs = [prompt + ids[:-1]] + extra_prompts(m.vocab, args.extra_prompts, len(prompt) + STEPS - 1, 99)
        errs, errs_kv = [], []
        for s in seqs:
            ref = m.forward(s).numpy()
            errs.append(rel_err(m.forward(s, act_quant=aq).numpy(), ref))
            errs_kv.append(rel_err(m.forward(s, act_quant=aq, kv_quant=f16_round).numpy(), ref))
        worst_by_type[m.matrix_type] = max(errs)
        say(f"{rel:24s} {max(errs):9.2e} {np.median(errs):9.2e} {max(errs_kv):9.2e}  {TOL[m.matrix_type]:g}")
    say()

    # ---- information: how far each quantized golden is from the F32 one
    say("## Quantized file goldens vs the F32 file golden (weight quantization error; NOT a")
    say("## tolerance: each file is compared with its own golden)")
    ref_ids, _, ref = greedy(lm["llama_f32.gguf"][0], LLAMA_PROMPT, STEPS)
    for rel, _ in LLAMA_FILES[1:4]:
        m, _ = lm[rel]
        say(f"{rel:24s} {rel_err(m.forward(LLAMA_PROMPT + ref_ids[:-1]).numpy(), ref):.2e}")

    with open(os.path.join(OUT_DIR, "measurements.txt"), "w") as f:
        f.write("\n".join(report) + "\n")
    for t, w in worst_by_type.items():
        if w > TOL[t] / 2:
            print(f"WARNING: {t}: measured {w:.2e} leaves less than a factor 2 below the tolerance {TOL[t]:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
