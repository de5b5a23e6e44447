// Tensor operations of the JS API (torch.add ... torch.mean, torch.full ... torch.eye, and the
// Tensor methods: the same ops, reshape / view / unsqueeze / squeeze / flatten / transpose), over
// the core's arith.hpp and factory.hpp. Installed on losslab.mjs's LossLab and Tensor classes by
// installTensorOps, which gets the shared argument helpers from there (so neither module imports
// the other's internals). Every argument is checked and converted here, before anything crosses.
//
// A number operand is a Python number: an int when it is a BigInt or an integer-valued Number
// within 2**53 (so `x.mul(2)` of an int tensor stays int, as `x * 2` does in torch), else a float
// (0.5, 1e20, NaN, Infinity).

export function installTensorOps(LossLab, Tensor, { typeError, pyError, pyTypeName, toInt64, parseShape, drawDtype }) {
  // The op codes of arith.hpp's BinOp and UnaryOp.
  const ARITH = { add: 0, sub: 1, mul: 2, div: 3, pow: 4 };
  const UNARY = { log: 0, exp: 1, sqrt: 2, abs: 3, square: 4, log1p: 5, expm1: 6, tanh: 7, relu: 8 };

  // A Python number for the arithmetic: [kind (0 float, 1 int), float value, int hi, int lo].
  function pyNumber(v, fn, arg) {
    if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 2 ** 53)) {
      const b = BigInt.asUintN(64, toInt64(v));
      return [1, 0, Number(BigInt.asIntN(32, b >> 32n)), Number(b & 0xffffffffn)];
    }
    if (typeof v === 'number') return [0, v, 0, 0];
    throw typeError(`${fn}(): argument '${arg}' must be Tensor or Number, not ${pyTypeName(v)}`);
  }

  // add / sub / rsub take torch's alpha keyword, which losslab does not compute yet.
  function noArithOptions(fn, opts) {
    if (opts == null) return;
    if (typeof opts !== 'object') throw typeError(`${fn}(): options must be an object, not ${pyTypeName(opts)}`);
    for (const k of Object.keys(opts)) {
      if (k === 'alpha') {
        throw pyError('NotImplementedError', `${fn}(): alpha is not supported yet (torch computes other * alpha + input with a fused multiply-add in its vector body only)`);
      }
      throw typeError(`${fn}() got an unexpected keyword argument '${k}'`);
    }
  }

  // An int argument (dim, n) as a Number: torch's TypeError for a non-int, its overflow error
  // beyond int64; beyond 2^53 (no tensor has such a dim) as the nearest double.
  const intArg = (v, fn, arg) => Number(toInt64(v, () => typeError(`${fn}(): argument '${arg}' must be int, not ${pyTypeName(v)}`)));
  // A size list for reshape / view: ints, -1 allowed (the core checks the rest).
  const sizeList = (args, fn) => {
    const list = args.length === 1 && (Array.isArray(args[0]) || ArrayBuffer.isView(args[0])) ? Array.from(args[0]) : args;
    return list.map((v) => intArg(v, fn, 'shape'));
  };
  const dtypeArg = (fn, opts) => drawDtype(fn, opts.dtype, '');

  class LabOps {
    /** torch.full(shape, value, { dtype }): a float value gives float32, an int int64. */
    full(shape, value, opts = {}) {
      const s = parseShape([shape], 'full');
      const [kind, f, hi, lo] = pyNumber(value, 'full', 'fill_value');
      return this._wrap(this._M.full(s, kind, f, hi, lo, dtypeArg('full', opts)));
    }
    /** torch.zeros(...sizes | shape, { dtype }) */
    zeros(...args) {
      const [a, opts] = this._drawArgs(args);
      return this._wrap(this._M.full(parseShape(a, 'zeros'), 0, 0, 0, 0, dtypeArg('zeros', opts) || 'float32'));
    }
    /** torch.ones(...sizes | shape, { dtype }) */
    ones(...args) {
      const [a, opts] = this._drawArgs(args);
      return this._wrap(this._M.full(parseShape(a, 'ones'), 0, 1, 0, 0, dtypeArg('ones', opts) || 'float32'));
    }
    /** torch.zeros_like / ones_like / full_like: t's shape and (unless given) dtype. */
    zeros_like(t, opts = {}) { this._own(t, 'input'); return this.zeros(t.shape, { dtype: opts.dtype ?? t.dtype }); }
    ones_like(t, opts = {}) { this._own(t, 'input'); return this.ones(t.shape, { dtype: opts.dtype ?? t.dtype }); }
    full_like(t, value, opts = {}) { this._own(t, 'input'); return this.full(t.shape, value, { dtype: opts.dtype ?? t.dtype }); }
    /** torch.arange(end) | arange(start, end[, step]), { dtype }: int64 when all are ints. */
    arange(...args) {
      const [a, opts] = this._drawArgs(args);
      if (a.length < 1 || a.length > 3) throw typeError(`arange() takes 1 to 3 positional arguments but ${a.length} were given`);
      const [start, end, step] = a.length === 1 ? [0, a[0], 1] : [a[0], a[1], a[2] ?? 1];
      const n = [start, end, step].flatMap((v, k) => pyNumber(v, 'arange', ['start', 'end', 'step'][k]));
      return this._wrap(this._M.arange(n, dtypeArg('arange', opts)));
    }
    /** torch.linspace(start, end, steps, { dtype }): torch's kernel (float32 by default). */
    linspace(start, end, steps, opts = {}) {
      const n = [start, end].flatMap((v, k) => pyNumber(v, 'linspace', ['start', 'end'][k]));
      return this._wrap(this._M.linspace(n, intArg(steps, 'linspace', 'steps'), dtypeArg('linspace', opts)));
    }
    /** torch.cat(tensors, dim = 0): dtypes promoted; torch's errors. */
    cat(tensors, dim = 0) { return this._join('cat', tensors, dim, false); }
    /** torch.stack(tensors, dim = 0) */
    stack(tensors, dim = 0) { return this._join('stack', tensors, dim, true); }
    _join(name, tensors, dim, isStack) {
      if (!Array.isArray(tensors)) throw typeError(`${name}(): argument 'tensors' (position 1) must be tuple of Tensors, not ${pyTypeName(tensors)}`);
      const descs = tensors.map((t, k) => {
        if (!(t instanceof Tensor)) throw typeError(`${name}(): argument 'tensors' (position 1) must be tuple of Tensors, not ${pyTypeName(t)} (at ${k})`);
        return this._own(t, 'tensors');
      });
      const d = intArg(dim, name, 'dim');
      if (this._tracks(...tensors)) return this._wrap(this._M.agCat(tensors.map((t) => t._handle()), d, isStack));
      return this._wrap(this._M.cat(descs, d, isStack));
    }
    /** torch.eye(n[, m], { dtype }) */
    eye(n, m, opts) {
      if (m !== null && typeof m === 'object') [m, opts] = [undefined, m];
      const rows = intArg(n, 'eye', 'n');
      const cols = m === undefined ? rows : intArg(m, 'eye', 'm');
      return this._wrap(this._M.eye(rows, cols, dtypeArg('eye', opts ?? {})));
    }

    // A live float32 tensor of this instance (an operand a deferred chain can take).
    _float32(t) { return t instanceof Tensor && t._lab === this && t._dtype === 'float32' && !t.disposed; }

    _arith(op, name, a, b) {
      const isT = (v) => v instanceof Tensor;
      if (!isT(a) && !isT(b)) {
        throw typeError(`${name}(): argument 'input' (position 1) must be Tensor, not ${pyTypeName(a)}`);
      }
      const fusible = op !== 'pow' && !this._tracks(a, b);
      if (isT(a) && isT(b)) {
        if (fusible && this._float32(a) && this._float32(b) && a._shape.length === b._shape.length &&
            a._shape.every((d, i) => d === b._shape[i])) {
          const t = this._defer(1, ARITH[op], a, b, null, a._shape);
          if (t) return t;
        }
        const [da, db] = [this._own(a, 'input'), this._own(b, 'other')];
        if (this._tracks(a, b)) return this._wrap(this._M.agBinary(ARITH[op], a._handle(), b._handle(), name === 'rsub'));
        return this._packedOp([da, db], () => this._M._losslab_binary(ARITH[op], false));
      }
      const numberFirst = !isT(a);
      const t = numberFirst ? b : a, v = numberFirst ? a : b;
      if (fusible && typeof v === 'number' && this._float32(t)) {
        const num = pyNumber(v, name, numberFirst ? 'input' : 'other');
        const r = this._defer(1, ARITH[op], numberFirst ? null : t, numberFirst ? t : null, num, t._shape);
        if (r) return r;
      }
      const desc = this._own(t, numberFirst ? 'other' : 'input');
      const [kind, f, hi, lo] = pyNumber(v, name, numberFirst ? 'input' : 'other');
      if (this._tracks(t)) return this._wrap(this._M.agBinaryScalar(ARITH[op], t._handle(), kind, f, hi, lo, numberFirst, name === 'rsub'));
      const num = [kind, f, hi, lo];
      return this._packedOp(numberFirst ? [num, desc] : [desc, num], () => this._M._losslab_binary(ARITH[op], false));
    }

    /** torch.add(a, b): a + b, either may be a number (no alpha). */
    add(a, b, opts) { noArithOptions('add', opts); return this._arith('add', 'add', a, b); }
    /** torch.sub(a, b): a - b. */
    sub(a, b, opts) { noArithOptions('sub', opts); return this._arith('sub', 'sub', a, b); }
    /** torch.rsub(a, b): b - a (what `1 - y` is in torch). */
    rsub(a, b, opts) { noArithOptions('rsub', opts); return this._arith('sub', 'rsub', b, a); }
    /** torch.mul(a, b): a * b. */
    mul(a, b) { return this._arith('mul', 'mul', a, b); }
    /** torch.div(a, b): a / b, true division (integers give float32). */
    div(a, b, opts) {
      if (opts != null && opts.rounding_mode != null) throw pyError('NotImplementedError', `div(): rounding_mode='${String(opts.rounding_mode)}' is not supported yet (only true division)`);
      return this._arith('div', 'div', a, b);
    }
    // torch.eq / ne / lt / le / gt / ge: bool tensors (never recorded: comparisons have no
    // gradient), a number on either side.
    _compare(op, name, a, b) {
      const isT = (v) => v instanceof Tensor;
      if (!isT(a) && !isT(b)) throw typeError(`${name}(): argument 'input' (position 1) must be Tensor, not ${pyTypeName(a)}`);
      if (isT(a) && isT(b)) {
        const descs = [this._own(a, 'input'), this._own(b, 'other')];
        return this._packedOp(descs, () => this._M._losslab_binary(op, true));
      }
      const numberFirst = !isT(a);
      const t = numberFirst ? b : a, v = numberFirst ? a : b;
      const desc = this._own(t, numberFirst ? 'other' : 'input');
      const [kind, f, hi, lo] = pyNumber(typeof v === 'boolean' ? Number(v) : v, name, numberFirst ? 'input' : 'other');
      const num = [kind, f, hi, lo];
      return this._packedOp(numberFirst ? [num, desc] : [desc, num], () => this._M._losslab_binary(op, true));
    }
    eq(a, b) { return this._compare(0, 'eq', a, b); }
    ne(a, b) { return this._compare(1, 'ne', a, b); }
    lt(a, b) { return this._compare(2, 'lt', a, b); }
    le(a, b) { return this._compare(3, 'le', a, b); }
    gt(a, b) { return this._compare(4, 'gt', a, b); }
    ge(a, b) { return this._compare(5, 'ge', a, b); }
    /** torch.pow(a, b): a ** b, a number on either side (torch.pow(2, x)). */
    pow(a, b) { return this._arith('pow', 'pow', a, b); }
    /** torch.neg(t): -t. */
    neg(t) {
      if (this._float32(t) && !this._tracks(t)) {
        const r = this._defer(3, 0, t, null, null, t._shape);
        if (r) return r;
      }
      const d = this._own(t, 'input');
      return this._wrap(this._tracks(t) ? this._M.agNeg(t._handle()) : this._M.neg(d));
    }
    _unary(op, t) {
      if (this._float32(t) && !this._tracks(t)) {
        const r = this._defer(2, UNARY[op], t, null, null, t._shape);
        if (r) return r;
      }
      const d = this._own(t, 'input');
      return this._wrap(this._tracks(t) ? this._M.agUnary(UNARY[op], t._handle()) : this._M.unary(UNARY[op], d));
    }
    /** torch.log(t) (float32: fdlibm's logf, within 1 ulp of exact as torch's SLEEF is); integers give float32. */
    log(t) { return this._unary('log', t); }
    exp(t) { return this._unary('exp', t); }
    sqrt(t) { return this._unary('sqrt', t); }
    abs(t) { return this._unary('abs', t); }
    square(t) { return this._unary('square', t); }
    log1p(t) { return this._unary('log1p', t); }
    expm1(t) { return this._unary('expm1', t); }
    tanh(t) { return this._unary('tanh', t); }
    relu(t) { return this._unary('relu', t); }

    // torch.clamp(t, min, max) | clamp(t, { min, max }); clamp_min / clamp_max. A bound is a
    // number or null (None).
    _clamp(name, kind, t, lo, hi) {
      const desc = this._own(t, 'input');
      const bound = (v, arg) => (v === null || v === undefined ? [0, 0, 0, 0, 0] : [1, ...pyNumber(v, name, arg)]);
      const [l, h] = [bound(lo, 'min'), bound(hi, 'max')];
      if (this._tracks(t)) return this._wrap(this._M.agClamp(t._handle(), l, h, kind));
      return this._wrap(this._M.clamp(desc, l, h));
    }
    clamp(t, min, max) {
      if (min !== null && typeof min === 'object') {
        for (const k of Object.keys(min)) if (k !== 'min' && k !== 'max') throw typeError(`clamp() got an unexpected keyword argument '${k}'`);
        ({ min, max } = min);
      }
      return this._clamp('clamp', 0, t, min, max);
    }
    clamp_min(t, min) {
      if (min === null || min === undefined) throw typeError("clamp_min() missing 1 required positional arguments: \"min\"");
      return this._clamp('clamp_min', 1, t, min, null);
    }
    clamp_max(t, max) {
      if (max === null || max === undefined) throw typeError("clamp_max() missing 1 required positional arguments: \"max\"");
      return this._clamp('clamp_max', 2, t, null, max);
    }

    // A reduction's dim and keepdim: (dim[, keepdim]) or ({ dim, keepdim }); one dim or all.
    _dims(name, t, a, b) {
      let dim = a, keepdim = b;
      if (a !== null && typeof a === 'object' && !Array.isArray(a)) {
        for (const k of Object.keys(a)) {
          if (k === 'dtype') throw pyError('NotImplementedError', `${name}(): dtype= is not supported yet`);
          if (k !== 'dim' && k !== 'keepdim') throw typeError(`${name}() got an unexpected keyword argument '${k}'`);
        }
        ({ dim, keepdim } = a);
      }
      if (Array.isArray(dim)) {
        if (dim.length !== 1) throw pyError('NotImplementedError', `${name}(): reducing over ${dim.length} dims at once is not supported yet (one dim, or all)`);
        [dim] = dim;
      }
      if (keepdim !== undefined && typeof keepdim !== 'boolean') {
        throw typeError(`${name}(): argument 'keepdim' must be bool, not ${pyTypeName(keepdim)}`);
      }
      const all = dim === undefined || dim === null;
      if (all && keepdim) throw pyError('NotImplementedError', `${name}(): keepdim without dim is not supported yet`);
      const d = all ? 0 : Number(toInt64(dim, () => typeError(`${name}(): argument 'dim' must be int, not ${pyTypeName(dim)}`)));
      if (!all && Math.abs(d) > 2 ** 53) throw pyError('IndexError', `Dimension out of range (expected to be in range of [${-Math.max(1, t.ndim)}, ${Math.max(1, t.ndim) - 1}], but got ${d})`);
      return { all, d, keepdim: Boolean(keepdim) };
    }
    // torch.sum(t) | sum(t, dim[, keepdim]) | sum(t, { dim, keepdim }), in torch's summation order.
    _reduce(name, t, a, b) {
      const desc = this._own(t, 'input');
      const { all, d, keepdim } = this._dims(name, t, a, b);
      if (this._tracks(t)) return this._wrap(this._M.agReduce(name === 'mean', t._handle(), all, d, keepdim));
      return this._wrap(this._M.reduce(name === 'mean', desc, all, d, keepdim));
    }
    // torch.max / min: of everything (a 0-d tensor), or along dim: [values, indices] (also as
    // .values and .indices, torch's named tuple).
    _extreme(name, t, a, b) {
      const desc = this._own(t, 'input');
      const isMin = name === 'min';
      const { all, d, keepdim } = this._dims(name, t, a, b);
      const tracked = this._tracks(t);
      if (all) return this._wrap(tracked ? this._M.agMaxAll(t._handle(), isMin) : this._M.maxAll(desc, isMin));
      const r = tracked ? this._M.agMaxDim(t._handle(), d, keepdim, isMin) : this._M.maxDim(desc, d, keepdim, isMin);
      if (r instanceof Error) throw r;
      const out = [this._wrap(r.values), this._wrap(r.indices)];
      out.values = out[0];
      out.indices = out[1];
      return out;
    }
    /** torch.max(t) | max(t, dim[, keepdim]) → [values, indices]: NaN wins, ties the first. */
    max(t, dim, keepdim) { return this._extreme('max', t, dim, keepdim); }
    min(t, dim, keepdim) { return this._extreme('min', t, dim, keepdim); }
    /** torch.argmax(t[, dim[, keepdim]]): int64 indices (of the flattened tensor without dim). */
    argmax(t, dim, keepdim) {
      const desc = this._own(t, 'input');
      const { all, d, keepdim: k } = this._dims('argmax', t, dim, keepdim);
      return this._wrap(this._M.argmax(desc, all, d, k, false));
    }
    argmin(t, dim, keepdim) {
      const desc = this._own(t, 'input');
      const { all, d, keepdim: k } = this._dims('argmin', t, dim, keepdim);
      return this._wrap(this._M.argmax(desc, all, d, k, true));
    }
    /**
     * torch.where(condition, x, y): x where condition (a bool tensor), else y; x or y may be a
     * number; broadcasting and type promotion as torch's. Not recorded by autograd yet.
     */
    where(condition, x, y) {
      if (!(condition instanceof Tensor)) throw typeError(`where(): argument 'condition' (position 1) must be Tensor, not ${pyTypeName(condition)}`);
      if (!(x instanceof Tensor) && !(y instanceof Tensor) && (typeof x !== 'number' && typeof x !== 'bigint')) {
        throw typeError(`where(): argument 'input' (position 2) must be Tensor or Number, not ${pyTypeName(x)}`);
      }
      if (this._tracks(x, y)) throw pyError('NotImplementedError', 'where(): autograd through torch.where is not supported yet (its inputs require grad)');
      const item = (v, arg) => (v instanceof Tensor ? this._own(v, arg) : pyNumber(v, 'where', arg));
      return this._packedOp([this._own(condition, 'condition'), item(x, 'input'), item(y, 'other')], () => this._M._losslab_where());
    }
    /**
     * torch.sort(t, dim = -1, descending = false) → [values, indices] (.values, .indices): NaN
     * largest, equal elements in their order (stable). Not recorded by autograd yet.
     */
    sort(t, dim = -1, descending = false) {
      if (dim !== null && typeof dim === 'object') ({ dim = -1, descending = false } = dim);
      const desc = this._own(t, 'input');
      if (typeof descending !== 'boolean') throw typeError(`sort(): argument 'descending' must be bool, not ${pyTypeName(descending)}`);
      if (this._tracks(t)) throw pyError('NotImplementedError', 'sort(): autograd through torch.sort is not supported yet (its input requires grad)');
      const r = this._M.sort(desc, intArg(dim, 'sort', 'dim'), descending);
      if (r instanceof Error) throw r;
      const out = [this._wrap(r.values), this._wrap(r.indices)];
      out.values = out[0];
      out.indices = out[1];
      return out;
    }
    /** torch.unbind(t, dim = 0): the slices along dim, as an array (what iterating a tensor gives). */
    unbind(t, dim = 0) {
      this._own(t, 'input');
      if (t.ndim === 0) throw pyError('IndexError', 'Dimension specified as 0 but tensor has no dimensions');
      const d = intArg(dim, 'unbind', 'dim');
      const n = t.size(d);
      const out = new Array(n);
      for (let i = 0; i < n; i++) out[i] = t.select(d, i);
      return out;
    }
    /** torch.argsort(t, dim = -1, descending = false): sort's indices. */
    argsort(t, dim = -1, descending = false) {
      const [v, i] = this.sort(t, dim, descending);
      v.dispose();
      return i;
    }
    /** torch.sum(t[, dim[, keepdim]]): torch's cascade order; integer tensors sum into int64. */
    sum(t, dim, keepdim) { return this._reduce('sum', t, dim, keepdim); }
    /** torch.mean(t[, dim[, keepdim]]): the sum divided by the count, in the dtype. */
    mean(t, dim, keepdim) { return this._reduce('mean', t, dim, keepdim); }
  }

  // An index for slice / select / narrow: an int (BigInt or Number), clamped to +-2^62 (every
  // dim is far smaller, so the clamp changes no result) before it crosses as a double.
  const indexArg = (v, fn, arg) => {
    const b = toInt64(v, () => typeError(`${fn}(): argument '${arg}' must be int, not ${pyTypeName(v)}`));
    const lim = 2n ** 62n;
    return Number(b > lim ? lim : b < -lim ? -lim : b);
  };

  class TensorOps {
    // kind 0 slice, 1 select, 2 narrow (pack.cpp's slice_of).
    _take(kind, dim, a, b, step) {
      const lab = this._lab, d = this._desc();
      const hasA = a !== null && a !== undefined, hasB = b !== null && b !== undefined;
      const args = [kind, dim, hasA ? a : 0, hasA, hasB ? b : 0, hasB, step];
      if (lab._tracks(this)) return lab._wrap(lab._M.agTake(this._handle(), ...args));
      return lab._packedOp([d], () => lab._M._losslab_take(...args), true);
    }
    /** slice(dim, start = null, end = null, step = 1): x[start:end:step] along dim (null: None). */
    slice(dim = 0, start = null, end = null, step = 1) {
      const opt = (v, arg) => (v === null || v === undefined ? null : indexArg(v, 'slice', arg));
      return this._take(0, intArg(dim, 'slice', 'dim'), opt(start, 'start'), opt(end, 'end'), indexArg(step, 'slice', 'step'));
    }
    /** select(dim, index): x[..., index, ...] (the dim dropped). */
    select(dim, index) { return this._take(1, intArg(dim, 'select', 'dim'), indexArg(index, 'select', 'index'), null, 1); }
    /** narrow(dim, start, length) */
    narrow(dim, start, length) {
      return this._take(2, intArg(dim, 'narrow', 'dim'), indexArg(start, 'narrow', 'start'), indexArg(length, 'narrow', 'length'), 1);
    }
    /**
     * index(specs): Python's basic indexing, x[a, b, ...], one spec per leading dim: an int
     * selects (x[1], x[:, 1]), null is `:`, { start, end, step } a slice (x.index([{ end: 5 }, 1])
     * is x[:5, 1]).
     */
    index(specs) {
      if (!Array.isArray(specs)) specs = [specs];
      if (this.ndim === 0 && specs.length && (typeof specs[0] === 'number' || typeof specs[0] === 'bigint')) {
        throw pyError('IndexError', 'invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number');
      }
      if (specs.length > this.ndim) throw pyError('IndexError', `too many indices for tensor of dimension ${this.ndim}`);
      let t = this, dim = 0;
      const made = [];
      try {
        for (const [real, s] of specs.entries()) {
          if (typeof s === 'number' || typeof s === 'bigint') {
            // torch's indexing message (not select()'s), naming the dim of the indexed tensor
            const size = t._shape[dim];
            if (Number.isInteger(Number(s)) && (Number(s) < -size || Number(s) >= size)) {
              throw pyError('IndexError', `index ${s} is out of bounds for dimension ${real} with size ${size}`);
            }
            t = t.select(dim, s);
          }
          else if (s === null || s === undefined) t = t.slice(dim++);
          else if (typeof s === 'object' && !Array.isArray(s)) {
            for (const k of Object.keys(s)) if (!['start', 'end', 'step'].includes(k)) throw typeError(`index(): a slice has start, end and step, not '${k}'`);
            t = t.slice(dim, s.start ?? null, s.end ?? null, s.step ?? 1);
            dim++;
          } else throw pyError('IndexError', `only integers, slices (\`:\`), ellipsis (\`...\`), None and long or byte Variables are valid indices (got ${pyTypeName(s)})`);
          if (t !== this) made.push(t);
        }
      } finally {
        for (const m of made.slice(0, -1)) m.dispose();
      }
      return t === this ? this.slice(0) : t;
    }
    /** tolist(): nested arrays of Numbers (int64 as Number: exact up to 2**53), a Number for 0-d. */
    tolist() {
      const isBool = this._dtype === 'bool';
      const flat = Array.from(this.toArray(), (v) => (isBool ? v !== 0 : typeof v === 'bigint' ? Number(v) : v));
      const shape = this._shape;
      if (!shape.length) return flat[0];
      let k = 0;
      const build = (d) => {
        const out = new Array(shape[d]);
        for (let i = 0; i < shape[d]; i++) out[i] = d === shape.length - 1 ? flat[k++] : build(d + 1);
        return out;
      };
      return build(0);
    }
    /** reshape(...shape | [shape]): one -1 is inferred. A copy (losslab has no views yet). */
    // A shape op, recorded (the ag* binding, on the handle) when autograd tracks this tensor.
    // (agReshape takes one more argument: whether torch's name is view's or reshape's.)
    _shapeOp(plain, recorded, ...args) {
      const lab = this._lab, d = this._desc();
      if (!lab._tracks(this)) return lab._wrap(lab._M[plain](d, ...(plain === 'reshape' ? args.slice(0, 1) : args)));
      return lab._wrap(lab._M[recorded](this._handle(), ...args));
    }
    /** reshape(...shape | [shape]): one -1 is inferred. A copy (losslab has no views yet). */
    reshape(...shape) { return this._shapeOp('reshape', 'agReshape', sizeList(shape, 'reshape'), false); }
    /** view(...shape): reshape's result (a copy: there are no in-place ops to tell them apart). */
    view(...shape) { return this._shapeOp('reshape', 'agReshape', sizeList(shape, 'view'), true); }
    unsqueeze(dim) { return this._shapeOp('unsqueeze', 'agUnsqueeze', intArg(dim, 'unsqueeze', 'dim')); }
    squeeze(dim) {
      const has = dim !== undefined && dim !== null;
      return this._shapeOp('squeeze', 'agSqueeze', has, has ? intArg(dim, 'squeeze', 'dim') : 0);
    }
    flatten(startDim = 0, endDim = -1) {
      return this._shapeOp('flatten', 'agFlatten', intArg(startDim, 'flatten', 'start_dim'), intArg(endDim, 'flatten', 'end_dim'));
    }
    transpose(dim0, dim1) {
      return this._shapeOp('transpose', 'agTranspose', intArg(dim0, 'transpose', 'dim0'), intArg(dim1, 'transpose', 'dim1'));
    }
    /** this + other (a Tensor or a number), as torch's Tensor.add. */
    add(other, opts) { return this._lab.add(this, other, opts); }
    sub(other, opts) { return this._lab.sub(this, other, opts); }
    /** other - this (Tensor.rsub: `1 - y`). */
    rsub(other, opts) { return this._lab.rsub(this, other, opts); }
    mul(other) { return this._lab.mul(this, other); }
    div(other, opts) { return this._lab.div(this, other, opts); }
    neg() { return this._lab.neg(this); }
    log() { return this._lab.log(this); }
    exp() { return this._lab.exp(this); }
    sqrt() { return this._lab.sqrt(this); }
    abs() { return this._lab.abs(this); }
    square() { return this._lab.square(this); }
    log1p() { return this._lab.log1p(this); }
    expm1() { return this._lab.expm1(this); }
    tanh() { return this._lab.tanh(this); }
    relu() { return this._lab.relu(this); }
    pow(exponent) { return this._lab.pow(this, exponent); }
    eq(other) { return this._lab.eq(this, other); }
    ne(other) { return this._lab.ne(this, other); }
    lt(other) { return this._lab.lt(this, other); }
    le(other) { return this._lab.le(this, other); }
    gt(other) { return this._lab.gt(this, other); }
    ge(other) { return this._lab.ge(this, other); }
    clamp(min, max) { return this._lab.clamp(this, min, max); }
    clamp_min(min) { return this._lab.clamp_min(this, min); }
    clamp_max(max) { return this._lab.clamp_max(this, max); }
    sum(dim, keepdim) { return this._lab.sum(this, dim, keepdim); }
    mean(dim, keepdim) { return this._lab.mean(this, dim, keepdim); }
    max(dim, keepdim) { return this._lab.max(this, dim, keepdim); }
    min(dim, keepdim) { return this._lab.min(this, dim, keepdim); }
    argmax(dim, keepdim) { return this._lab.argmax(this, dim, keepdim); }
    argmin(dim, keepdim) { return this._lab.argmin(this, dim, keepdim); }
    unbind(dim) { return this._lab.unbind(this, dim); }
    /** sort(dim = -1, descending = false) → [values, indices]. */
    sort(dim, descending) { return this._lab.sort(this, dim, descending); }
    argsort(dim, descending) { return this._lab.argsort(this, dim, descending); }
    /** x.where(condition, y): torch.where(condition, x, y). */
    where(condition, other) { return this._lab.where(condition, this, other); }
    /** masked_fill(mask, value): value where mask, in this tensor's dtype (a copy). */
    masked_fill(mask, value) {
      const lab = this._lab;
      if (lab._tracks(this)) throw pyError('NotImplementedError', 'masked_fill(): autograd through masked_fill is not supported yet (the tensor requires grad)');
      const v = value instanceof Tensor ? value.to(this._dtype) : lab.tensor(value, { dtype: this._dtype });
      try {
        return lab.where(mask, v, this);
      } finally {
        if (v !== value) v.dispose();
      }
    }
  }

  installMethods(LossLab, LabOps, 'installTensorOps');
  installMethods(Tensor, TensorOps, 'installTensorOps');
}

/** Copies the methods of class `from` onto `target`'s prototype (none may exist there already). */
export function installMethods(target, from, who) {
  for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(from.prototype))) {
    if (name === 'constructor') continue;
    if (name in target.prototype) throw new Error(`${who}: ${target.name}.${name} exists already`);
    Object.defineProperty(target.prototype, name, d);
  }
}
