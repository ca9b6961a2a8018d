#!/usr/bin/python3
"""make_quant_fixtures.py - reference dequantization of every ggml weight type lathe reads.

An implementation of ggml's dequantize_row_* written from the block layouts and formulas
in reference/FORMATS.md sections 1.3 and 1.3.1 (llama.cpp's ggml-common.h and
ggml-quants.c), independent of the engine: plain Python, every float operation rounded
to float32 as C's float arithmetic does (a product or sum of two float32 values computed
in double and rounded once is the correctly rounded float32 result).

Writes tests/ref/fixtures/quant_blocks.bin: for each type, little-endian
  u32 ggml type id, u32 block count, u32 bytes per block, u32 elements per block,
  the blocks, then the dequantized values as float32.
Blocks are pseudo-random bytes (fixed seed) whose f16 scale fields are finite halves
of both signs, including subnormals and zero. Run: python3 tests/ref/make_quant_fixtures.py
"""
import os
import random
import struct

IQ4 = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def mul(a, b):
    return f32(a * b)


def add(a, b):
    return f32(a + b)


def sub(a, b):
    return f32(a - b)


def f16(b, off):
    return struct.unpack_from("<e", b, off)[0]


def q4_0(b):
    d, qs = f16(b, 0), b[2:18]
    y = [0.0] * 32
    for j in range(16):
        y[j] = mul(float((qs[j] & 15) - 8), d)
        y[j + 16] = mul(float((qs[j] >> 4) - 8), d)
    return y


def q4_1(b):
    d, m, qs = f16(b, 0), f16(b, 2), b[4:20]
    y = [0.0] * 32
    for j in range(16):
        y[j] = add(mul(float(qs[j] & 15), d), m)
        y[j + 16] = add(mul(float(qs[j] >> 4), d), m)
    return y


def five(qh4, qs):
    h = struct.unpack("<I", qh4)[0]
    q = [0] * 32
    for j in range(16):
        q[j] = (qs[j] & 15) | (((h >> j) & 1) << 4)
        q[j + 16] = (qs[j] >> 4) | (((h >> (j + 16)) & 1) << 4)
    return q


def q5_0(b):
    d = f16(b, 0)
    return [mul(float(v - 16), d) for v in five(b[2:6], b[6:22])]


def q5_1(b):
    d, m = f16(b, 0), f16(b, 2)
    return [add(mul(float(v), d), m) for v in five(b[4:8], b[8:24])]


def q8_0(b):
    d = f16(b, 0)
    return [mul(float(v), d) for v in struct.unpack_from("<32b", b, 2)]


def iq4_nl(b):
    d, qs = f16(b, 0), b[2:18]
    y = [0.0] * 32
    for j in range(16):
        y[j] = mul(d, float(IQ4[qs[j] & 15]))
        y[j + 16] = mul(d, float(IQ4[qs[j] >> 4]))
    return y


def q2_k(b):
    sc, qs, d, dmin = b[0:16], b[16:80], f16(b, 80), f16(b, 82)
    y, i = [], 0
    for half in range(2):
        q = qs[32 * half:32 * half + 32]
        for shift in (0, 2, 4, 6):
            for k in range(2):
                dl, ml = mul(d, float(sc[i] & 15)), mul(dmin, float(sc[i] >> 4))
                i += 1
                y += [sub(mul(dl, float((q[l + 16 * k] >> shift) & 3)), ml) for l in range(16)]
    return y


