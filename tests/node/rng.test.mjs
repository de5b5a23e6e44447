// The generator through the JS API, bit for bit against torch 1.13.1's golden streams.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createLossLab } from 'losslab';
import { golden, values, ulps, compare } from './golden.mjs';

const torch = await createLossLab();

function xorBits(arr) {
  const u = new Uint32Array(arr.buffer, arr.byteOffset, arr.length);
  let x = 0;
  for (let i = 0; i < u.length; i++) x ^= u[i];
  return x >>> 0;
}

test('every rng_stream case is bit-exact (one generator across calls)', () => {
  for (const c of golden.cases.filter((x) => x.kind === 'rng_stream')) {
    torch.manual_seed(BigInt(c.seed));
    for (const call of c.calls) {
      const dtype = call.dtype;
      let t;
      if (call.op === 'rand') t = torch.rand([call.n], { dtype });
      else if (call.op === 'randn') t = torch.randn([call.n], { dtype });
      else t = torch.randint(BigInt(call.args[0]), BigInt(call.args[1]), [call.n], { dtype });
      const got = Array.from(t.toArray(), (v) => (typeof v === 'bigint' ? v.toString() : v));
      const want = Array.from(values(call.result), (v) => (typeof v === 'bigint' ? v.toString() : v));
      assert.deepEqual(got, want, `${c.id} ${call.op}(${call.n}, ${dtype})`);
    }
  }
});

test('every rng_sequence case: tensors bit-exact (head + xor checksum) and losses', () => {
  const F = torch.nn.functional;
  for (const c of golden.cases.filter((x) => x.kind === 'rng_sequence')) {
    const name = c.id.startsWith('seqA') ? 'regression' : c.id.startsWith('seqB') ? 'binary' : 'multiclass';
    const shape0 = Object.values(c.tensors)[0].shape;
    const r = torch.recipe(name, { n: shape0[0], c: 3, seed: c.seed });
    for (const [k, t] of Object.entries(c.tensors)) {
      const mine = r[k];
      assert.ok(mine, `${c.id}: recipe has ${k}`);
      assert.deepEqual(mine.shape, t.shape, `${c.id}.${k} shape`);
      const arr = mine.toArray();
      if (k === 'sigma') {
        // sigmoid is not generator output: torch's AVX2 kernel uses SLEEF's vectorised expf,
        // losslab the platform's; they agree within 2 ulp (the losses below are exact strings).
        const want = values({ dtype: t.dtype, hex: t.hex ?? t.head_hex });
        for (let i = 0; i < want.length; i++) {
          assert.ok(ulps(arr[i], want[i], 'float32') <= 2, `${c.id}.sigma[${i}] ${arr[i]} vs ${want[i]}`);
        }
      } else if (t.hex) {
        assert.deepEqual(Array.from(arr), Array.from(values(t)), `${c.id}.${k}`);
      } else if (t.head_hex) {
        const head = values({ dtype: t.dtype, hex: t.head_hex });
        assert.deepEqual(Array.from(arr.slice(0, head.length)), Array.from(head), `${c.id}.${k} head`);
        if (t.checksum_bits_xor !== undefined && t.dtype === 'float32') {
          assert.equal(xorBits(arr), Number(t.checksum_bits_xor) >>> 0, `${c.id}.${k} xor`);
        }
      }
    }
  }
});

test('every rng_sequence case: the losses torch computed on them (and C\'s w.grad)', () => {
  const F = torch.nn.functional;
  const close = (got, want, what) => assert.equal(compare(Float32Array.of(got), values(want), { exact: false }), null, what);
  for (const c of golden.cases.filter((x) => x.kind === 'rng_sequence')) {
    const L = c.losses;
    if (c.id.startsWith('seqA')) {
      const r = torch.recipe('regression', { n: 50, seed: c.seed });
      close(F.mse_loss(r.yhat, r.y).item(), L.MSELoss_mean, 'MSELoss mean');
      close(F.mse_loss(r.yhat, r.y, { reduction: 'sum' }).item(), L.MSELoss_sum, 'MSELoss sum');
    } else if (c.id.startsWith('seqB')) {
      const r = torch.recipe('binary', { n: c.tensors.x.shape[0], seed: c.seed });
      close(F.binary_cross_entropy(r.sigma, r.y).item(), L.BCELoss_mean, 'BCELoss');
      close(F.binary_cross_entropy_with_logits(r.zhat, r.y).item(), L.BCEWithLogitsLoss_mean, 'BCEWithLogitsLoss');
    } else {
      const r = torch.recipe('multiclass', { n: c.tensors.X.shape[0], c: 3, seed: c.seed });
      close(F.nll_loss(F.log_softmax(r.zhat, { dim: 1 }), r.y_long).item(), L.NLL_of_LogSoftmax_mean, 'NLL');
      close(F.cross_entropy(r.zhat, r.y_long).item(), L.CrossEntropyLoss_mean, 'CrossEntropyLoss');
      // w.grad = X^T · d loss / d zhat, through the public API
      const gz = torch.grad('cross_entropy', r.zhat, r.y_long, {});
      const wg = torch.mm(r.X.t(), gz);
      assert.equal(compare(wg.toArray(), values(c.w_grad), { exact: false }), null, 'w.grad');
    }
  }
});

test('seeds: only the low 32 bits seed MT19937; 2**64−1 and −1 agree', () => {
  const draw = (s) => { torch.manual_seed(s); return Array.from(torch.rand([5]).toArray()); };
  assert.deepEqual(draw(2n ** 32n + 421n), draw(421));
  assert.deepEqual(draw(2n ** 64n - 1n), draw(-1));
  torch.manual_seed(2n ** 64n - 1n);
  assert.equal(torch.initial_seed(), 2n ** 64n - 1n);
  assert.throws(() => torch.manual_seed(1.5), { name: 'TypeError' });
});

test('independent generators do not disturb the default one', () => {
  torch.manual_seed(420);
  const a = Array.from(torch.rand([3]).toArray());
  torch.manual_seed(420);
  const g = new torch.Generator().manual_seed(7);
  torch.rand([100], { generator: g });
  assert.deepEqual(Array.from(torch.rand([3]).toArray()), a);
  const g2 = new torch.Generator().manual_seed(420);
  assert.deepEqual(Array.from(torch.rand([3], { generator: g2 }).toArray()), a);
});

test('randint errors and Tensor.t/long/float', () => {
  assert.throws(() => torch.randint(5, 5, [3]), { message: "random_ expects 'from' to be less than 'to', but got from=5 >= to=5" });
  const m = torch.tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(m.t().shape, [3, 2]);
  assert.deepEqual(Array.from(m.t().toArray()), [1, 4, 2, 5, 3, 6]);
  assert.deepEqual(Array.from(torch.tensor([1.7, -1.7, 2]).long().toArray()), [1n, -1n, 2n]);
  assert.equal(torch.tensor([3n]).float().dtype, 'float32');
});
