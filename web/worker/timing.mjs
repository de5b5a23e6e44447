// Timing: the same loss by the SIMD build (on one thread, and on every thread it has when it is
// the threaded build: the same bits), the scalar build and a plain JavaScript loop, each timed
// as the median of several samples.

import { jsLoss } from '../jsloops.mjs';
import { simd, data, post, Superseded, Later, checkpoint, progress, scalarReady } from './session.mjs';
import { isOom, isAborted } from './errors.mjs';
import { lossOptions } from './data.mjs';

export function jsOptions(spec, state) {
  const o = {};
  for (const opt of spec.options) {
    const v = state[opt.name];
    if (v === undefined || v === null) continue;
    o[opt.name] = opt.kind === 'tensor' ? Float32Array.from(v) : v;
  }
  return o;
}

function median(a) {
  const s = [...a].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function measure(job, fn, reps) {
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
  // Checked up to 50 ms, not only below 1: a slow first call (a JIT compile, a GC) must not
  // leave the batch at one call of a few µs, which a 100 µs clock reads as 0.
  for (let k = 0; k < 8 && one < 50 && inner < 1e6; k++) {
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
    total += dt;
    // The code got faster after the batch was sized (V8 optimised the JS loop: 10x and more), and
    // a 100 us clock now reads the batch as nearly free: a bigger batch, and this sample dropped.
    if (dt < 0.5 && inner < 1e6) {
      inner = Math.min(1e6, inner * 10);
      continue;
    }
    samples.push(dt / inner);
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

export function copyTo(lab, t) {
  return lab.tensor(t.toArray(), { shape: t.shape, dtype: t.dtype });
}

// One timed path; a failure is reported in its row (the result above stays valid).
async function timePath(job, key, extra, body) {
  try {
    return { key, ...extra, ...(await body()) };
  } catch (e) {
    if (e instanceof Superseded || e instanceof Later || isAborted(e)) throw e;
    if (isOom(e)) job.oom = true;
    return { key, ...extra, error: `${e.name}: ${e.message}` };
  }
}

export async function timing(job, spec, plan, state, list) {
  const [input, target] = list;
  const reps = state.reps ?? 0;
  const numel = input.numel();
  const paths = [];
  // The page's reduction when it gives one number (so each row's Value is the Result's); 'mean'
  // for 'none' (a tensor per call would time the copy out) and for kl_div's 'batchmean'.
  const reduction = state.reduction === 'sum' ? 'sum' : 'mean';
  progress(job, 'timing', 0.6, { path: 'simd' });
  const F = simd.nn.functional[spec.name];
  const timeSimd = async (threads) => {
    await simd.poolReady;   // the threaded build's workers have loaded
    const so = lossOptions(simd, spec, state, reduction);
    const was = simd.get_num_threads();
    simd.set_num_threads(threads);
    try {
      return await measure(job, () => {
        const t = F(...list, so.opts);
        const v = t.item();
        t.dispose();
        return v;
      }, reps);
    } finally {
      simd.set_num_threads(was);
      so.dispose();
    }
  };
  // the threaded build: its SIMD row on one thread, then a row on all of them
  const many = simd.maxThreads;
  paths.push(await timePath(job, 'simd', { arch: simd.arch }, () => timeSimd(1)));
  if (many > 1) {
    await checkpoint(job);
    progress(job, 'timing', 0.65, { path: 'threads', threads: many });
    paths.push(await timePath(job, 'threads', { arch: simd.arch, threads: many }, () => timeSimd(many)));
  }
  progress(job, 'timing', 0.7, { path: 'scalar' });
  await checkpoint(job);

  // The scalar build: the same data copied into its own heap (not timed). It may still be loading.
  let scalarLab = null;
  let scalarError = null;
  try {
    scalarLab = await scalarReady();
  } catch (e) {
    scalarError = e;
  }
  await checkpoint(job);
  paths.push(await timePath(job, 'scalar', { arch: scalarLab?.arch ?? 'scalar' }, async () => {
    if (scalarError) throw scalarError;
    const scalar = scalarLab;
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
      const o = { ...jsOptions(spec, state), reduction };
      const xs = input.shape;
      const ys = target.shape;
      return measure(job, () => js(x, xs, y, ys, o), reps);
    }));
  }
  post({ type: 'timing', id: job.id, timing: { reduction, numel, paths, genMs: data?.genMs ?? null } });
}
