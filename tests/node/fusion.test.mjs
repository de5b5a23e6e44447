// Deferred float32 chains (LossLab._defer, the core's fused()): the values are the eager ops' bit
// for bit (an instance made with { fuse: false } computes every op at once), a chain holds no
// buffer until a value is needed, and nothing a chain reads is freed or changed under it:
// dispose() of a leaf, in-place changes through any tensor on the buffer, backward's
// accumulation, an optimizer's step, torch.tidy and the GC.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createLossLab } from 'losslab';

const list = (t) => Array.from(t.toArray());
const bitsOf = (arr) => Array.from(new Uint32Array(Float32Array.from(arr).buffer));

// A deterministic stream of floats with the edges mixed in.
function* stream(seed) {
  let s = seed >>> 0;
  const edges = [0, -0, 1, -1, 1e-40, -1e-40, 3e38, -3e38, Infinity, -Infinity, NaN, 0.5, 1e-30];
  for (;;) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    yield s % 7 === 0 ? edges[(s >>> 8) % edges.length] : ((s >>> 8) / 2 ** 24) * 8 - 4;
  }
}
const take = (g, n) => Float32Array.from({ length: n }, () => g.next().value);

// A random program over the inputs: [['input', i] | ['bin', op, a, b, numberSide, number] |
// ['un', op, a] | ['neg', a] | ['method', name, a]], run by run(torch, inputs, program).
const BIN = ['add', 'sub', 'mul', 'div'];
const UN = ['log', 'exp', 'sqrt', 'abs', 'square', 'log1p', 'expm1', 'tanh', 'relu'];
const NUMBERS = [1, 0.5, -2.5, 0.1, 1e30, -0, 3, 1e-8, 7, -3, 0];
function program(g, ninputs, length) {
  const u = () => (g.next().value + 4) / 8;   // roughly uniform in [0, 1) (NaN and inf aside)
  const pick = (n) => {
    const x = u();
    return Math.min(n - 1, Math.max(0, Math.floor((Number.isFinite(x) ? x : 0.3) * n)));
  };
  const p = [['input', 0]];
  for (let k = 1; k < length; k++) {
    const r = pick(12);
    if (r < 2) p.push(['input', pick(ninputs)]);
    else if (r < 7) p.push(['bin', BIN[pick(4)], pick(k), pick(k), pick(3), NUMBERS[pick(NUMBERS.length)]]);
    else if (r < 10) p.push(['un', UN[pick(UN.length)], pick(k)]);
    else if (r < 11) p.push(['neg', pick(k)]);
    else p.push(['method', ['rsub', 'mul', 'div', 'sub'][pick(4)], pick(k), NUMBERS[pick(NUMBERS.length)]]);
  }
  return p;
}
function run(torch, inputs, prog) {
  const v = [];
  for (const ins of prog) {
    switch (ins[0]) {
      case 'input': v.push(inputs[ins[1]]); break;
      case 'bin': {
        const [, op, a, b, side, num] = ins;
        v.push(side === 0 ? torch[op](v[a], v[b]) : side === 1 ? torch[op](num, v[b]) : torch[op](v[a], num));
        break;
      }
      case 'un': v.push(torch[ins[1]](v[ins[2]])); break;
      case 'neg': v.push(torch.neg(v[ins[1]])); break;
      case 'method': v.push(v[ins[2]][ins[1]](ins[3])); break;
    }
  }
  return v[v.length - 1];
}

