// The playground's compute worker (a module Web Worker): ALL heavy work happens here, so the page
// never blocks. It loads the SIMD and the scalar wasm builds, generates the lesson's data,
// computes the loss and its gradient, the plots' data (reduced in wasm), the timings, and runs
// gradient descent on w. The page and the widget talk to it through engine.mjs.
//
// Protocol (main → worker):
//   {type: 'run',   id, channel, state, skip?}   loss + gradient + plots + timing for a state
//                                        (state.mjs); skip: ['grad', 'plots', 'timing'] leaves those out
//   {type: 'train', id, channel, state}   gradient descent on w (binary / multiclass recipes)
// A newer job on the same channel supersedes an older one at its next checkpoint. Cancelling a
// job that is inside one long wasm call is done by terminating the worker (engine.mjs).
// Worker → main: {type: 'ready', flavor, arch, scalarArch}, and for a job id:
//   progress {phase, fraction} · data {info} · loss {...} · plots {...} · timing {...}
//   step {step, loss} · trained {...} · done {ms} · error {kind, name, message, fatal, ...}

import { createLossLab } from './dist/losslab.mjs';
import { jsLoss } from './jsloops.mjs';
import { KL_SMOOTH, WITH_C, TRAINABLE, planOrFallback, gradOperand } from './recipes.mjs';
import { parseNumbers, ParseError } from './parse.mjs';

const HEAP_LIMIT = 4 * 2 ** 30;   // a wasm32 module addresses at most 4 GiB
const HEAD_ROWS = 5;

let simd = null;
let scalar = null;
const latest = new Map();   // channel → newest job id
const queue = [];
let busy = false;
let data = null;            // the current data set (one at a time: memory)

const post = (m) => self.postMessage(m);

class Superseded extends Error {}

const ready = (async () => {
  try {
    simd = await createLossLab({ warnings: 'silent' });
    scalar = await createLossLab({ simd: false, warnings: 'silent' });
    // (The registry is not sent: the page has it already, from dist/registry.mjs.)
    post({ type: 'ready', flavor: simd.flavor, arch: simd.arch, scalarArch: scalar.arch });
  } catch (e) {
    post({ type: 'error', id: null, kind: 'load', name: e.name, message: e.message, fatal: true });
    throw e;
  }
})();

self.onmessage = (ev) => {
  const m = ev.data;
  if (m?.type !== 'run' && m?.type !== 'train') return;
  latest.set(m.channel ?? 0, m.id);
  queue.push(m);
  pump();
};

async function pump() {
  if (busy) return;
  busy = true;
  await ready;
  while (queue.length) {
    const job = queue.shift();
    if (latest.get(job.channel ?? 0) !== job.id) continue;
    const t0 = performance.now();
    try {
      if (job.type === 'run') await run(job);
      else await train(job);
      post({ type: 'done', id: job.id, ms: performance.now() - t0, restart: !!job.oom });
      if (job.oom) {
        data = null;
        return;   // the page restarts this worker to free the heap
      }
    } catch (e) {
      if (e instanceof Superseded) continue;
      const d = describeError(e);
      post({ type: 'error', id: job.id, ...d });
      if (d.fatal) {
        // The heap may be in any state after an abort: drop everything, the page respawns us.
        data = null;
        return;
      }
    }
  }
  busy = false;
}

// ---- errors ------------------------------------------------------------------------------------

// A clean out-of-memory: malloc said no (a RangeError from the API, or a JS typed array that
// could not be allocated). The instance is intact; the worker is restarted after the job to
// give the grown heap back.
function isOom(e) {
  return e instanceof RangeError || /out of memory|allocation failed|Aborted\(OOM\)|Cannot enlarge memory/i.test(String(e?.message));
}
// An abort or a trap inside wasm: the instance's state is unknown, stop now.
function isAborted(e) {
  return (e instanceof WebAssembly.RuntimeError) || /Aborted|memory access out of bounds/i.test(String(e?.message));
}
function isFatal(e) {
  return isOom(e) || isAborted(e);
}
function describeError(e) {
  if (e instanceof ParseError) {
    return { kind: 'data', name: 'ParseError', message: e.message, code: e.code, params: e.params, field: e.field };
  }
  if (e?.kind === 'oom-estimate') {
    return { kind: 'oom', name: 'RangeError', message: e.message, bytes: e.bytes, recipe: e.recipe, n: e.n, fatal: false };
  }
  if (isOom(e)) return { kind: 'oom', name: e.name, message: e.message, fatal: true };
  if (isFatal(e)) return { kind: 'crash', name: e.name, message: e.message, fatal: true };
  return { kind: e?.kind ?? 'torch', name: e?.name ?? 'Error', message: String(e?.message ?? e),
    option: e?.option, fatal: false };
}

