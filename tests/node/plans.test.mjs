// web/recipes.mjs: which recipe tensor feeds which operand, derived from the registry entry
// (operands, targets, inputKind). Checked for the build's registry and, for losses the build
// does not register yet, for the entries scripts/codepanel-cases.mjs expects (PENDING).
import test from 'node:test';
import assert from 'node:assert/strict';
import { lossPlan, validLosses, gradOperand } from '../../web/recipes.mjs';
import { PENDING, RECIPE_OF, loadRegistry, specFor } from '../../scripts/codepanel-cases.mjs';

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
  const sp = specFor(name, registry);
  test(`${name} (${sp.pending ? 'expected entry' : 'registry'}) on ${RECIPE_OF[name].recipe}: ${ops.join(', ')}`, () => {
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
  const reg = registry ?? { losses: [] };
  const mse = reg.losses.find((s) => s.name === 'mse_loss');
  if (mse) assert.deepEqual(lossPlan('regression', mse, {}).operands, ['yhat', 'y']);
  const ce = reg.losses.find((s) => s.name === 'cross_entropy');
  if (ce) assert.deepEqual(lossPlan('multiclass', ce, {}).operands, ['zhat', 'y_long']);
  const dist = { name: 'pairwise_distance', kind: 'distance', operands: [{ name: 'x1', role: 'input', dtypes: ['floating'] },
    { name: 'x2', role: 'input', dtypes: ['floating'] }], targets: [], inputKind: 'embedding', options: [], reductions: [] };
  for (const r of ['regression', 'binary', 'multiclass', 'paste', 'ranking', 'embedding', 'counts', 'gaussian', 'multilabel', 'ctc']) {
    assert.equal(lossPlan(r, dist, {}), null, r);
    assert.ok(!validLosses(r, [...reg.losses, ...PENDING, dist], {}).includes(dist), r);
  }
});

test('each new recipe offers its losses and not the others', () => {
  const all = [...(registry?.losses ?? []), ...PENDING.filter((p) => !registry?.losses.some((s) => s.name === p.name))];
  for (const [name, r] of Object.entries(RECIPE_OF)) {
    assert.ok(validLosses(r.recipe, all, {}).some((s) => s.name === name), `${name} on ${r.recipe}`);
  }
  const ctc = validLosses('ctc', all, {}).map((s) => s.name);
  assert.deepEqual(ctc, ['ctc_loss']);
  const gauss = validLosses('gaussian', all, {}).map((s) => s.name);
  assert.deepEqual(gauss, ['gaussian_nll_loss']);
});
