// Autograd through the package, against torch 1.13.1 (tests/golden/autograd.json,
// scripts/gen_autograd_fixtures.py): each case is a small program (inputs with requires_grad,
// steps of ops, backward calls, retain_grad) run by the JS API as a user writes it; every printed
// tensor (grad_fn, requires_grad, dtype suffix) character for character, every value and every
// .grad bit for bit where torch's are built from + - * / and the registry says so, and within a
// stated bound elsewhere (the distribution is printed). Then the API's own rules: no_grad,
// detach, is_leaf, .grad accumulation and zero_(), torch's errors, and the memory a training
// loop leaves behind.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { createLossLab } from 'losslab';
import { values, bitsOf, ulps } from './golden.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(path.join(here, '..', 'golden', 'autograd.json'), 'utf8'));
const { cases } = fixture;

const number = (o) => {
  const v = o.number;
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return v;
};

// What a case's ops allow: exact bits, or a bound (log, and float64 exp, are pmath's, within 1
// ulp of the exact value as torch's SLEEF is; losses the registry does not mark exact). mm is exact forward and backward:
// torch's reference BLAS sums over k left to right, as the core does.
function tolerance(torch, c) {
  let tol = { ulps: 0, rel: 0 };
  for (const st of c.steps) {
    if (st.op.startsWith('F.')) {
      const spec = torch.registry.losses.find((s) => s.name === st.op.slice(2));
      if (!spec.exact.grad || !spec.exact.reduced || !spec.exact.none) tol = { ulps: Infinity, rel: 2e-6 };
    }
    const f64 = Object.values(c.inputs).some((t) => t.dtype === 'float64');
    // float32 log is fdlibm's logf (pmath::log_f32_fd), torch's SLEEF u10: both within 1 ulp of
    // the exact value, so within 2 ulp of each other; its gradient g / x does not use it
    if (st.op === 'log' || (f64 && st.op === 'exp')) tol = { ulps: Math.max(tol.ulps, 2), rel: tol.rel, cat: tol.cat ?? (st.op === 'log' ? 'log' : undefined) };
    // the activations' float32 backward is computed in float64 and rounded once (closer to the
    // exact gradient than torch's float32 formula, which cancels: f64_closeness_test.cpp)
    if (['log_softmax', 'softmax'].includes(st.op)) tol = { ulps: Infinity, rel: 2e-6 };
    // log1p / expm1 / tanh and pow's general case: torch runs SLEEF's u10 functions, losslab the
    // correctly rounded value (float32) or libm's (float64): values within 2 ulp (the issue's
    // bound); their gradients reuse those values (tanh's 1 - y * y cancels near |y| = 1), so
    // a relative bound there. The distribution is reported per op.
    const special = st.op === 'pow' && st.args.length === 2 && typeof st.args[1] === 'object' && st.args[1] !== null &&
      'number' in st.args[1] && [0, 1, 2, 3, 0.5, -0.5, -1, -2].includes(number(st.args[1]));
    if (['log1p', 'expm1', 'tanh'].includes(st.op) || (st.op === 'pow' && !special)) {
      tol = { ulps: Math.max(tol.ulps, 2), rel: tol.rel, grad: { ulps: Infinity, rel: 1e-5 }, cat: st.op };
    }
  }
  return tol;
}

// null when got matches want within tol; counts kept in stats.
function match(got, want, dtype, tol, stats, histogram = true) {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const a = got[i], b = want[i];
    stats.elements++;
    if (dtype === 'int64' || dtype === 'int32') {
      if (a !== b) return `[${i}] ${a} vs ${b}`;
      continue;
    }
    if (Number.isNaN(a) || Number.isNaN(b)) {
      if (Number.isNaN(a) !== Number.isNaN(b)) return `[${i}] ${a} vs ${b} (NaN pattern)`;
      continue;
    }
    const u = bitsOf(a, dtype) === bitsOf(b, dtype) ? 0 : ulps(a, b, dtype);
    if (tol.cat && histogram) {
      const h = (stats.hist[tol.cat] ??= new Map());
      const key = u > 2 ? '>2' : String(u);
      h.set(key, (h.get(key) ?? 0) + 1);
    }
    if (u === 0) continue;
    stats.off++;
    if (Number.isFinite(u)) stats.worst = Math.max(stats.worst, u);
    else stats.signs++;   // opposite signs (a tiny value where torch's is 0): only under a relative bound
    if (u <= tol.ulps) continue;
    if (tol.rel && Math.abs(a - b) <= tol.rel * Math.max(1, Math.abs(b))) continue;
    return `[${i}] ${Object.is(a, -0) ? '-0' : a} vs ${Object.is(b, -0) ? '-0' : b} (${u} ulp)`;
  }
  return null;
}

