// The lesson's six printed values, through URL state and through the controls.
// Those needing binary_cross_entropy(_with_logits), nll_loss or cross_entropy fail until the
// loss is registered in the core (the page then says "'<name>' is not a loss in this build").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, newPage, waitResult, settled, shot, timingPaths } from './browser.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

const LESSON = [
  { name: 'A regression mse mean', hash: 'recipe=regression&n=50&seed=420&loss=mse_loss&reduction=mean', want: 'tensor(2.4869)' },
  { name: 'A regression mse sum', hash: 'recipe=regression&n=50&seed=420&loss=mse_loss&reduction=sum', want: 'tensor(124.3458)' },
  { name: 'B binary BCE', hash: 'recipe=binary&n=3000000&seed=420&loss=binary_cross_entropy&reduction=mean', want: 'tensor(0.8685)' },
  { name: 'B binary BCEWithLogits', hash: 'recipe=binary&n=3000000&seed=420&loss=binary_cross_entropy_with_logits&reduction=mean', want: 'tensor(0.8685)' },
  { name: 'C multiclass NLL(log_softmax)', hash: 'recipe=multiclass&n=300&c=3&seed=420&loss=nll_loss&reduction=mean', want: 'tensor(1.1591)' },
  { name: 'C multiclass cross_entropy', hash: 'recipe=multiclass&n=300&c=3&seed=420&loss=cross_entropy&reduction=mean', want: 'tensor(1.1591)' },
];

for (const c of LESSON) {
  test(`URL state: ${c.name} → ${c.want}`, async () => {
    const page = await newPage(env);
    try {
      await page.goto(`${env.url}#${c.hash}`);
      const r = await waitResult(page);
      assert.equal(r.error, '', `error shown: ${r.error}`);
      assert.equal(r.result, c.want);
      // The page keeps the canonical link (no rewriting of a lesson URL).
      assert.equal(await page.evaluate(() => location.hash.slice(1)), c.hash);
      // The PyTorch code panel prints the same number and holds the recipe's lines.
      const code = await page.textContent('#code');
      assert.match(code, /torch\.manual_seed\(420\)/);
      assert.ok(code.includes(`print(loss)  # ${c.want}`), code);
      await settled(page);
      assert.equal(await page.evaluate(() => document.body.dataset.status), 'done');
      await shot(page, `lesson-url-${c.name.replace(/\W+/g, '-')}`);
      assert.deepEqual(page.errors, []);
    } finally {
      await page.close();
    }
  });
}

// Typing into the fields and picking from the menus, as a learner would.
async function setField(page, key, value) {
  await page.fill(`#f-${key}`, String(value));
  await page.press(`#f-${key}`, 'Enter');
}

test('controls: regression mean and sum, then binary BCE / BCEWithLogits', async () => {
  const page = await newPage(env);
  try {
    await page.goto(env.url);
    let r = await waitResult(page);
    await page.selectOption('#f-recipe', 'regression');
    await setField(page, 'n', 50);
    await setField(page, 'seed', 420);
    await page.selectOption('#f-loss', 'mse_loss');
    await page.selectOption('#f-reduction', 'mean');
    r = await waitResult(page);
    assert.equal(r.result, 'tensor(2.4869)');
    await page.selectOption('#f-reduction', 'sum');
    r = await waitResult(page);
    assert.equal(r.result, 'tensor(124.3458)');
    assert.match(await page.evaluate(() => location.hash), /reduction=sum/);
    await shot(page, 'controls-regression-sum');

    await page.selectOption('#f-recipe', 'binary');
    await setField(page, 'n', '3e6');
    await setField(page, 'seed', 420);
    assert.equal(await page.inputValue('#f-n'), '3000000');
    const losses = await page.$$eval('#f-loss option', (os) => os.map((o) => o.value));
    assert.ok(!losses.includes('nll_loss') && !losses.includes('cross_entropy'), `menu offers only binary losses: ${losses}`);
    await page.selectOption('#f-loss', 'binary_cross_entropy');
    await page.selectOption('#f-reduction', 'mean');
    r = await waitResult(page);
    assert.equal(r.error, '');
    assert.equal(r.result, 'tensor(0.8685)');
    await page.selectOption('#f-loss', 'binary_cross_entropy_with_logits');
    r = await waitResult(page);
    assert.equal(r.error, '');
    assert.equal(r.result, 'tensor(0.8685)');
    await settled(page);
    await shot(page, 'controls-binary-bce-logits');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('controls: multiclass cross_entropy and nll_loss(log_softmax)', async () => {
  const page = await newPage(env);
  try {
    await page.goto(env.url);
    await waitResult(page);
    await page.selectOption('#f-recipe', 'multiclass');
    await setField(page, 'n', 300);
    await setField(page, 'c', 3);
    await setField(page, 'seed', 420);
    const losses = await page.$$eval('#f-loss option:not([disabled])', (os) => os.map((o) => o.value));
    assert.ok(losses.includes('cross_entropy'), `cross_entropy offered: ${losses}`);
    await page.selectOption('#f-loss', 'cross_entropy');
    let r = await waitResult(page);
    assert.equal(r.error, '');
    assert.equal(r.result, 'tensor(1.1591)');
    assert.ok(losses.includes('nll_loss'), `nll_loss offered: ${losses}`);
    await page.selectOption('#f-loss', 'nll_loss');
    r = await waitResult(page);
    assert.equal(r.error, '');
    assert.equal(r.result, 'tensor(1.1591)');
    assert.match(await page.textContent('#code'), /F\.nll_loss\(F\.log_softmax\(zhat, dim=1\), y\.long\(\)/);
    await settled(page);
    await shot(page, 'controls-multiclass-nll');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('timings: SIMD, scalar and JS loop agree with the printed value', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}#recipe=binary&n=3000000&seed=420&loss=binary_cross_entropy&reduction=mean`);
    assert.equal(await settled(page), 'done');
    const rows = await page.$$eval('#timing-body tr', (trs) => trs.map((tr) => ({
      path: tr.dataset.path, cells: [...tr.children].map((c) => c.textContent) })));
    assert.deepEqual(rows.map((r) => r.path), await timingPaths(page));
    for (const r of rows) {
      assert.match(r.cells[1], /^[\d.e-]+ ms$/);
      assert.match(r.cells[2], /\/s$/);
      assert.ok(Math.abs(Number(r.cells[5]) - 0.8685) < 5e-5, `${r.path} value ${r.cells[5]}`);
    }
    assert.match(await page.textContent('#timing-note'), /Data generation: [\d.]+ ms/);
    const hist = await page.evaluate(() => document.getElementById('hist-summary').textContent);
    assert.match(hist, /3000000 values|3,000,000 values/);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
