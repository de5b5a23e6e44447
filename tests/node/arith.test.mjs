// Tensor arithmetic through the package: torch.add / sub / mul / div / neg, log / exp / sqrt /
// abs / square, sum / mean (and the Tensor methods, the number-first forms as torch's reflected
// operators) against torch 1.13.1
// (tests/golden/arith.json, scripts/gen_arith_fixtures.py): dtype, shape and every bit (-0 and
// NaN included), in both builds; torch's errors; what is refused and how.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { createLossLab, Tensor } from 'losslab';
import { toTensor, values, bitsOf } from './golden.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(path.join(here, '..', 'golden', 'arith.json'), 'utf8'));
const { cases } = fixture;

test('the fixtures cover every op, dtype pair, numbers and errors', () => {
  assert.ok(cases.length >= 700, `${cases.length} cases`);
  for (const op of ['add', 'sub', 'mul', 'div', ...UNARY_OPS, 'sum', 'mean']) assert.ok(cases.some((c) => c.op === op), op);
  assert.ok(cases.some((c) => c.error), 'error cases');
  assert.ok(cases.some((c) => c.a.number !== undefined), 'number-first cases');
});

const number = (o) => {
  const v = o.number;
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  if (o.kind === 'int') return typeof v === 'string' ? BigInt(v) : v;
  return v;
};

// Every bit, NaNs as NaN (their payload is not specified), -0 distinct from +0; maxUlps > 0
// lets float64 log / exp (pmath's, not torch's SLEEF double versions) be that close instead, the
// worst seen kept in `stats`.
function sameBits(got, want, dtype, maxUlps = 0, stats = null) {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const a = got[i], b = want[i];
    if (dtype === 'int64' || dtype === 'int32') {
      if (a !== b) return `[${i}] ${a} vs ${b}`;
    } else if (Number.isNaN(b) || Number.isNaN(a)) {
      if (Number.isNaN(a) !== Number.isNaN(b)) return `[${i}] ${a} vs ${b} (NaN pattern)`;
    } else if (bitsOf(a, dtype) !== bitsOf(b, dtype)) {
      const u = Number.isFinite(a) && Number.isFinite(b) && Math.sign(a) === Math.sign(b)
        ? Number(BigInt(bitsOf(a, dtype)) - BigInt(bitsOf(b, dtype))) : Infinity;
      if (Math.abs(u) <= maxUlps) {
        stats.near++;
        stats.worst = Math.max(stats.worst, Math.abs(u));
        continue;
      }
      return `[${i}] ${Object.is(a, -0) ? '-0' : a} vs ${Object.is(b, -0) ? '-0' : b} (bits)`;
    }
  }
  return null;
}

const UNARY_OPS = ['neg', 'log', 'exp', 'sqrt', 'abs', 'square'];

