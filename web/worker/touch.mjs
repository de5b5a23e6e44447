// "Touch the loss" in the worker: each overlaid loss and its gradient along the family's x axis
// (web/touch.mjs), and at the dragged point the loss and gradient as PyTorch prints them; and the
// regression data with outliers against the same data without. Small, synchronous work: the
// worker answers these between the steps of longer jobs (worker.mjs), so a drag stays live while
// a run, a race or gradient descent goes on.

import { simd, data, findSpec } from './session.mjs';
import { lossOptions } from './data.mjs';
import { CHAIN, FAMILIES, axis, centreOf, withOutliers } from '../touch.mjs';

// The loss's options from the page; a tensor option that does not fit one element (weight=1,2)
// is left out rather than failing the view (the result panel reports it for the real data).
function optionsFor(spec, state, reduction) {
  return lossOptions(simd, spec, state, reduction);
}

/** x (K values) → the loss's input tensor and target for the family. */
function operandsOf(family, name, xs, target, C) {
  const K = xs.length;
  if (family === 'margin') {
    const rows = new Float32Array(K * C);
    for (let k = 0; k < K; k++) rows[k * C] = xs[k];
    const z = simd.tensor(rows, { shape: [K, C], dtype: 'float32' }).requires_grad_();
    const inp = CHAIN[name] === 'log_softmax' ? simd.nn.functional.log_softmax(z, { dim: 1 }) : z;
    return { z, inp, tgt: simd.tensor(new BigInt64Array(K), { shape: [K], dtype: 'int64' }), stride: C };
  }
  const z = simd.tensor(xs, { shape: [K], dtype: 'float32' }).requires_grad_();
  const inp = CHAIN[name] === 'sigmoid' ? simd.sigmoid(z) : z;
  const tgt = simd.tensor(new Float32Array(K).fill(Number(target)), { shape: [K], dtype: 'float32' });
  return { z, inp, tgt, stride: 1 };
}

function lossAlong(family, name, state, xs, target, C) {
  const spec = findSpec(name);
  const F = simd.nn.functional[name];
  const attempt = (st) => simd.tidy(() => {
    const { z, inp, tgt, stride } = operandsOf(family, name, xs, target, C);
    const none = optionsFor(spec, st, 'none');
    const sum = optionsFor(spec, st, 'sum');
    try {
      const per = F(inp, tgt, none.opts).toArray();
      F(inp, tgt, sum.opts).backward();
      const g = z.grad.toArray();
      const grad = new Float32Array(xs.length);
      for (let k = 0; k < xs.length; k++) grad[k] = g[k * stride];
      return { loss: Array.from(per), grad: Array.from(grad) };
    } finally {
      none.dispose();
      sum.dispose();
    }
  });
  try {
    return attempt(state);
  } catch (e) {
    try {
      return { ...attempt({ ...state, weight: null, pos_weight: null }), note: 'noWeight' };
    } catch {
      throw e;
    }
  }
}

// The point as PyTorch prints it: loss = F(input, target) with the page's reduction over one
// element (or one row), then loss.backward() and x.grad.
function pointAt(family, name, state, x, target, C) {
  const spec = findSpec(name);
  const F = simd.nn.functional[name];
  const reduction = state.reduction === 'none' || state.reduction === 'batchmean' ? 'mean' : state.reduction;
  return simd.tidy(() => {
    const { z, inp, tgt } = operandsOf(family, name, Float32Array.of(x), target, C);
    const o = optionsFor(spec, state, reduction);
    try {
      let l;
      try {
        l = F(inp, tgt, o.opts);
      } catch {
        l = F(inp, tgt, optionsFor(spec, { ...state, weight: null, pos_weight: null }, reduction).opts);
      }
      l.backward();
      return { value: l.item(), grad: z.grad.toArray()[0], print: l.toString(), gradPrint: z.grad.toString() };
    } finally {
      o.dispose();
    }
  });
}

/**
 * @param {{family: string, losses: string[], target: number, x: number, half: number, c: number,
 *   state: object}} req  state: the page's state (its options and reduction)
 */
export function touch(req) {
  const f = FAMILIES[req.family];
  if (!f) throw Object.assign(new Error(`no touch view for '${req.family}'`), { name: 'ValueError' });
  const C = Math.max(2, Math.min(100, Number(req.c) || 3));
  const target = req.family === 'margin' ? 0 : Number(req.target);
  const xs = axis(centreOf(req.family, target), Number(req.half) || f.half);
  const curves = [];
  const point = [];
  for (const name of req.losses) {
    if (!f.losses.includes(name) && req.family !== 'error') continue;
    try {
      curves.push({ name, ...lossAlong(req.family, name, req.state, xs, target, C) });
      point.push({ name, ...pointAt(req.family, name, req.state, Number(req.x), target, C) });
    } catch (e) {
      curves.push({ name, error: `${e.name}: ${e.message}` });
      point.push({ name, error: `${e.name}: ${e.message}` });
    }
  }
  return { x: Array.from(xs), curves, point, C };
}

/**
 * The regression recipe's data (yhat, y as the page generates it) against the same data with
 * outliers in y: each error loss on both, with the page's reduction ('none' → 'mean').
 * @param {{state: object, fraction: number, size: number, losses: string[]}} req
 */
export function outliers(req) {
  const s = req.state;
  const key = `regression|${s.n}|${s.c}|${s.seed}`;
  return simd.tidy(() => {
    const own = data?.key === key ? null : simd.recipe('regression', { n: Number(s.n), c: 3, seed: s.seed });
    const T = own ?? data.tensors;
    try {
      const y = T.y.toArray();
      const { y: dirty, moved } = withOutliers(y, Number(req.fraction), Number(req.size));
      const yd = simd.tensor(dirty, { shape: T.y.shape, dtype: 'float32' });
      const reduction = s.reduction === 'sum' ? 'sum' : 'mean';
      const rows = req.losses.map((name) => {
        const spec = findSpec(name);
        const F = simd.nn.functional[name];
        const o = lossOptions(simd, spec, s, reduction);
        try {
          const a = F(T.yhat, T.y, o.opts);
          const b = F(T.yhat, yd, o.opts);
          return { name, clean: a.item(), dirty: b.item(), cleanPrint: a.toString(), dirtyPrint: b.toString() };
        } catch (e) {
          return { name, error: `${e.name}: ${e.message}` };
        } finally {
          o.dispose();
        }
      });
      return { rows, moved, n: y.length, reduction };
    } finally {
      if (own) for (const t of Object.values(own)) t.dispose?.();
    }
  });
}