// Lets newer messages in, then gives up if this job is no longer the newest on its channel.
async function checkpoint(job) {
  await new Promise((r) => setTimeout(r, 0));
  if (latest.get(job.channel ?? 0) !== job.id) throw new Superseded();
}

function progress(job, phase, fraction, extra = {}) {
  post({ type: 'progress', id: job.id, phase, fraction, ...extra });
}

// ---- data ----------------------------------------------------------------------------------------

/** Bytes the recipe's tensors need (float32 unless noted). */
function recipeBytes(recipe, n, c) {
  if (recipe === 'regression') return 8 * n;
  if (recipe === 'binary') return 28 * n;   // x (N,4), y, zhat, sigma
  if (recipe === 'ranking') return 12 * n;
  if (recipe === 'embedding') return 12 * n * c + 4 * n;
  if (recipe === 'counts') return 8 * n;
  if (recipe === 'gaussian') return 12 * n;
  if (recipe === 'multilabel') return 24 * n * c + 8 * n;   // z, y (float), y_list (int64), y_class
  if (recipe === 'ctc') return 2 * 4 * 30 * n * c + 8 * 12 * n;
  return 16 * n + 4 * n + 4 * c * n + 8 * n;   // X, y, zhat (N,C), y_long
}

function disposeAll(obj) {
  for (const t of Object.values(obj ?? {})) if (t && typeof t.dispose === 'function') t.dispose();
}

function dropData() {
  if (!data) return;
  disposeAll(data.tensors);
  disposeAll(data.derived);
  data = null;
}

function hashText(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return `${s.length}:${(h >>> 0).toString(16)}`;
}

async function getData(job, spec) {
  const s = job.state;
  if (s.recipe === 'paste') return pasteData(job, spec);
  const key = `${s.recipe}|${s.n}|${s.c}|${s.seed}`;
  if (data?.key === key) return { ...data, cached: true };
  dropData();
  const n = Number(s.n);
  const withC = WITH_C.has(s.recipe);
  const c = withC ? Number(s.c) : 1;
  const bytes = recipeBytes(s.recipe, n, c);
  // Leave room for the loss's result and gradient (each as big as the input).
  if (bytes > HEAP_LIMIT * 0.85) {
    throw Object.assign(new RangeError(`out of memory: the ${s.recipe} recipe with N = ${n} needs ${bytes} bytes; a wasm32 heap holds at most ${HEAP_LIMIT} bytes`),
      { kind: 'oom-estimate', bytes, recipe: s.recipe, n });
  }
  progress(job, 'data', 0, { n });
  await checkpoint(job);
  const t0 = performance.now();
  const tensors = simd.recipe(s.recipe, { n, c: withC ? c : 3, seed: s.seed });
  const genMs = performance.now() - t0;
  data = { key, tensors, derived: {}, genMs, recipe: s.recipe, c };
  return { ...data, cached: false };
}

function parseField(text, field, opts) {
  try {
    return parseNumbers(text, opts);
  } catch (e) {
    if (e instanceof ParseError) e.field = field;
    throw e;
  }
}

function pasteData(job, spec) {
  const s = job.state;
  const inp = parseField(s.input, 'input', {});
  const tgt = parseField(s.target, 'target', {});
  let targetInteger = true;
  for (const v of tgt.values) if (!Number.isInteger(v)) { targetInteger = false; break; }
  const info = { inputShape: inp.shape, targetShape: tgt.shape, targetInteger };
  const plan = planOrFallback('paste', spec, info);
  const index = plan.targetKind === 'index';
  if (index && !targetInteger) parseField(s.target, 'target', { integers: true });   // throws with line/col
  const key = `paste|${hashText(s.input)}|${hashText(s.target)}|${index}`;
  if (data?.key === key) return { ...data, cached: true };
  dropData();
  const t0 = performance.now();
  const input = simd.tensor(Float32Array.from(inp.values), { shape: inp.shape, dtype: 'float32' });
  const target = index
    ? simd.tensor(BigInt64Array.from(tgt.values, (v) => BigInt(v)), { shape: tgt.shape, dtype: 'int64' })
    : simd.tensor(Float32Array.from(tgt.values), { shape: tgt.shape, dtype: 'float32' });
  const genMs = performance.now() - t0;
  data = { key, tensors: { input, target }, derived: {}, genMs, recipe: 'paste', info,
    c: inp.shape.length >= 2 ? inp.shape[1] : inp.shape[0] };
  return { ...data, cached: false };
}

