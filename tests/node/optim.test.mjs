// nn modules and optim.SGD through the package, against torch 1.13.1 (tests/golden/optim.json,
// scripts/gen_optim_fixtures.py): nn.Linear's seeded init bit for bit (and the generator left
// where torch leaves it), Tensor.uniform_, seeded training loops written as a learner writes them
// (every step's loss and the final parameters; bit for bit where the model and loss are built
// from exact ops, within a stated drift elsewhere, printed), the printed modules and optimizer,
// torch's errors, the module API (parameters, zero_grad, callable modules), torch.tidy, and a
// 1000-step training loop that leaves the malloc'd bytes, storages and graph nodes unchanged.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { createLossLab } from 'losslab';
import { values, bitsOf, ulps } from './golden.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(path.join(here, '..', 'golden', 'optim.json'), 'utf8'));
const num = (v) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);

function sameBits(got, wantEnc, what) {
  const want = values(wantEnc);
  assert.deepEqual(got.shape, wantEnc.shape, `${what}: shape`);
  const g = got.toArray();
  for (let i = 0; i < want.length; i++) {
    if (bitsOf(g[i], wantEnc.dtype) !== bitsOf(want[i], wantEnc.dtype)) {
      assert.fail(`${what}[${i}]: ${g[i]} is not torch's ${want[i]}`);
    }
  }
}

// The criterion, the model and the data of a training case, as torch's script builds them.
function setup(torch, c) {
  const { nn } = torch;
  const dtype = c.dtype;
  torch.manual_seed(c.seed);
  const X = torch.rand(c.n, 4, { dtype });
  const y = c.data === 'regression' ? torch.randn(c.n, c.c, { dtype })
    : c.data === 'multiclass' ? torch.randint(0, c.c, [c.n])
      : torch.randint(0, 2, [c.n, c.c]).to(dtype);
  let model, params;
  if (c.model === 'w') {
    const w = torch.rand(4, c.c, { dtype }).requires_grad_();
    model = (x) => x.mm(w);
    params = [['w', w]];
  } else {
    model = c.model === 'linear' ? new nn.Linear(4, c.c, { dtype })
      : new nn.Sequential(new nn.Linear(4, 8, { dtype }), new nn.Sigmoid(), new nn.Linear(8, c.c, { dtype }));
    params = model.named_parameters();
  }
  const crit = c.log_softmax ? new nn.NLLLoss() : c.sigmoid ? new nn.BCELoss()
    : { mse: () => new nn.MSELoss(), mse_sum: () => new nn.MSELoss({ reduction: 'sum' }), l1: () => new nn.L1Loss(),
      huber: () => new nn.HuberLoss({ delta: 0.5 }), ce: () => new nn.CrossEntropyLoss(),
      bce_logits: () => new nn.BCEWithLogitsLoss() }[c.loss]();
  const post = c.log_softmax ? new nn.LogSoftmax({ dim: 1 }) : c.sigmoid ? new nn.Sigmoid() : null;
  return { X, y, model, params, crit, post };
}

// Bit for bit where every op of the loop is exact in the registry (mm, addmm, sigmoid and the
// exact losses); else the drift of a loss whose gradient is not torch's bits (its softmax and
// log-sigmoid backward are computed in float64 and rounded once), compounded over 100 steps.
const exactLoop = (c) => ['mse', 'mse_sum', 'l1', 'huber'].includes(c.loss) && !c.log_softmax && !c.sigmoid;

test('the fixture covers every optimizer option and the three data sets', () => {
  const opts = new Set(fixture.train.flatMap((c) => Object.keys(c.opt)));
  for (const k of ['lr', 'momentum', 'dampening', 'weight_decay', 'nesterov', 'maximize']) assert.ok(opts.has(k), k);
  assert.deepEqual(new Set(fixture.train.map((c) => c.data)), new Set(['regression', 'multiclass', 'binary']));
  assert.ok(fixture.train.every((c) => c.steps === 100));
});

