// losslab's JS API: a PyTorch-shaped surface over the wasm core.
//   import { createLossLab } from 'losslab';
//   const torch = await createLossLab();            // { simd: false } forces the scalar build
//   torch.nn.functional.mse_loss(a, b, { reduction: 'mean' }).toString()  // 'tensor(2.4869)'
// Tensors live in the wasm heap: data crosses once, results stay there until toArray().
// They are freed by dispose() and, if forgotten, by a FinalizationRegistry.
// Errors come back from C++ as values and are thrown here with PyTorch's message; their
// `name` is PyTorch's exception class (RuntimeError, ValueError, IndexError) or RangeError (OOM).

// A minimal module using a v128 instruction: WebAssembly.validate() says if SIMD is there.
const SIMD_PROBE = Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0,
  10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11);

/** True when this engine can run the SIMD build. */
export function simdSupported() {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

const isNode = typeof process === 'object' && !!process.versions?.node &&
  typeof window === 'undefined' && typeof importScripts === 'undefined';

const ARRAY_TYPES = {
  float32: Float32Array, float64: Float64Array, int64: BigInt64Array, int32: Int32Array,
};
const DTYPES = Object.keys(ARRAY_TYPES);

/**
 * Loads a wasm build and returns a PyTorch-like namespace.
 * @param {{simd?: boolean, baseUrl?: string|URL, warnings?: 'console'|'silent'}} [options]
 */
export async function createLossLab(options = {}) {
  const wantSimd = options.simd ?? true;
  const flavor = wantSimd && simdSupported() ? 'simd' : 'scalar';
  const base = new URL(options.baseUrl ?? './', import.meta.url);
  const { default: factory } = await import(new URL(`losslab-${flavor}.mjs`, base).href);
  const wasmUrl = new URL(`losslab-${flavor}.wasm`, base);
  const moduleArg = {};   // a fresh object per instance (Embind registers names on it)
  if (isNode && wasmUrl.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    moduleArg.wasmBinary = await readFile(wasmUrl);
  } else {
    moduleArg.locateFile = (path) => new URL(path, base).href;
  }
  const M = await factory(moduleArg);
  return new LossLab(M, flavor, options);
}

function fail(r) {
  if (r instanceof Error) throw r;
  return r;
}

// The Python type name PyTorch's argument parser would print for a JS value.
function pyTypeName(v) {
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Tensor) return 'Tensor';
  return typeof v === 'object' ? 'dict' : typeof v;
}

function typeError(msg) {
  const e = new TypeError(msg);
  return e;
}

function toBigSeed(seed) {
  let s;
  if (typeof seed === 'bigint') s = seed;
  else if (typeof seed === 'number' && Number.isInteger(seed)) s = BigInt(seed);
  else if (typeof seed === 'string' && /^-?\d+$/.test(seed.trim())) s = BigInt(seed.trim());
  else throw typeError(`manual_seed expected an integer seed, got ${String(seed)}`);
  if (s < -(2n ** 63n) || s >= 2n ** 64n) {
    throw new Error(`Overflow when unpacking long`);
  }
  return BigInt.asUintN(64, s);   // negative seeds wrap as in torch
}

