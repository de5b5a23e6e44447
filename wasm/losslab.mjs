// losslab's JS API: a PyTorch-shaped surface over the wasm core.
//   import { createLossLab } from 'losslab';
//   const torch = await createLossLab();            // { simd: false } forces the scalar build
//                                                   // { threads: n }: the threaded build's count
//   torch.nn.functional.mse_loss(a, b, { reduction: 'mean' }).toString()  // 'tensor(2.4869)'
// Tensors live in the wasm heap: data crosses once, results stay there until toArray().
// They are freed by dispose() and, if forgotten, by a FinalizationRegistry.
// Errors come back from C++ as values and are thrown here with PyTorch's message; their
// `name` is PyTorch's exception class (RuntimeError, ValueError, IndexError) or RangeError (OOM).

import { isNode, compileWasm, canLoadSync, deferredPart, poolLoaded } from './load.mjs';
import { installTensorOps, installMethods } from './tensor_ops.mjs';
import { fusionMethods, FUSE_MIN_ELEMENTS } from './fuse.mjs';
import { makeNn, makeOptim } from './nn.mjs';

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

/** True when this engine can run the SIMD + threads build: shared memory and a cross-origin
 *  isolated page or worker (COOP/COEP), outside Node (the build's glue is for the web). */
export function threadsSupported() {
  return !isNode && typeof SharedArrayBuffer === 'function' &&
    globalThis.crossOriginIsolated === true && simdSupported();
}

// createLossLab's default thread count: the machine's cores, at most this many.
export const DEFAULT_MAX_THREADS = 8;
const MAX_THREADS = 16;   // the core's kMaxThreads

function threadCount(v, what) {
  if (!Number.isInteger(v)) throw new TypeError(`${what} must be an integer, got ${String(v)}`);
  if (v < 1 || v > MAX_THREADS) throw new RangeError(`${what} must be between 1 and ${MAX_THREADS}, got ${v}`);
  return v;
}

const ARRAY_TYPES = {
  float32: Float32Array, float64: Float64Array, int64: BigInt64Array, int32: Int32Array,
  bool: Uint8Array,   // one byte per element, 0 or 1
};
const DTYPES = Object.keys(ARRAY_TYPES);
// Only this module makes Tensors (a Tensor is a heap address it owns): the exported class is for
// instanceof checks, and `new Tensor(...)` from outside is a TypeError.
const INTERNAL = Symbol('losslab.internal');
const EMPTY = Object.freeze([]);
const NO_OPTIONS = Object.freeze({});   // a call without options (read, never written)

// A tensor descriptor into the packed buffer a from slot k: [dtype code, ptr, ndim, dims...];
// returns the next slot.
function putDesc(a, k, codes, d) {
  const sh = d.shape;
  a[k++] = codes[d.dtype];
  a[k++] = d.ptr;
  a[k++] = sh.length;
  for (let j = 0; j < sh.length; j++) a[k++] = sh[j];
  return k;
}

/**
 * Loads a wasm build and returns a PyTorch-like namespace.
 * @param {{simd?: boolean, baseUrl?: string|URL, warnings?: 'console'|'silent', fuse?: boolean, fuseMinElements?: number, wasmModule?: WebAssembly.Module}} [options]
 * wasmModule: the flavour's wasm already compiled (WebAssembly.compileStreaming), instantiated
 * instead of fetched and compiled again.
 * fuse (default true): elementwise float32 chains of at least fuseMinElements (default 2048)
 * elements run in one pass when a value is needed (LossLab._defer); false computes every op at
 * once (the same values: for comparison).
 */
