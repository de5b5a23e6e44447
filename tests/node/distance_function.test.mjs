// triplet_margin_with_distance_loss with a JS distance_function, through the package's exports:
// torch 1.13.1's values and gradients bit for bit (tests/golden/nn_losses.json, the cases whose
// distance_function is a torch.nn.functional distance: the same function of the JS API is passed
// here), in both builds; and what is refused, and how.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { createLossLab } from 'losslab';
import { toTensor, values, compare } from './golden.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = JSON.parse(readFileSync(path.join(here, '..', 'golden', 'nn_losses.json'), 'utf8'));
const NAME = 'triplet_margin_with_distance_loss';
const cases = fixtures.cases.filter((c) => c.fn === NAME && c.options.distance_function);

test('the fixtures have distance_function cases', () => {
  assert.ok(cases.length >= 8, `${cases.length} cases`);
  assert.ok(cases.some((c) => c.error), 'an error case');
});

const num = (v) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);

for (const simd of [true, false]) {
  const torch = await createLossLab({ simd, warnings: 'silent' });
  const F = torch.nn.functional;
  for (const c of cases) {
    test(`${torch.flavor}: ${c.id}`, () => {
      const [a, p, n] = c.operands.map(([, t]) => toTensor(torch, t));
      const { fn, options: kw = {} } = c.options.distance_function;
      let calls = 0;
      const dist = (x, y) => { calls++; return F[fn](x, y, kw); };
      const opts = { distance_function: dist };
      for (const [k, v] of Object.entries(c.options)) if (k !== 'distance_function') opts[k] = num(v);
      if (c.error) {
        assert.throws(() => F[NAME](a, p, n, opts), { name: c.error.type, message: c.error.message });
        return;
      }
      const out = F[NAME](a, p, n, opts);
      assert.equal(calls, opts.swap ? 3 : 2, 'the function is called once per pair');
      const want = c.expected.output;
      assert.deepEqual(out.shape, want.shape);
      assert.equal(out.dtype, want.dtype);
      assert.equal(compare(out.toArray(), values(want), { exact: true, dtype: want.dtype }), null, 'output');
      const grads = torch.grad(NAME, [a, p, n], opts, toTensor(torch, c.grad_output));
      ['anchor', 'positive', 'negative'].forEach((name, k) => {
        const w = c.expected.grads[name];
        assert.ok(grads[k], `${name}: a gradient`);
        assert.deepEqual(grads[k].shape, w.shape, `${name}: shape`);
        assert.equal(grads[k].dtype, w.dtype, `${name}: dtype`);
        assert.equal(compare(grads[k].toArray(), values(w), { exact: true, dtype: w.dtype }), null, `grad ${name}`);
      });
    });
  }
}

test('refused, with a message that says why, and the module keeps working', async () => {
  const torch = await createLossLab({ warnings: 'silent' });
  const F = torch.nn.functional;
  const a = torch.randn([4, 3]), p = torch.randn([4, 3]), n = torch.randn([4, 3]);
  const pd = (x, y) => F.pairwise_distance(x, y);
  const ref = F[NAME](a, p, n);
  assert.equal(F[NAME](a, p, n, { distance_function: pd }).toString(), ref.toString());
  assert.equal(F[NAME](a, p, n, { distance_function: null }).toString(), ref.toString());

  // A distance losslab cannot differentiate: the forward is torch's, the gradient is refused.
  const opaque = (x, y) => torch.tensor(F.pairwise_distance(x, y).toArray());
  assert.equal(F[NAME](a, p, n, { distance_function: opaque }).toString(), ref.toString());
  assert.throws(() => torch.grad(NAME, [a, p, n], { distance_function: opaque }),
    { name: 'NotImplementedError', message: /distance_function's result is not the value of a losslab function/ });
  const converted = (x, y) => F.pairwise_distance(x.double(), y.double());
  assert.equal(F[NAME](a, p, n, { distance_function: converted }).dtype, 'float64');
  assert.throws(() => torch.grad(NAME, [a, p, n], { distance_function: converted }),
    { name: 'NotImplementedError', message: /depends on a tensor other than anchor, positive and negative/ });

  // What the function returns and throws.
  assert.throws(() => F[NAME](a, p, n, { distance_function: () => 1.5 }),
    { name: 'TypeError', message: `${NAME}(): distance_function must return a Tensor of this losslab instance, got float` });
  assert.throws(() => F[NAME](a, p, n, { distance_function: (x) => x.long() }),
    { name: 'NotImplementedError', message: `${NAME}(): distance_function must return a float32 or float64 Tensor, got int64` });
  assert.throws(() => F[NAME](a, p, n, { distance_function: 'pairwise' }),
    { name: 'TypeError', message: `${NAME}(): argument 'distance_function' must be callable, not str` });
  const boom = new Error('boom');
  for (let i = 0; i < 2000; i++) {
    assert.throws(() => F[NAME](a, p, n, { distance_function: () => { throw boom; } }), boom);
  }
  // Distances of other shapes broadcast as torch's ops do; mismatched ones raise torch's message.
  const rows = F[NAME](a, p, n, { distance_function: pd, reduction: 'none' });
  assert.deepEqual(rows.shape, [4]);
  assert.throws(() => F[NAME](a, p, n, { distance_function: (x, y) => (y === p ? F.pairwise_distance(x, y) : torch.tensor([1, 2, 3])) }),
    { name: 'RuntimeError', message: /The size of tensor a \(4\) must match the size of tensor b \(3\)/ });
  assert.equal(F.mse_loss(torch.tensor([1, 2]), torch.tensor([0, 0])).toString(), 'tensor(2.5000)');
});
