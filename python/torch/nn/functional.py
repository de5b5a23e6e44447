"""torch.nn.functional over losslab's registry: every loss and activation by its torch name.
Tensors are positional, as in torch; options are keywords (torch's deprecated positional
options are refused by name)."""
import torch as _torch
from torch import _call, _js, _lab, _opts, _w

_F = _lab.nn.functional


def _function(name, operands, option_names):
    def f(*args, **kwargs):
        tensors = list(args[:operands])
        extra = args[operands:]
        if extra:
            if len(extra) > len(option_names):
                raise TypeError("%s() takes at most %d positional arguments" % (name, operands + len(option_names)))
            for k, v in zip(option_names, extra):
                if k in kwargs:
                    raise TypeError("%s() got multiple values for argument '%s'" % (name, k))
                kwargs[k] = v
        for k in ("size_average", "reduce"):
            if kwargs.get(k) is not None:
                raise NotImplementedError("%s(%s=...) (deprecated in torch) is not supported by losslab's torch; "
                                          "use reduction=" % (name, k))
            kwargs.pop(k, None)
        if "_stacklevel" in kwargs:
            kwargs.pop("_stacklevel")
        return _w(_call(getattr(_F, name), *[_js(t) for t in tensors], _opts(kwargs)))
    f.__name__ = name
    return f


# positional options only where torch's signature puts a real option right after the tensors
_POSITIONAL = {"log_softmax": ["dim"], "softmax": ["dim"]}
for _s in _lab.registry.activations:
    _n = str(_s.name)
    globals()[_n] = _function(_n, 1, _POSITIONAL.get(_n, []))
for _s in _lab.registry.losses:
    _n = str(_s.name)
    globals()[_n] = _function(_n, len(_s.operands), [])


def sigmoid(t):
    return _torch.sigmoid(t)


def relu(t, inplace=False):
    if inplace:
        raise NotImplementedError("relu(inplace=True) is not supported by losslab's torch")
    return _torch.relu(t)


def tanh(t):
    return _torch.tanh(t)


def linear(x, weight, bias=None):
    y = _torch.matmul(x, weight.t())
    return y if bias is None else y + bias


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise NotImplementedError("torch.nn.functional.%s is not supported by losslab's torch" % name)
