// web/recipes.mjs: which recipe tensor feeds which operand, derived from the registry entry
// (operands, targets, inputKind), for the build's registry.
import test from 'node:test';
import assert from 'node:assert/strict';
import { lossPlan, validLosses, gradOperand, defaultLossFor } from '../../web/recipes.mjs';
import { RECIPE_OF, loadRegistry, specFor } from '../../scripts/codepanel-cases.mjs';

const registry = loadRegistry();
const EXPECTED = {
  margin_ranking_loss: ['x1', 'x2', 'y'],
  hinge_embedding_loss: ['x1', 'y'],
  soft_margin_loss: ['x1', 'y'],
  multilabel_soft_margin_loss: ['z', 'y'],
  multi_margin_loss: ['z', 'y_class'],
  multilabel_margin_loss: ['z', 'y_list'],
  cosine_embedding_loss: ['x1', 'x2', 'y'],
  triplet_margin_loss: ['x1', 'x2', 'x3'],
  triplet_margin_with_distance_loss: ['x1', 'x2', 'x3'],
  poisson_nll_loss: ['log_rate', 'k'],
  gaussian_nll_loss: ['mu', 'y', 'var'],
  ctc_loss: ['log_probs', 'targets', 'input_lengths', 'target_lengths'],
};

for (const [name, ops] of Object.entries(EXPECTED)) {
  test(`${name} on ${RECIPE_OF[name].recipe}: ${ops.join(', ')}`, () => {
    const sp = specFor(name, registry);
    const plan = lossPlan(RECIPE_OF[name].recipe, sp, {});
    assert.ok(plan);
    assert.deepEqual(plan.operands, ops);
    assert.equal(plan.input, ops[0]);
    assert.equal(gradOperand(sp), 0);
    // and on no recipe of the lesson (their data do not fit it)
    for (const r of ['regression', 'binary', 'multiclass']) {
      const p = lossPlan(r, sp, {});
      if (p) assert.ok(name === 'multi_margin_loss' || name === 'poisson_nll_loss', `${name} on ${r}`);
    }
  });
}

test('the lesson\'s losses keep their plans; distances are on no menu', () => {
  assert.ok(registry, 'no dist/registry.json: build first');
  const mse = registry.losses.find((s) => s.name === 'mse_loss');
  assert.ok(mse, 'mse_loss is in the registry');
  assert.deepEqual(lossPlan('regression', mse, {}).operands, ['yhat', 'y']);
  const ce = registry.losses.find((s) => s.name === 'cross_entropy');
  assert.ok(ce, 'cross_entropy is in the registry');
  assert.deepEqual(lossPlan('multiclass', ce, {}).operands, ['zhat', 'y_long']);
  const dists = registry.losses.filter((s) => s.kind === 'distance');
  assert.deepEqual(dists.map((s) => s.name), ['pairwise_distance', 'cosine_similarity']);
  for (const r of ['regression', 'binary', 'multiclass', 'paste', 'ranking', 'embedding', 'counts', 'gaussian', 'multilabel', 'ctc']) {
    for (const dist of dists) assert.equal(lossPlan(r, dist, {}), null, `${dist.name} on ${r}`);
    const offered = validLosses(r, registry.losses, {});
    for (const dist of dists) assert.ok(!offered.includes(dist), `${dist.name} offered on ${r}`);
  }
});

test('each new recipe offers its losses and not the others', () => {
  assert.ok(registry, 'no dist/registry.json: build first');
  const all = registry.losses;
  for (const [name, r] of Object.entries(RECIPE_OF)) {
    assert.ok(validLosses(r.recipe, all, {}).some((s) => s.name === name), `${name} on ${r.recipe}`);
  }
  const ctc = validLosses('ctc', all, {}).map((s) => s.name);
  assert.deepEqual(ctc, ['ctc_loss']);
  const gauss = validLosses('gaussian', all, {}).map((s) => s.name);
  assert.deepEqual(gauss, ['gaussian_nll_loss']);
});

test('pasted scores with class indices default to cross_entropy, not nll_loss (which reads them as log-probabilities)', () => {
  const losses = registry.losses;
  const logits = { inputShape: [4, 3], targetShape: [4], targetInteger: true };
  const ok = validLosses('paste', losses, logits).map((s) => s.name);
  assert.ok(ok.includes('nll_loss') && ok.includes('cross_entropy'));
  assert.equal(defaultLossFor('paste', losses, logits, 'mse_loss'), 'cross_entropy');
  assert.equal(defaultLossFor('paste', losses, logits, 'nll_loss'), 'nll_loss', 'a loss the learner chose stays');
  assert.equal(defaultLossFor('paste', losses, { inputShape: [4], targetShape: [4], targetInteger: false }, 'mse_loss'), 'mse_loss');
});
