"""torch.nn.init: uniform_ and kaiming_uniform_ from the default generator, as the JS API's."""
from torch import _call, _lab


def uniform_(tensor, a=0.0, b=1.0):
    _call(_lab.nn.init.uniform_, tensor._t, a, b)
    return tensor


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise NotImplementedError("torch.nn.init.%s is not supported by losslab's torch" % name)
