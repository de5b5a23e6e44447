#!/usr/bin/env python3
"""Generates tests/golden/loss_extra.json: random nll_loss / cross_entropy cases whose 'mean' and
'sum' torch 1.13.1 (CPU) computed, for the bit-exact check of the 8-level cascade reduction.

Inputs are not stored: every tensor is derived from the case's seed with splitmix64 and formulas
that give exactly representable values, which tests/cpp/classification_test.cpp reproduces:

  u = splitmix64 stream (seed)             (one draw per element, in this order:)
  x  (numel values):  nll_loss:      -((u >> 40) * 2**-21)               in (-8, 0]
                      cross_entropy: ((u >> 40) - 2**23) * 2**-21        in [-4, 4)
  w  (C values, if weighted):   ((u >> 40) + 2**22) * 2**-23             in [0.5, 2.5)
  t  (rows values): ignored if (u >> 32) % 1000 < ignore_permille, or if the case's
                    `ignore_every` k > 0 and r % k == 0; otherwise (u & 0xffffffff) % C

(the draw for t is taken for every row, ignored or not). Positions r run over the target in
row-major order. float64 cases use the same values.

For every nll_loss case the script also checks that its own model of torch's cascade (LossNLL.cpp /
LossNLL2d.cpp, with ignore_index) reproduces torch bit for bit, and for cross_entropy without
label smoothing that torch's result equals nll_loss(log_softmax(x)) bit for bit.

Needs torch 1.13 (Debian python3-torch) and numpy; the tests do not.
Usage: /usr/bin/python3 scripts/gen_loss_fixtures.py [out.json]
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

MASK64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.s = seed & MASK64

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & MASK64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)


def make_inputs(case):
    rng = SplitMix64(case["seed"])
    shape = case["shape"]
    numel = int(np.prod(shape)) if shape else 1
    C = case["C"]
    if case["loss"] == "nll_loss":
        x = [-((rng.next() >> 40) * 2.0**-21) for _ in range(numel)]
    else:
        x = [((rng.next() >> 40) - 2**23) * 2.0**-21 for _ in range(numel)]
    w = None
    if case["weighted"]:
        w = [((rng.next() >> 40) + 2**22) * 2.0**-23 for _ in range(C)]
    rows = int(np.prod(case["target_shape"])) if case["target_shape"] else 1
    t = []
    for r in range(rows):
        u = rng.next()
        ign = (u >> 32) % 1000 < case["ignore_permille"] or (
            case["ignore_every"] > 0 and r % case["ignore_every"] == 0)
        t.append(case["ignore_index"] if ign else (u & 0xFFFFFFFF) % C)
    dt = torch.float32 if case["dtype"] == "float32" else torch.float64
    xt = torch.tensor(x, dtype=torch.float64).to(dt).reshape(shape)
    wt = torch.tensor(w, dtype=torch.float64).to(dt) if w is not None else None
    tt = torch.tensor(t, dtype=torch.int64).reshape(case["target_shape"])
    return xt, wt, tt


def cascade_model(vals, wts, ignored, np_t):
    """torch 1.13's nll cascade: vals/wts per position (None wts: count), ignored mask."""
    n = len(vals)
    levels = 8
    ceil_log2 = 1 if n <= 2 else int(n - 1).bit_length()
    power = max(4, ceil_log2 // levels)
    mask = (1 << power) - 1
    ls = [np_t(0)] * levels
    ws = [np_t(0)] * levels
    for b in range(n):
        if ignored[b]:
            continue
        if wts is not None:
            ls[0] = np_t(ls[0] - np_t(vals[b] * wts[b]))
            ws[0] = np_t(ws[0] + wts[b])
        else:
            ls[0] = np_t(ls[0] - vals[b])
        for j in range(levels - 1):
            if b & (mask << (j * power)):
                break
            ls[j + 1] = np_t(ls[j + 1] + ls[j])
            ls[j] = np_t(0)
            ws[j + 1] = np_t(ws[j + 1] + ws[j])
            ws[j] = np_t(0)
    tot = np_t(0)
    for v in ls:
        tot = np_t(tot + v)
    if wts is None:
        tw = np_t(n - sum(ignored))
    else:
        tw = np_t(0)
        for v in ws:
            tw = np_t(tw + v)
    return tot, tw


def picked(lp, t, ignore_index):
    """log-probabilities at the targets, per position (row-major over the target)."""
    if lp.dim() == 1:
        ti = int(t.item()) if t.dim() == 0 else int(t[0])
        return [lp[ti].item() if ti != ignore_index else 0.0], [ti == ignore_index], [ti]
    N, C = lp.shape[0], lp.shape[1]
    lpf = lp.reshape(N, C, -1)
    tf = t.reshape(N, -1)
    vals, ign, ts = [], [], []
    for n in range(N):
        for i in range(tf.shape[1]):
            ti = int(tf[n, i])
            ign.append(ti == ignore_index)
            ts.append(ti)
            vals.append(0.0 if ti == ignore_index else lpf[n, ti, i].item())
    return vals, ign, ts


def hexval(v, dtype):
    if dtype == "float32":
        return "0x%08x" % np.array(v, dtype=np.float32).view(np.uint32).item()
    return "0x%016x" % np.array(v, dtype=np.float64).view(np.uint64).item()


def run_case(case):
    x, w, t = make_inputs(case)
    dt = case["dtype"]
    np_t = np.float32 if dt == "float32" else np.float64
    out = {}
    for red in ("mean", "sum"):
        if case["loss"] == "nll_loss":
            r = F.nll_loss(x, t, weight=w, ignore_index=case["ignore_index"], reduction=red)
        else:
            r = F.cross_entropy(x, t, weight=w, ignore_index=case["ignore_index"], reduction=red,
                                label_smoothing=case["label_smoothing"])
        out[red] = hexval(r.item(), dt)
    # model checks
    lp = x if case["loss"] == "nll_loss" else torch.log_softmax(x, 0 if x.dim() == 1 else 1)
    if case["loss"] == "nll_loss" or case["label_smoothing"] == 0.0:
        vals, ign, ts = picked(lp, t, case["ignore_index"])
        vals = [np_t(v) for v in vals]
        wts = None
        if w is not None:
            wn = w.numpy()
            wts = [np_t(0) if g else np_t(wn[ti]) for g, ti in zip(ign, ts)]
        tot, tw = cascade_model(vals, wts, ign, np_t)
        with np.errstate(invalid="ignore", divide="ignore"):
            model = {"sum": tot, "mean": np_t(tot) / np_t(tw)}
        uint = np.uint32 if dt == "float32" else np.uint64
        for red in ("mean", "sum"):
            want = np.array(int(out[red], 16), dtype=uint).view(np_t)
            if hexval(model[red], dt) != out[red] and not (np.isnan(want) and
                                                           np.isnan(model[red])):
                raise SystemExit(f"cascade model mismatch in {case['id']} {red}: "
                                 f"torch {out[red]} model {hexval(model[red], dt)}")
        out["total_weight"] = hexval(tw, dt)
    return out


def cases():
    r = np.random.RandomState(20240613)
    out = []

    def add(**kw):
        c = dict(loss="nll_loss", dtype="float32", weighted=False, ignore_index=-100,
                 ignore_permille=0, ignore_every=0, label_smoothing=0.0)
        c.update(kw)
        c["id"] = "extra-%03d-%s" % (len(out), c["loss"])
        c["seed"] = int(r.randint(1, 2**62))
        out.append(c)

    # Hand-picked sizes around the cascade's carries (16, 256, 4096).
    for N in (1, 2, 15, 16, 17, 31, 32, 33, 255, 256, 257, 4095, 4096, 4097, 5000):
        for loss in ("nll_loss", "cross_entropy"):
            add(loss=loss, shape=[N, 3], target_shape=[N], C=3)
    # Ignored targets exactly on the carry positions (multiples of 16), with and without weights.
    for loss in ("nll_loss", "cross_entropy"):
        for weighted in (False, True):
            add(loss=loss, shape=[4100, 5], target_shape=[4100], C=5, weighted=weighted,
                ignore_every=16, ignore_permille=100)
            add(loss=loss, shape=[3000, 4], target_shape=[3000], C=4, weighted=weighted,
                ignore_every=256, ignore_index=1)
    # All ignored.
    add(shape=[40, 3], target_shape=[40], C=3, ignore_permille=1000)
    add(loss="cross_entropy", shape=[40, 3], target_shape=[40], C=3, ignore_permille=1000,
        weighted=True)
    # Random 2-D cases.
    while len(out) < 150:
        loss = "nll_loss" if r.rand() < 0.5 else "cross_entropy"
        N = int(r.randint(1, 5001))
        C = int(r.choice([2, 3, 4, 5, 8, 10, 17, 37]))
        if N * C > 60000:
            N = 60000 // C
        add(loss=loss, shape=[N, C], target_shape=[N], C=C, weighted=bool(r.rand() < 0.5),
            ignore_permille=int(r.choice([0, 0, 10, 300])),
            ignore_index=min(int(r.choice([-100, -1, 0, 2])), C - 1) if r.rand() < 0.3 else -100,
            dtype="float64" if r.rand() < 0.15 else "float32",
            label_smoothing=float(r.choice([0.1, 0.3])) if (loss == "cross_entropy" and
                                                           r.rand() < 0.2) else 0.0)
    # (C,) with a 0-d target, and (N, C, d1..dk).
    for loss in ("nll_loss", "cross_entropy"):
        for C in (1, 3, 7):
            add(loss=loss, shape=[C], target_shape=[], C=C)
    while len(out) < 200:
        loss = "nll_loss" if r.rand() < 0.5 else "cross_entropy"
        C = int(r.choice([2, 3, 5, 9]))
        k = int(r.choice([1, 2, 3]))
        dims = [int(d) for d in r.randint(1, 13, size=k)]
        N = int(r.randint(1, 40))
        add(loss=loss, shape=[N, C] + dims, target_shape=[N] + dims, C=C,
            weighted=bool(r.rand() < 0.5), ignore_permille=int(r.choice([0, 50, 300])),
            dtype="float64" if r.rand() < 0.15 else "float32")
    return out


def cpu_capability():
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


def main():
    torch.set_num_threads(1)
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "loss_extra.json")
    all_cases = []
    for c in cases():
        c["expected"] = run_case(c)
        all_cases.append(c)
    meta = {
        "generator": "scripts/gen_loss_fixtures.py",
        "torch_version": torch.__version__,
        "cpu_capability": cpu_capability(),
        "count": len(all_cases),
        "inputs": "derived from seed (splitmix64), see the generator's docstring",
    }
    with open(path, "w") as f:
        json.dump({"meta": meta, "cases": all_cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(all_cases)} cases to {path}")


if __name__ == "__main__":
    main()
