#!/usr/bin/env python3
"""Generates tests/golden/autograd.json: torch 1.13.1's autograd (CPU, one thread) on small
programs: every differentiable op of the JS API (arithmetic with tensors and numbers on either
side over broadcasting shapes and dtypes, the elementwise functions, sum / mean, mm, the shape
ops, dtype casts, every loss of the registry with each reduction, log_softmax / softmax), graph
features (a tensor used by several ops, retain_grad, gradients accumulating over two backward
calls, a leaf as the root, detach, no_grad) and torch's errors, plus the lesson's code blocks.

A case: {"id", "inputs": {name: tensor + "requires_grad"}, "steps": [{"out", "op", "args",
"kwargs"}], "backward": [{"root", "gradient"?, "retain_graph"?}], "retain": [names],
"expect": {"printed": {name: str(t)}, "values": {name: tensor}, "grads": {name: tensor | null}}}
or "error": {type, message, "phase": "forward" | "backward"}. An argument is a name (a tensor of
the case), {"number": v, "kind": "int" | "float"}, or a plain JSON value (dims, shapes, dtype
names); a kwarg {"tensor": name} is a tensor. "op" is a torch function name ("add", "F.mse_loss",
"t", "view", ...; the Tensor method where torch has no function).

The tests read only the JSON. Deterministic: two runs write identical files.
Needs torch 1.13 (Debian python3-torch) and numpy.
Usage: /usr/bin/python3 scripts/gen_autograd_fixtures.py [out.json]
"""
import json
import os
import sys
import warnings
import zlib

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "nn_fixtures"))
from encoding import DTYPE_NAMES, enc_error, enc_float, enc_tensor  # noqa: E402

torch.set_num_threads(1)
warnings.simplefilter("ignore")
F32, F64, I64 = torch.float32, torch.float64, torch.int64
DT = {v: k for k, v in DTYPE_NAMES.items()}

cases = []


def gen(seed_name):
    return torch.Generator().manual_seed(zlib.crc32(seed_name.encode()) & 0x7FFFFFFF)


def rn(cid, shape, dtype=F32, lo=None, hi=None, k=0):
    g = gen("%s/%d" % (cid, k))
    if dtype in (I64,):
        return torch.randint(-5, 6, shape, generator=g, dtype=dtype)
    if lo is not None:
        return (torch.rand(shape, generator=g, dtype=F64) * (hi - lo) + lo).to(dtype)
    return (torch.randn(shape, generator=g, dtype=F64) * 2).to(dtype)


def enc_arg(a):
    if isinstance(a, bool):
        return a
    if isinstance(a, int):
        return {"number": a, "kind": "int"}
    if isinstance(a, float):
        return {"number": enc_float(a), "kind": "float"}
    return a


class Num:
    """A Python number argument of a step (plain ints in args are dims)."""

    def __init__(self, v):
        self.v = v


def resolve(a, env):
    if isinstance(a, dict) and "number" in a:
        v = a["number"]
        return float(v) if isinstance(v, str) else (float(v) if a["kind"] == "float" else int(v))
    if isinstance(a, str) and a in env:
        return env[a]
    if isinstance(a, str) and a in DT:
        return DT[a]
    if isinstance(a, list) and a and all(isinstance(x, str) and x in env for x in a):
        return [env[x] for x in a]  # a list of tensors (cat, stack)
    return a


def enc_step_arg(a):
    if isinstance(a, Num):
        return enc_arg(a.v)
    return a


TORCH_FN = {
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
    "neg": torch.neg, "log": torch.log, "exp": torch.exp, "sqrt": torch.sqrt, "abs": torch.abs,
    "square": torch.square, "sigmoid": torch.sigmoid, "sum": torch.sum, "mean": torch.mean,
    "mm": torch.mm, "log_softmax": F.log_softmax, "softmax": F.softmax,
    "log1p": torch.log1p, "expm1": torch.expm1, "tanh": torch.tanh, "relu": torch.relu,
    "clamp": torch.clamp, "clamp_min": torch.clamp_min, "clamp_max": torch.clamp_max,
    "pow": torch.pow,
    "max": torch.max, "min": torch.min, "argmax": torch.argmax, "argmin": torch.argmin,
    "select": torch.select, "narrow": torch.narrow, "cat": torch.cat, "stack": torch.stack,
    "linspace": torch.linspace,
    "eq": torch.eq, "ne": torch.ne, "lt": torch.lt, "le": torch.le, "gt": torch.gt, "ge": torch.ge,
    # x.slice(dim, start, end, step) is ATen's slice (x[:, ..., start:end:step]); x.index(specs)
    # is x[specs]
    "slice": lambda x, dim, start=None, end=None, step=1: torch.ops.aten.slice(x, dim, start, end, step),
    "index": lambda x, specs: x[tuple(slice(s.get("start"), s.get("end"), s.get("step")) if isinstance(s, dict)
                                      else slice(None) if s is None else s for s in specs)],
    # torch.max(x, dim) / min(x, dim) return (values, indices): one op per part
    "max_dim": lambda x, d, keepdim=False: torch.max(x, d, keepdim=keepdim).values,
    "max_dim_indices": lambda x, d, keepdim=False: torch.max(x, d, keepdim=keepdim).indices,
    "min_dim": lambda x, d, keepdim=False: torch.min(x, d, keepdim=keepdim).values,
    "min_dim_indices": lambda x, d, keepdim=False: torch.min(x, d, keepdim=keepdim).indices,
}
METHODS = {"t", "transpose", "view", "reshape", "unsqueeze", "squeeze", "flatten", "to",
           "detach"}


