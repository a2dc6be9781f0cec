#!/usr/bin/env python3
"""Writes a valid GGUF whose size is almost all one metadata array, for measuring
the memory that ingesting and exporting such a file takes (bench/README.md,
"Metadata-heavy GGUF").

    python3 bench/make_metadata_gguf.py OUT.gguf --type u8 --count 40000000
    python3 bench/make_metadata_gguf.py OUT.gguf --type tiny   # the baseline model

The file has one 32-element F32 tensor and the array under the key
"bench.big_array"; --type str writes one-byte strings (9 bytes each in the file).
"""
import argparse
import struct
from array import array

GGUF_TYPES = {"u8": 0, "i32": 5, "f32": 6, "str": 8}


def gguf_string(s: bytes) -> bytes:
    return struct.pack("<Q", len(s)) + s


def array_payload(kind: str, count: int) -> bytes:
    if kind == "u8":
        return (bytes(range(256)) * (count // 256 + 1))[:count]
    if kind == "i32":
        return array("i", ((i * 2654435761) % 2**32 - 2**31 for i in range(count))).tobytes()
    if kind == "f32":
        return array("f", (i * 0.001 for i in range(count))).tobytes()
    one = gguf_string(b"a")
    return one * count


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--type", choices=[*GGUF_TYPES, "tiny"], default="u8")
    p.add_argument("--count", type=int, default=40_000_000)
    a = p.parse_args()
    kvs = [gguf_string(b"general.architecture") + struct.pack("<I", 8) + gguf_string(b"llama")]
    if a.type != "tiny":
        kvs.append(gguf_string(b"bench.big_array") + struct.pack("<IIQ", 9, GGUF_TYPES[a.type], a.count))
    with open(a.out, "wb") as f:
        f.write(b"GGUF" + struct.pack("<IQQ", 3, 1, len(kvs)))
        for i, kv in enumerate(kvs):
            f.write(kv)
            if i == 1:
                f.write(array_payload(a.type, a.count))
        f.write(gguf_string(b"t") + struct.pack("<IQIQ", 1, 32, 0, 0))  # 1 dim of 32, F32, offset 0
        f.write(b"\0" * (-f.tell() % 32))
        f.write(struct.pack("<32f", *range(32)))


if __name__ == "__main__":
    main()
