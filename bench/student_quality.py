#!/usr/bin/python3
"""The quality table of students: what each way of making a model smaller costs, on
held-out text, against the dense parent (hart compare: perplexity, mean KL of the
next-token distributions, top-1 agreement).

    /usr/bin/python3 bench/student_quality.py --hart build/src/hart --model MODEL.gguf \
        --calibration TEXT --heldout TEXT [--ctx 256] [--chunks 0] [--threads 2]

Calibration text feeds Wanda and block influence (never the held-out text). Students:
50 % unstructured sparsity by magnitude, Wanda and at random; 2:4 by magnitude and
Wanda; 25 % of the layers dropped by influence and the last ones; half of the heads by
Wanda score and at random. Prints a Markdown table and writes the JSON of every
comparison beside the database (--work).
"""
import argparse
import json
import os
import sqlite3
import subprocess
import tempfile


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hart", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--calibration", required=True, help="text file for Wanda and influence")
    ap.add_argument("--calibration-bytes", type=int, default=200_000, help="read at most this much of it")
    ap.add_argument("--heldout", required=True, help="text file the students are judged on")
    ap.add_argument("--ctx", type=int, default=256)
    ap.add_argument("--chunks", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", default="")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="student-quality-")
    os.makedirs(work, exist_ok=True)
    db = os.path.join(work, "quality.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    run([a.hart, "init", db])
    name = "parent"
    run([a.hart, "ingest", db, a.model, "--name", name, "--quiet"])
    with open(a.calibration, encoding="utf-8") as f:
        calib = f.read(a.calibration_bytes)
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE calibration(text TEXT)")
    con.executemany("INSERT INTO calibration VALUES (?)", [(p,) for p in calib.split("\n\n") if p.strip()])
    con.commit()
    con.close()
    calibration = "SELECT text FROM calibration"
    n_layer = int(run([a.hart, "sql", db, "SELECT json_extract(metadata, '$.\"llama.block_count\"') FROM models",
                       "--csv"]).split()[-1])
    for method in ("magnitude", "wanda", "influence"):
        extra = [] if method == "magnitude" else ["--calibration", calibration]
        run([a.hart, "importance", db, name, "--method", method, "--threads", str(a.threads), "--ctx", str(a.ctx)] + extra)
    drop = max(1, round(n_layer / 4))
    seed = ["--seed", str(a.seed)]
    students = [
        ("dense (the parent itself)", None),
        ("50 % unstructured, magnitude", ["--sparsity", "0.5", "--method", "magnitude"]),
        ("50 % unstructured, Wanda", ["--sparsity", "0.5", "--method", "wanda"]),
        ("50 % unstructured, random", ["--sparsity", "0.5", "--method", "random"] + seed),
        ("2:4, magnitude", ["--nm", "2:4", "--method", "magnitude"]),
        ("2:4, Wanda", ["--nm", "2:4", "--method", "wanda"]),
        (f"drop {drop} of {n_layer} layers, lowest influence", ["--drop-layers", str(drop), "--by", "influence"]),
        (f"drop {drop} of {n_layer} layers, the last", ["--drop-layers", str(drop), "--by", "last"]),
        ("half the heads, by Wanda score", ["--keep-heads", "0.5", "--heads-by", "wanda"]),
        ("half the heads, at random", ["--keep-heads", "0.5", "--heads-by", "random"] + seed),
    ]
    rows = []
    for i, (label, flags) in enumerate(students):
        student = name
        if flags is not None:
            student = f"s{i}"
            run([a.hart, "extract", db, name, student] + flags)
        cmd = [a.hart, "compare", db, name, student, "--file", a.heldout, "--ctx", str(a.ctx), "--threads",
               str(a.threads), "--gen-tokens", "0", "--json"]
        if a.chunks:
            cmd += ["--chunks", str(a.chunks)]
        r = json.loads(run(cmd))
        with open(os.path.join(work, f"compare-{i}.json"), "w") as f:
            json.dump(r, f, indent=1)
        rows.append((label, r))
    first = rows[0][1]
    print(f"model {os.path.basename(a.model)}; held-out {os.path.basename(a.heldout)}: {first['scored_tokens']:,} tokens scored "
          f"({first['chunks']} chunks of {first['ctx']}); calibration {len(calib):,} bytes of "
          f"{os.path.basename(a.calibration)}\n")
    print("| student | non-zero parameters | perplexity | mean KL (nats) | top-1 agreement |")
    print("|---|---:|---:|---:|---:|")
    for label, r in rows:
        s = r["student"]
        print(f"| {label} | {s['nonzero_parameters']:,.0f} | {s['perplexity']:.3f} | {r['mean_kl']:.4f} | "
              f"{100 * r['top1_agreement']:.1f} % |")


if __name__ == "__main__":
    main()