def run_step(st, env):
    op, args = st["op"], [resolve(a, env) for a in st.get("args", [])]
    kwargs = {k: (env[v["tensor"]] if isinstance(v, dict) and "tensor" in v else resolve(v, env))
              for k, v in st.get("kwargs", {}).items()}
    if op == "rsub":  # torch.rsub(t, number): number - t (what `1 - y` is)
        return torch.rsub(args[0], args[1])
    if op.startswith("F."):
        return getattr(F, op[2:])(*args, **kwargs)
    if op in METHODS:
        return getattr(args[0], op)(*args[1:], **kwargs)
    return TORCH_FN[op](*args, **kwargs)


def case(cid, inputs, steps, backward=None, retain=(), show=None, no_grad_steps=()):
    """inputs: {name: (tensor, requires_grad)}; steps: [(out, op, args, kwargs)]; backward:
    [(root, gradient tensor or None, retain_graph)] (default: the last step's output, with a
    random gradient unless it has one element)."""
    env = {}
    c = {"id": cid, "inputs": {}, "steps": [], "retain": list(retain)}
    for name, (t, rg) in inputs.items():
        e = enc_tensor(t)
        e["requires_grad"] = rg
        c["inputs"][name] = e
    for s in steps:
        out, op, args = s[0], s[1], s[2]
        kwargs = s[3] if len(s) > 3 else {}
        st = {"out": out, "op": op, "args": [enc_step_arg(a) for a in args]}
        if kwargs:
            st["kwargs"] = kwargs
        if out in no_grad_steps:
            st["no_grad"] = True
        c["steps"].append(st)
    last = steps[-1][0]
    if backward is None:
        backward = [(last, "auto", False)]
    phase = "inputs"
    try:
        for name, (t, rg) in inputs.items():  # as torch.tensor(data, requires_grad=rg) makes it
            env[name] = torch.tensor(t.tolist(), dtype=t.dtype, requires_grad=rg)
        phase = "forward"
        for st in c["steps"]:
            with torch.set_grad_enabled(not st.get("no_grad", False)):
                env[st["out"]] = run_step(st, env)
        for r in retain:
            env[r].retain_grad()
        c["backward"] = []
        phase = "backward"
        for root, g, rgraph in backward:
            b = {"root": root}
            if isinstance(g, str) and g == "auto":
                g = None if env[root].numel() == 1 else rn(cid + "/grad/" + root, list(env[root].shape), env[root].dtype)
            if g is not None:
                b["gradient"] = enc_tensor(g)
            if rgraph:
                b["retain_graph"] = True
            c["backward"].append(b)
            env[root].backward(g, retain_graph=rgraph)
        names = show if show is not None else [s["out"] for s in c["steps"]]
        c["expect"] = {
            "printed": {n: str(env[n]) for n in names},
            "values": {n: enc_tensor(env[n]) for n in names},
            "grads": {n: (enc_tensor(env[n].grad) if env[n].grad is not None else None)
                      for n in list(c["inputs"]) + list(retain)},
        }
    except Exception as e:  # torch's error is the expected result
        c["error"] = enc_error(e, phase)
        c.pop("expect", None)
    cases.append(c)


SHAPES = [
    ("same", [3, 4], [3, 4]),
    ("row", [3, 4], [4]),
    ("outer", [3, 1], [1, 4]),
    ("3d", [2, 3, 4], [3, 1]),
    ("0d-right", [5], []),
    ("0d-left", [], [5]),
]


def build_binary():
    for op in ("add", "sub", "mul", "div"):
        for sname, sa, sb in SHAPES:
            for da, db in ((F32, F32), (F64, F64), (F32, F64)):
                for ra, rb in ((True, True), (True, False), (False, True)):
                    cid = "%s-%s-%s-%s-%d%d" % (op, sname, DT_NAME(da), DT_NAME(db), ra, rb)
                    lo = 0.5 if op == "div" else None
                    b = rn(cid, sb, db, k=1)
                    if op == "div":
                        b = b.sign() * (b.abs() + 0.5) if b.dim() else b + 3
                    case(cid, {"a": (rn(cid, sa, da), ra), "b": (b, rb)},
                         [("y", op, ["a", "b"])])
            del lo
        # an int tensor with a float one (no gradient for it), and Python numbers on either side
        cid = "%s-int-float" % op
        case(cid, {"a": (rn(cid, [3, 4], I64) + (10 if op == "div" else 0), False),
                   "b": (rn(cid, [4], F32, 0.5, 2, k=1), True)},
             [("y", op, ["a", "b"])])
        for num in (2, -0.5, 3.25):
            for first in (False, True):
                cid = "%s-number-%s-%s" % (op, num, "first" if first else "second")
                x = rn(cid, [3, 4], F32, 0.5, 3)
                args = [Num(num), "x"] if first else ["x", Num(num)]
                case(cid, {"x": (x, True)}, [("y", op, args)])
        cid = "%s-number-float64" % op
        case(cid, {"x": (rn(cid, [2, 3], F64, 0.5, 3), True)}, [("y", op, ["x", Num(0.1)])])
    cid = "rsub-method"
    case(cid, {"x": (rn(cid, [4], F32), True)}, [("y", "rsub", ["x", Num(1)])])


