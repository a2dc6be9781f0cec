#!/usr/bin/env python3
"""Independent NumPy reference for hart::dequantize() / hart::quantize().

Written from the format descriptions (GGML block layouts, IEEE 754), not from the
C++ code: quantized formats are decoded per element from index tables, halves by
their value formula, and integer/double -> float32 rounding by exact rational
arithmetic. Writes small golden files (fixed seed, so reruns give identical bytes)
that tests/formats/dequantize_test.cpp checks bit for bit.

Run:  /usr/bin/python3 tests/reference/dequant_reference.py   (needs numpy only)

Golden formats (all little-endian), in tests/golden/dequant/:
  <TYPE>.bin           b"HDQ1", u32 dtype (hart::DType value), u32 n_elems, u32 n_bytes,
                       u8[n_bytes] encoded data, f32[n_elems] expected dequantized values
  quantize_<TYPE>.bin  b"HQZ1", u32 dtype, u32 n_elems, u32 n_bytes,
                       f32[n_elems] input, u8[n_bytes] expected quantized bytes

Conventions fixed here (IEEE leaves them open): a NaN converted to float32 comes
out quiet (bit 22 set) with its sign and leading payload bits kept, as x86 does;
bfloat16 -> float32 is exact bit placement, so bfloat16 NaNs pass through as is.
"""
import os
import struct
import sys
from fractions import Fraction

import numpy as np

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden", "dequant")

# hart::DType numbering (GGML's type ids, plus safetensors-only types >= 1000).
DTYPE = dict(F32=0, F16=1, Q4_0=2, Q4_1=3, Q5_0=6, Q5_1=7, Q8_0=8, Q8_1=9, Q2_K=10, Q3_K=11,
             Q4_K=12, Q5_K=13, Q6_K=14, Q8_K=15, IQ4_NL=20, IQ4_XS=23, I8=24, I16=25, I32=26, I64=27, F64=28,
             BF16=30, U8=1000, BOOL=1001, U16=1002, U32=1003, U64=1004)

F32 = np.float32


# ---------------------------------------------------------------- scalar formats

def f16_bits_to_f32(h):
    """binary16 bits -> float32, from the value formula (-1)^s * m * 2^e."""
    h = np.asarray(h, dtype=np.uint16).astype(np.int64)
    sign = np.where(h >> 15, -1.0, 1.0)
    exp = (h >> 10) & 0x1F
    man = h & 0x3FF
    finite = np.where(exp == 0, np.ldexp(man.astype(np.float64), -24),
                      np.ldexp((man + 1024).astype(np.float64), exp - 25))
    out = (sign * finite).astype(F32)  # exact: every half is a float32
    bits = out.view(np.uint32).copy()
    special = exp == 31
    s32 = (h.astype(np.uint32) >> 15) << 31
    inf_nan = s32 | 0x7F800000 | (man.astype(np.uint32) << 13) | np.where(man != 0, 0x400000, 0).astype(np.uint32)
    bits[special] = inf_nan[special]
    return bits.view(F32)


def le_u16(b, off):
    return b[:, off].astype(np.uint16) | (b[:, off + 1].astype(np.uint16) << 8)


def f16_field(b, off):
    return f16_bits_to_f32(le_u16(b, off))


def round_to_f32_bits(x):
    """Exact round-to-nearest-even of a rational (int/Fraction) to float32 bits."""
    x = Fraction(x)
    if x == 0:
        return 0
    sign = 0x80000000 if x < 0 else 0
    a = abs(x)
    e = a.numerator.bit_length() - a.denominator.bit_length()
    if Fraction(2) ** e > a:
        e -= 1
    q = max(e, -126) - 23  # weight of the last significand bit (2^-149 for subnormals)
    scaled = a / Fraction(2) ** q
    m = scaled.numerator // scaled.denominator
    rem = scaled - m
    if rem > Fraction(1, 2) or (rem == Fraction(1, 2) and m % 2 == 1):
        m += 1
    if m * Fraction(2) ** q >= Fraction(2) ** 128:
        return sign | 0x7F800000
    return sign | int(np.array([float(m) * 2.0 ** q], dtype=F32).view(np.uint32)[0])


