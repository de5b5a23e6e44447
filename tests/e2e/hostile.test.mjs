// Hostile input to the page and the widget: script-injection payloads, numbers that are not
// numbers, unicode and a 1 MB hash in every URL key (and every widget attribute). No script of
// theirs runs (a dialog or a console error fails), the page says which key is bad, keeps
// working, and the lesson's default still computes after.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, newPage, settled } from './browser.mjs';

let env;
let KEYS;
before(async () => {
  env = await start();
  const page = await newPage(env);
  await page.goto(env.url);
  await settled(page);
  KEYS = await page.evaluate(async () => (await import('./state.mjs')).PARAMS.map((p) => p.key));
  await page.close();
});
after(async () => { await env?.close(); });

const PAYLOADS = [
  '<img src=x onerror=alert(1)>',
  '"><script>alert(document.domain)</script>',
  "javascript:alert('x')",
  "'; alert(1); //",
  'NaN', 'Infinity', '-Infinity', '1e999', '-0', '0x1F', '',
  '𝟙𝟚𝟛 ١٢٣ ½',
];

function watch(page) {
  const dialogs = [];
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  return dialogs;
}

test('every URL key with injection payloads and non-numbers: nothing runs, the bad keys are named, the page keeps working', async () => {
  const page = await newPage(env);
  const dialogs = watch(page);
  try {
    for (const payload of PAYLOADS) {
      const v = encodeURIComponent(payload);
      const hash = [...KEYS.map((k) => `${k}=${v}`), `${KEYS[0]}_hide=${v}`, `hide=${v}`, `${v}=${v}`].join('&');
      await page.goto(`${env.url}#${hash}`);
      const status = await settled(page, { timeout: 60000 });
      assert.ok(['done', 'error'].includes(status), `${payload}: ${status}`);
      const said = `${await page.textContent('#notice')} ${await page.textContent('#error')} ${await page.evaluate(() => [...document.querySelectorAll('.field-error:not([hidden])')].map((e) => e.textContent).join(' '))}`;
      if (payload !== '') assert.match(said, /\S/, `${payload}: the page says something is wrong`);
      // nothing from the payload became markup
      assert.equal(await page.evaluate(() => document.querySelectorAll('img[src="x"], script:not([src])').length), 0, payload);
      assert.deepEqual(dialogs, [], payload);
      assert.deepEqual(page.errors, [], payload);
    }
    // a duplicated key: one value wins, the page works
    await page.goto(`${env.url}#recipe=regression&n=50&n=60&loss=mse_loss&loss=l1_loss`);
    assert.ok(['done', 'error'].includes(await settled(page)));
    // afterwards the default page computes the lesson's value
    await page.goto('about:blank');
    await page.goto(env.url);
    await settled(page);
    assert.equal((await page.textContent('#result')).trim(), 'tensor(2.4869)');
    assert.deepEqual(dialogs, []);
  } finally {
    await page.close();
  }
});

test('a 1 MB hash does not stall the page; the link still works', async () => {
  const page = await newPage(env);
  const dialogs = watch(page);
  try {
    const big = 'x'.repeat(1 << 20);
    const t0 = Date.now();
    await page.goto(`${env.url}#recipe=paste&input=${big}&target=1`);
    const status = await settled(page, { timeout: 60000 });
    const ms = Date.now() - t0;
    assert.ok(['done', 'error', 'ready'].includes(status) || status, status);
    // the main thread answers while the worker parses (a click goes through)
    const t1 = Date.now();
    await page.evaluate(() => 1);
    assert.ok(Date.now() - t1 < 2000, 'the page answers');
    assert.ok(ms < 30000, `settled in ${ms} ms`);
    await page.goto(`${env.url}#recipe=regression&n=50`);
    await settled(page);
    assert.equal((await page.textContent('#result')).trim(), 'tensor(2.4869)');
    assert.deepEqual(dialogs, []);
  } finally {
    await page.close();
  }
});

test('a widget with payloads in every attribute: nothing runs, an error event names the attribute', async () => {
  const page = await newPage(env);
  const dialogs = watch(page);
  try {
    await page.goto(`${env.url}lesson/`);
    const events = await page.evaluate(async ({ keys, payloads }) => {
      const out = [];
      document.addEventListener('error', (e) => {
        if (e.target.localName === 'loss-playground') out.push({ attribute: e.detail.attribute ?? null, kind: e.detail.kind, message: e.detail.message });
      });
      for (const p of payloads) {
        const w = document.createElement('loss-playground');
        w.setAttribute('loading', 'eager');
        for (const k of [...keys, 'hide', 'lang', 'loading']) w.setAttribute(k, p);
        document.body.prepend(w);
      }
      await new Promise((r) => setTimeout(r, 3000));
      return out;
    }, { keys: KEYS, payloads: PAYLOADS.filter((p) => p !== '') });
    assert.ok(events.length >= PAYLOADS.length - 1, `${events.length} error events`);
    assert.ok(events.every((e) => typeof e.message === 'string' && e.message.length > 0));
    assert.ok(events.some((e) => e.attribute), 'the attribute is named');
    assert.equal(await page.evaluate(() => document.querySelectorAll('img[src="x"]').length), 0);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
