#!/usr/bin/env python3
"""Generates tests/golden/torch_sum.json: torch 1.13.1 (CPU) `x.sum()` and `x.mean()` of float32 and
float64 tensors, for the bit-exact check of core/src/torch_sum.cpp (tests/cpp/torch_sum_test.cpp).

Inputs are not stored: element i (0-based) of a case is derived from the counter-based splitmix64
stream of the case's seed,

  u_i = mix(seed + (i + 1) * 0x9E3779B97F4A7C15 mod 2**64)    (= the i-th draw of SplitMix64(seed))

with B = 24 (float32) or 53 (float64) mantissa bits, m = (u >> (64 - B)) - 2**(B - 1) (a signed
B-bit integer) and, by the case's `kind`, the exactly representable value

  normal    m * 2**(4 - B)                               in [-8, 8)
  mixed     m * 2**(1 - B + (u & 63) - 32)               magnitudes 2**-32 .. 2**31
  positive  (u >> (65 - B)) * 2**(8 - B)                 in [0, 128), a loss-like tensor
  ones      1.0
  negzero   -0.0
  tiny      m * 2**-149 (float32) / m * 2**-1074 (float64)   subnormals
  big       m * 2**104 (float32) / m * 2**971 (float64)       sums overflow
  special   mixed, except: with r = (u >> 6) % 1000000, r < p gives +inf, -inf, NaN for r % 3 =
            0, 1, 2, and p <= r < p + 50000 gives -0.0 (p = the case's `p`, per million)

The tensor is torch.tensor(values).reshape(shape) (contiguous; the shape only shows that a multi-dim
sum equals the 1-D one). `threads` is torch.set_num_threads() for the case (1 for most; the
reference). Expected results are the bit patterns of torch's sum and mean (any NaN stands for NaN).

For every case the script also checks that its own model of torch's order (SumKernel.cpp's
cascade_sum + TensorIterator's two-pass parallel reduction, described in
core/include/losslab/torch_sum.hpp) reproduces torch bit for bit, and that mean == sum / T(n).

Needs torch 1.13 (Debian python3-torch, CPU capability AVX2) and numpy; the tests do not.
Usage: /usr/bin/python3 scripts/gen_sum_fixtures.py [out.json]
"""
import json
import os
import sys

import numpy as np
import torch

GAMMA = 0x9E3779B97F4A7C15
GRAIN = 32768  # at::internal::GRAIN_SIZE


# ------------------------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------------------------

def splitmix_stream(seed, n):
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + np.arange(1, n + 1, dtype=np.uint64) * np.uint64(GAMMA)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def make_values(case):
    n, kind = case["n"], case["kind"]
    f32 = case["dtype"] == "float32"
    dt = np.float32 if f32 else np.float64
    B = 24 if f32 else 53
    u = splitmix_stream(case["seed"], n)
    m = (u >> np.uint64(64 - B)).astype(np.int64) - (1 << (B - 1))
    if kind == "normal":
        v = np.ldexp(m.astype(np.float64), 4 - B)
    elif kind in ("mixed", "special"):
        e = (u & np.uint64(63)).astype(np.int64) + (1 - B - 32)
        v = np.ldexp(m.astype(np.float64), e.astype(np.int32))
        if kind == "special":
            r = (u >> np.uint64(6)) % np.uint64(1000000)
            p = np.uint64(case["p"])
            sel = r < p
            k = (r % np.uint64(3)).astype(np.int64)
            v = np.where(sel & (k == 0), np.inf, v)
            v = np.where(sel & (k == 1), -np.inf, v)
            v = np.where(sel & (k == 2), np.nan, v)
            v = np.where(~sel & (r < p + np.uint64(50000)), -0.0, v)
    elif kind == "positive":
        v = np.ldexp((u >> np.uint64(65 - B)).astype(np.float64), 8 - B)
    elif kind == "ones":
        v = np.ones(n)
    elif kind == "negzero":
        v = -np.zeros(n)
    elif kind == "tiny":
        v = np.ldexp(m.astype(np.float64), -149 if f32 else -1074)
    elif kind == "big":
        v = np.ldexp(m.astype(np.float64), 104 if f32 else 971)
    else:
        raise ValueError(kind)
    out = v.astype(dt)
    assert np.array_equal(out.astype(np.float64), v, equal_nan=True), "value not exact"
    return out


# ------------------------------------------------------------------------------------------------
# model of torch 1.13's order (numpy, vectorized over the independent chains)
# ------------------------------------------------------------------------------------------------

def ceil_log2(x):
    return 1 if x <= 2 else int(x - 1).bit_length()