function shapesOf(d) {
  const out = {};
  for (const [k, t] of Object.entries(d.tensors)) out[k] = { shape: t.shape, dtype: t.dtype };
  return out;
}

// float32 log_softmax along dim 1 of a (N, C) array, PyTorch's order: (x - m) - log(sum exp(x - m)).
function logSoftmaxRows(x, rows, C) {
  const out = new Float32Array(rows * C);
  for (let i = 0; i < rows; i++) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, x[i * C + c]);
    let se = 0;
    for (let c = 0; c < C; c++) se = Math.fround(se + Math.fround(Math.exp(Math.fround(x[i * C + c] - m))));
    const lse = Math.fround(Math.log(se));
    for (let c = 0; c < C; c++) out[i * C + c] = Math.fround(Math.fround(x[i * C + c] - m) - lse);
  }
  return out;
}

function logSoftmax(lab, t) {
  const F = lab.nn.functional;
  if (typeof F.log_softmax === 'function') return F.log_softmax(t, { dim: 1 });
  const [rows, C] = t.shape;
  return lab.tensor(logSoftmaxRows(t.toArray(), rows, C), { shape: [rows, C], dtype: 'float32' });
}

// q = one_hot(y.long(), C).float() * 0.9 + 0.1 / C   (float32 arithmetic, as torch does it)
function smoothedOneHot(yLong, C, logTarget) {
  const n = yLong.length;
  const out = new Float32Array(n * C);
  const a = Math.fround(1 - KL_SMOOTH);
  const b = Math.fround(KL_SMOOTH / C);
  const hi = Math.fround(a + b);
  const lo = Math.fround(0 + b);
  const L = logTarget ? [Math.fround(Math.log(lo)), Math.fround(Math.log(hi))] : [lo, hi];
  for (let i = 0; i < n; i++) {
    const y = Number(yLong[i]);
    for (let c = 0; c < C; c++) out[i * C + c] = c === y ? L[1] : L[0];
  }
  return out;
}

/** The input and target tensors for a plan (derived ones cached with the data). */
function operands(d, plan, state) {
  const T = d.tensors;
  const get = (name) => {
    if (T[name]) return T[name];
    if (name === 'log_softmax') return (d.derived.log_softmax ??= logSoftmax(simd, T.zhat));
    if (name === 'q') {
      const k = `q${state.log_target ? '_log' : ''}`;
      if (!d.derived[k]) {
        const C = T.zhat.shape[1];
        d.derived[k] = simd.tensor(smoothedOneHot(T.y_long.toArray(), C, !!state.log_target),
          { shape: [T.zhat.shape[0], C], dtype: 'float32' });
      }
      return d.derived[k];
    }
    throw new Error(`no tensor '${name}' in this data set`);
  };
  const list = (plan.operands ?? [plan.input, plan.target]).map(get);
  return { input: list[0], target: list[1] ?? null, list };
}

// ---- options ---------------------------------------------------------------------------------

/** The loss's keyword options from the state; tensor options become tensors of `lab`. */
function lossOptions(lab, spec, state, reduction) {
  const o = { reduction };
  const owned = [];
  for (const opt of spec.options) {
    const v = state[opt.name];
    if (v === undefined || v === null) continue;
    if (opt.kind === 'tensor') {
      const t = lab.tensor(Float32Array.from(v), { shape: [v.length], dtype: 'float32' });
      owned.push(t);
      o[opt.name] = t;
    } else if (opt.kind === 'bool') {
      o[opt.name] = !!v;
    } else {
      o[opt.name] = v;
    }
  }
  return { opts: o, dispose: () => owned.forEach((t) => t.dispose()) };
}

