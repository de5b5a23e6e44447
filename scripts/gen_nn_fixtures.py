#!/usr/bin/env python3
"""Generates tests/golden/nn_losses.json: golden cases, computed by real torch 1.13.1 (CPU, one
thread), for the torch.nn.functional losses losslab adds

  margin_ranking_loss, hinge_embedding_loss, soft_margin_loss, multilabel_soft_margin_loss,
  multi_margin_loss, multilabel_margin_loss, cosine_embedding_loss, triplet_margin_loss,
  triplet_margin_with_distance_loss (distance_function=None only), poisson_nll_loss,
  gaussian_nll_loss, ctc_loss

and the distances pairwise_distance and cosine_similarity.

Each case stores its operands in full (drawn from torch.manual_seed-seeded randn/rand/randint; the
seed is the CRC-32 of "<fn>/<description>", so adding a case does not change the others), the
options passed, the forward output, and the gradient of the output with respect to every
floating-point operand (and a floating `weight` option), for a recorded upstream gradient. Which
operands torch can differentiate is found per case by trying each one alone; where torch raises, the
grad is recorded as {"error": {...}}. Cases where the forward raises record the error instead. The
format is described in tests/golden/README.md ("nn_losses.json").

The tests read only the JSON; this script is needed only to regenerate it. It is deterministic: two
runs write identical files.

Needs torch 1.13 (Debian python3-torch) and numpy.
Usage: /usr/bin/python3 scripts/gen_nn_fixtures.py [out.json]
"""
import json
import math
import os
import sys
import warnings
import zlib

import numpy as np
import torch
import torch.nn.functional as F

F32 = torch.float32
F64 = torch.float64
I64 = torch.int64
I32 = torch.int32
NAN = float("nan")
INF = float("inf")

DTYPE_NAMES = {F32: "float32", F64: "float64", I64: "int64", I32: "int32"}


# ----------------------------------------------------------------------------------------------
# encoding (same as tests/golden/public.json)


def enc_float(v):
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
    return v


def enc_tensor(t):
    t = t.detach().contiguous()
    if t.dtype not in DTYPE_NAMES:
        raise TypeError("cannot encode dtype %s" % t.dtype)
    flat = t.reshape(-1)
    out = {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape)}
    if t.dtype in (F32, F64):
        out["values"] = [enc_float(v) for v in flat.tolist()]
        a = flat.numpy()
        if t.dtype == F32:
            out["hex"] = ["0x%08x" % b for b in a.view(np.uint32).tolist()]
        else:
            out["hex"] = ["0x%016x" % b for b in a.view(np.uint64).tolist()]
    else:
        out["values"] = [int(v) for v in flat.tolist()]
    return out


def enc_value(v):
    if isinstance(v, torch.Tensor):
        return enc_tensor(v)
    if isinstance(v, (list, tuple)):
        return {"list": [int(x) for x in v]}
    if isinstance(v, float):
        return enc_float(v)
    return v


def enc_error(e, phase=None):
    d = {"type": type(e).__name__, "message": str(e)}
    if phase is not None:
        d["phase"] = phase
    return d


# ----------------------------------------------------------------------------------------------
# helpers for building operands (called after torch.manual_seed)


def _shape(shape):
    if len(shape) == 1 and isinstance(shape[0], tuple):
        return shape[0]
    return tuple(shape)


def rn(*shape, dtype=F32):
    return torch.randn(_shape(shape), dtype=dtype)


def ru(*shape, lo=0.0, hi=1.0, dtype=F32):
    return torch.rand(_shape(shape), dtype=dtype) * (hi - lo) + lo


def pm1(*shape, dtype=F32):
    """random targets in {-1, +1}"""
    return (torch.randint(0, 2, _shape(shape)) * 2 - 1).to(dtype)


def ri(lo, hi, *shape, dtype=I64):
    return torch.randint(lo, hi, shape, dtype=dtype)


def put(t, idx, vals):
    """t.view(-1)[idx] = vals, returns t"""
    flat = t.view(-1)
    for i, v in zip(idx, vals):
        flat[i] = v
    return t


def lsm(T, N, C, dtype=F32):
    x = torch.randn(T, N, C, dtype=dtype) if N is not None else torch.randn(T, C, dtype=dtype)
    return x.log_softmax(-1)


# ----------------------------------------------------------------------------------------------
# case registry

CASES = []
_COUNT = {}


def add(fn, desc, make, note, options=None, gscale=None, kind=None):
    """make() -> list of (name, operand); options: dict (tensors allowed) or callable -> dict
    (called after make, same generator stream); gscale: scalar upstream gradient for 0-d
    outputs of reduced losses (default 1.0)."""
    _COUNT[fn] = _COUNT.get(fn, 0) + 1
    if kind is None:
        kind = "distance" if fn in ("pairwise_distance", "cosine_similarity") else "loss"
    CASES.append(dict(fn=fn, desc=desc, make=make, note=note, options=options, gscale=gscale,
                      kind=kind, num=_COUNT[fn]))


def seed_of(fn, desc):
    return zlib.crc32(("%s/%s" % (fn, desc)).encode()) & 0x7FFFFFFF


# ----------------------------------------------------------------------------------------------
# running one case


def _clone_ops(ops, opts, req):
    args, kw, leaves = [], {}, {}
    for name, v in ops:
        if isinstance(v, torch.Tensor):
            t = v.detach().clone()
            if name in req:
                t.requires_grad_(True)
                leaves[name] = t
            args.append(t)
        elif isinstance(v, (list, tuple)):
            args.append(list(v))
        else:
            args.append(v)
    for k, v in opts.items():
        if isinstance(v, torch.Tensor):
            t = v.detach().clone()
            if k in req:
                t.requires_grad_(True)
                leaves[k] = t
            kw[k] = t
        else:
            kw[k] = v
    return args, kw, leaves


def _call(fn, ops, opts, req):
    args, kw, leaves = _clone_ops(ops, opts, req)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            out = fn(*args, **kw)
            err = None
        except Exception as e:  # noqa: BLE001 - we record whatever torch raises
            out, err = None, e
    return out, err, leaves, [str(x.message) for x in w]


def _bits_equal(a, b):
    if a is None or b is None:
        return a is None and b is None
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype in (F32, F64):
        ia = a.detach().contiguous().reshape(-1).numpy().view(np.uint32 if a.dtype == F32 else np.uint64)
        ib = b.detach().contiguous().reshape(-1).numpy().view(np.uint32 if a.dtype == F32 else np.uint64)
        return bool(np.array_equal(ia, ib))
    return torch.equal(a, b)


def _grad(out, leaf_list, go):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        gs = torch.autograd.grad(out, leaf_list, go, allow_unused=True)
    return gs, [str(x.message) for x in w]


def run_case(c):
    fn = getattr(F, c["fn"])
    seed = seed_of(c["fn"], c["desc"])
    torch.manual_seed(seed)
    ops = c["make"]()
    opts = c["options"]() if callable(c["options"]) else dict(c["options"] or {})

    rec = {
        "id": "%s-%03d-%s" % (c["fn"], c["num"], c["desc"]),
        "kind": c["kind"],
        "fn": c["fn"],
        "operands": [[n, enc_value(v)] for n, v in ops],
        "options": {k: enc_value(v) for k, v in opts.items()},
    }

    # 1. plain forward, nothing requires grad
    out0, err, _, warn0 = _call(fn, ops, opts, set())
    if err is not None:
        rec["grad_output"] = None
        rec["error"] = enc_error(err)
        rec["warnings"] = warn0
        rec["note"] = c["note"]
        return rec

    # upstream gradient
    reduced = "reduction" in opts and opts["reduction"] != "none" or (
        c["kind"] == "loss" and "reduction" not in opts)
    if out0.dtype not in (F32, F64):
        go = None
    elif out0.dim() == 0 and reduced:
        go = torch.tensor(c["gscale"] if c["gscale"] is not None else 1.0, dtype=out0.dtype)
    else:
        g = torch.Generator().manual_seed(seed ^ 0x5EED)
        go = torch.randn(out0.shape, generator=g, dtype=out0.dtype)

    # 2. every floating operand alone
    cands = [n for n, v in ops if isinstance(v, torch.Tensor) and v.is_floating_point()]
    cands += [k for k, v in opts.items() if isinstance(v, torch.Tensor) and v.is_floating_point()]
    grads, alone = {}, {}
    for n, v in ops:
        if not (isinstance(v, torch.Tensor) and v.is_floating_point()):
            grads[n] = None
    for n in cands:
        out, e, leaves, _ = _call(fn, ops, opts, {n})
        if e is not None:
            grads[n] = {"error": enc_error(e, "forward")}
            continue
        if go is None or not out.requires_grad:
            grads[n] = None  # the output does not depend on it differentiably
            continue
        try:
            (gr,), _ = _grad(out, [leaves[n]], go)
        except Exception as e:  # noqa: BLE001
            grads[n] = {"error": enc_error(e, "backward")}
            continue
        if gr is None:
            grads[n] = None
        else:
            alone[n] = gr
            grads[n] = "pending"

    # 3. all differentiable operands together: this forward gives output, warnings and grads
    req = set(alone)
    out, e, leaves, warn = _call(fn, ops, opts, req)
    if e is not None:
        raise RuntimeError("%s: joint forward raised %r" % (rec["id"], e))
    if not _bits_equal(out, out0):
        raise RuntimeError("%s: output differs with requires_grad" % rec["id"])
    if req:
        names = sorted(req, key=cands.index)
        gs, gwarn = _grad(out, [leaves[n] for n in names], go)
        warn = warn + gwarn
        for n, gr in zip(names, gs):
            if not _bits_equal(gr, alone[n]):
                raise RuntimeError("%s: grad %s differs alone vs joint" % (rec["id"], n))
            grads[n] = enc_tensor(gr)

    rec["grad_output"] = enc_tensor(go) if go is not None else None
    rec["expected"] = {"output": enc_tensor(out),
                       "grads": {n: grads[n] for n in [m for m, _ in ops] + [k for k in opts if k in grads]}}
    rec["warnings"] = warn
    rec["note"] = c["note"]
    return rec


# ----------------------------------------------------------------------------------------------
# the cases

R3 = ("none", "mean", "sum")


