"""torch for Pyodide, over losslab's JS API (dist/losslab.mjs): PyTorch 1.13's names, printing and
numbers, computed by the wasm core. The JS instance arrives as the module `_losslab` (registered
by dist/python.mjs before the first import).

Tensors wrap JS tensors. A tensor an op made is owned by its Python object and disposed when the
object goes (CPython's reference counting: deterministic, so a Python loop leaves no garbage in
the wasm heap); tensors handed out by reference (.grad, a module's parameters) are borrowed. JS
errors become Python exceptions of PyTorch's class with PyTorch's message. What this torch does
not have raises NotImplementedError naming it, never a different result.
"""
import builtins as _b
import math as _math

from pyodide.ffi import JsException as _JsException
from pyodide.ffi import to_js as _to_js

import _losslab

_lab = _losslab.lab
_Object = _losslab.Object

__version__ = "1.13.1+losslab"

_EXC = {
    "RuntimeError": RuntimeError,
    "ValueError": ValueError,
    "IndexError": IndexError,
    "TypeError": TypeError,
    "NotImplementedError": NotImplementedError,
    "RangeError": MemoryError,
    "KeyError": KeyError,
}


def _raise(e):
    """Re-raises a JS error as the Python exception PyTorch raises (its class, its message)."""
    name = getattr(e, "name", "Error")
    message = getattr(e, "message", str(e))
    exc = _EXC.get(name, RuntimeError)
    raise exc(message) from None


def _call(f, *args):
    try:
        return f(*args)
    except _JsException as e:
        _raise(e)


def _js(v):
    """A Python argument as the JS API takes it."""
    if isinstance(v, Tensor):
        return v._t
    if isinstance(v, (list, tuple, Size)):
        return _to_js([_js(x) for x in v])
    if isinstance(v, dtype):
        return v._name
    if isinstance(v, dict):
        return _opts(v)
    return v


def _opts(kw):
    return _to_js({k: _js(v) for k, v in kw.items() if v is not None or k in ("min", "max")},
                  dict_converter=_Object.fromEntries)


def _w(jt, owned=True):
    """A JS result as Python: Tensors wrapped, [values, indices] as a named pair, else as is."""
    if jt is None:
        return None
    if _losslab.isTensor(jt):
        return Tensor._of(jt, owned)
    return jt


class dtype:
    __slots__ = ("_name", "is_floating_point")

    def __init__(self, name):
        self._name = name
        self.is_floating_point = name in ("float32", "float64")

    def __repr__(self):
        return "torch." + self._name

    def __reduce__(self):
        return (dtype, (self._name,))


float32 = dtype("float32")
float64 = dtype("float64")
int64 = dtype("int64")
int32 = dtype("int32")
_bool_dtype = dtype("bool")
_DTYPES = {d._name: d for d in (float32, float64, int64, int32, _bool_dtype)}


class Size(tuple):
    """torch.Size: a tuple that prints as torch.Size([2, 3])."""

    def __repr__(self):
        return "torch.Size([" + ", ".join(str(d) for d in self) + "])"

    __str__ = __repr__

    def numel(self):
        n = 1
        for d in self:
            n *= d
        return n


class _GradFn:
    __slots__ = ("_name",)

    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name

    def __repr__(self):
        return "<" + self._name + " object>"


def _number(v):
    return isinstance(v, (_b.int, _b.float)) and not isinstance(v, _b.bool)