function jsOptions(spec, state) {
  const o = {};
  for (const opt of spec.options) {
    const v = state[opt.name];
    if (v === undefined || v === null) continue;
    o[opt.name] = opt.kind === 'tensor' ? Float32Array.from(v) : v;
  }
  return o;
}

// ---- one run -------------------------------------------------------------------------------

function findSpec(name) {
  const spec = simd.registry.losses.find((s) => s.name === name);
  if (!spec) {
    throw Object.assign(new Error(`'${name}' is not a loss in this build (registered: ${simd.registry.losses.map((s) => s.name).join(', ')})`),
      { kind: 'unknown-loss', name: 'ValueError' });
  }
  return spec;
}

function tensorStats(arr) {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sq = 0;
  let nonFinite = 0;
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (!Number.isFinite(v)) { nonFinite++; continue; }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sq += v * v;
  }
  const k = arr.length - nonFinite;
  return { min: k ? min : NaN, max: k ? max : NaN, mean: k ? sum / k : NaN, norm: Math.sqrt(sq), nonFinite, numel: arr.length };
}

function headOf(lab, t, arr) {
  const shape = t.shape;
  if (shape.length === 0) return t.toString();
  const rows = Math.min(shape[0], HEAD_ROWS);
  const per = shape.slice(1).reduce((a, b) => a * b, 1);
  const h = lab.tensor(arr.subarray(0, rows * per), { shape: [rows, ...shape.slice(1)], dtype: t.dtype });
  try {
    return h.toString();
  } finally {
    h.dispose();
  }
}

async function run(job) {
  const state = job.state;
  const skip = new Set(job.skip ?? []);   // parts the client does not show (the widget)
  const spec = findSpec(state.loss);
  const d = await getData(job, spec);
  const info = d.recipe === 'paste' ? d.info : null;
  post({ type: 'data', id: job.id, info: { shapes: shapesOf(d), genMs: d.genMs, cached: d.cached,
    recipe: d.recipe, paste: info } });
  const plan = planOrFallback(d.recipe, spec, info ?? {});
  if (!plan) {
    throw Object.assign(new Error(`${spec.name} does not apply to the ${d.recipe} recipe`), { kind: 'plan', name: 'ValueError' });
  }
  progress(job, 'loss', 0.4);
  await checkpoint(job);
  const { input, target, list } = operands(d, plan, state);
  const gi = gradOperand(spec);
  const F = simd.nn.functional[spec.name];
  const main = lossOptions(simd, spec, state, state.reduction);
  const trash = [];
  const freeTrash = () => { for (const t of trash.splice(0)) t.dispose(); };
  try {
    const t0 = performance.now();
    const out = F(...list, main.opts);
    const lossMs = performance.now() - t0;
    trash.push(out);
    const numel = out.numel();
    post({ type: 'loss', id: job.id, loss: {
      name: spec.name, print: out.toString(), value: numel === 1 ? out.item() : null, shape: out.shape,
      warnings: out.warnings ?? [], ms: lossMs }, plan, inputShape: input.shape, targetShape: target?.shape ?? null,
      operandShapes: list.map((t) => t.shape) });
    await checkpoint(job);

    // Gradient w.r.t. the input.
    let g = null;
    if (!skip.has('grad')) {
      progress(job, 'grad', 0.5);
      const grads = simd.grad(spec.name, list, main.opts);
      g = grads[gi];
      for (const x of grads) if (x && x !== g) x.dispose();
      if (!g) throw Object.assign(new Error(`${spec.name}: no gradient for ${spec.operands?.[gi]?.name ?? 'input'}`), { name: 'RuntimeError' });
      trash.push(g);
      const garr = g.toArray();
      post({ type: 'grad', id: job.id, grad: { print: g.toString(), head: headOf(simd, g, garr), shape: g.shape,
        stats: tensorStats(garr), headRows: Math.min(g.shape[0] ?? 1, HEAD_ROWS), operand: spec.operands?.[gi]?.name ?? 'input' } });
      await checkpoint(job);
    }

    // Plots: per-element losses (histogram in wasm) and the loss curve.
    if (!skip.has('plots')) {
      progress(job, 'plots', 0.55);
      try {
        let per = out;
        if (state.reduction !== 'none') {
          if (g) {
            g.dispose();   // room for the per-element losses
            trash.splice(trash.indexOf(g), 1);
          }
          const pn = lossOptions(simd, spec, state, 'none');
          try {
            per = F(...list, pn.opts);
            trash.push(per);
          } finally {
            pn.dispose();
          }
        }
        const hist = simd.histogram(per, state.bins);
        const perShape = per.shape;
        freeTrash();
        let curve = null;
        try {
          curve = plan.curve ? lossCurve(spec, plan, state, input, target, d) : null;
        } catch (e) {
          if (isAborted(e)) throw e;
          if (isOom(e)) job.oom = true;
          curve = { error: `${e.name}: ${e.message}` };
        }
        post({ type: 'plots', id: job.id, hist: { ...hist, shape: perShape }, curve });
      } catch (e) {
        // Out of memory for the plots' extra tensors: keep the result, say so, go on to timing.
        if (!isOom(e) || isAborted(e)) throw e;
        job.oom = true;
        post({ type: 'plots', id: job.id, hist: null, curve: null, error: `${e.name}: ${e.message}` });
      }
    }
    freeTrash();
    await checkpoint(job);

    // Timing: the same loss by the SIMD build, the scalar build and a plain JS loop.
    if (!skip.has('timing')) await timing(job, spec, plan, state, list);
  } finally {
    main.dispose();
    freeTrash();
  }
}

