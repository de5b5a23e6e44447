// A reduced loss is a 0-dim tensor whose value the JS API keeps on the JS side (no heap buffer,
// nothing registered with the FinalizationRegistry) until something passes it to the core: the
// hot path of repeated small calls (issue 15 item 3). These tests hold that it still behaves as
// every other tensor does, and that it really holds no heap memory.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createLossLab } from 'losslab';

const torch = await createLossLab({ warnings: 'silent' });
const F = torch.nn.functional;
const x = torch.tensor([0.5, -1.25, 3, 0.125]);
const y = torch.tensor([1, 0, 2, -0.5]);
// mean of (x - y)^2 = (0.25 + 1.5625 + 1 + 0.390625) / 4 = 0.80078125, exact in float32
const MSE = 0.80078125;

test('a reduced loss holds no heap bytes: 2000 results left undisposed allocate nothing', () => {
  F.mse_loss(x, y).dispose();   // first-call allocations (pack buffer growth, caches) out of the way
  const before = torch.memory().bytes;
  const kept = [];
  for (let i = 0; i < 2000; i++) kept.push(F.mse_loss(x, y));
  assert.equal(torch.memory().bytes, before);
  for (const t of kept) assert.equal(t.item(), MSE);
  for (const t of kept) t.dispose();
  assert.equal(torch.memory().bytes, before);
});

test('its value, dtype, shape, print and copy are the tensor\'s', () => {
  const l = F.mse_loss(x, y);
  assert.equal(l.item(), MSE);
  assert.equal(l.dtype, 'float32');
  assert.deepEqual(l.shape, []);
  assert.equal(l.ndim, 0);
  assert.equal(l.numel(), 1);
  const a = l.toArray();
  assert.ok(a instanceof Float32Array);
  assert.deepEqual(Array.from(a), [MSE]);
  assert.equal(l.toString(), 'tensor(0.8008)');
  assert.equal(l.item(), MSE);   // after printing (it has a buffer now) still the same value
  l.dispose();
});

test('float64 results keep every bit', () => {
  const a = torch.tensor([0.1, 0.2, 0.7], { dtype: 'float64' });
  const b = torch.tensor([0.3, 0.5, 0.11], { dtype: 'float64' });
  const l = F.l1_loss(a, b, { reduction: 'sum' });
  const none = F.l1_loss(a, b, { reduction: 'none' }).toArray();
  assert.equal(l.dtype, 'float64');
  assert.equal(l.item(), none[0] + none[1] + none[2]);
  assert.ok(l.toArray() instanceof Float64Array);
  for (const t of [a, b, l]) t.dispose();
});

test('passed to the core it gets a buffer: arithmetic, broadcasting, deferred chains, options', () => {
  const l = F.mse_loss(x, y);
  assert.equal(l.mul(2).item(), Math.fround(2 * MSE));
  assert.equal(torch.add(l, l).item(), Math.fround(2 * MSE));
  const big = torch.ones([4096]);   // at least fuseMinElements: the product is a deferred chain
  const chain = big.mul(l).add(1);
  const v = chain.toArray();
  assert.equal(v.length, 4096);
  assert.ok(v.every((e) => e === Math.fround(MSE + 1)));
  // a 0-dim weight for binary_cross_entropy, as torch broadcasts it
  const p = torch.tensor([0.25, 0.75]), t = torch.tensor([0, 1]);
  const w = F.mse_loss(x, y);
  const bw = F.binary_cross_entropy(p, t, { weight: w }).item();
  const b1 = F.binary_cross_entropy(p, t).item();
  assert.equal(bw, Math.fround(b1 * MSE));
  for (const e of [l, big, chain, p, t, w]) e.dispose();
});

test('dispose: disposed, idempotent, and any use names the problem', () => {
  const l = F.mse_loss(x, y);
  assert.equal(l.disposed, false);
  l.dispose();
  assert.equal(l.disposed, true);
  l.dispose();
  assert.throws(() => l.item(), /disposed/);
  assert.throws(() => l.toString(), /disposed/);
  assert.throws(() => l.mul(2), /disposed/);
  assert.throws(() => F.mse_loss(l, l), /disposed/);
});

test('tidy disposes it; memory is back where it was', () => {
  const before = torch.memory().bytes;
  let inner;
  const v = torch.tidy(() => {
    inner = F.mse_loss(x, y);
    inner.toString();   // a heap buffer too
    return inner.item();
  });
  assert.equal(v, MSE);
  assert.equal(inner.disposed, true);
  assert.equal(torch.memory().bytes, before);
});

test('as a leaf of autograd, and a recorded loss is a graph tensor as before', () => {
  const l = F.mse_loss(x, y);
  l.requires_grad_();
  const z = l.mul(3);
  z.backward();
  assert.equal(l.grad.item(), 3);
  assert.throws(() => F.mse_loss(x, y).backward(), /does not require grad/);
  const xr = torch.tensor([0.5, -1.25, 3, 0.125], { requires_grad: true });
  const lr = F.mse_loss(xr, y);
  assert.equal(lr.grad_fn.name(), 'MseLossBackward0');
  assert.equal(lr.item(), MSE);
  lr.backward();
  assert.equal(xr.grad.toArray().length, 4);
  for (const e of [l, z, xr, lr]) e.dispose();
});
