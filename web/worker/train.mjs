// Gradient descent on w (the binary and multiclass recipes) with autograd and optim.SGD
// (web/train_loop.mjs: the loop the PyTorch-code panel prints), posting each step's loss, w and
// the gradient's norm; and the loss surface over two of w's entries.
//
// A job's mode (state.trainMode):
//   run    from w0, state.steps updates as fast as the machine goes (what the code panel prints)
//   step   from where the last job stopped (the session), one update; the first shows step 0.
//          The page's Play sends one step job after another (other jobs take their turn between
//          them), Pause stops sending.
// The session (the current w and how many updates it has had) survives between jobs, so a run
// stopped between steps keeps the step reached; it is dropped when the data, the loss or its
// options change (lr may change on the way: plain SGD keeps no other state).

import { TRAINABLE, planOrFallback } from '../recipes.mjs';
import { RUN_KEYS } from '../state.mjs';
import { simd, post, checkpoint, findSpec } from './session.mjs';
import { getData, operands, lossOptions } from './data.mjs';
import { trainLoop } from '../train_loop.mjs';

// The share of rows the current w classifies right: argmax of x @ w against the class (multiclass;
// the class of a probability target is its argmax), or x @ w > 0 against y > 0.5 (binary).
function accuracy(zhat, target) {
  try {
    const n = zhat.shape[0];
    if (zhat.ndim === 2 && zhat.shape[1] > 1) {
      const truth = target.dtype === 'int64' ? target : target.argmax(1);
      return zhat.argmax(1).eq(truth).sum().item() / n;
    }
    const y = target.numel() === zhat.numel() && target.shape.join() !== zhat.shape.join() ? target.reshape(zhat.shape) : target;
    return zhat.gt(0).eq(y.gt(0.5)).sum().item() / n;
  } catch {
    return null;   // inside the step's tidy scope: nothing to free
  }
}

let session = null;   // {key, w: Tensor, k: updates applied, shape}

const sessionKey = (state) => JSON.stringify(RUN_KEYS.filter((k) => k !== 'reps' && k !== 'lr' && k !== 'steps').map((k) => state[k]));

function dropSession() {
  session?.w.dispose();
  session = null;
}

/** What a job trains on: the data's x, the target, the loss's options and the chain. */
async function setup(job) {
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
  const reduction = state.reduction === 'none' ? 'mean' : state.reduction;
  const target = plan.target === 'q' ? operands(d, plan, state).target : T[plan.target];
  return { spec, plan, x, w0: T.w, target, reduction };
}

export async function train(job) {
  const state = job.state;
  const mode = state.trainMode ?? 'run';
  const { spec, plan, x, w0, target, reduction } = await setup(job);
  const key = sessionKey(state);
  if (mode === 'run' || state.trainFresh || session?.key !== key) {
    dropSession();
    session = { key, w: w0.clone(), k: 0, fresh: true };
  }
  const start = session.k;
  const updates = mode === 'step' ? (session.fresh ? 0 : 1) : Math.max(0, state.steps - start);
  session.fresh = false;
  const o = lossOptions(simd, spec, state, reduction);
  const t0 = performance.now();
  try {
    const { w, losses } = await trainLoop(simd, {
      x, w0: session.w, target, loss: spec.name, opts: o.opts, chain: plan.chain, lr: state.lr, steps: updates,
    }, {
      onStep: (step, value, l, zhat, wNow) => {
        const k = start + step;
        // the session follows every step, so a stop between steps keeps the one reached
        if (step > 0) {
          session.w.dispose();
          session.w = wNow.detach().clone();
          session.k = k;
        }
        post({ type: 'step', id: job.id, step: k, loss: value, print: l.toString(),
          accuracy: accuracy(zhat, target), w: Array.from(wNow.toArray()), wShape: wNow.shape });
      },
      onGrad: (step, grad) => {
        const g = grad.toArray();
        let sq = 0;
        for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
        post({ type: 'stepGrad', id: job.id, step: start + step, norm: Math.sqrt(sq) });
      },
      between: () => checkpoint(job),
    });
    session.w.dispose();
    session.w = w;
    session.k = start + updates;
    post({ type: 'trained', id: job.id, w: w.toString(), losses, reduction, k: session.k, ms: performance.now() - t0 });
  } finally {
    o.dispose();
  }
}

const SURFACE_ROWS = 20000;   // the surface's rows: all up to this many, else an evenly strided sample
const G = 31;                 // grid points per axis

/**
 * The loss over two entries (i, j) of w, the others held at `w` (the last step's), on a grid
 * spanning `range` ([[a0, a1], [b0, b1]]): {xs, ys, values, rows, total, step}.
 */
export async function surface(job) {
  const state = job.state;
  const { spec, plan, x, target, reduction } = await setup(job);
  const n = x.shape[0];
  const step = Math.max(1, Math.ceil(n / SURFACE_ROWS));
  const o = lossOptions(simd, spec, state, reduction);
  const F = simd.nn.functional[spec.name];
  const [[a0, a1], [b0, b1]] = state.range;
  const xs = Array.from({ length: G }, (_, k) => a0 + ((a1 - a0) * k) / (G - 1));
  const ys = Array.from({ length: G }, (_, k) => b0 + ((b1 - b0) * k) / (G - 1));
  const values = new Float64Array(G * G);
  const [i, j] = state.pair;
  try {
    const rows = step === 1 ? { xr: x, tr: target, count: n }
      : { xr: x.slice(0, null, null, step).clone(), tr: target.slice(0, null, null, step).clone(), count: Math.ceil(n / step) };
    try {
      const w = Float32Array.from(state.w);
      for (let r = 0; r < G; r++) {
        for (let c = 0; c < G; c++) {
          w[i] = xs[c];
          w[j] = ys[r];
          values[r * G + c] = simd.tidy(() => {
            const wt = simd.tensor(w, { shape: state.wShape, dtype: 'float32' });
            const zhat = simd.mm(rows.xr, wt);
            const inp = plan.chain === 'sigmoid' ? simd.sigmoid(zhat)
              : plan.chain === 'log_softmax' ? simd.nn.functional.log_softmax(zhat, { dim: 1 }) : zhat;
            return F(inp, rows.tr, o.opts).item();
          });
        }
        if (r % 8 === 7) await checkpoint(job);
      }
      post({ type: 'surface', id: job.id, xs, ys, values: Array.from(values), rows: rows.count, total: n, every: step, pair: state.pair });
    } finally {
      if (rows.xr !== x) rows.xr.dispose();
      if (rows.tr !== target) rows.tr.dispose();
    }
  } finally {
    o.dispose();
  }
}
