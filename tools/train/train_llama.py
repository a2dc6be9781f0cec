#!/usr/bin/python3
"""Trains the project's own small Llama-architecture model on CPU (Debian's python3-torch).

    /usr/bin/python3 tools/train/train_llama.py --hart build/src/hart \
        --extension build/src/hartonomous.so \
        --tokenizer ../shared/data/stories260K/stories260K.gguf \
        --text ../shared/data/tinyshakespeare/input.txt --out /tmp/train --minutes 100

Steps, each visible in --out:
  1. Tokenize the text once with the tokenizer of a stored model (the database's own
     tokenize() through the loadable extension, so training sees exactly the ids the
     engine produces). The last --holdout fraction of the tokens is never trained on.
  2. Train a Llama (RMSNorm, RoPE on adjacent pairs as GGUF's "llama" expects, GQA,
     SwiGLU, untied output) with AdamW, warm-up then cosine decay, until --minutes.
     Every --eval-every steps the held-out loss is measured; the best weights are kept.
  3. Write the best weights under llama.cpp's tensor names to weights.safetensors and
     the hyperparameters to config.json; tools/train/pack_gguf.cpp turns them into
     the GGUF (the project's own writer, the tokenizer's metadata copied).
  4. log.csv (step, tokens, train loss, held-out loss, lr, seconds) and loss.svg.

Held-out perplexity is reported the way llama-perplexity computes it: windows of
--ctx tokens, BOS first, only the second half of each window scored.
"""
import argparse
import hashlib
import json
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "reference"))
import model_files  # noqa: E402  (the project's tiny safetensors writer)


# ---------------------------------------------------------------- data