export async function createLossLab(options = {}) {
  const wantSimd = options.simd ?? true;
  const cores = typeof navigator === 'object' && navigator.hardwareConcurrency > 0
    ? navigator.hardwareConcurrency : 1;
  const threads = options.threads == null
    ? Math.max(1, Math.min(cores, DEFAULT_MAX_THREADS))
    : threadCount(options.threads, 'createLossLab(): threads');
  // The threaded build for two threads or more where it can run; elsewhere (and for
  // threads: 1) the single-thread builds.
  const threaded = wantSimd && threads > 1 && threadsSupported();
  const flavor = threaded ? 'simd-threads' : wantSimd && simdSupported() ? 'simd' : 'scalar';
  const base = new URL(options.baseUrl ?? './', import.meta.url);
  const glueUrl = new URL(`losslab-${flavor}.mjs`, base).href;
  const { default: factory } = await import(glueUrl);
  const wasmUrl = new URL(`losslab-${flavor}.wasm`, base);
  const moduleArg = {};   // a fresh object per instance (Embind registers names on it)
  if (threaded) {
    // the pool's workers, started with the module: set_num_threads may use up to threads
    moduleArg.losslabWorkers = threads - 1;
    moduleArg.mainScriptUrlOrBlob = glueUrl;   // what each worker imports
  }
  // A module compiled elsewhere (the playground compiles it on the page while its worker starts)
  // is used only if it is the flavour picked here: the threaded build imports its (shared)
  // memory, the others do not. Another flavour's module is left aside and this one fetched.
  const given = options.wasmModule instanceof WebAssembly.Module ? options.wasmModule : null;
  const givenThreaded = given && WebAssembly.Module.imports(given).some((i) => i.kind === 'memory');
  const mod = given && givenThreaded === threaded ? given : await compileWasm(wasmUrl);
  // A split build (the site's SIMD builds, scripts/split-wasm.mjs) has its rarely used functions
  // in a second file, imported as placeholders until that file is instantiated (deferredPart).
  const deferred = WebAssembly.Module.imports(mod).some((i) => i.module === 'placeholder')
    ? await deferredPart(new URL(`losslab-${flavor}.deferred.wasm`, base)) : null;
  if (deferred) {
    deferred.attach(moduleArg);   // the glue's Module: moduleArg itself, its exports in .asm
    // (the glue's own placeholder handler, still used by a threaded build's pool workers, logs
    // every call on stderr: deferredPart counts them instead)
    moduleArg.printErr = (s) => {
      if (!/^(placeholder function called|instantiated deferred module)/.test(s)) console.warn(s);
    };
  }
  moduleArg.instantiateWasm = (imports, receive) => {
    if (deferred) imports.placeholder = deferred.placeholders();
    WebAssembly.instantiate(mod, imports).then((inst) => {
      deferred?.setTable(inst);
      receive(inst, mod);
    });
    return {};
  };
  const M = await factory(moduleArg);
  const lab = new LossLab(M, flavor, options);
  if (deferred) {
    lab._deferred = deferred;
    // A page's main thread cannot compile or instantiate a large module synchronously, so there
    // the deferred part is in before the lab is handed out; elsewhere it loads in the background
    // (deferred: 'manual' leaves the start to loadDeferred(), e.g. after a first result).
    if (!canLoadSync()) await deferred.load();
    else if (options.deferred !== 'manual') deferred.load().catch(() => {});
  }
  if (threaded) {
    // The pool's workers load the module in the background (PTHREAD_POOL_DELAY_LOAD): threads
    // are created once they all have, since a thread on a worker still loading cannot start
    // while this one waits for it (with threadStart: 'background', also once a split build's
    // deferred part is in). threadStart: 'background' hands the lab out at once (one thread
    // until then; set_num_threads meanwhile is applied when the pool is in).
    const loaded = poolLoaded(M);
    if (options.threadStart === 'background') {
      lab._wantThreads = threads;
      lab._poolReady = Promise.all([loaded, deferred?.whenIn()]).then(() => {
        const n = lab._wantThreads;
        lab._wantThreads = null;
        lab._M.setNumThreads(Math.min(n, lab.maxThreads));
      });
    } else {
      await loaded;
      lab.set_num_threads(threads);
    }
  }
  return lab;
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

// An Error whose name is PyTorch's exception class (ValueError, RuntimeError, IndexError).
// A generator's dtype, checked before it crosses (Embind's own conversion error leaks what it
// had converted): torch's TypeError for a non-dtype, one of DTYPES, or the default.
function drawDtype(fn, dtype, dflt) {
  if (dtype === undefined || dtype === null) return dflt;
  if (typeof dtype !== 'string') throw typeError(`${fn}(): argument 'dtype' must be torch.dtype, not ${pyTypeName(dtype)}`);
  if (!DTYPES.includes(dtype)) throw typeError(`${fn}(): dtype must be one of ${DTYPES.join(', ')}, got '${dtype}'`);
  return dtype;
}

function pyError(type, msg) {
  const e = new Error(msg);
  e.name = type;
  return e;
}

// A JS integer (Number or BigInt) as a BigInt in int64's range; `bad` makes the TypeError for
// anything else. Out of range is PyTorch's "Overflow when unpacking long".
function toInt64(v, bad = () => typeError(`expected an integer, got ${pyTypeName(v)}`)) {
  let b;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
  else throw bad();
  if (b < -(2n ** 63n) || b >= 2n ** 63n) throw pyError('RuntimeError', 'Overflow when unpacking long');
  return b;
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
    if (Number.isInteger(d) && d >= 2 ** 63) throw pyError('RuntimeError', 'Overflow when unpacking long');
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

// A deferred chain's limits: instructions (operands included) and distinct input buffers.

class LossLab {
  constructor(M, flavor, options) {
    this._M = M;
    this._warn = options.warnings !== 'silent';
    this._fuse = options.fuse ?? true;
    // below this many elements a chain is not worth deferring (the bookkeeping costs more than
    // the passes over memory it saves)
    this._fuseMin = options.fuseMinElements ?? FUSE_MIN_ELEMENTS;
    this._freer = new FinalizationRegistry((held) => {
      if (typeof held === 'number') M._free(held);
      else if (held.var) M.varRelease(held.var);   // a tensor autograd knows (a core Var)
      else if (held.unpin) {   // a deferred chain nobody computed
        this._lazy.delete(held.ref);
        this._unpin(held.unpin);
      }
      else held.delete();   // an Embind object (Generator)
    });
    this._gradOn = true;   // torch.is_grad_enabled(), mirrored in the core
    this._scopes = [];     // torch.tidy's scopes: the tensors made inside each
    this._lazy = new Set();   // the deferred tensors not yet computed (WeakRefs)
    this._pinned = new Map(); // buffer address -> pending chains reading it (any tensor on it)
    this._deferred = null;    // a split build's deferred part (createLossLab)
    this._poolReady = null;   // the threaded build's pool, while it loads (threadStart: 'background')
    this._wantThreads = null; // the thread count to set once it has
    /** 'simd-threads', 'simd' or 'scalar': which wasm build is running. */
    this.flavor = flavor;
    /** The most threads set_num_threads can give (the threaded build's workers + 1; else 1). */
    this.maxThreads = M.threadsBuilt() ? (M.losslabWorkers ?? 0) + 1 : 1;
    /** The core's SIMD target ('wasm-simd128' or 'scalar'). */
    this.arch = M.simdArch();
    this._specInfos = new Map();   // spec -> what every call asks of it (_specInfo)
    // The threaded build's memory can grow in a pool thread (a task's malloc), which leaves the
    // glue's HEAP* views on the old, shorter SharedArrayBuffer: read the memory's own buffer.
    this._mem = M.threadsBuilt() && M.wasmMemory ? M.wasmMemory : null;
    const reg = M.registry();
    const abi = M.abi();
    this._abi = {
      dtypeCode: Object.fromEntries(abi.dtypes.map((d, i) => [d, i])),
      dtypeName: Array.from(abi.dtypes),
      reductionCode: Object.fromEntries(abi.reductions.map((r, i) => [r, i])),
      f32: abi.dtypes.indexOf('float32'),
      f64: abi.dtypes.indexOf('float64'),
    };
    this._views = { buf: null, f32: null, f64: null };
    this._packPtr = M._losslab_pack_buffer() >>> 0;
    this._packSlots = abi.slots;
    this._packBuf = null;
    /** The registry: losses (operands, options with defaults and ranges, reductions, targets,
     *  exactness), the distances, and the activations. */
    this.registry = Object.freeze({ losses: reg.losses, activations: reg.activations });
    this._specs = new Map();
    this._index = new Map();   // loss spec -> its number in the bindings' packed calls
    reg.losses.forEach((spec, index) => {
      this._specs.set(spec.name, { spec, index, act: false });
      this._index.set(spec, index);
    });
    reg.activations.forEach((spec, index) => this._specs.set(spec.name, { spec, index, act: true }));
    // The internal specs (after the losses in the numbering): the triplet loss from the
    // distances a JS distance_function gave, by the public name it serves.
    this._fromDistances = new Map();
    reg.internal.forEach((spec, i) => {
      this._index.set(spec, reg.losses.length + i);
      this._fromDistances.set(spec.name, spec);
    });
    this._defaultGenerator = new Generator(this);
    /** torch.random: manual_seed / initial_seed (the lesson's torch.random.manual_seed(420)). */
    this.random = Object.freeze({
      manual_seed: (seed) => this.manual_seed(seed),
      initial_seed: () => this.initial_seed(),
    });
    const self = this;
    const F = {};
    for (const spec of reg.losses) {
      const n = spec.operands.length;
      // (two operands, the common case, without a rest array: the small calls' hot path)
      F[spec.name] = n === 2
        ? function loss(a, b, opts) {
          return self._lossForward(spec, arguments.length >= 2 ? [a, b] : Array.from(arguments), opts);
        }
        : function loss(...args) {
          return self._lossForward(spec, args.slice(0, n), args.length > n ? args[n] : undefined);
        };
    }
    for (const spec of reg.activations) {
      F[spec.name] = function activation(input, opts) {
        return self._activation(spec, input, opts, false, null);
      };
    }
    /** F.linear(input, weight, bias = null): input W^T + b (torch.addmm; input 2-D). */
    F.linear = function linear(input, weight, bias = null) { return self._linear(input, weight, bias); };
    /** F.relu / F.tanh / F.sigmoid: torch.relu / tanh / sigmoid. */
    F.relu = (input) => self.relu(input);
    F.tanh = (input) => self.tanh(input);
    F.sigmoid = (input) => self.sigmoid(input);
    const helpers = { typeError, pyError, pyTypeName, toInt64 };
    /** torch.nn: a module for every loss and activation of the registry, Linear, Sequential,
     *  Sigmoid, Parameter, init, and functional (F). */
    this.nn = makeNn(this, Object.freeze(F), Tensor, helpers);
    /** torch.optim: SGD. */
    this.optim = makeOptim(this, Tensor, helpers);
    this.Generator = class extends Generator {
      constructor() { super(self); }
    };
  }

  // ---- tensors -----------------------------------------------------------------------------

  /** torch.tensor(data, {dtype, shape}): arrays, nested arrays or typed arrays. */
  tensor(data, { dtype, shape, requires_grad } = {}) {
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
      dtype ??= values.length && typeof values[0] === 'bigint' ? 'int64'
        : values.length && values.every((v) => typeof v === 'boolean') ? 'bool' : 'float32';
    } else if (typeof data === 'number' || typeof data === 'bigint' || typeof data === 'boolean') {
      values = [data];
      inferred = [];
      dtype ??= typeof data === 'bigint' ? 'int64' : typeof data === 'boolean' ? 'bool' : 'float32';
    } else {
      throw typeError(`tensor(): data must be a number, an array or a typed array, got ${typeof data}`);
    }
    if (!DTYPES.includes(dtype)) throw typeError(`tensor(): unknown dtype '${dtype}' (expected ${DTYPES.join(', ')})`);
    const sh = shape ? parseShape([shape], 'tensor()') : inferred;
    const n = sh.reduce((a, b) => a * b, 1);
    if (n !== values.length) {
      throw new Error(`shape '[${sh.join(', ')}]' is invalid for input of size ${values.length}`);
    }
    let anyBig = values instanceof BigInt64Array;
    if (!ArrayBuffer.isView(values)) {
      for (const v of values) {
        if (typeof v === 'bigint') anyBig = true;
        else if (typeof v === 'string') throw pyError('ValueError', "too many dimensions 'str'");
        else if (typeof v !== 'number' && typeof v !== 'boolean') throw pyError('RuntimeError', `Could not infer dtype of ${v === null || v === undefined ? 'NoneType' : pyTypeName(v)}`);
      }
    }
    const fits = (dtype === 'int32' && values instanceof Int32Array) ||
      (dtype === 'int64' && (values instanceof BigInt64Array || values instanceof Int32Array));
    if ((dtype === 'int64' || dtype === 'int32') && !fits) {
      // torch truncates floats toward zero and refuses what the integer type cannot hold
      const e = dtype === 'int64' ? 63 : 31;
      const [lo, hi] = [-(2 ** e), 2 ** e];   // exact doubles: the valid range is [lo, hi)
      const bad = () => pyError('RuntimeError', `value cannot be converted to type ${dtype} without overflow`);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v === 'bigint' ? v < BigInt(lo) || v >= BigInt(hi) : !(Math.trunc(v) >= lo && Math.trunc(v) < hi)) throw bad();
      }
    }
    const t = this._alloc(dtype, sh);
    const view = t._view();
    if (dtype === 'bool') {   // torch's bool(): anything nonzero (NaN too) is True
      for (let i = 0; i < n; i++) view[i] = typeof values[i] === 'bigint' ? (values[i] !== 0n ? 1 : 0) : (Number(values[i]) !== 0 ? 1 : 0);
    } else if (dtype === 'int64') {
      for (let i = 0; i < n; i++) view[i] = typeof values[i] === 'bigint' ? values[i] : BigInt(Math.trunc(Number(values[i])));
    } else if (anyBig || (!ArrayBuffer.isView(values) && values.some((v) => typeof v === 'boolean'))) {
      for (let i = 0; i < n; i++) view[i] = Number(values[i]);
    } else {
      view.set(values);
    }
    if (requires_grad !== undefined) requiresGradOption(t, requires_grad, 'tensor');
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
    return new Tensor(this, { ptr, dtype, shape }, INTERNAL);
  }

  _wrap(desc) {
    fail(desc);
    const t = new Tensor(this, desc, INTERNAL);
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
  // Every argument is checked and converted here, before anything crosses into wasm: the core
  // receives only numbers in the packed buffer (layout: wasm/bindings.cpp), so nothing can throw
  // while a wasm frame is live.

  // What the hot path asks of a spec on every call, worked out once: the option names it knows,
  // its tensor and callable options, whether an operand may be a list.
  _specInfo(spec) {
    let info = this._specInfos.get(spec);
    if (!info) {
      const reduction = (spec.reductions?.length ?? 0) > 0;   // losses; not distances, activations
      const known = new Set(['force_scalar', ...spec.options.map((o) => o.name)]);
      if (reduction) known.add('reduction');
      info = {
        reduction, known,
        tensorOptions: spec.options.filter((o) => o.kind === 'tensor'),
        callableOptions: spec.options.filter((o) => o.kind === 'callable'),
        listy: (spec.operands ?? []).some((o) => o.dtypes?.includes('list')),
        index: this._index.get(spec),   // the loss's index in the core's list (losses only)
      };
      this._specInfos.set(spec, info);
    }
    return info;
  }

  _checkOptions(spec, opts, info = this._specInfo(spec)) {
    const { reduction, known } = info;
    if (opts == null) return NO_OPTIONS;
    if (typeof opts !== 'object' || Array.isArray(opts) || opts instanceof Tensor) {
      throw typeError(`${spec.name}(): options must be an object, got ${pyTypeName(opts)}`);
    }
    for (const k in opts) {
      if (!Object.hasOwn(opts, k)) continue;
      if (!known.has(k)) throw typeError(`${spec.name}() got an unexpected keyword argument '${k}'`);
    }
    for (const p of spec.options) {
      const v = opts[p.name];
      if (v == null) continue;
      const bad = () => typeError(`${spec.name}(): argument '${p.name}' must be ${p.kind === 'tensor' ? 'Tensor' : p.kind === 'callable' ? 'callable' : p.kind === 'dtype' ? 'torch.dtype' : p.kind}, not ${pyTypeName(v)}`);
      switch (p.kind) {
        case 'float': if (typeof v !== 'number' && typeof v !== 'bigint') throw bad(); break;
        case 'int': toInt64(v, bad); break;
        case 'bool': if (typeof v !== 'boolean') throw bad(); break;
        case 'tensor': if (!(v instanceof Tensor)) throw bad(); this._own(v, p.name); break;
        case 'dtype': if (typeof v !== 'string' || !(v in this._abi.dtypeCode)) throw bad(); break;
        case 'callable': if (typeof v !== 'function') throw bad(); break;
        default: throw bad();
      }
    }
    if (opts.force_scalar != null && typeof opts.force_scalar !== 'boolean') {
      throw typeError(`${spec.name}(): argument 'force_scalar' must be bool, not ${pyTypeName(opts.force_scalar)}`);
    }
    if (reduction && opts.reduction !== undefined) {
      if (typeof opts.reduction !== 'string' || !spec.reductions.includes(opts.reduction)) {
        const msg = spec.reductionMessage ?? '{} is not a valid value for reduction';
        throw pyError('ValueError', msg.replace('{}', String(opts.reduction)));
      }
    }
    return opts;
  }

  // Operands as descriptors; arrays where the spec allows them become temporary int64 tensors
  // (pushed onto `temps`, freed after the call).
  _operands(spec, args, temps, info = this._specInfo(spec)) {
    if (args.length < spec.operands.length) {
      const missing = spec.operands.slice(args.length).map((o) => `'${o.name}'`);
      throw typeError(`${spec.name}() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
    }
    const own = (v, k) => {
      if (!(v instanceof Tensor)) throw typeError(`${spec.name}(): argument '${spec.operands[k].name}' (position ${k + 1}) must be Tensor, not ${pyTypeName(v)}`);
      return this._own(v, spec.operands[k].name);
    };
    if (!info.listy) {   // (every operand a Tensor: the hot path, no intermediate arrays)
      const descs = new Array(spec.operands.length);
      for (let k = 0; k < descs.length; k++) descs[k] = own(args[k], k);
      return descs;
    }
    // torch's overloads take the list-or-Tensor operands (ctc's lengths) all as lists or all as
    // Tensors; a mix matches neither (torch prints its whole overload list; we name the operands).
    const listy = spec.operands.map((o, k) => [o, args[k]]).filter(([o]) => o.dtypes.includes('list'));
    if (listy.some(([, v]) => Array.isArray(v)) && listy.some(([, v]) => !Array.isArray(v))) {
      throw typeError(`${spec.name}() received an invalid combination of arguments: ${listy.map(([o]) => o.name).join(' and ')} must be all lists of ints or all Tensors`);
    }
    return spec.operands.map((o, k) => {
      let v = args[k];
      if (Array.isArray(v) && o.dtypes.includes('list')) {
        for (const e of v) {
          if (!(typeof e === 'bigint' || (typeof e === 'number' && Number.isInteger(e)))) {
            throw typeError(`${spec.name}(): ${o.name} must be a Tensor or a list of ints, got an element of type ${pyTypeName(e)}`);
          }
        }
        v = this.tensor(v.map((e) => BigInt(e)), { dtype: 'int64' });
        temps.push(v);
      }
      return own(v, k);
    });
  }

  // Writes a call into the packed buffer in the registry's layout (wasm/bindings.cpp): flags,
  // the operands, every option in spec order, and for a backward call the grad_output tag and
  // tensor. Losses and activations share it (an activation's options are dim and dtype).
  _writeCall(spec, descs, opts, backward = false, grad = null, info = this._specInfo(spec)) {
    let slots = 16 + 8 * spec.options.length;
    for (let i = 0; i < descs.length; i++) slots += 3 + descs[i].shape.length;
    if (grad) slots += 3 + grad.shape.length;
    for (const p of info.tensorOptions) if (opts[p.name] != null) slots += 3 + opts[p.name].ndim;
    const a = this._packView(slots);
    const codes = this._abi.dtypeCode;
    let k = 0;
    const put = (d) => { k = putDesc(a, k, codes, d); };
    a[k++] = opts.force_scalar ? 1 : 0;
    a[k++] = opts.reduction !== undefined ? this._abi.reductionCode[opts.reduction] : -1;
    for (let i = 0; i < descs.length; i++) k = putDesc(a, k, codes, descs[i]);
    for (const p of spec.options) {
      const v = opts[p.name];
      // A callable never crosses: _viaDistances resolves it first.
      if (p.kind === 'callable' && v != null) throw new Error(`${spec.name}(): ${p.name} reached the core`);
      if (v == null) { a[k++] = 0; continue; }
      a[k++] = 1;
      switch (p.kind) {
        case 'float': a[k++] = Number(v); break;
        case 'int': { const b = toInt64(v); a[k++] = Number(b >> 32n); a[k++] = Number(b & 0xffffffffn); break; }
        case 'bool': a[k++] = v ? 1 : 0; break;
        case 'tensor': put(v._desc()); break;
        case 'dtype': a[k++] = this._abi.dtypeCode[v]; break;
      }
    }
    if (backward) {
      a[k++] = grad ? 1 : 0;
      if (grad) put(grad);
    }
  }

  // Writes a tensor op's operands into the packed buffer (bindings.cpp's binary_packed /
  // take_packed): a descriptor is [0, dtype, ptr, ndim, dims...] (or, with bare, no leading 0),
  // a Python number [1, kind, f, hi, lo]; then runs call() and returns its tensor.
  _packedOp(items, call, bare = false) {
    let slots = 0;
    for (const it of items) slots += Array.isArray(it) ? 5 : 4 + it.shape.length;
    const a = this._packView(slots);
    let k = 0;
    for (const it of items) {
      if (Array.isArray(it)) {
        a[k++] = 1;
        for (const v of it) a[k++] = v;
        continue;
      }
      if (!bare) a[k++] = 0;
      k = putDesc(a, k, this._abi.dtypeCode, it);
    }
    if (call() !== 0) throw this._M.lastError();
    return this._forwardResult();
  }

  // A Float64Array over the packed buffer with room for n doubles (renewed when the heap grew).
  _packView(n) {
    const M = this._M;
    if (n > this._packSlots) {
      this._packPtr = M._losslab_pack_reserve(n) >>> 0;
      this._packSlots = n;
      this._packBuf = null;
    }
    const buf = this._heapBuffer();
    if (this._packBuf !== buf) {
      this._packBuf = buf;
      this._pack = new Float64Array(this._packBuf, this._packPtr, this._packSlots);
    }
    return this._pack;
  }

  // The result area after a call (the heap may have grown, the buffer may have moved).
  _resultView() {
    const ptr = this._M._losslab_pack_buffer() >>> 0, buf = this._heapBuffer();
    if (ptr !== this._packPtr || buf !== this._packBuf) {
      this._packPtr = ptr;
      this._packBuf = buf;
      this._pack = new Float64Array(buf, ptr, this._packSlots);
    }
    return this._pack;
  }

  _readTensor(r, k) {
    const nd = r[k + 2];
    const shape = new Array(nd);
    for (let j = 0; j < nd; j++) shape[j] = r[k + 3 + j];
    return [{ dtype: this._abi.dtypeName[r[k]], ptr: r[k + 1], shape }, k + 3 + nd];
  }

  _forwardResult() {
    const r = this._resultView();
    // A 0-dim float result without warnings (a reduced loss, a scalar's arithmetic) is kept on
    // the JS side: its value is read now and its 4 or 8 bytes freed, so the hot path of repeated
    // small calls registers nothing with the FinalizationRegistry and item() reads a field.
    // It gets a heap buffer again the first time something passes it to the core (_desc).
    if (r[2] === 0 && r[3] === 0 && (r[0] === this._abi.f32 || r[0] === this._abi.f64)) {
      const ptr = r[1] >>> 0, f32 = r[0] === this._abi.f32, h = this._heapViews();
      const v = f32 ? h.f32[ptr >>> 2] : h.f64[ptr >>> 3];
      this._M._free(ptr);
      return new Tensor(this, { ptr: 0, dtype: f32 ? 'float32' : 'float64', shape: EMPTY, host: v }, INTERNAL);
    }
    const [desc, k] = this._readTensor(r, 0);
    if (r[k] > 0) desc.warnings = this._M.lastWarnings();
    return this._wrap(desc);
  }

  _lossForward(spec, args, options) {
    const info = this._specInfo(spec);
    const opts = this._checkOptions(spec, options, info);
    if (this._callable(spec, opts, info)) return this._viaDistances(spec, args, opts, false);
    if (!info.listy) return this._lossForwardOn(spec, info, args, opts, this._operands(spec, args, null, info), EMPTY);
    const temps = [];   // list operands made into int64 tensors for the call
    try {
      return this._lossForwardOn(spec, info, args, opts, this._operands(spec, args, temps, info), temps);
    } finally {
      for (const t of temps) t.dispose();
    }
  }

  _lossForwardOn(spec, info, args, opts, descs, temps) {
    const tensorOpts = info.tensorOptions.length
      ? info.tensorOptions.filter((p) => opts[p.name] != null).map((p) => opts[p.name]) : EMPTY;
    if (this._gradOn && (this._tracksAny(args) || this._tracksAny(tensorOpts))) {
      // autograd: the call in the packed buffer, and the handles of its tensors (operands as
      // given or converted from lists, then the tensor options) for the node to keep
      let j = 0;
      const ts = spec.operands.map((o, k) => (args[k] instanceof Tensor ? args[k] : temps[j++]));
      const handles = [...ts, ...tensorOpts].map((t) => t._handle());
      this._writeCall(spec, descs, opts, false, null, info);
      return this._wrap(this._M.agLossPacked(this._index.get(spec), handles));
    }
    this._writeCall(spec, descs, opts, false, null, info);
    if (this._M._losslab_loss_forward(info.index) !== 0) throw this._M.lastError();
    const t = this._forwardResult();
    // Where a per-row value came from (a distance, a 'none' loss), so that a distance_function
    // returning it can be differentiated (_viaDistances); reduced losses, the hot path of
    // repeated calls, and list operands (temporaries) record none.
    if (!temps.length && (spec.kind === 'distance' || opts.reduction === 'none')) {
      t._origin = { spec, operands: args.slice(0, spec.operands.length), options: { ...opts } };
    }
    return t;
  }

  // The callable option a call sets (distance_function), or null.
  _callable(spec, opts, info = this._specInfo(spec)) {
    const { callableOptions } = info;
    if (!callableOptions.length) return null;
    const p = callableOptions.find((o) => opts[o.name] != null);
    return p ? opts[p.name] : null;
  }

  // triplet_margin_with_distance_loss with a JS distance_function, as torch's Python runs it:
  // d(a, p), d(a, n) and with swap d(p, n) by the function (here, outside any wasm frame), then
  // the rest in the core (the internal spec: the same code from the distances on). Its gradient
  // chains d loss / d each distance through the function's result when that result is the value
  // of a losslab function of the operands (F.pairwise_distance, F.cosine_similarity, ...: its
  // origin); anything else needs autograd over tensor code, and is refused.
  _viaDistances(spec, args, opts, backward, gradOutput = null) {
    const fn = this._callable(spec, opts);
    const tail = this._fromDistances.get(spec.name);
    if (!tail) throw pyError('NotImplementedError', `${spec.name}(): a callable option is not supported`);
    this._operands(spec, args, []);   // the operands' own checks (Tensors of this instance)
    const [a, p, n] = args;
    const pairs = [[a, p], [a, n]];
    if (opts.swap) pairs.push([p, n]);
    const d = pairs.map(([x, y]) => {
      const r = fn(x, y);
      if (!(r instanceof Tensor) || r._lab !== this) {
        throw typeError(`${spec.name}(): distance_function must return a Tensor of this losslab instance, got ${pyTypeName(r)}`);
      }
      return r;
    });
    if (!opts.swap) d.push(d[1]);   // dist_swap is read only with swap
    const tailOpts = { reduction: opts.reduction, force_scalar: opts.force_scalar, margin: opts.margin, swap: opts.swap };
    if (!backward) return this._lossForward(tail, d, tailOpts);
    const gd = this._lossBackward(tail, d, tailOpts, gradOutput);
    const grads = [null, null, null];
    for (let k = 0; k < pairs.length; k++) {
      const o = d[k]._origin;
      const why = !o ? 'is not the value of a losslab function'
        : o.operands.some((t, j) => o.spec.operands[j].differentiable && !args.includes(t))
          ? 'depends on a tensor other than anchor, positive and negative' : null;
      if (why) {
        throw pyError('NotImplementedError', `torch.grad('${spec.name}'): distance_function's result ${why} (e.g. F.pairwise_distance(x1, x2)); for other tensor code use autograd: give the operands requires_grad and call backward() on the loss`);
      }
      const g = this._lossBackward(o.spec, o.operands, o.options, gd[k]);
      gd[k].dispose();
      o.operands.forEach((t, j) => {
        const i = args.indexOf(t);
        if (!g[j]) return;
        if (i < 0 || i > 2) { g[j].dispose(); return; }
        if (!grads[i]) { grads[i] = g[j]; return; }
        const sum = this._wrap(this._M.addSame(grads[i]._desc(), g[j]._desc()));
        grads[i].dispose();
        g[j].dispose();
        grads[i] = sum;
      });
    }
    return grads;
  }

  // d loss / d each operand in `want` (bit k: operand k; default every differentiable one);
  // null elsewhere.
  _lossBackward(spec, args, options, gradOutput, want = 0xffffffff) {
    const temps = [];
    try {
      const opts = this._checkOptions(spec, options);
      if (this._callable(spec, opts)) return this._viaDistances(spec, args, opts, true, gradOutput);
      const descs = this._operands(spec, args, temps);
      const g = gradOutput == null ? null : this._own(gradOutput, 'grad_output');
      this._writeCall(spec, descs, opts, true, g);
      if (this._M._losslab_loss_backward(this._index.get(spec), want) !== 0) throw this._M.lastError();
      const r = this._resultView();
      const out = [];
      let p = 0;
      for (let i = 0; i < spec.operands.length; i++) {
        if (r[p++] === 0) { out.push(null); continue; }
        const [desc, next] = this._readTensor(r, p);
        p = next;
        out.push(desc);
      }
      return out.map((d) => (d ? this._wrap(d) : null));
    } finally {
      for (const t of temps) t.dispose();
    }
  }

  _activation(spec, input, options, backward, gradOutput) {
    const opts = this._checkOptions(spec, options);
    const g = gradOutput == null ? null : this._own(gradOutput, 'grad_output');
    this._writeCall(spec, [this._own(input, 'input')], opts, backward, g);
    if (!backward && this._tracks(input)) {
      return this._wrap(this._M.agActivationPacked(this._specs.get(spec.name).index, input._handle()));
    }
    if (this._M._losslab_activation(this._specs.get(spec.name).index, backward ? 1 : 0) !== 0) throw this._M.lastError();
    if (!backward) return this._forwardResult();
    const [desc] = this._readTensor(this._resultView(), 0);
    return this._wrap(desc);
  }

  /**
   * Gradients, as PyTorch's autograd computes them.
   *  grad(name, [operands...], options, gradOutput) → one gradient per operand (null where the
   *    operand is not differentiable);
   *  grad(name, input, target, options, gradOutput) → d loss / d input (the two-operand form);
   *  grad('log_softmax' | 'softmax', input, null, { dim }, gradOutput) → d / d input.
   */
  grad(name, ...args) {
    const entry = this._specs.get(name);
    if (!entry) throw pyError('ValueError', `unknown loss or activation '${name}'`);
    const { spec, act } = entry;
    if (Array.isArray(args[0])) {
      const [operands, options, gradOutput] = args;
      if (act) return [this._activation(spec, operands[0], options, true, gradOutput)];
      return this._lossBackward(spec, operands, options, gradOutput);
    }
    const [input, target, options, gradOutput] = args;
    if (act) return this._activation(spec, input, options, true, gradOutput);
    return this._lossBackward(spec, [input, target], options, gradOutput, 1)[0];
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
    return this._wrap(this._M.draw(this._genOf(opts), 'rand', parseShape(a, 'rand'), drawDtype('rand', opts.dtype, 'float32')));
  }

  /** torch.randn(shape, {dtype, generator}) */
  randn(...args) {
    const [a, opts] = this._drawArgs(args);
    return this._wrap(this._M.draw(this._genOf(opts), 'randn', parseShape(a, 'randn'), drawDtype('randn', opts.dtype, 'float32')));
  }

  /** torch.randint(low, high, shape, {dtype, generator}); torch.randint(high, shape) too. */
  randint(...args) {
    const [a, opts] = this._drawArgs(args);
    const dtype = drawDtype('randint', opts.dtype, 'int64');  // types first, as torch's parser
    let low = 0, high, shape;
    if (a.length === 2) [high, shape] = a;
    else [low, high, shape] = a;
    // int64 as torch unpacks it: beyond it is "Overflow when unpacking long" (was a wrap).
    const int = (v, what) => toInt64(v, () => typeError(`randint(): ${what} must be an integer, got ${String(v)}`)).toString();
    return this._wrap(this._M.drawInt(this._genOf(opts), int(low, 'low'), int(high, 'high'),
      parseShape([shape], 'randint'), dtype));
  }

  /** torch.mm(a, b) */
  mm(a, b) {
    const [da, db] = [this._own(a, 'self'), this._own(b, 'mat2')];
    if (this._tracks(a, b)) return this._wrap(this._M.agMm(a._handle(), b._handle()));
    return this._wrap(this._M.mm(da, db));
  }
  /** torch.addmm(bias, a, b): bias + a @ b, each element fl(dot + bias) as torch's BLAS path. */
  addmm(bias, a, b) {
    const [dc, da, db] = [this._own(bias, 'self'), this._own(a, 'mat1'), this._own(b, 'mat2')];
    if (this._tracks(bias, a, b)) return this._wrap(this._M.agAddmm(bias._handle(), a._handle(), b._handle()));
    return this._wrap(this._M.addmm(dc, da, db));
  }
  _linear(input, weight, bias) {
    this._own(input, 'input');
    this._own(weight, 'weight');
    if (bias !== null && bias !== undefined) this._own(bias, 'bias');
    if (input.ndim !== 2) {
      throw pyError('NotImplementedError', `linear(): a ${input.ndim}-D input is not supported yet (2-D: [batch, in_features])`);
    }
    const wt = weight.t();
    try {
      return bias === null || bias === undefined ? this.mm(input, wt) : this.addmm(bias, input, wt);
    } finally {
      wt.dispose();
    }
  }

  // ---- scopes ------------------------------------------------------------------------------

  /**
   * torch.tidy(fn): runs fn() and then disposes every tensor made while it ran except what it
   * returns (a Tensor, or the Tensors in a returned array or plain object), what keep() marked
   * and modules' parameters (nn.Parameter). Scopes nest: what an inner tidy returns belongs to
   * the outer one.
   */
  tidy(fn) {
    if (typeof fn !== 'function') throw typeError(`tidy(): expected a function to run, got ${pyTypeName(fn)}`);
    const scope = new Set();
    this._scopes.push(scope);
    let result;
    try {
      result = fn();
      if (result && typeof result.then === 'function') {
        throw typeError('tidy(): the function returned a Promise; a scope cannot follow an async function');
      }
    } finally {
      this._scopes.pop();
      const kept = new Set();
      const collect = (v) => {
        if (v instanceof Tensor) kept.add(v);
        else if (Array.isArray(v)) v.forEach(collect);
        else if (v && Object.getPrototypeOf(v) === Object.prototype) Object.values(v).forEach(collect);
      };
      collect(result);
      const outer = this._scopes[this._scopes.length - 1];
      for (const t of scope) {
        if (kept.has(t) || t._kept) { if (outer && !t._kept) outer.add(t); } else t.dispose();
      }
    }
    return result;
  }
  /** keep(t): t survives every enclosing tidy (dispose it yourself). */
  keep(t) {
    this._own(t, 'tensor');
    t._kept = true;
    return t;
  }

  /** torch.matmul(a, b): 2-D @ 2-D is mm (other ranks are not supported yet). */
  matmul(a, b) {
    this._own(a, 'input');
    this._own(b, 'other');
    if (a.ndim !== 2 || b.ndim !== 2) {
      throw pyError('NotImplementedError', `matmul(): only 2-D @ 2-D is supported yet (got ${a.ndim}-D and ${b.ndim}-D)`);
    }
    return this.mm(a, b);
  }

  /** torch.sigmoid(t) */
  sigmoid(t) {
    const d = this._own(t, 'input');
    return this._wrap(this._tracks(t) ? this._M.agSigmoid(t._handle()) : this._M.sigmoid(d));
  }

  // ---- autograd ----------------------------------------------------------------------------
  // The graph lives in the core (autograd.hpp). A tensor joins it when it requires grad or is
  // an input of a recorded op: its buffer then belongs to a core Var and the JS tensor holds a
  // handle on it (Tensor._handle). An op takes the recorded path only when grad mode is on and
  // one of its tensors requires grad; everything else runs as before, with no handle at all.

  _tracks(...ts) {
    if (!this._gradOn) return false;
    return this._tracksAny(ts);
  }
  _tracksAny(ts) {
    for (let i = 0; i < ts.length; i++) if (ts[i] instanceof Tensor && ts[i]._rg) return true;
    return false;
  }

  /** torch.is_grad_enabled() */
  is_grad_enabled() { return this._gradOn; }
  /** torch.set_grad_enabled(mode) */
  set_grad_enabled(mode) {
    if (typeof mode !== 'boolean') throw typeError(`set_grad_enabled(): argument 'mode' must be bool, not ${pyTypeName(mode)}`);
    this._gradOn = mode;
    this._M.setGradEnabled(mode);
  }
  /** torch.no_grad(fn): runs fn() with grad mode off (restored after, also on a throw). */
  no_grad(fn) { return this._gradMode(false, fn, 'no_grad'); }
  /** torch.enable_grad(fn): runs fn() with grad mode on. */
  enable_grad(fn) { return this._gradMode(true, fn, 'enable_grad'); }
  _gradMode(mode, fn, name) {
    if (typeof fn !== 'function') throw typeError(`${name}(): expected a function to run, got ${pyTypeName(fn)}`);
    const was = this._gradOn;
    this.set_grad_enabled(mode);
    try {
      const r = fn();
      if (r && typeof r.then === 'function') {
        throw typeError(`${name}(): the function returned a Promise; grad mode cannot follow an async function (run the awaited part inside its own ${name})`);
      }
      return r;
    } finally {
      this.set_grad_enabled(was);
    }
  }

  /** The lesson's data set-ups: 'regression' | 'binary' | 'multiclass'. */
  recipe(name, { n, c = 3, seed = 420 } = {}) {
    const s = toBigSeed(seed);
    for (const [k, v] of [['n', n], ['c', c]]) {
      if (v !== undefined && !(typeof v === 'bigint' || Number.isInteger(v))) {
        throw typeError(`recipe(): ${k} must be an integer, got ${pyTypeName(v)} ${String(v)}`);
      }
    }
    const r = fail(this._M.recipe(String(name), Number(s & 0xffffffffn), Number(s >> 32n),
      Number(n ?? (name === 'binary' ? 3000000 : name === 'multiclass' ? 300 : 50)), Number(c)));
    const out = {};
    for (const k of Object.keys(r)) out[k] = new Tensor(this, r[k], INTERNAL);
    return out;
  }

  /** Histogram of a tensor computed in wasm: {min, max, counts, nonFinite}. */
  histogram(t, bins = 64) {
    if (!Number.isInteger(bins) || bins < 1 || bins > 2 ** 31 - 1) {
      throw typeError(`histogram(): bins must be a positive integer, got ${pyTypeName(bins)} ${String(bins)}`);
    }
    const h = fail(this._M.histogram(this._own(t, 'input'), bins));
    return { min: h.min, max: h.max, nonFinite: h.nonFinite, counts: Array.from(h.counts) };
  }

  /** What is allocated now: { bytes (malloc'd, not freed), storages and nodes (autograd's) }. */
  memory() { return this._M.heapInUse(); }

  /** Bytes in the wasm heap (grows on demand up to 4 GiB). */
  heapBytes() { return this._heapBuffer().byteLength; }
  /** The wasm memory's current buffer (see _mem). A growing non-shared memory detaches its old
   *  buffer (byteLength 0), so the one last seen stays valid while it has a length: a field read
   *  instead of a lookup on the large Module object on every call. */
  _heapBuffer() {
    if (this._mem) return this._mem.buffer;
    if (this._buf === undefined || this._buf.byteLength === 0) this._buf = this._M.HEAPU8.buffer;
    return this._buf;
  }
  // Float32 and Float64 views of the whole heap, renewed when it grew.
  _heapViews() {
    const v = this._views, buf = this._heapBuffer();
    if (v.buf !== buf) {
      v.buf = buf;
      v.f32 = new Float32Array(buf);
      v.f64 = new Float64Array(buf);
    }
    return v;
  }
  // Gives a host-side scalar (see _forwardResult) a heap buffer holding its value.
  _unhost(t) {
    const bytes = t._dtype === 'float32' ? 4 : 8;
    const ptr = this._M._malloc(bytes) >>> 0;
    if (!ptr) throw new RangeError(`out of memory: could not allocate ${bytes} bytes for a ${t._dtype} tensor of shape []`);
    const h = this._heapViews();
    if (bytes === 4) h.f32[ptr >>> 2] = t._host;
    else h.f64[ptr >>> 3] = t._host;
    t._ptr = ptr;
    t._host = undefined;
    this._freer.register(t, ptr, t);
  }

  /** torch.set_num_threads(n): the threads the core's loops use from now on, at most
   *  maxThreads (the threaded build's started workers + 1; 1 in the other builds). Results are
   *  the same bits at any count. */
  set_num_threads(n) {
    threadCount(n, 'set_num_threads(): n');
    if (this._wantThreads !== null) this._wantThreads = n;   // the pool is still loading
    else this._M.setNumThreads(Math.min(n, this.maxThreads));
  }

  /** Resolves when the threads set_num_threads asked for run (at once but for a threaded lab
   *  made with threadStart: 'background' whose pool is still loading). */
  get poolReady() {
    return this._poolReady ?? Promise.resolve();
  }

  /**
   * A split build (the site's SIMD builds) keeps what its first page does not run in a second
   * file: this loads it once and resolves when its functions are in (at once for a whole build).
   * createLossLab starts it by itself unless {deferred: 'manual'}.
   */
  loadDeferred() {
    return this._deferred ? this._deferred.load() : Promise.resolve();
  }

  /** For a split build {url, loaded, missed, syncLoads} (missed: placeholder calls that found the part not in yet); else null. */
  get deferredPart() {
    return this._deferred?.stats ?? null;
  }

  /** torch.get_num_threads(): the threads in use. */
  get_num_threads() { return this._M.numThreads(); }
}

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
  constructor(lab, desc, token) {
    if (token !== INTERNAL) throw typeError('Tensor cannot be constructed directly: use torch.tensor(data, {dtype, shape})');
    this._lab = lab;
    this._ptr = desc.ptr >>> 0;
    this._dtype = desc.dtype;
    this._shape = desc.host !== undefined ? [] : Array.from(desc.shape);
    // autograd: the handle on the core Var that owns the buffer (0: JS owns it), requires_grad
    // and the grad_fn's name (both fixed for a non-leaf; a leaf's flag changes through
    // requires_grad_, which keeps this copy)
    this._h = desc.h ?? 0;
    this._rg = !!desc.requiresGrad;
    this._gradFn = desc.gradFn ?? null;
    this._node = desc.node ?? null;   // a deferred chain's node (no buffer yet): see LossLab._defer
    this._pins = 0;                   // pending chains that read this buffer
    this._deferredFree = null;        // { ptr, h } once disposed while pinned
    this._host = desc.host;           // a 0-dim float's value kept in JS (no buffer yet), or undefined
    this._d = null;                   // _desc()'s descriptor, while the buffer lives
    if (this._host !== undefined) { /* nothing in the heap to free */ }
    else if (this._node) {
      this._lazyRef = new WeakRef(this);
      lab._lazy.add(this._lazyRef);
      lab._freer.register(this, { unpin: this._node.leaves, ref: this._lazyRef }, this);
    }
    else lab._freer.register(this, this._h ? { var: this._h } : desc.ptr, this);
    if (lab._scopes.length) lab._scopes[lab._scopes.length - 1].add(this);
  }
  get dtype() { return this._dtype; }
  get shape() { return this._shape.slice(); }
  get ndim() { return this._shape.length; }
  dim() { return this._shape.length; }
  /** size() → the shape; size(d) → one dim (negative d counts from the end), as torch. */
  size(d) {
    if (d === undefined) return this.shape;
    const n = this._shape.length;
    const k = Number(toInt64(d, () => typeError(`size(): argument 'dim' must be int, not ${pyTypeName(d)}`)));
    if (n === 0) throw pyError('IndexError', `Dimension specified as ${k} but tensor has no dimensions`);
    if (k < -n || k >= n) throw pyError('IndexError', `Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${k})`);
    return this._shape[k < 0 ? k + n : k];
  }
  numel() { return this._shape.reduce((a, b) => a * b, 1); }
  get disposed() { return this._ptr === 0 && this._node === null && this._host === undefined; }

  // The descriptor the bindings and the packed calls read, made once per buffer (read-only).
  _desc() {
    const d = this._d;
    if (d !== null) return d;
    if (this._node) this._lab._materialize(this);
    else if (this._host !== undefined) this._lab._unhost(this);
    if (!this._ptr) throw new Error('this tensor was disposed');
    return (this._d = { ptr: this._ptr, dtype: this._dtype, shape: this._shape });
  }
  // A live view of the heap (invalid after the heap grows: use at once).
  _view() {
    this._desc();
    return new ARRAY_TYPES[this._dtype](this._lab._heapBuffer(), this._ptr, this.numel());
  }

  /** A row-major copy: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array (bool). */
  toArray() {
    if (this._host !== undefined) return ARRAY_TYPES[this._dtype].of(this._host);
    return this._view().slice();
  }
  /** The single value as a Number (int64 too; exact up to 2**53). */
  item() {
    const n = this.numel();
    if (n !== 1) throw new Error(`a Tensor with ${n} elements cannot be converted to Scalar`);
    if (this._host !== undefined) return this._host;
    const v = this._view()[0];
    return this._dtype === 'bool' ? v !== 0 : typeof v === 'bigint' ? Number(v) : v;
  }
  /** PyTorch 1.13's print, e.g. 'tensor(2.4869)'. */
  toString() {
    this._desc();
    const s = this._h ? this._lab._M.varRepr(this._h) : this._lab._M.repr(this._desc());
    return this._isParam ? `Parameter containing:\n${s}` : s;
  }
  [Symbol.for('nodejs.util.inspect.custom')]() { return this.disposed ? 'tensor(<disposed>)' : this.toString(); }

  /** Frees the heap buffer now (idempotent). */
  dispose() {
    const lab = this._lab;
    if (this._host !== undefined) { this._host = undefined; return; }
    if (this._node) {   // a chain nobody computed: its leaves are no longer needed for it
      lab._freer.unregister(this);
      lab._lazy.delete(this._lazyRef);
      const { leaves } = this._node;
      this._node = null;
      lab._unpin(leaves);
      return;
    }
    if (!this._ptr) return;
    lab._freer.unregister(this);
    if (this._pins > 0) this._deferredFree = { ptr: this._ptr, h: this._h };   // freed by _unpin
    else if (this._h) lab._M.varRelease(this._h);
    else lab._M._free(this._ptr);
    this._ptr = 0;
    this._d = null;
    this._h = 0;
  }

  /** clone(): a copy (CloneBackward0 when autograd records it). */
  clone() {
    const lab = this._lab, d = this._desc();
    return lab._wrap(lab._tracks(this) ? lab._M.agClone(this._h) : lab._M.to(d, this._dtype));
  }
  mm(mat2) { return this._lab.mm(this, mat2); }
  matmul(other) { return this._lab.matmul(this, other); }
  sigmoid() { return this._lab.sigmoid(this); }
  t() {
    const d = this._desc();
    return this._lab._wrap(this._lab._tracks(this) ? this._lab._M.agT(this._h) : this._lab._M.t(d));
  }
  to(dtype) {
    if (typeof dtype !== 'string' || !DTYPES.includes(dtype)) {
      throw typeError(`to(): dtype must be one of ${DTYPES.join(', ')}, got ${typeof dtype === 'string' ? `'${dtype}'` : pyTypeName(dtype)}`);
    }
    const d = this._desc();
    if (this._lab._tracks(this)) return this._lab._wrap(this._lab._M.agTo(this._h, dtype));
    return this._lab._wrap(this._lab._M.to(d, dtype));
  }

  // ---- autograd ----------------------------------------------------------------------------

  // The core Var's handle, making one (taking the buffer over) the first time.
  _handle() {
    const d = this._desc();
    if (!this._h) {
      const lab = this._lab;
      lab._freer.unregister(this);
      this._h = lab._M.varAdopt(d);
      lab._freer.register(this, { var: this._h }, this);
    }
    return this._h;
  }
  /** Whether autograd records operations on this tensor. */
  get requires_grad() { return this._rg; }
  set requires_grad(b) { this.requires_grad_(b); }
  /** requires_grad_(b = true): leaves only; floating dtypes only (torch's errors). */
  requires_grad_(b = true) {
    if (typeof b !== 'boolean') throw typeError(`requires_grad_(): argument 'requires_grad' must be bool, not ${pyTypeName(b)}`);
    if (b === this._rg && (b || this._gradFn === null)) return this;
    fail(this._lab._M.varSetRequiresGrad(this._handle(), b));
    this._rg = b;
    return this;
  }
  /** True for a tensor no recorded op made (torch's is_leaf). */
  get is_leaf() { return this._gradFn === null; }
  /** The node that made this tensor ({ name() }), or null for a leaf. */
  get grad_fn() {
    const n = this._gradFn;
    return n === null ? null : Object.freeze({ name: () => n, toString: () => `<${n}>` });
  }
  /** .grad: the accumulated gradient (a tensor sharing the core's buffer), or null. */
  get grad() {
    if (!this._h) return null;
    const lab = this._lab;
    if (this._gradFn !== null && !lab._M.varRetainsGrad(this._h)) {
      if (lab._warn) {
        console.warn("UserWarning: The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead.");
      }
      return null;
    }
    const g = lab._M.varGrad(this._h);
    if (g === null) { this._gradT = null; return null; }
    if (this._gradT && !this._gradT.disposed && this._gradT._ptr === g.ptr >>> 0) {
      lab._M.varRelease(g.h);   // the same gradient as last time: its tensor
      return this._gradT;
    }
    this._gradT = lab._wrap(g);
    return this._gradT;
  }
  set grad(g) {
    const lab = this._lab;
    if (g !== null && g !== undefined) {
      lab._own(g, 'grad');
      fail(lab._M.varSetGrad(this._handle(), g._handle()));
    } else if (this._h) {
      lab._M.varSetGrad(this._h, 0);
    }
    this._gradT = null;
  }
  /** retain_grad(): a non-leaf keeps its gradient in .grad after backward(). */
  retain_grad() {
    if (!this._rg) throw pyError('RuntimeError', "can't retain_grad on Tensor that has requires_grad=False");
    fail(this._lab._M.varRetainGrad(this._handle()));
  }
  get retains_grad() { return this._h !== 0 && this._gradFn !== null && this._lab._M.varRetainsGrad(this._h); }
  /**
   * backward(gradient = null, { retain_graph = false }): d this / d every leaf that requires
   * grad, added to their .grad (torch's engine, in the core).
   */
  backward(gradient = null, { retain_graph = false } = {}) {
    const lab = this._lab;
    this._desc();
    if (gradient !== null && gradient !== undefined) lab._own(gradient, 'gradient');
    if (typeof retain_graph !== 'boolean') throw typeError(`backward(): argument 'retain_graph' must be bool, not ${pyTypeName(retain_graph)}`);
    if (!this._rg) throw pyError('RuntimeError', 'element 0 of tensors does not require grad and does not have a grad_fn');
    if (lab._lazy.size) lab._flushLazy();   // .grad buffers accumulate in place
    fail(lab._M.varBackward(this._handle(), gradient == null ? null : gradient._desc(), retain_graph));
  }
  /** detach(): the same data, out of the graph (requires_grad false). */
  detach() { return this._lab._wrap(this._lab._M.varDetach(this._handle())); }
  // An in-place change is torch's error on a leaf that requires grad while grad mode is on.
  _inPlace(name) {
    this._desc();
    if (this._lab._pinned.has(this._ptr)) this._lab._flushLazy();   // chains read the old values
    if (this._rg && this._gradFn === null && this._lab._gradOn) {
      throw pyError('RuntimeError', 'a leaf Variable that requires grad is being used in an in-place operation.');
    }
    if (this._rg && this._lab._gradOn) {
      throw pyError('NotImplementedError', `${name}(): in-place operations on tensors autograd records are not supported yet (use it under torch.no_grad)`);
    }
  }
  /** uniform_(from = 0, to = 1, { generator }): in place, torch's draws and fma. */
  uniform_(from = 0, to = 1, opts = {}) {
    this._inPlace('uniform_');
    const lab = this._lab;
    for (const [k, v] of [['from', from], ['to', to]]) {
      if (typeof v !== 'number' && typeof v !== 'bigint') throw typeError(`uniform_(): argument '${k}' must be float, not ${pyTypeName(v)}`);
    }
    fail(lab._M.uniformFill(lab._genOf(opts), this._desc(), Number(from), Number(to)));
    if (this._h) lab._M.varBumpVersion(this._h);
    return this;
  }
  /** zero_(): fills this tensor with zeros in place (grad.zero_()); returns it. */
  zero_() {
    this._inPlace('zero_');
    this._view().fill(this._dtype === 'int64' ? 0n : 0);
    if (this._h) this._lab._M.varBumpVersion(this._h);
    return this;
  }
  /** copy_(src): src's values into this tensor in place (same shape and dtype); returns it. */
  copy_(src) {
    this._inPlace('copy_');
    const lab = this._lab;
    lab._own(src, 'src');
    if (src.dtype !== this._dtype || src.shape.join() !== this._shape.join()) {
      throw pyError('NotImplementedError', `copy_(): only a source of the same shape and dtype is supported yet (got ${src.dtype} [${src.shape}] into ${this._dtype} [${this._shape}])`);
    }
    this._view().set(src._view());
    if (this._h) lab._M.varBumpVersion(this._h);
    return this;
  }
  bool() { return this.to('bool'); }
  long() { return this.to('int64'); }
  int() { return this.to('int32'); }
  float() { return this.to('float32'); }
  double() { return this.to('float64'); }
}