class Tensor:
    """A torch.Tensor over a losslab JS tensor."""

    __slots__ = ("_t", "_owned", "__weakref__")

    @classmethod
    def _of(cls, jt, owned=True):
        t = object.__new__(cls)
        t._t = jt
        t._owned = owned
        return t

    def __init__(self, *args, **kwargs):
        raise NotImplementedError("torch.Tensor(...) is not supported by losslab's torch: use torch.tensor(data)")

    def __del__(self):
        try:
            if self._owned:
                self._t.dispose()
        except Exception:  # noqa: BLE001 - interpreter shutdown: the JS side frees it anyway
            pass

    # ---- printing and conversion ----
    def __repr__(self):
        return _call(self._t.toString)

    __str__ = __repr__

    def item(self):
        v = _call(self._t.item)
        if self._t.dtype in ("int64", "int32"):
            return _b.int(v)
        if self._t.dtype == "bool":
            return _b.bool(v)
        return _b.float(v)

    def tolist(self):
        v = _call(self._t.tolist)
        return v.to_py() if hasattr(v, "to_py") else self.item()

    def __float__(self):
        return _b.float(self.item())

    def __int__(self):
        return _b.int(self.item())

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return _b.bool(self.item())

    def __index__(self):
        if self._t.dtype not in ("int64", "int32", "bool") or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return _b.int(self.item())

    def __format__(self, spec):
        if self.dim() == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    # ---- attributes ----
    @property
    def shape(self):
        return Size(_b.int(d) for d in self._t.shape)

    def size(self, dim=None):
        s = self.shape
        if dim is None:
            return s
        n = len(s)
        if not -n <= dim < n:
            raise IndexError("Dimension out of range (expected to be in range of [%d, %d], but got %d)"
                             % (-n if n else -1, n - 1 if n else 0, dim))
        return s[dim]

    @property
    def dtype(self):
        return _DTYPES[self._t.dtype]

    @property
    def ndim(self):
        return _b.int(self._t.ndim)

    def dim(self):
        return self.ndim

    def numel(self):
        return _b.int(self._t.numel())

    nelement = numel

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return _b.int(self._t.shape[0])

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        for jt in _call(_lab.unbind, self._t):  # the rows, made in one call
            yield Tensor._of(jt)

    def __hash__(self):
        return id(self)

    @property
    def is_leaf(self):
        return _b.bool(self._t.is_leaf)

    @property
    def requires_grad(self):
        return _b.bool(self._t.requires_grad)

    @requires_grad.setter
    def requires_grad(self, b):
        _call(self._t.requires_grad_, b)

    def requires_grad_(self, requires_grad=True):
        _call(self._t.requires_grad_, requires_grad)
        return self

    @property
    def grad(self):
        return _w(_call(lambda: self._t.grad), owned=False)

    @grad.setter
    def grad(self, g):
        try:
            self._t.grad = None if g is None else g._t
        except _JsException as e:
            _raise(e)

    @property
    def grad_fn(self):
        f = self._t.grad_fn
        return None if f is None else _GradFn(f.name())

    def retain_grad(self):
        _call(self._t.retain_grad)

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        if create_graph:
            raise NotImplementedError("backward(create_graph=True) is not supported by losslab's torch")
        _call(self._t.backward, _js(gradient), _opts({"retain_graph": _b.bool(retain_graph)}))

    def detach(self):
        return _w(_call(self._t.detach))

    def zero_(self):
        _call(self._t.zero_)
        return self

    def copy_(self, src):
        _call(self._t.copy_, src._t)
        return self

    def uniform_(self, a=0.0, b=1.0):
        _call(self._t.uniform_, a, b)
        return self

    # ---- arithmetic ----
    def _binary(self, op, other, reflected=False):
        f = _OPS[op]
        try:
            if isinstance(other, Tensor):
                return Tensor._of(f(other._t, self._t) if reflected else f(self._t, other._t))
            if not _number(other) and not isinstance(other, _b.bool):
                return NotImplemented
            x = _float_operand(self, other)
            return Tensor._of(f(other, x._t) if reflected else f(x._t, other))
        except _JsException as e:
            _raise(e)

    def __add__(self, o):
        return self._binary("add", o)

    def __radd__(self, o):
        return self._binary("add", o, True)

    def __sub__(self, o):
        return self._binary("sub", o)

    def __rsub__(self, o):
        return self._binary("sub", o, True)

    def __mul__(self, o):
        return self._binary("mul", o)

    def __rmul__(self, o):
        return self._binary("mul", o, True)

    def __truediv__(self, o):
        return self._binary("div", o)

    def __rtruediv__(self, o):
        return self._binary("div", o, True)

    def __pow__(self, o):
        return self._binary("pow", o)

    def __rpow__(self, o):
        return self._binary("pow", o, True)

    def __matmul__(self, o):
        return matmul(self, o)

    def __neg__(self):
        return _w(_call(self._t.neg))

    def __pos__(self):
        return self

    def __abs__(self):
        return self.abs()

    def __eq__(self, o):
        return self._binary("eq", o)

    def __ne__(self, o):
        return self._binary("ne", o)

    def __lt__(self, o):
        return self._binary("lt", o)

    def __le__(self, o):
        return self._binary("le", o)

    def __gt__(self, o):
        return self._binary("gt", o)

    def __ge__(self, o):
        return self._binary("ge", o)

    def __floordiv__(self, o):
        raise NotImplementedError("floor division (//, torch.floor_divide) is not supported by losslab's torch")

    def __mod__(self, o):
        raise NotImplementedError("% (torch.remainder) is not supported by losslab's torch")

    # ---- indexing ----
    def __getitem__(self, key):
        if type(key) is _b.int:  # x[i]: the common case, one call
            return Tensor._of(_call(self._t.index, key))
        specs = []
        for k in key if isinstance(key, tuple) else (key,):
            if isinstance(k, slice):
                spec = {}
                if k.start is not None:
                    spec["start"] = _b.int(k.start)
                if k.stop is not None:
                    spec["end"] = _b.int(k.stop)
                if k.step is not None:
                    spec["step"] = _b.int(k.step)
                specs.append(_opts(spec))
            elif isinstance(k, _b.bool) or k is None or k is Ellipsis:
                raise NotImplementedError("indexing with None, ... or a bool is not supported by losslab's torch")
            elif isinstance(k, _b.int) or (isinstance(k, Tensor) and k.dtype in (int64, int32) and k.ndim == 0):
                specs.append(_b.int(k))
            elif isinstance(k, (Tensor, list)):
                raise NotImplementedError("advanced indexing (a tensor or list index) is not supported by losslab's torch")
            else:
                raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                                 "Variables are valid indices (got %s)" % type(k).__name__)
        return _w(_call(self._t.index, _to_js(specs)))

    def __setitem__(self, key, value):
        # x[mask] = v with a bool mask of x's shape: in place (as masked_fill_), other forms not yet
        if isinstance(key, Tensor) and key.dtype is _bool_dtype and tuple(key.shape) == tuple(self.shape) and \
                (isinstance(value, Tensor) and value.ndim == 0 or _number(value) or isinstance(value, _b.bool)):
            filled = _w(_call(self._t.masked_fill, key._t, _js(value)))
            _call(self._t.copy_, filled._t)
            return
        raise NotImplementedError("assignment into a tensor (x[...] = v) is not supported by losslab's torch "
                                  "beyond x[mask] = value with a bool mask of x's shape")

    # ---- everything else is a method of the same name ----
    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        f = _METHODS.get(name)
        if f is None:
            raise NotImplementedError("torch.Tensor.%s is not supported by losslab's torch" % name)
        return lambda *a, **k: f(self, *a, **k)