def cases_margin_ranking():
    fn = "margin_ranking_loss"
    for red in R3:
        add(fn, "n8-" + red, lambda: [("input1", rn(8)), ("input2", rn(8)), ("target", pm1(8))],
            "typical 1-D batch, target in {-1, 1}, default margin 0", {"reduction": red},
            gscale={"mean": 1.0, "sum": 0.5}.get(red))
    add(fn, "n8-default-reduction", lambda: [("input1", rn(8)), ("input2", rn(8)), ("target", pm1(8))],
        "reduction not passed: default 'mean'")
    for m in (0.5, -0.5, 0.0):
        add(fn, "margin%s-none" % m, lambda: [("input1", rn(10)), ("input2", rn(10)), ("target", pm1(10))],
            "margin %s" % m, {"margin": m, "reduction": "none"})
    add(fn, "margin-large-sum", lambda: [("input1", rn(6)), ("input2", rn(6)), ("target", pm1(6))],
        "large margin: every element active", {"margin": 1e4, "reduction": "sum"})
    add(fn, "ties-none", lambda: (lambda a: [("input1", a), ("input2", a.clone()), ("target", pm1(7))])(rn(7)),
        "input1 == input2 and margin 0: -target*(input1-input2)+margin is exactly 0; the clamp_min grad "
        "passes at 0 (x >= 0)", {"reduction": "none"})
    add(fn, "ties-margin-mean", lambda: (lambda a: [("input1", a + 0.25), ("input2", a), ("target", pm1(8))])(ru(8).round()),
        "input1 - input2 = 0.25 exactly, margin 0.25: unclamped value exactly 0 for target 1",
        {"margin": 0.25, "reduction": "mean"})
    add(fn, "target-any-values-none", lambda: [("input1", rn(9)), ("input2", rn(9)),
                                                ("target", put(rn(9), [0, 1], [0.0, 2.0]))],
        "target not restricted to +-1 (0, 2, random values); target is differentiable",
        {"reduction": "none"})
    add(fn, "2d-none", lambda: [("input1", rn(3, 5)), ("input2", rn(3, 5)), ("target", pm1(3, 5))],
        "2-D operands, elementwise", {"reduction": "none"})
    add(fn, "2d-mean", lambda: [("input1", rn(4, 5)), ("input2", rn(4, 5)), ("target", pm1(4, 5))],
        "2-D operands, mean over all elements", {"reduction": "mean"}, gscale=-2.0)
    add(fn, "0d-none", lambda: [("input1", rn(())), ("input2", rn(())), ("target", pm1())],
        "0-d operands", {"reduction": "none"})
    add(fn, "0d-mean", lambda: [("input1", rn(())), ("input2", rn(())), ("target", torch.tensor(-1.0))],
        "0-d operands, mean", {"reduction": "mean"})
    for red in R3:
        add(fn, "empty-" + red, lambda: [("input1", rn(0)), ("input2", rn(0)), ("target", rn(0))],
            "N = 0: 'none' is empty, 'mean' is nan, 'sum' is 0", {"reduction": red})
    add(fn, "broadcast-none", lambda: [("input1", rn(3, 1)), ("input2", rn(1, 4)), ("target", pm1(3, 4))],
        "same number of dims but different sizes: torch 1.13 broadcasts (only dim() is checked); "
        "grads are summed back to each operand's shape", {"reduction": "none"})
    add(fn, "broadcast-sum", lambda: [("input1", rn(5)), ("input2", rn(1)), ("target", pm1(5))],
        "input2 of size 1 broadcast against 5", {"reduction": "sum"})
    add(fn, "int64-target-none", lambda: [("input1", rn(6)), ("input2", rn(6)), ("target", ri(0, 2, 6) * 2 - 1)],
        "int64 target {-1, 1}: result float32, no grad for target", {"reduction": "none"})
    add(fn, "nonfinite-none", lambda: [("input1", put(rn(6), [0, 1, 2], [NAN, INF, -INF])),
                                        ("input2", put(rn(6), [3, 2], [INF, -INF])),
                                        ("target", pm1(6))],
        "nan/inf in the inputs (inf - inf = nan)", {"reduction": "none"})
    add(fn, "f64-none", lambda: [("input1", rn(6, dtype=F64)), ("input2", rn(6, dtype=F64)),
                                  ("target", pm1(6, dtype=F64))], "float64", {"reduction": "none"})
    add(fn, "f64-mean", lambda: [("input1", rn(6, dtype=F64)), ("input2", rn(6, dtype=F64)),
                                  ("target", pm1(6, dtype=F64))], "float64, mean",
        {"margin": 0.1, "reduction": "mean"})
    add(fn, "int-inputs-mean", lambda: [("input1", ri(-3, 4, 5)), ("input2", ri(-3, 4, 5)), ("target", ri(0, 2, 5) * 2 - 1)],
        "all-int64 operands: the float margin promotes the result to float32 (default dtype)",
        {"reduction": "mean"})
    add(fn, "large-mean", lambda: [("input1", rn(1000)), ("input2", rn(1000)), ("target", pm1(1000))],
        "1000 elements: mean reduction", {"margin": 0.1, "reduction": "mean"})
    add(fn, "large-sum", lambda: [("input1", rn(800)), ("input2", rn(800)), ("target", pm1(800))],
        "800 elements: sum reduction", {"reduction": "sum"}, gscale=0.5)
    # errors
    add(fn, "err-dim-mismatch", lambda: [("input1", rn(3)), ("input2", rn(3, 1)), ("target", pm1(3))],
        "different number of dims: RuntimeError raised by torch/nn/functional.py", {"reduction": "mean"})
    add(fn, "err-size-mismatch", lambda: [("input1", rn(3)), ("input2", rn(4)), ("target", pm1(3))],
        "sizes that do not broadcast", {"reduction": "none"})
    add(fn, "err-reduction-avg", lambda: [("input1", rn(3)), ("input2", rn(3)), ("target", pm1(3))],
        "invalid reduction string", {"reduction": "avg"})


def cases_hinge():
    fn = "hinge_embedding_loss"
    for red in R3:
        add(fn, "n10-" + red, lambda: [("input", rn(10)), ("target", pm1(10))],
            "typical, target in {-1, 1}, default margin 1", {"reduction": red},
            gscale={"sum": -2.0}.get(red))
    add(fn, "default-reduction", lambda: [("input", rn(10)), ("target", pm1(10))], "default reduction 'mean'")
    add(fn, "int64-target-none", lambda: [("input", rn(8)), ("target", ri(0, 2, 8) * 2 - 1)],
        "int64 target", {"reduction": "none"})
    add(fn, "target-other-values-none", lambda: [("input", rn(8)), ("target", torch.tensor([1., -1, 0, 2, 0.5, -1, 1, 3]))],
        "target neither 1 nor -1: both terms apply (where(t != 1, clamp(margin - x, 0), 0) + "
        "where(t != -1, x, 0)); target gets no gradient (only used in comparisons)", {"reduction": "none"})
    for m in (0.0, -1.0, 5.0):
        add(fn, "margin%s-none" % m, lambda: [("input", rn(10)), ("target", pm1(10))],
            "margin %s" % m, {"margin": m, "reduction": "none"})
    add(fn, "margin-large-sum", lambda: [("input", rn(10)), ("target", pm1(10))], "large margin 1e6",
        {"margin": 1e6, "reduction": "sum"})
    add(fn, "ties-none", lambda: [("input", torch.tensor([1.0, 1.0, 0.5, 0.0, 2.0, -1.0])),
                                  ("target", torch.tensor([-1.0, 1.0, -1.0, -1.0, -1.0, -1.0]))],
        "input == margin for target -1: margin - x is exactly 0 (clamp_min grad passes at 0)",
        {"reduction": "none"})
    add(fn, "2d-mean", lambda: [("input", rn(4, 5)), ("target", pm1(4, 5))], "2-D", {"reduction": "mean"})
    add(fn, "3d-none", lambda: [("input", rn(2, 3, 4)), ("target", pm1(2, 3, 4))], "3-D", {"reduction": "none"})
    add(fn, "0d-none", lambda: [("input", rn(())), ("target", torch.tensor(-1.0))], "0-d", {"reduction": "none"})
    add(fn, "broadcast-target-none", lambda: [("input", rn(3, 4)), ("target", pm1(4))],
        "target (4,) broadcast against input (3, 4)", {"reduction": "none"})
    add(fn, "broadcast-input-sum", lambda: [("input", rn(1, 4)), ("target", pm1(3, 4))],
        "input (1, 4) broadcast against target (3, 4): output (3, 4), grad summed to (1, 4)",
        {"reduction": "sum"})
    for red in R3:
        add(fn, "empty-" + red, lambda: [("input", rn(0)), ("target", pm1(0))], "N = 0", {"reduction": red})
    add(fn, "nonfinite-none", lambda: [("input", torch.tensor([NAN, INF, -INF, NAN, INF, -INF])),
                                       ("target", torch.tensor([1.0, 1.0, 1.0, -1.0, -1.0, -1.0]))],
        "nan/inf inputs for both targets", {"reduction": "none"})
    add(fn, "f64-none", lambda: [("input", rn(7, dtype=F64)), ("target", pm1(7, dtype=F64))], "float64",
        {"reduction": "none"})
    add(fn, "f64-mean", lambda: [("input", rn(7, dtype=F64)), ("target", pm1(7, dtype=F64))], "float64 mean",
        {"margin": 0.5, "reduction": "mean"})
    add(fn, "int-input-none", lambda: [("input", torch.tensor([1, 2, -3, 0])), ("target", torch.tensor([1, -1, 0, -1]))],
        "int64 input: the 'none' result is int64", {"reduction": "none"})
    add(fn, "large-mean", lambda: [("input", rn(1500)), ("target", pm1(1500))], "1500 elements, mean",
        {"reduction": "mean"})
    add(fn, "large-sum", lambda: [("input", rn(30, 40)), ("target", pm1(30, 40))], "1200 elements, sum",
        {"reduction": "sum"})
    add(fn, "err-size-mismatch", lambda: [("input", rn(3, 4)), ("target", pm1(3))], "shapes do not broadcast",
        {"reduction": "mean"})
    add(fn, "err-int-input-mean", lambda: [("input", torch.tensor([1, 2, -3])), ("target", torch.tensor([1, -1, 1]))],
        "int64 input with mean: mean() of an int64 tensor raises", {"reduction": "mean"})
    add(fn, "err-reduction-avg", lambda: [("input", rn(3)), ("target", pm1(3))], "invalid reduction",
        {"reduction": "avg"})


def cases_soft_margin():
    fn = "soft_margin_loss"
    for red in R3:
        add(fn, "n10-" + red, lambda: [("input", rn(10)), ("target", pm1(10))], "typical, target in {-1, 1}",
            {"reduction": red}, gscale={"mean": 0.5}.get(red))
    add(fn, "default-reduction", lambda: [("input", rn(10)), ("target", pm1(10))], "default 'mean'")
    add(fn, "int64-target-none", lambda: [("input", rn(8)), ("target", ri(0, 2, 8) * 2 - 1)], "int64 target",
        {"reduction": "none"})
    add(fn, "target-random-none", lambda: [("input", rn(8)), ("target", rn(8))],
        "real-valued target (not only +-1)", {"reduction": "none"})
    add(fn, "2d-mean", lambda: [("input", rn(4, 6)), ("target", pm1(4, 6))], "2-D mean", {"reduction": "mean"})
    add(fn, "3d-none", lambda: [("input", rn(2, 3, 4)), ("target", pm1(2, 3, 4))], "3-D", {"reduction": "none"})
    add(fn, "0d-none", lambda: [("input", rn(())), ("target", torch.tensor(1.0))], "0-d", {"reduction": "none"})
    add(fn, "0d-sum", lambda: [("input", rn(())), ("target", torch.tensor(-1.0))], "0-d sum", {"reduction": "sum"})
    add(fn, "broadcast-target-none", lambda: [("input", rn(3, 4)), ("target", pm1(4))],
        "target (4,) broadcast against input (3, 4)", {"reduction": "none"})
    add(fn, "broadcast-target-mean", lambda: [("input", rn(3, 4)), ("target", pm1(3, 1))],
        "target (3, 1) broadcast; mean", {"reduction": "mean"})
    for red in R3:
        add(fn, "empty-" + red, lambda: [("input", rn(0, 3)), ("target", pm1(0, 3))], "N = 0", {"reduction": red})
    add(fn, "large-magnitude-none", lambda: [("input", torch.tensor([100., -100., 50., -50., 88., 89., -89., 20., 1e-8, 0.])),
                                             ("target", torch.tensor([-1., 1., -1., 1., -1., -1., 1., 1., 1., -1.]))],
        "exp(-y*x) overflows to inf for y*x < -88.7: loss inf, grad -t*inf/(1+inf) = nan",
        {"reduction": "none"})
    add(fn, "large-magnitude-positive-none", lambda: [("input", torch.tensor([100., -100., 30., -30., 17., -17.])),
                                                      ("target", torch.tensor([1., -1., 1., -1., 1., -1.]))],
        "y*x large positive: exp underflows, loss log(1 + tiny)", {"reduction": "none"})
    add(fn, "nonfinite-none", lambda: [("input", torch.tensor([NAN, INF, -INF, INF, -INF, 1.0])),
                                       ("target", torch.tensor([1.0, 1.0, 1.0, -1.0, -1.0, NAN]))],
        "nan/inf in input and target", {"reduction": "none"})
    add(fn, "f64-none", lambda: [("input", rn(8, dtype=F64)), ("target", pm1(8, dtype=F64))], "float64",
        {"reduction": "none"})
    add(fn, "f64-sum", lambda: [("input", rn(8, dtype=F64)), ("target", pm1(8, dtype=F64))], "float64 sum",
        {"reduction": "sum"})
    add(fn, "large-mean", lambda: [("input", rn(1500)), ("target", pm1(1500))], "1500 elements, mean",
        {"reduction": "mean"})
    add(fn, "large-sum", lambda: [("input", rn(25, 40)), ("target", pm1(25, 40))], "1000 elements, sum",
        {"reduction": "sum"}, gscale=-2.0)
    add(fn, "err-size-mismatch", lambda: [("input", rn(3, 4)), ("target", pm1(3))], "shapes do not broadcast",
        {"reduction": "none"})
    add(fn, "err-int-input", lambda: [("input", torch.tensor([1, 2])), ("target", torch.tensor([1, -1]))],
        "int64 input: the output is allocated with the input's dtype", {"reduction": "mean"})
    add(fn, "err-reduction-avg", lambda: [("input", rn(3)), ("target", pm1(3))], "invalid reduction",
        {"reduction": "avg"})