def seq_sum0(a, axis=0):
    """0 + a[0] + a[1] + ... along axis, in a's dtype."""
    a = np.moveaxis(a, axis, 0)
    acc = np.zeros(a.shape[1:], dtype=a.dtype)
    for k in range(a.shape[0]):
        acc = acc + a[k]
    return acc


def multi_row_sum(G):
    """G: (size, 4, *lanes). SumKernel.cpp's multi_row_sum (4 levels)."""
    size = G.shape[0]
    step = 1 << max(4, ceil_log2(size) // 4)
    nch = size // step
    tail = G.shape[1:]
    v = seq_sum0(G[:nch * step].reshape((nch, step) + tail), axis=1) if nch else \
        np.zeros((0,) + tail, G.dtype)
    acc = [seq_sum0(G[nch * step:])]
    for _ in (1, 2):
        ng = v.shape[0] // step
        acc.append(seq_sum0(v[ng * step:]))
        v = seq_sum0(v[:ng * step].reshape((ng, step) + tail), axis=1) if ng else \
            np.zeros((0,) + tail, G.dtype)
    acc.append(seq_sum0(v))
    return ((acc[0] + acc[1]) + acc[2]) + acc[3]


def row_sum(R):
    """R: (m, *lanes). row_sum with ilp_factor 4."""
    m = R.shape[0]
    s = m // 4
    part = multi_row_sum(R[:s * 4].reshape((s, 4) + R.shape[1:]))
    p0 = part[0]
    for i in range(s * 4, m):
        p0 = p0 + R[i]
    for k in (1, 2, 3):
        p0 = p0 + part[k]
    return p0


def inner_sum(x):
    """cascade_sum's loop over one contiguous range: the acc_t value added to the output."""
    lanes = 8 if x.dtype == np.float32 else 4  # AVX2 Vectorized<T>::size()
    dt = x.dtype.type
    n = x.shape[0]
    if n < lanes:
        return dt(row_sum(x))
    vs = n // lanes
    va = row_sum(x[:vs * lanes].reshape(vs, lanes))
    f = dt(0)
    for k in range(vs * lanes, n):
        f = dt(f + x[k])
    for k in range(lanes):
        f = dt(f + va[k])
    return f


def model_sum(x, threads=1):
    dt = x.dtype.type
    n = x.shape[0]
    if n == 0:
        return dt(0)
    if threads == 1 or n < GRAIN:
        return dt(dt(0) + inner_sum(x))
    parts = min(threads, -(-n // GRAIN))
    chunk = -(-n // parts)
    buf = np.zeros(threads, dtype=x.dtype)
    for t in range(parts):
        b = t * chunk
        if b < n:
            buf[t] = dt(0) + inner_sum(x[b:min(n, b + chunk)])
    return dt(dt(0) + inner_sum(buf))


# ------------------------------------------------------------------------------------------------
# cases
# ------------------------------------------------------------------------------------------------

def hexval(v, dtype):
    if dtype == "float32":
        return "0x%08x" % np.array(v, dtype=np.float32).view(np.uint32).item()
    return "0x%016x" % np.array(v, dtype=np.float64).view(np.uint64).item()


def same(a, b):
    a, b = float(a), float(b)
    if a != a or b != b:
        return a != a and b != b
    return a == b and np.copysign(1.0, a) == np.copysign(1.0, b)


KINDS = ["normal", "mixed", "positive", "special", "normal", "mixed", "positive", "tiny", "big",
         "ones", "negzero"]


def build_cases():
    rng = np.random.default_rng(20240913)
    cases = []

    def add(n, dtype, kind, threads=1, shape=None, p=0):
        cases.append({"dtype": dtype, "n": int(n), "kind": kind, "p": int(p),
                      "threads": int(threads), "shape": shape if shape is not None else [int(n)],
                      "seed": int(rng.integers(0, 2**63))})

    def kind_for(i):
        return KINDS[i % len(KINDS)]

    i = 0
    # every small length, each dtype with two kinds
    for n in range(0, 131):
        for dt in ("float32", "float64"):
            add(n, dt, kind_for(i)); i += 1
            add(n, dt, "mixed" if n % 2 else "normal")
    # powers of two +- 1 (float32 up to 2^25 + 1, float64 up to 2^22 + 1)
    for k in range(3, 26):
        for d in (-1, 0, 1):
            if k < 25 or d == 1:
                add(2**k + d, "float32", kind_for(i)); i += 1
            if k <= 22:
                add(2**k + d, "float64", kind_for(i)); i += 1
    # level boundaries: the cascade steps at 16 and 256 and 4096 groups (of 32 floats / 16
    # doubles), the level size growing at 2^20, 2^24 groups; 4096 / 32768 / 65536 / GRAIN
    for b in (512, 4096, 8192, 32768, 65536, 131072, 262144, 2**21):
        for d in (-33, -32, -31, -8, -7, -1, 1, 7, 8, 31, 32, 33, 4 * 32 + 5):
            for dt in ("float32", "float64"):
                add(b + d, dt, kind_for(i)); i += 1
    # the level size lp goes from 4 to 5 above 2^19 groups
    for n in (2**24 + 32, 2**24 + 32 + 4 * 8 + 5):
        add(n, "float32", kind_for(i)); i += 1
    for n in (2**23 + 16, 2**23 + 16 + 4 * 4 + 3):
        add(n, "float64", kind_for(i)); i += 1
    # log-uniform random lengths up to 3e7
    for n in np.exp(rng.uniform(np.log(8), np.log(3e7), 30)).astype(np.int64):
        add(n, "float32" if i % 3 else "float64", kind_for(i)); i += 1
    # the lesson's sizes
    for n in (50, 300, 900, 3000, 3000000, 9000000, 30000000):
        add(n, "float32", "positive")
        if n < 30000000:
            add(n, "float32", "normal")
            add(n, "float64", "positive")
    # NaN / inf at various rates (per million)
    for n, p in ((100, 10000), (1000, 1000), (5000, 300), (100000, 15), (40000, 30), (33, 30000),
                 (257, 5000), (1000000, 1), (3000000, 1)):
        for dt in ("float32", "float64"):
            add(n, dt, "special", p=p)
    # multi-dim contiguous tensors reduced to a scalar
    for shape in ([50, 1], [3000000, 1], [300, 3], [300, 1000], [1000, 7], [2, 3, 4],
                  [17, 5, 33], [65537, 3], [1, 1, 1], [5, 0], []):
        n = int(np.prod(shape)) if shape else 1
        for dt in ("float32", "float64"):
            add(n, dt, kind_for(i), shape=shape); i += 1
    # torch's intra-op threads (not the reference; at::get_num_threads() is 1 here by default)
    for n in (32767, 32768, 32769, 65535, 65536, 65537, 100003, 1000000, 3000000):
        for th in (2, 3, 8):
            add(n, "float32" if th != 3 else "float64", kind_for(i), threads=th); i += 1
    for k, c in enumerate(cases):
        c["id"] = "sum-%04d-%s-%s-n%d" % (k, c["dtype"], c["kind"], c["n"])
    return cases


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "torch_sum.json")
    cfg = torch.__config__.show()
    assert "CPU capability usage: AVX2" in cfg, "torch must dispatch at AVX2 (8 float lanes)"
    cases = build_cases()
    for c in cases:
        x = make_values(c)
        dt = c["dtype"]
        torch.set_num_threads(c["threads"])
        t = torch.from_numpy(x).reshape(c["shape"])
        assert t.is_contiguous()
        s, m = t.sum(), t.mean()
        c["sum"] = hexval(s.item(), dt)
        c["mean"] = hexval(m.item(), dt)
        ms = model_sum(x, c["threads"])
        if not same(ms, s.item()):
            sys.exit(f"model != torch for {c['id']}: torch {c['sum']} model {hexval(ms, dt)}")
        with np.errstate(invalid="ignore", divide="ignore"):
            mm = np.divide(ms, x.dtype.type(c["n"]))
        if not same(mm, m.item()):
            sys.exit(f"mean != sum / T(n) for {c['id']}: torch {c['mean']} model {hexval(mm, dt)}")
        # the 1-D sum of the same values (the reshape does not change torch's order)
        if c["shape"] != [c["n"]] and not same(torch.from_numpy(x).sum().item(), s.item()):
            sys.exit(f"multi-dim sum != 1-D sum for {c['id']}")
    torch.set_num_threads(1)
    doc = {
        "meta": {"generator": "scripts/gen_sum_fixtures.py", "torch_version": torch.__version__,
                 "cpu_capability": "AVX2", "count": len(cases),
                 "inputs": "derived from seed, kind and p (splitmix64), see the generator's "
                           "docstring"},
        "cases": cases,
    }
    with open(out_path, "w") as f:  # one case per line
        f.write('{"meta": %s,\n"cases": [\n' % json.dumps(doc["meta"]))
        f.write(",\n".join(json.dumps(c) for c in cases))
        f.write("\n]}\n")
    print(f"{len(cases)} cases, model == torch for all; wrote {out_path}")


if __name__ == "__main__":
    with np.errstate(over="ignore", invalid="ignore"):
        main()
