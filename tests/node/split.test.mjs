// The site's split SIMD build (scripts/split-wasm.mjs) through its JS API, as the page's worker
// uses it: the first part alone runs the default page's first result; a function of the deferred
// part called before that part is in loads it synchronously (Node and workers can); loadDeferred
// puts it in ahead; the whole build (dist/) has no deferred part. Values are the whole build's.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createLossLab } from 'losslab';

const SITE_DIST = new URL('../../build/site/dist/', import.meta.url);
const skip = existsSync(new URL('losslab-simd.deferred.wasm', SITE_DIST)) ? false : 'build/site has no split SIMD build (npm run build)';
const site = skip ? null : await import(new URL('losslab.mjs', SITE_DIST));

// the lesson's data and losses: MSE (in the first part) and cross-entropy (deferred)
function lesson(torch) {
  torch.manual_seed(420);
  const yhat = torch.randn([50, 1]);
  const y = torch.randn([50, 1]);
  const logits = torch.randn([30, 3]);
  const cls = torch.randint(0, 3, [30]);
  const F = torch.nn.functional;
  return {
    mse: F.mse_loss(yhat, y, { reduction: 'sum' }).toString(),
    ce: F.cross_entropy(logits, cls).toString(),
    ctc: F.ctc_loss(F.log_softmax(torch.randn([6, 2, 4]), { dim: 2 }), torch.tensor([[1, 2], [3, 1]], { dtype: 'int64' }),
      [6, 5], [2, 2]).toString(),
  };
}

test('the whole build has no deferred part', async () => {
  const torch = await createLossLab({ warnings: 'silent' });
  assert.equal(torch.deferredPart, null);
  await torch.loadDeferred();   // resolves at once
});

test('deferred: manual — a deferred function loads the part on its first call', { skip }, async () => {
  const whole = lesson(await createLossLab({ warnings: 'silent' }));
  const torch = await site.createLossLab({ warnings: 'silent', deferred: 'manual' });
  assert.equal(torch.flavor, 'simd');
  assert.deepEqual({ ...torch.deferredPart, url: undefined }, { url: undefined, loaded: false, missed: 0, syncLoads: 0 });
  const got = lesson(torch);
  assert.deepEqual(got, whole);
  const part = torch.deferredPart;
  assert.equal(part.loaded, true);
  assert.equal(part.syncLoads, 1, 'fetched and compiled once');
  assert.ok(part.missed >= 1);
  assert.deepEqual(lesson(torch), whole, 'and again, with the part in');
  assert.equal(torch.deferredPart.syncLoads, 1);
});

test('loadDeferred puts the part in before anything calls into it', { skip }, async () => {
  const whole = lesson(await createLossLab({ warnings: 'silent' }));
  const torch = await site.createLossLab({ warnings: 'silent' });   // starts loading by itself
  await torch.loadDeferred();
  assert.equal(torch.deferredPart.loaded, true);
  assert.deepEqual(lesson(torch), whole);
  assert.equal(torch.deferredPart.missed, 0);
  assert.equal(torch.deferredPart.syncLoads, 0);
});
