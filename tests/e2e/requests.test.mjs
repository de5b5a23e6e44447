// Nothing leaves the page's own origin: every request the playground, its workers (compute and
// Python) and the lesson page make while a learner uses them — the first result, the race, a
// drag, gradient descent step by step, a Python run, the lesson's blocks — goes to the site
// itself (or is a data:/blob: URL). Chromium reports dedicated workers' requests on their page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, newPage, settled } from './browser.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

function record(page) {
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  page.on('websocket', (ws) => urls.push(ws.url()));
  return urls;
}
const foreign = (urls, origin) => urls.filter((u) => !u.startsWith('data:') && !u.startsWith('blob:') && new URL(u).origin !== origin);

test('the playground and its workers request nothing from another origin', async () => {
  const page = await newPage(env);
  const urls = record(page);
  try {
    await page.goto(`${env.url}#recipe=binary&n=3000&loss=binary_cross_entropy&steps=3`);
    await settled(page);
    await page.waitForFunction(() => !document.getElementById('race-run').disabled, null, { timeout: 120000 });
    await page.focus('#touch-slider');
    await page.keyboard.press('ArrowRight');
    await page.click('#train-step');
    await page.click('#train-step');
    await page.waitForFunction(() => document.querySelectorAll('#steps-body tr').length === 2);
    await page.click('#py-run');
    await page.waitForFunction(() => /tensor\(/.test(document.getElementById('py-out').textContent), null, { timeout: 120000 });
    const origin = new URL(env.url).origin;
    assert.ok(urls.some((u) => /\/dist\/losslab-simd(-threads)?\.wasm$/.test(u)) && urls.some((u) => u.includes('/pyodide/')),
      'the record includes the workers\' requests (the wasm, Pyodide)');
    assert.deepEqual(foreign(urls, origin), []);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('the lesson page requests nothing from another origin', async () => {
  const page = await newPage(env);
  const urls = record(page);
  try {
    await page.goto(`${env.url}lesson/`);
    // every cell loads when it scrolls into view: scroll them all in, wait for each
    for (const id of await page.$$eval('loss-playground', (ws) => ws.map((w) => w.id))) {
      await page.locator(`#${id}`).scrollIntoViewIfNeeded();
      await page.waitForFunction((i) => ['done', 'error'].includes(document.getElementById(i)?.status), id, { timeout: 120000 });
    }
    assert.ok(urls.some((u) => /\/dist\/losslab-simd(-threads)?\.wasm$/.test(u)), urls.join(' '));
    assert.deepEqual(foreign(urls, new URL(env.url).origin), []);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
