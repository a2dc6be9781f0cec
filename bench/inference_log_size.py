#!/usr/bin/env python3
"""How much two 10 MB tokenize() calls grow a database, per inference_log setting.

    python3 bench/inference_log_size.py BUILD_DIR MODEL.gguf TEXT_FILE [SETTING ...]

Creates a database per setting (default settings: 65536 full off) with BUILD_DIR/src/hart,
stores the model, then calls tokenize() twice from Debian's Python with the extension
loaded, on the first 10 MB of TEXT_FILE (repeated if shorter), and prints the growth
of the checkpointed file.
"""
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

build, model, text_file = sys.argv[1:4]
settings = sys.argv[4:] or ["65536", "full", "off"]
raw = open(text_file, "rb").read()
text = (raw * (10_000_000 // max(len(raw), 1) + 1))[:10_000_000].decode("utf-8", errors="replace")
hart = os.path.join(build, "src", "hart")
name = os.path.splitext(os.path.basename(model))[0]
with tempfile.TemporaryDirectory() as tmp:
    for setting in settings:
        path = os.path.join(tmp, "log-%s.db" % setting)
        subprocess.run([hart, "init", path], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([hart, "ingest", path, model], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        db = sqlite3.connect(path, isolation_level=None)
        db.enable_load_extension(True)
        db.load_extension(os.path.join(build, "src", "hartonomous"))
        db.execute("SELECT hart_setting('inference_log', ?)", (setting,)).fetchone()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = os.path.getsize(path)
        start = time.time()
        for _ in range(2):
            db.execute("SELECT length(tokenize(?, ?))", (name, text)).fetchone()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        print("inference_log=%-6s two 10 MB tokenize calls grew the database by %8.2f MB (%.1f s)"
              % (setting, (os.path.getsize(path) - before) / 1e6, time.time() - start))
        db.close()
