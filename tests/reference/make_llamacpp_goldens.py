#!/usr/bin/env python3
"""llama.cpp's greedy continuations of the decoder-family reference models.

Writes tests/golden/llamacpp/decoder-families.json from the models that
hart-reference-models writes and the llamacpp-greedy tool (llamacpp_greedy.cpp; how
to build it is at its top). Usage:
  tests/reference/make_llamacpp_goldens.py --models /tmp/hart-ref --tool /tmp/llamacpp-greedy \
      --llama-commit $(git -C $LLAMA rev-parse HEAD)
"""
import argparse
import hashlib
import json
import re
import subprocess

MODELS = ["qwen2_f32", "qwen3_f32", "phi3_f32", "gemma_f32", "gemma2_f32", "gemma3_f32", "llama3_f32"]
# Prompts of token ids (1 = BOS); the second is long enough for the windows of 6.
PROMPTS = [[1, 17, 42, 99, 150, 200, 250, 300, 7, 64, 128, 31, 5, 260, 111, 222],
           [1, 300, 4, 4, 90, 91, 92, 93, 200, 10]]
STEPS = 16


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", required=True)
    ap.add_argument("--tool", required=True)
    ap.add_argument("--llama-commit", required=True)
    ap.add_argument("--out", default="tests/golden/llamacpp/decoder-families.json")
    a = ap.parse_args()
    golden = {
        "source": "llama.cpp (" + a.llama_commit + ", built -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_AVX512=OFF) "
                  "through tests/reference/llamacpp_greedy.cpp: one thread, F32 KV cache, no flash attention; "
                  "prompts as token ids, greedy steps with the top-1 minus top-2 logit margin",
        "models": [],
    }
    for name in MODELS:
        path = f"{a.models}/{name}.gguf"
        sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
        cases = []
        for prompt in PROMPTS:
            out = subprocess.run([a.tool, path, str(STEPS)] + [str(t) for t in prompt],
                                 check=True, capture_output=True, text=True).stdout
            r = json.loads(out)
            cases.append({"prompt": prompt, "greedy": r["greedy"], "margin": r["margin"]})
        golden["models"].append({"model": name, "sha256": sha, "cases": cases})
    text = json.dumps(golden, indent=1)
    # one line per list of numbers
    text = re.sub(r"\[\s*([-0-9.e,\s]+?)\s*\]", lambda m: "[" + ", ".join(m.group(1).split()).replace(",,", ",") + "]", text)
    with open(a.out, "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