// ---- the loss curve ----------------------------------------------------------------------

function linspace(a, b, k) {
  const out = new Float32Array(k);
  for (let i = 0; i < k; i++) out[i] = a + ((b - a) * i) / (k - 1);
  return out;
}

// loss(xs, const target) with reduction 'none' (options kept; without tensor options if they fail).
function curveValues(spec, state, xs, targetValue, shapeCols = 0) {
  const F = simd.nn.functional[spec.name];
  const input = simd.tensor(xs, { shape: [xs.length], dtype: 'float32' });
  const target = simd.tensor(new Float32Array(xs.length).fill(targetValue), { shape: [xs.length], dtype: 'float32' });
  const attempt = (st) => {
    const o = lossOptions(simd, spec, st, 'none');
    try {
      const r = F(input, target, o.opts);
      const a = r.toArray();
      r.dispose();
      return a;
    } finally {
      o.dispose();
    }
  };
  try {
    try {
      return attempt(state);
    } catch {
      return attempt({ ...state, weight: null, pos_weight: null });
    }
  } finally {
    input.dispose();
    target.dispose();
  }
}

// The overlay of "where the data lies" uses at most this many points (an evenly strided sample
// when N is larger); the per-element loss histogram always uses every element.
const OVERLAY_MAX = 1 << 20;

function strided(n) {
  const step = Math.max(1, Math.ceil(n / OVERLAY_MAX));
  return { step, count: Math.ceil(n / step) };
}

function histOf(values) {
  if (!values.length) return null;
  const t = simd.tensor(values, { shape: [values.length], dtype: 'float32' });
  try {
    return simd.histogram(t, 48);
  } finally {
    t.dispose();
  }
}

