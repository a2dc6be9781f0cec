#!/usr/bin/env python3
"""hart_vectors beside sqlite-vec, in one host process (Debian's Python sqlite3 module).

Both extensions are loaded into every connection; each engine gets its own database
file holding the same vectors, and answers the same queries:

  sqlite-vec  vec0 brute force (its exact search), vec0 with INDEXED BY diskann(...)
  hart        hart_vectors in every mode: exact, ann (an ef_search sweep), int8, binary;
              and, in a second table made with spatial=1, spatial, spatial_pca, hybrid_pca

Printed per set: insert throughput (rows/s, sealing included for hart), bytes on disk
after a checkpoint, and per configuration recall@10 against the ground truth and
queries per second (one thread; each query a prepared SELECT ... MATCH ? AND k = 10,
timed over at least --min-seconds). Ground truth: the set's own (shared TEXMEX files),
or hart's exact mode for generated sets (itself held to a double-precision oracle by
tests/sql/vectors_vtab_test.cpp).

  python3 bench/vector_sql_bench.py --hart build/src/hartonomous --sqlite-vec /path/to/vec0 \\
      [--sets bigann10k,fmnistsmall,clustered100k] [--queries 100] [--filters] [--work /tmp/vsb]
      [--inserts-only [--insert-batch 1000] [--insert-runs 3]]

sqlite-vec is not part of this repository: fetch github.com/asg017/sqlite-vec and build
its loadable extension beside the project (bench/README.md says how).
"""
import argparse
import os
import random
import shutil
import sqlite3
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared", "data")


def read_vecs(path, kind):
    """TEXMEX .fvecs/.bvecs/.ivecs as a list of tuples."""
    data = open(path, "rb").read()
    out, at = [], 0
    size, fmt = {"f": (4, "f"), "b": (1, "B"), "i": (4, "i")}[kind]
    while at < len(data):
        (dim,) = struct.unpack_from("<i", data, at)
        at += 4
        out.append(struct.unpack_from("<%d%s" % (dim, fmt), data, at))
        at += dim * size
    return out


def shared_set(name):
    base = os.path.join(SHARED, "ann-" + name)
    kind = "b" if name == "bigann10k" else "f"
    ext = "bvecs" if kind == "b" else "fvecs"
    vectors = [tuple(float(x) for x in v) for v in read_vecs(os.path.join(base, "%s_base.%s" % (name, ext)), kind)]
    queries = [tuple(float(x) for x in v) for v in read_vecs(os.path.join(base, "%s_query.%s" % (name, ext)), kind)]
    truth = [[i + 1 for i in row[:10]] for row in read_vecs(os.path.join(base, "%s_groundtruth.ivecs" % name), "i")]
    return vectors, queries, truth