def DT_NAME(d):
    return DTYPE_NAMES[d]


def build_unary():
    for op, lo, hi in (("neg", None, None), ("log", 0.1, 4), ("exp", None, None),
                       ("sqrt", 0.1, 9), ("abs", None, None), ("square", None, None),
                       ("sigmoid", None, None)):
        for d in (F32, F64):
            for shape in ([7], [3, 5], []):
                cid = "%s-%s-%s" % (op, DT_NAME(d), "x".join(map(str, shape)) or "0d")
                case(cid, {"x": (rn(cid, shape, d, lo, hi), True)}, [("y", op, ["x"])])
    # abs at 0 (gradient 0), log at 0 (inf / -inf), sqrt at 0
    z = torch.tensor([0.0, -0.0, 1.0, -2.0])
    case("abs-zeros", {"x": (z, True)}, [("y", "abs", ["x"])])
    case("log-zero", {"x": (torch.tensor([0.0, 1.0, 2.0]), True)}, [("y", "log", ["x"])])
    case("sqrt-zero", {"x": (torch.tensor([0.0, 1.0, 4.0]), True)}, [("y", "sqrt", ["x"])])
    case("sigmoid-saturated", {"x": (torch.tensor([-100.0, -20.0, 0.0, 20.0, 100.0]), True)},
         [("y", "sigmoid", ["x"])])


def build_reduce():
    for op in ("sum", "mean"):
        for d in (F32, F64):
            for shape in ([6], [3, 4], [2, 3, 4], []):
                cid = "%s-%s-all-%s" % (op, DT_NAME(d), "x".join(map(str, shape)) or "0d")
                case(cid, {"x": (rn(cid, shape, d), True)}, [("y", op, ["x"])])
            for shape, dim in (([3, 4], 0), ([3, 4], 1), ([3, 4], -1), ([2, 3, 4], 1)):
                for keep in (False, True):
                    cid = "%s-%s-dim%d-%s-%s" % (op, DT_NAME(d), dim, "x".join(map(str, shape)),
                                                 "keep" if keep else "drop")
                    case(cid, {"x": (rn(cid, shape, d), True)},
                         [("y", op, ["x", dim], {"keepdim": keep})])
    cid = "mean-large"
    case(cid, {"x": (rn(cid, [3000, 4], F32), True)}, [("y", "mean", ["x"])], show=["y"])


def build_mm_shape():
    for d in (F32, F64):
        for (n, k, m) in ((3, 4, 2), (5, 4, 1), (2, 3, 3), (1, 7, 1)):
            for ra, rb in ((True, True), (True, False), (False, True)):
                cid = "mm-%s-%dx%dx%d-%d%d" % (DT_NAME(d), n, k, m, ra, rb)
                case(cid, {"a": (rn(cid, [n, k], d), ra), "b": (rn(cid, [k, m], d, k=1), rb)},
                     [("y", "mm", ["a", "b"])])
    cid = "mm-lesson-3000"
    case(cid, {"x": (rn(cid, [3000, 4], F32, 0, 1), False), "w": (rn(cid, [4, 1], F32, 0, 1, k=1), True)},
         [("y", "mm", ["x", "w"])], show=[])
    for d in (F32, F64):
        n = DT_NAME(d)
        case("t-" + n, {"x": (rn("t" + n, [3, 4], d), True)}, [("y", "t", ["x"])])
        case("transpose-" + n, {"x": (rn("tr" + n, [2, 3, 4], d), True)},
             [("y", "transpose", ["x", 0, 2])])
        case("view-" + n, {"x": (rn("v" + n, [3, 4], d), True)}, [("y", "view", ["x", [2, 6]])])
        case("reshape-" + n, {"x": (rn("r" + n, [3, 4], d), True)},
             [("y", "reshape", ["x", [4, -1]])])
        case("unsqueeze-" + n, {"x": (rn("u" + n, [3, 4], d), True)},
             [("y", "unsqueeze", ["x", 1])])
        case("squeeze-" + n, {"x": (rn("s" + n, [3, 1, 4, 1], d), True)}, [("y", "squeeze", ["x"])])
        case("squeeze-dim-" + n, {"x": (rn("sd" + n, [3, 1, 4], d), True)},
             [("y", "squeeze", ["x", 1])])
        case("flatten-" + n, {"x": (rn("f" + n, [2, 3, 4], d), True)}, [("y", "flatten", ["x"])])
    case("to-float64", {"x": (rn("to64", [5], F32), True)}, [("y", "to", ["x", "float64"])])
    case("to-float32", {"x": (rn("to32", [5], F64), True)}, [("y", "to", ["x", "float32"])])