// A creation op's requires_grad option (torch.rand(3, { requires_grad: true })).
function requiresGradOption(t, rg, fname) {
  if (typeof rg !== 'boolean') {
    t.dispose();
    throw typeError(`${fname}(): argument 'requires_grad' must be bool, not ${pyTypeName(rg)}`);
  }
  if (!rg) return;
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    t.dispose();
    throw pyError('RuntimeError', 'Only Tensors of floating point and complex dtype can require gradients');
  }
  t.requires_grad_(true);
}

installTensorOps(LossLab, Tensor, { typeError, pyError, pyTypeName, toInt64, parseShape, drawDtype });
installMethods(LossLab, fusionMethods(Tensor, INTERNAL), 'fuse.mjs');

// requires_grad for every creation op that takes options last: the option is taken out, the op
// runs, and its result becomes a leaf that requires grad.
for (const name of ['rand', 'randn', 'randint', 'zeros', 'ones', 'full', 'arange', 'linspace', 'eye', 'zeros_like', 'ones_like', 'full_like']) {
  const op = LossLab.prototype[name];
  Object.defineProperty(LossLab.prototype, name, {
    configurable: true,
    writable: true,
    value: function withRequiresGrad(...args) {
      const last = args[args.length - 1];
      if (last === null || typeof last !== 'object' || Array.isArray(last) || ArrayBuffer.isView(last) ||
          last instanceof Tensor || !('requires_grad' in last)) {
        return op.apply(this, args);
      }
      const { requires_grad: rg, ...rest } = last;
      const t = op.apply(this, [...args.slice(0, -1), rest]);
      requiresGradOption(t, rg, name);
      return t;
    },
  });
}

export { Tensor, Generator };