def cases_multilabel_soft_margin():
    fn = "multilabel_soft_margin_loss"
    for red in R3:
        add(fn, "4x5-" + red, lambda: [("input", rn(4, 5)), ("target", ri(0, 2, 4, 5).float())],
            "typical, target in {0, 1}", {"reduction": red}, gscale={"sum": 0.5}.get(red))
    add(fn, "default-reduction", lambda: [("input", rn(4, 5)), ("target", ri(0, 2, 4, 5).float())],
        "default 'mean'")
    for red in R3:
        add(fn, "weight-" + red, lambda: [("input", rn(4, 5)), ("target", ri(0, 2, 4, 5).float())],
            "per-class weight (5,), multiplied after the elementwise loss; weight is differentiable",
            lambda red=red: {"weight": ru(5, lo=0.2, hi=2.0), "reduction": red})
    add(fn, "weight-2d-none", lambda: [("input", rn(3, 4)), ("target", ri(0, 2, 3, 4).float())],
        "weight (3, 4): broadcast like any tensor (the loss is loss * weight)",
        lambda: {"weight": ru(3, 4), "reduction": "none"})
    add(fn, "soft-target-none", lambda: [("input", rn(4, 5)), ("target", ru(4, 5))],
        "probabilistic targets in [0, 1]; target is differentiable", {"reduction": "none"})
    add(fn, "int64-target-mean", lambda: [("input", rn(4, 5)), ("target", ri(0, 2, 4, 5))],
        "int64 target", {"reduction": "mean"})
    add(fn, "1d-none", lambda: [("input", rn(6)), ("target", ri(0, 2, 6).float())],
        "1-D input: class dim 0, output 0-d even for 'none'", {"reduction": "none"})
    add(fn, "1d-mean", lambda: [("input", rn(6)), ("target", ri(0, 2, 6).float())], "1-D input, mean",
        {"reduction": "mean"})
    add(fn, "3d-none", lambda: [("input", rn(2, 3, 4)), ("target", ri(0, 2, 2, 3, 4).float())],
        "3-D input: the class dim is the LAST dim (input.dim() - 1); output (2, 3)", {"reduction": "none"})
    add(fn, "broadcast-target-none", lambda: [("input", rn(3, 4)), ("target", ri(0, 2, 4).float())],
        "target (4,) broadcast against (3, 4)", {"reduction": "none"})
    for red in R3:
        add(fn, "empty-" + red, lambda: [("input", rn(0, 4)), ("target", rn(0, 4))], "N = 0",
            {"reduction": red})
    add(fn, "zero-classes-none", lambda: [("input", rn(3, 0)), ("target", rn(3, 0))],
        "C = 0: sum over an empty dim / 0 = nan", {"reduction": "none"})
    add(fn, "large-magnitude-none", lambda: [("input", torch.tensor([[100., -100., 30., -30., 0.], [200., -200., 1e-3, -88., 89.]])),
                                             ("target", torch.tensor([[1., 1., 0., 0., 1.], [0., 1., 1., 0., 1.]]))],
        "large |x|: log_sigmoid stays finite", {"reduction": "none"})
    add(fn, "nonfinite-none", lambda: [("input", torch.tensor([[NAN, 1., 2.], [INF, -INF, 0.], [INF, -INF, 1.]])),
                                       ("target", torch.tensor([[1., 0., 1.], [1., 1., 0.], [0., 0., 1.]]))],
        "nan/inf inputs (0 * inf = nan inside target * logsigmoid)", {"reduction": "none"})
    add(fn, "f64-none", lambda: [("input", rn(3, 4, dtype=F64)), ("target", ri(0, 2, 3, 4).double())],
        "float64", {"reduction": "none"})
    add(fn, "f64-weight-mean", lambda: [("input", rn(3, 4, dtype=F64)), ("target", ri(0, 2, 3, 4).double())],
        "float64 with weight", lambda: {"weight": ru(4, dtype=F64), "reduction": "mean"})
    add(fn, "large-mean", lambda: [("input", rn(80, 16)), ("target", ri(0, 2, 80, 16).float())],
        "1280 elements, mean", {"reduction": "mean"})
    add(fn, "large-weight-sum", lambda: [("input", rn(50, 20)), ("target", ri(0, 2, 50, 20).float())],
        "1000 elements, weight, sum", lambda: {"weight": ru(20), "reduction": "sum"})
    add(fn, "err-0d-input", lambda: [("input", torch.tensor(1.0)), ("target", torch.tensor(1.0))],
        "0-d input: input.size(-1) raises IndexError", {"reduction": "mean"})
    add(fn, "err-size-mismatch", lambda: [("input", rn(2, 4)), ("target", rn(2, 3))], "shapes do not broadcast",
        {"reduction": "none"})
    add(fn, "err-weight-size", lambda: [("input", rn(2, 4)), ("target", ri(0, 2, 2, 4).float())],
        "weight of the wrong size", lambda: {"weight": ru(3), "reduction": "mean"})
    add(fn, "err-int-input", lambda: [("input", ri(0, 3, 2, 3)), ("target", ri(0, 2, 2, 3))],
        "int64 input: log_sigmoid not implemented", {"reduction": "mean"})
    add(fn, "err-reduction-avg", lambda: [("input", rn(2, 3)), ("target", ri(0, 2, 2, 3).float())],
        "invalid reduction: note this function's own message ('... is not valid')", {"reduction": "avg"})


def cases_multi_margin():
    fn = "multi_margin_loss"
    for red in R3:
        add(fn, "4x5-p1-" + red, lambda: [("input", rn(4, 5)), ("target", ri(0, 5, 4))],
            "typical, p = 1, margin 1", {"reduction": red}, gscale={"mean": -2.0}.get(red))
    add(fn, "default-reduction", lambda: [("input", rn(4, 5)), ("target", ri(0, 5, 4))], "defaults p=1, 'mean'")
    for red in R3:
        add(fn, "4x5-p2-" + red, lambda: [("input", rn(4, 5)), ("target", ri(0, 5, 4))], "p = 2",
            {"p": 2, "reduction": red})
    for m in (0.0, -0.5, 10.0):
        add(fn, "margin%s-none" % m, lambda: [("input", rn(4, 5)), ("target", ri(0, 5, 4))], "margin %s" % m,
            {"margin": m, "reduction": "none"})
    add(fn, "weight-p1-none", lambda: [("input", rn(4, 5)), ("target", ri(0, 5, 4))],
        "weight indexed by the target class; weight itself is not differentiable",
        lambda: {"weight": ru(5, lo=0.5, hi=2.0), "reduction": "none"})
    add(fn, "weight-p1-mean", lambda: [("input", rn(4, 5)), ("target", ri(0, 5, 4))], "weight, mean",
        lambda: {"weight": ru(5, lo=0.5, hi=2.0), "reduction": "mean"})
    add(fn, "weight-p2-sum", lambda: [("input", rn(4, 5)), ("target", ri(0, 5, 4))], "weight, p = 2, sum",
        lambda: {"p": 2, "weight": ru(5, lo=0.5, hi=2.0), "reduction": "sum"})
    add(fn, "1d-input-0d-target-none", lambda: [("input", rn(5)), ("target", torch.tensor(2))],
        "1-D input with 0-d target: 0-d output even for 'none'", {"reduction": "none"})
    add(fn, "1d-input-0d-target-mean", lambda: [("input", rn(5)), ("target", torch.tensor(4))],
        "1-D input with 0-d target, mean", {"p": 2, "reduction": "mean"})
    add(fn, "1d-input-1d-target-none", lambda: [("input", rn(5)), ("target", torch.tensor([0]))],
        "1-D input with 1-element 1-D target: output shape (1,)", {"reduction": "none"})
    add(fn, "0d-input-none", lambda: [("input", rn(())), ("target", torch.tensor(0))],
        "0-d input (C = 1): loss 0", {"reduction": "none"})
    add(fn, "empty-none", lambda: [("input", rn(0, 5)), ("target", ri(0, 5, 0))],
        "N = 0 with 'none': empty output. (N = 0 with 'mean'/'sum' returns an UNINITIALIZED 0-d tensor in "
        "1.13 - not recorded)", {"reduction": "none"})
    add(fn, "ties-none", lambda: (lambda x: [("input", x), ("target", torch.tensor([0, 1, 2]))])(
        torch.tensor([[1.0, 0.0, 0.5, 1.0], [2.0, 2.0, 1.0, 3.0], [0.0, 0.0, 0.0, 0.0]])),
        "z = margin - x[y] + x[i] exactly 0 is not counted (z > 0); ties x[i] == x[y] give z = margin",
        {"reduction": "none"})
    add(fn, "margin-nan-none", lambda: [("input", rn(3, 4)), ("target", ri(0, 4, 3))],
        "margin nan: z > 0 is false everywhere -> loss 0", {"margin": NAN, "reduction": "none"})
    add(fn, "nonfinite-none", lambda: [("input", torch.tensor([[NAN, 0., 1.], [INF, 0., 1.], [0., INF, 1.], [-INF, 0., 1.]])),
                                       ("target", torch.tensor([1, 1, 1, 0]))],
        "nan/inf inputs (nan compares false)", {"reduction": "none"})
    add(fn, "f64-none", lambda: [("input", rn(3, 4, dtype=F64)), ("target", ri(0, 4, 3))], "float64",
        {"reduction": "none"})
    add(fn, "f64-p2-weight-mean", lambda: [("input", rn(3, 4, dtype=F64)), ("target", ri(0, 4, 3))],
        "float64, p = 2, weight", lambda: {"p": 2, "weight": ru(4, dtype=F64), "reduction": "mean"})
    add(fn, "p2.0-float-sum", lambda: [("input", rn(3, 4)), ("target", ri(0, 4, 3))],
        "p given as the float 2.0 is accepted", {"p": 2.0, "reduction": "sum"})
    add(fn, "large-mean", lambda: [("input", rn(150, 10)), ("target", ri(0, 10, 150))],
        "1500 elements, mean (frame sums accumulated in double)", {"reduction": "mean"})
    add(fn, "large-p2-sum", lambda: [("input", rn(100, 12)), ("target", ri(0, 12, 100))],
        "1200 elements, p = 2, sum", {"p": 2, "margin": 0.5, "reduction": "sum"})
    # errors
    for pv in (3, 1.5, 0):
        add(fn, "err-p%s" % pv, lambda: [("input", rn(2, 3)), ("target", ri(0, 3, 2))], "p not in {1, 2}",
            {"p": pv, "reduction": "mean"})
    add(fn, "err-weight-2d", lambda: [("input", rn(2, 3)), ("target", ri(0, 3, 2))], "2-D weight",
        lambda: {"weight": ru(1, 3), "reduction": "mean"})
    add(fn, "err-weight-f64", lambda: [("input", rn(2, 3)), ("target", ri(0, 3, 2))],
        "weight dtype differs from input dtype", lambda: {"weight": ru(3, dtype=F64), "reduction": "mean"})
    add(fn, "err-target-size", lambda: [("input", rn(3, 4)), ("target", ri(0, 4, 2))], "target numel != N",
        {"reduction": "mean"})
    add(fn, "err-target-2d", lambda: [("input", rn(3, 4)), ("target", ri(0, 4, 3, 1))], "2-D target",
        {"reduction": "mean"})
    add(fn, "err-target-out-of-range", lambda: [("input", rn(3, 4)), ("target", torch.tensor([0, 1, 4]))],
        "target >= C", {"reduction": "none"})
    add(fn, "err-target-negative", lambda: [("input", rn(3, 4)), ("target", torch.tensor([0, -1, 2]))],
        "target < 0", {"reduction": "sum"})
    add(fn, "err-target-float", lambda: [("input", rn(3, 4)), ("target", torch.tensor([0., 1., 2.]))],
        "float target", {"reduction": "mean"})
    add(fn, "err-target-int32", lambda: [("input", rn(3, 4)), ("target", torch.tensor([0, 1, 2], dtype=I32))],
        "int32 target (only int64 accepted)", {"reduction": "mean"})
    add(fn, "err-int-input", lambda: [("input", ri(0, 3, 2, 3)), ("target", ri(0, 3, 2))], "int64 input",
        {"reduction": "mean"})
    add(fn, "err-zero-classes", lambda: [("input", rn(2, 0)), ("target", ri(0, 1, 2))], "C = 0",
        {"reduction": "mean"})
    add(fn, "err-3d-input", lambda: [("input", rn(2, 3, 4)), ("target", ri(0, 3, 2))], "3-D input",
        {"reduction": "mean"})
    add(fn, "err-reduction-avg", lambda: [("input", rn(2, 3)), ("target", ri(0, 3, 2))], "invalid reduction",
        {"reduction": "avg"})


