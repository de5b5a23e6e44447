// The foundation's thin slice (issue 2 item 8), inside the playground: two vectors entered,
// mse_loss with a reduction, the result printed as PyTorch prints it, and three timings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, newPage, waitResult, settled, shot, timingPaths } from './browser.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

test('two typed vectors → mse_loss → PyTorch print + SIMD/scalar/JS timings', async () => {
  const page = await newPage(env);
  try {
    await page.goto(env.url);
    await waitResult(page);
    await page.selectOption('#f-recipe', 'paste');
    await page.fill('#f-input', '1 2 3');
    await page.fill('#f-target', '1 2 4');
    await page.selectOption('#f-loss', 'mse_loss');
    await page.selectOption('#f-reduction', 'mean');
    let r = await waitResult(page);
    assert.equal(r.error, '');
    assert.equal(r.result, 'tensor(0.3333)');
    await page.selectOption('#f-reduction', 'sum');
    r = await waitResult(page);
    assert.equal(r.result, 'tensor(1.)');
    await page.selectOption('#f-reduction', 'none');
    r = await waitResult(page);
    assert.equal(r.result, 'tensor([0., 0., 1.])');
    assert.equal(await settled(page), 'done');
    const paths = await page.$$eval('#timing-body tr', (trs) => trs.map((tr) => [tr.dataset.path, tr.children[1].textContent]));
    assert.deepEqual(paths.map((p) => p[0]), await timingPaths(page));
    for (const [, ms] of paths) assert.match(ms, /^\d+(\.\d+)? (ms|µs)$/);
    const code = await page.textContent('#code');
    assert.match(code, /yhat = torch\.tensor\(\[1\.0, 2\.0, 3\.0\], dtype=torch\.float32\)/);
    assert.match(code, /F\.mse_loss\(yhat, y, reduction='none'\)/);
    await shot(page, 'thin-slice');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('a file of numbers can be loaded instead of typing', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}#recipe=paste&loss=l1_loss&reduction=mean`);
    // nothing pasted yet: what to do, not an error
    await page.waitForFunction(() => document.body.dataset.status === 'ready' && document.getElementById('status').textContent !== '');
    assert.match(await page.textContent('#status'), /^Paste or load the predictions and the targets/);
    assert.equal(await page.isHidden('#error'), true);
    await page.setInputFiles('#f-input-file', { name: 'pred.csv', mimeType: 'text/csv', buffer: Buffer.from('0.5\n1.5\n-2\n') });
    await page.setInputFiles('#f-target-file', { name: 'true.csv', mimeType: 'text/csv', buffer: Buffer.from('1\n1\n1\n') });
    await page.waitForFunction(() => document.getElementById('f-target').value.includes('1'));
    const r = await waitResult(page);
    assert.equal(r.error, '');
    assert.equal(r.result, 'tensor(1.3333)');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