for (const simd of [true, false]) {
  const torch = await createLossLab({ simd, warnings: 'silent' });
  const operand = (o) => (o.number !== undefined ? number(o) : toTensor(torch, o));
  test(`${torch.flavor}: ${cases.length} torch cases, bit for bit`, () => {
    let checked = 0;
    const stats = { near: 0, worst: 0 };
    for (const c of cases) {
      if (c.args) continue;  // the creation and shape ops: their own test below
      const a = operand(c.a), b = c.b ? operand(c.b) : undefined;
      const unaryOp = UNARY_OPS.includes(c.op), reduction = c.op === 'sum' || c.op === 'mean';
      const call = () => (unaryOp ? torch[c.op](a)
        : reduction ? (c.dim === undefined ? torch[c.op](a) : torch[c.op](a, c.dim, c.keepdim))
          : torch[c.op](a, b));
      if (c.error) {
        assert.throws(call, { message: c.error.message }, c.id);
        continue;
      }
      const out = call();
      const want = c.expected;
      assert.equal(out.dtype, want.dtype, `${c.id}: dtype`);
      assert.deepEqual(out.shape, want.shape, `${c.id}: shape`);
      const tol = c.op === 'log' || (want.dtype === 'float64' && c.op === 'exp') ? 2 : 0;
      assert.equal(sameBits(out.toArray(), values(want), want.dtype, tol, stats), null, c.id);
      // the method forms give the same tensor
      if (a instanceof Tensor) {
        const m = unaryOp ? a[c.op]() : reduction ? (c.dim === undefined ? a[c.op]() : a[c.op]({ dim: c.dim, keepdim: c.keepdim })) : a[c.op](b);
        assert.equal(sameBits(m.toArray(), values(want), want.dtype, tol, { near: 0, worst: 0 }), null, `${c.id}: method`);
        m.dispose();
      }
      out.dispose();
      checked++;
    }
    assert.ok(checked > 800);
    console.log(`# ${torch.flavor}: ${checked} cases; log (float32 and float64) and float64 exp: ${stats.near} elements not torch's bits, worst ${stats.worst} ulp`);
  });

  test(`${torch.flavor}: creation and shape ops as torch makes them`, () => {
    const calls = {
      full: (g) => torch.full(g.shape, number(g.value), { dtype: g.dtype }),
      zeros: (g) => torch.zeros(g.shape, { dtype: g.dtype }),
      ones: (g) => torch.ones(...g.shape, { dtype: g.dtype }),   // the sizes form
      arange: (g) => torch.arange(number(g.start), number(g.end), number(g.step), { dtype: g.dtype }),
      eye: (g) => (g.m === undefined ? torch.eye(g.n, { dtype: g.dtype }) : torch.eye(g.n, g.m, { dtype: g.dtype })),
      reshape: (g, a) => a.reshape(g.shape),
      unsqueeze: (g, a) => a.unsqueeze(g.dim),
      squeeze: (g, a) => a.squeeze(g.dim),
      flatten: (g, a) => a.flatten(g.start_dim, g.end_dim),
      transpose: (g, a) => a.transpose(g.dim0, g.dim1),
    };
    let checked = 0;
    for (const c of cases.filter((k) => k.args)) {
      const a = c.a ? toTensor(torch, c.a) : undefined;
      const call = () => calls[c.op](c.args, a);
      if (c.error) {
        assert.throws(call, { message: c.error.message }, c.id);
        continue;
      }
      const out = call();
      assert.equal(out.dtype, c.expected.dtype, `${c.id}: dtype`);
      assert.deepEqual(out.shape, c.expected.shape, `${c.id}: shape`);
      assert.equal(sameBits(out.toArray(), values(c.expected), c.expected.dtype), null, c.id);
      checked++;
    }
    assert.ok(checked >= 50, `${checked} cases`);
    const x = torch.arange(6);
    assert.deepEqual(x.view(2, -1).shape, [2, 3]);
    assert.deepEqual(x.reshape([3, 2]).transpose(0, 1).shape, [2, 3]);
    assert.equal(torch.zeros_like(x).dtype, 'int64');
    assert.equal(torch.full_like(x, 2.5, { dtype: 'float64' }).toString(), 'tensor([2.5000, 2.5000, 2.5000, 2.5000, 2.5000, 2.5000], dtype=torch.float64)');
    assert.throws(() => x.view(2.5), { name: 'TypeError', message: "view(): argument 'shape' must be int, not float" });
    assert.equal(String(torch.zeros([2], { dtype: 'bool' })), 'tensor([False, False])');
    assert.throws(() => torch.zeros([2], { dtype: 'half' }), { name: 'TypeError' });
  });

  test(`${torch.flavor}: the lesson's BCE by hand prints and rounds as torch's`, () => {
    for (const { n, printed, expected } of fixture.lesson_bce_by_hand) {
      const { sigma, y } = torch.recipe('binary', { n, seed: 420 });
      // (-1/N) * torch.sum(y * torch.log(sigma) + (1 - y) * torch.log(1 - sigma))
      const bce = torch.mul(-1 / n, torch.sum(y.mul(torch.log(sigma)).add(y.rsub(1).mul(torch.log(sigma.rsub(1))))));
      assert.equal(bce.toString(), printed, `N = ${n}`);
      assert.equal(sameBits(bce.toArray(), values(expected), 'float32'), null, `N = ${n}: bits`);
    }
  });

  test(`${torch.flavor}: the lesson's reflected forms`, () => {
    const y = torch.tensor(new Float32Array([0, 1, 0.25]));
    assert.equal(y.rsub(1).toString(), 'tensor([1.0000, 0.0000, 0.7500])');   // 1 - y
    assert.equal(torch.rsub(y, 1).toString(), 'tensor([1.0000, 0.0000, 0.7500])');
    assert.equal(torch.mul(-1 / 3, y).toString(), torch.mul(y, -1 / 3).toString());
    const i = torch.tensor([1n, 2n], { dtype: 'int64' });
    assert.equal(i.mul(2).dtype, 'int64');       // an integer-valued number is a Python int
    assert.equal(i.mul(2.5).dtype, 'float32');
    assert.equal(i.div(2).toString(), 'tensor([0.5000, 1.0000])');
  });

  test(`${torch.flavor}: refused with torch's messages, nothing crosses`, () => {
    const x = torch.tensor(new Float32Array([1, 2]));
    assert.throws(() => torch.add(1, 2), { name: 'TypeError', message: "add(): argument 'input' (position 1) must be Tensor, not int" });
    assert.throws(() => x.add(2n ** 70n), { message: 'Overflow when unpacking long' });
    assert.throws(() => x.mul('2'), { name: 'TypeError', message: "mul(): argument 'other' must be Tensor or Number, not str" });
    assert.throws(() => x.add(1, { alpha: 2 }), { name: 'NotImplementedError' });
    assert.throws(() => x.add(1, { beta: 2 }), { name: 'TypeError', message: "add() got an unexpected keyword argument 'beta'" });
    assert.throws(() => x.div(2, { rounding_mode: 'floor' }), { name: 'NotImplementedError' });
    const before = torch.heapBytes();
    for (let k = 0; k < 2000; k++) {
      try { x.add(torch.tensor(new Float32Array(3))); } catch { /* shape error */ }
    }
    globalThis.gc?.();
    assert.equal(x.add(1).toString(), 'tensor([2., 3.])', 'the module keeps working');
    assert.ok(torch.heapBytes() <= before + (1 << 20), `heap ${before} -> ${torch.heapBytes()}`);
  });
}
