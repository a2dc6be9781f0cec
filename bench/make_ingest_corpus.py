#!/usr/bin/python3
"""Writes a deterministic mixed corpus for bench/run_ingest_bench.sh: text (UTF-8,
Latin-1, Markdown, HTML) made of WikiText-2 sentences in shuffled order, pictures
(PNG and JPEG: shapes, noise and lines of printed text, so OCR has work) and
recordings (16-bit WAV: tones, noise and silence), plus a few exact copies so
deduplication has something to find. Needs Debian's python3-numpy and python3-pil.

Usage: make_ingest_corpus.py OUT_DIR [--megabytes N] [--wikitext FILE] [--seed S]
Prints one summary line: files=... bytes=... text_bytes=... image_bytes=... audio_bytes=...
"""
import argparse
import io
import os
import random
import re
import struct
import sys
import wave

import numpy as np
from PIL import Image, ImageDraw


def sentences_from(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    text = re.sub(r"\s+@([-.,])@\s+", r"\1", text)  # WikiText's " @-@ " joins
    out = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 5]
    if not out:
        sys.exit(f"make_ingest_corpus: no sentences in {path}")
    return out


def write_text(path, rng, sentences, size, kind):
    parts, n = [], 0
    while n < size:
        para = " ".join(rng.choice(sentences) for _ in range(rng.randint(3, 8)))
        parts.append(para)
        n += len(para) + 2
    if kind == "md":
        body = "\n\n".join(("## " + p[:40] + "\n\n" + p) if i % 7 == 0 else p for i, p in enumerate(parts))
        data = body.encode("utf-8")
    elif kind == "html":
        body = "\n".join(f"<p>{p}</p>" for p in parts)
        data = f"<!doctype html><html><head><title>{parts[0][:30]}</title></head><body>{body}</body></html>".encode()
    elif kind == "latin1":
        data = "\n\n".join(parts).encode("latin-1", errors="replace")
    else:
        data = "\n\n".join(parts).encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def write_image(path, rng, sentences, fmt):
    w, h = rng.choice([(1024, 768), (800, 600), (1280, 960)])
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    base = nrng.integers(150, 256, size=(h, w, 3), dtype=np.uint8)  # noisy light background
    img = Image.fromarray(base, "RGB")
    d = ImageDraw.Draw(img)
    for _ in range(12):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        box = [x0, y0, x0 + rng.randrange(20, 300), y0 + rng.randrange(20, 200)]
        color = tuple(rng.randrange(256) for _ in range(3))
        (d.ellipse if rng.random() < 0.5 else d.rectangle)(box, fill=color)
    y = 20
    for _ in range(6):  # printed lines for OCR (PIL's built-in font is Latin-1 only)
        line = rng.choice(sentences)[:90].encode("latin-1", "replace").decode("latin-1")
        d.text((20, y), line, fill=(0, 0, 0))
        y += 18
    buf = io.BytesIO()
    img.save(buf, format=fmt, quality=90) if fmt == "JPEG" else img.save(buf, format=fmt)
    with open(path, "wb") as f:
        f.write(buf.getvalue())
    return len(buf.getvalue())


def write_audio(path, rng, seconds, rate=16000):
    t = np.arange(int(seconds * rate)) / rate
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    sig = np.zeros_like(t)
    for f in rng.sample([220, 330, 440, 550, 660, 880], 3):
        sig += 0.2 * np.sin(2 * np.pi * f * t) * (np.sin(2 * np.pi * rng.uniform(0.1, 1) * t) > 0)
    sig += 0.05 * nrng.standard_normal(len(t))
    sig[: rate // 2] = 0  # half a second of silence at the start
    pcm = np.clip(sig * 32767, -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as wv:
        wv.setnchannels(1)
        wv.setsampwidth(2)
        wv.setframerate(rate)
        wv.writeframes(pcm.tobytes())
    return os.path.getsize(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--megabytes", type=float, default=210)
    ap.add_argument("--wikitext", default=os.path.join(os.path.dirname(__file__), "../../shared/data/wikitext2-raw/wiki.test.raw"))
    ap.add_argument("--seed", type=int, default=2026)
    a = ap.parse_args()
    if not os.path.exists(a.wikitext):
        sys.exit(f"make_ingest_corpus: {a.wikitext} not found (pass --wikitext FILE: any English text)")
    rng = random.Random(a.seed)
    sentences = sentences_from(a.wikitext)
    total = a.megabytes * 1e6
    shares = {"text": 0.40, "image": 0.35, "audio": 0.25}
    sizes = {k: 0 for k in shares}
    files = 0
    for sub in ("text", "images", "audio", "copies"):
        os.makedirs(os.path.join(a.out, sub), exist_ok=True)
    i = 0
    while sizes["text"] < shares["text"] * total:
        kind = ["txt", "txt", "md", "html", "latin1"][i % 5]
        ext = {"latin1": "txt"}.get(kind, kind)
        sizes["text"] += write_text(os.path.join(a.out, "text", f"doc{i:04d}.{ext}"), rng, sentences,
                                    rng.randrange(50_000, 400_000), kind)
        i, files = i + 1, files + 1
    i = 0
    while sizes["image"] < shares["image"] * total:
        fmt = "PNG" if i % 3 == 0 else "JPEG"
        sizes["image"] += write_image(os.path.join(a.out, "images", f"pic{i:04d}.{fmt.lower()}"), rng, sentences, fmt)
        i, files = i + 1, files + 1
    i = 0
    while sizes["audio"] < shares["audio"] * total:
        sizes["audio"] += write_audio(os.path.join(a.out, "audio", f"rec{i:04d}.wav"), rng, rng.uniform(20, 60))
        i, files = i + 1, files + 1
    copied = 0  # exact copies under other names: one of every 20 files
    for sub in ("text", "images", "audio"):
        for name in sorted(os.listdir(os.path.join(a.out, sub)))[::20]:
            src = os.path.join(a.out, sub, name)
            data = open(src, "rb").read()
            open(os.path.join(a.out, "copies", "copy-of-" + name), "wb").write(data)
            copied += len(data)
            files += 1
    print(f"files={files} bytes={int(sum(sizes.values()) + copied)} text_bytes={sizes['text']} "
          f"image_bytes={sizes['image']} audio_bytes={sizes['audio']} copy_bytes={copied}")


if __name__ == "__main__":
    main()