def clustered(n, dim=128, centres=None, n_queries=100, seed=7):
    """n vectors around n/50 Gaussian centres (spread 1, noise 0.35), queries drawn the same way."""
    rng = random.Random(seed)
    centres = centres or max(1, n // 50)
    cs = [[rng.gauss(0, 1) for _ in range(dim)] for _ in range(centres)]

    def draw():
        c = cs[rng.randrange(centres)]
        return tuple(x + rng.gauss(0, 0.35) for x in c)

    return [draw() for _ in range(n)], [draw() for _ in range(n_queries)], None


def blob(v):
    return struct.pack("<%df" % len(v), *v)


def connect(path, extensions):
    db = sqlite3.connect(path, isolation_level=None)
    db.enable_load_extension(True)
    for e in extensions:
        db.load_extension(e)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def insert(db, table, vectors, batch=10000):
    start = time.perf_counter()
    for at in range(0, len(vectors), batch):
        db.execute("BEGIN")
        db.executemany("INSERT INTO %s(rowid, embedding) VALUES (?, ?)" % table,
                       ((at + i + 1, blob(v)) for i, v in enumerate(vectors[at:at + batch])))
        db.execute("COMMIT")
    return time.perf_counter() - start


def run_queries(db, sql, queries, min_seconds):
    """(answers, queries per second): every query once for the answers, then rounds until min_seconds."""
    blobs = [blob(q) for q in queries]
    answers = [[r[0] for r in db.execute(sql, (b,)).fetchall()] for b in blobs]
    done, start = 0, time.perf_counter()
    while True:
        for b in blobs:
            db.execute(sql, (b,)).fetchall()
        done += len(blobs)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return answers, done / elapsed


def recall(answers, truth):
    hits = sum(len(set(a[:10]) & set(t[:10])) for a, t in zip(answers, truth))
    return hits / (10.0 * len(truth))


def file_bytes(path):
    """(bytes, free bytes): the database file and any WAL left once its last connection
    closed (which checkpoints), and the pages SQLite holds free for reuse (VACUUM would
    return them: deleted rows, and for hart the writable segment emptied by sealing)."""
    wal = path + "-wal"
    db = sqlite3.connect(path)
    free = db.execute("PRAGMA freelist_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    return os.path.getsize(path) + (os.path.getsize(wal) if os.path.exists(wal) else 0), free


def bench_set(name, vectors, queries, truth, args, out):
    dim = len(vectors[0])
    exts = [args.hart, args.sqlite_vec]
    rows = []

    def engine(label, ddl, configs, after_insert=None):
        path = os.path.join(args.work, "%s-%s.db" % (name, label.replace(" ", "_")))
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        db = connect(path, exts)
        db.execute(ddl)
        seconds = insert(db, "t", vectors)
        if after_insert:
            seconds += after_insert(db)
        db.close()  # queries run on a new connection, as a reader opening the file would
        size = file_bytes(path)
        db = connect(path, exts)
        results = []
        for config, terms in configs:
            sql = "SELECT rowid FROM t WHERE embedding MATCH ? AND k = 10" + terms
            answers, qps = run_queries(db, sql, queries, args.min_seconds)
            results.append((config, answers, qps))
        db.close()
        return seconds, size, results

    hart_modes = [("exact", " AND mode = 'exact'")]
    hart_modes += [("ann ef=%d" % ef, " AND mode = 'ann' AND ef_search = %d" % ef) for ef in (16, 32, 64, 128)]
    hart_modes += [("int8", " AND mode = 'int8'"), ("binary os=20", " AND mode = 'binary' AND oversample = 20")]
    # The 3-D projections are opt-in (spatial=1): a second table, so each size is its own.
    spatial_modes = [("spatial", " AND mode = 'spatial'"), ("spatial_pca", " AND mode = 'spatial_pca'"),
                     ("hybrid_pca os=100", " AND mode = 'hybrid_pca' AND oversample = 100")]

    def seal(db):
        start = time.perf_counter()
        db.execute("INSERT INTO t(t) VALUES ('merge')")
        return time.perf_counter() - start

    engines = [
        ("hart", "CREATE VIRTUAL TABLE t USING hart_vectors(embedding float[%d])" % dim, hart_modes, seal),
        ("hart spatial=1", "CREATE VIRTUAL TABLE t USING hart_vectors(embedding float[%d], spatial=1)" % dim,
         spatial_modes, seal),
        ("sqlite-vec", "CREATE VIRTUAL TABLE t USING vec0(embedding float[%d])" % dim, [("vec0 brute", "")], None),
    ]
    if args.diskann and len(vectors) <= args.diskann_max:
        # Its two neighbour quantizers: binary (sign bits, its example's choice) and int8.
        for quantizer in ("binary", "int8"):
            engines.append(("sqlite-vec diskann " + quantizer,
                            "CREATE VIRTUAL TABLE t USING vec0(embedding float[%d] INDEXED BY diskann(neighbor_quantizer=%s))"
                            % (dim, quantizer), [("diskann " + quantizer, "")], None))
    measured = {}
    for label, ddl, configs, after in engines:
        print("  %s: inserting %d vectors..." % (label, len(vectors)), file=sys.stderr, flush=True)
        measured[label] = engine(label, ddl, configs, after)
    if truth is None:  # generated: hart's exact mode is the oracle
        truth = [a for (config, a, qps) in measured["hart"][2] if config == "exact"][0]
    print("\n### %s: %d vectors of %d dimensions, %d queries, k = 10\n" % (name, len(vectors), dim, len(queries)), file=out)
    print("| engine | insert rows/s | bytes on disk | of which free pages |", file=out)
    print("|---|---:|---:|---:|", file=out)
    for label, (seconds, (size, free), _) in measured.items():
        print("| %s | %.0f | %s | %s |" % (label, len(vectors) / seconds, format(size, ","), format(free, ",")), file=out)
    print("\n| engine | configuration | recall@10 | queries/s |", file=out)
    print("|---|---|---:|---:|", file=out)
    for label, (_, _, results) in measured.items():
        for config, answers, qps in results:
            print("| %s | %s | %.3f | %.0f |" % (label, config, recall(answers, truth), qps), file=out)
    out.flush()


def bench_filters(name, vectors, queries, args, out):
    """Filtered KNN at 50 %, 5 % and 0.1 % selectivity (bucket = rowid % 1000): rows per
    query (k = 10 whenever 10 rows pass) and recall against hart's exact mode under the
    same filter, beside vec0's metadata filters."""
    dim = len(vectors[0])
    exts = [args.hart, args.sqlite_vec]
    cases = [("50 %", "bucket < 500"), ("5 %", "bucket < 50"), ("0.1 %", "bucket = 7")]
    tables = [("hart", "hart_vectors(embedding float[%d], bucket integer)" % dim,
               [("exact", " AND mode = 'exact'"), ("ann ef=64", " AND mode = 'ann'"), ("int8", " AND mode = 'int8'")]),
              ("sqlite-vec", "vec0(embedding float[%d], bucket integer)" % dim, [("vec0 brute", "")])]
    results = {}
    for label, using, configs in tables:
        path = os.path.join(args.work, "%s-filters-%s.db" % (name, label))
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        db = connect(path, exts)
        db.execute("CREATE VIRTUAL TABLE t USING " + using)
        db.execute("BEGIN")
        db.executemany("INSERT INTO t(rowid, embedding, bucket) VALUES (?, ?, ?)",
                       ((i + 1, blob(v), (i + 1) % 1000) for i, v in enumerate(vectors)))
        db.execute("COMMIT")
        if label == "hart":
            db.execute("INSERT INTO t(t) VALUES ('merge')")
        for case, where in cases:
            for config, terms in configs:
                sql = "SELECT rowid FROM t WHERE embedding MATCH ? AND k = 10 AND " + where + terms
                results[(label, config, case)] = run_queries(db, sql, queries, args.min_seconds)
        db.close()
    print("\n### %s, filtered: %d vectors, %d queries, k = 10\n" % (name, len(vectors), len(queries)), file=out)
    print("| selectivity | engine | configuration | rows per query (min) | recall@10 | queries/s |", file=out)
    print("|---|---|---|---:|---:|---:|", file=out)
    for case, _ in cases:
        truth = results[("hart", "exact", case)][0]
        for label, _, configs in tables:
            for config, _ in configs:
                answers, qps = results[(label, config, case)]
                print("| %s | %s | %s | %d | %.3f | %.0f |" % (case, label, config, min(len(a) for a in answers),
                                                                recall(answers, truth), qps), file=out)
    out.flush()


def bench_inserts(name, vectors, args, out):
    """Inserts in transactions of --insert-batch rows, the way an application adds rows:
    hart with sealing and merging in the inserting statement (background=0) and on its
    thread (background=1), beside vec0; runs alternate A B A B and each figure is the
    median. "settled" is when the thread has sealed and merged everything due."""
    dim = len(vectors[0])
    exts = [args.hart, args.sqlite_vec]
    configs = [("hart background=0", "hart_vectors(embedding float[%d], background=0)" % dim),
               ("hart background=1", "hart_vectors(embedding float[%d], background=1)" % dim),
               ("sqlite-vec vec0", "vec0(embedding float[%d])" % dim)]
    runs = {label: [] for label, _ in configs}
    for _ in range(args.insert_runs):
        for label, using in configs:
            path = os.path.join(args.work, "%s-inserts.db" % name)
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
            db = connect(path, exts)
            db.execute("CREATE VIRTUAL TABLE t USING " + using)
            start, longest = time.perf_counter(), 0.0
            for at in range(0, len(vectors), args.insert_batch):
                t0 = time.perf_counter()
                db.execute("BEGIN")
                db.executemany("INSERT INTO t(rowid, embedding) VALUES (?, ?)",
                               ((at + i + 1, blob(v)) for i, v in enumerate(vectors[at:at + args.insert_batch])))
                db.execute("COMMIT")
                longest = max(longest, time.perf_counter() - t0)
            inserted = time.perf_counter() - start
            segments = ""
            if label.startswith("hart"):
                status = db.execute("SELECT hart_vectors_maintenance(3600000)").fetchone()[0]
                if '"failures":0' not in status:
                    print("  %s: the background thread failed: %s" % (label, status), file=sys.stderr)
                segments = "%d sealed + %d unsealed rows" % db.execute(
                    "SELECT count(*) FILTER (WHERE id > 0), sum(n_vectors) FILTER (WHERE id = 0) FROM t_segments").fetchone()
            settled = time.perf_counter() - start
            db.close()
            runs[label].append((len(vectors) / inserted, longest, settled, segments))
    median = lambda xs: sorted(xs)[len(xs) // 2]
    print("\n### %s, inserts: %d vectors in transactions of %d rows, median of %d runs\n" %
          (name, len(vectors), args.insert_batch, args.insert_runs), file=out)
    print("| engine | insert rows/s | longest transaction s | settled after s | segments after |", file=out)
    print("|---|---:|---:|---:|---|", file=out)
    for label, _ in configs:
        r = runs[label]
        print("| %s | %.0f | %.2f | %.1f | %s |" % (label, median([x[0] for x in r]), median([x[1] for x in r]),
                                                    median([x[2] for x in r]), r[-1][3]), file=out)
    out.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hart", required=True, help="path of hartonomous.so (without or with .so)")
    p.add_argument("--sqlite-vec", required=True, help="path of sqlite-vec's vec0.so")
    p.add_argument("--sets", default="bigann10k,fmnistsmall,clustered100k")
    p.add_argument("--queries", type=int, default=100)
    p.add_argument("--min-seconds", type=float, default=1.0)
    p.add_argument("--no-diskann", dest="diskann", action="store_false")
    p.add_argument("--diskann-max", type=int, default=20000,
                   help="skip sqlite-vec's DiskANN on larger sets (it inserts a few hundred rows/s here)")
    p.add_argument("--work", default="/tmp/vector_sql_bench")
    p.add_argument("--filters", action="store_true", help="also filtered KNN at 50 / 5 / 0.1 %% selectivity")
    p.add_argument("--inserts-only", action="store_true",
                   help="only insert throughput, sealing in the statement against sealing on hart's thread")
    p.add_argument("--insert-batch", type=int, default=1000)
    p.add_argument("--insert-runs", type=int, default=3)
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)
    print("SQLite %s (Python %s); hart: %s; sqlite-vec: %s" % (sqlite3.sqlite_version, sys.version.split()[0], args.hart,
                                                               args.sqlite_vec))
    for name in args.sets.split(","):
        print("set %s" % name, file=sys.stderr, flush=True)
        if name.startswith("clustered"):
            n = int(name[len("clustered"):].replace("k", "000").replace("m", "000000"))
            vectors, queries, truth = clustered(n, n_queries=args.queries)
        else:
            vectors, queries, truth = shared_set(name)
            queries, truth = queries[:args.queries], truth[:args.queries]
        if args.inserts_only:
            bench_inserts(name, vectors, args, sys.stdout)
            continue
        bench_set(name, vectors, queries, truth, args, sys.stdout)
        if args.filters:
            bench_filters(name, vectors, queries, args, sys.stdout)
    shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
