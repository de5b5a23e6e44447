"""The case registry (add, the per-case seed) and the operand builders the case lists use
(called after torch.manual_seed)."""
import zlib

import torch

from .encoding import F32, I64


R3 = ("none", "mean", "sum")

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