function lossCurve(spec, plan, state, input, target, d) {
  const K = 241;
  const x = input.toArray();
  const y = target.toArray();
  if (plan.curve === 'error') {
    if (x.length !== y.length) return null;
    const { step, count } = strided(x.length);
    const r = new Float32Array(count);
    let R = 0.5;
    for (let i = 0, k = 0; i < x.length; i += step, k++) {
      r[k] = x[i] - y[i];
      if (Number.isFinite(r[k])) R = Math.max(R, Math.abs(r[k]));
    }
    R *= 1.1;
    const xs = linspace(-R, R, K);
    return { kind: 'error', x: Array.from(xs), series: [{ key: 'curve', y: Array.from(curveValues(spec, state, xs, 0)) }],
      data: [{ key: 'residual', hist: histOf(r) }] };
  }
  if (plan.curve === 'probability' || plan.curve === 'logit') {
    const prob = plan.curve === 'probability';
    let R = 4;
    if (!prob) for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) R = Math.max(R, Math.abs(x[i]) * 1.1);
    const xs = prob ? linspace(0.001, 0.999, K) : linspace(-R, R, K);
    const { step, count } = strided(x.length);
    const buf = new Float32Array(x.length === y.length ? count : 0);
    let n1 = 0;
    let n0 = buf.length;
    // y = 1 from the front, y = 0 from the back of one buffer.
    for (let i = 0; i < x.length && buf.length; i += step) {
      if (y[i] >= 0.5) buf[n1++] = x[i];
      else buf[--n0] = x[i];
    }
    const g1 = buf.subarray(0, n1);
    const g0 = buf.subarray(n0);
    return { kind: plan.curve, x: Array.from(xs), series: [
      { key: 'y0', y: Array.from(curveValues(spec, state, xs, 0)) },
      { key: 'y1', y: Array.from(curveValues(spec, state, xs, 1)) }],
    data: [{ key: 'y0', hist: histOf(g0) }, { key: 'y1', hist: histOf(g1) }] };
  }
  if (plan.curve === 'logprob') {
    let lo = -4;
    for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) lo = Math.min(lo, x[i]);
    const xs = linspace(lo * 1.05, 0, K);
    const lt = !!state.log_target;
    return { kind: 'logprob', x: Array.from(xs), series: [
      { key: 't1', y: Array.from(curveValues(spec, state, xs, lt ? 0 : 1)) },
      { key: 't05', y: Array.from(curveValues(spec, state, xs, lt ? Math.log(0.5) : 0.5)) }],
    data: [{ key: 'input', hist: histOf(x.length > OVERLAY_MAX ? x.filter((v, i) => i % strided(x.length).step === 0) : x) }] };
  }
  if (plan.curve === 'margin') return marginCurve(spec, plan, state, input, target, x, y, K);
  return null;
}

// Cross-entropy-like losses against the logit margin m = z_y − max_{j≠y} z_j: a row [m, 0, …, 0]
// with target class 0 (log_softmax'd for log-probability inputs; smoothed one-hot for kl_div).
function marginCurve(spec, plan, state, input, target, x, y, K) {
  if (input.shape.length !== 2) return null;
  const [rows, C] = input.shape;
  const index = plan.targetKind === 'index';
  const ignore = state.ignore_index ?? -100;
  const margins = [];
  const { step } = strided(rows);
  for (let i = 0; i < rows; i += step) {
    let cls;
    if (index) {
      cls = Number(y[i]);
      if (cls === ignore || cls < 0 || cls >= C) continue;
    } else {
      cls = 0;
      for (let c = 1; c < C; c++) if (y[i * C + c] > y[i * C + cls]) cls = c;
    }
    let other = -Infinity;
    for (let c = 0; c < C; c++) if (c !== cls) other = Math.max(other, x[i * C + c]);
    margins.push(x[i * C + cls] - other);
  }
  let R = 4;
  for (const m of margins) if (Number.isFinite(m)) R = Math.max(R, Math.abs(m) * 1.1);
  const xs = linspace(-R, R, K);
  const rowsIn = new Float32Array(K * C);
  for (let k = 0; k < K; k++) rowsIn[k * C] = xs[k];
  const logits = plan.chain === 'log_softmax' || spec.inputKind === 'log-probability'
    ? logSoftmaxRows(rowsIn, K, C) : rowsIn;
  const inT = simd.tensor(logits, { shape: [K, C], dtype: 'float32' });
  let tgT;
  if (index) tgT = simd.tensor(new BigInt64Array(K), { shape: [K], dtype: 'int64' });
  else tgT = simd.tensor(smoothedOneHot(new Float64Array(K), C, !!state.log_target), { shape: [K, C], dtype: 'float32' });
  const F = simd.nn.functional[spec.name];
  const attempt = (st) => {
    const o = lossOptions(simd, spec, st, 'none');
    try {
      const r = F(inT, tgT, o.opts);
      const a = r.toArray();
      r.dispose();
      return a;
    } finally {
      o.dispose();
    }
  };
  let out;
  try {
    try {
      out = attempt(state);
    } catch {
      out = attempt({ ...state, weight: null });
    }
  } finally {
    inT.dispose();
    tgT.dispose();
  }
  let ys = Array.from(out);
  if (out.length === K * C) {   // elementwise (kl_div): sum each row
    ys = [];
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += out[k * C + c];
      ys.push(s);
    }
  }
  return { kind: 'margin', x: Array.from(xs), series: [{ key: 'curve', y: ys }],
    data: [{ key: 'margin', hist: histOf(Float32Array.from(margins)) }], C };
}

