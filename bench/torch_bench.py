#!/usr/bin/env python3
"""PyTorch native, one thread and all threads: the browser bench's workloads on the same bytes.

    python3 bench/torch_bench.py --sizes 3e6 --reps 7 --out build/bench/torch.json [--workloads=ctc,hinge]

Data: bench/README.md's counter-based hash (the same float32 values as the page and the native
bench); reference: the loss in float64 (numpy) over the same float32 inputs, summed with
math.fsum. Two contenders per workload, their timed runs interleaved (so their ratio comes from
the same seconds): pytorch-1t (torch.set_num_threads(1); median CPU time of the calling thread per
call, and the wall-clock median) and pytorch-all (torch.set_num_threads(os.cpu_count()), PyTorch's
default; median wall-clock time: the CPU time of one thread does not describe a threaded call).
Output: {"torch": version, "threads": 1, "threads_all": n, "runs": [...]}.
"""
import argparse
import json
import math
import os
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


# ---- the losses beyond the lesson's five (bench/page/data.mjs: makeExtraData) -------------------
ROW_C, EMB_D = 10, 32
CTC_T, CTC_B, CTC_C, CTC_S = 50, 64, 20, 20
# workload -> (torch.nn.functional name, options besides reduction 'mean')
EXTRA = {
    'margin_ranking': ('margin_ranking_loss', {}),
    'hinge': ('hinge_embedding_loss', {}),
    'hinge_tf': ('margin_ranking_loss', {'margin': 1.0}),
    'soft_margin': ('soft_margin_loss', {}),
    'poisson': ('poisson_nll_loss', {}),
    'gaussian': ('gaussian_nll_loss', {}),
    'ml_soft_margin': ('multilabel_soft_margin_loss', {}),
    'multi_margin': ('multi_margin_loss', {}),
    'ml_margin': ('multilabel_margin_loss', {}),
    'cosine_emb': ('cosine_embedding_loss', {}),
    'cosine_dist': ('cosine_embedding_loss', {}),
    'triplet': ('triplet_margin_loss', {}),
    'triplet_dist': ('triplet_margin_with_distance_loss', {}),
    'ctc': ('ctc_loss', {}),
}


def _u(n):
    return np.arange(n, dtype=np.uint32)


def _sign(i, s):
    return (2 * (hash32(i, s) >> np.uint32(31)).astype(np.int64) - 1).astype(np.float32)


def _log_sigmoid(v):
    return np.minimum(v, 0) - np.log1p(np.exp(-np.abs(v)))


def _lse(*v):
    m = np.maximum.reduce(v)
    with np.errstate(invalid='ignore'):
        out = m + np.log(sum(np.exp(x - m) for x in v))
    return np.where(np.isneginf(m), -np.inf, out)


def _ctc_nll(lp, target, length):
    """-log p(target | lp[:length]) by the CTC forward recursion in float64, blank 0 (lp: (T, C))."""
    lab = np.zeros(2 * len(target) + 1, dtype=np.int64)
    lab[1::2] = target
    L = lab.size
    skip = np.zeros(L, dtype=bool)
    skip[2:] = (lab[2:] != 0) & (lab[2:] != lab[:-2])
    alpha = np.full(L, -np.inf)
    alpha[0] = lp[0, 0]
    if L > 1:
        alpha[1] = lp[0, lab[1]]
    for t in range(1, length):
        a1 = np.concatenate(([-np.inf], alpha[:-1]))
        a2 = np.where(skip, np.concatenate(([-np.inf, -np.inf], alpha[:-2])), -np.inf)
        alpha = _lse(alpha, a1, a2) + lp[t, lab]
    return -float(_lse(alpha[L - 1:L], alpha[L - 2:L - 1] if L > 1 else np.array([-np.inf]))[0])