def build_graphs():
    x = rn("g", [5], F32, 0.5, 2)
    # one tensor used by three ops: its gradients arrive and add in the engine's order
    case("graph-reuse", {"x": (x, True)},
         [("a", "mul", ["x", "x"]), ("b", "log", ["x"]), ("c", "add", ["a", "b"]),
          ("d", "mul", ["c", "x"]), ("y", "sum", ["d"])])
    case("graph-retain-grad", {"x": (x, True)},
         [("a", "exp", ["x"]), ("b", "mul", ["a", Num(3)]), ("y", "mean", ["b"])],
         retain=["a", "b"])
    case("graph-accumulate-twice", {"x": (x, True)},
         [("a", "square", ["x"]), ("y", "sum", ["a"])],
         backward=[("y", None, True), ("y", None, False)])
    case("graph-backward-twice-error", {"x": (x, True)},
         [("a", "exp", ["x"]), ("y", "sum", ["a"])],
         backward=[("y", None, False), ("y", None, False)])
    case("graph-leaf-root", {"x": (x, True)}, [("a", "neg", ["x"])],
         backward=[("x", rn("glr", [5], F32), False)], show=["a"])
    case("graph-detach", {"x": (x, True)},
         [("a", "exp", ["x"]), ("b", "detach", ["a"]), ("c", "mul", ["a", "b"]),
          ("y", "sum", ["c"])])
    case("graph-no-grad-step", {"x": (x, True)},
         [("a", "exp", ["x"]), ("b", "mul", ["a", Num(2)]), ("c", "add", ["a", "b"]),
          ("y", "sum", ["c"])], no_grad_steps=("b",))
    case("error-non-scalar", {"x": (x, True)}, [("a", "exp", ["x"])],
         backward=[("a", None, False)])
    case("error-no-grad", {"x": (x, False)}, [("a", "exp", ["x"]), ("y", "sum", ["a"])])
    case("error-gradient-shape", {"x": (x, True)}, [("a", "exp", ["x"])],
         backward=[("a", torch.ones(3), False)])
    case("error-int-requires-grad", {"x": (torch.tensor([1, 2, 3]), True)},
         [("a", "neg", ["x"])])


def loss_inputs(name, cid):
    """Operands of a loss (name -> (tensor, requires_grad)) and its call's argument names."""
    f = lambda shape, k, lo=None, hi=None: rn(cid, shape, F32, lo, hi, k)  # noqa: E731
    sgn = lambda shape, k: torch.where(f(shape, k) > 0, 1.0, -1.0)  # noqa: E731
    if name in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "soft_margin_loss"):
        tgt = sgn([3, 4], 1) if name == "soft_margin_loss" else f([3, 4], 1)
        return {"input": (f([3, 4], 0), True), "target": (tgt, False)}
    if name == "binary_cross_entropy":
        return {"input": (f([3, 4], 0, 0.05, 0.95), True), "target": (f([3, 4], 1, 0, 1), False)}
    if name in ("binary_cross_entropy_with_logits", "multilabel_soft_margin_loss"):
        return {"input": (f([3, 4], 0), True), "target": ((f([3, 4], 1) > 0).float(), False)}
    if name in ("nll_loss", "cross_entropy", "multi_margin_loss"):
        return {"input": (f([3, 4], 0), True), "target": (torch.tensor([0, 3, 1]), False)}
    if name == "kl_div":
        return {"input": (f([3, 4], 0).log_softmax(1), True),
                "target": (f([3, 4], 1).softmax(1), False)}
    if name == "poisson_nll_loss":
        return {"input": (f([3, 4], 0), True), "target": (f([3, 4], 1, 0, 4).floor(), False)}
    if name == "gaussian_nll_loss":
        return {"input": (f([3, 4], 0), True), "target": (f([3, 4], 1), False),
                "var": (f([3, 4], 2, 0.5, 2), True)}
    if name == "margin_ranking_loss":
        return {"input1": (f([5], 0), True), "input2": (f([5], 1), True), "target": (sgn([5], 2), False)}
    if name == "hinge_embedding_loss":
        return {"input": (f([3, 4], 0), True), "target": (sgn([3, 4], 1), False)}
    if name == "multilabel_margin_loss":
        return {"input": (f([3, 4], 0), True),
                "target": (torch.tensor([[3, 0, -1, 1], [1, 2, 3, -1], [-1, 0, 0, 0]]), False)}
    if name == "cosine_embedding_loss":
        return {"input1": (f([3, 4], 0), True), "input2": (f([3, 4], 1), True), "target": (sgn([3], 2), False)}
    if name in ("triplet_margin_loss", "triplet_margin_with_distance_loss"):
        return {"anchor": (f([3, 4], 0), True), "positive": (f([3, 4], 1), True),
                "negative": (f([3, 4], 2), True)}
    if name == "ctc_loss":
        lp = rn(cid, [6, 2, 4], F32, k=0).log_softmax(2)
        return {"log_probs": (lp, True), "targets": (torch.tensor([[1, 2, 2], [3, 1, 0]]), False),
                "input_lengths": (torch.tensor([6, 5]), False),
                "target_lengths": (torch.tensor([3, 2]), False)}
    if name in ("pairwise_distance", "cosine_similarity"):
        return {"x1": (f([3, 4], 0), True), "x2": (f([3, 4], 1), True)}
    raise KeyError(name)


LOSSES = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
          "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy", "kl_div",
          "margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss",
          "multilabel_soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss",
          "cosine_embedding_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss",
          "poisson_nll_loss", "gaussian_nll_loss", "ctc_loss", "pairwise_distance",
          "cosine_similarity"]