def _mlm_target(rows, C, stops):
    """rows x C int64 target: row r holds distinct random classes up to position stops[r], then -1,
    then random classes (ignored by torch, but they must be in [-1, C))."""
    t = torch.empty(rows, C, dtype=I64)
    for r in range(rows):
        perm = torch.randperm(C)
        t[r] = perm
        if stops[r] < C:
            t[r, stops[r]] = -1
            t[r, stops[r] + 1:] = torch.randint(-1, C, (C - stops[r] - 1,))
    return t


def cases_multilabel_margin():
    fn = "multilabel_margin_loss"
    for red in R3:
        add(fn, "4x6-" + red, lambda: [("input", rn(4, 6)), ("target", _mlm_target(4, 6, [2, 0, 5, 6]))],
            "typical: -1 terminates each row's label list (positions 2, 0, 5, none)", {"reduction": red},
            gscale={"sum": 0.5}.get(red))
    add(fn, "default-reduction", lambda: [("input", rn(3, 5)), ("target", _mlm_target(3, 5, [1, 2, 3]))],
        "default 'mean'")
    add(fn, "all-minus-one-none", lambda: [("input", rn(3, 5)), ("target", torch.full((3, 5), -1))],
        "no labels at all: loss 0, grad 0", {"reduction": "none"})
    add(fn, "all-classes-none", lambda: [("input", rn(2, 4)), ("target", torch.tensor([[3, 1, 0, 2], [0, 1, 2, 3]]))],
        "every class is a label: no non-target class, loss 0", {"reduction": "none"})
    add(fn, "repeated-classes-none", lambda: [("input", rn(3, 5)), ("target", torch.tensor([[1, 1, 3, -1, 0], [2, 2, 2, 2, 2], [0, 4, 0, -1, -1]]))],
        "a class repeated in the label list is counted once per occurrence in the sum", {"reduction": "none"})
    add(fn, "after-terminator-ignored-mean", lambda: [("input", rn(2, 5)), ("target", torch.tensor([[2, -1, 0, 1, 4], [-1, 3, 3, 1, 0]]))],
        "entries after the first -1 are ignored (but still range-checked)", {"reduction": "mean"})
    add(fn, "1d-none", lambda: [("input", rn(5)), ("target", torch.tensor([3, 0, -1, 1, 1]))],
        "1-D input and target: 0-d output even for 'none'", {"reduction": "none"})
    add(fn, "1d-sum", lambda: [("input", rn(6)), ("target", torch.tensor([5, 2, 1, -1, 0, 0]))], "1-D, sum",
        {"reduction": "sum"})
    add(fn, "0d-none", lambda: [("input", rn(())), ("target", torch.tensor(0))], "0-d input and target (C = 1)",
        {"reduction": "none"})
    add(fn, "empty-none", lambda: [("input", rn(0, 4)), ("target", torch.zeros(0, 4, dtype=I64))],
        "N = 0 with 'none': empty output (N = 0 'mean'/'sum' return UNINITIALIZED memory in 1.13 - not "
        "recorded)", {"reduction": "none"})
    add(fn, "ties-none", lambda: [("input", torch.tensor([[1.0, 0.0, 0.5, 2.0], [0.25, 0.25, -0.75, 0.0]])),
                                  ("target", torch.tensor([[0, -1, 0, 0], [0, -1, 0, 0]]))],
        "z = 1 - x[target] + x[i] exactly 0 is not counted (z > 0)", {"reduction": "none"})
    add(fn, "nonfinite-none", lambda: [("input", torch.tensor([[NAN, 0., 1.], [INF, 0., 1.], [0., INF, -INF]])),
                                       ("target", torch.tensor([[0, -1, 0], [1, -1, 0], [0, 2, -1]]))],
        "nan/inf inputs", {"reduction": "none"})
    add(fn, "f64-none", lambda: [("input", rn(3, 5, dtype=F64)), ("target", _mlm_target(3, 5, [1, 3, 5]))],
        "float64", {"reduction": "none"})
    add(fn, "f64-mean", lambda: [("input", rn(3, 5, dtype=F64)), ("target", _mlm_target(3, 5, [2, 2, 4]))],
        "float64, mean", {"reduction": "mean"})
    add(fn, "large-mean", lambda: [("input", rn(150, 8)), ("target", _mlm_target(150, 8, [i % 9 for i in range(150)]))],
        "1200 elements, mean", {"reduction": "mean"})
    add(fn, "large-sum", lambda: [("input", rn(100, 10)), ("target", _mlm_target(100, 10, [(3 * i) % 11 for i in range(100)]))],
        "1000 elements, sum", {"reduction": "sum"}, gscale=-2.0)
    add(fn, "err-target-float", lambda: [("input", rn(2, 3)), ("target", torch.zeros(2, 3))], "float target",
        {"reduction": "mean"})
    add(fn, "err-target-int32", lambda: [("input", rn(2, 3)), ("target", torch.zeros(2, 3, dtype=I32))],
        "int32 target", {"reduction": "mean"})
    add(fn, "err-target-shape", lambda: [("input", rn(3, 4)), ("target", torch.zeros(3, 3, dtype=I64))],
        "target shape differs from input", {"reduction": "mean"})
    add(fn, "err-target-1d-for-2d", lambda: [("input", rn(3, 4)), ("target", torch.zeros(4, dtype=I64))],
        "1-D target with 2-D input", {"reduction": "mean"})
    add(fn, "err-target-too-large", lambda: [("input", rn(2, 3)), ("target", torch.tensor([[0, 3, -1], [1, -1, 0]]))],
        "target >= C", {"reduction": "none"})
    add(fn, "err-target-below-minus-one", lambda: [("input", rn(2, 3)), ("target", torch.tensor([[0, -2, 1], [1, -1, 0]]))],
        "target < -1", {"reduction": "none"})
    add(fn, "err-out-of-range-after-terminator", lambda: [("input", rn(2, 3)), ("target", torch.tensor([[0, -1, 7], [1, -1, 0]]))],
        "an out-of-range value after the -1 still raises (min/max over the whole target)", {"reduction": "mean"})
    add(fn, "err-int-input", lambda: [("input", ri(0, 3, 2, 3)), ("target", torch.zeros(2, 3, dtype=I64))],
        "int64 input", {"reduction": "mean"})
    add(fn, "err-3d-input", lambda: [("input", rn(2, 3, 4)), ("target", torch.zeros(2, 3, 4, dtype=I64))],
        "3-D input", {"reduction": "mean"})
    add(fn, "err-zero-classes", lambda: [("input", rn(2, 0)), ("target", torch.zeros(2, 0, dtype=I64))],
        "C = 0", {"reduction": "mean"})
    add(fn, "err-reduction-avg", lambda: [("input", rn(2, 3)), ("target", torch.zeros(2, 3, dtype=I64))],
        "invalid reduction", {"reduction": "avg"})


