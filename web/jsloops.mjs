// The "Python sum()" side of the lesson's timing race: each registry loss's reduction='mean' (or
// 'sum', with opts.reduction) written as the straightforward JavaScript loop a learner would write (one pass, double
// accumulator, Math.log / Math.exp). No SIMD, no wasm. The page times it against the SIMD and
// the scalar wasm builds; its value should agree with theirs to about 1e-6 (relative).
//
// Each function: (x, xShape, y, yShape, opts) → number, where x is a Float32Array (the input),
// y a Float32Array (float targets) or Int32Array (class indices), opts the loss's options with
// tensor options (weight, pos_weight) as Float32Arrays.

// Each loss is its own loop, written out: no shared helper takes the per-element formula as a
// callback. A shared closure makes V8's feedback at its call site polymorphic once a second loss
// has run, and the loop's speed then depends on what ran before (MSE at N = 3e6 was 8x slower
// than the wasm build in a fresh tab and 100x after BCE). The benchmark (bench/page/bench.mjs)
// times these same functions as its "js-loop" contender.

// The weight of element i: one weight, one per element, or one per position in the last dim.
const weightAt = (w, i, n, last) => w[w.length === 1 ? 0 : w.length === n ? i : i % last];
const lastDim = (shape) => (shape.length ? shape[shape.length - 1] : 1);