def build_losses():
    for name in LOSSES:
        reductions = [None] if name in ("pairwise_distance", "cosine_similarity") else ["mean", "sum", "none"]
        for red in reductions:
            cid = "loss-%s-%s" % (name, red or "value")
            ins = loss_inputs(name, cid)
            kw = {} if red is None else {"reduction": red}
            case(cid, ins, [("y", "F." + name, list(ins), kw)])
    # cross_entropy with class probabilities, and a weight
    cid = "loss-cross_entropy-probs"
    for red in ("mean", "sum", "none"):
        case(cid + "-" + red, {"input": (rn(cid, [3, 4]), True),
                               "target": (rn(cid, [3, 4], k=1).softmax(1), False)},
             [("y", "F.cross_entropy", ["input", "target"], {"reduction": red})])
    cid = "loss-nll_loss-weight"
    case(cid, {"input": (rn(cid, [3, 4]).log_softmax(1), True), "target": (torch.tensor([0, 3, 1]), False),
               "weight": (rn(cid, [4], F32, 0.5, 2, k=1), False)},
         [("y", "F.nll_loss", ["input", "target"], {"weight": {"tensor": "weight"}})])
    for fn in ("log_softmax", "softmax"):
        for dim in (0, 1, -1):
            cid = "%s-dim%d" % (fn, dim)
            case(cid, {"x": (rn(cid, [3, 4]), True)}, [("y", fn, ["x"], {"dim": dim})])
    # log_softmax then nll_loss (the lesson's multi-class), and mse through mm (a graph of losses)
    cid = "log_softmax-nll"
    case(cid, {"z": (rn(cid, [5, 3]), True), "t": (torch.tensor([0, 2, 1, 1, 0]), False)},
         [("lp", "log_softmax", ["z"], {"dim": 1}), ("y", "F.nll_loss", ["lp", "t"])])
    cid = "mm-mse"
    case(cid, {"x": (rn(cid, [6, 3]), False), "w": (rn(cid, [3, 1], k=1), True),
               "y0": (rn(cid, [6, 1], k=2), False)},
         [("yhat", "mm", ["x", "w"]), ("y", "F.mse_loss", ["yhat", "y0"], {"reduction": "sum"})])


def lesson():
    """The lesson's code blocks as programs on its seeded data (torch.manual_seed(420))."""
    out = []
    torch.manual_seed(420)
    n = 3000
    x = torch.rand([n, 4])
    w = torch.rand([4, 1], requires_grad=True)
    y = torch.randint(0, 2, [n, 1]).float()
    sigma = torch.sigmoid(torch.mm(x, w))
    bce = (-1 / n) * torch.sum(y * torch.log(sigma) + (1 - y) * torch.log(1 - sigma))
    bce.backward()
    out.append({"id": "bce-by-hand", "n": n, "printed": str(bce), "value": enc_tensor(bce),
                "grad_w": enc_tensor(w.grad)})
    torch.manual_seed(420)
    x = torch.rand([n, 4])
    w = torch.rand([4, 1], requires_grad=True)
    y = torch.randint(0, 2, [n, 1]).float()
    sigma = torch.sigmoid(torch.mm(x, w))
    l1 = torch.nn.BCELoss()(sigma, y)
    l2 = torch.nn.BCEWithLogitsLoss()(torch.mm(x, w), y)
    l1.backward()
    out.append({"id": "bce-modules", "n": n, "printed": [str(l1), str(l2)],
                "grad_w": enc_tensor(w.grad)})
    torch.manual_seed(420)
    n = 300
    x = torch.rand([n, 4])
    w = torch.rand([4, 3], requires_grad=True)
    y = torch.randint(0, 3, [n])
    zhat = torch.mm(x, w)
    lsm = torch.nn.LogSoftmax(dim=1)(zhat)
    l1 = torch.nn.NLLLoss()(lsm, y)
    l2 = torch.nn.CrossEntropyLoss()(zhat, y)
    l1.backward()
    out.append({"id": "multiclass", "n": n, "printed": [str(l1), str(l2)],
                "grad_w": enc_tensor(w.grad)})
    return out


