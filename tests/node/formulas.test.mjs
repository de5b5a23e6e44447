// web/formulas.mjs and web/mathml.mjs: every loss of the build has a formula that parses to
// MathML and a "try this" in both languages; the TeX subset's output; row 1 by hand.
import test from 'node:test';
import assert from 'node:assert/strict';
import { web } from './websrc.mjs';

const { FORMULAS, plugRow } = await web('formulas.mjs');
const M = await web('mathml.mjs');
const { REGISTRY } = await import('../../dist/registry.mjs');

test('every loss has a formula that parses and a "try this" in English and 简体中文', () => {
  const losses = REGISTRY.losses.filter((s) => (s.kind ?? 'loss') === 'loss').map((s) => s.name);
  assert.ok(losses.length >= 21, losses.join());
  for (const name of losses) {
    const f = FORMULAS[name];
    assert.ok(f, `${name} has no formula`);
    const tree = M.parse(f.tex);
    assert.equal(tree.tag, 'math');
    assert.match(M.toString(tree), /^<math display="block"><mrow>.*<\/mrow><\/math>$/);
    assert.ok(f.try.en.length > 40 && f.try.zh.length > 15, name);
    assert.match(f.try.zh, /[\u4e00-\u9fff]/, `${name}: the Chinese text is Chinese`);
    assert.doesNotMatch(f.try.en, /[\u4e00-\u9fff]/, name);
  }
});

test('the TeX subset: scripts, fractions, sums, text, functions, errors', () => {
  assert.equal(M.toString(M.parse('\\ell_i = (x_i - y_i)^2')),
    '<math display="block"><mrow><msub><mi>ℓ</mi><mi>i</mi></msub><mo>=</mo><mo>(</mo><msub><mi>x</mi><mi>i</mi></msub>'
    + '<mo>−</mo><msub><mi>y</mi><mi>i</mi></msub><msup><mo>)</mo><mn>2</mn></msup></mrow></math>');
  const ce = M.toString(M.parse(FORMULAS.cross_entropy.tex));
  assert.match(ce, /<mfrac><mrow><mi>exp<\/mi><mo>\u2061<\/mo><msub><mi>x<\/mi><mrow><mi>n<\/mi><mo>,<\/mo><msub><mi>y<\/mi><mi>n<\/mi><\/msub><\/mrow><\/msub><\/mrow>/);
  assert.match(ce, /<munder><mo largeop="true" movablelimits="false">∑<\/mo><mi>c<\/mi><\/munder>/);
  assert.match(M.toString(M.parse('a \\text{ if } b')), /<mtext> if <\/mtext>/);
  assert.match(M.toString(M.parse('\\mathcal{B}^{-1}')), /<msup><mi mathvariant="script">B<\/mi><mrow><mo>−<\/mo><mn>1<\/mn><\/mrow><\/msup>/);
  assert.match(M.toString(M.parse('x < 1')), /<mo>&lt;<\/mo>/);
  assert.throws(() => M.parse('\\nosuch x'), M.TexError);
  assert.throws(() => M.parse('{x'), M.TexError);
  assert.throws(() => M.parse('x # y'), M.TexError);
});

test('row 1 by hand', () => {
  assert.equal(plugRow('mse_loss', [[-0.007], [0.6006]], {}, 0.3692), 'ℓ₁ = (−0.0070 − 0.6006)² = 0.3692');
  assert.equal(plugRow('mse_loss', [[1], [-2]], {}, 9), 'ℓ₁ = (1.0000 − (−2.0000))² = 9.0000');
  assert.equal(plugRow('cross_entropy', [[1, 2], [1]], {}, 0.3133), 'ℓ₁ = −log(exp(2.0000) / (exp(1.0000) + exp(2.0000))) = 0.3133');
  assert.equal(plugRow('huber_loss', [[0], [2]], { delta: 1 }, 1.5), 'ℓ₁ = 1 · (2.0000 − 0.5 · 1) = 1.5000');
  assert.equal(plugRow('nll_loss', [[-0.5, -1], [5]], {}, 0), null, 'an index out of range has no short form');
  assert.equal(plugRow('ctc_loss', [[1], [1]], {}, 1), null);
});