for (const simd of [true, false]) {
  // every size defers here (the default keeps tensors under 2048 elements eager)
  const torch = await createLossLab({ simd, warnings: 'silent', fuseMinElements: 1 });
  const eager = await createLossLab({ simd, warnings: 'silent', fuse: false });
  const flavor = torch.flavor;

  test(`${flavor}: random chains give the eager ops' bits`, () => {
    const g = stream(420);
    let programs = 0;
    for (const n of [1, 7, 2047, 2048, 2049, 4096 + 13, 10000]) {
      const data = [take(g, n), take(g, n), take(g, n)];
      const xs = data.map((d) => torch.tensor(d)), ys = data.map((d) => eager.tensor(d));
      for (let rep = 0; rep < 25; rep++) {
        const prog = program(g, 3, 2 + (rep % 30));
        const got = run(torch, xs, prog), want = run(eager, ys, prog);
        assert.equal(got.dtype, 'float32');
        assert.deepEqual(got.shape, want.shape);
        assert.deepEqual(bitsOf(got.toArray()), bitsOf(want.toArray()), `n ${n}: ${JSON.stringify(prog)}`);
        programs++;
      }
    }
    assert.equal(programs, 175);
  });

  test(`${flavor}: a chain holds no buffer until a value is needed`, () => {
    const x = torch.rand([1000]), y = torch.rand([1000]);
    const before = torch.memory().bytes;
    const z = x.mul(y).add(1).log().neg().div(x);   // five ops, no buffer yet
    assert.equal(torch.memory().bytes, before);
    assert.deepEqual(z.shape, [1000]);
    assert.equal(z.dtype, 'float32');
    assert.equal(z.disposed, false);
    const s = z.sum();   // needs z's values: one buffer for z, one for s
    assert.ok(torch.memory().bytes >= before + 4000 && torch.memory().bytes < before + 8192);
    const ze = eager.tensor(x.toArray()).mul(eager.tensor(y.toArray())).add(1).log().neg().div(eager.tensor(x.toArray()));
    assert.equal(s.toString(), ze.sum().toString());
    assert.equal(z.toString(), ze.toString());
    for (const t of [x, y, z, s]) t.dispose();
    // what cannot fuse runs at once: float64, broadcasting, pow, a tracked operand
    const d = torch.rand([1000], { dtype: 'float64' });
    const b0 = torch.memory().bytes;
    const r = [d.mul(2), torch.rand([1000]).add(torch.rand([1])), torch.rand([10]).pow(2)];
    assert.ok(torch.memory().bytes > b0 + 8000);
    for (const t of [d, ...r]) t.dispose();
  });

  test(`${flavor}: long and wide chains run eagerly past the limits, with the same values`, () => {
    const x = torch.rand([300]), xe = eager.tensor(x.toArray());
    let a = x, ae = xe;
    for (let i = 0; i < 60; i++) { a = a.mul(1.01).add(x); ae = ae.mul(1.01).add(xe); }   // > 24 instructions
    assert.deepEqual(bitsOf(a.toArray()), bitsOf(ae.toArray()));
    const ins = Array.from({ length: 12 }, () => torch.rand([300]));   // > 8 inputs
    const sum = ins.reduce((acc, t) => acc.add(t));
    const sume = ins.map((t) => eager.tensor(t.toArray())).reduce((acc, t) => acc.add(t));
    assert.deepEqual(bitsOf(sum.toArray()), bitsOf(sume.toArray()));
  });

  test(`${flavor}: a leaf disposed under a pending chain lives until the chain is done`, () => {
    const base = torch.memory();
    const x = torch.tensor([1, 2, 3]);
    const a = x.mul(2), z = a.add(x);
    x.dispose();
    assert.equal(x.disposed, true);
    assert.throws(() => x.toArray(), /disposed/);
    assert.throws(() => x.mul(2).toArray(), /disposed/);
    assert.deepEqual(list(z), [3, 6, 9]);
    z.dispose();
    assert.notDeepEqual(torch.memory(), base, 'a, never computed, still reads x');
    a.dispose();
    assert.deepEqual(torch.memory(), base);
    // a chain disposed before anyone computed it frees its disposed leaves
    const y = torch.tensor([1, 2]);
    const w = y.exp();
    y.dispose();
    w.dispose();
    assert.equal(w.disposed, true);
    assert.throws(() => w.toArray(), /disposed/);
    assert.deepEqual(torch.memory(), base);
  });

  test(`${flavor}: in-place changes wait for the chains that read the old values`, () => {
    const x = torch.tensor([1, 2, 3]);
    const a = x.mul(2);
    x.zero_();
    assert.deepEqual(list(a), [2, 4, 6]);
    const b = x.add(5);
    x.copy_(torch.tensor([7, 7, 7]));
    assert.deepEqual(list(b), [5, 5, 5]);
    const c = x.neg();
    x.uniform_();
    assert.deepEqual(list(c), [-7, -7, -7]);
    // through another tensor on the same buffer
    const w = torch.tensor([1, 2, 3]), d = w.detach();
    const e = d.mul(10);
    w.zero_();
    assert.deepEqual(list(e), [10, 20, 30]);
    assert.deepEqual(list(d), [0, 0, 0]);
  });

  test(`${flavor}: backward, zero_grad and an optimizer's step wait for pending chains`, () => {
    const w = torch.tensor([1, 2, 3], { requires_grad: true });
    w.mul(w).sum().backward();
    const g1 = w.grad.mul(1);   // reads the .grad buffer
    w.mul(3).sum().backward();   // accumulates into it
    assert.deepEqual(list(g1), [2, 4, 6]);
    assert.deepEqual(list(w.grad), [5, 7, 9]);
    const g2 = w.grad.add(0);
    w.grad.zero_();
    assert.deepEqual(list(g2), [5, 7, 9]);
    const p = new torch.nn.Linear(3, 1);
    const opt = new torch.optim.SGD(p.parameters(), { lr: 0.5 });
    const snap = torch.no_grad(() => p.weight.detach().mul(1));
    const old = list(p.weight);
    p.forward(torch.ones([2, 3])).sum().backward();
    opt.step();
    assert.deepEqual(list(snap), old);
    assert.notDeepEqual(list(p.weight), old);
    // a deferred tensor can join the graph
    const z = torch.tensor([1, 2]).mul(3);
    z.requires_grad_();
    z.mul(z).sum().backward();
    assert.deepEqual(list(z.grad), [6, 12]);
  });

  test(`${flavor}: small tensors are not deferred by default`, async () => {
    const plain = await createLossLab({ simd, warnings: 'silent' });
    const x = plain.rand([2047]), big = plain.rand([2048]);
    const b0 = plain.memory().bytes;
    const small = x.mul(2);
    assert.ok(plain.memory().bytes > b0, 'computed at once');
    const b1 = plain.memory().bytes;
    const lazy = big.mul(2);
    assert.equal(plain.memory().bytes, b1, 'deferred');
    assert.equal(lazy.toArray()[0], big.toArray()[0] * 2);
    for (const t of [x, big, small, lazy]) t.dispose();
  });

  test(`${flavor}: tidy keeps a deferred result and frees the rest`, () => {
    const base = torch.memory();
    const r = torch.tidy(() => {
      const a = torch.rand([100]), b = torch.rand([100]);
      const unused = a.sub(b).exp();
      unused.add(1);
      return a.mul(b).add(1);
    });
    assert.equal(r.disposed, false);
    assert.equal(r.numel(), 100);
    assert.ok(r.toArray().every((v) => v >= 1 && v <= 2));
    r.dispose();
    assert.deepEqual(torch.memory(), base);
  });

  test(`${flavor}: forgotten chains and the leaves they pinned go to the GC`,
    { skip: typeof global.gc !== 'function' && 'run node with --expose-gc' }, async () => {
      const settle = async (done) => {
        for (let i = 0; i < 20 && !done(); i++) {
          global.gc();
          await new Promise((r) => setTimeout(r, 10));
        }
      };
      await settle(() => false);   // what earlier tests forgot
      const base = torch.memory().bytes;
      const forget = () => {
        for (let i = 0; i < 20; i++) {
          const x = torch.tensor(new Float32Array(1 << 20));
          x.mul(2).add(1);   // never computed, never disposed
          x.log();
        }
      };
      forget();
      await settle(() => torch.memory().bytes <= base && torch._lazy.size === 0);
      assert.equal(torch.memory().bytes, base);
      assert.equal(torch._lazy.size, 0, 'the pending set forgets collected chains');
    });

  test(`${flavor}: the lesson's BCE by hand fuses and prints torch's value`, () => {
    torch.manual_seed(420);
    eager.manual_seed(420);
    const bce = (t) => {
      const N = 3000;
      const x = t.rand([N, 4]), w = t.rand([4, 1]);
      const sigma = t.sigmoid(x.mm(w)), y = t.randint(0, 2, [N, 1]).float();
      return t.mul(-1 / N, t.sum(y.mul(t.log(sigma)).add(t.sub(1, y).mul(t.log(t.sub(1, sigma))))));
    };
    const got = bce(torch), want = bce(eager);
    assert.equal(got.toString(), 'tensor(0.7962)');
    assert.deepEqual(bitsOf(got.toArray()), bitsOf(want.toArray()));
  });
}