def build_more_elementwise():
    """log1p, expm1, tanh, relu, clamp / clamp_min / clamp_max and pow (number or tensor on
    either side), forward and backward, with their edge values and errors."""
    for op, lo, hi in (("log1p", -0.9, 4), ("expm1", -3, 3), ("tanh", -4, 4), ("relu", None, None)):
        for d in (F32, F64):
            for shape in ([7], [3, 5], [40]):
                cid = "%s-%s-%s" % (op, DT_NAME(d), "x".join(map(str, shape)))
                case(cid, {"x": (rn(cid, shape, d, lo, hi), True)}, [("y", op, ["x"])])
    edge = torch.tensor([0.0, -0.0, -1.0, 1e-8, -1e-8, 30.0, float("inf"), float("-inf"), float("nan")])
    for op in ("log1p", "expm1", "tanh", "relu"):
        case(op + "-edges", {"x": (edge, True)}, [("y", op, ["x"])])
        case(op + "-int", {"x": (torch.tensor([-2, 0, 3]), False)}, [("y", op, ["x"])], backward=[])
    for name, kw in (("both", {"min": -0.5, "max": 0.7}), ("min", {"min": 0.0}), ("max", {"max": 0.25}),
                     ("crossed", {"min": 1.0, "max": 0.0}), ("int-bounds", {"min": -1, "max": 1})):
        for d in (F32, F64):
            cid = "clamp-%s-%s" % (name, DT_NAME(d))
            case(cid, {"x": (rn(cid, [4, 5], d, -2, 2), True)}, [("y", "clamp", ["x"], kw)])
    case("clamp-edges", {"x": (edge, True)}, [("y", "clamp", ["x"], {"min": 0.0, "max": 1.0})])
    case("clamp-min-fn", {"x": (rn("cmf", [6], F32, -2, 2), True)}, [("y", "clamp_min", ["x", Num(0.0)])])
    case("clamp-max-fn", {"x": (rn("cMf", [6], F32, -2, 2), True)}, [("y", "clamp_max", ["x", Num(0.5)])])
    case("clamp-int-float-bound", {"x": (torch.tensor([1, 5, -3]), False)},
         [("y", "clamp", ["x"], {"min": 2.5})], backward=[])
    case("clamp-int", {"x": (torch.tensor([1, 5, -3]), False)}, [("y", "clamp", ["x"], {"min": 0, "max": 3})], backward=[])
    case("clamp-none", {"x": (torch.tensor([1.0]), True)}, [("y", "clamp", ["x"])], backward=[])
    for e in (2, 3, 0.5, -0.5, -1, -2, 0, 1, 2.5, -1.7, 4):
        for d in (F32, F64):
            cid = "pow-number-%s-%s" % (e, DT_NAME(d))
            case(cid, {"x": (rn(cid, [3, 4], d, 0.2, 3), True)}, [("y", "pow", ["x", Num(e)])], backward=[])
    for sname, sa, sb in SHAPES[:4]:
        for d in (F32, F64):
            cid = "pow-tensor-%s-%s" % (sname, DT_NAME(d))
            case(cid, {"a": (rn(cid, sa, d, 0.2, 3), True), "b": (rn(cid, sb, d, -2, 2, k=1), True)},
                 [("y", "pow", ["a", "b"])])
    for base in (2, 0.5, 2.5, 0):
        cid = "pow-base-%s" % base
        case(cid, {"x": (rn(cid, [3, 4], F32, -2, 2), True)}, [("y", "pow", [Num(base), "x"])])
    case("pow-zero-base-tensor", {"a": (torch.tensor([0.0, 0.0, 2.0, 0.0]), True),
                                  "b": (torch.tensor([0.0, 2.0, -1.0, -1.5]), True)},
         [("y", "pow", ["a", "b"])])
    case("pow-edges", {"x": (edge, True)}, [("y", "pow", ["x", Num(2.5)])])
    case("pow-int", {"x": (torch.tensor([2, -3, 5]), False)}, [("y", "pow", ["x", Num(3)])], backward=[])
    case("pow-int-tensor", {"a": (torch.tensor([2, -1, 1, 3]), False), "b": (torch.tensor([3, -3, -2, -1]), False)},
         [("y", "pow", ["a", "b"])], backward=[])
    case("pow-int-negative", {"x": (torch.tensor([2, 3]), False)}, [("y", "pow", ["x", Num(-1)])])
    case("pow-int-float", {"x": (torch.tensor([2, 3]), False)}, [("y", "pow", ["x", Num(0.5)])], backward=[])
    # a small network's pieces: tanh and relu layers feeding a loss
    cid = "relu-tanh-chain"
    case(cid, {"x": (rn(cid, [5, 4], F32), True), "w": (rn(cid, [4, 3], F32, k=1), True)},
         [("h", "mm", ["x", "w"]), ("r", "relu", ["h"]), ("t", "tanh", ["r"]), ("l", "sum", ["t"])])


