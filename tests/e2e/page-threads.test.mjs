// The playground on every core (issue 15 item 1): served cross-origin isolated (COOP/COEP) it
// runs the SIMD + threads build, says so, and times it beside the single-thread SIMD row; served
// without COOP/COEP, as a host that did not opt in would serve it, it runs the single-thread SIMD
// build, says why, and still computes the lesson's numbers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, newPage, settled, waitResult, SITE } from './browser.mjs';
import { serve } from '../../scripts/serve.mjs';

let env;
let plain;
before(async () => {
  env = await start();
  plain = await serve(SITE, { isolate: false });
});
after(async () => {
  await env?.close();
  await new Promise((r) => (plain ? plain.close(r) : r()));
});

const timingRows = (page) => page.$$eval('#timing-body tr', (trs) => trs.map((tr) => ({
  path: tr.dataset.path, name: tr.querySelector('th')?.textContent ?? '',
  value: tr.querySelector('.value')?.textContent ?? '', error: tr.querySelector('.path-error')?.textContent ?? '' })));

test('cross-origin isolated: the threaded build runs, is named, and is timed beside SIMD with the same value', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}#recipe=binary&n=300000&seed=420&loss=binary_cross_entropy&reduction=mean`);
    assert.equal(await settled(page), 'done');
    const { isolated, cores } = await page.evaluate(() => ({ isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency }));
    assert.equal(isolated, true);
    assert.ok(cores > 1, `this test needs two cores (navigator.hardwareConcurrency = ${cores})`);
    const want = Math.min(cores, 8);
    assert.match((await waitResult(page)).result, /^tensor\(0\.\d{4}\)$/);
    assert.match(await page.textContent('#build-info'), new RegExp(`SIMD × ${want} threads`));
    const rows = await timingRows(page);
    assert.deepEqual(rows.map((r) => r.path), ['simd', 'threads', 'scalar', 'js']);
    const by = Object.fromEntries(rows.map((r) => [r.path, r]));
    assert.equal(by.threads.error, '');
    assert.match(by.threads.name, new RegExp(`^SIMD × ${want} threads$`));
    // the same bits at any thread count: the printed values agree to the last digit
    assert.equal(by.threads.value, by.simd.value);
    // and the page's language: 简体中文 names the row too
    await page.goto(`${env.url}#recipe=binary&n=300000&seed=420&loss=binary_cross_entropy&reduction=mean&lang=zh`);
    assert.equal(await settled(page), 'done');
    const zh = await timingRows(page);
    assert.match(zh.find((r) => r.path === 'threads')?.name ?? '', new RegExp(`^SIMD × ${want} 个线程$`));
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('not isolated (no COOP/COEP): the single-thread SIMD build, said so, and the lesson\'s numbers', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`http://127.0.0.1:${plain.address().port}/`);
    assert.equal((await waitResult(page)).result, 'tensor(2.4869)');
    assert.equal(await settled(page), 'done');
    assert.equal(await page.evaluate(() => crossOriginIsolated), false);
    assert.match(await page.textContent('#build-info'), /1 thread \(the page is not cross-origin isolated\)/);
    const rows = await timingRows(page);
    assert.deepEqual(rows.map((r) => r.path), ['simd', 'scalar', 'js']);
    assert.ok(rows.every((r) => r.error === ''), JSON.stringify(rows));
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
