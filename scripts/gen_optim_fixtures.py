#!/usr/bin/env python3
"""Generates tests/golden/optim.json: torch 1.13.1's nn modules and optim.SGD (CPU, one thread).

- "init": nn.Linear's default init after torch.manual_seed (weight, bias, and the next draw of
  the default generator, which shows how many words the init consumed), float32 and float64;
- "uniform": Tensor.uniform_(from, to) with a seeded generator, and its errors;
- "train": seeded training loops as a learner writes them (data drawn after manual_seed, a model
  of w or nn.Linear / nn.Sequential, a criterion module, optim.SGD with momentum, dampening,
  weight decay, nesterov or maximize), the loss of every step and the parameters at the end,
  and the printed loss, model, parameter and optimizer;
- "errors": torch's messages for SGD's and the modules' bad arguments.

The tests read only the JSON. Deterministic: two runs write identical files.
Needs torch 1.13 (Debian python3-torch) and numpy.
Usage: /usr/bin/python3 scripts/gen_optim_fixtures.py [out.json]
"""
import json
import math
import os
import sys
import warnings

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "nn_fixtures"))
from encoding import DTYPE_NAMES, enc_error, enc_float, enc_tensor  # noqa: E402

torch.set_num_threads(1)
warnings.simplefilter("ignore")
DT = {v: k for k, v in DTYPE_NAMES.items()}


def init_cases():
    out = []
    for seed, fin, fout, bias, dt in [(0, 4, 3, True, "float32"), (420, 4, 1, True, "float32"),
                                      (1, 7, 5, False, "float32"), (2, 1, 1, True, "float32"),
                                      (3, 33, 17, True, "float32"), (4, 4, 3, True, "float64"),
                                      (5, 10, 2, False, "float64")]:
        torch.manual_seed(seed)
        m = nn.Linear(fin, fout, bias=bias, dtype=DT[dt])
        c = {"id": "linear-%d-%dx%d%s-%s" % (seed, fin, fout, "" if bias else "-nobias", dt),
             "seed": seed, "in": fin, "out": fout, "bias": bias, "dtype": dt,
             "weight": enc_tensor(m.weight),
             "bias_value": enc_tensor(m.bias) if bias else None,
             "after": enc_tensor(torch.rand(3)),
             "printed": {"module": str(m), "weight": str(m.weight)}}
        out.append(c)
    return out


def uniform_cases():
    out = []
    for seed, shape, dt, lo, hi in [(7, [5], "float32", -3.0, 7.0), (8, [40], "float32", -0.37, 0.71),
                                    (9, [2, 3], "float64", -0.37, 0.71), (10, [17], "float64", 0.0, 1e-3),
                                    (11, [4], "float32", 2.0, 2.0)]:
        g = torch.Generator().manual_seed(seed)
        t = torch.empty(shape, dtype=DT[dt]).uniform_(lo, hi, generator=g)
        out.append({"id": "uniform-%d" % seed, "seed": seed, "shape": shape, "dtype": dt,
                    "from": lo, "to": hi, "out": enc_tensor(t)})
    for lo, hi, dt in [(1.0, 0.0, "float32"), (float("nan"), 1.0, "float32"), (0.0, float("inf"), "float64"),
                       (-3e38, 3e38, "float32")]:
        try:
            torch.empty(3, dtype=DT[dt]).uniform_(lo, hi)
            raise SystemExit("expected an error")
        except Exception as e:  # noqa: BLE001
            out.append({"id": "uniform-error-%s-%s" % (lo, hi), "shape": [3], "dtype": dt,
                        "from": enc_float(lo), "to": enc_float(hi), "error": enc_error(e)})
    return out


def make_data(kind, seed, n, c, dt):
    torch.manual_seed(seed)
    X = torch.rand(n, 4, dtype=dt)
    if kind == "regression":
        y = torch.randn(n, c, dtype=dt)
    elif kind == "multiclass":
        y = torch.randint(0, c, (n,))
    else:  # binary
        y = torch.randint(0, 2, (n, c)).to(dt)
    return X, y