def make_extra(workload, n):
    """(operands, float64 reference of the 'mean' loss, elements, bytes): the page's data."""
    T = torch.from_numpy
    if workload in ('margin_ranking', 'hinge_tf'):
        tfw = workload == 'hinge_tf'
        i = _u(n)
        x1 = centered(i, 25 if tfw else 20, 22)
        x2 = np.zeros(1, np.float32) if tfw else centered(i, 21, 22)
        y = _sign(i, 26 if tfw else 22)
        ref = fsum(np.maximum(0, -y.astype(np.float64) * (x1.astype(np.float64) - x2) + (1 if tfw else 0))) / n
        ops = [x1, x2, y]
    elif workload == 'hinge':
        i = _u(n)
        x = np.ldexp((hash32(i, 23) >> np.uint32(8)).astype(np.float32), -22).astype(np.float32)
        y = _sign(i, 24)
        xd = x.astype(np.float64)
        ref = fsum(np.where(y > 0, xd, np.maximum(0, 1 - xd))) / n
        ops = [x, y]
    elif workload == 'soft_margin':
        i = _u(n)
        x, y = centered(i, 27, 20), _sign(i, 28)
        ref = fsum(np.log1p(np.exp(-y.astype(np.float64) * x))) / n
        ops = [x, y]
    elif workload == 'poisson':
        i = _u(n)
        x = centered(i, 29, 22)
        y = (hash32(i, 30) % np.uint32(8)).astype(np.float32)
        xd = x.astype(np.float64)
        ref = fsum(np.exp(xd) - y * xd) / n
        ops = [x, y]
    elif workload == 'gaussian':
        i = _u(n)
        x, y = centered(i, 31, 22), centered(i, 32, 22)
        v = np.ldexp(((hash32(i, 33) >> np.uint32(9)) + np.uint32(0x200000)).astype(np.float32), -22).astype(np.float32)
        vd = v.astype(np.float64)
        ref = fsum(0.5 * (np.log(vd) + (x.astype(np.float64) - y) ** 2 / vd)) / n
        ops = [x, y, v]
    elif workload in ('ml_soft_margin', 'multi_margin', 'ml_margin'):
        c = ROW_C
        r = n // c
        k = _u(r * c)
        if workload == 'ml_soft_margin':
            x = centered(k, 34, 20).reshape(r, c)
            y = (hash32(k, 35) >> np.uint32(31)).astype(np.float32).reshape(r, c)
            xd = x.astype(np.float64)
            ref = fsum(-(y * _log_sigmoid(xd) + (1 - y) * _log_sigmoid(-xd)).sum(axis=1) / c) / r
            ops = [x, y]
        elif workload == 'multi_margin':
            x = centered(k, 36, 21).reshape(r, c)
            t = (hash32(_u(r), 37) % np.uint32(c)).astype(np.int64)
            xd = x.astype(np.float64)
            h = np.maximum(0, 1 - xd[np.arange(r), t][:, None] + xd)
            h[np.arange(r), t] = 0
            ref = fsum(h.sum(axis=1) / c) / r
            ops = [x, t]
        else:
            x = centered(k, 38, 21).reshape(r, c)
            is_label = ((hash32(k, 39) >> np.uint32(30)) == 0).reshape(r, c)
            t = np.full((r, c), -1, dtype=np.int64)
            for row in range(r):
                js = np.nonzero(is_label[row])[0]
                t[row, :js.size] = js
            xd = x.astype(np.float64)
            h = np.maximum(0, 1 - (xd[:, :, None] - xd[:, None, :]))  # [row, label j, other i]
            h *= is_label[:, :, None] & ~is_label[:, None, :]
            ref = fsum(h.sum(axis=(1, 2)) / c) / r
            ops = [x, t]
        elements = r * c
    elif workload in ('cosine_emb', 'cosine_dist', 'triplet', 'triplet_dist'):
        d = EMB_D
        r = n // d
        k = _u(r * d)
        if workload.startswith('cosine'):
            x1, x2 = centered(k, 40, 22).reshape(r, d), centered(k, 41, 22).reshape(r, d)
            y = np.ones(r, np.float32) if workload == 'cosine_dist' else _sign(_u(r), 42)
            a, b = x1.astype(np.float64), x2.astype(np.float64)
            cos = (a * b).sum(1) / np.sqrt(((a * a).sum(1) + 1e-12) * ((b * b).sum(1) + 1e-12))
            ref = fsum(np.where(y > 0, 1 - cos, np.maximum(0, cos))) / r
            ops = [x1, x2, y]
        else:
            a, p, q = (centered(k, s, 22).reshape(r, d) for s in (43, 44, 45))
            ad = a.astype(np.float64)
            dp = np.sqrt(((ad - p + 1e-6) ** 2).sum(1))
            dn = np.sqrt(((ad - q + 1e-6) ** 2).sum(1))
            ref = fsum(np.maximum(dp - dn + 1, 0)) / r
            ops = [a, p, q]
        elements = r * d
    elif workload == 'ctc':
        tt, bb, cc, ss = CTC_T, CTC_B, CTC_C, CTC_S
        lp = (-np.ldexp((hash32(_u(tt * bb * cc), 46) >> np.uint32(8)).astype(np.float32), -21)).astype(np.float32)
        lp = lp.reshape(tt, bb, cc)
        tg = (1 + hash32(_u(bb * ss), 47) % np.uint32(cc - 1)).astype(np.int64).reshape(bb, ss)
        il = (tt - hash32(_u(bb), 48) % np.uint32(10)).astype(np.int64)
        tl = (1 + hash32(_u(bb), 49) % np.uint32(ss)).astype(np.int64)
        lpd = lp.astype(np.float64)
        ref = math.fsum(_ctc_nll(lpd[:, b, :], tg[b, :tl[b]], il[b]) / tl[b] for b in range(bb)) / bb
        return [T(lp), T(tg), T(il), T(tl)], ref, tt * bb * cc, 4 * tt * bb * cc + 8 * bb * ss + 16 * bb
    else:
        raise ValueError(workload)
    if workload in ('margin_ranking', 'hinge', 'hinge_tf', 'soft_margin', 'poisson', 'gaussian'):
        elements = n
    nbytes = sum(o.nbytes for o in ops)
    return [T(o) for o in ops], ref, elements, nbytes