export const JS_LOSSES = {
  // l = (x - y)^2
  mse_loss(x, xShape, y, yShape, o) {
    const n = x.length;
    if (y.length !== n) return NaN;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const d = x[i] - y[i];
      s += d * d;
    }
    return o.reduction === 'sum' ? s : s / n;
  },
  // l = |x - y|
  l1_loss(x, xShape, y, yShape, o) {
    const n = x.length;
    if (y.length !== n) return NaN;
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.abs(x[i] - y[i]);
    return o.reduction === 'sum' ? s : s / n;
  },
  // l = |d| < beta ? 0.5 d^2 / beta : |d| - 0.5 beta
  smooth_l1_loss(x, xShape, y, yShape, o) {
    const n = x.length;
    if (y.length !== n) return NaN;
    const beta = o.beta ?? 1;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const z = Math.abs(x[i] - y[i]);
      s += z < beta ? (0.5 * z * z) / beta : z - 0.5 * beta;
    }
    return o.reduction === 'sum' ? s : s / n;
  },
  // l = |d| < delta ? 0.5 d^2 : delta (|d| - 0.5 delta)
  huber_loss(x, xShape, y, yShape, o) {
    const n = x.length;
    if (y.length !== n) return NaN;
    const delta = o.delta ?? 1;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const z = Math.abs(x[i] - y[i]);
      s += z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta);
    }
    return o.reduction === 'sum' ? s : s / n;
  },
  // l = -w [y max(log x, -100) + (1 - y) max(log(1 - x), -100)]
  binary_cross_entropy(x, xShape, y, yShape, o) {
    const n = x.length;
    if (y.length !== n) return NaN;
    const w = o.weight;
    const last = lastDim(xShape);
    let s = 0;
    for (let i = 0; i < n; i++) {
      const l = -(y[i] * Math.max(Math.log(x[i]), -100) + (1 - y[i]) * Math.max(Math.log(1 - x[i]), -100));
      s += w ? l * weightAt(w, i, n, last) : l;
    }
    return o.reduction === 'sum' ? s : s / n;
  },
  // l = w [(1 - y) x + lw (log(exp(-m) + exp(-x - m)) + m)], m = max(-x, 0), lw = 1 + (pw - 1) y
  binary_cross_entropy_with_logits(x, xShape, y, yShape, o) {
    const n = x.length;
    if (y.length !== n) return NaN;
    const w = o.weight;
    const pw = o.pos_weight;
    const last = lastDim(xShape);
    let s = 0;
    for (let i = 0; i < n; i++) {
      const v = x[i];
      const m = Math.max(-v, 0);
      const lw = pw ? 1 + (pw[pw.length === 1 ? 0 : i % last] - 1) * y[i] : 1;
      const l = (1 - y[i]) * v + lw * (Math.log(Math.exp(-m) + Math.exp(-v - m)) + m);
      s += w ? l * weightAt(w, i, n, last) : l;
    }
    return o.reduction === 'sum' ? s : s / n;
  },
  // l = y (log y - x)  |  exp(y) (y - x) with log_target
  kl_div(x, xShape, y, yShape, o) {
    const n = x.length;
    if (y.length !== n) return NaN;
    let s = 0;
    if (o.log_target) {
      for (let i = 0; i < n; i++) s += Math.exp(y[i]) * (y[i] - x[i]);
    } else {
      for (let i = 0; i < n; i++) {
        const t = y[i];
        if (t !== 0) s += t * (Math.log(t) - x[i]);
        else if (Number.isNaN(x[i]) || x[i] === -Infinity) s = NaN;
      }
    }
    return o.reduction === 'sum' ? s : s / n;
  },
  // l_i = -w[y_i] x[i, y_i]; mean = sum / sum of the weights of the rows not ignored
  nll_loss(x, xShape, y, yShape, o) {
    const { rows, C, D } = classLayout(xShape);
    const ignore = o.ignore_index ?? -100;
    const w = o.weight;
    let s = 0;
    let den = 0;
    for (let i = 0; i < rows; i++) {
      for (let d = 0; d < D; d++) {
        const t = y[i * D + d];
        if (t === ignore) continue;
        const wt = w ? w[t] : 1;
        s -= wt * x[(i * C + t) * D + d];
        den += wt;
      }
    }
    return o.reduction === 'sum' ? s : s / den;
  },
  // index target: (1 - eps) nll(log_softmax(x), y) + (eps / C) sum_c -w_c log_softmax(x)_c
  // probability target: -sum_c w_c q_c log_softmax(x)_c, q = y (1 - eps) + eps / C, mean over rows
  cross_entropy(x, xShape, y, yShape, o) {
    const { rows, C, D } = classLayout(xShape);
    const eps = Math.max(o.label_smoothing ?? 0, 0);
    const w = o.weight;
    const prob = y instanceof Float32Array || y instanceof Float64Array;
    const ignore = o.ignore_index ?? -100;
    const logp = new Float64Array(C);
    let nll = 0;
    let smooth = 0;
    let den = 0;
    for (let i = 0; i < rows; i++) {
      for (let d = 0; d < D; d++) {
        let m = -Infinity;
        for (let c = 0; c < C; c++) m = Math.max(m, x[(i * C + c) * D + d]);
        let se = 0;
        for (let c = 0; c < C; c++) se += Math.exp(x[(i * C + c) * D + d] - m);
        const lse = m + Math.log(se);
        for (let c = 0; c < C; c++) logp[c] = x[(i * C + c) * D + d] - lse;
        if (prob) {
          for (let c = 0; c < C; c++) {
            const q = y[(i * C + c) * D + d] * (1 - eps) + eps / C;
            nll -= (w ? w[c] : 1) * q * logp[c];
          }
          den += 1;
          continue;
        }
        const t = y[i * D + d];
        if (t === ignore) continue;
        const wt = w ? w[t] : 1;
        nll -= wt * logp[t];
        den += wt;
        if (eps > 0) for (let c = 0; c < C; c++) smooth -= (w ? w[c] : 1) * logp[c];
      }
    }
    if (o.reduction === 'sum') den = 1;
    if (prob) return nll / den;
    return ((1 - eps) * nll) / den + ((eps / C) * smooth) / den;
  },
};

function classLayout(shape) {
  if (shape.length === 1) return { rows: 1, C: shape[0], D: 1 };
  const D = shape.slice(2).reduce((a, b) => a * b, 1);
  return { rows: shape[0], C: shape[1], D };
}

/** The JS loop for a registry loss, or null when there is none (a loss newer than this file). */
export function jsLoss(name) {
  return JS_LOSSES[name] ?? null;
}
