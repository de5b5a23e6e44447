// The default page's weight before its first result (issue 14 item 14: at most 200 KB
// compressed). What the first result does not need — the deferred part of the split SIMD build,
// the scalar build (timing only), the worker's later parts — is held at the server until the
// result is on screen: the page must show it without them, and what it fetched up to then is
// counted (bodies as sent, brotli, and headers). Then the held files go out and the page must
// go on as before: the deferred part in, a loss that lives in it computing torch's value.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SITE, NOT_FOR_FIRST_RESULT as HELD, start, gate, newPage, settled, waitResult } from './browser.mjs';

const BUDGET = 200_000;

let env;
let doors;
before(async () => {
  env = await start();
  doors = gate(env.server, HELD);
});
after(async () => { doors?.release(); await env?.close(); });

test('the SIMD builds are split for the site', () => {
  for (const f of ['simd', 'simd-threads']) {
    assert.ok(existsSync(path.join(SITE, 'dist', `losslab-${f}.deferred.wasm`)),
      `build/site/dist/losslab-${f}.deferred.wasm is missing (scripts/split-wasm.mjs said why in the site build)`);
  }
});

test(`the default page's first result needs at most ${BUDGET} bytes, and the page goes on after`, async () => {
  const page = await newPage(env, { viewport: { width: 1280, height: 900 } });
  const sizes = [];
  page.on('requestfinished', (r) => sizes.push(r.sizes().then((z) => ({ url: r.url(), bytes: z.responseBodySize + z.responseHeadersSize }))));
  try {
    await page.goto(env.url);
    await waitResult(page);
    assert.equal(await page.textContent('#result'), 'tensor(2.4869)');
    const got = await Promise.all(sizes.splice(0));
    const total = got.reduce((a, r) => a + r.bytes, 0);
    const table = got.map((r) => `${r.bytes}\t${new URL(r.url).pathname}`).join('\n');
    assert.ok(doors.held() > 0, 'the deferred part and the later files were asked for (and held)');
    assert.ok(!got.some((r) => HELD.test(new URL(r.url).pathname)), table);
    assert.ok(got.some((r) => /losslab-simd(-threads)?\.wasm$/.test(r.url)), table);
    assert.ok(total <= BUDGET, `${total} bytes before the first result:\n${table}`);
    console.log(`# ${total} bytes before the first result (${got.length} responses)`);

    doors.release();
    await settled(page);
    await page.waitForFunction(() => !document.getElementById('race-run').disabled, null, { timeout: 120000 });
    const part = await page.workers().find((w) => new URL(w.url()).pathname === '/worker.mjs')
      .evaluate(async () => (await import(new URL('./worker/session.mjs', location.href).href)).simd.deferredPart);
    assert.ok(part, 'the page runs a split build');
    assert.equal(part.loaded, true);
    // (a call that found it missing loaded it synchronously: counted, not an error)
    console.log(`# deferred part: ${JSON.stringify({ ...part, url: undefined })}`);
    // a loss whose kernels are in the deferred part (the default page never runs it)
    await page.evaluate(() => { location.hash = 'recipe=multiclass&n=300&seed=420&loss=cross_entropy'; });
    await waitResult(page);
    assert.equal(await page.textContent('#result'), 'tensor(1.1591)');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
