"""Tensor, value and error encoding of the fixtures (the same as tests/golden/public.json)."""
import json
import math

import numpy as np
import torch


F32 = torch.float32
F64 = torch.float64
I64 = torch.int64
I32 = torch.int32
NAN = float("nan")
INF = float("inf")

DTYPE_NAMES = {F32: "float32", F64: "float64", I64: "int64", I32: "int32", torch.bool: "bool"}


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
    elif t.dtype == torch.bool:
        out["values"] = [bool(v) for v in flat.tolist()]
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



def write_cases(path, meta, recs):
    """The fixture file: {"meta": ..., "cases": [...]}, one case per line (stable bytes)."""
    with open(path, "w") as f:
        f.write('{"meta": %s,\n"cases": [\n' % json.dumps(meta))
        for i, r in enumerate(recs):
            f.write(json.dumps(r, separators=(",", ":"), allow_nan=False))
            f.write(",\n" if i + 1 < len(recs) else "\n")
        f.write("]}\n")
