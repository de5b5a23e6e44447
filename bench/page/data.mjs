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
