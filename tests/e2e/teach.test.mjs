// Issue 14, "nothing on the page misleads": each of the slips a new user met on the playground and
// the lesson page, as it should be now (Chromium, the built site).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, newPage, openHash, settled, waitResult, errorText, shot } from './browser.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

test('"Skip to the result" moves focus to the result and keeps every setting', async () => {
  const page = await newPage(env);
  try {
    const hash = 'recipe=binary&n=3000&seed=7&loss=binary_cross_entropy&reduction=sum';
    await openHash(env, page, hash);
    const before = (await page.textContent('#result')).trim();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'result-panel');
    assert.equal(new URL(page.url()).hash, `#${hash}`, 'the settings stay in the URL');
    assert.equal(await page.evaluate(() => document.body.dataset.status), 'done');
    assert.equal((await page.textContent('#result')).trim(), before);
    assert.equal(await page.textContent('#notice'), '', 'no "Unknown setting" notice');
    // a link to the anchor itself opens the default page there, without an error
    await page.goto('about:blank');
    await page.goto(`${env.url}#result-panel`);
    await settled(page);
    assert.equal((await page.textContent('#result')).trim(), 'tensor(2.4869)');
    assert.equal(await page.textContent('#notice'), '');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'result-panel');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('"Skip to the lesson" keeps the lesson\'s language', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}lesson/#lang=zh`);
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
    assert.equal(new URL(page.url()).hash, '#lang=zh');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  } finally {
    await page.close();
  }
});

test('both pages follow the browser\'s language; a chosen language stays in the link', async () => {
  const page = await newPage(env, { locale: 'zh-CN' });
  try {
    await openHash(env, page, 'recipe=regression&n=50');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    assert.equal(await page.inputValue('#f-lang'), 'zh');
    // English, chosen by a Chinese browser: written into the link, kept on reload
    await page.selectOption('#f-lang', 'en');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.match(new URL(page.url()).hash, /(^#|&)lang=en(&|$)/);
    await page.reload();
    await settled(page);
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await page.goto(`${env.url}lesson/`);
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  } finally {
    await page.close();
  }
  const en = await newPage(env, { locale: 'en-US' });
  try {
    await openHash(env, en, 'recipe=regression&n=50');
    assert.equal(await en.evaluate(() => document.documentElement.lang), 'en');
    assert.doesNotMatch(new URL(en.url()).hash, /lang=/);
  } finally {
    await en.close();
  }
});

test('delta=nan and beta=nan raise torch\'s error instead of computing with the default', async () => {
  const page = await newPage(env);
  try {
    for (const [loss, key, msg] of [
      ['huber_loss', 'delta', 'huber_loss does not support non-positive values for delta.'],
      ['smooth_l1_loss', 'beta', 'smooth_l1_loss does not support negative values for beta.'],
    ]) {
      await openHash(env, page, `recipe=regression&n=50&loss=${loss}&${key}=nan`);
      const r = await waitResult(page);
      assert.equal(r.status, 'error', `${loss}: ${r.result}`);
      assert.match(r.error, new RegExp(msg.replace(/\./g, '\\.')));
      assert.equal(r.result, '');
    }
  } finally {
    await page.close();
  }
});

test('reduction=batchmean on a loss without it is reported, not silently read as mean', async () => {
  const page = await newPage(env);
  try {
    await openHash(env, page, 'recipe=regression&n=50&loss=mse_loss&reduction=batchmean');
    const notice = await page.textContent('#notice');
    assert.match(notice, /batchmean/);
    assert.match(notice, /mse_loss/);
    assert.match(new URL(page.url()).hash, /reduction=mean/);
    assert.equal((await page.textContent('#result')).trim(), 'tensor(2.4869)');
  } finally {
    await page.close();
  }
});