def build_extremes():
    """max / min of everything and along a dim (values, indices, gradients), argmax / argmin,
    with ties, NaN, signed zeros, int tensors and empty tensors."""
    ties = torch.tensor([[1.0, 3.0, 3.0, 0.0], [float("nan"), 2.0, float("nan"), 5.0], [-0.0, 0.0, -1.0, -1.0]])
    for op in ("max", "min"):
        for d in (F32, F64):
            for shape in ([7], [3, 5], [2, 3, 4]):
                cid = "%s-all-%s-%s" % (op, DT_NAME(d), "x".join(map(str, shape)))
                case(cid, {"x": (rn(cid, shape, d), True)}, [("y", op, ["x"])])
            for shape, dim in (([3, 5], 0), ([3, 5], 1), ([3, 5], -1), ([2, 3, 4], 1), ([6], 0)):
                for keep in (False, True):
                    cid = "%s-dim%d-%s-%s-%s" % (op, dim, DT_NAME(d), "x".join(map(str, shape)), "keep" if keep else "drop")
                    x = rn(cid, shape, d)
                    case(cid, {"x": (x, True)}, [("v", op + "_dim", ["x", dim], {"keepdim": keep}),
                                                 ("i", op + "_dim_indices", ["x", dim], {"keepdim": keep})],
                         backward=[("v", "auto", False)])
        case(op + "-all-ties", {"x": (torch.tensor([1.0, 3.0, 3.0, -2.0, 3.0]), True)}, [("y", op, ["x"])])
        case(op + "-all-nan", {"x": (ties, True)}, [("y", op, ["x"])])
        for dim in (0, 1):
            case("%s-dim%d-ties-nan" % (op, dim), {"x": (ties, True)},
                 [("v", op + "_dim", ["x", dim]), ("i", op + "_dim_indices", ["x", dim])],
                 backward=[("v", "auto", False)])
        case(op + "-int", {"x": (torch.tensor([[1, 5], [7, 2]]), False)},
             [("v", op + "_dim", ["x", 1]), ("i", op + "_dim_indices", ["x", 1]), ("a", op, ["x"])], backward=[])
        case(op + "-empty", {"x": (torch.zeros(0), True)}, [("y", op, ["x"])])
        case(op + "-empty-dim", {"x": (torch.zeros(0, 3), True)}, [("v", op + "_dim", ["x", 0])])
        case(op + "-0d-dim", {"x": (torch.tensor(3.0), True)}, [("v", op + "_dim", ["x", 0]), ("i", op + "_dim_indices", ["x", 0])],
             backward=[("v", "auto", False)])
    for op in ("argmax", "argmin"):
        for shape, dim in (([7], None), ([3, 5], None), ([3, 5], 0), ([3, 5], 1), ([2, 3, 4], -1)):
            cid = "%s-%s-%s" % (op, "x".join(map(str, shape)), "all" if dim is None else dim)
            steps = [("i", op, ["x"] + ([] if dim is None else [dim]))]
            case(cid, {"x": (rn(cid, shape, F32), False)}, steps, backward=[])
        case(op + "-keepdim", {"x": (rn(op + "k", [3, 5], F32), False)}, [("i", op, ["x", 1], {"keepdim": True})], backward=[])
        case(op + "-ties-nan", {"x": (ties, False)}, [("i", op, ["x", 1]), ("j", op, ["x"])], backward=[])
        case(op + "-empty", {"x": (torch.zeros(0), False)}, [("i", op, ["x"])], backward=[])
    # accuracy, as the lesson's multiclass recipe measures it
    cid = "accuracy"
    case(cid, {"z": (rn(cid, [8, 3], F32), True)}, [("p", "argmax", ["z", 1]), ("m", "max_dim", ["z", 1])])


def build_indexing():
    """slice / select / narrow / index (Python's x[...]), cat / stack with promotion and legacy
    empty tensors, linspace; values, gradients and torch's errors."""
    for d in (F32, F64):
        x = lambda cid: {"x": (rn(cid, [4, 5], d), True)}  # noqa: E731
        for args in ([0, 1, 3, 1], [1, None, None, 2], [0, -3, None, 1], [1, 1, -1, 3], [0, 5, 9, 1],
                     [0, -10, 2, 1], [1, 3, 1, 1]):
            cid = "slice-%s-%s" % ("_".join(map(str, args)), DT_NAME(d))
            case(cid, x(cid), [("y", "slice", ["x"] + args)])
        for dim, i in ((0, 1), (1, -1), (-1, 0), (0, 3)):
            cid = "select-%d-%d-%s" % (dim, i, DT_NAME(d))
            case(cid, x(cid), [("y", "select", ["x", dim, i])])
        for dim, st, ln in ((0, 1, 2), (1, -2, 2), (1, 5, 0), (0, 0, 4)):
            cid = "narrow-%d-%d-%d-%s" % (dim, st, ln, DT_NAME(d))
            case(cid, x(cid), [("y", "narrow", ["x", dim, st, ln])])
    for specs in ([{"end": 2}], [None, 1], [1, 2], [{"start": 1}, {"step": 2}], [-1], [{"start": 1, "end": 3}, -1]):
        cid = "index-%s" % json.dumps(specs, sort_keys=True).replace(" ", "")
        case(cid, {"x": (rn(cid, [4, 5], F32), True)}, [("y", "index", ["x", specs])])
    for cid, shapes, dim in (("cat-0", [[2, 3], [4, 3]], 0), ("cat-1", [[2, 3], [2, 1], [2, 2]], 1),
                             ("cat-neg", [[2, 3], [2, 3]], -1), ("cat-3d", [[2, 3, 4], [2, 1, 4]], 1)):
        ins = {"t%d" % k: (rn(cid, s, F32, k=k), True) for k, s in enumerate(shapes)}
        case(cid, ins, [("y", "cat", [list(ins), dim])])
        sid = cid.replace("cat", "stack")
        ins2 = {"t%d" % k: (rn(sid, shapes[0], F32, k=k), True) for k in range(len(shapes))}
        case(sid, ins2, [("y", "stack", [list(ins2), dim if dim >= 0 else dim])])
    case("cat-promote", {"a": (rn("cp", [2], F32), True), "b": (rn("cp", [3], F64, k=1), True)},
         [("y", "cat", [["a", "b"], 0])])
    case("cat-int-float", {"a": (torch.tensor([1, 2]), False), "b": (rn("cif", [2], F32), True)},
         [("y", "cat", [["a", "b"], 0])])
    case("cat-legacy-empty", {"a": (rn("cle", [2, 3], F32), True), "e": (torch.zeros(0), True)},
         [("y", "cat", [["a", "e"], 0])])
    case("stack-0d", {"a": (torch.tensor(1.5), True), "b": (torch.tensor(-2.0), True)},
         [("y", "stack", [["a", "b"], 0])])
    for cid, steps in (("cat-empty-list", [("y", "cat", [[], 0])]),
                       ("cat-ndim", [("y", "cat", [["a", "v"], 0])]),
                       ("cat-size", [("y", "cat", [["a", "b"], 1])]),
                       ("cat-0d", [("y", "cat", [["s", "s"], 0])]),
                       ("cat-dim", [("y", "cat", [["a", "a"], 2])]),
                       ("stack-size", [("y", "stack", [["a", "b"], 0])]),
                       ("stack-dim", [("y", "stack", [["a", "a"], 3])]),
                       ("select-range", [("y", "select", ["a", 0, 5])]),
                       ("select-0d", [("y", "select", ["s", 0, 0])]),
                       ("narrow-range", [("y", "narrow", ["a", 0, 2, 2])]),
                       ("narrow-start", [("y", "narrow", ["a", 0, 5, 1])]),
                       ("slice-0d", [("y", "slice", ["s", 0, 0, 1])])):
        ins = {"a": (rn(cid, [3, 4], F32), True), "b": (rn(cid, [2, 5], F32, k=1), True),
               "v": (rn(cid, [4], F32, k=2), True), "s": (torch.tensor(1.0), True)}
        case(cid, ins, steps)
    for args in ([0, 1, 5], [-3.5, 7.25, 11], [0, 1, 1], [0, 1, 0], [0.1, 9.7, 100], [-1, 1, 37],
                 [2, -3, 1000], [0, 10, 5, "int64"], [-3.5, 7.25, 101, "float64"], [0, 1, -1]):
        cid = "linspace-%s" % "_".join(map(str, args))
        nums = [Num(float(v)) if isinstance(v, float) else Num(v) for v in args[:2]]
        kw = {"dtype": args[3]} if len(args) > 3 else {}
        case(cid, {}, [("y", "linspace", nums + [args[2]], kw)], backward=[])