LOSS = {
    'mse': F.mse_loss,
    'bce': F.binary_cross_entropy,
    'bce_logits': F.binary_cross_entropy_with_logits,
    'ce3': F.cross_entropy,
    'ce1000': F.cross_entropy,
}


ALL = os.cpu_count() or 1
# (contender, torch threads, which clock is its median_ms)
MODES = (('pytorch-1t', 1, 'cpu'), ('pytorch-all', ALL, 'wall'))


def timed(fn, reps, warmup=2, min_run_ms=20.0):
    """{contender: (median ms, median CPU ms, median wall ms)} per call for both thread counts:
    warm-up calls at each count, then `reps` rounds of one timed run per count (interleaved), each
    a batch of k calls (k so that a run lasts >= min_run_ms). CPU = this thread's CPU time (with
    one thread torch runs its ops in the calling thread: the same as wall time on an idle host, and
    what the call cost on a busy one); pytorch-all's median is the wall time."""
    ks = {}
    for name, threads, _ in MODES:
        torch.set_num_threads(threads)
        t0 = time.perf_counter()
        for _ in range(warmup):
            fn()
        per = max((time.perf_counter() - t0) * 1e3 / warmup, 1e-4)
        ks[name] = max(1, min(20000, math.ceil(min_run_ms / per)))
    cpu = {m[0]: [] for m in MODES}
    wall = {m[0]: [] for m in MODES}
    for _ in range(reps):
        for name, threads, _ in MODES:
            torch.set_num_threads(threads)
            k = ks[name]
            c0, t0 = time.thread_time(), time.perf_counter()
            for _ in range(k):
                fn()
            wall[name].append((time.perf_counter() - t0) * 1e3 / k)
            cpu[name].append((time.thread_time() - c0) * 1e3 / k)
    torch.set_num_threads(1)
    out = {}
    for name, _, clock in MODES:
        c, w = float(np.median(cpu[name])), float(np.median(wall[name]))
        out[name] = (c if clock == 'cpu' else w, c, w)
    return out


def record(runs, times, workload, n, label, **fields):
    """One run entry per contender; prints them."""
    for name, (ms, cpu, wall) in times.items():
        runs.append({'workload': workload, 'n': n, 'contender': name, 'median_ms': ms,
                     'cpu_median_ms': cpu, 'wall_median_ms': wall, **fields})
        print(f'{name:<11} {workload:>14} n={n:<9} {ms:9.3f} ms (wall {wall:.3f}, cpu {cpu:.3f})  {label}',
              flush=True)


