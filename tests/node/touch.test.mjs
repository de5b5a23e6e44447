// "Touch the loss" (web/touch.mjs, web/worker/touch.mjs) against values worked out by hand from
// PyTorch's definitions: the curves, their gradients, the printed point and the outliers table.
import test from 'node:test';
import assert from 'node:assert/strict';
import { web } from './websrc.mjs';

const { createLossLab } = await web('dist/losslab.mjs');
const session = await web('worker/session.mjs');
const { touch, outliers } = await web('worker/touch.mjs');
const T = await web('touch.mjs');

const lab = await createLossLab({ warnings: 'silent' });
session.setBuilds(lab, null);
const base = { reduction: 'mean', n: 50, c: 3, seed: '420', delta: 1, beta: 1, label_smoothing: 0, margin: null, p: null };
const near = (a, b, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
const at = (r, x) => r.x.findIndex((v) => Math.abs(v - x) < 1e-6);

test('error family: MSE, L1 and Huber and their gradients along the prediction', () => {
  const r = touch({ family: 'error', losses: ['mse_loss', 'l1_loss', 'huber_loss'], target: 0, x: 1.5, half: 3, state: { ...base, delta: 0.5 } });
  assert.equal(r.x.length, 201);
  const [mse, l1, hub] = r.curves;
  const i = at(r, 2.4);
  assert.ok(i > 0);
  near(mse.loss[i], 2.4 * 2.4, 1e-6);
  near(mse.grad[i], 4.8, 1e-6);
  near(l1.loss[i], 2.4);
  near(l1.grad[i], 1);
  near(hub.loss[i], 0.5 * (2.4 - 0.25));   // δ(|e| − δ/2)
  near(hub.grad[i], 0.5);
  const j = at(r, -0.3);
  near(hub.loss[j], 0.5 * 0.09);
  near(hub.grad[j], -0.3);
  // the point, as PyTorch prints it
  assert.equal(r.point[0].print, 'tensor(2.2500, grad_fn=<MseLossBackward0>)');
  assert.equal(r.point[0].gradPrint, 'tensor([3.])');
  assert.equal(r.point[2].value, 0.5 * (1.5 - 0.25));
});

test('logit family: BCE on sigmoid(z) saturates at 100, BCE with logits does not; same gradient', () => {
  const r = touch({ family: 'logit', losses: ['binary_cross_entropy', 'binary_cross_entropy_with_logits'], target: 1, x: -2, half: 120, state: base });
  const [bce, bcel] = r.curves;
  const far = at(r, -120);
  assert.equal(far, 0);
  assert.equal(bce.loss[far], 100);          // log(0) clamped at −100
  near(bcel.loss[far], 120, 1e-6);           // log1p(exp(120)) − 0 … linear
  const i = at(r, -2.4);
  const s = 1 / (1 + Math.exp(2.4));
  near(bce.grad[i], s - 1, 1e-5);
  near(bcel.grad[i], s - 1, 1e-6);
  assert.match(r.point[1].print, /^tensor\(2\.1269, grad_fn=<BinaryCrossEntropyWithLogitsBackward0>\)$/);
});

test('margin family: cross_entropy and multi_margin_loss of a row [m, 0, 0] of class 0', () => {
  const r = touch({ family: 'margin', losses: ['cross_entropy', 'multi_margin_loss', 'nll_loss'], x: 1, half: 5, c: 3, state: base });
  const i = at(r, 0.5);
  const [ce, mm, nll] = r.curves;
  near(ce.loss[i], Math.log(Math.exp(0.5) + 2) - 0.5, 1e-6);
  near(nll.loss[i], ce.loss[i], 1e-6);
  near(mm.loss[i], (2 * (1 - 0.5)) / 3, 1e-6);   // Σ_{j≠y} max(0, 1 − m) / C
  near(ce.grad[i], Math.exp(0.5) / (Math.exp(0.5) + 2) - 1, 1e-6);
  assert.match(r.point[0].gradPrint, /^tensor\(\[\[-0\.4239,  0\.2119,  0\.2119\]\]\)$/);
  // label_smoothing moves the minimum off +∞
  const s = touch({ family: 'margin', losses: ['cross_entropy'], x: 1, half: 5, c: 3, state: { ...base, label_smoothing: 0.3 } });
  assert.ok(s.curves[0].loss[200] > s.curves[0].loss[150]);
});

test('an option torch refuses is reported for that loss only', () => {
  const r = touch({ family: 'error', losses: ['mse_loss', 'huber_loss'], target: 0, x: 1, half: 3, state: { ...base, delta: 0 } });
  assert.ok(r.curves[0].loss);
  assert.match(r.curves[1].error, /delta/);
});

test('outliers: MSE grows by about fraction × size², L1 by about fraction × size', () => {
  const state = { ...base, n: 1000 };
  const r = outliers({ state, fraction: 0.05, size: 10, losses: ['mse_loss', 'l1_loss', 'huber_loss'] });
  assert.equal(r.moved, 50);
  const [mse, l1, hub] = r.rows;
  assert.ok(mse.dirty / mse.clean > 2.5, `${mse.dirty} / ${mse.clean}`);
  assert.ok(l1.dirty / l1.clean < 1.6, `${l1.dirty} / ${l1.clean}`);
  assert.ok(hub.dirty - hub.clean < 0.05 * 10);
  assert.match(mse.cleanPrint, /^tensor\(/);
  // the lesson's data: N = 50 after seed 420, MSE 2.4869 with no outliers
  const lesson = outliers({ state: base, fraction: 0, size: 10, losses: ['mse_loss'] });
  assert.equal(lesson.rows[0].cleanPrint, 'tensor(2.4869)');
  assert.equal(lesson.rows[0].dirtyPrint, 'tensor(2.4869)');
});

test('pure helpers: families, keys, outliers', () => {
  assert.equal(T.familyOf({ curve: 'error' }, 'mse_loss'), 'error');
  assert.equal(T.familyOf({ curve: 'logit' }, 'binary_cross_entropy_with_logits'), 'logit');
  assert.equal(T.familyOf({ curve: 'margin' }, 'kl_div'), null);
  assert.equal(T.familyOf(null, 'mse_loss'), null);
  assert.deepEqual(T.defaultOverlay('error', 'huber_loss'), ['huber_loss', 'mse_loss', 'l1_loss']);
  assert.deepEqual(T.members('error', 'mse_loss'), ['mse_loss', 'l1_loss', 'huber_loss', 'smooth_l1_loss']);
  assert.equal(T.keyStep('ArrowRight', 0, -3, 3), 0.06);
  assert.equal(T.keyStep('End', 0, -3, 3), 3);
  assert.equal(T.keyStep('PageDown', -2.9, -3, 3), -3);
  assert.equal(T.keyStep('a', 0, -3, 3), null);
  const { y, moved } = T.withOutliers(new Float32Array(10), 0.25, 5);
  assert.equal(moved, 3);
  assert.deepEqual(Array.from(y), [5, 0, 0, 0, 5, 0, 0, 0, 5, 0]);
});