def make_model(kind, c, dt):
    if kind == "w":
        w = torch.rand(4, c, dtype=dt).requires_grad_()
        return (lambda X: X.mm(w)), [("w", w)], None
    if kind == "linear":
        m = nn.Linear(4, c, dtype=dt)
    else:  # mlp
        m = nn.Sequential(nn.Linear(4, 8, dtype=dt), nn.Sigmoid(), nn.Linear(8, c, dtype=dt))
    return m, list(m.named_parameters()), m


LOSSES = {
    "mse": lambda: nn.MSELoss(),
    "mse_sum": lambda: nn.MSELoss(reduction="sum"),
    "l1": lambda: nn.L1Loss(),
    "huber": lambda: nn.HuberLoss(delta=0.5),
    "ce": lambda: nn.CrossEntropyLoss(),
    "bce_logits": lambda: nn.BCEWithLogitsLoss(),
}


def train_case(cid, data, n, c, model, loss, opt, steps=100, seed=420, dtype="float32",
               log_softmax=False, sigmoid=False):
    dt = DT[dtype]
    X, y = make_data(data, seed, n, c, dt)
    f, params, module = make_model(model, c, dt)
    crit = LOSSES[loss]() if not (log_softmax or sigmoid) else (nn.NLLLoss() if log_softmax else nn.BCELoss())
    post = nn.LogSoftmax(dim=1) if log_softmax else nn.Sigmoid() if sigmoid else None
    optim = torch.optim.SGD([p for _, p in params], **opt)
    losses = []
    out = None
    for _ in range(steps):
        optim.zero_grad()
        z = f(X)
        if post is not None:
            z = post(z)
        out = crit(z, y)
        out.backward()
        optim.step()
        losses.append(enc_tensor(out.detach())["hex"][0])
    printed = {"loss": str(out), "optimizer": str(optim)}
    if module is not None:
        printed["model"] = str(module)
    printed["param0"] = str(params[0][1])
    return {"id": cid, "data": data, "seed": seed, "n": n, "c": c, "dtype": dtype, "model": model,
            "loss": loss, "log_softmax": log_softmax, "sigmoid": sigmoid, "opt": opt, "steps": steps,
            "losses": losses, "final": {k: enc_tensor(p) for k, p in params}, "printed": printed}


def train_cases():
    T = []
    T.append(train_case("regression-w-mse", "regression", 50, 1, "w", "mse", {"lr": 0.1}))
    T.append(train_case("regression-w-mse-sum", "regression", 50, 1, "w", "mse_sum", {"lr": 0.001}))
    T.append(train_case("regression-linear-mse-momentum", "regression", 50, 2, "linear", "mse",
                        {"lr": 0.05, "momentum": 0.9}))
    T.append(train_case("regression-linear-mse-nesterov-wd", "regression", 64, 1, "linear", "mse",
                        {"lr": 0.05, "momentum": 0.5, "nesterov": True, "weight_decay": 0.01}))
    T.append(train_case("regression-linear-l1-dampening", "regression", 37, 3, "linear", "l1",
                        {"lr": 0.02, "momentum": 0.8, "dampening": 0.3}))
    T.append(train_case("regression-linear-huber-maximize", "regression", 20, 1, "linear", "huber",
                        {"lr": 0.01, "maximize": True}))
    T.append(train_case("regression-mlp-mse", "regression", 40, 1, "mlp", "mse",
                        {"lr": 0.1, "momentum": 0.9}))
    T.append(train_case("regression-linear-mse-f64", "regression", 50, 2, "linear", "mse",
                        {"lr": 0.05, "momentum": 0.9, "weight_decay": 1e-3}, dtype="float64"))
    T.append(train_case("multiclass-w-ce", "multiclass", 300, 3, "w", "ce", {"lr": 0.5}))
    T.append(train_case("multiclass-w-ce-momentum", "multiclass", 300, 3, "w", "ce",
                        {"lr": 0.5, "momentum": 0.9}))
    T.append(train_case("multiclass-linear-logsoftmax-nll", "multiclass", 300, 3, "linear", "ce",
                        {"lr": 0.5}, log_softmax=True))
    T.append(train_case("binary-w-bce-logits", "binary", 200, 1, "w", "bce_logits", {"lr": 0.5}))
    T.append(train_case("binary-linear-sigmoid-bce", "binary", 200, 1, "linear", "bce_logits",
                        {"lr": 0.5, "momentum": 0.5}, sigmoid=True))
    return T


