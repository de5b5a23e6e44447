// Issue 14 items 10 and 12: the learner touches the loss (drags a prediction, overlays losses and
// gradients, adds outliers, moves live sliders) and watches gradient descent (play / pause /
// step, the per-step table, the path over the loss surface). Chromium, the built site.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { start, newPage, openHash, settled, ARTIFACTS } from './browser.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

const rows = (page, id) => page.evaluate((i) => Object.fromEntries([...document.querySelectorAll(`#${i} tr`)]
  .map((r) => [r.dataset.loss, [...r.querySelectorAll('td')].map((td) => td.textContent)])), id);
const xNow = (page) => page.evaluate(() => Number(document.getElementById('touch-slider').getAttribute('aria-valuenow')));
const printed = (s) => Number(/^tensor\(\[*(-?[\d.e+-]+)/.exec(s)[1]);

// Waits until the touch table describes the slider's current x.
async function touchAt(page, x) {
  await page.waitForFunction((want) => {
    const c = document.getElementById('touch-caption').textContent;
    return c.includes(`= ${want} `) || c.includes(`= ${want}:`);
  }, String(Number(x.toPrecision(4))));
}

test('drag the prediction: MSE, L1 and Huber and their gradients follow it, by mouse and by keyboard', async () => {
  const page = await newPage(env);
  try {
    await openHash(env, page, 'recipe=regression&n=50');
    await page.waitForFunction(() => document.querySelectorAll('#touch-body tr').length === 3);
    let r = await rows(page, 'touch-body');
    assert.deepEqual(Object.keys(r), ['mse_loss', 'l1_loss', 'huber_loss']);
    assert.deepEqual(r.mse_loss, ['tensor(2.2500, grad_fn=<MseLossBackward0>)', 'tensor([3.])']);
    assert.deepEqual(r.huber_loss, ['tensor(1., grad_fn=<HuberLossBackward0>)', 'tensor([1.])']);
    // drag from the right to the left of the plot (once the race above it has stopped growing)
    await page.waitForFunction(() => !document.getElementById('race-run').disabled, null, { timeout: 60000 });
    await page.locator('#touch-loss').scrollIntoViewIfNeeded();
    const box = await page.locator('#touch-loss').boundingBox();
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2, { steps: 12 });
    await page.mouse.up();
    const x = await xNow(page);
    assert.ok(x < -0.5 && x > -3, `dragged to ${x}`);
    await touchAt(page, x);
    r = await rows(page, 'touch-body');
    const xf = Math.fround(x);
    assert.ok(Math.abs(printed(r.mse_loss[0]) - xf * xf) < 1e-4, `${r.mse_loss[0]} at ${x}`);
    assert.ok(Math.abs(printed(r.mse_loss[1]) - 2 * xf) < 1e-4, r.mse_loss[1]);
    assert.equal(r.l1_loss[1], 'tensor([-1.])');
    await page.screenshot({ path: path.join(ARTIFACTS, 'touch-regression.png'), clip: await page.locator('#touch-panel').boundingBox() });
    // the keyboard: the plot is a slider
    await page.focus('#touch-slider');
    await page.keyboard.press('End');
    await touchAt(page, 4.5 - 1.5);   // the axis is ±3 around y = 0
    assert.equal(await xNow(page), 3);
    await page.keyboard.press('ArrowLeft');
    assert.equal(await xNow(page), 2.94);
    await touchAt(page, 2.94);
    r = await rows(page, 'touch-body');
    assert.equal(r.mse_loss[0], 'tensor(8.6436, grad_fn=<MseLossBackward0>)');
    assert.match(await page.getAttribute('#touch-slider', 'aria-valuetext'), /^ŷ \(prediction\) = 2\.94: nn\.MSELoss 8\.644, gradient 5\.88/);
    // overlays: drop L1, add smooth L1
    await page.uncheck('#touch-on-l1_loss');
    await page.check('#touch-on-smooth_l1_loss');
    await page.waitForFunction(() => !document.querySelector('#touch-body tr[data-loss="l1_loss"]') && document.querySelector('#touch-body tr[data-loss="smooth_l1_loss"]'));
    // the gradients' plot can be hidden
    await page.uncheck('#touch-grad-on');
    assert.equal(await page.isVisible('#touch-grad'), false);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('the δ slider moves Huber live: the curve, the touched point and the result', async () => {
  const page = await newPage(env);
  try {
    await openHash(env, page, 'recipe=regression&n=50&loss=huber_loss');
    await page.waitForFunction(() => document.querySelector('#touch-body tr[data-loss="huber_loss"]'));
    assert.equal((await page.textContent('#result')).trim(), 'tensor(0.7886)');
    const slider = page.locator('#f-delta-range');
    assert.equal(await slider.inputValue(), '1');
    await slider.fill('0.5');   // an input event, as a drag sends
    await page.waitForFunction(() => location.hash.includes('delta=0.5'));
    await settled(page);
    await page.waitForFunction(() => document.querySelector('#touch-body tr[data-loss="huber_loss"] td').textContent.startsWith('tensor(0.6250'));
    assert.equal(await page.inputValue('#f-delta'), '0.5');
    const res = (await page.textContent('#result')).trim();
    assert.notEqual(res, 'tensor(0.7886)');
    assert.match(res, /^tensor\(0\.\d{4}\)$/);
    // the other sliders appear with their losses
    for (const [hash, key] of [['recipe=regression&loss=smooth_l1_loss', 'beta'], ['recipe=multiclass&loss=cross_entropy', 'label_smoothing'],
      ['recipe=multiclass&loss=multi_margin_loss', 'margin'], ['recipe=binary&n=3000&loss=binary_cross_entropy', 'lr']]) {
      await openHash(env, page, hash);
      assert.equal(await page.isVisible(`#f-${key}-range`), true, key);
    }
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('outliers: MSE explodes while L1 barely moves, on the page\'s own data', async () => {
  const page = await newPage(env);
  try {
    await openHash(env, page, 'recipe=regression&n=1000');
    await page.waitForFunction(() => document.querySelectorAll('#outliers-body tr').length === 4);
    await page.selectOption('#outliers-fraction', '0.02');
    await page.locator('#outliers-size').fill('30');
    await page.waitForFunction(() => document.getElementById('outliers-caption').textContent.includes('+30'));
    const r = await rows(page, 'outliers-body');
    const grew = (k) => Number(r[k][2].replace('×', ''));
    assert.ok(grew('mse_loss') > 5, `MSE ×${grew('mse_loss')}`);
    assert.ok(grew('l1_loss') < 1.8, `L1 ×${grew('l1_loss')}`);
    assert.ok(grew('mse_loss') > 4 * grew('l1_loss'));
    assert.match(await page.textContent('#outliers-caption'), /20 of 1,000 targets moved by \+30/);
    assert.match(await page.textContent('#outliers-note'), /^MSE grew ×[\d.]+, L1 only ×1\.\d/);
    // without outliers both columns agree
    await page.selectOption('#outliers-fraction', '0');
    await page.waitForFunction(() => document.querySelector('#outliers-body tr td:nth-child(4)')?.textContent === '×1.0');
    // not regression data: no outliers table
    await openHash(env, page, 'recipe=multiclass');
    assert.equal(await page.isVisible('#outliers'), false);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('BCE on sigmoid(z) against BCE with logits: at z = −120 one stops at 100, the other goes on', async () => {
  const page = await newPage(env);
  try {
    await openHash(env, page, 'recipe=binary&n=3000&loss=binary_cross_entropy_with_logits');
    await page.waitForFunction(() => document.querySelectorAll('#touch-body tr').length === 2);
    assert.match(await page.textContent('#touch-intro'), /BCEWithLogitsLoss/);
    await page.selectOption('#touch-half', '120');
    await page.focus('#touch-slider');
    await page.keyboard.press('Home');
    await touchAt(page, -120);
    const r = await rows(page, 'touch-body');
    assert.equal(r.binary_cross_entropy[0], 'tensor(100., grad_fn=<BinaryCrossEntropyBackward0>)');
    assert.equal(r.binary_cross_entropy[1], 'tensor([-0.])', 'the gradient through a rounded σ(z) vanishes (−1e12 × 0)');
    assert.equal(r.binary_cross_entropy_with_logits[0], 'tensor(120., grad_fn=<BinaryCrossEntropyWithLogitsBackward0>)');
    assert.equal(r.binary_cross_entropy_with_logits[1], 'tensor([-1.])');
    // multiclass: cross-entropy against the multi-class hinge along the margin
    await openHash(env, page, 'recipe=multiclass&loss=cross_entropy');
    await page.waitForFunction(() => document.querySelectorAll('#touch-body tr').length === 2);
    await page.focus('#touch-slider');
    await page.keyboard.press('End');
    await touchAt(page, 5);
    const m = await rows(page, 'touch-body');
    assert.equal(m.multi_margin_loss[0], 'tensor(0., grad_fn=<MultiMarginLossBackward0>)');
    assert.match(m.cross_entropy[0], /^tensor\(0\.0134, grad_fn=<NllLossBackward0>\)$/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'touch-multiclass.png'), clip: await page.locator('#touch-panel').boundingBox() });
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

const stepRows = (page) => page.evaluate(() => [...document.querySelectorAll('#steps-body tr')]
  .map((r) => [...r.children].map((c) => c.textContent)));

test('gradient descent: Step, Play, Pause and Reset; the steps equal a straight Run\'s', async () => {
  const page = await newPage(env);
  try {
    await openHash(env, page, 'recipe=binary&n=3000000&loss=binary_cross_entropy&steps=6&lr=2');
    // a straight run first: the reference
    await page.click('#train-run');
    await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Gradient descent at step 6'));
    const run = await stepRows(page);
    assert.equal(run.length, 7);
    assert.equal(run[0][1], '0.8685', 'step 0 is the lesson\'s BCE');
    // Reset, then Step twice: step 0 alone, then step 1
    await page.click('#train-reset');
    assert.equal((await stepRows(page)).length, 0);
    await page.click('#train-step');
    await page.waitForFunction(() => document.querySelectorAll('#steps-body tr').length === 1);
    await page.click('#train-step');
    await page.waitForFunction(() => document.querySelectorAll('#steps-body tr').length === 2);
    // Play the rest at 20 steps/s: it stops at steps = 6
    await page.selectOption('#train-speed', '20');
    await page.click('#train-play');
    assert.equal(await page.getAttribute('#train-play', 'aria-pressed'), 'true');
    await page.waitForFunction(() => document.getElementById('train-play').getAttribute('aria-pressed') === 'false', null, { timeout: 30000 });
    const played = await stepRows(page);
    assert.deepEqual(played.map((r) => [r[0], r[1], r[4]]), run.map((r) => [r[0], r[1], r[4]]), 'the same losses and w as the straight run');
    assert.ok(played.slice(0, -1).every((r) => Number(r[3]) > 0), 'a gradient norm for every step that updated');
    // Pause keeps the step reached; Step goes on from it
    await page.fill('#f-steps', '200');
    await page.press('#f-steps', 'Enter');
    await page.selectOption('#train-speed', '5');
    await page.click('#train-play');
    await page.waitForFunction(() => document.querySelectorAll('#steps-body tr').length >= 9);
    await page.click('#train-play');   // Pause
    assert.equal(await page.textContent('#train-play'), 'Play');
    await page.waitForTimeout(300);    // the step in flight lands
    const paused = (await stepRows(page)).length;
    await page.waitForTimeout(1000);
    assert.equal((await stepRows(page)).length, paused, 'nothing moves while paused');
    await page.click('#train-step');
    await page.waitForFunction((n) => document.querySelectorAll('#steps-body tr').length === n + 1, paused);
    const after = await stepRows(page);
    assert.equal(after[after.length - 1][0], String(paused));
    // the path over the loss surface
    await page.waitForFunction(() => /^The loss over w\[\d\] and w\[\d\], the other entries of w at their step-\d+ values, on 20,000 of the 3,000,000 rows/.test(document.getElementById('surface-summary').textContent));
    await page.selectOption('#surface-pair', '1,2');
    await page.waitForFunction(() => document.getElementById('surface-summary').textContent.startsWith('The loss over w[1] and w[2]'));
    await page.screenshot({ path: path.join(ARTIFACTS, 'train-steps.png'), clip: await page.locator('#train-panel').boundingBox() });
    await page.click('#train-reset');
    assert.equal(await page.isVisible('#surface-fig'), false);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('the lr slider re-runs a finished descent live; a loss switch starts Step afresh', async () => {
  const page = await newPage(env);
  try {
    await openHash(env, page, 'recipe=multiclass&n=300&loss=cross_entropy&steps=5');
    await page.click('#train-run');
    await page.waitForFunction(() => document.querySelectorAll('#steps-body tr').length === 6);
    const first = await stepRows(page);
    await page.locator('#f-lr-range').fill('3');
    // the caption names the lr its steps were trained with: lr = 3 only once the re-run's rows show
    await page.waitForFunction(() => document.getElementById('steps-caption').textContent.includes('lr = 3'));
    await page.waitForFunction(() => document.querySelectorAll('#steps-body tr').length === 6 && document.getElementById('status').textContent.startsWith('Gradient descent at step 5'));
    const second = await stepRows(page);
    assert.equal(second[0][1], first[0][1], 'the same start');
    assert.notEqual(second[5][1], first[5][1], 'a different descent');
    assert.match(page.url(), /lr=3/);
    // the multiclass w is 4 × 3: pairs are named by row and column
    await page.waitForFunction(() => /^The loss over w\[\d, \d\] and w\[\d, \d\]/.test(document.getElementById('surface-summary').textContent));
    // another loss: the next Step starts at step 0
    await page.selectOption('#f-loss', 'multi_margin_loss');
    await settled(page);
    await page.click('#train-step');
    await page.waitForFunction(() => document.querySelectorAll('#steps-body tr').length === 1);
    assert.equal((await stepRows(page))[0][0], '0');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