function parseShape(args, fname) {
  let shape = args;
  if (args.length === 1 && (Array.isArray(args[0]) || ArrayBuffer.isView(args[0]))) {
    shape = Array.from(args[0]);
  }
  shape = shape.map(Number);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${fname}: Trying to create tensor with negative dimension ${d}: [${shape.join(', ')}]`);
    }
  }
  return shape;
}

function flatten(data, shape, depth, out) {
  if (Array.isArray(data)) {
    if (shape.length <= depth) shape.push(data.length);
    else if (shape[depth] !== data.length) {
      throw new Error(`expected sequence of length ${shape[depth]} at dim ${depth} (got ${data.length})`);
    }
    for (const v of data) flatten(v, shape, depth + 1, out);
  } else {
    if (depth !== shape.length) throw new Error('tensor(): ragged nested arrays are not a tensor');
    out.push(data);
  }
}

class LossLab {
  constructor(M, flavor, options) {
    this._M = M;
    this._warn = options.warnings !== 'silent';
    this._freer = new FinalizationRegistry((held) => {
      if (typeof held === 'number') M._free(held);
      else held.delete();   // an Embind object (Generator)
    });
    /** 'simd' or 'scalar': which wasm build is running. */
    this.flavor = flavor;
    /** The core's SIMD target ('wasm-simd128' or 'scalar'). */
    this.arch = M.simdArch();
    const reg = M.registry();
    this._packPtr = M.packBuffer();
    this._packBuf = null;
    this._lossIndex = new Map(reg.losses.map((s, i) => [s.name, i]));
    /** The loss registry: names, options (defaults, ranges), reductions, targets. */
    this.registry = Object.freeze({ losses: reg.losses, activations: reg.activations });
    this._defaultGenerator = new Generator(this);
    const self = this;
    const F = {};
    for (const spec of reg.losses) {
      const allowed = new Set(['reduction', 'force_scalar', ...spec.options.map((o) => o.name)]);
      F[spec.name] = function loss(input, target, opts = {}) {
        return self._loss(spec, allowed, input, target, opts);
      };
    }
    for (const spec of reg.activations) {
      F[spec.name] = function activation(input, opts = {}) {
        return self._activation(spec.name, input, opts);
      };
    }
    this.nn = Object.freeze({ functional: Object.freeze(F) });
    this.Generator = class extends Generator {
      constructor() { super(self); }
    };
  }

  // ---- tensors -----------------------------------------------------------------------------

  /** torch.tensor(data, {dtype, shape}): arrays, nested arrays or typed arrays. */
  tensor(data, { dtype, shape } = {}) {
    let values;
    let inferred;
    if (ArrayBuffer.isView(data)) {
      values = data;
      inferred = [data.length];
      dtype ??= data instanceof Float64Array ? 'float64' : data instanceof BigInt64Array ? 'int64'
        : data instanceof Int32Array ? 'int32' : 'float32';
    } else if (Array.isArray(data)) {
      inferred = [];
      values = [];
      flatten(data, inferred, 0, values);
      if (data.length === 0) inferred = [0];
      dtype ??= values.length && typeof values[0] === 'bigint' ? 'int64' : 'float32';
    } else if (typeof data === 'number' || typeof data === 'bigint') {
      values = [data];
      inferred = [];
      dtype ??= typeof data === 'bigint' ? 'int64' : 'float32';
    } else {
      throw typeError(`tensor(): data must be a number, an array or a typed array, got ${typeof data}`);
    }
    if (!DTYPES.includes(dtype)) throw typeError(`tensor(): unknown dtype '${dtype}' (expected ${DTYPES.join(', ')})`);
    const sh = shape ? parseShape([shape], 'tensor()') : inferred;
    const n = sh.reduce((a, b) => a * b, 1);
    if (n !== values.length) {
      throw new Error(`shape '[${sh.join(', ')}]' is invalid for input of size ${values.length}`);
    }
    const t = this._alloc(dtype, sh);
    const view = t._view();
    if (dtype === 'int64') {
      for (let i = 0; i < n; i++) view[i] = BigInt(values[i]);
    } else if (values instanceof BigInt64Array || (values.length && typeof values[0] === 'bigint')) {
      for (let i = 0; i < n; i++) view[i] = Number(values[i]);
    } else {
      view.set(values);
    }
    return t;
  }

  _alloc(dtype, shape) {
    const n = shape.reduce((a, b) => a * b, 1);
    const bytes = n * ARRAY_TYPES[dtype].BYTES_PER_ELEMENT;
    // wasm returns i32: addresses above 2 GiB come back negative, hence >>> 0.
    const ptr = bytes > 2 ** 32 - 64 ? 0 : this._M._malloc(Math.max(bytes, 1)) >>> 0;
    if (!ptr) {
      const e = new RangeError(`out of memory: could not allocate ${bytes} bytes for a ${dtype} tensor of shape [${shape.join(', ')}]`);
      throw e;
    }
    return new Tensor(this, { ptr, dtype, shape });
  }

  _wrap(desc) {
    fail(desc);
    const t = new Tensor(this, desc);
    if (desc.warnings) {
      t.warnings = Array.from(desc.warnings);
      if (this._warn) for (const w of t.warnings) console.warn(`UserWarning: ${w}`);
    }
    return t;
  }

  _own(t, what) {
    if (!(t instanceof Tensor)) throw typeError(`${what} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
    if (t._lab !== this) throw new Error(`${what} belongs to another losslab instance`);
    return t._desc();
  }

  // ---- losses ------------------------------------------------------------------------------

  _lossArgs(spec, allowed, input, target, opts) {
    for (const k of Object.keys(opts)) {
      if (!allowed.has(k)) throw typeError(`${spec.name}() got an unexpected keyword argument '${k}'`);
    }
    const o = { ...opts };
    for (const p of spec.options) {
      const v = o[p.name];
      if (v == null) continue;
      if (p.kind === 'tensor') o[p.name] = this._own(v, p.name);
      else if (p.kind === 'int' && typeof v === 'bigint') o[p.name] = Number(v);
      else if (!(p.kind === 'bool' ? typeof v === 'boolean'
        : typeof v === 'number' && (p.kind !== 'int' || Number.isInteger(v)))) {
        throw typeError(`${spec.name}(): argument '${p.name}' must be ${p.kind}, not ${pyTypeName(v)}`);
      }
    }
    if (o.force_scalar != null && typeof o.force_scalar !== 'boolean') {
      throw typeError(`${spec.name}(): argument 'force_scalar' must be bool, not ${pyTypeName(o.force_scalar)}`);
    }
    if (o.reduction !== undefined && typeof o.reduction !== 'string') {
      throw new Error(`${String(o.reduction)} is not a valid value for reduction`);
    }
    return [this._own(input, 'input'), this._own(target, 'target'), o];
  }

  _loss(spec, allowed, input, target, opts) {
    const [i, t, o] = this._lossArgs(spec, allowed, input, target, opts);
    const packed = this._packedLoss(spec, i, t, o);
    if (packed) return packed;
    return this._wrap(this._M.lossForward(spec.name, i, t, o));
  }

  // The same call through a buffer of doubles in wasm memory (layout: loss_forward_packed in
  // wasm/bindings.cpp) instead of Embind property reads: ~1 us instead of ~10 per call. Returns
  // undefined for any option it does not encode (a non-number, an unknown reduction, a very
  // high-dimensional tensor), and the call then takes the general path, errors and all.
  _packedLoss(spec, i, t, o) {
    const M = this._M;
    if (this._packBuf !== M.HEAPU8.buffer) {   // (re)made after the heap grows
      this._packBuf = M.HEAPU8.buffer;
      this._pack = new Float64Array(this._packBuf, this._packPtr, PACK_SLOTS);
    }
    const a = this._pack;
    let k = 0;
    const put = (d) => {
      a[k++] = DTYPE_CODES[d.dtype];
      a[k++] = d.ptr;
      a[k++] = d.shape.length;
      for (let j = 0; j < d.shape.length; j++) a[k++] = d.shape[j];
    };
    const num = (v) => (v === undefined || v === null ? NaN : typeof v === 'number' ? v : undefined);
    const w = o.weight ?? null, pw = o.pos_weight ?? null;
    const dims = i.shape.length + t.shape.length + (w ? w.shape.length : 0) + (pw ? pw.shape.length : 0);
    if (dims > PACK_SLOTS - 32) return undefined;
    let red = -1;
    if (o.reduction !== undefined) {
      red = REDUCTION_CODES[o.reduction];
      if (red === undefined) return undefined;
    }
    const beta = num(o.beta), delta = num(o.delta), ls = num(o.label_smoothing);
    const ii = num(o.ignore_index);
    if (beta === undefined || delta === undefined || ls === undefined || ii === undefined) return undefined;
    const lt = o.log_target, fs = o.force_scalar;
    if ((lt != null && typeof lt !== 'boolean') || (fs != null && typeof fs !== 'boolean')) return undefined;
    put(i);
    put(t);
    a[k++] = red;
    a[k++] = beta;
    a[k++] = delta;
    a[k++] = ls;
    a[k++] = ii;
    a[k++] = lt == null ? -1 : lt ? 1 : 0;
    a[k++] = fs ? 1 : 0;
    a[k++] = w ? 1 : 0;
    if (w) put(w);
    a[k++] = pw ? 1 : 0;
    if (pw) put(pw);
    if (M.lossForwardPacked(this._lossIndex.get(spec.name)) !== 0) throw M.lastError();
    // (M.HEAPU8.buffer may have grown during the call; the view is renewed on the next one.)
    const r = new Float64Array(M.HEAPU8.buffer, this._packPtr, PACK_SLOTS);
    const nd = r[2];
    const shape = new Array(nd);
    for (let j = 0; j < nd; j++) shape[j] = r[3 + j];
    const desc = { dtype: DTYPE_NAMES[r[0]], ptr: r[1], shape };
    if (r[3 + nd] > 0) desc.warnings = M.lastWarnings();
    return this._wrap(desc);
  }

  _activation(name, input, opts) {
    const dim = opts?.dim ?? null;
    return this._wrap(this._M.activationForward(name, this._own(input, 'input'), dim,
      !!opts?.force_scalar));
  }

  /**
   * d loss / d input, as PyTorch's autograd computes it.
   * grad(name, input, target, options, grad_output) for losses;
   * grad('log_softmax' | 'softmax', input, null, { dim }, grad_output) for activations.
   */
  grad(name, input, target, options = {}, gradOutput = null) {
    const g = gradOutput == null ? null : this._own(gradOutput, 'grad_output');
    const spec = this.registry.losses.find((s) => s.name === name);
    if (spec) {
      const allowed = new Set(['reduction', 'force_scalar', ...spec.options.map((o) => o.name)]);
      const [i, t, o] = this._lossArgs(spec, allowed, input, target, options ?? {});
      return this._wrap(this._M.lossBackward(name, i, t, o, g));
    }
    if (this.registry.activations.some((s) => s.name === name)) {
      return this._wrap(this._M.activationBackward(name, this._own(input, 'input'),
        options?.dim ?? null, g));
    }
    throw new Error(`unknown loss or activation '${name}'`);
  }

  // ---- generator and ops -------------------------------------------------------------------

  /** torch.manual_seed(seed): number or BigInt, 0 … 2**64−1 (negatives wrap). */
  manual_seed(seed) {
    this._defaultGenerator.manual_seed(seed);
    return this._defaultGenerator;
  }
  initial_seed() { return this._defaultGenerator.initial_seed(); }
  default_generator() { return this._defaultGenerator; }

  _genOf(opts) {
    const g = opts?.generator ?? this._defaultGenerator;
    if (!(g instanceof Generator) || g._lab !== this) throw typeError('generator must be a Generator of this losslab instance');
    return g._g;
  }

  _drawArgs(args) {
    let opts = {};
    if (args.length && typeof args[args.length - 1] === 'object' && !Array.isArray(args[args.length - 1]) &&
        !ArrayBuffer.isView(args[args.length - 1])) {
      opts = args[args.length - 1];
      args = args.slice(0, -1);
    }
    return [args, opts];
  }

  /** torch.rand(shape, {dtype, generator}) */
  rand(...args) {
    const [a, opts] = this._drawArgs(args);
    return this._wrap(this._M.draw(this._genOf(opts), 'rand', parseShape(a, 'rand'), opts.dtype ?? 'float32'));
  }

  /** torch.randn(shape, {dtype, generator}) */
  randn(...args) {
    const [a, opts] = this._drawArgs(args);
    return this._wrap(this._M.draw(this._genOf(opts), 'randn', parseShape(a, 'randn'), opts.dtype ?? 'float32'));
  }

  /** torch.randint(low, high, shape, {dtype, generator}); torch.randint(high, shape) too. */
  randint(...args) {
    const [a, opts] = this._drawArgs(args);
    let low = 0, high, shape;
    if (a.length === 2) [high, shape] = a;
    else [low, high, shape] = a;
    const int = (v, what) => {
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v).toString();
      throw typeError(`randint(): ${what} must be an integer, got ${String(v)}`);
    };
    return this._wrap(this._M.drawInt(this._genOf(opts), int(low, 'low'), int(high, 'high'),
      parseShape([shape], 'randint'), opts.dtype ?? 'int64'));
  }

  /** torch.mm(a, b) */
  mm(a, b) { return this._wrap(this._M.mm(this._own(a, 'self'), this._own(b, 'mat2'))); }
  /** torch.sigmoid(t) */
  sigmoid(t) { return this._wrap(this._M.sigmoid(this._own(t, 'input'))); }

  /** The lesson's data set-ups: 'regression' | 'binary' | 'multiclass'. */
  recipe(name, { n, c = 3, seed = 420 } = {}) {
    const s = toBigSeed(seed);
    const r = fail(this._M.recipe(String(name), Number(s & 0xffffffffn), Number(s >> 32n),
      Number(n ?? (name === 'binary' ? 3000000 : name === 'multiclass' ? 300 : 50)), Number(c)));
    const out = {};
    for (const k of Object.keys(r)) out[k] = new Tensor(this, r[k]);
    return out;
  }

  /** Histogram of a tensor computed in wasm: {min, max, counts, nonFinite}. */
  histogram(t, bins = 64) {
    const h = fail(this._M.histogram(this._own(t, 'input'), bins));
    return { min: h.min, max: h.max, nonFinite: h.nonFinite, counts: Array.from(h.counts) };
  }

  /** Bytes in the wasm heap (grows on demand up to 4 GiB). */
  heapBytes() { return this._M.HEAPU8.length; }
}