_OPS = {op: getattr(_lab, op) for op in ("add", "sub", "mul", "div", "pow", "eq", "ne", "lt", "le", "gt", "ge")}


def _float_operand(t, v):
    """t as the operand of `t op v`: a Python float meets an integer or bool tensor as torch's
    default dtype would (the JS API reads an integer-valued Number as a Python int)."""
    if isinstance(v, _b.float) and v.is_integer() and not t.dtype.is_floating_point:
        return t.float()
    return t


def _dim_args(dim, keepdim):
    if dim is None:
        return ()
    if isinstance(dim, (tuple, list)):
        if len(dim) != 1:
            raise NotImplementedError("a reduction over several dims at once is not supported by losslab's torch")
        dim = dim[0]
    return (_opts({"dim": _b.int(dim), "keepdim": _b.bool(keepdim)}),)


def _reduce(name):
    def f(t, dim=None, keepdim=False, dtype=None):
        if dtype is not None:
            raise NotImplementedError("%s(dtype=...) is not supported by losslab's torch" % name)
        return _w(_call(getattr(t._t, name), *_dim_args(dim, keepdim)))
    f.__name__ = name
    return f


def _unary(name):
    def f(t):
        return _w(_call(getattr(t._t, name)))
    f.__name__ = name
    return f


class _ValuesIndices(tuple):
    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]

    def __repr__(self):
        return "torch.return_types.%s(\nvalues=%r,\nindices=%r)" % (self._name, self[0], self[1])


def _extreme(name):
    def f(t, dim=None, keepdim=False):
        if dim is None:
            return _w(_call(getattr(t._t, name)))
        r = _call(getattr(t._t, name), _b.int(dim), _b.bool(keepdim))
        out = _ValuesIndices((_w(r[0]), _w(r[1])))
        out._name = name
        return out
    f.__name__ = name
    return f