def f64_to_f32_bits(d):
    u = struct.unpack("<Q", struct.pack("<d", d))[0]
    sign = (u >> 63) << 31
    if d != d:
        return sign | 0x7FC00000 | ((u >> 29) & 0x3FFFFF)
    if d in (float("inf"), float("-inf")):
        return sign | 0x7F800000
    if d == 0:
        return sign
    return round_to_f32_bits(Fraction(d))


# ---------------------------------------------------------------- quantized formats
# Each decoder takes the blocks as an (n_blocks, block_bytes) uint8 array and
# returns (n_blocks, block_elems) float32 values, doing the float32 operations in
# GGML's order: scale products first, then times the quant, then minus the min.

def nibbles(qs):
    """Byte j of a 32-element block holds element j (low nibble) and j+16 (high)."""
    return np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int32)


def fifth_bits(b, off):
    """Bit i of the little-endian u32 at `off` is the fifth bit of element i."""
    qh = b[:, off:off + 4].copy().view("<u4")[:, :1].astype(np.int64)
    return ((qh >> np.arange(32)) & 1).astype(np.int32)


def dq_q4_0(b):
    d = f16_field(b, 0)[:, None]
    return (nibbles(b[:, 2:18]) - 8).astype(F32) * d


def dq_q4_1(b):
    d, m = f16_field(b, 0)[:, None], f16_field(b, 2)[:, None]
    return nibbles(b[:, 4:20]).astype(F32) * d + m


def dq_q5_0(b):
    d = f16_field(b, 0)[:, None]
    q = nibbles(b[:, 6:22]) | (fifth_bits(b, 2) << 4)
    return (q - 16).astype(F32) * d


def dq_q5_1(b):
    d, m = f16_field(b, 0)[:, None], f16_field(b, 2)[:, None]
    q = nibbles(b[:, 8:24]) | (fifth_bits(b, 4) << 4)
    return q.astype(F32) * d + m


def dq_q8_0(b):
    return b[:, 2:34].view(np.int8).astype(F32) * f16_field(b, 0)[:, None]


def dq_q8_1(b):  # the second half (s = d * sum) is a cache for dot products
    return b[:, 4:36].view(np.int8).astype(F32) * f16_field(b, 0)[:, None]


