// The plots' data: the loss curve over the input (one target value per series, or the logit
// margin for cross-entropy-like losses) and histograms of where the data lies (reduced in wasm).

import { simd } from './session.mjs';
import { lossOptions, logSoftmaxRows, smoothedOneHot } from './data.mjs';

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

export function lossCurve(spec, plan, state, input, target, d) {
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