def cases_cosine_embedding():
    fn = "cosine_embedding_loss"
    for red in R3:
        add(fn, "4x6-" + red, lambda: [("input1", rn(4, 6)), ("input2", rn(4, 6)), ("target", pm1(4))],
            "typical, target in {-1, 1}, margin 0", {"reduction": red}, gscale={"mean": 0.5}.get(red))
    add(fn, "default-reduction", lambda: [("input1", rn(4, 6)), ("input2", rn(4, 6)), ("target", pm1(4))],
        "default 'mean'")
    add(fn, "int64-target-none", lambda: [("input1", rn(5, 3)), ("input2", rn(5, 3)), ("target", ri(0, 2, 5) * 2 - 1)],
        "int64 target", {"reduction": "none"})
    for m in (0.5, -0.5, 2.0):
        add(fn, "margin%s-none" % m, lambda: [("input1", rn(6, 4)), ("input2", rn(6, 4)), ("target", pm1(6))],
            "margin %s (applies to target -1 rows: max(0, cos - margin))" % m,
            {"margin": m, "reduction": "none"})
    add(fn, "target-other-values-none", lambda: [("input1", rn(4, 3)), ("input2", rn(4, 3)), ("target", torch.tensor([0., 2., -1., 0.5]))],
        "target neither 1 nor -1 gives loss 0", {"reduction": "none"})
    add(fn, "1d-0d-target-none", lambda: [("input1", rn(6)), ("input2", rn(6)), ("target", torch.tensor(1.0))],
        "1-D inputs with 0-d target: 0-d output", {"reduction": "none"})
    add(fn, "1d-0d-target-mean", lambda: [("input1", rn(6)), ("input2", rn(6)), ("target", torch.tensor(-1))],
        "1-D inputs with 0-d int64 target -1, margin -1 (always active), mean", {"margin": -1.0, "reduction": "mean"})
    add(fn, "identical-none", lambda: (lambda a: [("input1", a), ("input2", a.clone()), ("target", pm1(4))])(rn(4, 5)),
        "input1 == input2: cos ~ 1 (may round to a value just below/above 1)", {"reduction": "none"})
    add(fn, "opposite-none", lambda: (lambda a: [("input1", a), ("input2", -a), ("target", pm1(4))])(rn(4, 5)),
        "input2 == -input1: cos ~ -1", {"reduction": "none"})
    add(fn, "zero-vectors-none", lambda: [("input1", torch.tensor([[0., 0., 0.], [1., 2., 3.], [0., 0., 0.], [1e-7, 0., 0.]])),
                                          ("input2", torch.tensor([[1., 2., 3.], [0., 0., 0.], [0., 0., 0.], [1e-7, 0., 0.]])),
                                          ("target", torch.tensor([1., 1., -1., 1.]))],
        "zero / tiny vectors: EPSILON = 1e-12 is added to each squared magnitude, so cos = 0 (finite grads)",
        {"reduction": "none"})
    add(fn, "broadcast-input2-none", lambda: [("input1", rn(3, 4)), ("input2", rn(1, 4)), ("target", pm1(3))],
        "input2 (1, 4) broadcast against input1 (3, 4)", {"reduction": "none"})
    add(fn, "zero-dim-none", lambda: [("input1", rn(2, 0)), ("input2", rn(2, 0)), ("target", pm1(2))],
        "D = 0: cos = 0 / sqrt(1e-24) = 0", {"reduction": "none"})
    for red in R3:
        add(fn, "empty-" + red, lambda: [("input1", rn(0, 4)), ("input2", rn(0, 4)), ("target", pm1(0))], "N = 0",
            {"reduction": red})
    add(fn, "nonfinite-none", lambda: [("input1", torch.tensor([[NAN, 1.], [INF, 1.], [1., 1.]])),
                                       ("input2", torch.tensor([[1., 1.], [1., 1.], [INF, -INF]])),
                                       ("target", torch.tensor([1., -1., 1.]))],
        "nan/inf inputs", {"reduction": "none"})
    add(fn, "f64-none", lambda: [("input1", rn(3, 4, dtype=F64)), ("input2", rn(3, 4, dtype=F64)), ("target", pm1(3, dtype=F64))],
        "float64", {"reduction": "none"})
    add(fn, "f64-margin-mean", lambda: [("input1", rn(3, 4, dtype=F64)), ("input2", rn(3, 4, dtype=F64)), ("target", pm1(3, dtype=F64))],
        "float64, margin, mean", {"margin": -0.2, "reduction": "mean"})
    add(fn, "large-mean", lambda: [("input1", rn(150, 8)), ("input2", rn(150, 8)), ("target", pm1(150))],
        "150 x 8, mean", {"margin": 0.1, "reduction": "mean"})
    add(fn, "large-dim-sum", lambda: [("input1", rn(3, 400)), ("input2", rn(3, 400)), ("target", pm1(3))],
        "long vectors (D = 400): the sums over D", {"reduction": "sum"})
    add(fn, "err-2d-target", lambda: [("input1", rn(3, 4)), ("input2", rn(3, 4)), ("target", pm1(3, 1))],
        "2-D target", {"reduction": "mean"})
    add(fn, "err-3d-inputs", lambda: [("input1", rn(2, 3, 4)), ("input2", rn(2, 3, 4)), ("target", pm1(2))],
        "3-D inputs with 1-D target", {"reduction": "mean"})
    add(fn, "err-1d-inputs-1d-target", lambda: [("input1", rn(4)), ("input2", rn(4)), ("target", pm1(1))],
        "1-D inputs with 1-D target", {"reduction": "mean"})
    add(fn, "err-input2-1d", lambda: [("input1", rn(3, 4)), ("input2", rn(4)), ("target", pm1(3))],
        "only input1's dim is checked in 1.13; a 1-D input2 fails in sum(1) with IndexError",
        {"reduction": "mean"})
    add(fn, "err-size-mismatch", lambda: [("input1", rn(3, 4)), ("input2", rn(3, 5)), ("target", pm1(3))],
        "D differs", {"reduction": "mean"})
    add(fn, "err-target-size", lambda: [("input1", rn(3, 4)), ("input2", rn(3, 4)), ("target", pm1(2))],
        "target length differs from N", {"reduction": "none"})
    add(fn, "err-reduction-avg", lambda: [("input1", rn(3, 4)), ("input2", rn(3, 4)), ("target", pm1(3))],
        "invalid reduction", {"reduction": "avg"})


def _trip(shape, dtype=F32):
    return lambda: [("anchor", rn(*shape, dtype=dtype)), ("positive", rn(*shape, dtype=dtype)),
                    ("negative", rn(*shape, dtype=dtype))]


def cases_triplet(fn):
    dist = fn == "triplet_margin_with_distance_loss"
    for red in R3:
        add(fn, "4x6-" + red, _trip((4, 6)), "typical (p = 2, margin 1)", {"reduction": red},
            gscale={"sum": -2.0}.get(red))
    add(fn, "default-reduction", _trip((4, 6)), "default 'mean'")
    if not dist:
        for pv in (1, 1.5, 3, INF):
            add(fn, "p%s-none" % pv, _trip((4, 6)), "p = %s" % pv, {"p": pv, "reduction": "none"})
        add(fn, "p1-mean", _trip((4, 6)), "p = 1, mean", {"p": 1, "reduction": "mean"})
        add(fn, "eps0-identical-none", lambda: (lambda a: [("anchor", a), ("positive", a.clone()), ("negative", rn(3, 4))])(rn(3, 4)),
            "eps = 0 and anchor == positive: zero distance (norm backward at 0)", {"eps": 0.0, "reduction": "none"})
        add(fn, "eps-large-none", _trip((3, 4)), "eps = 0.5 (added to the difference before the norm)",
            {"eps": 0.5, "reduction": "none"})
    add(fn, "swap-none", _trip((5, 4)), "swap: negative distance = min(d(a, n), d(p, n))", {"swap": True, "reduction": "none"})
    add(fn, "swap-mean", _trip((5, 4)), "swap, mean", {"swap": True, "reduction": "mean"})
    if not dist:
        add(fn, "swap-p1-sum", _trip((5, 4)), "swap with p = 1", {"swap": True, "p": 1, "reduction": "sum"})
    add(fn, "swap-tie-none", lambda: (lambda a: [("anchor", a), ("positive", a.clone()), ("negative", rn(3, 4))])(rn(3, 4)),
        "swap with anchor == positive: d(a, n) == d(p, n), torch.min's grad is split between the tied "
        "arguments (margin 10 keeps the loss active)", {"swap": True, "margin": 10.0, "reduction": "none"})
    for m in (0.0, -1.0, 100.0):
        add(fn, "margin%s-none" % m, _trip((4, 5)),
            "margin %s%s" % (m, " (torch 1.13 does not reject margin <= 0; 2.x raises)" if dist and m <= 0 else ""),
            {"margin": m, "reduction": "none"})
    add(fn, "ties-margin0-none", lambda: (lambda a, p: [("anchor", a), ("positive", p), ("negative", p.clone())])(rn(3, 4), rn(3, 4)),
        "positive == negative and margin 0: clamp input exactly 0 (clamp_min grad passes at 0)",
        {"margin": 0.0, "reduction": "none"})
    add(fn, "1d-none", _trip((6,)), "1-D inputs: one triplet, 0-d output", {"reduction": "none"})
    add(fn, "0d-none", _trip(()), "0-d inputs", {"reduction": "none"})
    add(fn, "3d-none", _trip((2, 3, 4)), "3-D inputs: distance over the last dim, output (2, 3)", {"reduction": "none"})
    add(fn, "broadcast-positive-none", lambda: [("anchor", rn(3, 4)), ("positive", rn(1, 4)), ("negative", rn(3, 4))],
        "positive (1, 4) broadcast against (3, 4)", {"reduction": "none"})
    if dist:
        add(fn, "broadcast-dims-none", lambda: [("anchor", rn(3, 4)), ("positive", rn(4)), ("negative", rn(3, 4))],
            "positive 1-D with 2-D anchor: allowed here (no dim check), broadcast", {"reduction": "none"})
    for red in R3:
        add(fn, "empty-" + red, _trip((0, 4)), "N = 0", {"reduction": red})
    add(fn, "zero-dim-none", _trip((2, 0)), "D = 0: distances 0, loss = max(margin, 0)", {"reduction": "none"})
    add(fn, "nonfinite-none", lambda: [("anchor", torch.tensor([[NAN, 0.], [INF, 0.], [0., 0.], [1., 1.]])),
                                       ("positive", torch.tensor([[0., 0.], [0., 0.], [INF, 0.], [1., 1.]])),
                                       ("negative", torch.tensor([[1., 0.], [1., 0.], [1., 0.], [-INF, 1.]]))],
        "nan/inf inputs", {"reduction": "none"})
    add(fn, "f64-none", _trip((3, 4), F64), "float64", {"reduction": "none"})
    add(fn, "f64-swap-mean", _trip((3, 4), F64), "float64, swap", {"swap": True, "reduction": "mean"})
    if not dist:
        add(fn, "f64-p3-sum", _trip((3, 4), F64), "float64, p = 3", {"p": 3, "reduction": "sum"})
    add(fn, "large-mean", _trip((160, 6)), "160 x 6, mean", {"reduction": "mean"})
    add(fn, "large-swap-sum", _trip((120, 8)), "120 x 8, swap, sum", {"swap": True, "reduction": "sum"}, gscale=0.5)
    if not dist:
        add(fn, "err-dim-mismatch", lambda: [("anchor", rn(3, 4)), ("positive", rn(4)), ("negative", rn(3, 4))],
            "inputs with different numbers of dims", {"reduction": "mean"})
    add(fn, "err-size-mismatch", lambda: [("anchor", rn(3, 4)), ("positive", rn(3, 5)), ("negative", rn(3, 4))],
        "D differs", {"reduction": "mean"})
    add(fn, "err-reduction-avg", _trip((3, 4)),
        "invalid reduction" + (" (raised after the distances are computed)" if dist else ""),
        {"reduction": "avg"})


