#!/usr/bin/env python3
"""Generates tests/golden/arith.json: torch 1.13.1's (CPU, one thread) results of tensor arithmetic,
torch.add / sub / mul / div (true division), torch.neg / log / exp / sqrt / abs / square and the
sum / mean reductions (all, or one dim with keepdim), and the creation and shape ops (full, zeros,
ones, arange, eye; reshape, unsqueeze, squeeze, flatten, transpose), over the four dtypes losslab has, with
broadcasting, 0-d tensors and Python numbers on either side (type promotion), edge values (NaN,
+-Inf, -0, subnormals, overflow, integer wrap-around, division by zero) and torch's errors.

Each case: {"id", "op", "a", "b"} where an operand is a tensor (public.json's encoding; int64
values beyond 2^53 as decimal strings) or
{"number": v, "kind": "int" | "float"} (a Python number: "inf"/"-inf"/"nan" as strings, ints
beyond 2^53 as decimal strings), and "expected" (the output tensor, bit-exact in "hex") or
"error" ({type, message}). The unary ops and reductions have no "b"; a reduction along a dim
has "dim" and "keepdim". A creation or shape op has "args" (its arguments by torch's names; numbers
in them encoded as operands, dtype by name) and, for a shape op, "a".

The tests read only the JSON. Deterministic: two runs write identical files.
Needs torch 1.13 (Debian python3-torch) and numpy.
Usage: /usr/bin/python3 scripts/gen_arith_fixtures.py [out.json]
"""
import json
import os
import sys
import zlib

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "nn_fixtures"))
from encoding import DTYPE_NAMES, enc_error, enc_float, enc_tensor  # noqa: E402

torch.set_num_threads(1)
F32, F64, I64, I32 = torch.float32, torch.float64, torch.int64, torch.int32
DTYPES = [F32, F64, I64, I32]
OPS = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div}
INF, NAN = float("inf"), float("nan")

cases = []


def seed_of(name):
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def draw(shape, dtype, name):
    g = torch.Generator().manual_seed(seed_of(name))
    if dtype.is_floating_point:
        return (torch.randn(shape, generator=g, dtype=F64) * 3).to(dtype)
    return torch.randint(-50, 50, shape, generator=g, dtype=dtype)


def enc_exact(t):
    """enc_tensor, with int64 values beyond 2^53 as decimal strings (JSON readers parse numbers as
    doubles)."""
    d = enc_tensor(t)
    if d["dtype"] == "int64":
        d["values"] = [v if abs(v) <= 2**53 else str(v) for v in d["values"]]
    return d


def enc_operand(x):
    if isinstance(x, torch.Tensor):
        return enc_exact(x)
    if isinstance(x, bool):
        raise TypeError("no bools")
    if isinstance(x, int):
        return {"number": x if abs(x) <= 2**53 else str(x), "kind": "int"}
    return {"number": enc_float(x), "kind": "float"}


UNARY = {"neg": torch.neg, "log": torch.log, "exp": torch.exp, "sqrt": torch.sqrt,
         "abs": torch.abs, "square": torch.square}
REDUCE = {"sum": torch.sum, "mean": torch.mean}


def add(cid, op, a, b=None, dim=None, keepdim=False):
    c = {"id": cid, "op": op, "a": enc_operand(a)}
    if op in OPS:
        c["b"] = enc_operand(b)
    if op in REDUCE and dim is not None:
        c["dim"] = dim
        c["keepdim"] = keepdim
    try:
        if op in UNARY:
            r = UNARY[op](a)
        elif op in REDUCE:
            r = REDUCE[op](a) if dim is None else REDUCE[op](a, dim, keepdim=keepdim)
        else:
            r = OPS[op](a, b)
        c["expected"] = enc_exact(r)
    except Exception as e:  # torch's error is the expected result
        c["error"] = enc_error(e)
    cases.append(c)


def name(d):
    return DTYPE_NAMES[d]


