"""Running one case in torch: forward, error or output, every operand's gradient."""
import warnings

import numpy as np
import torch
import torch.nn.functional as F

from .cases import seed_of
from .encoding import F32, F64, enc_error, enc_tensor, enc_value


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
        if k == "distance_function" and isinstance(v, dict):
            kw[k] = distance_function(v)
        elif isinstance(v, torch.Tensor):
            t = v.detach().clone()
            if k in req:
                t.requires_grad_(True)
                leaves[k] = t
            kw[k] = t
        else:
            kw[k] = v
    return args, kw, leaves


def distance_function(d):
    """A distance_function option as the fixtures describe it, {"fn": a torch.nn.functional
    distance, "options": its keywords}, as the Python function a learner would pass (the JS tests
    pass the same function of the JS API)."""
    f, kw = getattr(F, d["fn"]), dict(d.get("options", {}))
    return lambda x, y: f(x, y, **kw)


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