// Runs a case's program; returns the environment of named tensors.
function run(torch, c) {
  const env = {};
  const arg = (a) => (typeof a === 'string' && a in env ? env[a]
    : a !== null && typeof a === 'object' && 'number' in a ? number(a) : a);
  for (const [name, t] of Object.entries(c.inputs)) {
    env[name] = torch.tensor(values(t), { dtype: t.dtype, shape: t.shape, requires_grad: t.requires_grad });
  }
  const F = torch.nn.functional;
  for (const st of c.steps) {
    const args = st.args.map(arg);
    const kw = Object.fromEntries(Object.entries(st.kwargs ?? {}).map(([k, v]) => [k, v && v.tensor ? env[v.tensor] : v]));
    const call = () => {
      const [x, ...rest] = args;
      if (st.op.startsWith('F.')) return F[st.op.slice(2)](...args, kw);
      switch (st.op) {
        case 'rsub': return x.rsub(...rest);
        case 'sum': case 'mean':
          return rest.length ? torch[st.op](x, rest[0], kw.keepdim ?? false) : torch[st.op](x);
        case 'log_softmax': case 'softmax': return F[st.op](x, kw);
        case 'clamp': return torch.clamp(x, kw);
        case 'max_dim': case 'min_dim': return torch[st.op.slice(0, 3)](x, rest[0], kw.keepdim ?? false).values;
        case 'max_dim_indices': case 'min_dim_indices': return torch[st.op.slice(0, 3)](x, rest[0], kw.keepdim ?? false).indices;
        case 'argmax': case 'argmin': return torch[st.op](x, rest[0], kw.keepdim);
        case 'slice': case 'select': case 'narrow': case 'index': return x[st.op](...rest);
        case 'cat': case 'stack': return torch[st.op](st.args[0].map((n) => env[n]), rest[0]);
        case 'linspace': return torch.linspace(...args, kw);
        case 't': case 'transpose': case 'view': case 'reshape': case 'unsqueeze': case 'squeeze':
        case 'flatten': case 'to': case 'detach':
          return x[st.op](...rest);
        default: return torch[st.op](...args);
      }
    };
    env[st.out] = st.no_grad ? torch.no_grad(call) : call();
  }
  for (const r of c.retain) env[r].retain_grad();
  for (const b of c.backward ?? []) {
    const g = b.gradient ? torch.tensor(values(b.gradient), { dtype: b.gradient.dtype, shape: b.gradient.shape }) : null;
    env[b.root].backward(g, { retain_graph: !!b.retain_graph });
  }
  return env;
}

test('the fixtures cover every op, every loss and the graph features', () => {
  assert.ok(cases.length >= 450, `${cases.length} cases`);
  const ops = new Set(cases.flatMap((c) => c.steps.map((s) => s.op)));
  for (const op of ['add', 'sub', 'mul', 'div', 'rsub', 'neg', 'log', 'exp', 'sqrt', 'abs', 'square', 'sigmoid',
    'sum', 'mean', 'mm', 't', 'transpose', 'view', 'reshape', 'unsqueeze', 'squeeze', 'flatten', 'to',
    'detach', 'log_softmax', 'softmax', 'log1p', 'expm1', 'tanh', 'relu', 'clamp', 'clamp_min', 'clamp_max',
    'pow', 'max', 'min', 'max_dim', 'min_dim', 'max_dim_indices', 'argmax', 'argmin', 'slice', 'select', 'narrow',
    'index', 'cat', 'stack', 'linspace', 'eq', 'ne', 'lt', 'le', 'gt', 'ge']) assert.ok(ops.has(op), op);
  assert.ok(cases.some((c) => c.error?.phase === 'backward'));
  assert.ok(cases.some((c) => c.retain.length));
});