def build():
    # every dtype pair, same shape and broadcast shapes
    for op in OPS:
        for da in DTYPES:
            for db in DTYPES:
                tag = "%s-%s-%s" % (op, name(da), name(db))
                add(tag + "-same", op, draw([7], da, tag + "a"), draw([7], db, tag + "b"))
                add(tag + "-bcast", op, draw([3, 1, 5], da, tag + "c"), draw([4, 1], db, tag + "d"))
                add(tag + "-0d-right", op, draw([6], da, tag + "e"), draw([], db, tag + "f"))
                add(tag + "-0d-both", op, draw([], da, tag + "g"), draw([], db, tag + "h"))
    # Python numbers on either side (the reflected operators: 1 - y, 2 / t, (-1/N) * t)
    numbers = [2, -3, 0, 0.1, -1.0 / 3000, 2.5, 1e20, 1e300, INF, -INF, NAN, 2**31, 2**40, -(2**63)]
    for op in OPS:
        for d in DTYPES:
            x = draw([9], d, "num-%s-%s" % (op, name(d)))
            for k, v in enumerate(numbers):
                add("num-%s-%s-%d-right" % (op, name(d), k), op, x, v)
                add("num-%s-%s-%d-left" % (op, name(d), k), op, v, x)
            add("num-%s-%s-0d" % (op, name(d)), op, draw([], d, "num0d-" + op + name(d)), 0.75)
    # edge values
    f = [0.0, -0.0, 1.0, -1.0, INF, -INF, NAN, 1e-45, -1e-45, 1.17549435e-38, 3.4e38, -3.4e38, 0.1, 7.0]
    for d in (F32, F64):
        a = torch.tensor(f, dtype=d)
        grid_a = a.repeat_interleave(len(f))
        grid_b = a.repeat(len(f))
        for op in OPS:
            add("edge-%s-%s" % (op, name(d)), op, grid_a, grid_b)
        add("edge-neg-%s" % name(d), "neg", a)
    for d, lim in ((I64, 2**63), (I32, 2**31)):
        v = torch.tensor([0, 1, -1, lim - 1, -lim, lim // 2, 12345, -7], dtype=d)
        grid_a = v.repeat_interleave(len(v))
        grid_b = v.repeat(len(v))
        for op in OPS:
            add("edge-%s-%s" % (op, name(d)), op, grid_a, grid_b)
        add("edge-neg-%s" % name(d), "neg", v)
    # shapes: empty, 0-d, long rows (vectorized bodies and tails), stride-0 inner dims
    add("shape-empty", "add", torch.zeros([0, 3]), torch.ones([1, 3]))
    add("shape-empty-bcast", "mul", torch.zeros([2, 0, 1]), torch.ones([3]))
    add("shape-long", "div", draw([1037], F32, "long-a"), draw([1037], F32, "long-b"))
    add("shape-inner-bcast", "sub", draw([5, 1], F32, "ib-a"), draw([1, 33], F32, "ib-b"))
    add("shape-outer-bcast", "mul", draw([2, 1, 3, 4], F64, "ob-a"), draw([5, 1, 1], F32, "ob-b"))
    add("shape-4d", "add", draw([2, 3, 1, 2], I32, "4d-a"), draw([3, 4, 1], I64, "4d-b"))
    # elementwise functions: every dtype, edge values, lengths around the 8-lane vectors
    for op in ("log", "exp", "sqrt", "abs", "square"):
        for d in DTYPES:
            x = draw([37], d, "un-%s-%s" % (op, name(d)))
            if op in ("log", "sqrt") and d.is_floating_point:
                x = x.abs()
            add("unary-%s-%s" % (op, name(d)), op, x)
        for d in (F32, F64):
            add("unary-%s-edge-%s" % (op, name(d)), op, torch.tensor(f, dtype=d))
        add("unary-%s-0d" % op, op, torch.tensor(2.5))
        add("unary-%s-empty" % op, op, torch.zeros([0, 2]))
    g = torch.Generator().manual_seed(7)
    wide = torch.rand([1031], generator=g, dtype=F64)
    add("unary-log-wide", "log", (wide * 200).to(F32))
    add("unary-exp-wide", "exp", ((wide - 0.5) * 200).to(F32))
    add("unary-log-wide-f64", "log", wide * 200)
    add("unary-exp-wide-f64", "exp", (wide - 0.5) * 200)
    # reductions: all, each dim, keepdim, long rows (the cascade), integers, empty
    for op in REDUCE:
        for d in DTYPES:
            if op == "mean" and not d.is_floating_point:
                add("reduce-%s-%s-error" % (op, name(d)), op, draw([3], d, "re-" + op + name(d)))
                continue
            x = draw([3, 4, 5], d, "red-%s-%s" % (op, name(d)))
            add("reduce-%s-%s-all" % (op, name(d)), op, x)
            for dim in (0, 1, 2, -1):
                add("reduce-%s-%s-dim%d" % (op, name(d), dim), op, x, dim=dim)
            add("reduce-%s-%s-keep" % (op, name(d)), op, x, dim=1, keepdim=True)
        # (sum's sizes reach the cascade's second level, 16^2 groups of 32; mean divides the same)
        big = op == "sum"
        add("reduce-%s-long" % op, op, draw([9001 if big else 1001], F32, "rl-" + op))
        add("reduce-%s-long-f64" % op, op, draw([4500 if big else 700], F64, "rl64-" + op))
        add("reduce-%s-rows" % op, op, draw([6, 700], F32, "rr-" + op), dim=1)
        add("reduce-%s-cols" % op, op, draw([600, 9], F32, "rc-" + op), dim=0)
        add("reduce-%s-mid" % op, op, draw([3, 100, 10], F32, "rm-" + op), dim=1)
        add("reduce-%s-0d" % op, op, torch.tensor(5.0), dim=-1, keepdim=True)
        add("reduce-%s-empty" % op, op, torch.zeros([0, 3]), dim=0)
        add("reduce-%s-empty-all" % op, op, torch.zeros([0]))
        add("reduce-%s-edge" % op, op, torch.tensor([1.0, INF, -INF]))
        add("reduce-%s-baddim" % op, op, torch.ones([2, 3]), dim=2)
    add("reduce-sum-int32-wrap", "sum", torch.tensor([2**31 - 1, 5], dtype=I32))
    add("reduce-sum-int64-wrap", "sum", torch.tensor([2**63 - 1, 5], dtype=I64))
    # errors
    add("error-shape", "add", torch.ones([2, 3]), torch.ones([4]))
    add("error-shape-2", "mul", torch.ones([3, 2]), torch.ones([2, 3]))
    add("error-shape-0", "sub", torch.ones([0]), torch.ones([2]))


DT = {"float32": F32, "float64": F64, "int64": I64, "int32": I32}


def add_call(cid, op, args, a=None):
    """A creation or shape op: torch's result for the call described by `args` (numbers in them
    encoded as operands; "dtype" by name)."""
    c = {"id": cid, "op": op, "args": {}}
    if a is not None:
        c["a"] = enc_operand(a)
    kw = {}
    for k, v in args.items():
        c["args"][k] = enc_operand(v) if k in ("value", "start", "end", "step") else v
        kw[k] = DT[v] if k == "dtype" else v
    dt = {"dtype": kw.pop("dtype")} if "dtype" in kw else {}
    try:
        if op == "full":
            r = torch.full(kw["shape"], kw["value"], **dt)
        elif op in ("zeros", "ones"):
            r = getattr(torch, op)(kw["shape"], **dt)
        elif op == "arange":
            r = torch.arange(kw["start"], kw["end"], kw["step"], **dt)
        elif op == "eye":
            r = torch.eye(kw["n"], kw.get("m", kw["n"]), **dt)
        elif op == "reshape":
            r = a.reshape(kw["shape"])
        elif op == "unsqueeze":
            r = a.unsqueeze(kw["dim"])
        elif op == "squeeze":
            r = a.squeeze(kw["dim"]) if "dim" in kw else a.squeeze()
        elif op == "flatten":
            r = a.flatten(kw["start_dim"], kw["end_dim"])
        else:
            r = a.transpose(kw["dim0"], kw["dim1"])
        c["expected"] = enc_exact(r.contiguous())
    except Exception as e:
        c["error"] = enc_error(e)
    cases.append(c)


def build_factories():
    for d in (None, "float32", "float64", "int64", "int32"):
        tag = d or "default"
        extra = {"dtype": d} if d else {}
        add_call("full-int-" + tag, "full", {"shape": [2, 3], "value": 7, **extra})
        add_call("full-float-" + tag, "full", {"shape": [4], "value": 2.5, **extra})
        add_call("zeros-" + tag, "zeros", {"shape": [3, 0, 2] if d == "int32" else [2, 2], **extra})
        add_call("ones-" + tag, "ones", {"shape": [], **extra})
        add_call("eye-" + tag, "eye", {"n": 3, "m": 4, **extra})
        add_call("arange-int-" + tag, "arange", {"start": -3, "end": 11, "step": 3, **extra})
        add_call("arange-float-" + tag, "arange", {"start": -3.0, "end": 3.0, "step": 0.7, **extra})
    add_call("arange-tenths", "arange", {"start": 0, "end": 1, "step": 0.1})
    add_call("arange-neg-step", "arange", {"start": 5, "end": -5, "step": -1.5})
    add_call("arange-empty", "arange", {"start": 2, "end": 2, "step": 1})
    add_call("arange-big", "arange", {"start": 0, "end": 2**62, "step": 2**60})
    add_call("arange-err-zero", "arange", {"start": 0, "end": 1, "step": 0})
    add_call("arange-err-sign", "arange", {"start": 0, "end": 10, "step": -1})
    add_call("eye-square", "eye", {"n": 4})
    add_call("eye-err-n", "eye", {"n": -1})
    add_call("eye-err-m", "eye", {"n": 2, "m": -1})
    x = draw([2, 3, 4], F32, "shape-x")
    for k, sh in enumerate(([4, 6], [-1, 4], [24], [2, -1, 3], [1, 24, 1], [5, 5], [-1, -1], [-2, 12])):
        add_call("reshape-%d" % k, "reshape", {"shape": sh}, x)
    add_call("reshape-0d", "reshape", {"shape": []}, torch.tensor([3.5]))
    add_call("reshape-empty-ambiguous", "reshape", {"shape": [-1, 0]}, torch.zeros([0, 3]))
    for dim in (0, 3, -1, -4, 4, -5):
        add_call("unsqueeze-%d" % dim, "unsqueeze", {"dim": dim}, x)
    y = draw([1, 3, 1, 2], I64, "shape-y")
    add_call("squeeze-all", "squeeze", {}, y)
    for dim in (0, 1, -2, 4):
        add_call("squeeze-%d" % dim, "squeeze", {"dim": dim}, y)
    add_call("squeeze-0d", "squeeze", {"dim": 0}, torch.tensor(2.0))
    for a_, b_ in ((0, -1), (1, 2), (0, 0), (2, 1), (0, 3)):
        add_call("flatten-%d-%d" % (a_, b_), "flatten", {"start_dim": a_, "end_dim": b_}, x)
    add_call("flatten-0d", "flatten", {"start_dim": 0, "end_dim": -1}, torch.tensor(2.0))
    for a_, b_ in ((0, 1), (0, 2), (-1, 0), (1, 1), (0, 3)):
        add_call("transpose-%d-%d" % (a_, b_), "transpose", {"dim0": a_, "dim1": b_}, x)
    add_call("transpose-int", "transpose", {"dim0": 1, "dim1": 3}, y)


def lesson_bce_by_hand():
    """The lesson's binary cross-entropy by hand on its recipe (manual_seed(420); x = rand(N, 4),
    w = rand(4, 1), y = randint(0, 2, (N, 1)).float(), sigma = sigmoid(mm(x, w))):
    (-1/N) * torch.sum(y * torch.log(sigma) + (1 - y) * torch.log(1 - sigma))."""
    out = []
    for n in (3000, 3000000):
        torch.manual_seed(420)
        x = torch.rand([n, 4])
        w = torch.rand([4, 1])
        y = torch.randint(0, 2, [n, 1]).float()
        sigma = torch.sigmoid(torch.mm(x, w))
        bce = (-1 / n) * torch.sum(y * torch.log(sigma) + (1 - y) * torch.log(1 - sigma))
        out.append({"n": n, "printed": str(bce), "expected": enc_tensor(bce)})
    return out


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "arith.json")
    build()
    build_factories()
    doc = {
        "generator": "scripts/gen_arith_fixtures.py",
        "torch": torch.__version__,
        "encoding": "tensors as in public.json; numbers as {number, kind}",
        "cases": cases,
        "lesson_bce_by_hand": lesson_bce_by_hand(),
    }
    with open(out, "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))
        fh.write("\n")
    print("%d cases -> %s" % (len(cases), out))


if __name__ == "__main__":
    main()
