// The page survives its worker (engine.mjs's watchdog): a worker that stops answering for a while
// is said to be slow, and the notice goes when it answers; a worker that exited without a word is
// found, restarted, and the job ends with a message; the next Run works. The watchdog's times are
// shortened for the test through globalThis.__losslabWatchdog (set before the page's scripts run).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, newPage, settled, errorText } from './browser.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

async function pageWithWatchdog(times) {
  const page = await newPage(env);
  await page.addInitScript((t) => { globalThis.__losslabWatchdog = t; }, times);
  await page.goto(`${env.url}#recipe=regression&n=50`);
  await settled(page);
  return page;
}
const computeWorker = (page) => page.workers().find((w) => /\/worker\.mjs$/.test(w.url()));

test('a worker busy for a while is said to be slow; the notice goes when it answers', async () => {
  const page = await pageWithWatchdog({ pingAfter: 200, stallAfter: 700, hangAfter: 60000 });
  try {
    const w = computeWorker(page);
    assert.ok(w, page.workers().map((x) => x.url()).join(' '));
    // the worker's event loop is blocked for 2.5 s (as by one long wasm call) while a run waits
    const busy = w.evaluate(() => { const t = Date.now(); while (Date.now() - t < 2500); });
    await page.fill('#f-n', '60');
    await page.press('#f-n', 'Enter');
    await page.waitForFunction(() => /has not answered for \d+ s/.test(document.getElementById('notice').textContent), null, { timeout: 10000 });
    await busy;
    assert.equal(await settled(page), 'done');
    assert.doesNotMatch(await page.textContent('#notice'), /has not answered/);
    assert.match(await page.textContent('#result'), /^tensor\(/);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('a worker that exited without a word is found and restarted; the job says so, the next Run works', async () => {
  const page = await pageWithWatchdog({ pingAfter: 200, stallAfter: 600, hangAfter: 2000 });
  try {
    await computeWorker(page).evaluate(() => self.close());
    await page.fill('#f-n', '70');
    await page.press('#f-n', 'Enter');
    assert.equal(await settled(page, { timeout: 20000 }), 'error');
    assert.match(await errorText(page), /did not answer for \d+ s \(it hung or stopped\): it has been restarted/);
    await page.fill('#f-n', '50');
    await page.press('#f-n', 'Enter');
    assert.equal(await settled(page), 'done');
    assert.equal((await page.textContent('#result')).trim(), 'tensor(2.4869)');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
