// One 'run' job: the data, the loss as PyTorch prints it, the first rows for the formula panel,
// the gradient with respect to the input, the plots' data and the timings, posted as each is
// ready (the page shows them as they come; a newer job on the channel stops this one at the
// next checkpoint).

import { gradOperand, planOrFallback } from '../recipes.mjs';
import { simd, post, checkpoint, progress, findSpec, startScalar, othersWaiting, Later } from './session.mjs';
import { isOom, isAborted } from './errors.mjs';
import { getData, operands, shapesOf, lossOptions } from './data.mjs';
import { lossCurve } from './curves.mjs';
import { parts, preload } from './parts.mjs';

const HEAD_ROWS = 5;

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

export async function run(job) {
  const state = job.state;
  const skip = new Set(job.skip ?? []);   // parts the client does not show (the widget)
  const spec = findSpec(state.loss);
  const d = await getData(job, spec);
  if (job.timingOnly) return timingLater(job, spec, d);
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
    // the first result is out: the other parts may load now, and the scalar build if this client
    // times (a widget with hide="timing" never needs it)
    if (!skip.has('timing')) startScalar();
    preload();
    // A split build's first part holds only what the first result ran (scripts/split-wasm.mjs):
    // the rest is fetched now, while the page paints the result (if it fails, what needs it
    // loads it on its first call, synchronously).
    await simd.loadDeferred().catch(() => {});
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
    if (!skip.has('timing')) {
      // The timing steps aside (once) for other channels' jobs, before it starts or at any of its
      // checkpoints, and goes on after them: worker.mjs queues the returned job.
      const cost = list.reduce((a, t) => a + t.numel(), 0) * (state.reps || 5);
      const later = { later: { ...job, timingOnly: true, yieldable: false, cost } };
      if (othersWaiting(job)) return later;
      job.yieldable = true;
      try {
        await (await parts.timing()).timing(job, spec, plan, state, list);
      } catch (e) {
        if (e instanceof Later) return later;
        throw e;
      } finally {
        job.yieldable = false;
      }
    }
  } finally {
    main.dispose();
    freeTrash();
  }
}

// The timing of a run that let other channels go first (its data may have to be made again).
async function timingLater(job, spec, d) {
  const info = d.recipe === 'paste' ? d.info : null;
  const plan = planOrFallback(d.recipe, spec, info ?? {});
  const { list } = operands(d, plan, job.state);
  await (await parts.timing()).timing(job, spec, plan, job.state, list);
}