def gen_b(n):
    torch.manual_seed(420)
    x = torch.rand(n, 4)
    w = torch.rand(4, 1)
    y = torch.randint(0, 2, (n, 1), dtype=torch.float32)
    zhat = torch.mm(x, w)
    sigma = torch.sigmoid(zhat)
    return x, w, y, zhat, sigma


def bce_hand(y, sigma, n):
    """The lesson's BCE by hand: several ops, each a pass over memory (no autograd)."""
    return (-1 / n) * torch.sum(y * torch.log(sigma) + (1 - y) * torch.log(1 - sigma))


def sgd100(X, y, w0):
    """100 steps of SGD (lr 0.5) on the multiclass recipe: mm, CrossEntropyLoss, backward, step."""
    w = w0.clone().requires_grad_()
    opt = torch.optim.SGD([w], lr=0.5)
    crit = torch.nn.CrossEntropyLoss()
    for _ in range(100):
        opt.zero_grad()
        loss = crit(X.mm(w), y)
        loss.backward()
        opt.step()
    return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sizes', default='3e4,3e5,3e6,3e7')
    ap.add_argument('--reps', type=int, default=7)
    ap.add_argument('--out', required=True)
    ap.add_argument('--workloads', default='', help='comma-separated subset (default: all)')
    a = ap.parse_args()
    torch.set_num_threads(1)
    sizes = [int(float(s)) for s in a.sizes.split(',')]
    runs = []
    for workload in ('mse', 'bce', 'bce_logits', 'ce3', 'ce1000'):
        if a.workloads and workload not in a.workloads.split(','):
            continue
        for n in ([3000] if workload == 'ce1000' else sizes):
            x, t, ref, elements, nbytes = make(workload, n)
            f = LOSS[workload]
            value = f(x, t).item()
            rel = abs(value - ref) / abs(ref)
            record(runs, timed(lambda: f(x, t).item(), a.reps), workload, n, f'rel_err={rel:.2e}',
                   rel_err=rel, elements=elements, bytes=nbytes, value=value)
            del x, t
    only = set(a.workloads.split(',')) if a.workloads else None
    for workload, (name, opts) in EXTRA.items():
        if only is not None and workload not in only:
            continue
        f = getattr(F, name, None)
        for n in ([CTC_B] if workload == 'ctc' else sizes):
            ops, ref, elements, nbytes = make_extra(workload, n)
            value = f(*ops, **opts).item()
            rel = abs(value - ref) / abs(ref)
            record(runs, timed(lambda: f(*ops, **opts).item(), a.reps), workload, n, f'rel_err={rel:.2e}',
                   rel_err=rel, elements=elements, bytes=nbytes, value=value)
            del ops
    for n in sizes:
        if only is not None and 'gen_b' not in only:
            break
        out = gen_b(n)
        value = F.binary_cross_entropy(out[4], out[2]).item()
        del out
        record(runs, timed(lambda: gen_b(n), a.reps, warmup=1), 'gen_b', n,
               f'(bce of the recipe = {value:.4f})', rel_err=None, elements=n, bytes=28 * n, value=value)
    # the lesson as programs: BCE by hand over the recipe-B data, and a 100-step SGD loop
    for n in sizes:
        if only is not None and 'bce_hand' not in only:
            break
        _, _, y, _, sigma = gen_b(n)
        value = bce_hand(y, sigma, n).item()
        record(runs, timed(lambda: bce_hand(y, sigma, n).item(), a.reps), 'bce_hand', n,
               f'value={value:.6f}', rel_err=None, elements=n, bytes=8 * n, value=value)
        del y, sigma
    if only is None or 'sgd100' in only:
        torch.manual_seed(420)
        X = torch.rand(300, 4)
        w0 = torch.rand(4, 3)
        y = torch.randint(0, 3, (300,), dtype=torch.float32).long()
        value = sgd100(X, y, w0)
        record(runs, timed(lambda: sgd100(X, y, w0), a.reps, warmup=1), 'sgd100', 300,
               f'final loss={value:.6f}', rel_err=None, elements=300 * 3, bytes=0, value=value)
    with open(a.out, 'w') as fh:
        json.dump({'torch': torch.__version__, 'threads': 1, 'threads_all': ALL, 'runs': runs}, fh, indent=1)


if __name__ == '__main__':
    main()
