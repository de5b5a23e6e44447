#!/usr/bin/env python3
"""Generate tests/golden/rng_extra.json: extra bit-exact fixtures for the losslab generator.

Needs torch 1.13.1 (Debian python3-torch 1.13.1+dfsg) on an AVX2 (or AVX-512) x86-64 CPU, one
thread. The C++ tests (tests/cpp/rng_test.cpp) read the JSON; torch is NOT needed at test time.

    /usr/bin/python3 scripts/gen_rng_fixtures.py [out.json]

Format: {"meta": {...}, "cases": [{"id", "seed", "calls": [{"op", "n", "dtype", "args",
"result" | "error"}]}]}. Every call of a case is drawn from one generator after
torch.manual_seed(seed), in order. op is "rand", "randn", "randint" (args [low, high]) or
"random_int32" (torch.empty(n, dtype=int32).random_() == MT19937 word % 2**31).
A result holds "dtype", "shape" and "hex" (IEEE-754 / two's-complement bit patterns) when it has
at most FULL elements; larger ones hold "numel", "head_hex" and "tail_hex" (first and last 64),
"checksum_bits_xor" (XOR of all bit patterns) and "checksum_bits_wsum" (sum of bits_i * (2i + 1)
mod 2**64, order dependent), with the bit patterns zero-extended to 64 bits.
Recipe cases ("kind": "recipe") store the recipe's named tensors the same way.
"""
import json
import os
import sys
import warnings

import numpy as np
import torch

FULL = 2048
HEAD = 64

DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64,
          "int32": torch.int32}


def bits_of(t):
    a = t.detach().contiguous().view(-1).numpy()
    if a.dtype.itemsize == 4:
        return a.view(np.uint32).astype(np.uint64), 8
    return a.view(np.uint64), 16


def hexs(b, width):
    return ["0x%0*x" % (width, int(v)) for v in b]


def enc(t):
    b, w = bits_of(t)
    d = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape)}
    n = b.size
    if n <= FULL:
        d["hex"] = hexs(b, w)
        return d
    d["numel"] = int(n)
    d["head_hex"] = hexs(b[:HEAD], w)
    d["tail_hex"] = hexs(b[-HEAD:], w)
    x = np.bitwise_xor.reduce(b)
    with np.errstate(over="ignore"):
        ws = np.sum(b * (2 * np.arange(n, dtype=np.uint64) + np.uint64(1)), dtype=np.uint64)
    d["checksum_bits_xor"] = "0x%0*x" % (w, int(x))
    d["checksum_bits_wsum"] = "0x%016x" % int(ws)
    return d


def run_call(call):
    op, n, dt = call["op"], call["n"], call.get("dtype", "float32")
    try:
        if op == "rand":
            r = torch.rand(n, dtype=DTYPES[dt])
        elif op == "randn":
            r = torch.randn(n, dtype=DTYPES[dt])
        elif op == "randint":
            lo, hi = call["args"]
            r = torch.randint(lo, hi, (n,), dtype=DTYPES[dt])
        elif op == "random_int32":
            r = torch.empty(n, dtype=torch.int32).random_()
        else:
            raise ValueError(op)
    except RuntimeError as e:
        return {"error": {"type": "RuntimeError", "message": str(e)}}
    return {"result": enc(r)}


def stream(cid, seed, calls):
    torch.manual_seed(seed)
    out = []
    for c in calls:
        c = dict(c)
        c.setdefault("dtype", "float32")
        c.setdefault("args", None)
        c.update(run_call(c))
        out.append(c)
    return {"id": cid, "kind": "stream", "seed": seed, "calls": out}


def recipe(name, seed, n, c=None):
    torch.manual_seed(seed)
    t = {}
    if name == "regression":
        t["yhat"] = torch.randn(size=(n, 1), dtype=torch.float32)
        t["y"] = torch.randn(size=(n, 1), dtype=torch.float32)
    elif name == "binary":
        t["x"] = torch.rand((n, 4), dtype=torch.float32)
        t["w"] = torch.rand((4, 1), dtype=torch.float32)
        t["y"] = torch.randint(low=0, high=2, size=(n, 1), dtype=torch.float32)
        t["zhat"] = torch.mm(t["x"], t["w"])
        # sigma (vectorised SLEEF exp in torch) is compared with a tolerance in the tests.
    else:
        t["X"] = torch.rand((n, 4), dtype=torch.float32)
        t["w"] = torch.rand((4, c), dtype=torch.float32)
        t["y"] = torch.randint(low=0, high=c, size=(n,), dtype=torch.float32)
        t["zhat"] = torch.mm(t["X"], t["w"])
        t["y_long"] = t["y"].long()
    return {"id": "recipe-%s-seed%d-n%d%s" % (name, seed, n, "" if c is None else "-c%d" % c),
            "kind": "recipe", "recipe": name, "seed": seed, "n": n, "c": c,
            "tensors": {k: enc(v) for k, v in t.items()}}