def cases_poisson():
    fn = "poisson_nll_loss"
    for red in R3:
        add(fn, "log-input-" + red, lambda: [("input", rn(4, 5)), ("target", ri(0, 6, 4, 5).float())],
            "log_input True (default): exp(input) - target * input", {"reduction": red},
            gscale={"mean": 0.5}.get(red))
    add(fn, "default-options", lambda: [("input", rn(4, 5)), ("target", ri(0, 6, 4, 5).float())],
        "nothing passed: log_input True, full False, 'mean'")
    for red in R3:
        add(fn, "rate-input-" + red, lambda: [("input", ru(4, 5, lo=0.1, hi=4.0)), ("target", ri(0, 6, 4, 5).float())],
            "log_input False: input - target * log(input + eps)", {"log_input": False, "reduction": red})
    add(fn, "full-log-input-none", lambda: [("input", rn(3, 6)), ("target", torch.tensor([[0., 1., 2., 3., 0.5, 1.5], [7., 1., 0., 10., 1.0001, 0.9999], [4., 4., 2., 1., 0., 25.]]))],
        "full: Stirling term target*log(target) - target + 0.5*log(2*pi*target) added only where target > 1",
        {"full": True, "reduction": "none"})
    add(fn, "full-log-input-mean", lambda: [("input", rn(4, 5)), ("target", ri(0, 8, 4, 5).float())], "full, mean",
        {"full": True, "reduction": "mean"})
    add(fn, "full-rate-input-none", lambda: [("input", ru(3, 5, lo=0.1, hi=5.0)), ("target", ri(0, 8, 3, 5).float())],
        "full with log_input False", {"log_input": False, "full": True, "reduction": "none"})
    add(fn, "eps0-zero-input-none", lambda: [("input", torch.tensor([0., 1., 2., 0., 0.5])), ("target", torch.tensor([0., 1., 2., 3., 0.]))],
        "log_input False, eps 0, input 0: log(0) = -inf, target*(-inf) = nan for target 0",
        {"log_input": False, "eps": 0.0, "reduction": "none"})
    add(fn, "eps-large-none", lambda: [("input", torch.tensor([0., 1., 2., 0., 0.5])), ("target", torch.tensor([0., 1., 2., 3., 0.]))],
        "log_input False, eps 0.1", {"log_input": False, "eps": 0.1, "reduction": "none"})
    add(fn, "rate-negative-input-none", lambda: [("input", torch.tensor([-1., -1e-9, 0.5])), ("target", torch.tensor([1., 2., 3.]))],
        "log_input False with negative input: log of a negative number is nan", {"log_input": False, "reduction": "none"})
    add(fn, "int64-target-none", lambda: [("input", rn(3, 4)), ("target", ri(0, 5, 3, 4))], "int64 target",
        {"reduction": "none"})
    add(fn, "int64-target-full-none", lambda: [("input", rn(3, 4)), ("target", ri(0, 5, 3, 4))], "int64 target, full",
        {"full": True, "reduction": "none"})
    add(fn, "float-target-random-none", lambda: [("input", rn(6)), ("target", ru(6, hi=5.0))],
        "non-integer targets; target is differentiable", {"reduction": "none"})
    add(fn, "broadcast-target-none", lambda: [("input", rn(3, 4)), ("target", ri(0, 4, 4).float())],
        "target (4,) broadcast", {"reduction": "none"})
    add(fn, "broadcast-input-sum", lambda: [("input", rn(3, 1)), ("target", ri(0, 4, 3, 4).float())],
        "input (3, 1) broadcast against target (3, 4)", {"reduction": "sum"})
    add(fn, "0d-none", lambda: [("input", rn(())), ("target", torch.tensor(3.0))], "0-d", {"full": True, "reduction": "none"})
    add(fn, "3d-mean", lambda: [("input", rn(2, 3, 4)), ("target", ri(0, 4, 2, 3, 4).float())], "3-D, mean",
        {"reduction": "mean"})
    for red in R3:
        add(fn, "empty-" + red, lambda: [("input", rn(0)), ("target", rn(0))], "N = 0", {"reduction": red})
    add(fn, "nonfinite-none", lambda: [("input", torch.tensor([NAN, INF, -INF, 89., 1.])), ("target", torch.tensor([1., 2., 0., 1., INF]))],
        "nan/inf inputs, exp overflow at 89", {"reduction": "none"})
    add(fn, "f64-none", lambda: [("input", rn(3, 4, dtype=F64)), ("target", ri(0, 6, 3, 4).double())], "float64",
        {"full": True, "reduction": "none"})
    add(fn, "f64-rate-mean", lambda: [("input", ru(3, 4, lo=0.1, hi=3.0, dtype=F64)), ("target", ri(0, 6, 3, 4).double())],
        "float64, log_input False", {"log_input": False, "reduction": "mean"})
    add(fn, "large-mean", lambda: [("input", rn(40, 30)), ("target", ri(0, 8, 40, 30).float())], "1200 elements, full, mean",
        {"full": True, "reduction": "mean"})
    add(fn, "large-rate-sum", lambda: [("input", ru(1000, lo=0.05, hi=5.0)), ("target", ri(0, 8, 1000).float())],
        "1000 elements, log_input False, sum", {"log_input": False, "reduction": "sum"})
    add(fn, "err-size-mismatch", lambda: [("input", rn(3, 4)), ("target", rn(3))], "shapes do not broadcast",
        {"reduction": "none"})
    add(fn, "err-reduction-avg", lambda: [("input", rn(3)), ("target", rn(3))],
        "invalid reduction (this function's own message)", {"reduction": "avg"})


def cases_gaussian():
    fn = "gaussian_nll_loss"
    for red in R3:
        add(fn, "same-shape-" + red, lambda: [("input", rn(4, 5)), ("target", rn(4, 5)), ("var", ru(4, 5, lo=0.1, hi=2.0))],
            "var shaped like input", {"reduction": red}, gscale={"sum": 0.5}.get(red))
    add(fn, "default-options", lambda: [("input", rn(4, 5)), ("target", rn(4, 5)), ("var", ru(4, 5, lo=0.1, hi=2.0))],
        "nothing passed: full False, eps 1e-6, 'mean'")
    add(fn, "var-last-dim-1-none", lambda: [("input", rn(4, 5)), ("target", rn(4, 5)), ("var", ru(4, 1, lo=0.1, hi=2.0))],
        "var (N, 1) with input (N, D): broadcast, grad of var summed over D", {"reduction": "none"})
    add(fn, "var-last-dim-1-mean", lambda: [("input", rn(4, 5)), ("target", rn(4, 5)), ("var", ru(4, 1, lo=0.1, hi=2.0))],
        "var (N, 1), mean", {"reduction": "mean"})
    add(fn, "var-fewer-dims-none", lambda: [("input", rn(4, 5)), ("target", rn(4, 5)), ("var", ru(4, lo=0.1, hi=2.0))],
        "var (N,) with input (N, D): var is unsqueezed to (N, 1)", {"reduction": "none"})
    add(fn, "var-fewer-dims-3d-sum", lambda: [("input", rn(2, 3, 4)), ("target", rn(2, 3, 4)), ("var", ru(2, 3, lo=0.1, hi=2.0))],
        "input (2, 3, 4), var (2, 3)", {"reduction": "sum"})
    add(fn, "var-0d-1d-input-none", lambda: [("input", rn(5)), ("target", rn(5)), ("var", torch.tensor(0.7))],
        "1-D input with 0-d var: input.size()[:-1] == () == var.size(), so var is unsqueezed to (1,)",
        {"reduction": "none"})
    add(fn, "full-none", lambda: [("input", rn(3, 4)), ("target", rn(3, 4)), ("var", ru(3, 4, lo=0.1, hi=2.0))],
        "full: + 0.5*log(2*pi) (added as a Python float)", {"full": True, "reduction": "none"})
    add(fn, "full-mean", lambda: [("input", rn(3, 4)), ("target", rn(3, 4)), ("var", ru(3, 1, lo=0.1, hi=2.0))],
        "full, mean", {"full": True, "reduction": "mean"})
    add(fn, "var-zero-none", lambda: [("input", rn(6)), ("target", rn(6)), ("var", torch.tensor([0., 1e-8, 1e-6, 2e-6, 0.5, 0.]))],
        "var below eps is clamped to eps (in place, under no_grad): the value uses eps, and the grad "
        "still flows to var at the clamped value", {"reduction": "none"})
    add(fn, "var-zero-eps-large-none", lambda: [("input", rn(5)), ("target", rn(5)), ("var", torch.tensor([0., 0.05, 0.1, 0.2, 1.]))],
        "eps = 0.1", {"eps": 0.1, "reduction": "none"})
    add(fn, "var-zero-eps0-none", lambda: [("input", rn(4)), ("target", rn(4)), ("var", torch.tensor([0., 1., 0., 2.]))],
        "eps = 0 and var 0: log(0) = -inf, (x - y)^2 / 0 = inf: -inf + inf = nan", {"eps": 0.0, "reduction": "none"})
    add(fn, "broadcast-target-none", lambda: [("input", rn(3, 4)), ("target", rn(4)), ("var", ru(3, 4, lo=0.1))],
        "target (4,) broadcast (only var's size is checked against input)", {"reduction": "none"})
    add(fn, "broadcast-input-none", lambda: [("input", rn(4)), ("target", rn(3, 4)), ("var", ru(4, lo=0.1))],
        "input (4,) with target (3, 4): output (3, 4)", {"reduction": "none"})
    for red in R3:
        add(fn, "empty-" + red, lambda: [("input", rn(0, 3)), ("target", rn(0, 3)), ("var", ru(0, 3))], "N = 0",
            {"reduction": red})
    add(fn, "nonfinite-none", lambda: [("input", torch.tensor([NAN, INF, 1., 1., 0.])), ("target", torch.tensor([0., 0., INF, 1., 0.])),
                                       ("var", torch.tensor([1., 1., 1., INF, NAN]))],
        "nan/inf in input, target and var", {"reduction": "none"})
    add(fn, "f64-none", lambda: [("input", rn(3, 4, dtype=F64)), ("target", rn(3, 4, dtype=F64)), ("var", ru(3, 4, lo=0.1, dtype=F64))],
        "float64", {"full": True, "reduction": "none"})
    add(fn, "f64-var-fewer-mean", lambda: [("input", rn(3, 4, dtype=F64)), ("target", rn(3, 4, dtype=F64)), ("var", ru(3, lo=0.1, dtype=F64))],
        "float64, var (N,)", {"reduction": "mean"})
    add(fn, "large-mean", lambda: [("input", rn(40, 25)), ("target", rn(40, 25)), ("var", ru(40, 25, lo=0.05, hi=3.0))],
        "1000 elements, mean", {"reduction": "mean"})
    add(fn, "large-var-col-sum", lambda: [("input", rn(80, 12)), ("target", rn(80, 12)), ("var", ru(80, 1, lo=0.05, hi=3.0))],
        "960 elements with var (N, 1), full, sum", {"full": True, "reduction": "sum"}, gscale=-2.0)
    add(fn, "err-var-negative", lambda: [("input", rn(3)), ("target", rn(3)), ("var", torch.tensor([1., -0.5, 1.]))],
        "negative var", {"reduction": "mean"})
    for desc, vs in (("scalar1", (1,)), ("1x1", (1, 1)), ("1x4", (1, 4)), ("3x2", (3, 2)), ("4", (4,))):
        add(fn, "err-var-size-" + desc, lambda vs=vs: [("input", rn(3, 4)), ("target", rn(3, 4)), ("var", ru(*vs, lo=0.1))],
            "var of size %s with input (3, 4): not same size, not input.size()[:-1], not (..., 1) "
            "with matching leading dims" % (vs,), {"reduction": "none"})
    add(fn, "err-var-0d-2d-input", lambda: [("input", rn(3, 4)), ("target", rn(3, 4)), ("var", torch.tensor(1.0))],
        "0-d var with 2-D input", {"reduction": "none"})
    add(fn, "err-target-mismatch", lambda: [("input", rn(3, 4)), ("target", rn(3, 2)), ("var", ru(3, 4, lo=0.1))],
        "target does not broadcast", {"reduction": "none"})
    add(fn, "err-int-var", lambda: [("input", rn(3, 4)), ("target", rn(3, 4)), ("var", torch.ones(3, 4, dtype=I64))],
        "int64 var: the in-place clamp_(min=eps) cannot write a float into int64", {"reduction": "none"})
    add(fn, "err-reduction-avg", lambda: [("input", rn(3)), ("target", rn(3)), ("var", ru(3, lo=0.1))],
        "invalid reduction (checked before the negative-var check)", {"reduction": "avg"})
    add(fn, "err-reduction-avg-and-negative", lambda: [("input", rn(3)), ("target", rn(3)), ("var", torch.tensor([1., -1., 1.]))],
        "invalid reduction and negative var: the reduction error wins", {"reduction": "avg"})