// The packed loss call (see _packedLoss): the core's DType and Reduction enums, in order.
const PACK_SLOTS = 512;
const DTYPE_NAMES = ['float32', 'float64', 'int64', 'int32'];
const DTYPE_CODES = { float32: 0, float64: 1, int64: 2, int32: 3 };
const REDUCTION_CODES = { none: 0, mean: 1, sum: 2, batchmean: 3 };

class Generator {
  constructor(lab) {
    this._lab = lab;
    this._g = new lab._M.Generator();
    lab._freer.register(this, this._g, this);
  }
  /** manual_seed(seed): only the low 32 bits seed MT19937, as in torch. */
  manual_seed(seed) {
    const s = toBigSeed(seed);
    this._g.manualSeed(Number(s & 0xffffffffn), Number(s >> 32n));
    return this;
  }
  /** The full 64-bit seed, as a BigInt. */
  initial_seed() { return BigInt(this._g.initialSeed()); }
  dispose() {
    if (!this._g) return;
    this._lab._freer.unregister(this);
    this._g.delete();
    this._g = null;
  }
}

class Tensor {
  constructor(lab, desc) {
    this._lab = lab;
    this._ptr = desc.ptr >>> 0;
    this._dtype = desc.dtype;
    this._shape = Array.from(desc.shape);
    lab._freer.register(this, desc.ptr, this);
  }
  get dtype() { return this._dtype; }
  get shape() { return this._shape.slice(); }
  get ndim() { return this._shape.length; }
  dim() { return this._shape.length; }
  size(d) { return d === undefined ? this.shape : this._shape[d < 0 ? d + this._shape.length : d]; }
  numel() { return this._shape.reduce((a, b) => a * b, 1); }
  get disposed() { return this._ptr === 0; }

