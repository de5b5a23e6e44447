// URL state: every control round-trips through the hash; <key>_hide=1 hides a control or panel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, newPage, waitResult, settled, shot } from './browser.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

async function controls(page) {
  return page.$$eval('.field[data-key]', (fields) => Object.fromEntries(fields.filter((f) => !f.hidden).map((f) => {
    const input = f.querySelector('input:not([type=file]), select, textarea');
    return [f.dataset.key, input.type === 'checkbox' ? input.checked : input.value];
  })));
}

test('a configured page round-trips through its link', async () => {
  const page = await newPage(env);
  try {
    await page.goto(env.url);
    await waitResult(page);
    // Configure through the controls.
    await page.selectOption('#f-recipe', 'regression');
    await page.fill('#f-n', '200');
    await page.press('#f-n', 'Enter');
    await page.fill('#f-seed', '7');
    await page.press('#f-seed', 'Enter');
    await page.selectOption('#f-loss', 'smooth_l1_loss');
    await page.fill('#f-beta', '0.5');
    await page.press('#f-beta', 'Enter');
    await page.selectOption('#f-reduction', 'sum');
    await page.fill('#f-bins', '25');
    await page.press('#f-bins', 'Enter');
    const first = await waitResult(page);
    assert.equal(first.error, '');
    await settled(page);
    const hash = await page.evaluate(() => location.hash.slice(1));
    assert.equal(hash, 'recipe=regression&n=200&seed=7&loss=smooth_l1_loss&reduction=sum&beta=0.5&bins=25');
    const before = await controls(page);

    // The same link in a fresh page gives the same controls, the same hash and the same result.
    const again = await newPage(env);
    await again.goto(`${env.url}#${hash}`);
    const second = await waitResult(again);
    assert.equal(second.result, first.result);
    assert.equal(await again.evaluate(() => location.hash.slice(1)), hash);
    assert.deepEqual(await controls(again), before);
    await shot(again, 'url-roundtrip');
    assert.deepEqual(page.errors, []);
    assert.deepEqual(again.errors, []);
    await again.close();
  } finally {
    await page.close();
  }
});

test('every key of the table round-trips (options, training, view, hide flags)', async () => {
  const page = await newPage(env);
  try {
    const hash = 'recipe=binary&n=3000&seed=123&loss=binary_cross_entropy_with_logits&reduction=sum' +
      '&weight=0.5&pos_weight=2&lr=0.25&steps=5&reps=3&lang=zh&seed_hide=1&timing_hide=1';
    await page.goto(`${env.url}#${hash}`);
    const r = await waitResult(page);
    assert.equal(r.error, '');
    assert.equal(await page.evaluate(() => location.hash.slice(1)), hash);
    const c = await controls(page);
    assert.equal(c.weight, '0.5');
    assert.equal(c.pos_weight, '2');
    assert.equal(c.lr, '0.25');
    assert.equal(c.steps, '5');
    assert.equal(c.lang, 'zh');
    // Teacher mode: the seed control and the timing panel are hidden.
    assert.equal(await page.isHidden('.field[data-key="seed"]'), true);
    assert.equal(await page.isHidden('#timing-panel'), true);
    assert.equal(await page.isVisible('.field[data-key="n"]'), true);
    assert.match(await page.textContent('#code'), /pos_weight=torch\.tensor\(\[2\.0\]\)/);
    await settled(page);
    await shot(page, 'url-hide-and-options');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('editing the hash by hand recomputes; bad values are reported, not fatal', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}#recipe=regression&n=50&seed=420&loss=mse_loss&reduction=mean`);
    let r = await waitResult(page);
    assert.equal(r.result, 'tensor(2.4869)');
    await page.evaluate(() => { location.hash = 'recipe=regression&n=50&seed=420&loss=mse_loss&reduction=sum'; });
    await page.waitForFunction(() => document.getElementById('result').textContent.includes('124'));
    assert.equal((await page.textContent('#result')).trim(), 'tensor(124.3458)');
    await page.goto(`${env.url}#recipe=regression&n=abc&reduction=avg&bogus=1`);
    r = await waitResult(page);
    const notice = await page.textContent('#notice');
    assert.match(notice, /“abc” is not a number/);
    assert.match(notice, /bogus/);
    assert.equal(r.result, 'tensor(2.4869)');   // defaults used instead
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
