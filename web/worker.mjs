// The playground's compute worker (a module Web Worker): ALL heavy work happens here, so the page
// never blocks. It loads the SIMD and the scalar wasm builds, generates the lesson's data,
// computes the loss and its gradient, the plots' data (reduced in wasm), the timings, and runs
// gradient descent on w. The page and the widget talk to it through engine.mjs.
//
// Protocol (main → worker):
//   {type: 'run',   id, channel, state, skip?}   loss + gradient + plots + timing for a state
//                                        (state.mjs); skip: ['grad', 'plots', 'timing'] leaves those out
//   {type: 'train', id, channel, state}   gradient descent on w (binary / multiclass recipes)
//   {type: 'lesson', id, channel, state: {block}}   one of the lesson's JS blocks
//                                        (lesson/blocks.mjs, with the blocks it needs first)
//   {type: 'touch' | 'outliers', id, channel, state: request}   answered at once (worker/touch.mjs)
//   {type: 'surface', id, channel, state}   the loss over two of w's entries (worker/train.mjs)
//   {type: 'stop', channel}               ends the channel's job at its next checkpoint (Pause)
// A newer job on the same channel supersedes an older one at its next checkpoint. Cancelling a
// job that is inside one long wasm call is done by terminating the worker (engine.mjs).
// Worker → main: {type: 'ready', flavor, arch, scalarArch: null}, then {type: 'scalar', arch}
// once the scalar build has loaded, and for a job id:
//   progress {phase, fraction} · data {info} · loss {...} · plots {...} · timing {...}
//   step {step, loss, w, accuracy} · stepGrad {step, norm} · trained {...} · surface {...} · printed {block, lines} · touched / outliered {...}
//   done {ms} · error {kind, name, message, fatal, ...}

// The parts of a job live beside this file, in worker/: session.mjs (the loaded builds, the
// current data, post/progress/checkpoint), errors.mjs, data.mjs (data sets, operands, options),
// curves.mjs (the plots' data), timing.mjs and train.mjs (gradient descent).

import { createLossLab } from './dist/losslab.mjs';
import { gradOperand, planOrFallback } from './recipes.mjs';
import { simd, latest, post, Superseded, checkpoint, progress, findSpec, setBuilds, setData, setScalarLoader } from './worker/session.mjs';
import { isOom, isAborted, describeError } from './worker/errors.mjs';
import { getData, operands, shapesOf, lossOptions } from './worker/data.mjs';
import { lossCurve } from './worker/curves.mjs';
import { timing } from './worker/timing.mjs';
import { train, surface } from './worker/train.mjs';
import { race } from './worker/race.mjs';
import { touch, outliers } from './worker/touch.mjs';
import { runBlocks } from './lesson/blocks.mjs';

const HEAD_ROWS = 5;

const queue = [];
let busy = false;
let raceJob = null;   // the race being run, stopped by any other job

// Started by the playground's boot.mjs: the SIMD wasm comes compiled, in a message.
let bootWasm = null;
if (self.name === 'losslab-boot') {
  bootWasm = new Promise((resolve) => {
    self.addEventListener('message', function once(ev) {
      if (ev.data?.type !== 'wasm') return;
      self.removeEventListener('message', once);
      resolve(ev.data.module ?? null);
    });
  });
}

const ready = (async () => {
  try {
    const wasmModule = bootWasm ? await bootWasm : null;
    const simdLab = await createLossLab({ warnings: 'silent', ...(wasmModule ? { wasmModule } : {}) });
    setBuilds(simdLab, null);
    // (The registry is not sent: the page has it already, from dist/registry.mjs.)
    post({ type: 'ready', flavor: simdLab.flavor, arch: simdLab.arch, scalarArch: null });
    // the scalar build only times: it loads now, and the first result does not wait for it
    setScalarLoader(async () => {
      const lab = await createLossLab({ simd: false, warnings: 'silent' });
      post({ type: 'scalar', arch: lab.arch });
      return lab;
    });
  } catch (e) {
    post({ type: 'error', id: null, kind: 'load', name: e.name, message: e.message, fatal: true });
    throw e;
  }
})();

// Small synchronous requests ("touch the loss": a dragged point, the outliers table) are answered
// as they arrive, between the steps of whatever job runs, so that dragging stays live.
const IMMEDIATE = { touch, outliers };
async function immediate(m) {
  await ready;
  latest.set(m.channel ?? 0, m.id);
  try {
    post({ type: m.type === 'touch' ? 'touched' : 'outliered', id: m.id, ...IMMEDIATE[m.type](m.state) });
    post({ type: 'done', id: m.id, ms: 0 });
  } catch (e) {
    post({ type: 'error', id: m.id, ...describeError(e) });
  }
}

