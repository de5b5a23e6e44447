#!/usr/bin/env python3
"""PyTorch native, one thread: the browser bench's workloads on the same bytes.

    python3 bench/torch_bench.py --sizes 3e6 --reps 7 --out build/bench/torch.json

Data: bench/README.md's counter-based hash (the same float32 values as the page and the native
bench); reference: the loss in float64 (numpy) over the same float32 inputs, summed with
math.fsum. Times: median CPU time of the calling thread per call (and the wall-clock median).
Output: {"torch": version, "threads": 1, "runs": [...]}.
"""
import argparse
import json
import math
import time

import numpy as np
import torch
import torch.nn.functional as F

M1, M2, G1, G2 = np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35), np.uint32(0x9E3779B1), np.uint32(0x7F4A7C15)


def hash32(i, stream):
    """fmix32(i * 0x9E3779B1 + stream * 0x7F4A7C15), all mod 2**32 (i: uint32 array)."""
    with np.errstate(over='ignore'):
        x = i * G1 + np.uint32((stream * 0x7F4A7C15) & 0xFFFFFFFF)
        x ^= x >> np.uint32(16)
        x *= M1
        x ^= x >> np.uint32(13)
        x *= M2
        x ^= x >> np.uint32(16)
    return x


def centered(i, stream, s):
    k = (hash32(i, stream) >> np.uint32(8)).astype(np.int64) - (1 << 23)
    return np.ldexp(k.astype(np.float32), -s).astype(np.float32)


def fsum(v):
    return math.fsum(v.tolist()) if v.size <= 1 << 22 else math.fsum(
        math.fsum(v[k:k + (1 << 22)].tolist()) for k in range(0, v.size, 1 << 22))


def make(workload, n):
    """(input, target, float64 reference of the 'mean' loss, elements, bytes)"""
    if workload in ('ce3', 'ce1000'):
        c = 3 if workload == 'ce3' else 1000
        i = np.arange(n * c, dtype=np.uint32)
        x = centered(i, 7, 21).reshape(n, c)
        t = (hash32(np.arange(n, dtype=np.uint32), 8) % np.uint32(c)).astype(np.int64)
        xd = x.astype(np.float64)
        m = xd.max(axis=1)
        lse = m + np.log(np.exp(xd - m[:, None]).sum(axis=1))
        ref = fsum(lse - xd[np.arange(n), t]) / n
        return torch.from_numpy(x), torch.from_numpy(t), ref, n * c, 4 * n * c + 8 * n
    i = np.arange(n, dtype=np.uint32)
    if workload == 'mse':
        x, y = centered(i, 1, 22), centered(i, 2, 22)
        ref = fsum((x.astype(np.float64) - y) ** 2) / n
    elif workload == 'bce':
        x = np.ldexp((2 * (hash32(i, 3) >> np.uint32(9)) + 1).astype(np.float32), -24).astype(np.float32)
        y = (hash32(i, 4) >> np.uint32(31)).astype(np.float32)
        xd = x.astype(np.float64)
        ref = fsum(-(y * np.maximum(np.log(xd), -100) + (1 - y) * np.maximum(np.log(1 - xd), -100))) / n
    elif workload == 'bce_logits':
        x = centered(i, 5, 20)
        y = (hash32(i, 6) >> np.uint32(31)).astype(np.float32)
        xd = x.astype(np.float64)
        ref = fsum(np.maximum(xd, 0) - xd * y + np.log1p(np.exp(-np.abs(xd)))) / n
    else:
        raise ValueError(workload)
    return torch.from_numpy(x), torch.from_numpy(y), ref, n, 8 * n


LOSS = {
    'mse': F.mse_loss,
    'bce': F.binary_cross_entropy,
    'bce_logits': F.binary_cross_entropy_with_logits,
    'ce3': F.cross_entropy,
    'ce1000': F.cross_entropy,
}


def timed(fn, reps, warmup=2, min_run_ms=20.0):
    """(median CPU ms, median wall ms) per call: warm-up calls, then `reps` timed runs of a batch
    of k calls (k so that a run lasts >= min_run_ms). CPU = this thread's CPU time (torch runs its
    ops in the calling thread with one thread): the same as wall time on an idle host, and what the
    call cost on a busy one."""
    c0 = time.thread_time()
    for _ in range(warmup):
        fn()
    per = max((time.thread_time() - c0) * 1e3 / warmup, 1e-4)
    k = max(1, min(20000, math.ceil(min_run_ms / per)))
    cpu, wall = [], []
    for _ in range(reps):
        c0, t0 = time.thread_time(), time.perf_counter()
        for _ in range(k):
            fn()
        wall.append((time.perf_counter() - t0) * 1e3 / k)
        cpu.append((time.thread_time() - c0) * 1e3 / k)
    return float(np.median(cpu)), float(np.median(wall))


def gen_b(n):
    torch.manual_seed(420)
    x = torch.rand(n, 4)
    w = torch.rand(4, 1)
    y = torch.randint(0, 2, (n, 1), dtype=torch.float32)
    zhat = torch.mm(x, w)
    sigma = torch.sigmoid(zhat)
    return x, w, y, zhat, sigma


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sizes', default='3e4,3e5,3e6,3e7')
    ap.add_argument('--reps', type=int, default=7)
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    torch.set_num_threads(1)
    sizes = [int(float(s)) for s in a.sizes.split(',')]
    runs = []
    for workload in ('mse', 'bce', 'bce_logits', 'ce3', 'ce1000'):
        for n in ([3000] if workload == 'ce1000' else sizes):
            x, t, ref, elements, nbytes = make(workload, n)
            f = LOSS[workload]
            value = f(x, t).item()
            ms, wall = timed(lambda: f(x, t).item(), a.reps)
            runs.append({'workload': workload, 'n': n, 'contender': 'pytorch-1t', 'median_ms': ms,
                         'wall_median_ms': wall,
                         'rel_err': abs(value - ref) / abs(ref), 'elements': elements, 'bytes': nbytes,
                         'value': value})
            print(f'pytorch-1t {workload:>10} n={n:<9} {ms:9.3f} ms (wall {wall:.3f})  rel_err={runs[-1]["rel_err"]:.2e}',
                  flush=True)
            del x, t
    for n in sizes:
        out = gen_b(n)
        value = F.binary_cross_entropy(out[4], out[2]).item()
        del out
        ms, wall = timed(lambda: gen_b(n), a.reps, warmup=1)
        runs.append({'workload': 'gen_b', 'n': n, 'contender': 'pytorch-1t', 'median_ms': ms,
                     'wall_median_ms': wall,
                     'rel_err': None, 'elements': n, 'bytes': 28 * n, 'value': value})
        print(f'pytorch-1t {"gen_b":>10} n={n:<9} {ms:9.3f} ms (wall {wall:.3f})  (bce of the recipe = {value:.4f})', flush=True)
    with open(a.out, 'w') as fh:
        json.dump({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'runs': runs}, fh, indent=1)


if __name__ == '__main__':
    main()
