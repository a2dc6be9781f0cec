#!/usr/bin/env python3
"""Writes pretokenizer-golden.json: llama.cpp's token ids for GPT-2's byte-level
vocabulary run under other pre-tokenizers (Llama 3, Qwen2, default, Qwen3.5,
DeepSeek V3), so the
pre-tokenizers' regexes are checked against llama.cpp on hand-picked inputs and on
llama.cpp's own test inputs. llama.cpp has no vocab-only GGUF for Llama 3 or Qwen2
in ../shared, so the GPT-2 one is copied with its tokenizer.ggml.pre value replaced
(llama-tokenize's --override-kv does not reach the tokenizer's keys).

  python3 tests/golden/llamacpp/make_pretokenizer_golden.py \
      /work/llama.cpp/build/bin/llama-tokenize ../shared/data/llamacpp-vocab
"""
import json, os, struct, subprocess, sys, tempfile

# Inputs where each rule of the Llama 3 / Qwen2 regexes matters.
HAND_PICKED = [
    "It'S we'LL they'Re I'M you'D don'T x'Ve she's",   # contractions in any case
    "1234567 89 3.14159 $100.50",                      # digits: 1-3 (Llama 3) vs 1 (Qwen2)
    "Hello...!!! world ?? (foo) [bar]",                # punctuation runs, leading space
    "end.\n\nNext ...\n\n\nthen",                      # punctuation followed by newlines
    "  \n\n  x\r\ny \t\tz   ",                         # whitespace and newline runs
    "a\r\n\r\nb\n \n c",
    "Привет мир 你好世界 ελληνικά عربي",                  # non-Latin letters
    "e\u0301t\u00e9 \u0928\u092e\u0938\u094d\u0924\u0947 ca\u0308fe\u0301",  # \p{M} marks
    "\tfoo\tbar_baz-qux",                              # a non-letter prefix joins a word
    "🦙🦙 ok 😶\u200d🌫️!",                             # emoji are neither letters nor numbers
    "''s ' s 'sS 'll'LL",
    "x\u00a0y\u3000z \u2028w",                         # non-ASCII whitespace
    "٣٤٥ ¼½ Ⅻ",                                         # non-ASCII numbers
]


def with_pre(gguf: bytes, pre: str) -> bytes:
    """The vocab-only GGUF `gguf` (no tensors) with tokenizer.ggml.pre set to `pre`."""
    magic, version, n_tensors, n_kv = struct.unpack_from("<4sIQQ", gguf, 0)
    assert magic == b"GGUF" and n_tensors == 0
    pos = 24
    scalar = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

    def skip_value(t, pos):
        if t == 8:
            (n,) = struct.unpack_from("<Q", gguf, pos)
            return pos + 8 + n
        if t == 9:
            et, n = struct.unpack_from("<IQ", gguf, pos)
            pos += 12
            if et == 8:
                for _ in range(n):
                    pos = skip_value(8, pos)
                return pos
            return pos + scalar[et] * n
        return pos + scalar[t]

    out = bytearray(gguf[:24])
    for _ in range(n_kv):
        start = pos
        (klen,) = struct.unpack_from("<Q", gguf, pos)
        key = gguf[pos + 8:pos + 8 + klen].decode()
        pos += 8 + klen
        (t,) = struct.unpack_from("<I", gguf, pos)
        pos = skip_value(t, pos + 4)
        if key == "tokenizer.ggml.pre":
            v = pre.encode()
            out += struct.pack("<Q", klen) + key.encode() + struct.pack("<IQ", 8, len(v)) + v
        else:
            out += gguf[start:pos]
    out += b"\0" * (-len(out) % 32)
    return bytes(out)


def main():
    tokenize, vocab_dir = sys.argv[1], sys.argv[2]
    raw = open(os.path.join(vocab_dir, "ggml-vocab-gpt-2.gguf.inp"), encoding="utf-8").read()
    inputs = HAND_PICKED + [s for s in raw.split("\n__ggml_vocab_test__\n") if s]
    cases = []
    gpt2 = open(os.path.join(vocab_dir, "ggml-vocab-gpt-2.gguf"), "rb").read()
    for pre in ["llama-bpe", "qwen2", "default", "qwen35", "deepseek-v3"]:
        model = tempfile.NamedTemporaryFile(suffix=".gguf", delete=False)
        model.write(with_pre(gpt2, pre))
        model.close()
        for text in inputs:
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as f:
                f.write(text)
            out = subprocess.run(
                [tokenize, "-m", model.name, "-f", f.name,
                 "--ids", "--no-bos", "--no-parse-special", "--no-escape", "--log-disable"],
                check=True, capture_output=True, text=True).stdout
            os.unlink(f.name)
            ids = json.loads(out.strip().splitlines()[-1])
            cases.append({"pre": pre, "input": text, "ids": ids})
        os.unlink(model.name)
    golden = {
        "source": "llama.cpp llama-tokenize (ngxson/llama.cpp mirror at 3f545becc) on "
                  "a copy of ../shared/data/llamacpp-vocab/ggml-vocab-gpt-2.gguf with "
                  "tokenizer.ggml.pre = PRE, --no-bos --no-parse-special --no-escape; written by "
                  "tests/golden/llamacpp/make_pretokenizer_golden.py",
        "vocab": "llamacpp-vocab/ggml-vocab-gpt-2.gguf",
        "cases": cases,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pretokenizer-golden.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    main()
