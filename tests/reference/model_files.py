"""Tiny readers for GGUF and safetensors, and a writer for the golden files.

Written from the format descriptions, independent of the C++ code (and of the gguf pip
package). Tensors come back as NumPy float32 arrays, shape outermost first (GGUF lists
dimensions innermost first; we reverse them, as PyTorch and safetensors order them).
Quantized GGUF tensors (Q8_0, Q4_0, ...) are dequantized with dequant_reference.py.
"""
import hashlib
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dequant_reference as dq  # noqa: E402  (the project's NumPy dequantizers)

GGML_TYPES = {0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1",
              10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 30: "BF16"}


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# ---------------------------------------------------------------- GGUF

class _Cursor:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        v = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return v[0] if len(v) == 1 else v

    def string(self):
        n = self.take("Q")
        s = self.data[self.pos:self.pos + n].decode("utf-8")
        self.pos += n
        return s


_SCALAR = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}


def _gguf_value(c, vtype):
    if vtype in _SCALAR:
        return c.take(_SCALAR[vtype])
    if vtype == 8:
        return c.string()
    if vtype == 9:
        etype, n = c.take("I"), c.take("Q")
        return [_gguf_value(c, etype) for _ in range(n)]
    raise ValueError(f"unknown GGUF value type {vtype}")


def read_gguf(path):
    """Returns (metadata dict, {name: float32 array}, {name: type name})."""
    with open(path, "rb") as f:
        data = f.read()
    c = _Cursor(data)
    if data[:4] != b"GGUF":
        raise ValueError(f"{path}: not a GGUF file")
    c.pos = 4
    version, n_tensors, n_kv = c.take("I"), c.take("Q"), c.take("Q")
    if version not in (2, 3):
        raise ValueError(f"{path}: GGUF version {version}")
    meta = {}
    for _ in range(n_kv):
        key = c.string()
        meta[key] = _gguf_value(c, c.take("I"))
    infos = []
    for _ in range(n_tensors):
        name = c.string()
        n_dims = c.take("I")
        dims = [c.take("Q") for _ in range(n_dims)]  # innermost first
        infos.append((name, dims[::-1], GGML_TYPES[c.take("I")], c.take("Q")))
    align = meta.get("general.alignment", 32)
    start = (c.pos + align - 1) // align * align
    tensors, types = {}, {}
    for name, shape, tname, off in infos:
        n = int(np.prod(shape))
        raw = data[start + off:]
        if tname == "F32":
            v = np.frombuffer(raw, "<f4", n)
        elif tname == "F16":
            v = np.frombuffer(raw, "<f2", n).astype(np.float32)
        elif tname == "BF16":
            v = (np.frombuffer(raw, "<u2", n).astype(np.uint32) << 16).view(np.float32)
        else:
            elems, nbytes, decode, _ = dq.QUANT[tname]
            blocks = np.frombuffer(raw, np.uint8, n // elems * nbytes).reshape(-1, nbytes)
            v = decode(blocks).reshape(-1)
        tensors[name] = np.array(v, np.float32).reshape(shape)
        types[name] = tname
    return meta, tensors, types


# ---------------------------------------------------------------- safetensors

_ST_DTYPES = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I32": "<i4", "I64": "<i8"}


def read_safetensors(path):
    """Returns (__metadata__ dict, {name: array}) with arrays in their stored dtype
    (BF16 widened to float32)."""
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack_from("<Q", data, 0)[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, t in header.items():
        a, b = t["data_offsets"]
        raw = data[base + a:base + b]
        if t["dtype"] == "BF16":
            v = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            v = np.frombuffer(raw, _ST_DTYPES[t["dtype"]])
        out[name] = v.reshape(t["shape"])
    return meta, out


def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, array) with dtype float32 or int32; metadata: str -> str.
    The header lists tensors in the given order, data back to back, header padded with
    spaces to a multiple of 8 (as the project's writer does)."""
    header, blobs, off = {"__metadata__": metadata}, [], 0
    for name, a in tensors:
        a = np.ascontiguousarray(a)
        dt = {np.dtype(np.float32): ("F32", "<f4"), np.dtype(np.int32): ("I32", "<i4")}[a.dtype]
        blob = a.astype(dt[1]).tobytes()
        header[name] = {"dtype": dt[0], "shape": list(a.shape), "data_offsets": [off, off + len(blob)]}
        blobs.append(blob)
        off += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