def _sort(t, dim=-1, descending=False, stable=False):
    r = _call(t._t.sort, _b.int(dim), _b.bool(descending))
    out = _ValuesIndices((_w(r[0]), _w(r[1])))
    out._name = "sort"
    return out


def _shape_args(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)):
        args = tuple(args[0])
    return [_b.int(a) for a in args]


_METHODS = {
    "sum": _reduce("sum"), "mean": _reduce("mean"),
    "max": _extreme("max"), "min": _extreme("min"),
    "argmax": lambda t, dim=None, keepdim=False: _w(_call(t._t.argmax, *_dim_args(dim, keepdim))),
    "argmin": lambda t, dim=None, keepdim=False: _w(_call(t._t.argmin, *_dim_args(dim, keepdim))),
    "view": lambda t, *s: _w(_call(t._t.view, _to_js(_shape_args(s)))),
    "reshape": lambda t, *s: _w(_call(t._t.reshape, _to_js(_shape_args(s)))),
    "t": _unary("t"), "clone": _unary("clone"),
    "transpose": lambda t, d0, d1: _w(_call(t._t.transpose, d0, d1)),
    "unsqueeze": lambda t, dim: _w(_call(t._t.unsqueeze, dim)),
    "squeeze": lambda t, dim=None: _w(_call(t._t.squeeze) if dim is None else _call(t._t.squeeze, dim)),
    "flatten": lambda t, start_dim=0, end_dim=-1: _w(_call(t._t.flatten, start_dim, end_dim)),
    "select": lambda t, dim, index: _w(_call(t._t.select, dim, index)),
    "narrow": lambda t, dim, start, length: _w(_call(t._t.narrow, dim, start, length)),
    "mm": lambda t, o: _w(_call(t._t.mm, o._t)),
    "matmul": lambda t, o: _w(_call(t._t.matmul, o._t)),
    "to": lambda t, d: _w(_call(t._t.to, d._name)) if isinstance(d, dtype) else _not_supported("Tensor.to(%r)" % (d,)),
    "type": lambda t, d=None: ("torch." + {"float32": "FloatTensor", "float64": "DoubleTensor", "int64": "LongTensor",
                                          "int32": "IntTensor", "bool": "BoolTensor"}[t._t.dtype]) if d is None
    else _w(_call(t._t.to, d._name)),
    "clamp": lambda t, min=None, max=None: _w(_call(t._t.clamp, min, max)),
    "clamp_min": lambda t, m: _w(_call(t._t.clamp_min, m)),
    "clamp_max": lambda t, m: _w(_call(t._t.clamp_max, m)),
    "add": lambda t, o: t + o, "sub": lambda t, o: t - o, "mul": lambda t, o: t * o,
    "div": lambda t, o: t / o, "pow": lambda t, o: t ** o,
    "eq": lambda t, o: t == o, "ne": lambda t, o: t != o, "lt": lambda t, o: t < o,
    "le": lambda t, o: t <= o, "gt": lambda t, o: t > o, "ge": lambda t, o: t >= o,
    "softmax": lambda t, dim: _w(_call(_lab.nn.functional.softmax, t._t, _opts({"dim": dim}))),
    "log_softmax": lambda t, dim: _w(_call(_lab.nn.functional.log_softmax, t._t, _opts({"dim": dim}))),
    "is_floating_point": lambda t: t.dtype.is_floating_point,
    "sort": _sort,
    "argsort": lambda t, dim=-1, descending=False: _sort(t, dim, descending).indices,
    "where": lambda t, condition, other: where(condition, t, other),
    "masked_fill": lambda t, mask, value: _w(_call(t._t.masked_fill, mask._t, _js(value))),
}
for _n in ("neg", "log", "exp", "log1p", "expm1", "sqrt", "abs", "square", "tanh", "relu", "sigmoid",
           "long", "int", "float", "double", "bool"):
    _METHODS[_n] = _unary(_n)


def _not_supported(what):
    raise NotImplementedError("%s is not supported by losslab's torch" % what)


# ---- torch.<function> ----
def _draw_opts(dtype, requires_grad, generator=None, name=""):
    if generator is not None:
        raise NotImplementedError("%s(generator=...) is not supported by losslab's torch" % name)
    return _opts({"dtype": dtype, "requires_grad": requires_grad or None})


