// The bench's data and float64 references (bench/README.md "Data"). The same counter-based hash
// generates the same float32 bytes here, in bench/native_bench.cpp and in bench/torch_bench.py,
// so every contender (and every language) sees identical inputs.

const fmix32 = (x) => {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
};
/** fmix32(i * 0x9E3779B1 + stream * 0x7F4A7C15) mod 2**32 */
export const hash = (i, stream) =>
  fmix32((Math.imul(i, 0x9e3779b1) + Math.imul(stream, 0x7f4a7c15)) | 0);

const P = (e) => 2 ** e;
/** (k - 2**23) * 2**-s with k the hash's top 24 bits: exact in float32. */
const centered = (i, stream, s) => ((hash(i, stream) >>> 8) - 0x800000) * P(-s);

// Neumaier (Kahan-Babuska) summation in float64.
class Sum {
  s = 0;
  c = 0;
  add(v) {
    const t = this.s + v;
    this.c += Math.abs(this.s) >= Math.abs(v) ? (this.s - t) + v : (v - t) + this.s;
    this.s = t;
  }
  get value() { return this.s + this.c; }
}

/**
 * The workloads: id (JSON name), loss (registry name), classes (0: elementwise), fixed rows.
 * ce1000 is 3000 x 1000 whatever N is (its JSON n is the row count, 3000).
 */
export const WORKLOADS = [
  { id: 'mse', loss: 'mse_loss', classes: 0 },
  { id: 'bce', loss: 'binary_cross_entropy', classes: 0 },
  { id: 'bce_logits', loss: 'binary_cross_entropy_with_logits', classes: 0 },
  { id: 'ce3', loss: 'cross_entropy', classes: 3 },
  { id: 'ce1000', loss: 'cross_entropy', classes: 1000, rows: 3000 },
];

/**
 * Generates a workload's inputs once and its float64 reference (the 'mean' loss computed with
 * Math.log/exp/log1p over the same float32 values, Neumaier-summed).
 * Returns { id, loss, n, classes, x: Float32Array, y?: Float32Array (float targets),
 *           t?: Int32Array (class indices), ref, elements, bytes }.
 */
export function makeData(w, n) {
  const sum = new Sum();
  if (!w.classes) {
    const x = new Float32Array(n);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let xi, yi, l;
      if (w.id === 'mse') {
        xi = centered(i, 1, 22);
        yi = centered(i, 2, 22);
        l = (xi - yi) * (xi - yi);
      } else if (w.id === 'bce') {
        xi = (2 * (hash(i, 3) >>> 9) + 1) * P(-24);
        yi = hash(i, 4) >>> 31;
        l = -(yi * Math.max(Math.log(xi), -100) + (1 - yi) * Math.max(Math.log(1 - xi), -100));
      } else if (w.id === 'bce_logits') {
        xi = centered(i, 5, 20);
        yi = hash(i, 6) >>> 31;
        l = Math.max(xi, 0) - xi * yi + Math.log1p(Math.exp(-Math.abs(xi)));
      } else {
        throw new Error(`unknown workload ${w.id}`);
      }
      x[i] = xi;
      y[i] = yi;
      sum.add(l);
    }
    return { ...w, n, x, y, ref: sum.value / n, elements: n, bytes: 8 * n };
  }
  const c = w.classes;
  const x = new Float32Array(n * c);
  const t = new Int32Array(n);
  for (let k = 0; k < n * c; k++) x[k] = centered(k, 7, 21);
  for (let r = 0; r < n; r++) {
    t[r] = hash(r, 8) % c;
    const o = r * c;
    let m = x[o];
    for (let j = 1; j < c; j++) m = Math.max(m, x[o + j]);
    let e = 0;
    for (let j = 0; j < c; j++) e += Math.exp(x[o + j] - m);
    sum.add(m + Math.log(e) - x[o + t[r]]);
  }
  return { ...w, n, x, t, ref: sum.value / n, elements: n * c, bytes: 4 * n * c + 8 * n };
}

