"""torch.nn over losslab's JS modules: a class for every loss of the core's registry and its
activations, Linear, Sequential, Sigmoid / Tanh / ReLU and Parameter, plus a Python Module base
class (subclass it and define forward, as in torch). Options are keywords, as torch's are."""
import builtins as _b

import torch as _torch
from torch import _call, _js, _lab, _opts, _w

from . import functional  # noqa: F401
from . import init  # noqa: F401


class Module:
    """torch.nn.Module: parameters are the Parameter attributes and those of submodules, in the
    order they were set."""

    training = True

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError('Module [%s] is missing the required "forward" function' % type(self).__name__)

    def named_parameters(self, prefix=""):
        for k, v in vars(self).items():
            if isinstance(v, _torch.Tensor) and _b.bool(getattr(v._t, "_isParam", False)):
                yield prefix + k, v
            elif isinstance(v, Module):
                yield from v.named_parameters(prefix + k + ".")

    def parameters(self):
        for _, p in self.named_parameters():
            yield p

    def children(self):
        for v in vars(self).values():
            if isinstance(v, Module):
                yield v

    def zero_grad(self, set_to_none=False):
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    with _torch.no_grad():
                        p.grad.zero_()

    def train(self, mode=True):
        self.training = mode
        for m in self.children():
            m.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = [ln for ln in self.extra_repr().split("\n") if ln]
        for k, v in vars(self).items():
            if isinstance(v, Module):
                lines.append("(%s): %s" % (k, repr(v).replace("\n", "\n  ")))
        if not lines:
            return type(self).__name__ + "()"
        if len(lines) == 1 and not any(isinstance(v, Module) for v in vars(self).values()):
            return "%s(%s)" % (type(self).__name__, lines[0])
        return "%s(\n  %s\n)" % (type(self).__name__, "\n  ".join(lines))


class _JsModule(Module):
    """A module the JS API implements (its forward, its print, its parameters)."""

    _js_name = None

    def __init__(self, *args, **kwargs):
        for k in ("size_average", "reduce"):
            if kwargs.get(k) is not None:
                raise NotImplementedError("%s(%s=...) (deprecated in torch) is not supported by losslab's torch; "
                                          "use reduction=" % (type(self).__name__, k))
            kwargs.pop(k, None)
        if args:
            raise NotImplementedError("%s(): pass its options by keyword (reduction='sum'); positional "
                                      "options are not supported by losslab's torch" % type(self).__name__)
        # made at first use, as torch checks the options when the module runs (an error then
        # names the learner's call line, as torch's does)
        self._kw = kwargs
        self._made = None

    @property
    def _m(self):
        if self._made is None:
            self._made = _call(getattr(_lab.nn, self._js_name).new, _opts(self._kw))
        return self._made

    def forward(self, *args):
        return _w(_call(self._m, *[_js(a) for a in args]))

    def named_parameters(self, prefix=""):
        for pair in self._m.named_parameters(prefix):
            yield str(pair[0]), _w(pair[1], owned=False)

    def train(self, mode=True):
        _call(self._m.train, mode)
        self.training = mode
        return self

    def __repr__(self):
        return str(self._m.toString())

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        v = getattr(self._m, name)
        if _torch._losslab.isTensor(v):
            return _w(v, owned=False)
        return v


class Linear(_JsModule):
    _js_name = "Linear"

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        if device is not None or dtype is not None:
            raise NotImplementedError("Linear(device=..., dtype=...) is not supported by losslab's torch")
        # at once: the init draws from the default generator, in torch's order
        self._made = _call(_lab.nn.Linear.new, in_features, out_features, _opts({"bias": bias}))


class Sequential(_JsModule):
    def __init__(self, *modules):
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError("%s is not a Module subclass" % type(m).__name__)
        self._mods = list(modules)

    def forward(self, x):
        for m in self._mods:
            x = m(x)
        return x

    def named_parameters(self, prefix=""):
        for i, m in enumerate(self._mods):
            yield from m.named_parameters("%s%d." % (prefix, i))

    def children(self):
        return iter(self._mods)

    def train(self, mode=True):
        for m in self._mods:
            m.train(mode)
        self.training = mode
        return self

    def __getitem__(self, i):
        return self._mods[i]

    def __len__(self):
        return len(self._mods)

    def __repr__(self):
        body = "\n  ".join("(%d): %s" % (i, repr(m).replace("\n", "\n  ")) for i, m in enumerate(self._mods))
        return "Sequential(\n  %s\n)" % body if self._mods else "Sequential()"


def Parameter(data=None, requires_grad=True):
    """torch.nn.Parameter(data): data as a leaf module parameter (a Tensor)."""
    if data is None:
        raise NotImplementedError("Parameter() without data is not supported by losslab's torch")
    return _w(_call(_lab.nn.Parameter, data._t, requires_grad))


def _module_class(js_name):
    return type(js_name, (_JsModule,), {"_js_name": js_name, "__module__": __name__})


for _name in ["Sigmoid", "Tanh", "ReLU"] + [str(s.module) for s in _lab.registry.activations] + \
        [str(s.module) for s in _lab.registry.losses if s.module]:
    globals()[_name] = _module_class(_name)


def __getattr__(name):
    if name.startswith("__") or name in ("functional", "init"):  # dunders, and submodules being imported
        raise AttributeError(name)
    raise NotImplementedError("torch.nn.%s is not supported by losslab's torch" % name)
