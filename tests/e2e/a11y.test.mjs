// Accessible and responsive: axe-core finds no serious or critical violation (desktop and phone
// width, English and Chinese, with an error shown); every control can be reached and used from
// the keyboard with a visible focus; nothing overflows sideways at phone width.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, newPage, waitResult, settled, shot, AXE_SOURCE } from './browser.mjs';

let env;
let axe;
before(async () => {
  env = await start();
  axe = await AXE_SOURCE();
});
after(async () => { await env?.close(); });

async function scan(page) {
  // axe is injected through evaluate (the page's CSP would refuse an injected <script>).
  await page.evaluate(axe);
  const res = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
  return res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

for (const [name, viewport, hash] of [
  ['desktop-en', { width: 1280, height: 1000 }, 'recipe=binary&n=30000&seed=420&loss=binary_cross_entropy&reduction=mean'],
  ['phone-zh', { width: 375, height: 800 }, 'recipe=regression&n=50&seed=420&loss=smooth_l1_loss&reduction=mean&lang=zh'],
  ['error-state', { width: 800, height: 900 }, 'recipe=regression&n=50&seed=420&loss=smooth_l1_loss&reduction=mean&beta=-1'],
]) {
  test(`axe-core: no serious or critical violations (${name})`, async () => {
    const page = await newPage(env, { viewport });
    try {
      await page.goto(`${env.url}#${hash}`);
      await settled(page);
      const bad = await scan(page);
      assert.deepEqual(bad, []);
      if (viewport.width < 500) {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px at phone width`);
        await shot(page, 'phone-width');
      }
      assert.deepEqual(page.errors, []);
    } finally {
      await page.close();
    }
  });
}

// The teaching views filled in (the touch panel, the per-step table and the loss surface), at
// the two widths.
for (const [name, viewport] of [['teach-1280', { width: 1280, height: 900 }], ['teach-390', { width: 390, height: 844 }]]) {
  test(`axe-core: no serious or critical violations with the teaching views filled (${name})`, async () => {
    const page = await newPage(env, { viewport });
    try {
      await page.goto(`${env.url}#recipe=binary&n=3000&loss=binary_cross_entropy&steps=3`);
      await settled(page);
      await page.waitForFunction(() => document.querySelectorAll('#touch-body tr').length === 2);
      await page.click('#train-step');
      await page.waitForFunction(() => document.querySelectorAll('#steps-body tr').length === 1);
      await page.click('#train-step');
      await page.waitForFunction(() => document.getElementById('surface-summary').textContent !== '');
      assert.deepEqual(await scan(page), []);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
      await shot(page, `teach-${viewport.width}`);
      assert.deepEqual(page.errors, []);
    } finally {
      await page.close();
    }
  });
}

test('keyboard: tab to the controls, change them, run, with a visible focus ring', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}#recipe=regression&n=50&seed=420&loss=mse_loss&reduction=mean`);
    await settled(page);
    // The skip link comes first and moves focus to the result.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
    // Reach the reduction menu with Tab only.
    let steps = 0;
    while (await page.evaluate(() => document.activeElement.id) !== 'f-reduction' && steps++ < 30) await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'f-reduction');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none');
    await page.keyboard.press('ArrowDown');   // 'mean' → 'sum'
    let r = await waitResult(page);
    assert.equal(r.result, 'tensor(124.3458)');
    while (await page.evaluate(() => document.activeElement.id) !== 'run' && steps++ < 60) await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'run');
    await shot(page, 'keyboard-focus-run', { fullPage: false });
    await page.keyboard.press('Enter');
    r = await waitResult(page);
    assert.equal(r.result, 'tensor(124.3458)');
    // Every form control has an accessible name.
    const unnamed = await page.$$eval('input, select, textarea, button', (els) => els
      .filter((e) => !e.closest('[hidden]') && !(e.labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || e.textContent.trim()))
      .map((e) => e.id || e.outerHTML.slice(0, 60)));
    assert.deepEqual(unnamed, []);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