// ---- timing ------------------------------------------------------------------------------

function median(a) {
  const s = [...a].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function measure(job, fn, reps) {
  // Warm-up: two runs (one when a single run is already slow).
  let t0 = performance.now();
  let value = fn();
  let one = performance.now() - t0;
  if (one < 200) {
    t0 = performance.now();
    value = fn();
    one = performance.now() - t0;
  }
  // Tiny inputs: time a batch of calls per sample so each sample spans ≥ 1 ms (timer resolution).
  let inner = Math.max(1, Math.min(100000, Math.ceil(1 / Math.max(one, 1e-4))));
  // Coarse timers (100 µs when the page is not cross-origin isolated, e.g. a widget on another
  // site) can make the first call look free: grow the batch until it really spans 1 ms.
  for (let k = 0; k < 8 && one < 1 && inner < 1e6; k++) {
    t0 = performance.now();
    for (let i = 0; i < inner; i++) value = fn();
    const dt = performance.now() - t0;
    if (dt >= 1) break;
    inner = Math.min(1e6, inner * (dt > 0.1 ? Math.ceil(1.5 / dt) : 10));
  }
  const samples = [];
  let total = 0;
  let sinceTick = 0;
  for (;;) {
    t0 = performance.now();
    for (let i = 0; i < inner; i++) value = fn();
    const dt = performance.now() - t0;
    samples.push(dt / inner);
    total += dt;
    sinceTick += dt;
    // Automatic: at least 5 samples and 250 ms (3 when one call takes over 300 ms), at most 31.
    const enough = one > 300 ? 3 : 5;
    if (reps > 0 ? samples.length >= reps : (samples.length >= enough && total >= 250) || samples.length >= 31) break;
    if (sinceTick > 100) {
      sinceTick = 0;
      await checkpoint(job);
    }
  }
  return { ms: median(samples), min: Math.min(...samples), samples: samples.length, inner, value };
}

function copyTo(lab, t) {
  return lab.tensor(t.toArray(), { shape: t.shape, dtype: t.dtype });
}

// One timed path; a failure is reported in its row (the result above stays valid).
async function timePath(job, key, extra, body) {
  try {
    return { key, ...extra, ...(await body()) };
  } catch (e) {
    if (e instanceof Superseded || isAborted(e)) throw e;
    if (isOom(e)) job.oom = true;
    return { key, ...extra, error: `${e.name}: ${e.message}` };
  }
}

async function timing(job, spec, plan, state, list) {
  const [input, target] = list;
  const reps = state.reps ?? 0;
  const numel = input.numel();
  const paths = [];
  const reduction = 'mean';
  progress(job, 'timing', 0.6, { path: 'simd' });
  paths.push(await timePath(job, 'simd', { arch: simd.arch }, async () => {
    const F = simd.nn.functional[spec.name];
    const so = lossOptions(simd, spec, state, reduction);
    try {
      return await measure(job, () => {
        const t = F(...list, so.opts);
        const v = t.item();
        t.dispose();
        return v;
      }, reps);
    } finally {
      so.dispose();
    }
  }));
  progress(job, 'timing', 0.7, { path: 'scalar' });
  await checkpoint(job);

  // The scalar build: the same data copied into its own heap (not timed).
  paths.push(await timePath(job, 'scalar', { arch: scalar.arch }, async () => {
    const SF = scalar.nn.functional[spec.name];
    if (typeof SF !== 'function') throw Object.assign(new Error(`${spec.name} is not in the scalar build`), { name: 'ValueError' });
    const sList = list.map((t) => copyTo(scalar, t));
    const sc = lossOptions(scalar, spec, state, reduction);
    try {
      return await measure(job, () => {
        const t = SF(...sList, sc.opts);
        const v = t.item();
        t.dispose();
        return v;
      }, reps);
    } finally {
      sc.dispose();
      for (const t of sList) t.dispose();
    }
  }));
  progress(job, 'timing', 0.85, { path: 'js' });
  await checkpoint(job);

  // A plain JavaScript loop over typed arrays (copied out of the heap, not timed).
  const js = list.length === 2 ? jsLoss(spec.name) : null;
  if (js) {
    paths.push(await timePath(job, 'js', {}, async () => {
      const x = input.toArray();
      let y = target.toArray();
      if (y instanceof BigInt64Array) y = Int32Array.from(y, (v) => Number(v));
      const o = jsOptions(spec, state);
      const xs = input.shape;
      const ys = target.shape;
      return measure(job, () => js(x, xs, y, ys, o), reps);
    }));
  }
  post({ type: 'timing', id: job.id, timing: { reduction, numel, paths, genMs: data?.genMs ?? null } });
}

// ---- gradient descent on w -------------------------------------------------------------------

async function train(job) {
  const state = job.state;
  const spec = findSpec(state.loss);
  if (!TRAINABLE.has(state.recipe)) {
    throw Object.assign(new Error('gradient descent needs the binary or the multiclass recipe'), { kind: 'plan', name: 'ValueError' });
  }
  const d = await getData(job, spec);
  const plan = planOrFallback(d.recipe, spec, {});
  if (!plan) throw Object.assign(new Error(`${spec.name} does not apply to the ${d.recipe} recipe`), { kind: 'plan', name: 'ValueError' });
  const T = d.tensors;
  const x = T.x ?? T.X;
  const xT = (d.derived.xT ??= x.t());
  const [k, C] = T.w.shape;
  let w = T.w.toArray();
  const lr = Math.fround(state.lr);
  const steps = state.steps;
  const reduction = state.reduction === 'none' ? 'mean' : state.reduction;
  const F = simd.nn.functional[spec.name];
  const o = lossOptions(simd, spec, state, reduction);
  const losses = [];
  const live = [];
  const dispose = () => { for (const t of live.splice(0)) t.dispose(); };
  let target = plan.target === 'q' ? operands(d, plan, state).target : T[plan.target];
  const t0 = performance.now();
  try {
    for (let step = 0; step <= steps; step++) {
      const wt = simd.tensor(w, { shape: [k, C], dtype: 'float32' });
      live.push(wt);
      const z = simd.mm(x, wt);
      live.push(z);
      let inp = z;
      if (plan.chain === 'sigmoid') live.push((inp = simd.sigmoid(z)));
      else if (plan.chain === 'log_softmax') live.push((inp = logSoftmax(simd, z)));
      const l = F(inp, target, o.opts);
      live.push(l);
      const value = l.item();
      losses.push(value);
      post({ type: 'step', id: job.id, step, loss: value, print: l.toString() });
      if (step === steps) {
        post({ type: 'trained', id: job.id, w: wt.toString(), losses, reduction, ms: performance.now() - t0 });
        break;
      }
      // dL/dinput → dL/dz (chain rule) → dL/dw = x^T dL/dz; then w -= lr * dL/dw (float32).
      const g = simd.grad(spec.name, inp, target, o.opts);
      live.push(g);
      let gz = g;
      if (plan.chain === 'sigmoid') {
        const ga = g.toArray();
        const sa = inp.toArray();
        for (let i = 0; i < ga.length; i++) ga[i] = Math.fround(Math.fround(ga[i] * Math.fround(1 - sa[i])) * sa[i]);
        live.push((gz = simd.tensor(ga, { shape: g.shape, dtype: 'float32' })));
      } else if (plan.chain === 'log_softmax') {
        if (simd.registry.activations.some((a) => a.name === 'log_softmax')) {
          live.push((gz = simd.grad('log_softmax', z, null, { dim: 1 }, g)));
        } else {
          const ga = g.toArray();
          const oa = inp.toArray();
          const [rows, cc] = g.shape;
          for (let i = 0; i < rows; i++) {
            let s = 0;
            for (let c = 0; c < cc; c++) s = Math.fround(s + ga[i * cc + c]);
            for (let c = 0; c < cc; c++) ga[i * cc + c] = Math.fround(ga[i * cc + c] - Math.fround(Math.fround(Math.exp(oa[i * cc + c])) * s));
          }
          live.push((gz = simd.tensor(ga, { shape: g.shape, dtype: 'float32' })));
        }
      }
      const gw = simd.mm(xT, gz);
      live.push(gw);
      const ga = gw.toArray();
      const next = new Float32Array(w.length);
      for (let i = 0; i < w.length; i++) next[i] = Math.fround(w[i] - Math.fround(lr * ga[i]));
      w = next;
      dispose();
      await checkpoint(job);
    }
  } finally {
    dispose();
    o.dispose();
  }
}