// ---- the losses beyond the lesson's five (bench/README.md "Workloads", second table) ----------
// Each is a registry loss called with all its operands; n is the bench size N (elements of the
// input), the row-wise losses take N/10 rows of C = 10, the embedding ones N/32 rows of D = 32,
// ctc is fixed (T = 50, batch 64, C = 20, S = 20; its n is the batch). Streams 20..49, as in
// bench/native_bench.cpp and bench/torch_bench.py.
export const ROW_C = 10;
export const EMB_D = 32;
export const CTC = { T: 50, B: 64, C: 20, S: 20 };
const sign = (i, s) => 2 * (hash(i, s) >>> 31) - 1;
const bit = (i, s) => hash(i, s) >>> 31;
const logSigmoid = (v) => Math.min(v, 0) - Math.log1p(Math.exp(-Math.abs(v)));

export const EXTRA_WORKLOADS = [
  { id: 'margin_ranking', loss: 'margin_ranking_loss', layout: 'elem' },
  { id: 'hinge', loss: 'hinge_embedding_loss', layout: 'elem' },
  { id: 'hinge_tf', loss: 'margin_ranking_loss', layout: 'elem', options: { margin: 1 } },
  { id: 'soft_margin', loss: 'soft_margin_loss', layout: 'elem' },
  { id: 'poisson', loss: 'poisson_nll_loss', layout: 'elem' },
  { id: 'gaussian', loss: 'gaussian_nll_loss', layout: 'elem' },
  { id: 'ml_soft_margin', loss: 'multilabel_soft_margin_loss', layout: 'rows' },
  { id: 'multi_margin', loss: 'multi_margin_loss', layout: 'rows' },
  { id: 'ml_margin', loss: 'multilabel_margin_loss', layout: 'rows' },
  { id: 'cosine_emb', loss: 'cosine_embedding_loss', layout: 'emb' },
  { id: 'cosine_dist', loss: 'cosine_embedding_loss', layout: 'emb' },
  { id: 'triplet', loss: 'triplet_margin_loss', layout: 'emb' },
  { id: 'triplet_dist', loss: 'triplet_margin_with_distance_loss', layout: 'emb' },
  { id: 'ctc', loss: 'ctc_loss', layout: 'ctc', rows: CTC.B },
];

const f32 = (n, f) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = f(i);
  return a;
};
const op = (data, shape, dtype = 'float32') => ({ data, shape, dtype });

/**
 * An extra workload's operands (in the loss's positional order: {data, shape, dtype}), its
 * options (besides reduction 'mean'), the float64 reference of the 'mean' loss, elements (input
 * elements) and bytes (what the loss reads).
 */