def build_comparisons():
    """eq / ne / lt / le / gt / ge with tensors (broadcast, promoted) or numbers on either side,
    bool tensors in arithmetic, sums, casts and prints (the accuracy idiom), and torch's errors."""
    nanny = torch.tensor([1.0, 2.0, float("nan"), 4.0, -0.0, float("inf")])
    other = torch.tensor([1.0, 3.0, float("nan"), 0.0, 0.0, float("inf")])
    for op in ("eq", "ne", "lt", "le", "gt", "ge"):
        case("%s-tensors" % op, {"a": (nanny, False), "b": (other, False)}, [("y", op, ["a", "b"])], backward=[])
        case("%s-number" % op, {"a": (nanny, False)}, [("y", op, ["a", Num(2)])], backward=[])
        case("%s-float-number" % op, {"a": (torch.tensor([0.1, 0.2, 0.3]), False)},
             [("y", op, ["a", Num(0.2)])], backward=[])
        cid = "%s-broadcast" % op
        case(cid, {"a": (rn(cid, [3, 1], F32), False), "b": (rn(cid, [4], F64, k=1), False)},
             [("y", op, ["a", "b"])], backward=[])
        case("%s-int-float" % op, {"a": (torch.tensor([1, 2, 3]), False), "b": (torch.tensor([1.5, 2.0, 2.5]), False)},
             [("y", op, ["a", "b"])], backward=[])
    m = torch.tensor([True, False, True, True])
    case("bool-sum", {"m": (m, False)}, [("y", "sum", ["m"])], backward=[])
    case("bool-add", {"m": (m, False), "n": (torch.tensor([False, False, True, False]), False)},
         [("y", "add", ["m", "n"]), ("z", "mul", ["m", "n"]), ("w", "add", ["m", Num(1)]), ("v", "mul", ["m", Num(2.5)])],
         backward=[])
    case("bool-to-float", {"m": (m, False)}, [("f", "to", ["m", "float32"]), ("y", "mean", ["f"])], backward=[])
    case("bool-sub", {"m": (m, False)}, [("y", "sub", ["m", "m"])], backward=[])
    case("bool-mean", {"m": (m, False)}, [("y", "mean", ["m"])], backward=[])
    case("bool-neg", {"m": (m, False)}, [("y", "neg", ["m"])], backward=[])
    case("bool-max", {"m": (m, False)}, [("y", "max", ["m"]), ("a", "argmax", ["m"])], backward=[])
    case("float-to-bool", {"x": (torch.tensor([0.5, 0.0, -0.0, float("nan"), -2.0]), False)},
         [("y", "to", ["x", "bool"])], backward=[])
    cid = "accuracy-eq"
    case(cid, {"z": (rn(cid, [10, 3], F32), False), "t": (torch.randint(0, 3, (10,), generator=gen(cid)), False)},
         [("p", "argmax", ["z", 1]), ("c", "eq", ["p", "t"]), ("f", "to", ["c", "float32"]), ("acc", "mean", ["f"])],
         backward=[])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "autograd.json")
    build_binary()
    build_unary()
    build_reduce()
    build_mm_shape()
    build_graphs()
    build_losses()
    build_more_elementwise()
    build_extremes()
    build_indexing()
    build_comparisons()
    doc = {
        "generator": "scripts/gen_autograd_fixtures.py",
        "torch": torch.__version__,
        "encoding": "tensors as in public.json; numbers as {number, kind}",
        "cases": cases,
        "lesson": lesson(),
    }
    with open(out, "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))
        fh.write("\n")
    print("%d cases (%d errors) -> %s" % (len(cases), sum("error" in c for c in cases), out))


if __name__ == "__main__":
    main()