def zero_word_position(n=1 << 20):
    """(seed, k): the first MT19937 word k of a seed whose low 24 bits are 0 (rand() == 0.0).
    randint(0, 2**24) takes one word per element and returns word % 2**24."""
    for seed in range(1000):
        torch.manual_seed(seed)
        low = torch.randint(0, 1 << 24, (n,), dtype=torch.int64)
        hits = (low == 0).nonzero()
        if hits.numel():
            return seed, int(hits[0, 0])
    raise RuntimeError("no zero word found")


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.normpath(os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "rng_extra.json"))
    torch.set_num_threads(1)
    # randint with float bounds beyond 2**24 / 2**53 only warns in 1.13; the values are stored.
    warnings.filterwarnings("ignore", category=UserWarning)
    cases = []
    # randn float32, every size from a fresh seed: serial path (< 16), 16-blocks, tail rule.
    for n in list(range(1, 41)) + [47, 48, 49, 63, 64, 65, 100, 1000, 12345, 3_000_000]:
        cases.append(stream("randn-f32-n%d-seed420" % n, 420, [{"op": "randn", "n": n}]))
    # float64 rand / randn.
    for n in [1, 2, 7, 15, 16, 17, 31, 33, 50, 1000, 12345]:
        cases.append(stream("rand-f64-n%d-seed7" % n, 7, [{"op": "rand", "n": n,
                                                           "dtype": "float64"}]))
        cases.append(stream("randn-f64-n%d-seed7" % n, 7, [{"op": "randn", "n": n,
                                                            "dtype": "float64"}]))
    cases.append(stream("randn-f64-n100000-seed3", 3, [{"op": "randn", "n": 100_000,
                                                       "dtype": "float64"}]))
    # rand float32, large (several MT blocks, odd sizes).
    for n in [623, 624, 625, 1249, 3_000_000]:
        cases.append(stream("rand-f32-n%d-seed11" % n, 11, [{"op": "rand", "n": n}]))
    # randint: ranges, negative lows, every dtype (int32 errors for ranges beyond int).
    ranges = [(0, 2), (0, 3), (0, 10), (-5, 5), (0, 2**31), (0, 2**32 + 5), (-7, 2**32 - 7),
              (0, 2**40), (-2**40, 3), (0, 2**53), (-2**62, 2**62), (-2**63, 2**63 - 1),
              (0, 2**25), (2**24 - 3, 2**24 + 5), (-2**31, 2**31 - 1)]
    for lo, hi in ranges:
        for dt in ["int64", "int32", "float32", "float64"]:
            cases.append(stream("randint-%s-%d-%d-seed5" % (dt, lo, hi), 5,
                                [{"op": "randint", "n": 50, "dtype": dt, "args": [lo, hi]},
                                 {"op": "rand", "n": 3}]))
    for lo, hi in [(5, 5), (6, 5), (0, 1)]:
        cases.append(stream("randint-int64-%d-%d-seed5" % (lo, hi), 5,
                            [{"op": "randint", "n": 4, "dtype": "int64", "args": [lo, hi]}]))
    cases.append(stream("randint-f32-n100000-range3-seed9", 9,
                        [{"op": "randint", "n": 100_000, "args": [0, 3]}]))
    # Seeds: only the low 32 bits count; initial_seed keeps all 64.
    for seed in [0, 1, 421, 2**32 + 421, 2**31, 2**32 - 1, 2**63, 2**64 - 1, 67280421310721]:
        cases.append(stream("seed%d" % seed, seed, [
            {"op": "rand", "n": 20}, {"op": "randn", "n": 20}, {"op": "randn", "n": 5},
            {"op": "rand", "n": 4, "dtype": "float64"}, {"op": "random_int32", "n": 8}]))
    # Raw MT words across several block boundaries.
    cases.append(stream("raw-int32-seed420", 420, [{"op": "random_int32", "n": 2000}]))
    # The serial path's cache carried across calls and dtypes.
    cases.append(stream("cache-mix-seed12", 12, [
        {"op": "randn", "n": 5}, {"op": "rand", "n": 3, "dtype": "float64"},
        {"op": "randn", "n": 17}, {"op": "randn", "n": 3, "dtype": "float64"},
        {"op": "randint", "n": 4, "dtype": "int64", "args": [0, 10]},
        {"op": "randn", "n": 1}, {"op": "randn", "n": 2, "dtype": "float64"},
        {"op": "randn", "n": 16, "dtype": "float64"}, {"op": "randn", "n": 1},
        {"op": "randn", "n": 15, "dtype": "float64"}, {"op": "randn", "n": 9},
        {"op": "rand", "n": 700}, {"op": "randn", "n": 33}]))
    # A uniform of exactly 0 in a first-half lane: u1 = 1, radius = sqrt(-2 * log(1)) = -0, and
    # torch's fma(-0 * c, std, mean) stores +0 (not -0) for both normals of the pair.
    seed, k = zero_word_position()
    cases.append(stream("randn-f32-zero-uniform-seed%d-skip%d" % (seed, k), seed, [
        {"op": "rand", "n": k}, {"op": "randn", "n": 16}, {"op": "rand", "n": k % 16 + 1},
        {"op": "randn", "n": 16}]))
    # Recipes.
    cases.append(recipe("regression", 420, 50))
    cases.append(recipe("regression", 420, 3_000_000))
    cases.append(recipe("regression", 7, 1001))
    cases.append(recipe("binary", 420, 3000))
    cases.append(recipe("binary", 420, 3_000_000))
    cases.append(recipe("binary", 2**64 - 1, 777))
    cases.append(recipe("multiclass", 420, 300, 3))
    cases.append(recipe("multiclass", 99, 5000, 7))
    cases.append(recipe("multiclass", 420, 1_000_000, 3))

    meta = {"generator": "scripts/gen_rng_fixtures.py", "torch_version": torch.__version__,
            "num_threads": torch.get_num_threads(), "full_limit": FULL, "head": HEAD,
            "count": len(cases)}
    with open(out_path, "w") as f:
        json.dump({"meta": meta, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print("wrote %s: %d cases, %d bytes" % (out_path, len(cases), os.path.getsize(out_path)))


if __name__ == "__main__":
    main()