E = np.arange(256)
# Q2_K / Q3_K: 2-bit planes. Element e lies in 128-half h = e//128; inside it,
# plane p = (e%128)//32 (bit shift 2p) of byte 32h + e%32. Sub-block (scale) = e//16.
PLANE_BYTE = 32 * (E // 128) + E % 32
PLANE_SHIFT = 2 * ((E % 128) // 32)
PLANE_NO = 4 * (E // 128) + (E % 128) // 32  # Q3_K hmask bit


def dq_q2_k(b):
    scales, qs = b[:, 0:16].astype(np.int32), b[:, 16:80].astype(np.int32)
    d, dmin = f16_field(b, 80)[:, None], f16_field(b, 82)[:, None]
    q = ((qs[:, PLANE_BYTE] >> PLANE_SHIFT) & 3).astype(F32)
    sc = scales[:, E // 16]
    return (d * (sc & 15).astype(F32)) * q - dmin * (sc >> 4).astype(F32)


def q3_k_scales(raw):
    """16 six-bit scales from 12 bytes, unpacked with 32-bit masks (read as 3 u32s)."""
    w = raw.copy().view("<u4").astype(np.uint64)  # (nb, 3)
    lo = w[:, 0:2]
    tmp = w[:, 2:3]
    k1, k2 = 0x03030303, 0x0F0F0F0F
    a0 = (lo[:, 0:1] & k2) | (((tmp >> 0) & k1) << 4)
    a1 = (lo[:, 1:2] & k2) | (((tmp >> 2) & k1) << 4)
    a2 = ((lo[:, 0:1] >> 4) & k2) | (((tmp >> 4) & k1) << 4)
    a3 = ((lo[:, 1:2] >> 4) & k2) | (((tmp >> 6) & k1) << 4)
    words = np.concatenate([a0, a1, a2, a3], axis=1).astype("<u4")
    return words.view(np.uint8).astype(np.int32) - 32  # (nb, 16)


def dq_q3_k(b):
    hmask, qs = b[:, 0:32].astype(np.int32), b[:, 32:96].astype(np.int32)
    d = f16_field(b, 108)[:, None]
    sc = q3_k_scales(b[:, 96:108])[:, E // 16]
    low = (qs[:, PLANE_BYTE] >> PLANE_SHIFT) & 3
    high = (hmask[:, E % 32] >> PLANE_NO) & 1
    q = (low - 4 * (1 - high)).astype(F32)
    return (d * sc.astype(F32)) * q


def k4_scales_mins(raw):
    """8 six-bit (scale, min) pairs in 12 bytes: bytes 0-3 hold scales 0-3, bytes 4-7
    mins 0-3 (low 6 bits each; their top 2 bits are the high bits of scales / mins
    4-7); bytes 8-11 hold the low 4 bits of scales 4-7 (low nibble) and mins 4-7."""
    r = raw.astype(np.int32)
    sc = np.concatenate([r[:, 0:4] & 63, (r[:, 8:12] & 15) | ((r[:, 0:4] >> 6) << 4)], axis=1)
    mn = np.concatenate([r[:, 4:8] & 63, (r[:, 8:12] >> 4) | ((r[:, 4:8] >> 6) << 4)], axis=1)
    return sc, mn


# Q4_K / Q5_K: 64-element chunks c = e//64 share bytes 32c..32c+31 of qs: low nibbles
# for the first 32, high for the next. Sub-block (scale/min pair) = e//32.
NIB_BYTE = 32 * (E // 64) + E % 32
NIB_SHIFT = 4 * ((E % 64) // 32)


def dq_q4_k(b):
    d, dmin = f16_field(b, 0)[:, None], f16_field(b, 2)[:, None]
    sc, mn = k4_scales_mins(b[:, 4:16])
    q = (b[:, 16:144].astype(np.int32)[:, NIB_BYTE] >> NIB_SHIFT) & 15
    return (d * sc[:, E // 32].astype(F32)) * q.astype(F32) - dmin * mn[:, E // 32].astype(F32)


def dq_q5_k(b):
    d, dmin = f16_field(b, 0)[:, None], f16_field(b, 2)[:, None]
    sc, mn = k4_scales_mins(b[:, 4:16])
    qh, qs = b[:, 16:48].astype(np.int32), b[:, 48:176].astype(np.int32)
    q = ((qs[:, NIB_BYTE] >> NIB_SHIFT) & 15) + 16 * ((qh[:, E % 32] >> (E // 32)) & 1)
    return (d * sc[:, E // 32].astype(F32)) * q.astype(F32) - dmin * mn[:, E // 32].astype(F32)


# Q6_K: per 128-half h, group g = (e%128)//32, lane l = e%32: low 4 bits from ql byte
# 64h + l + 32*(g&1) (low nibble for g<2, high for g>=2), top 2 bits from qh byte
# 32h + l at shift 2g. Scale (int8) = e//16.
_G, _L, _H = (E % 128) // 32, E % 32, E // 128
QL_BYTE, QL_SHIFT = 64 * _H + _L + 32 * (_G & 1), 4 * (_G // 2)
QH_BYTE, QH_SHIFT = 32 * _H + _L, 2 * _G


def dq_q6_k(b):
    ql, qh = b[:, 0:128].astype(np.int32), b[:, 128:192].astype(np.int32)
    sc = b[:, 192:208].view(np.int8).astype(F32)[:, E // 16]
    d = f16_field(b, 208)[:, None]
    q = ((ql[:, QL_BYTE] >> QL_SHIFT) & 15) | (((qh[:, QH_BYTE] >> QH_SHIFT) & 3) << 4)
    return (d * sc) * (q - 32).astype(F32)


def dq_q8_k(b):
    d = b[:, 0:4].copy().view("<f4")
    return d * b[:, 4:260].view(np.int8).astype(F32)


# IQ4_NL / IQ4_XS: a 4-bit index picks one of 16 non-linear values; nibble layout
# per 32 elements as Q4_0's. IQ4_XS: sub-block ib = e//32, 6-bit scale (stored +32)
# with its low 4 bits in nibble ib%2 of scales_l[ib//2] and its top 2 bits at bit
# 2*ib of the u16 scales_h.
IQ4NL_VALUES = np.array([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113])


def dq_iq4_nl(b):
    d = f16_field(b, 0)[:, None]
    return d * IQ4NL_VALUES[nibbles(b[:, 2:18])].astype(F32)


def dq_iq4_xs(b):
    d = f16_field(b, 0)[:, None]
    sh = le_u16(b, 2).astype(np.int32)[:, None]
    ib = np.arange(8)
    lo = (b[:, 4:8].astype(np.int32)[:, ib // 2] >> (4 * (ib % 2))) & 15
    ls = (lo | (((sh >> (2 * ib)) & 3) << 4)) - 32  # (nb, 8)
    idx = nibbles(b[:, 8:136].reshape(-1, 16)).reshape(-1, 256)
    return (d * ls[:, E // 32].astype(F32)) * IQ4NL_VALUES[idx].astype(F32)


QUANT = {  # name: (block elems, block bytes, decoder, [(offset, kind)] scale fields)
    "Q4_0": (32, 18, dq_q4_0, [(0, "h")]),
    "Q4_1": (32, 20, dq_q4_1, [(0, "h"), (2, "h")]),
    "Q5_0": (32, 22, dq_q5_0, [(0, "h")]),
    "Q5_1": (32, 24, dq_q5_1, [(0, "h"), (2, "h")]),
    "Q8_0": (32, 34, dq_q8_0, [(0, "h")]),
    "Q8_1": (32, 36, dq_q8_1, [(0, "h"), (2, "h")]),
    "Q2_K": (256, 84, dq_q2_k, [(80, "k"), (82, "k")]),
    "Q3_K": (256, 110, dq_q3_k, [(108, "k")]),
    "Q4_K": (256, 144, dq_q4_k, [(0, "k"), (2, "k")]),
    "Q5_K": (256, 176, dq_q5_k, [(0, "k"), (2, "k")]),
    "Q6_K": (256, 210, dq_q6_k, [(208, "k")]),
    "Q8_K": (256, 292, dq_q8_k, [(0, "f")]),
}
# Added later, with their own random stream so the goldens above stay unchanged.
QUANT_LATER = {
    "IQ4_NL": (32, 18, dq_iq4_nl, [(0, "h")]),
    "IQ4_XS": (256, 136, dq_iq4_xs, [(0, "k")]),
}


def random_blocks(rng, name):
    elems, nbytes, _, fields = {**QUANT, **QUANT_LATER}[name]
    nb = 8 if elems == 32 else 4
    b = rng.integers(0, 256, size=(nb, nbytes), dtype=np.uint8)
    for off, kind in fields:
        if kind == "h":    # plain scale / min: any half in [-2, 2]
            v = rng.uniform(-2, 2, nb).astype(np.float16)
        elif kind == "k":  # K-quant super-scale: small positive
            v = rng.uniform(0, 0.25, nb).astype(np.float16)
        else:              # Q8_K's float32 scale
            v = rng.uniform(-0.1, 0.1, nb).astype(F32)
        if kind != "f":    # edge scales in the last blocks: +0, -0 and a subnormal
            v[-1], v[-2] = np.float16(0.0), np.float16(-0.0)
            v[-3] = np.uint16(0x0123).view(np.float16)
        raw = v.view(np.uint8).reshape(nb, -1)
        b[:, off:off + raw.shape[1]] = raw
    return b


# ---------------------------------------------------------------- plain types

def f16_cases(rng):
    special = [0x0000, 0x8000, 0x7C00, 0xFC00, 0x7E00, 0xFE00, 0x7C01, 0x7D55, 0xFDFF, 0x7FFF,
               0x0001, 0x8001, 0x03FF, 0x83FF, 0x0200, 0x0400, 0x8400, 0x7BFF, 0xFBFF, 0x3C00,
               0xBC00, 0x3555, 0x3BFF, 0x3C01]
    return np.concatenate([np.array(special, np.uint16), rng.integers(0, 65536, 488).astype(np.uint16)])


def bf16_cases(rng):
    special = [0x0000, 0x8000, 0x7F80, 0xFF80, 0x7FC0, 0xFFC0, 0x7F81, 0x7FFF, 0x0001, 0x807F,
               0x0080, 0x7F7F, 0xFF7F, 0x3F80, 0xBF80]
    return np.concatenate([np.array(special, np.uint16), rng.integers(0, 65536, 497).astype(np.uint16)])


def int_cases(rng, dtype):
    info = np.iinfo(dtype)
    bits = info.bits
    edge = [0, 1, -1, info.min, info.max, info.max - 1, info.min + 1, 2 ** 24, 2 ** 24 + 1,
            2 ** 24 + 3, 2 ** 25 + 2, 2 ** 25 + 6, 2 ** 31 - 64, 2 ** 31 - 65, 2 ** 31 + 128,
            -(2 ** 24) - 1, -(2 ** 25) - 2]
    if bits == 64:  # ties and cases where rounding via double would round twice
        edge += [2 ** 60 + 2 ** 36 + 1, 2 ** 60 + 2 ** 36, 2 ** 60 + 3 * 2 ** 36, 2 ** 63 - 2 ** 39,
                 2 ** 63 + 2 ** 39, 2 ** 64 - 2 ** 39, 2 ** 64 - 2 ** 39 - 1, 2 ** 53 + 1,
                 -(2 ** 60) - 2 ** 36 - 1, 2 ** 62 + 2 ** 38 + 2 ** 37]
    edge = [v for v in edge if info.min <= v <= info.max]
    rand = [int(v) for v in rng.integers(info.min, info.max, 200, dtype=dtype, endpoint=True)]
    # plus random values of every magnitude
    for k in range(1, bits):
        v = int(rng.integers(0, 2 ** 62)) % (2 ** k) + 2 ** (k - 1) if k < 63 else 2 ** 62 + 12345
        if info.min <= v <= info.max:
            rand.append(v)
        if info.min <= -v <= info.max:
            rand.append(-v)
    vals = edge + rand
    data = np.array(vals, dtype=dtype)
    expected = np.array([round_to_f32_bits(v) for v in vals], np.uint32).view(F32)
    return data, expected


def f64_cases(rng):
    vals = [0.0, -0.0, 1.0, -1.5, 3.4028234663852886e38, 3.4028235677973366e38, 3.40282357e38,
            1e39, -1e300, float("inf"), float("-inf"), float("nan"), 1e-45, 7e-46, 7.006e-46,
            1.4e-45, 2.1e-45, 1.1754942e-38, 1.17549435e-38, 1e-320, 1.0 + 2.0 ** -24,
            1.0 + 3 * 2.0 ** -24, 1.0 + 2.0 ** -24 + 2.0 ** -50, 0.1, -0.3, 2.0 ** -149 * 1.5,
            2.0 ** -149 * 2.5, 2.0 ** -149 * 0.5]
    vals += list(rng.standard_normal(150) * 10.0 ** rng.integers(-44, 39, 150))
    vals += list(np.frombuffer(rng.integers(0, 256, 8 * 50, dtype=np.uint8).tobytes(), "<f8"))
    data = np.array(vals, "<f8")
    expected = np.array([f64_to_f32_bits(float(v)) for v in data], np.uint32).view(F32)
    return data, expected


# ---------------------------------------------------------------- reference quantizers

def f32_to_f16_bits(x):
    return np.asarray(x, F32).astype(np.float16).view(np.uint16)  # numpy rounds to nearest even


def round_half_away(x):
    x64 = x.astype(np.float64)  # x + 0.5 is exact in double for these magnitudes
    return np.trunc(x64 + np.copysign(0.5, x64))


def quantize_q8_0(x):
    x = x.reshape(-1, 32).astype(F32)
    amax = np.abs(x).max(axis=1)
    d = amax / F32(127)
    with np.errstate(divide="ignore"):
        inv = np.where(d != 0, F32(1) / d, F32(0)).astype(F32)
    q = round_half_away(x * inv[:, None]).astype(np.int8)
    out = np.zeros((x.shape[0], 34), np.uint8)
    out[:, 0:2] = f32_to_f16_bits(d).view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q.view(np.uint8)
    return out


def quantize_q4_0(x):
    x = x.reshape(-1, 32).astype(F32)
    peak = x[np.arange(x.shape[0]), np.argmax(np.abs(x), axis=1)]  # first of equal magnitudes
    d = peak / F32(-8)
    with np.errstate(divide="ignore"):
        inv = np.where(d != 0, F32(1) / d, F32(0)).astype(F32)
    q = np.minimum(15, np.trunc((x * inv[:, None]) + F32(8.5)).astype(np.int32))
    out = np.zeros((x.shape[0], 18), np.uint8)
    out[:, 0:2] = f32_to_f16_bits(d).view(np.uint8).reshape(-1, 2)
    out[:, 2:] = (q[:, :16] | (q[:, 16:] << 4)).astype(np.uint8)
    return out


def quantize_inputs(rng):
    x = (rng.standard_normal((8, 32)) * rng.uniform(0.01, 5, (8, 1))).astype(F32)
    x[1] = 0  # d = 0
    x[2] = np.arange(-16, 16) * 0.5 + 0.5  # halves, incl. ties, once scaled by d = 1
    x[2][0] = -127
    x[3] = np.where(np.arange(32) % 2, 3, -3)  # equal magnitudes: the first one sets d
    x[4] = x[4] * 1e-6  # scale becomes a subnormal half
    return x.reshape(-1)


# ---------------------------------------------------------------- output

def write_dequant(name, data_bytes, expected):
    expected = np.asarray(expected, F32)
    hdr = b"HDQ1" + struct.pack("<III", DTYPE[name], expected.size, len(data_bytes))
    with open(os.path.join(OUT_DIR, name + ".bin"), "wb") as f:
        f.write(hdr + bytes(data_bytes) + expected.astype("<f4").tobytes())


def write_quant(name, x, out):
    hdr = b"HQZ1" + struct.pack("<III", DTYPE[name], x.size, out.size)
    with open(os.path.join(OUT_DIR, "quantize_" + name + ".bin"), "wb") as f:
        f.write(hdr + x.astype("<f4").tobytes() + out.tobytes())


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    rng = np.random.default_rng(20240611)
    for name, (_, _, decode, _) in QUANT.items():
        b = random_blocks(rng, name)
        write_dequant(name, b.tobytes(), decode(b).reshape(-1))

    h = f16_cases(rng)
    write_dequant("F16", h.astype("<u2").tobytes(), f16_bits_to_f32(h))
    h = bf16_cases(rng)
    write_dequant("BF16", h.astype("<u2").tobytes(), (h.astype(np.uint32) << 16).view(F32))
    f = rng.integers(0, 2 ** 32, 256, dtype=np.uint32)
    f[:4] = [0x7F800001, 0xFFC00000, 0x00000001, 0x80000000]  # sNaN, qNaN, subnormal, -0
    write_dequant("F32", f.astype("<u4").tobytes(), f.view(F32))
    data, exp = f64_cases(rng)
    write_dequant("F64", data.tobytes(), exp)
    for name, dt in [("I8", np.int8), ("I16", np.int16), ("I32", np.int32), ("I64", np.int64),
                     ("U8", np.uint8), ("U16", np.uint16), ("U32", np.uint32), ("U64", np.uint64)]:
        data, exp = int_cases(rng, dt)
        write_dequant(name, data.astype(np.dtype(dt).newbyteorder("<")).tobytes(), exp)
    bools = rng.integers(0, 2, 64, dtype=np.uint8)
    write_dequant("BOOL", bools.tobytes(), bools.astype(F32))

    x = quantize_inputs(rng)
    write_quant("Q8_0", x, quantize_q8_0(x).reshape(-1))
    write_quant("Q4_0", x, quantize_q4_0(x).reshape(-1))

    rng = np.random.default_rng(20261205)
    for name, (_, _, decode, _) in QUANT_LATER.items():
        b = random_blocks(rng, name)
        write_dequant(name, b.tobytes(), decode(b).reshape(-1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
