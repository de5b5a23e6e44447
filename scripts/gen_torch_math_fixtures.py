#!/usr/bin/env python3
"""Generates tests/golden/torch_exp_log.json: torch 1.13's float32 at::exp, at::log (SLEEF's u10
vector functions) and the C library's logf as torch's scalar kernels call it (read through
torch.xlogy(1, x) = 1 * std::log(x)), on inputs chosen to cover every path of
core/include/losslab/detail/torch_math.hpp: random floats of every magnitude and sign, the
range cut-offs of exp (-104, -87.3, 88.7, 100) and their neighbours, subnormals, zeros, infinities,
NaN, 1 and its neighbours, and powers of two. tests/cpp/torch_math_test.cpp requires tmath::exp,
tmath::log and tmath::libm_log to give these bits, in SIMD batches and in the scalar reference.

The file is {"meta": {...}, "x": [u32], "exp": [u32], "log": [u32], "libm_log": [u32]}: float32
values as their bit patterns (NaN results compare as NaN). Deterministic (fixed seed).
Needs torch 1.13 (Debian python3-torch) and numpy.
Usage: /usr/bin/python3 scripts/gen_torch_math_fixtures.py [out.json]
"""
import json
import os
import sys

import numpy as np
import torch


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "tests", "golden", "torch_exp_log.json")
    torch.set_num_threads(1)
    rng = np.random.default_rng(20261202)
    parts = [
        rng.integers(0, 2**32, 6000, dtype=np.uint64).astype(np.uint32),  # any bit pattern
        rng.standard_normal(3000).astype(np.float32).view(np.uint32),
        (rng.uniform(-110, 110, 3000)).astype(np.float32).view(np.uint32),
        (rng.uniform(0, 4, 3000)).astype(np.float32).view(np.uint32),
        np.exp(rng.uniform(-100, 88, 3000)).astype(np.float32).view(np.uint32),
    ]
    edges = []
    for c in (-104.0, -103.97, -87.33654, -87.0, 0.0, 1.0, 88.72283, 100.0, 2.0**-126, 2.0**-149):
        b = np.float32(c).view(np.uint32)
        for d in range(-3, 4):
            for s in (0, 0x80000000):
                edges.append((int(b) + d) & 0xFFFFFFFF ^ s)
    edges += [0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7F7FFFFF, 0x00000001, 0x007FFFFF]
    edges += [np.float32(2.0**e).view(np.uint32) for e in range(-149, 128)]
    x = np.concatenate(parts + [np.array(edges, dtype=np.uint32)])
    xt = torch.from_numpy(x.view(np.float32).copy())
    res = {
        "exp": torch.exp(xt),
        "log": torch.log(xt),
        "libm_log": torch.xlogy(torch.ones_like(xt), xt),
    }
    doc = {
        "meta": {"torch": torch.__version__, "generator": "scripts/gen_torch_math_fixtures.py",
                 "capability": torch.backends.cpu.get_cpu_capability()
                 if hasattr(torch.backends, "cpu") else "AVX2 (torch.__config__.show())",
                 "count": int(x.size)},
        "x": [int(v) for v in x],
    }
    for k, t in res.items():
        doc[k] = [int(v) for v in t.numpy().view(np.uint32)]
    with open(out, "w") as f:
        f.write("{\n")
        f.write(' "meta": %s,\n' % json.dumps(doc["meta"], sort_keys=True))
        keys = ["x", "exp", "log", "libm_log"]
        for i, k in enumerate(keys):
            f.write(' "%s": %s%s\n' % (k, json.dumps(doc[k], separators=(",", ":")),
                                     "," if i + 1 < len(keys) else ""))
        f.write("}\n")
    print("wrote %d inputs to %s" % (x.size, out))


if __name__ == "__main__":
    main()
