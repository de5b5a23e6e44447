// The lesson, unchanged, in JS: the six printed values from torch.manual_seed(420).
import test from 'node:test';
import assert from 'node:assert/strict';
import { createLossLab } from 'losslab';

for (const flavor of ['simd', 'scalar']) {
  const torch = await createLossLab({ simd: flavor === 'simd' });
  const F = torch.nn.functional;

  test(`${flavor}: A regression: mse mean and sum`, () => {
    torch.manual_seed(420);
    const yhat = torch.randn([50, 1]);
    const y = torch.randn([50, 1]);
    assert.equal(F.mse_loss(yhat, y, { reduction: 'mean' }).toString(), 'tensor(2.4869)');
    assert.equal(F.mse_loss(yhat, y, { reduction: 'sum' }).toString(), 'tensor(124.3458)');
  });

  test(`${flavor}: B binary N=3e6: BCELoss and BCEWithLogitsLoss`, () => {
    const N = 3000000;
    torch.manual_seed(420);
    const x = torch.rand([N, 4]);
    const w = torch.rand([4, 1]);
    const y = torch.randint(0, 2, [N, 1], { dtype: 'float32' });
    const zhat = torch.mm(x, w);
    const sigma = torch.sigmoid(zhat);
    assert.equal(F.binary_cross_entropy(sigma, y).toString(), 'tensor(0.8685)');
    assert.equal(F.binary_cross_entropy_with_logits(zhat, y).toString(), 'tensor(0.8685)');
    for (const t of [x, w, y, zhat, sigma]) t.dispose();
  });

  test(`${flavor}: C multiclass N=300: LogSoftmax+NLLLoss and CrossEntropyLoss`, () => {
    const N = 300;
    torch.manual_seed(420);
    const X = torch.rand([N, 4]);
    const w = torch.rand([4, 3]);
    const y = torch.randint(0, 3, [N], { dtype: 'float32' });
    const zhat = torch.mm(X, w);
    const logsm = F.log_softmax(zhat, { dim: 1 });
    assert.equal(F.nll_loss(logsm, y.long()).toString(), 'tensor(1.1591)');
    assert.equal(F.cross_entropy(zhat, y.long()).toString(), 'tensor(1.1591)');
  });

  test(`${flavor}: recipes give the same tensors`, () => {
    const r = torch.recipe('regression', { n: 50, seed: 420 });
    assert.equal(F.mse_loss(r.yhat, r.y, { reduction: 'sum' }).toString(), 'tensor(124.3458)');
    const m = torch.recipe('multiclass', { n: 300, c: 3, seed: 420 });
    assert.equal(F.cross_entropy(m.zhat, m.y_long).toString(), 'tensor(1.1591)');
    const b = torch.recipe('binary', { n: 3000000, seed: 420 });
    assert.equal(F.binary_cross_entropy(b.sigma, b.y).toString(), 'tensor(0.8685)');
    for (const t of Object.values(b)) t.dispose();
  });
}