def _size(size, args, name):
    if size is not None and args:
        raise TypeError("%s() received an invalid combination of arguments" % name)
    if size is None:
        size = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list, Size)) else args
    return _to_js([_b.int(d) for d in size])


def rand(*size, dtype=None, requires_grad=False, generator=None, **kw):
    s = _size(kw.pop("size", None), size, "rand")
    _no_more(kw, "rand")
    return _w(_call(_lab.rand, s, _draw_opts(dtype, requires_grad, generator, "rand")))


def randn(*size, dtype=None, requires_grad=False, generator=None, **kw):
    s = _size(kw.pop("size", None), size, "randn")
    _no_more(kw, "randn")
    return _w(_call(_lab.randn, s, _draw_opts(dtype, requires_grad, generator, "randn")))


def randint(*args, low=None, high=None, size=None, dtype=None, requires_grad=False, generator=None, **kw):
    _no_more(kw, "randint")
    args = list(args)
    if size is None and args and isinstance(args[-1], (tuple, list, Size)):
        size = args.pop()
    if high is None and args:
        high = args.pop()
    if low is None:
        low = args.pop() if args else 0
    if args or high is None or size is None:
        raise TypeError("randint() received an invalid combination of arguments")
    return _w(_call(_lab.randint, low, high, _to_js([_b.int(d) for d in size]),
                    _draw_opts(dtype, requires_grad, generator, "randint")))


def _no_more(kw, name):
    if kw:
        raise TypeError("%s() got an unexpected keyword argument '%s'" % (name, next(iter(kw))))


def _data(v):
    if isinstance(v, Tensor):
        return v.tolist()
    if isinstance(v, (list, tuple)):
        return [_data(x) for x in v]
    return v


def _infer_dtype(d):
    """torch.tensor's dtype for Python data: bool if all bools, int64 if all ints, else float32."""
    kinds = set()

    def walk(v):
        if isinstance(v, list):
            for x in v:
                walk(x)
        else:
            kinds.add(_b.bool if isinstance(v, _b.bool) else _b.int if isinstance(v, _b.int) else _b.float)
    walk(d)
    if kinds == {_b.bool}:
        return _bool_dtype
    if kinds and kinds <= {_b.bool, _b.int}:
        return int64
    return float32


def tensor(data, dtype=None, requires_grad=False):
    d = _data(data)
    if dtype is None:
        dtype = data.dtype if isinstance(data, Tensor) else _infer_dtype(d)
    return _w(_call(_lab.tensor, _to_js(d) if isinstance(d, list) else d,
                    _opts({"dtype": dtype, "requires_grad": requires_grad or None})))


def _creation(name):
    def f(*size, dtype=None, requires_grad=False, **kw):
        s = _size(kw.pop("size", None), size, name)
        _no_more(kw, name)
        return _w(_call(getattr(_lab, name), s, _opts({"dtype": dtype, "requires_grad": requires_grad or None})))
    f.__name__ = name
    return f


zeros = _creation("zeros")
ones = _creation("ones")


def full(size, fill_value, dtype=None, requires_grad=False):
    return _w(_call(_lab.full, _to_js([_b.int(d) for d in size]), fill_value,
                    _opts({"dtype": dtype, "requires_grad": requires_grad or None})))


def eye(n, m=None, dtype=None, requires_grad=False):
    args = (n,) if m is None else (n, m)
    return _w(_call(_lab.eye, *args, _opts({"dtype": dtype, "requires_grad": requires_grad or None})))


def linspace(start, end, steps, dtype=None, requires_grad=False):
    return _w(_call(_lab.linspace, start, end, steps, _opts({"dtype": dtype, "requires_grad": requires_grad or None})))


def _like(name):
    def f(t, *value, dtype=None, requires_grad=False):
        return _w(_call(getattr(_lab, name), t._t, *value, _opts({"dtype": dtype, "requires_grad": requires_grad or None})))
    f.__name__ = name
    return f


