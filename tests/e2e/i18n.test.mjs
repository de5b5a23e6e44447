// English and 简体中文, switchable, kept in the URL (lang).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, newPage, waitResult, settled, shot } from './browser.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

test('switching to 简体中文 and back, kept in the link', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}#recipe=regression&n=50&seed=420&loss=mse_loss&reduction=mean`);
    await settled(page);
    assert.equal(await page.textContent('#h-data'), 'Data');
    await page.selectOption('#f-lang', 'zh');
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    assert.equal(await page.textContent('#h-data'), '数据');
    assert.equal(await page.textContent('#f-recipe-label'), '数据集');
    assert.equal(await page.textContent('#run'), '运行');
    assert.match(await page.textContent('#timing-note'), /共 50 个元素/);
    assert.equal((await page.textContent('#result')).trim(), 'tensor(2.4869)');   // PyTorch's print is not translated
    assert.match(await page.evaluate(() => location.hash), /&lang=zh$/);
    await shot(page, 'i18n-zh');

    // A link with lang=zh opens in Chinese.
    const zh = await newPage(env);
    await zh.goto(`${env.url}#recipe=binary&n=3000&seed=420&loss=binary_cross_entropy&reduction=mean&lang=zh`);
    await waitResult(zh);
    assert.equal(await zh.textContent('#h-result'), '结果');
    assert.equal(await zh.inputValue('#f-lang'), 'zh');
    await zh.close();

    await page.selectOption('#f-lang', 'en');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.equal(await page.textContent('#h-data'), 'Data');
    assert.doesNotMatch(await page.evaluate(() => location.hash), /lang=/);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