def q3_k_scales(s):
    out = []
    for j in range(16):
        low = s[j] & 15 if j < 8 else s[j - 8] >> 4
        high = (s[8 + j % 4] >> (2 * (j // 4))) & 3
        out.append((low | (high << 4)) - 32)
    return out


def q3_k(b):
    hm, qs, sc, d = b[0:32], b[32:96], q3_k_scales(b[96:108]), f16(b, 108)
    y, i, mb = [], 0, 1
    for half in range(2):
        q = qs[32 * half:32 * half + 32]
        for shift in (0, 2, 4, 6):
            for k in range(2):
                dl = mul(d, float(sc[i]))
                i += 1
                for l in range(16):
                    v = ((q[l + 16 * k] >> shift) & 3) - (0 if hm[l + 16 * k] & mb else 4)
                    y.append(mul(dl, float(v)))
            mb <<= 1
    return y


def k_scale_min(j, s):
    if j < 4:
        return s[j] & 63, s[j + 4] & 63
    return (s[j + 4] & 15) | ((s[j - 4] >> 6) << 4), (s[j + 4] >> 4) | ((s[j] >> 6) << 4)


def q4_k(b):
    d, dmin, s, qs = f16(b, 0), f16(b, 2), b[4:16], b[16:144]
    y = []
    for c in range(4):
        q = qs[32 * c:32 * c + 32]
        for k in range(2):
            sc, m = k_scale_min(2 * c + k, s)
            dl, ml = mul(d, float(sc)), mul(dmin, float(m))
            y += [sub(mul(dl, float((v >> (4 * k)) & 15)), ml) for v in q]
    return y


def q5_k(b):
    d, dmin, s, qh, qs = f16(b, 0), f16(b, 2), b[4:16], b[16:48], b[48:176]
    y = []
    for c in range(4):
        q = qs[32 * c:32 * c + 32]
        for k in range(2):
            sc, m = k_scale_min(2 * c + k, s)
            dl, ml = mul(d, float(sc)), mul(dmin, float(m))
            bit = 1 << (2 * c + k)
            y += [sub(mul(dl, float(((q[l] >> (4 * k)) & 15) + (16 if qh[l] & bit else 0))), ml)
                  for l in range(32)]
    return y


def q6_k(b):
    ql, qh, sc, d = b[0:128], b[128:192], struct.unpack_from("<16b", b, 192), f16(b, 208)
    y = [0.0] * 256
    for n in range(2):
        for l in range(32):
            lo, hi, h = ql[64 * n + l], ql[64 * n + l + 32], qh[32 * n + l]
            qv = [(lo & 15) | ((h & 3) << 4), (hi & 15) | (((h >> 2) & 3) << 4),
                  (lo >> 4) | (((h >> 4) & 3) << 4), (hi >> 4) | (((h >> 6) & 3) << 4)]
            for k in range(4):
                s = sc[8 * n + l // 16 + 2 * k]
                y[128 * n + 32 * k + l] = mul(mul(d, float(s)), float(qv[k] - 32))
    return y


def iq4_xs(b):
    d, sh, sl, qs = f16(b, 0), struct.unpack_from("<H", b, 2)[0], b[4:8], b[8:136]
    y = []
    for ib in range(8):
        ls = ((sl[ib // 2] >> (4 * (ib % 2))) & 15) | (((sh >> (2 * ib)) & 3) << 4)
        dl = mul(d, float(ls - 32))
        q = qs[16 * ib:16 * ib + 16]
        y += [mul(dl, float(IQ4[v & 15])) for v in q] + [mul(dl, float(IQ4[v >> 4])) for v in q]
    return y


# name, ggml id, elements, bytes, byte offsets of f16 fields, dequantizer
TYPES = [
    ("Q4_0", 2, 32, 18, [0], q4_0), ("Q4_1", 3, 32, 20, [0, 2], q4_1),
    ("Q5_0", 6, 32, 22, [0], q5_0), ("Q5_1", 7, 32, 24, [0, 2], q5_1),
    ("Q8_0", 8, 32, 34, [0], q8_0), ("Q2_K", 10, 256, 84, [80, 82], q2_k),
    ("Q3_K", 11, 256, 110, [108], q3_k), ("Q4_K", 12, 256, 144, [0, 2], q4_k),
    ("Q5_K", 13, 256, 176, [0, 2], q5_k), ("Q6_K", 14, 256, 210, [208], q6_k),
    ("IQ4_NL", 20, 32, 18, [0], iq4_nl), ("IQ4_XS", 23, 256, 136, [0], iq4_xs),
]
# scale fields: ordinary halves of both signs, a subnormal, zero
SCALES = [0x2e66, 0xae66, 0x1c00, 0x3c00, 0x0003, 0x0000, 0x3555, 0x9a00]


def main():
    rnd = random.Random(20250601)
    out = bytearray()
    for name, tid, elems, nbytes, halves, fn in TYPES:
        nblocks = 32 if elems == 32 else 6
        blocks, values = bytearray(), []
        for i in range(nblocks):
            b = bytearray(rnd.getrandbits(8) for _ in range(nbytes))
            for k, off in enumerate(halves):
                h = SCALES[(i + 3 * k) % len(SCALES)] if i < 8 else rnd.randrange(0x0400, 0x4c00)
                h |= 0x8000 if i >= 8 and rnd.random() < 0.3 else 0
                struct.pack_into("<H", b, off, h)
            blocks += b
            values += fn(bytes(b))
        out += struct.pack("<4I", tid, nblocks, nbytes, elems) + blocks
        out += struct.pack("<%df" % len(values), *values)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "quant_blocks.bin")
    with open(path, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