export function makeExtraData(w, n) {
  const sum = new Sum();
  const base = { ...w, n, options: w.options ?? {} };
  if (w.layout === 'elem') {
    let ops;
    if (w.id === 'margin_ranking' || w.id === 'hinge_tf') {
      const tf = w.id === 'hinge_tf';
      const x1 = f32(n, (i) => centered(i, tf ? 25 : 20, 22));
      const x2 = tf ? new Float32Array(1) : f32(n, (i) => centered(i, 21, 22));
      const y = f32(n, (i) => sign(i, tf ? 26 : 22));
      const margin = tf ? 1 : 0;
      for (let i = 0; i < n; i++) sum.add(Math.max(0, -y[i] * (x1[i] - x2[tf ? 0 : i]) + margin));
      ops = [op(x1, [n]), op(x2, [x2.length]), op(y, [n])];
    } else if (w.id === 'hinge') {
      const x = f32(n, (i) => (hash(i, 23) >>> 8) * P(-22));
      const y = f32(n, (i) => sign(i, 24));
      for (let i = 0; i < n; i++) sum.add(y[i] > 0 ? x[i] : Math.max(0, 1 - x[i]));
      ops = [op(x, [n]), op(y, [n])];
    } else if (w.id === 'soft_margin') {
      const x = f32(n, (i) => centered(i, 27, 20));
      const y = f32(n, (i) => sign(i, 28));
      for (let i = 0; i < n; i++) sum.add(Math.log1p(Math.exp(-y[i] * x[i])));
      ops = [op(x, [n]), op(y, [n])];
    } else if (w.id === 'poisson') {
      const x = f32(n, (i) => centered(i, 29, 22));
      const y = f32(n, (i) => hash(i, 30) % 8);
      for (let i = 0; i < n; i++) sum.add(Math.exp(x[i]) - y[i] * x[i]);
      ops = [op(x, [n]), op(y, [n])];
    } else if (w.id === 'gaussian') {
      const x = f32(n, (i) => centered(i, 31, 22));
      const y = f32(n, (i) => centered(i, 32, 22));
      const v = f32(n, (i) => ((hash(i, 33) >>> 9) + 0x200000) * P(-22));
      for (let i = 0; i < n; i++) sum.add(0.5 * (Math.log(v[i]) + (x[i] - y[i]) ** 2 / v[i]));
      ops = [op(x, [n]), op(y, [n]), op(v, [n])];
    } else {
      throw new Error(`unknown workload ${w.id}`);
    }
    const bytes = ops.reduce((b, o) => b + 4 * o.data.length, 0);
    return { ...base, operands: ops, ref: sum.value / n, elements: n, bytes };
  }
  if (w.layout === 'rows') {
    const c = ROW_C;
    const r = Math.floor(n / c);
    let ops;
    if (w.id === 'ml_soft_margin') {
      const x = f32(r * c, (k) => centered(k, 34, 20));
      const y = f32(r * c, (k) => bit(k, 35));
      for (let i = 0; i < r; i++) {
        let s = 0;
        for (let j = i * c; j < (i + 1) * c; j++) s += y[j] * logSigmoid(x[j]) + (1 - y[j]) * logSigmoid(-x[j]);
        sum.add(-s / c);
      }
      ops = [op(x, [r, c]), op(y, [r, c])];
    } else if (w.id === 'multi_margin') {
      const x = f32(r * c, (k) => centered(k, 36, 21));
      const t = new Int32Array(r);
      for (let i = 0; i < r; i++) {
        t[i] = hash(i, 37) % c;
        const xt = x[i * c + t[i]];
        let s = 0;
        for (let j = 0; j < c; j++) if (j !== t[i]) s += Math.max(0, 1 - xt + x[i * c + j]);
        sum.add(s / c);
      }
      ops = [op(x, [r, c]), op(t, [r], 'int64')];
    } else if (w.id === 'ml_margin') {
      const x = f32(r * c, (k) => centered(k, 38, 21));
      const t = new Int32Array(r * c).fill(-1);
      for (let i = 0; i < r; i++) {
        const o = i * c;
        let m = 0;
        const isLabel = [];
        for (let j = 0; j < c; j++) {
          isLabel[j] = hash(o + j, 39) >>> 30 === 0;
          if (isLabel[j]) t[o + m++] = j;
        }
        let s = 0;
        for (let j = 0; j < c; j++) {
          if (!isLabel[j]) continue;
          for (let q = 0; q < c; q++) if (!isLabel[q]) s += Math.max(0, 1 - (x[o + j] - x[o + q]));
        }
        sum.add(s / c);
      }
      ops = [op(x, [r, c]), op(t, [r, c], 'int64')];
    } else {
      throw new Error(`unknown workload ${w.id}`);
    }
    const bytes = ops.reduce((b, o) => b + (o.dtype === 'int64' ? 8 : 4) * o.data.length, 0);
    return { ...base, operands: ops, ref: sum.value / r, elements: r * c, bytes, rowsN: r };
  }
  if (w.layout === 'emb') {
    const d = EMB_D;
    const r = Math.floor(n / d);
    let ops;
    if (w.id === 'cosine_emb' || w.id === 'cosine_dist') {
      const x1 = f32(r * d, (k) => centered(k, 40, 22));
      const x2 = f32(r * d, (k) => centered(k, 41, 22));
      const y = f32(r, (i) => (w.id === 'cosine_dist' ? 1 : sign(i, 42)));
      for (let i = 0; i < r; i++) {
        let dot = 0, m1 = 0, m2 = 0;
        for (let k = i * d; k < (i + 1) * d; k++) {
          dot += x1[k] * x2[k];
          m1 += x1[k] * x1[k];
          m2 += x2[k] * x2[k];
        }
        const cos = dot / Math.sqrt((m1 + 1e-12) * (m2 + 1e-12));
        sum.add(y[i] > 0 ? 1 - cos : Math.max(0, cos));
      }
      ops = [op(x1, [r, d]), op(x2, [r, d]), op(y, [r])];
    } else if (w.id === 'triplet' || w.id === 'triplet_dist') {
      const a = f32(r * d, (k) => centered(k, 43, 22));
      const p = f32(r * d, (k) => centered(k, 44, 22));
      const q = f32(r * d, (k) => centered(k, 45, 22));
      for (let i = 0; i < r; i++) {
        let dp = 0, dn = 0;
        for (let k = i * d; k < (i + 1) * d; k++) {
          dp += (a[k] - p[k] + 1e-6) ** 2;
          dn += (a[k] - q[k] + 1e-6) ** 2;
        }
        sum.add(Math.max(Math.sqrt(dp) - Math.sqrt(dn) + 1, 0));
      }
      ops = [op(a, [r, d]), op(p, [r, d]), op(q, [r, d])];
    } else {
      throw new Error(`unknown workload ${w.id}`);
    }
    const bytes = ops.reduce((b, o) => b + 4 * o.data.length, 0);
    return { ...base, operands: ops, ref: sum.value / r, elements: r * d, bytes, rowsN: r };
  }
  if (w.layout === 'ctc') {
    const { T, B, C, S } = CTC;
    const lp = f32(T * B * C, (k) => -(hash(k, 46) >>> 8) * P(-21));
    const tg = new Int32Array(B * S);
    for (let k = 0; k < B * S; k++) tg[k] = 1 + (hash(k, 47) % (C - 1));
    const il = new Int32Array(B);
    const tl = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      il[b] = T - (hash(b, 48) % 10);
      tl[b] = 1 + (hash(b, 49) % S);
      sum.add(ctcNll(lp, tg.subarray(b * S, b * S + tl[b]), il[b], b, B, C) / tl[b]);
    }
    return { ...base, n: B, operands: [op(lp, [T, B, C]), op(tg, [B, S], 'int64'), op(il, [B], 'int64'),
      op(tl, [B], 'int64')], ref: sum.value / B, elements: T * B * C, bytes: 4 * T * B * C + 8 * B * S + 16 * B };
  }
  throw new Error(`unknown layout ${w.layout}`);
}