def _ctc_padded(N, S, C, blank=0):
    """targets (N, S) with labels != blank"""
    t = torch.randint(0, C - 1, (N, S))
    return t + (t >= blank).to(t.dtype)


def cases_ctc():
    fn = "ctc_loss"
    T, N, C, S = 8, 3, 5, 4

    def std(lists=False, concat=False, blank=0, T=T, N=N, C=C, S=S, il=None, tl=None, dtype=F32, int32=False):
        def make():
            lp = lsm(T, N, C, dtype)
            tg = _ctc_padded(N, S, C, blank)
            ilv = il if il is not None else [T] * N
            tlv = tl if tl is not None else [S] * N
            if concat:
                tg = torch.cat([tg[i, :tlv[i]] for i in range(N)])
            if int32:
                tg = tg.to(I32)
            if lists:
                return [("log_probs", lp), ("targets", tg), ("input_lengths", list(ilv)), ("target_lengths", list(tlv))]
            ldt = I32 if int32 else I64
            return [("log_probs", lp), ("targets", tg), ("input_lengths", torch.tensor(ilv, dtype=ldt)),
                    ("target_lengths", torch.tensor(tlv, dtype=ldt))]
        return make

    IL, TL = [8, 7, 8], [4, 2, 3]
    for red in R3:
        add(fn, "padded-tensor-lengths-" + red, std(il=IL, tl=TL),
            "padded targets (N, S), lengths as int64 tensors; 'mean' divides each loss by its target "
            "length, then averages", {"reduction": red}, gscale={"mean": 1.0, "sum": 0.5}.get(red))
    for red in R3:
        add(fn, "padded-list-lengths-" + red, std(lists=True, il=IL, tl=TL),
            "padded targets, lengths as Python lists (the IntArrayRef overload)", {"reduction": red})
    add(fn, "default-options", std(il=IL, tl=TL), "nothing passed: blank 0, 'mean', zero_infinity False")
    add(fn, "concat-tensor-lengths-none", std(concat=True, il=IL, tl=TL), "concatenated 1-D targets, tensor lengths",
        {"reduction": "none"})
    add(fn, "concat-list-lengths-mean", std(concat=True, lists=True, il=IL, tl=TL), "concatenated targets, list lengths",
        {"reduction": "mean"})
    add(fn, "concat-tensor-lengths-sum", std(concat=True, il=IL, tl=TL), "concatenated targets, sum",
        {"reduction": "sum"}, gscale=-2.0)
    add(fn, "blank-last-none", std(blank=C - 1, il=IL, tl=TL), "blank = C - 1 (targets in 0..C-2)",
        {"blank": C - 1, "reduction": "none"})
    add(fn, "blank-last-mean", std(blank=C - 1, concat=True, il=IL, tl=TL), "blank = C - 1, concatenated, mean",
        {"blank": C - 1, "reduction": "mean"})
    add(fn, "blank-middle-sum", std(blank=2, il=IL, tl=TL), "blank = 2", {"blank": 2, "reduction": "sum"})
    add(fn, "short-inputs-none", std(il=[8, 5, 3], tl=[3, 2, 1]),
        "input lengths < T: the grad is 0 for t >= input_length", {"reduction": "none"})
    # impossible alignments
    for zi in (False, True):
        for red in R3:
            add(fn, "impossible-zi%d-%s" % (zi, red), std(T=5, S=6, il=[5, 5, 5], tl=[6, 2, 5]),
                "target longer than input for samples 0 and 2 -> inf loss%s" %
                ("; zero_infinity zeroes those losses and their grads" if zi else "; grads are nan"),
                {"reduction": red, "zero_infinity": zi})
    add(fn, "repeats-need-blanks-none", lambda: [("log_probs", lsm(5, 2, 4)), ("targets", torch.tensor([[1, 1, 2], [1, 2, 3]])),
                                                 ("input_lengths", torch.tensor([5, 5])), ("target_lengths", torch.tensor([3, 3]))],
        "[1, 1, 2] needs 4 frames (a blank between the repeats), [1, 2, 3] needs 3: both feasible at T = 5",
        {"reduction": "none"})
    add(fn, "repeats-infeasible-none", lambda: [("log_probs", lsm(4, 2, 4)), ("targets", torch.tensor([[1, 1, 1], [2, 2, 3]])),
                                                ("input_lengths", torch.tensor([4, 4])), ("target_lengths", torch.tensor([3, 3]))],
        "[1, 1, 1] needs 5 frames > T = 4: inf; [2, 2, 3] needs 4: finite", {"reduction": "none"})
    add(fn, "repeats-infeasible-zi-mean", lambda: [("log_probs", lsm(4, 2, 4)), ("targets", torch.tensor([[1, 1, 1], [2, 2, 3]])),
                                                   ("input_lengths", torch.tensor([4, 4])), ("target_lengths", torch.tensor([3, 3]))],
        "as above with zero_infinity, mean", {"reduction": "mean", "zero_infinity": True})
    add(fn, "target-length-zero-none", std(il=[8, 6, 8], tl=[0, 3, 0]),
        "target length 0: loss = -sum_t log_probs[t, blank]", {"reduction": "none"})
    add(fn, "target-length-zero-mean", std(il=[8, 6, 8], tl=[0, 3, 0]),
        "target length 0 with mean: divided by max(length, 1) = 1", {"reduction": "mean"})
    add(fn, "target-length-zero-concat-sum", std(concat=True, il=[8, 6, 8], tl=[0, 3, 0]), "length 0, concatenated",
        {"reduction": "sum"})
    add(fn, "all-targets-empty-mean", lambda: [("log_probs", lsm(6, 3, 4)), ("targets", torch.zeros(0, dtype=I64)),
                                               ("input_lengths", torch.tensor([6, 4, 5])), ("target_lengths", torch.tensor([0, 0, 0]))],
        "all target lengths 0, empty concatenated targets", {"reduction": "mean"})
    add(fn, "padded-width-zero-none", lambda: [("log_probs", lsm(6, 2, 4)), ("targets", torch.zeros(2, 0, dtype=I64)),
                                               ("input_lengths", torch.tensor([6, 3])), ("target_lengths", torch.tensor([0, 0]))],
        "padded targets of shape (N, 0)", {"reduction": "none"})
    for red in R3:
        add(fn, "unbatched-" + red, lambda: [("log_probs", lsm(7, None, 5)), ("targets", _ctc_padded(1, 3, 5)[0]),
                                             ("input_lengths", torch.tensor(7)), ("target_lengths", torch.tensor(3))],
            "unbatched (T, C) log_probs, 1-D targets, 0-d lengths: 'none' gives a 0-d loss", {"reduction": red})
    add(fn, "unbatched-list-lengths-none", lambda: [("log_probs", lsm(7, None, 5)), ("targets", _ctc_padded(1, 3, 5)[0]),
                                                    ("input_lengths", [6]), ("target_lengths", [3])],
        "unbatched with list lengths [T'] and [S]", {"reduction": "none"})
    add(fn, "targets-equal-blank-none", lambda: [("log_probs", lsm(6, 2, 4)), ("targets", torch.tensor([[0, 0], [1, 0]])),
                                                 ("input_lengths", torch.tensor([6, 6])), ("target_lengths", torch.tensor([2, 2]))],
        "targets containing the blank label (documented as not allowed; no check): recorded as torch "
        "computes it", {"reduction": "none"})
    add(fn, "int32-targets-lengths-none", std(int32=True, il=IL, tl=TL), "int32 targets and int32 length tensors",
        {"reduction": "none"})
    add(fn, "float-targets-none", lambda: (lambda m: [(n, v.float() if n == "targets" else v) for n, v in m])(std(il=IL, tl=TL)()),
        "float32 targets are accepted (converted to int64); no grad for them", {"reduction": "none"})
    add(fn, "lengths-2d-none", lambda: (lambda m: [(n, v.reshape(1, -1) if n.endswith("lengths") else v) for n, v in m])(std(il=IL, tl=TL)()),
        "length tensors of shape (1, N) are flattened", {"reduction": "none"})
    add(fn, "f64-none", std(il=IL, tl=TL, dtype=F64), "float64", {"reduction": "none"})
    add(fn, "f64-mean", std(lists=True, concat=True, il=IL, tl=TL, dtype=F64), "float64, concatenated, list lengths, mean",
        {"reduction": "mean"})
    add(fn, "f64-impossible-zi-sum", std(T=5, S=6, il=[5, 5, 5], tl=[6, 2, 5], dtype=F64), "float64 with zero_infinity",
        {"reduction": "sum", "zero_infinity": True})
    add(fn, "batch-empty-none", lambda: [("log_probs", lsm(5, 0, 4)), ("targets", torch.zeros(0, 3, dtype=I64)),
                                         ("input_lengths", torch.zeros(0, dtype=I64)), ("target_lengths", torch.zeros(0, dtype=I64))],
        "N = 0", {"reduction": "none"})
    add(fn, "batch-empty-sum", lambda: [("log_probs", lsm(5, 0, 4)), ("targets", torch.zeros(0, dtype=I64)),
                                        ("input_lengths", []), ("target_lengths", [])],
        "N = 0, concatenated, list lengths, sum = 0", {"reduction": "sum"})
    add(fn, "batch-empty-mean", lambda: [("log_probs", lsm(5, 0, 4)), ("targets", torch.zeros(0, 3, dtype=I64)),
                                         ("input_lengths", torch.zeros(0, dtype=I64)), ("target_lengths", torch.zeros(0, dtype=I64))],
        "N = 0, mean = nan", {"reduction": "mean"})
    add(fn, "large-mean", std(T=50, N=4, C=10, S=12, il=[50, 45, 50, 38], tl=[12, 10, 7, 12]),
        "T = 50, N = 4, C = 10 (2000 log_probs), mean", {"reduction": "mean"})
    add(fn, "large-concat-sum", std(T=40, N=4, C=10, S=15, concat=True, il=[40, 40, 33, 40], tl=[15, 9, 12, 1]),
        "T = 40, N = 4, C = 10, concatenated, sum", {"reduction": "sum"})
    # errors
    for b in (C, -1):
        add(fn, "err-blank-%s" % b, std(il=IL, tl=TL), "blank out of range [0, C)", {"blank": b, "reduction": "mean"})
    add(fn, "err-input-length-too-long", std(il=[9, 8, 8], tl=TL), "input length > T", {"reduction": "mean"})
    add(fn, "err-target-length-too-long", std(il=IL, tl=[5, 2, 3]), "target length > S (padded)", {"reduction": "mean"})
    add(fn, "err-concat-wrong-total", lambda: (lambda m: [(n, v[:-1] if n == "targets" else v) for n, v in m])(std(concat=True, il=IL, tl=TL)()),
        "concatenated targets shorter than sum(target_lengths)", {"reduction": "mean"})
    add(fn, "err-input-lengths-size", std(il=[8, 8], tl=TL), "len(input_lengths) != N", {"reduction": "mean"})
    add(fn, "err-target-lengths-size", std(il=IL, tl=[4, 2]), "len(target_lengths) != N", {"reduction": "mean"})
    add(fn, "err-targets-batch", lambda: (lambda m: [(n, v[:2] if n == "targets" else v) for n, v in m])(std(il=IL, tl=TL)()),
        "padded targets with fewer rows than N", {"reduction": "mean"})
    add(fn, "err-log-probs-4d", lambda: (lambda m: [(n, v[None] if n == "log_probs" else v) for n, v in m])(std(il=IL, tl=TL)()),
        "4-D log_probs (unsqueezed to 5-D internally, hence the message)", {"reduction": "mean"})
    add(fn, "err-targets-3d", lambda: (lambda m: [(n, v[:, :, None] if n == "targets" else v) for n, v in m])(std(il=IL, tl=TL)()),
        "3-D targets", {"reduction": "mean"})
    add(fn, "err-float-lengths", lambda: (lambda m: [(n, v.float() if n == "input_lengths" else v) for n, v in m])(std(il=IL, tl=TL)()),
        "float input_lengths", {"reduction": "mean"})
    add(fn, "err-int-log-probs", lambda: [("log_probs", ri(-3, 0, 4, 2, 3)), ("targets", torch.tensor([[1], [2]])),
                                          ("input_lengths", torch.tensor([4, 4])), ("target_lengths", torch.tensor([1, 1]))],
        "int64 log_probs", {"reduction": "mean"})
    add(fn, "err-zero-time-steps", lambda: [("log_probs", lsm(0, 2, 3)), ("targets", torch.tensor([[1], [2]])),
                                            ("input_lengths", torch.tensor([0, 0])), ("target_lengths", torch.tensor([1, 1]))],
        "T = 0", {"reduction": "mean"})
    add(fn, "err-mixed-list-tensor", lambda: (lambda m: [(n, v.tolist() if n == "target_lengths" else v) for n, v in m])(std(il=IL, tl=TL)()),
        "input_lengths a tensor but target_lengths a list: no overload matches (TypeError)", {"reduction": "mean"})
    add(fn, "err-reduction-avg", std(il=IL, tl=TL), "invalid reduction", {"reduction": "avg"})