def errors():
    out = []
    w = torch.rand(3, requires_grad=True)

    def add(cid, fn, js):
        try:
            fn()
            raise SystemExit("%s: expected an error" % cid)
        except Exception as e:  # noqa: BLE001
            out.append({"id": cid, "js": js, "error": enc_error(e)})
    add("sgd-lr", lambda: torch.optim.SGD([w], lr=-0.1), "new torch.optim.SGD([w], { lr: -0.1 })")
    add("sgd-momentum", lambda: torch.optim.SGD([w], lr=0.1, momentum=-0.5),
        "new torch.optim.SGD([w], { lr: 0.1, momentum: -0.5 })")
    add("sgd-wd", lambda: torch.optim.SGD([w], lr=0.1, weight_decay=-0.25),
        "new torch.optim.SGD([w], { lr: 0.1, weight_decay: -0.25 })")
    add("sgd-nesterov", lambda: torch.optim.SGD([w], lr=0.1, nesterov=True),
        "new torch.optim.SGD([w], { lr: 0.1, nesterov: true })")
    add("sgd-empty", lambda: torch.optim.SGD([], lr=0.1), "new torch.optim.SGD([], { lr: 0.1 })")
    add("sgd-nonleaf", lambda: torch.optim.SGD([w * 2], lr=0.1), "new torch.optim.SGD([w.mul(2)], { lr: 0.1 })")
    add("sgd-tensor", lambda: torch.optim.SGD(w, lr=0.1), "new torch.optim.SGD(w, { lr: 0.1 })")
    add("sgd-no-lr", lambda: torch.optim.SGD([w]), "new torch.optim.SGD([w])")
    x = torch.rand(5, 3)
    lin = nn.Linear(4, 2)
    add("linear-shape", lambda: lin(x), "new torch.nn.Linear(4, 2)(torch.rand(5, 3))")
    add("addmm-bias", lambda: torch.addmm(torch.rand(4), torch.rand(5, 4), torch.rand(4, 3)),
        "torch.addmm(torch.rand(4), torch.rand(5, 4), torch.rand(4, 3))")
    add("addmm-bias-dtype", lambda: torch.addmm(torch.rand(3, dtype=torch.float64), torch.rand(5, 4), torch.rand(4, 3)),
        "torch.addmm(torch.rand(3, { dtype: 'float64' }), torch.rand(5, 4), torch.rand(4, 3))")
    add("mse-reduction", lambda: nn.MSELoss(reduction="avg")(x, x), "new torch.nn.MSELoss({ reduction: 'avg' })(x, x)")
    add("uniform-leaf", lambda: w.uniform_(), "w.uniform_()")
    return out


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "optim.json")
    doc = {"generator": "scripts/gen_optim_fixtures.py", "torch": torch.__version__,
           "init": init_cases(), "uniform": uniform_cases(), "train": train_cases(), "errors": errors()}
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print("%s: %d init, %d uniform, %d train, %d errors" % (
        out_path, len(doc["init"]), len(doc["uniform"]), len(doc["train"]), len(doc["errors"])))


if __name__ == "__main__":
    main()