for (const simd of [true, false]) {
  const torch = await createLossLab({ simd, warnings: 'silent' });
  const { nn, optim } = torch;

  test(`${torch.flavor}: nn.Linear's seeded init is torch's, and leaves the generator where torch does`, () => {
    for (const c of fixture.init) {
      torch.manual_seed(c.seed);
      const m = new nn.Linear(c.in, c.out, { bias: c.bias, dtype: c.dtype });
      sameBits(m.weight, c.weight, `${c.id} weight`);
      if (c.bias) sameBits(m.bias, c.bias_value, `${c.id} bias`);
      else assert.equal(m.bias, null);
      sameBits(torch.rand(3), c.after, `${c.id} next draw`);
      assert.equal(String(m), c.printed.module);
      assert.equal(String(m.weight), c.printed.weight);
      assert.equal(m.parameters().length, c.bias ? 2 : 1);
    }
  });

  test(`${torch.flavor}: Tensor.uniform_ is torch's (draws, fma, errors)`, () => {
    for (const c of fixture.uniform) {
      const t = torch.zeros(c.shape, { dtype: c.dtype });
      if (c.error) {
        assert.throws(() => t.uniform_(num(c.from), num(c.to)), (e) => e.message === c.error.message, c.id);
        assert.ok(t.toArray().every((v) => v === 0), `${c.id}: nothing written`);
        continue;
      }
      const g = new torch.Generator().manual_seed(c.seed);
      assert.equal(t.uniform_(c.from, c.to, { generator: g }), t);
      sameBits(t, c.out, c.id);
    }
  });

  test(`${torch.flavor}: ${fixture.train.length} seeded SGD loops of 100 steps: losses, parameters, prints`, (t) => {
    const report = [];
    for (const c of fixture.train) {
      const { X, y, model, params, crit, post } = setup(torch, c);
      const opt = new optim.SGD(params.map(([, p]) => p), c.opt);
      let loss = null, worst = 0, diverged = 0;
      for (let s = 0; s < c.steps; s++) {
        opt.zero_grad();
        if (loss) loss.dispose();
        loss = torch.tidy(() => {
          const z = model(X);
          return crit(post ? post(z) : z, y);
        });
        loss.backward();
        opt.step();
        const got = loss.item(), want = values({ dtype: c.dtype, hex: [c.losses[s]] })[0];
        if (exactLoop(c)) {
          assert.equal(bitsOf(got, c.dtype), bitsOf(want, c.dtype), `${c.id}: step ${s} loss ${got} vs torch's ${want}`);
        } else {
          if (bitsOf(got, c.dtype) !== bitsOf(want, c.dtype)) diverged++;
          worst = Math.max(worst, Math.abs(got - want) / Math.abs(want));
        }
      }
      for (const [name, p] of params) {
        if (exactLoop(c)) sameBits(p, c.final[name], `${c.id} final ${name}`);
        else {
          const g = p.toArray(), w = values(c.final[name]);
          for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(g[i] - w[i]) / Math.max(Math.abs(w[i]), 1e-3));
        }
      }
      if (!exactLoop(c)) {
        assert.ok(worst < 1e-5, `${c.id}: relative drift ${worst} after ${c.steps} steps`);
        report.push(`${c.id}: ${c.steps - diverged}/${c.steps} losses torch's bits, drift ${worst.toExponential(1)}`);
      } else {
        report.push(`${c.id}: ${c.steps}/${c.steps} losses and every parameter torch's bits`);
      }
      // printed as torch prints them (the loss to 4 digits, so drift does not show)
      assert.equal(String(loss), c.printed.loss, `${c.id} printed loss`);
      assert.equal(String(opt), c.printed.optimizer, `${c.id} printed optimizer`);
      if (c.printed.model) assert.equal(String(model), c.printed.model, `${c.id} printed model`);
      if (exactLoop(c)) assert.equal(String(params[0][1]), c.printed.param0, `${c.id} printed parameter`);
      loss.dispose();
    }
    for (const line of report) t.diagnostic(line);
  });

  test(`${torch.flavor}: torch's errors for SGD, Linear, addmm and the modules`, () => {
    const w = torch.rand(3, { requires_grad: true });
    const x = torch.rand(5, 3);
    for (const c of fixture.errors) {
      // eslint-disable-next-line no-new-func
      const run = new Function('torch', 'w', 'x', `return ${c.js};`);
      assert.throws(() => run(torch, w, x), (e) => {
        assert.equal(e.message, c.error.message, c.id);
        assert.equal(e.name, c.error.type, `${c.id}: error class`);
        return true;
      }, c.id);
    }
  });

  test(`${torch.flavor}: modules are callable objects with torch's module API`, () => {
    const m = new nn.Sequential(new nn.Linear(4, 3), new nn.LogSoftmax(1));
    assert.equal(typeof m, 'function');
    assert.ok(m instanceof nn.Module && m instanceof nn.Sequential);
    assert.deepEqual(m.named_parameters().map(([k]) => k), ['0.weight', '0.bias']);
    const x = torch.rand(2, 4);
    const a = m(x), b = m.forward(x);
    assert.deepEqual(a.toArray(), b.toArray());
    assert.equal(a.grad_fn.name(), 'LogSoftmaxBackward0');
    a.sum().backward();
    assert.ok(m.parameters().every((p) => p.grad !== null));
    m.zero_grad();
    assert.ok(m.parameters().every((p) => p.grad.toArray().every((v) => v === 0)), 'zero_grad zeroes in place (1.13)');
    m.zero_grad({ set_to_none: true });
    assert.ok(m.parameters().every((p) => p.grad === null));
    assert.equal(m.eval().training, false);
    assert.equal(m.children()[0].training, false);
    assert.equal(String(new nn.CrossEntropyLoss({ label_smoothing: 0.1 })), 'CrossEntropyLoss()');
    assert.equal(new nn.CrossEntropyLoss().reduction, 'mean');
    for (const spec of torch.registry.losses.filter((s) => s.module)) assert.equal(typeof nn[spec.module], 'function', spec.module);
    assert.throws(() => new nn.MSELoss()(x), /missing 1 required positional argument: 'target'/);
    assert.throws(() => new nn.Module()(x), /missing the required "forward" function/);
    // a closure step, and a parameter without a gradient is skipped as torch skips it
    const p = torch.tensor([1, 2], { requires_grad: true });
    const q = torch.tensor([5], { requires_grad: true });
    const opt = new optim.SGD([{ params: [p] }, { params: [q], lr: 1 }], { lr: 0.5 });
    const l = opt.step(() => { const s = p.mul(p).sum(); s.backward(); return s; });
    assert.equal(l.item(), 5);
    assert.deepEqual(Array.from(p.toArray()), [0, 0]);
    assert.deepEqual(Array.from(q.toArray()), [5]);
    assert.equal(opt.momentum_buffer(p), null);
  });

  test(`${torch.flavor}: tidy frees what it made but its result; keep() survives`, () => {
    const before = torch.memory();
    let kept;
    const r = torch.tidy(() => {
      const a = torch.rand(100);
      kept = torch.keep(a.mul(2));
      const inner = torch.tidy(() => [a.add(1), a.sub(1)]);
      return { sum: inner[0].add(inner[1]) };
    });
    assert.ok(!r.sum.disposed && !kept.disposed);
    r.sum.dispose();
    kept.dispose();
    assert.deepEqual(torch.memory(), before);
    assert.throws(() => torch.tidy(() => { throw new RangeError('boom'); }), /boom/);
    assert.deepEqual(torch.memory(), before, 'a throw inside tidy still frees');
    // a module made inside a scope keeps its parameters (they are its state, not temporaries)
    const m = torch.tidy(() => { const l = new nn.Linear(3, 2); l.forward(torch.rand(4, 3)); return l; });
    assert.ok(m.parameters().every((p) => !p.disposed));
    assert.deepEqual(m(torch.rand(1, 3)).shape, [1, 2]);
  });

  test(`${torch.flavor}: 1000 steps of Linear + CrossEntropyLoss + SGD leave memory where it was`, () => {
    torch.manual_seed(420);
    const X = torch.rand(300, 4);
    const y = torch.randint(0, 3, [300]);
    const model = new nn.Linear(4, 3);
    const crit = new nn.CrossEntropyLoss();
    const opt = new optim.SGD(model.parameters(), { lr: 0.5, momentum: 0.9 });
    const step = () => torch.tidy(() => {
      opt.zero_grad();
      const loss = crit(model(X), y);
      loss.backward();
      opt.step();
    });
    for (let i = 0; i < 20; i++) step();
    const before = torch.memory();
    for (let i = 0; i < 1000; i++) step();
    assert.deepEqual(torch.memory(), before, 'malloc bytes, autograd storages and nodes unchanged');
  });
}