def _pair(shape, dtype=F32):
    return lambda: [("x1", rn(*shape, dtype=dtype)), ("x2", rn(*shape, dtype=dtype))]


def cases_pairwise_distance():
    fn = "pairwise_distance"
    add(fn, "4x6-default", _pair((4, 6)), "defaults p = 2, eps 1e-6: ||x1 - x2 + eps||_p over the last dim")
    for pv in (1.0, 3.0, 1.5, INF, 0.0, 0.5):
        add(fn, "p%s" % pv, _pair((4, 6)), "p = %s%s" % (pv, " (torch's norm backward returns no gradient for p = 0: grads null, i.e. zero)" if pv == 0 else ""), {"p": pv})
    add(fn, "keepdim", _pair((4, 6)), "keepdim True: (N, 1)", {"keepdim": True})
    add(fn, "identical", lambda: (lambda a: [("x1", a), ("x2", a.clone())])(rn(3, 5)),
        "x1 == x2: distance eps * D^(1/p)")
    add(fn, "identical-eps0", lambda: (lambda a: [("x1", a), ("x2", a.clone())])(rn(3, 5)),
        "x1 == x2, eps 0: distance 0, norm backward at 0 gives 0", {"eps": 0.0})
    add(fn, "identical-eps0-p1", lambda: (lambda a: [("x1", a), ("x2", a.clone())])(rn(3, 5)),
        "x1 == x2, eps 0, p = 1 (sign(0) = 0)", {"eps": 0.0, "p": 1.0})
    add(fn, "eps-large", _pair((3, 4)), "eps 0.5", {"eps": 0.5})
    add(fn, "1d", _pair((6,)), "1-D: 0-d output")
    add(fn, "1d-keepdim", _pair((6,)), "1-D keepdim: (1,)", {"keepdim": True})
    add(fn, "0d", _pair(()), "0-d inputs: norm over dim -1 of a 0-d tensor")
    add(fn, "3d", _pair((2, 3, 4)), "3-D: over the last dim, output (2, 3)")
    add(fn, "broadcast-1d-2d", lambda: [("x1", rn(4)), ("x2", rn(3, 4))], "x1 (4,) broadcast against x2 (3, 4)")
    add(fn, "broadcast-3d-2d", lambda: [("x1", rn(2, 3, 4)), ("x2", rn(3, 4))], "x1 (2, 3, 4), x2 (3, 4)")
    add(fn, "empty-batch", _pair((0, 4)), "N = 0")
    add(fn, "zero-dim", _pair((3, 0)), "D = 0: distance 0")
    add(fn, "large-values", lambda: [("x1", rn(3, 4) * 1e20), ("x2", rn(3, 4) * 1e20)],
        "values ~1e20: squares overflow float32 -> inf distance (p = 2)")
    add(fn, "nonfinite", lambda: [("x1", torch.tensor([[NAN, 0.], [INF, 0.], [INF, 1.], [1., 2.]])),
                                  ("x2", torch.tensor([[0., 0.], [0., 0.], [INF, 1.], [-INF, 2.]]))],
        "nan/inf inputs")
    add(fn, "f64", _pair((3, 4), F64), "float64")
    add(fn, "f64-p1-keepdim", _pair((3, 4), F64), "float64, p = 1, keepdim", {"p": 1.0, "keepdim": True})
    add(fn, "int-inputs", lambda: [("x1", ri(-3, 4, 2, 3)), ("x2", ri(-3, 4, 2, 3))],
        "int64 inputs: x1 - x2 + eps is float32")
    add(fn, "large", _pair((200, 5)), "200 x 5")
    add(fn, "large-dim-p3", _pair((3, 400)), "D = 400, p = 3", {"p": 3.0})
    add(fn, "err-size-mismatch", lambda: [("x1", rn(3, 4)), ("x2", rn(3, 5))], "D differs")
    add(fn, "err-batch-mismatch", lambda: [("x1", rn(3, 4)), ("x2", rn(2, 4))], "N differs")


def cases_cosine_similarity():
    fn = "cosine_similarity"
    add(fn, "4x6-default", _pair((4, 6)), "defaults dim 1, eps 1e-8")
    add(fn, "dim0", _pair((4, 6)), "dim 0", {"dim": 0})
    add(fn, "dim-1", _pair((4, 6)), "dim -1", {"dim": -1})
    add(fn, "identical", lambda: (lambda a: [("x1", a), ("x2", a.clone())])(rn(5, 4)),
        "x1 == x2: 1 up to rounding (computed as sum((x1/|x1|) * (x2/|x2|)))")
    add(fn, "opposite", lambda: (lambda a: [("x1", a), ("x2", -a)])(rn(5, 4)), "x2 == -x1")
    add(fn, "zero-vectors", lambda: [("x1", torch.tensor([[0., 0., 0.], [1., 2., 3.], [0., 0., 0.], [1e-9, 0., 0.]])),
                                     ("x2", torch.tensor([[1., 2., 3.], [0., 0., 0.], [0., 0., 0.], [1e-9, 1e-9, 0.]]))],
        "zero / tiny vectors: each norm is clamped to eps (clamp under no_grad)")
    add(fn, "eps-large", lambda: [("x1", rn(4, 3) * 0.1), ("x2", rn(4, 3))], "eps 0.5: small norms clamped",
        {"eps": 0.5})
    add(fn, "1d", _pair((6,)), "1-D with dim 0: 0-d output", {"dim": 0})
    add(fn, "0d", _pair(()), "0-d with dim 0", {"dim": 0})
    add(fn, "3d-dim1", _pair((2, 3, 4)), "3-D, dim 1: output (2, 4)")
    add(fn, "3d-dim2", _pair((2, 3, 4)), "3-D, dim 2", {"dim": 2})
    add(fn, "broadcast-1d", lambda: [("x1", rn(3, 4)), ("x2", rn(4))], "x2 (4,) broadcast to (3, 4)")
    add(fn, "broadcast-both", lambda: [("x1", rn(3, 1, 4)), ("x2", rn(1, 2, 4))], "x1 (3, 1, 4), x2 (1, 2, 4), dim -1",
        {"dim": -1})
    add(fn, "empty-batch", _pair((0, 4)), "N = 0")
    add(fn, "zero-dim", _pair((3, 0)), "D = 0: 0")
    add(fn, "large-values", lambda: [("x1", rn(3, 4) * 1e20), ("x2", rn(3, 4))], "x1 ~1e20: the norm overflows")
    add(fn, "nonfinite", lambda: [("x1", torch.tensor([[NAN, 1.], [INF, 1.], [1., 1.]])), ("x2", torch.tensor([[1., 1.], [1., 1.], [INF, -INF]]))],
        "nan/inf inputs")
    add(fn, "f64", _pair((3, 4), F64), "float64")
    add(fn, "f64-dim0", _pair((3, 4), F64), "float64, dim 0", {"dim": 0})
    add(fn, "int-and-float", lambda: [("x1", ri(-3, 4, 2, 3)), ("x2", rn(2, 3))],
        "int64 x1 with float32 x2: x1 converted to float32")
    add(fn, "large", _pair((200, 5)), "200 x 5")
    add(fn, "large-dim", _pair((3, 400)), "D = 400", {"dim": 1})
    add(fn, "err-dim-out-of-range", _pair((3, 4)), "dim 2 on 2-D inputs", {"dim": 2})
    add(fn, "err-1d-default-dim", _pair((4,)), "1-D inputs with the default dim 1")
    add(fn, "err-size-mismatch", lambda: [("x1", rn(3, 4)), ("x2", rn(3, 5))], "shapes do not broadcast")
    add(fn, "err-int-inputs", lambda: [("x1", ri(-3, 4, 2, 3)), ("x2", ri(-3, 4, 2, 3))],
        "both int64: common dtype must be floating")


def build_cases():
    cases_margin_ranking()
    cases_hinge()
    cases_soft_margin()
    cases_multilabel_soft_margin()
    cases_multi_margin()
    cases_multilabel_margin()
    cases_cosine_embedding()
    cases_triplet("triplet_margin_loss")
    cases_triplet("triplet_margin_with_distance_loss")
    cases_poisson()
    cases_gaussian()
    cases_ctc()
    cases_pairwise_distance()
    cases_cosine_similarity()


def cpu_capability():
    try:
        return torch.backends.cpu.get_cpu_capability()
    except AttributeError:
        pass
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


def main():
    torch.set_num_threads(1)
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "nn_losses.json")
    build_cases()
    recs = [run_case(c) for c in CASES]
    ids = [r["id"] for r in recs]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    meta = {
        "torch": torch.__version__,
        "generator": "scripts/gen_nn_fixtures.py",
        "capability": cpu_capability(),
        "num_threads": 1,
        "count": len(recs),
        "error_cases": sum(1 for r in recs if "error" in r),
        "encoding": "tensors as in public.json: values row-major, NaN/Inf as strings, hex = IEEE-754 "
                    "bits (authoritative) for float32/float64; int tensors have values only; "
                    "ctc lengths passed as Python lists are {\"list\": [...]}",
    }
    with open(path, "w") as f:
        f.write('{"meta": %s,\n"cases": [\n' % json.dumps(meta))
        for i, r in enumerate(recs):
            f.write(json.dumps(r, separators=(",", ":"), allow_nan=False))
            f.write(",\n" if i + 1 < len(recs) else "\n")
        f.write("]}\n")
    by_fn = {}
    for r in recs:
        by_fn.setdefault(r["fn"], [0, 0])
        by_fn[r["fn"]][0] += 1
        by_fn[r["fn"]][1] += "error" in r
    for k, (n, e) in by_fn.items():
        print("%-36s %3d cases (%d errors)" % (k, n, e))
    print("wrote %d cases to %s (%d bytes)" % (len(recs), path, os.path.getsize(path)))


if __name__ == "__main__":
    main()
