// Never blocks: a long run (N = 3e7) shows progress and can be cancelled, then the page runs
// again; N = 1e9 ends in a clear out-of-memory message and the page keeps working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, newPage, waitResult, settled, shot } from './browser.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

test('cancel a long run (N = 3e7), then run again', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}#recipe=binary&n=30000000&seed=420&loss=binary_cross_entropy&reduction=mean`);
    await page.waitForFunction(() => document.body.dataset.status === 'busy', null, { timeout: 60000 });
    // The main thread stays responsive while the worker generates 30 M rows.
    const t0 = Date.now();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
    assert.ok(Date.now() - t0 < 1000, 'the page answers while the worker computes');
    assert.match(await page.textContent('#status'), /Generating the data \(N = 30,000,000\)|Computing|Timing/);
    assert.equal(await page.isEnabled('#cancel'), true);
    await shot(page, 'long-run-progress');
    await page.click('#cancel');
    await page.waitForFunction(() => document.body.dataset.status === 'cancelled', null, { timeout: 60000 });
    assert.match(await page.textContent('#status'), /Cancelled/);
    assert.equal(await page.isDisabled('#cancel'), true);
    await shot(page, 'long-run-cancelled');

    await page.fill('#f-n', '3000');
    await page.press('#f-n', 'Enter');
    const r = await waitResult(page);
    assert.equal(r.error, '');
    assert.match(r.result, /^tensor\(0\.\d{4}\)$/);
    assert.equal(await settled(page), 'done');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('N = 1e9: a clear out-of-memory message, and the page keeps working', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}#recipe=regression&n=50&seed=420&loss=mse_loss&reduction=mean`);
    await waitResult(page);
    await page.selectOption('#f-recipe', 'binary');
    await page.fill('#f-n', '1e9');
    await page.press('#f-n', 'Enter');
    let r = await waitResult(page);
    assert.equal(r.status, 'error');
    assert.match(r.error, /^Out of memory: N = 1,000,000,000 needs about [\d.]+ GiB for the binary data, more than the 4 GiB/);
    assert.match(r.error, /The page keeps working/);
    assert.equal(await page.evaluate(() => location.hash.includes('n=1000000000')), true);
    await shot(page, 'oom-1e9');

    await page.fill('#f-n', '3000000');
    await page.press('#f-n', 'Enter');
    r = await waitResult(page);
    assert.equal(r.error, '');
    assert.equal(r.result, 'tensor(0.8685)');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('an allocation that fails inside wasm (zhat of 3.6 GB) is reported; the worker restarts', async () => {
  const page = await newPage(env);
  try {
    // Passes the page's size estimate, then malloc in the core says no (multiclass, C = 900).
    await page.goto(`${env.url}#recipe=multiclass&n=1000000&c=900&seed=420&loss=cross_entropy&reduction=mean`);
    const r = await waitResult(page, { timeout: 90000 });
    assert.equal(r.status, 'error');
    assert.match(r.error, /^Out of memory: the WebAssembly heap could not grow \(out of memory: could not allocate 3600000000 bytes/);
    await shot(page, 'oom-inside-wasm');
    // A fresh worker answers the next request.
    await page.fill('#f-c', '3');
    await page.press('#f-c', 'Enter');
    await page.fill('#f-n', '300');
    await page.press('#f-n', 'Enter');
    const again = await waitResult(page);
    assert.equal(again.error, '');
    assert.equal(again.result, 'tensor(1.1591)');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
