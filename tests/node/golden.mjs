// Reads the torch 1.13.1 golden file and converts its tensors for the public API.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
export const golden = JSON.parse(readFileSync(path.join(here, '..', 'golden', 'public.json'), 'utf8'));


const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1), u64 = new BigUint64Array(f64.buffer);

function num(v) {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return v;
}

// Values of a golden tensor, bit-exact from `hex` when present.
export function values(t) {
  if (t.dtype === 'bool') return Uint8Array.from(t.values, (v) => (v ? 1 : 0));
  if (t.dtype === 'int64') return BigInt64Array.from(t.values.map((v) => BigInt(v)));
  if (t.dtype === 'int32') return Int32Array.from(t.values);
  if (t.dtype === 'float64') {
    if (!t.hex) return Float64Array.from(t.values.map(num));
    return Float64Array.from(t.hex, (h) => { u64[0] = BigInt(h); return f64[0]; });
  }
  if (!t.hex) return Float32Array.from(t.values.map(num));
  return Float32Array.from(t.hex, (h) => { u32[0] = Number(h); return f32[0]; });
}

export function toTensor(torch, t) {
  return torch.tensor(values(t), { dtype: t.dtype, shape: t.shape });
}

export function bitsOf(x, dtype) {
  if (dtype === 'float64') { f64[0] = x; return u64[0]; }
  f32[0] = x; return u32[0];
}

// Distance in ulps between two floats of `dtype` (same sign assumed; Infinity otherwise).
export function ulps(a, b, dtype) {
  if (Object.is(a, b)) return 0;
  if (Math.sign(a) !== Math.sign(b)) return a === b ? 0 : Infinity;
  const ba = bitsOf(a, dtype), bb = bitsOf(b, dtype);
  return Number(ba > bb ? BigInt(ba) - BigInt(bb) : BigInt(bb) - BigInt(ba));
}

// Asserts arrays agree: bit-exact when `exact`, else ≤ 8 ulp or |a−b| ≤ 1e-6·max(1,|b|);
// NaN/±Inf patterns identical. Returns a message or null.
export function compare(got, want, { exact, dtype = 'float32' }) {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const a = got[i], b = want[i];
    if (Number.isNaN(b) || Number.isNaN(a)) {
      if (Number.isNaN(a) !== Number.isNaN(b)) return `[${i}] ${a} vs ${b} (NaN pattern)`;
      continue;
    }
    if (!Number.isFinite(b) || !Number.isFinite(a)) {
      if (a !== b) return `[${i}] ${a} vs ${b} (Inf pattern)`;
      continue;
    }
    if (exact) {
      if (bitsOf(a, dtype) !== bitsOf(b, dtype) && !(a === 0 && b === 0)) return `[${i}] ${a} vs ${b} (not bit-exact)`;
      continue;
    }
    if (ulps(a, b, dtype) > 8 && Math.abs(a - b) > 1e-6 * Math.max(1, Math.abs(b))) {
      return `[${i}] ${a} vs ${b} (${ulps(a, b, dtype)} ulp)`;
    }
  }
  return null;
}
