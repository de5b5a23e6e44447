// Bad pasted data is reported with its line and column; out-of-range options give PyTorch's
// message (from the core, not re-worded); bad field values are caught before running.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, newPage, waitResult, settled, shot } from './browser.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

test('pasted data: a bad token is named by line and column, then fixing it runs', async () => {
  const page = await newPage(env);
  try {
    await page.goto(env.url);
    await waitResult(page);
    await page.selectOption('#f-recipe', 'paste');
    await page.fill('#f-input', '0.5, 1.5\n2.0, x7\n1.0, 2.0');
    await page.fill('#f-target', '1, 1\n2, 2\n1, 2');
    let r = await waitResult(page);
    assert.equal(r.status, 'error');
    assert.match(r.error, /Predictions \(input\), line 2, column 2: “x7” is not a number/);
    assert.match(await page.textContent('#f-input-err'), /line 2, column 2/);
    assert.equal(await page.getAttribute('#f-input', 'aria-invalid'), 'true');
    await shot(page, 'error-paste-line-column');

    await page.fill('#f-input', '0.5, 1.5\n2.0, 3.0\n1.0');
    r = await waitResult(page);
    assert.match(r.error, /line 3, column 2: 1 values, but line 1 has 2/);

    await page.fill('#f-input', '0.5, 1.5\n2.0, 3.0\n1.0, 2.0');
    r = await waitResult(page);
    assert.equal(r.error, '');
    assert.equal(r.result, 'tensor(0.2500)');
    assert.equal(await page.getAttribute('#f-input', 'aria-invalid'), null);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('smooth_l1_loss beta = -1 → PyTorch\'s message; huber_loss delta = 0 too', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}#recipe=regression&n=50&seed=420&loss=smooth_l1_loss&reduction=mean&beta=-1`);
    let r = await waitResult(page);
    assert.equal(r.status, 'error');
    assert.equal(r.error, 'RuntimeError: smooth_l1_loss does not support negative values for beta.');
    assert.match(await page.textContent('#f-beta-err'), /negative values for beta/);
    await shot(page, 'error-beta-negative');
    await page.fill('#f-beta', '0.5');
    await page.press('#f-beta', 'Enter');
    r = await waitResult(page);
    assert.equal(r.error, '');
    assert.match(r.result, /^tensor\(\d+\.\d{4}\)$/);

    await page.goto(`${env.url}#recipe=regression&n=50&seed=420&loss=huber_loss&reduction=mean&delta=0`);
    r = await waitResult(page);
    assert.equal(r.error, 'RuntimeError: huber_loss does not support non-positive values for delta.');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('cross_entropy label_smoothing = 1.5 → PyTorch\'s message', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}#recipe=multiclass&n=300&c=3&seed=420&loss=cross_entropy&reduction=mean&label_smoothing=1.5`);
    const r = await waitResult(page);
    assert.equal(r.status, 'error');
    assert.equal(r.error, 'RuntimeError: label_smoothing must be between 0.0 and 1.0. Got: 1.5');
    await shot(page, 'error-label-smoothing');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('a field value that is not a number is caught before running, then recovers', async () => {
  const page = await newPage(env);
  try {
    await page.goto(env.url);
    await waitResult(page);
    await page.fill('#f-n', 'lots');
    await page.press('#f-n', 'Enter');
    await page.waitForSelector('#f-n-err:not([hidden])');
    assert.match(await page.textContent('#f-n-err'), /“lots” is not a number/);
    assert.match(await page.textContent('#error'), /Fix the highlighted field/);
    await page.fill('#f-n', '0');
    await page.press('#f-n', 'Enter');
    assert.match(await page.textContent('#f-n-err'), /at least 1/);
    await page.fill('#f-n', '50');
    await page.press('#f-n', 'Enter');
    const r = await waitResult(page);
    assert.equal(r.error, '');
    assert.equal(r.result, 'tensor(2.4869)');
    await settled(page);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