  _desc() {
    if (!this._ptr) throw new Error('this tensor was disposed');
    return { ptr: this._ptr, dtype: this._dtype, shape: this._shape };
  }
  // A live view of the heap (invalid after the heap grows: use at once).
  _view() {
    this._desc();
    return new ARRAY_TYPES[this._dtype](this._lab._M.HEAPU8.buffer, this._ptr, this.numel());
  }

  /** A row-major copy: Float32Array | Float64Array | BigInt64Array | Int32Array. */
  toArray() { return this._view().slice(); }
  /** The single value as a Number (int64 too; exact up to 2**53). */
  item() {
    const n = this.numel();
    if (n !== 1) throw new Error(`a Tensor with ${n} elements cannot be converted to Scalar`);
    const v = this._view()[0];
    return typeof v === 'bigint' ? Number(v) : v;
  }
  /** PyTorch 1.13's print, e.g. 'tensor(2.4869)'. */
  toString() { return this._lab._M.repr(this._desc()); }
  [Symbol.for('nodejs.util.inspect.custom')]() { return this._ptr ? this.toString() : 'tensor(<disposed>)'; }

  /** Frees the heap buffer now (idempotent). */
  dispose() {
    if (!this._ptr) return;
    this._lab._freer.unregister(this);
    this._lab._M._free(this._ptr);
    this._ptr = 0;
  }

  t() { return this._lab._wrap(this._lab._M.t(this._desc())); }
  to(dtype) { return this._lab._wrap(this._lab._M.to(this._desc(), dtype)); }
  long() { return this.to('int64'); }
  int() { return this.to('int32'); }
  float() { return this.to('float32'); }
  double() { return this.to('float64'); }
}

export { Tensor, Generator };