for (const simd of [true, false]) {
  const torch = await createLossLab({ simd, warnings: 'silent' });
  for (const spec of torch.registry.losses) {
    assert.ok(cases.some((c) => c.steps.some((s) => s.op === `F.${spec.name}`)), `a case of ${spec.name}`);
  }

  test(`${torch.flavor}: ${cases.length} torch programs: printed, values and gradients`, () => {
    const stats = { elements: 0, off: 0, worst: 0, signs: 0, hist: {} };
    let checked = 0;
    for (const c of cases) {
      if (c.error) {
        const want = { message: c.error.message };
        if (c.error.phase === 'backward') {
          // the forward runs; backward raises torch's error
          const e = c.backward;
          assert.ok(e === undefined || e.length >= 1, c.id);
        }
        assert.throws(() => run(torch, c), want, c.id);
        continue;
      }
      const env = run(torch, c);
      const tol = tolerance(torch, c);
      for (const [name, printed] of Object.entries(c.expect.printed)) {
        const got = env[name];
        const want = c.expect.values[name];
        assert.equal(got.dtype, want.dtype, `${c.id}: ${name} dtype`);
        assert.deepEqual(got.shape, want.shape, `${c.id}: ${name} shape`);
        assert.equal(match(got.toArray(), values(want), want.dtype, tol, stats), null, `${c.id}: ${name}`);
        if (tol.ulps === 0 || got.toString() === printed) assert.equal(got.toString(), printed, `${c.id}: print of ${name}`);
        else assert.equal(got.toString().replace(/\d/g, '#'), printed.replace(/\d/g, '#'), `${c.id}: print of ${name}`);
      }
      for (const [name, want] of Object.entries(c.expect.grads)) {
        const g = env[name].grad;
        if (want === null) {
          assert.equal(g, null, `${c.id}: ${name}.grad is None`);
          continue;
        }
        assert.ok(g, `${c.id}: ${name}.grad`);
        assert.equal(g.dtype, want.dtype, `${c.id}: ${name}.grad dtype`);
        assert.deepEqual(g.shape, want.shape, `${c.id}: ${name}.grad shape`);
        assert.equal(match(g.toArray(), values(want), want.dtype, tol.grad ?? tol, stats, false), null, `${c.id}: ${name}.grad`);
      }
      for (const t of Object.values(env)) t.dispose();
      checked++;
    }
    for (const [op, h] of Object.entries(stats.hist)) {
      const n = [...h.values()].reduce((x, y) => x + y, 0);
      console.log(`# ${torch.flavor}: ${op} values against torch's: ${['0', '1', '2', '>2'].map((k) => `${h.get(k) ?? 0} at ${k} ulp`).join(', ')} (of ${n})`);
    }
    console.log(`# ${torch.flavor}: ${checked} programs, ${stats.elements} elements: ${stats.elements - stats.off} torch's bits, ${stats.off} not (worst ${stats.worst} ulp, ${stats.signs} of opposite sign; within each case's bound)`);
  });

  test(`${torch.flavor}: the lesson's blocks with autograd print and differentiate as torch`, () => {
    const F = torch.nn.functional;
    const byId = Object.fromEntries(fixture.lesson.map((l) => [l.id, l]));
    {
      const { n, printed, value, grad_w: gw } = byId['bce-by-hand'];
      torch.manual_seed(420);
      const x = torch.rand(n, 4);
      const w = torch.rand(4, 1, { requires_grad: true });
      const y = torch.randint(0, 2, [n, 1]).float();
      const sigma = torch.sigmoid(torch.mm(x, w));
      const bce = torch.mul(-1 / n, torch.sum(y.mul(torch.log(sigma)).add(y.rsub(1).mul(torch.log(sigma.rsub(1))))));
      assert.equal(bce.toString(), printed);
      assert.equal(match(bce.toArray(), values(value), 'float32', { ulps: 0 }, { elements: 0, off: 0, worst: 0 }), null);
      bce.backward();
      // d/dw goes through mm's backward, x.t().mm(g) over N = 3000 rows: torch's BLAS sums in
      // blocks, losslab in row order (the bound; the figure is printed)
      const st = { elements: 0, off: 0, worst: 0 };
      assert.equal(match(w.grad.toArray(), values(gw), 'float32', { ulps: 8, rel: 0 }, st), null);
      console.log(`# ${torch.flavor}: BCE by hand at N = ${n}: ${bce}, d/dw ${st.off} of 4 elements not torch's bits (worst ${st.worst} ulp)`);
    }
    for (const id of ['bce-modules', 'multiclass']) {
      const { n, printed, grad_w: gw } = byId[id];
      torch.manual_seed(420);
      const x = torch.rand(n, 4);
      const w = torch.rand(4, id === 'multiclass' ? 3 : 1, { requires_grad: true });
      let l1, l2;
      if (id === 'bce-modules') {
        const y = torch.randint(0, 2, [n, 1]).float();
        l1 = F.binary_cross_entropy(torch.sigmoid(torch.mm(x, w)), y);
        l2 = F.binary_cross_entropy_with_logits(torch.mm(x, w), y);
      } else {
        const y = torch.randint(0, 3, [n]);
        const zhat = torch.mm(x, w);
        l1 = F.nll_loss(F.log_softmax(zhat, { dim: 1 }), y);
        l2 = F.cross_entropy(zhat, y);
      }
      assert.deepEqual([l1.toString(), l2.toString()], printed, id);
      l1.backward();
      const st = { elements: 0, off: 0, worst: 0 };
      assert.equal(match(w.grad.toArray(), values(gw), 'float32', { ulps: 8, rel: 0 }, st), null, id);
    }
  });

  test(`${torch.flavor}: requires_grad, is_leaf, grad_fn, no_grad, detach, zero_()`, () => {
    const x = torch.tensor([1, 2, 3], { requires_grad: true });
    assert.equal(x.toString(), 'tensor([1., 2., 3.], requires_grad=True)');
    assert.ok(x.is_leaf && x.requires_grad && x.grad === null && x.grad_fn === null);
    const y = x.mul(x).sum();
    assert.ok(!y.is_leaf);
    assert.equal(y.grad_fn.name(), 'SumBackward0');
    assert.equal(y.toString(), 'tensor(14., grad_fn=<SumBackward0>)');
    y.backward();
    assert.equal(x.grad.toString(), 'tensor([2., 4., 6.])');
    const g = x.grad;
    x.mul(x).sum().backward();   // accumulates in place: the same tensor sees it
    assert.equal(g.toString(), 'tensor([ 4.,  8., 12.])');
    assert.equal(x.grad, g);
    x.grad.zero_();
    assert.equal(x.grad.toString(), 'tensor([0., 0., 0.])');
    assert.throws(() => x.zero_(), { message: 'a leaf Variable that requires grad is being used in an in-place operation.' });
    x.grad = null;
    assert.equal(x.grad, null);
    const z = torch.no_grad(() => x.mul(2));
    assert.ok(!z.requires_grad && z.is_leaf);
    assert.ok(torch.is_grad_enabled());
    assert.throws(() => torch.no_grad(() => { throw new Error('inside'); }), { message: 'inside' });
    assert.ok(torch.is_grad_enabled(), 'restored after a throw');
    const d = x.exp().detach();
    assert.ok(!d.requires_grad && d.is_leaf);
    assert.equal(d.mul(2).requires_grad, false);
    assert.equal(torch.tensor([1.5], { dtype: 'float64', requires_grad: true }).mul(2).toString(),
      'tensor([3.], dtype=torch.float64, grad_fn=<MulBackward0>)');
    // a plain tensor used with one that requires grad joins the graph; alone it never does
    const p = torch.tensor([1, 2, 3]);
    assert.equal(p.mul(2).toString(), 'tensor([2., 4., 6.])');
    assert.equal(torch.mul(p, x).toString(), 'tensor([1., 4., 9.], grad_fn=<MulBackward0>)');
    assert.equal(torch.sub(1, x).grad_fn.name(), 'SubBackward0');
    assert.equal(x.rsub(1).grad_fn.name(), 'RsubBackward1');
    // requires_grad_ and its errors
    const q = torch.tensor([1, 2]);
    assert.equal(q.requires_grad_(), q);
    assert.ok(q.requires_grad);
    assert.throws(() => x.exp().requires_grad_(false), { name: 'RuntimeError', message: /only change requires_grad flags of leaf variables/ });
    assert.throws(() => torch.tensor([1n, 2n]).requires_grad_(), { name: 'RuntimeError', message: 'only Tensors of floating point dtype can require gradients' });
    assert.throws(() => torch.tensor([1n, 2n], { requires_grad: true }), { name: 'RuntimeError', message: 'Only Tensors of floating point and complex dtype can require gradients' });
    assert.throws(() => torch.rand(2, { requires_grad: 1 }), { name: 'TypeError' });
    assert.throws(() => p.retain_grad(), { message: "can't retain_grad on Tensor that has requires_grad=False" });
    // in place after saving: torch's version check
    const a = torch.tensor([1, 2], { requires_grad: true });
    const e = a.exp();
    const s = e.mul(e).sum();
    torch.no_grad(() => e.zero_());
    assert.throws(() => s.backward(), { name: 'RuntimeError', message: /modified by an inplace operation/ });
    // a loss whose target requires grad: not given by losslab, and said so
    assert.throws(() => torch.nn.functional.binary_cross_entropy(torch.rand(3), torch.rand(3, { requires_grad: true })),
      { name: 'NotImplementedError', message: /derivative of binary_cross_entropy for 'target'/ });
  });

  test(`${torch.flavor}: a 1000-step loop leaves the heap and the handles where they started`, () => {
    torch.manual_seed(0);
    const x = torch.rand(64, 4);
    const y = torch.rand(64, 1);
    const w = torch.rand(4, 1, { requires_grad: true });
    const step = () => {
      const yhat = torch.mm(x, w);
      const l = torch.nn.functional.mse_loss(yhat, y);
      l.backward();
      torch.no_grad(() => {
        const u = w.grad.mul(0.1);
        const nw = w.sub(u);
        w.copy_(nw);
        u.dispose();
        nw.dispose();
      });
      w.grad.zero_();
      yhat.dispose();
      l.dispose();
    };
    for (let i = 0; i < 50; i++) step();
    const heap = torch.heapBytes();
    for (let i = 0; i < 1000; i++) step();
    assert.equal(torch.heapBytes(), heap, 'the heap did not grow');
  });
}