def tokenize(hart, extension, tokenizer_gguf, text):
    """Ids of `text` (BOS first) from the stored tokenizer, through SQL tokenize()."""
    with tempfile.TemporaryDirectory() as tmp:
        db_path = os.path.join(tmp, "tok.db")
        subprocess.run([hart, "init", db_path], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([hart, "ingest", db_path, tokenizer_gguf], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        db = sqlite3.connect(db_path)
        db.enable_load_extension(True)
        db.load_extension(os.path.abspath(extension))
        name = db.execute("SELECT name FROM models").fetchone()[0]
        ids = json.loads(db.execute("SELECT tokenize(?, ?)", (name, text)).fetchone()[0])
        db.close()
        return name, ids


# ---------------------------------------------------------------- model

class Config:
    def __init__(self, **kw):
        self.vocab, self.dim, self.n_layer, self.n_head, self.n_kv = 512, 192, 8, 6, 2
        self.ffn, self.ctx, self.rope_base, self.eps = 512, 256, 10000.0, 1e-5
        self.__dict__.update(kw)
        self.head_dim = self.dim // self.n_head


def rope_tables(cfg):
    inv = cfg.rope_base ** (-torch.arange(0, cfg.head_dim, 2, dtype=torch.float64) / cfg.head_dim)
    ang = torch.arange(cfg.ctx, dtype=torch.float64)[:, None] * inv[None, :]
    return torch.cos(ang).float(), torch.sin(ang).float()


def rope(x, cos, sin):
    # x: [B, T, H, D]; pairs (x[2i], x[2i+1]) rotate together: GGUF "llama" (NORM mode).
    T = x.shape[1]
    a, b = x[..., 0::2], x[..., 1::2]
    c, s = cos[:T][None, :, None, :], sin[:T][None, :, None, :]
    return torch.stack((a * c - b * s, a * s + b * c), dim=-1).flatten(-2)


class RMSNorm(torch.nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps, self.weight = eps, torch.nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class Block(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        hd = cfg.head_dim
        self.attn_norm, self.ffn_norm = RMSNorm(cfg.dim, cfg.eps), RMSNorm(cfg.dim, cfg.eps)
        self.wq = torch.nn.Linear(cfg.dim, cfg.n_head * hd, bias=False)
        self.wk = torch.nn.Linear(cfg.dim, cfg.n_kv * hd, bias=False)
        self.wv = torch.nn.Linear(cfg.dim, cfg.n_kv * hd, bias=False)
        self.wo = torch.nn.Linear(cfg.n_head * hd, cfg.dim, bias=False)
        self.gate = torch.nn.Linear(cfg.dim, cfg.ffn, bias=False)
        self.up = torch.nn.Linear(cfg.dim, cfg.ffn, bias=False)
        self.down = torch.nn.Linear(cfg.ffn, cfg.dim, bias=False)

    def forward(self, x, cos, sin, dropout):
        cfg, (B, T, _) = self.cfg, x.shape
        h = self.attn_norm(x)
        q = rope(self.wq(h).view(B, T, cfg.n_head, cfg.head_dim), cos, sin)
        k = rope(self.wk(h).view(B, T, cfg.n_kv, cfg.head_dim), cos, sin)
        v = self.wv(h).view(B, T, cfg.n_kv, cfg.head_dim)
        rep = cfg.n_head // cfg.n_kv  # query head j reads KV head j // rep
        k = k.repeat_interleave(rep, dim=2)
        v = v.repeat_interleave(rep, dim=2)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(cfg.head_dim)
        mask = torch.ones(T, T, dtype=torch.bool).triu(1)
        att = F.softmax(att.masked_fill(mask, float("-inf")), dim=-1)
        y = (F.dropout(att, dropout, self.training) @ v).transpose(1, 2).reshape(B, T, -1)
        x = x + F.dropout(self.wo(y), dropout, self.training)
        h = self.ffn_norm(x)
        return x + F.dropout(self.down(F.silu(self.gate(h)) * self.up(h)), dropout, self.training)


class Llama(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embed = torch.nn.Embedding(cfg.vocab, cfg.dim)
        self.blocks = torch.nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.norm = RMSNorm(cfg.dim, cfg.eps)
        self.output = torch.nn.Linear(cfg.dim, cfg.vocab, bias=False)
        cos, sin = rope_tables(cfg)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        for name, p in self.named_parameters():
            if p.dim() == 2:
                # GPT-2's scaled init for the projections back into the residual stream.
                std = 0.02 / math.sqrt(2 * cfg.n_layer) if name.endswith(("wo.weight", "down.weight")) else 0.02
                torch.nn.init.normal_(p, 0.0, std)

    def forward(self, idx, dropout=0.0):
        x = F.dropout(self.embed(idx), dropout, self.training)
        for b in self.blocks:
            x = b(x, self.cos, self.sin, dropout)
        return self.output(self.norm(x))

    def gguf_tensors(self):
        """(name, float32 array) under llama.cpp's names, in llama.cpp's file order."""
        out = [("token_embd.weight", self.embed.weight)]
        for i, b in enumerate(self.blocks):
            p = f"blk.{i}."
            out += [(p + "attn_norm.weight", b.attn_norm.weight), (p + "attn_q.weight", b.wq.weight),
                    (p + "attn_k.weight", b.wk.weight), (p + "attn_v.weight", b.wv.weight),
                    (p + "attn_output.weight", b.wo.weight), (p + "ffn_norm.weight", b.ffn_norm.weight),
                    (p + "ffn_gate.weight", b.gate.weight), (p + "ffn_up.weight", b.up.weight),
                    (p + "ffn_down.weight", b.down.weight)]
        out += [("output_norm.weight", self.norm.weight), ("output.weight", self.output.weight)]
        return [(n, t.detach().float().contiguous().numpy()) for n, t in out]


# ---------------------------------------------------------------- evaluation

@torch.no_grad()
def perplexity(model, ids, ctx, bos):
    """llama-perplexity's figure: windows of ctx tokens (the first replaced by BOS),
    logits of the second half scored against the next token."""
    model.eval()
    nll, count = 0.0, 0
    for start in range(0, len(ids) - ctx + 1, ctx):
        window = torch.tensor([bos] + ids[start + 1:start + ctx])[None, :]
        logp = F.log_softmax(model(window)[0].double(), dim=-1)
        first = ctx // 2
        targets = torch.tensor(ids[start + first + 1:start + ctx])
        nll -= logp[first:ctx - 1].gather(1, targets[:, None]).sum().item()
        count += len(targets)
    model.train()
    return math.exp(nll / count), count


@torch.no_grad()
def heldout_loss(model, data, ctx, batches):
    model.eval()
    total = 0.0
    step = max(1, (len(data) - ctx - 1) // batches)
    starts = list(range(0, len(data) - ctx - 1, step))[:batches]
    x = torch.stack([data[s:s + ctx] for s in starts])
    y = torch.stack([data[s + 1:s + ctx + 1] for s in starts])
    total = F.cross_entropy(model(x).view(-1, model.cfg.vocab), y.reshape(-1)).item()
    model.train()
    return total


def write_svg(path, rows):
    """A plain line chart of train and held-out loss against tokens seen."""
    w, h, pad = 640, 360, 48
    xs = [r["tokens"] for r in rows]
    ys = [v for r in rows for v in (r["train_loss"], r["heldout_loss"]) if v is not None]
    x0, x1, y0, y1 = 0, max(xs), min(ys), max(ys)

    def pt(x, y):
        return (pad + (x - x0) / max(x1 - x0, 1) * (w - 2 * pad),
                h - pad - (y - y0) / max(y1 - y0, 1e-9) * (h - 2 * pad))

    def line(key, colour):
        pts = " ".join("%.1f,%.1f" % pt(r["tokens"], r[key]) for r in rows if r[key] is not None)
        return f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{pts}"/>'

    with open(path, "w") as f:
        f.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">\n'
                f'<rect width="{w}" height="{h}" fill="white"/>\n'
                f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="black"/>\n'
                f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="black"/>\n'
                f'<text x="{pad}" y="{pad - 8}">loss (nats/token): {y1:.2f} top, {y0:.2f} bottom</text>\n'
                f'<text x="{w - pad}" y="{h - pad + 32}" text-anchor="end">tokens seen: {x1:,}</text>\n'
                f'{line("train_loss", "#1f77b4")}\n{line("heldout_loss", "#d62728")}\n'
                f'<text x="{w - pad}" y="{pad}" text-anchor="end" fill="#1f77b4">train</text>\n'
                f'<text x="{w - pad}" y="{pad + 16}" text-anchor="end" fill="#d62728">held out</text>\n</svg>\n')


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hart", required=True)
    ap.add_argument("--extension", required=True)
    ap.add_argument("--tokenizer", required=True, help="a GGUF whose tokenizer the model uses")
    ap.add_argument("--text", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--holdout", type=float, default=0.1)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--min-lr", type=float, default=1e-4)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--config", default="{}", help='JSON overriding the shape, e.g. {"n_layer": 6}')
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)

    with open(a.text, encoding="utf-8") as f:
        text = f.read()
    # Tokenizing takes a minute; the ids are kept beside the outputs for a rerun.
    cache = os.path.join(a.out, "tokens.json")
    digest = hashlib.sha256(text.encode()).hexdigest()
    cached = json.load(open(cache)) if os.path.exists(cache) else {}
    if cached.get("text_sha256") == digest and cached.get("tokenizer_gguf") == os.path.abspath(a.tokenizer):
        tok_name, ids = cached["tokenizer"], cached["ids"]
    else:
        tok_name, ids = tokenize(a.hart, a.extension, a.tokenizer, text)
        with open(cache, "w") as f:
            json.dump({"text_sha256": digest, "tokenizer_gguf": os.path.abspath(a.tokenizer), "tokenizer": tok_name,
                       "ids": ids}, f)
    bos = ids[0]
    split = int(len(ids) * (1 - a.holdout))
    train, held = torch.tensor(ids[:split]), torch.tensor(ids[split:])
    cfg = Config(**json.loads(a.config))
    model = Llama(cfg)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"text: {len(text):,} chars -> {len(ids):,} tokens ({tok_name}); train {split:,}, held out {len(ids) - split:,}")
    print(f"model: {n_params:,} parameters; {json.dumps(cfg.__dict__)}", flush=True)

    decay = [p for p in model.parameters() if p.dim() == 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.95))
    gen = torch.Generator().manual_seed(a.seed)
    budget, t0 = a.minutes * 60, time.time()
    rows, best, best_state, step, tokens, running = [], float("inf"), None, 0, 0, None
    log = open(os.path.join(a.out, "log.csv"), "w")
    log.write("step,tokens,train_loss,heldout_loss,lr,seconds\n")
    # The schedule is laid out over the time budget: progress = elapsed / budget.
    while True:
        elapsed = time.time() - t0
        progress = min(1.0, elapsed / budget)
        lr = a.lr * min(1.0, (step + 1) / a.warmup)
        if step >= a.warmup:
            lr = a.min_lr + 0.5 * (a.lr - a.min_lr) * (1 + math.cos(math.pi * progress))
        for g in opt.param_groups:
            g["lr"] = lr
        starts = torch.randint(0, len(train) - cfg.ctx - 1, (a.batch,), generator=gen)
        x = torch.stack([train[s:s + cfg.ctx] for s in starts])
        y = torch.stack([train[s + 1:s + cfg.ctx + 1] for s in starts])
        loss = F.cross_entropy(model(x, a.dropout).view(-1, cfg.vocab), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        tokens += a.batch * cfg.ctx
        running = loss.item() if running is None else 0.95 * running + 0.05 * loss.item()
        done = elapsed >= budget
        if step % a.eval_every == 0 or done:
            held_loss = heldout_loss(model, held, cfg.ctx, 32)
            row = {"step": step, "tokens": tokens, "train_loss": running, "heldout_loss": held_loss, "lr": lr,
                   "seconds": round(time.time() - t0, 1)}
            rows.append(row)
            log.write("%d,%d,%.4f,%.4f,%.6f,%.1f\n" % (step, tokens, running, held_loss, lr, row["seconds"]))
            log.flush()
            print("step %d tokens %d train %.4f held-out %.4f lr %.2e %.0fs" % (step, tokens, running, held_loss, lr,
                                                                               row["seconds"]), flush=True)
            if held_loss < best:
                best, best_step = held_loss, step
                best_state = {k: v.clone() for k, v in model.state_dict().items()}
        if done:
            break
    log.close()
    model.load_state_dict(best_state)
    ppl, scored = perplexity(model, ids[split:], cfg.ctx, bos)
    print(f"best held-out loss {best:.4f} at step {best_step}; held-out perplexity {ppl:.4f} over {scored:,} tokens "
          f"(windows of {cfg.ctx}, second halves)")
    write_svg(os.path.join(a.out, "loss.svg"), rows)
    model_files.write_safetensors(os.path.join(a.out, "weights.safetensors"), model.gguf_tensors(), {})
    summary = dict(cfg.__dict__, parameters=n_params, tokenizer=tok_name, text=os.path.basename(a.text),
                   text_tokens=len(ids), train_tokens=split, heldout_tokens=len(ids) - split, steps=step,
                   tokens_seen=tokens, best_step=best_step, best_heldout_loss=round(best, 4),
                   heldout_perplexity=round(ppl, 4), heldout_scored_tokens=scored, minutes=a.minutes,
                   threads=a.threads, batch=a.batch, lr=a.lr, min_lr=a.min_lr, dropout=a.dropout, seed=a.seed,
                   torch=torch.__version__)
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