zeros_like = _like("zeros_like")
ones_like = _like("ones_like")
full_like = _like("full_like")
def rand_like(t, dtype=None, requires_grad=False):
    return rand(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def randn_like(t, dtype=None, requires_grad=False):
    return randn(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def arange(*args, dtype=None, requires_grad=False):
    return _w(_call(_lab.arange, *args, _opts({"dtype": dtype, "requires_grad": requires_grad or None})))


def manual_seed(seed):
    _call(_lab.manual_seed, seed)
    return _generator


def initial_seed():
    return _b.int(_call(_lab.initial_seed))


class Generator:
    def manual_seed(self, seed):
        manual_seed(seed)
        return self

    def initial_seed(self):
        return initial_seed()


_generator = Generator()
default_generator = _generator


class _Random:
    manual_seed = staticmethod(manual_seed)
    initial_seed = staticmethod(initial_seed)


random = _Random()


def _fn(name):
    def f(t, *args, **kw):
        if not isinstance(t, Tensor):
            raise TypeError("%s(): argument 'input' (position 1) must be Tensor, not %s" % (name, type(t).__name__))
        return getattr(t, name)(*args, **kw)
    f.__name__ = name
    return f


for _n in ("log", "exp", "log1p", "expm1", "sqrt", "abs", "square", "tanh", "relu", "sigmoid", "neg",
           "sum", "mean", "max", "min", "argmax", "argmin", "t", "transpose", "unsqueeze", "squeeze",
           "flatten", "select", "narrow", "reshape", "clamp", "clamp_min", "clamp_max", "clone",
           "softmax", "log_softmax", "detach"):
    globals()[_n] = _fn(_n)


def _binary_fn(op):
    def f(a, b):
        if isinstance(a, Tensor):
            return a._binary(op, b)
        if isinstance(b, Tensor):
            return b._binary(op, a, True)
        raise TypeError("%s(): argument 'input' (position 1) must be Tensor, not %s" % (op, type(a).__name__))
    f.__name__ = op
    return f


for _n in ("add", "sub", "mul", "div", "pow", "eq", "ne", "lt", "le", "gt", "ge"):
    globals()[_n] = _binary_fn(_n)
subtract, multiply, divide = sub, mul, div


def where(condition, input=None, other=None):
    if input is None and other is None:
        raise NotImplementedError("torch.where(condition) (the indices of the nonzero elements) is not supported by losslab's torch")
    if not isinstance(condition, Tensor):
        raise TypeError("where(): argument 'condition' (position 1) must be Tensor, not %s" % type(condition).__name__)
    return _w(_call(_lab.where, condition._t, _js(input), _js(other)))


def sort(t, dim=-1, descending=False, stable=False):
    return _sort(t, dim, descending, stable)


def argsort(t, dim=-1, descending=False):
    return _sort(t, dim, descending).indices


def mm(a, b):
    return _w(_call(_lab.mm, _js(a), _js(b)))


def matmul(a, b):
    return _w(_call(_lab.matmul, _js(a), _js(b)))


def cat(tensors, dim=0):
    return _w(_call(_lab.cat, _js(list(tensors)), dim))


def stack(tensors, dim=0):
    return _w(_call(_lab.stack, _js(list(tensors)), dim))


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(t):
    return t.numel()


def is_grad_enabled():
    return _b.bool(_lab.is_grad_enabled())


class set_grad_enabled:
    """torch.set_grad_enabled(mode): as a call, or as a context manager."""

    def __init__(self, mode):
        self._prev = is_grad_enabled()
        _call(_lab.set_grad_enabled, _b.bool(mode))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _lab.set_grad_enabled(self._prev)
        return False


class _GradMode:
    _mode = False

    def __enter__(self):
        self._prev = is_grad_enabled()
        _lab.set_grad_enabled(self._mode)
        return self

    def __exit__(self, *exc):
        _lab.set_grad_enabled(self._prev)
        return False

    def __call__(self, fn):
        def wrapped(*a, **k):
            with self.__class__():
                return fn(*a, **k)
        return wrapped


class no_grad(_GradMode):
    _mode = False


class enable_grad(_GradMode):
    _mode = True


def __getattr__(name):
    if name.startswith("__") or name in ("nn", "optim", "functional"):  # dunders, and submodules being imported
        raise AttributeError(name)
    raise NotImplementedError("torch.%s is not supported by losslab's torch" % name)


# the dtype aliases last: inside this module float / int / bool stay Python's (via builtins)
float = float32
double = float64
long = int64
int = int32
bool = _bool_dtype

from . import nn  # noqa: E402
from . import optim  # noqa: E402
from .nn import functional  # noqa: E402,F401