self.onmessage = (ev) => {
  const m = ev.data;
  if (m && Object.hasOwn(IMMEDIATE, m.type)) {
    immediate(m);
    return;
  }
  if (m?.type === 'stop') {   // Pause: nothing newer on the channel; its job ends at its next checkpoint
    latest.set(m.channel ?? 0, -1);
    return;
  }
  if (!['run', 'train', 'lesson', 'race', 'surface'].includes(m?.type)) return;
  latest.set(m.channel ?? 0, m.id);
  // The race is background work: any other job stops it (the page starts it again after).
  if (m.type !== 'race') for (const j of queue) if (j.type === 'race') latest.set(j.channel ?? 0, -1);
  if (m.type !== 'race' && raceJob) latest.set(raceJob.channel ?? 0, -1);
  queue.push(m);
  pump();
};

async function pump() {
  if (busy) return;
  busy = true;
  await ready;
  while (queue.length) {
    const job = queue.shift();
    if (latest.get(job.channel ?? 0) !== job.id) {
      if (job.type === 'race') post({ type: 'done', id: job.id, ms: 0, stopped: true });
      continue;
    }
    const t0 = performance.now();
    try {
      if (job.type === 'run') await run(job);
      else if (job.type === 'lesson') lesson(job);
      else if (job.type === 'race') {
        raceJob = job;
        try {
          await race(job);
        } finally {
          raceJob = null;
        }
      } else if (job.type === 'surface') await surface(job);
      else await train(job);
      post({ type: 'done', id: job.id, ms: performance.now() - t0, restart: !!job.oom });
      if (job.oom) {
        setData(null);
        return;   // the page restarts this worker to free the heap
      }
    } catch (e) {
      if (e instanceof Superseded) {
        if (job.type === 'race') post({ type: 'done', id: job.id, ms: performance.now() - t0, stopped: true });
        continue;
      }
      const d = describeError(e);
      post({ type: 'error', id: job.id, ...d });
      if (d.fatal) {
        // The heap may be in any state after an abort: drop everything, the page respawns us.
        setData(null);
        return;
      }
    }
  }
  busy = false;
}

// ---- a lesson block ------------------------------------------------------------------------

// Runs the block (and those it needs, as the lesson's one Python session would) on the SIMD
// build; every tensor made is freed after (torch.tidy), the printed lines go to the page.
function lesson(job) {
  const id = String(job.state?.block ?? '');
  const { out } = simd.tidy(() => {
    const r = runBlocks(simd, { only: [id] });
    return { out: r.out };
  });
  if (!out[id]) throw Object.assign(new Error(`unknown lesson block '${id}'`), { name: 'ValueError' });
  post({ type: 'printed', id: job.id, block: id, lines: out[id] });
}

// ---- one run -------------------------------------------------------------------------------

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

// The first rows of the operands with each row's term of the loss (reduction='none'): the
// formula panel plugs them in. For class scores with class indices, each row's probabilities
// (softmax of the scores; exp of log-probabilities for nll_loss) and its predicted class. Null
// when the operands are not row-aligned (ctc_loss) or a row cannot be computed alone.
const FIRST_ROWS = 5;
function firstRows(spec, plan, state, list) {
  const rows = Math.min(FIRST_ROWS, list[0].shape[0] ?? 0);
  if (!rows || list.some((t) => t.ndim === 0 || t.shape[0] !== list[0].shape[0])) return null;
  const F = simd.nn.functional[spec.name];
  const none = lossOptions(simd, spec, state, 'none');
  const parts = list.map((t) => t.narrow(0, 0, rows));
  const made = [...parts];
  try {
    const l = F(...parts, none.opts);
    made.push(l);
    const out = {
      operands: (plan.operands ?? [plan.input, plan.target]).slice(0, list.length),
      shapes: parts.map((t) => t.shape),
      dtypes: parts.map((t) => t.dtype),
      values: parts.map((t) => Array.from(t.toArray(), Number)),
      loss: l.shape[0] === rows ? Array.from(l.toArray(), Number) : null,
      lossShape: l.shape,
      total: list[0].shape[0],
    };
    const [x, y] = parts;
    if (x.ndim === 2 && y && y.ndim === 1 && y.dtype === 'int64' && ['cross_entropy', 'nll_loss'].includes(spec.name)) {
      const p = spec.name === 'nll_loss' ? x.exp() : simd.nn.functional.softmax(x, { dim: 1 });
      made.push(p);
      const probs = Array.from(p.toArray());
      const C = x.shape[1];
      out.classes = { C, probs, pred: Array.from({ length: rows }, (_, r) => {
        let best = 0;
        for (let c = 1; c < C; c++) if (probs[r * C + c] > probs[r * C + best]) best = c;
        return best;
      }) };
    }
    return out;
  } catch (e) {
    if (isAborted(e)) throw e;
    return null;
  } finally {
    for (const t of made) t.dispose();
    none.dispose();
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
    if (!skip.has('rows')) {
      const rows = firstRows(spec, plan, state, list);
      if (rows) post({ type: 'rows', id: job.id, rows });
    }
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
