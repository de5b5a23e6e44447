"""torch.optim.SGD over the core's update (torch 1.13's arithmetic)."""
from pyodide.ffi import to_js as _to_js

from torch import _call, _js, _lab, _opts


class SGD:
    def __init__(self, params, lr=None, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False):
        groups = []
        for p in params:
            if isinstance(p, dict):
                groups.append(_opts({k: (_to_js([_js(t) for t in v]) if k == "params" else v) for k, v in p.items()}))
            else:
                groups.append(_js(p))
        kw = {"momentum": momentum, "dampening": dampening, "weight_decay": weight_decay, "nesterov": nesterov,
              "maximize": maximize, "foreach": foreach, "differentiable": differentiable}
        if lr is not None:
            kw["lr"] = lr
        self._o = _call(_lab.optim.SGD.new, _to_js(groups), _opts(kw))

    def step(self, closure=None):
        if closure is not None:
            raise NotImplementedError("SGD.step(closure) is not supported by losslab's torch")
        _call(self._o.step)

    def zero_grad(self, set_to_none=False):
        _call(self._o.zero_grad, _opts({"set_to_none": set_to_none}))

    def __repr__(self):
        return str(self._o.toString())


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise NotImplementedError("torch.optim.%s is not supported by losslab's torch" % name)