// -log p(target | log_probs[:, b, :]) by the CTC forward recursion in float64 (blank 0).
function ctcNll(lp, target, len, b, B, C) {
  const L = 2 * target.length + 1;
  const lab = (s) => (s % 2 === 0 ? 0 : target[(s - 1) >> 1]);
  const lse = (...v) => {
    const m = Math.max(...v);
    return m === -Infinity ? m : m + Math.log(v.reduce((a, x) => a + Math.exp(x - m), 0));
  };
  let alpha = new Float64Array(L).fill(-Infinity);
  alpha[0] = lp[b * C + 0];
  if (L > 1) alpha[1] = lp[b * C + lab(1)];
  for (let t = 1; t < len; t++) {
    const next = new Float64Array(L).fill(-Infinity);
    const o = (t * B + b) * C;
    for (let s = 0; s < L; s++) {
      let a = alpha[s];
      if (s >= 1) a = lse(a, alpha[s - 1]);
      if (s >= 2 && lab(s) !== 0 && lab(s) !== lab(s - 2)) a = lse(a, alpha[s - 2]);
      next[s] = a === -Infinity ? a : a + lp[o + lab(s)];
    }
    alpha = next;
  }
  return -lse(alpha[L - 1], L > 1 ? alpha[L - 2] : -Infinity);
}
