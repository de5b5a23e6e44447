// Issue 14, "nothing on the page misleads": each of the slips a new user met on the playground and
// the lesson page, as it should be now (Chromium, the built site).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, newPage, openHash, settled, waitResult, errorText, shot, timingPaths } from './browser.mjs';

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

test('an error shows where the result goes, in the window, and no panel keeps the last run\'s numbers', async () => {
  const page = await newPage(env, { viewport: { width: 1280, height: 900 } });
  try {
    await openHash(env, page, 'recipe=multiclass&n=1000&c=3&loss=cross_entropy');
    assert.notEqual((await page.textContent('#timing-body')).trim(), '');
    assert.notEqual((await page.textContent('#grad-head')).trim(), '');
    await page.evaluate(() => { location.hash = 'recipe=multiclass&n=1000&c=3&loss=cross_entropy&weight=1,2'; });
    await page.waitForFunction(() => document.body.dataset.status === 'error');
    const box = await page.evaluate(() => {
      const r = document.getElementById('error').getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, inResult: !!document.getElementById('error').closest('#result-panel') };
    });
    assert.ok(box.inResult, 'the error is in the Result panel');
    assert.ok(box.top >= 0 && box.bottom <= 900, `the error is in the window: ${JSON.stringify(box)}`);
    assert.match(await errorText(page), /weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: \[2\]/);
    for (const id of ['result', 'timing-body', 'grad-head', 'grad-summary', 'hist-summary']) {
      assert.equal((await page.textContent(`#${id}`)).trim(), '', `#${id} is emptied`);
    }
    await shot(page, 'teach-error-in-place', { fullPage: false });
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('a cancelled run leaves no earlier numbers; a loss switched during descent marks the steps', async () => {
  const page = await newPage(env);
  try {
    await openHash(env, page, 'recipe=regression&n=1000&loss=mse_loss');
    // 5e7 elements: the page says it takes a while; Cancel at once
    await page.evaluate(() => { location.hash = 'recipe=regression&n=50000000&loss=mse_loss'; });
    await page.waitForFunction(() => document.body.dataset.status === 'busy');
    assert.match(await page.textContent('#notice'), /50,000,000 elements: .*Cancel stops the run/);
    await page.click('#cancel');
    await page.waitForFunction(() => document.body.dataset.status === 'cancelled');
    for (const id of ['result', 'timing-body', 'grad-head']) assert.equal((await page.textContent(`#${id}`)).trim(), '', `#${id}`);
    // the size notice goes with the run (on a loaded machine the watchdog may say the worker was
    // slow: that notice is not this run's size)
    const notice = (await page.textContent('#notice')).replace(/The computation has not answered for \d+ s[^.]*\.[^.]*\./, '').trim();
    assert.equal(notice, '', `notice after Cancel: ${notice}`);

    // descent with reduction='none' says it trains the mean; a switch of loss marks the old steps
    await openHash(env, page, 'recipe=binary&n=2000&loss=binary_cross_entropy&reduction=none&steps=10&lr=0.5');
    assert.match(await page.textContent('#train-notice'), /reduction='none'.*reduction='mean'/);
    // (a descent that has finished is cleared by the next run instead: switch while this one runs,
    // long enough that a loaded machine cannot finish it between two of the test's steps)
    await openHash(env, page, 'recipe=binary&n=20000&loss=binary_cross_entropy&steps=5000&lr=0.5');
    await page.click('#train-run');
    await page.waitForFunction(() => document.getElementById('train-summary').textContent !== '');
    const switched = await page.evaluate(() => {   // in one task: the check and the switch
      const running = document.body.dataset.status === 'busy' && document.getElementById('train-w').textContent === '';
      const sel = document.getElementById('f-loss');
      sel.value = 'binary_cross_entropy_with_logits';
      sel.dispatchEvent(new Event('change', { bubbles: true }));
      return running;
    });
    assert.equal(switched, true, 'the loss was switched while the descent ran');
    await page.waitForFunction(() => document.getElementById('train-w').textContent.startsWith('tensor('), null, { timeout: 120000 });
    assert.match(await page.textContent('#train-notice'), /These steps trained binary_cross_entropy with the earlier settings/);
    assert.equal(await page.evaluate(() => document.getElementById('train-w').classList.contains('stale')), true);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('a diverging lr is flagged', async () => {
  const page = await newPage(env);
  try {
    await openHash(env, page, 'recipe=multiclass&n=2000&c=3&loss=cross_entropy&steps=10&lr=5000');
    await page.click('#train-run');
    await page.waitForFunction(() => document.getElementById('train-w').textContent.startsWith('tensor('));
    assert.match(await page.textContent('#train-notice'), /The loss grew from .* lr = 5000 is too large/);
    await openHash(env, page, 'recipe=multiclass&n=2000&c=3&loss=cross_entropy&steps=10&lr=0.5');
    await page.click('#train-run');
    await page.waitForFunction(() => document.getElementById('train-w').textContent.startsWith('tensor('));
    assert.equal(await page.isHidden('#train-notice'), true);
  } finally {
    await page.close();
  }
});

test('the timing table times the page\'s reduction (its Value is the Result) and writes every median one way', async () => {
  const page = await newPage(env);
  try {
    await openHash(env, page, 'recipe=regression&n=50&loss=mse_loss&reduction=sum');
    const values = await page.$$eval('#timing-body td.value', (tds) => tds.map((t) => Number(t.textContent)));
    assert.equal(values.length, (await timingPaths(page)).length);
    for (const v of values) assert.ok(Math.abs(v - 124.3458) < 1e-3, `a Value is the sum: ${v}`);
    assert.match(await page.textContent('#timing-note'), /reduction='sum'/);
    const medians = await page.$$eval('#timing-body tr td:nth-child(2)', (tds) => tds.map((t) => t.textContent));
    for (const m of medians) assert.match(m, /^\d+(\.\d+)? (ms|µs)$/, m);
    const speed = await page.$$eval('#timing-body tr td:nth-child(4)', (tds) => tds.map((t) => t.textContent));
    for (const s of speed) assert.doesNotMatch(s, /^×0\.0$/, 'no speed-up prints as ×0.0');
  } finally {
    await page.close();
  }
});

const raceSettled = (page, timeout = 90000) => page.waitForFunction(() => {
  const s = document.getElementById('race-summary').textContent;
  return s !== '' && !/Racing|比赛中/.test(s) && !document.getElementById('race-run').disabled;
}, null, { timeout });

test('the first screen makes the lesson\'s point: the JS loop\'s lead at N = 50 is explained and the race across N runs by itself', async () => {
  const page = await newPage(env, { viewport: { width: 1280, height: 900 } });
  try {
    await openHash(env, page, '');
    assert.equal((await page.textContent('#result')).trim(), 'tensor(2.4869)');
    // N = 50: the speed-up prints with its digits and the note says why the loop wins
    const speed = await page.$$eval('#timing-body tr td:nth-child(4)', (tds) => tds.map((t) => t.textContent));
    for (const s of speed) assert.match(s, /^×(\d+(\.\d+)?|0\.0*[1-9]\d*)$/, s);
    const note = await page.textContent('#timing-note');
    const ms = await page.$$eval('#timing-body tr', (trs) => Object.fromEntries(trs.map((tr) => [tr.dataset.path, tr.children[1].textContent])));
    const toMs = (t) => parseFloat(t) * (t.endsWith('µs') ? 1e-3 : 1);
    // the note explains the loop's lead exactly when the loop led
    if (toMs(ms.js) < toMs(ms.simd)) assert.match(note, /JavaScript loop wins: .*fixed cost \(here \d+(\.\d+)? (µs|ms)\)/);
    else assert.doesNotMatch(note, /JavaScript loop wins/);
    // the race: every implementation from N = 10 to 1e6, the crossover named, the lesson beside it
    await raceSettled(page);
    const rows = await page.$$eval('#race-body tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    const why = JSON.stringify({ rows, summary: await page.textContent('#race-summary') });
    assert.deepEqual(rows.map((r) => r[0]).slice(0, 3), ['10', '30', '100'], why);
    assert.equal(rows[rows.length - 1][0], '1,000,000', why);
    for (const r of rows) {
      assert.equal(r.length, 5);
      for (const c of r.slice(1, 4)) assert.match(c, /^\d+(\.\d+)? (ms|µs)$/, `${r[0]}: ${c} ${why}`);
    }
    assert.match(rows[0][4], /^\d+(\.\d+)? (ms|µs)$/, 'the per-element loop ran at N = 10');
    assert.equal(rows[rows.length - 1][4], '–', `the per-element loop stops before it takes seconds: ${why}`);
    const summary = await page.textContent('#race-summary');
    assert.match(summary, /SIMD wasm is faster than the JavaScript loop from N = [\d,]+ on; at N = 1,000,000 it is ×\d+(\.\d+)? faster\./, why);
    assert.match(summary, /The per-element loop through the API .* is ×\d+ slower than SIMD at N = [\d,]+\./);
    assert.match(await page.textContent('#race-lesson'), /torch\.sum 0\.022 s, Python's sum\(\) over the tensor 17 s/);
    const drawn = await page.evaluate(() => {
      const c = document.getElementById('race-chart');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const colours = new Set();
      for (let i = 0; i < d.length; i += 4 * 97) colours.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
      return colours.size;
    });
    assert.ok(drawn > 4, `the chart is drawn (${drawn} colours sampled)`);
    await page.locator('#timing-panel').screenshot({ path: `${process.cwd()}/tests/artifacts/teach-race.png` });
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('the race goes on to N = 3e7 on request, is stopped by a run and picks up after it', async () => {
  const page = await newPage(env);
  try {
    await openHash(env, page, 'recipe=regression&n=3000&loss=mse_loss');
    await raceSettled(page);
    await page.click('#race-run');
    await page.waitForFunction(() => /Racing/.test(document.getElementById('race-summary').textContent));
    // a run in between stops the race; it goes on after the run
    await page.evaluate(() => { location.hash = 'recipe=regression&n=3001&loss=mse_loss'; });
    await settled(page);
    await raceSettled(page, 180000);
    const rows = await page.$$eval('#race-body tr th', (ths) => ths.map((t) => t.textContent));
    assert.equal(rows[rows.length - 1], '30,000,000');
    assert.match(await page.textContent('#race-summary'), /at N = 30,000,000 it is ×\d+(\.\d+)? faster/);
    // another loss: the old race is not shown for it
    await page.selectOption('#f-loss', 'l1_loss');
    await waitResult(page);
    assert.ok((await page.$$('#race-body tr')).length < rows.length);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('the lesson\'s section A explains the JS loop\'s lead at N = 50 (English, 简体中文)', async () => {
  const page = await newPage(env);
  try {
    for (const [hash, re] of [['', /the JavaScript loop wins: each call into WebAssembly has a fixed cost \(here \d+(\.\d+)? (µs|ms)\)/],
      ['#lang=zh', /JavaScript 循环更快：每次调用 WebAssembly 都有固定开销/]]) {
      await page.goto(`${env.url}lesson/${hash}`);
      // (the second goto only changes the hash: wait for the note in its language, not the first's)
      await page.waitForFunction((zh) => {
        const r = document.getElementById('a-mean')?.shadowRoot;
        const note = r?.querySelector('.timing .note')?.textContent;
        return r && r.querySelector('.timing tbody tr[data-path="js"]') && note && /[\u4e00-\u9fff]/.test(note) === zh;
      }, hash === '#lang=zh', { timeout: 60000 });
      const t = await page.evaluate(() => {
        const r = document.getElementById('a-mean').shadowRoot;
        const ms = (k) => r.querySelector(`.timing tr[data-path="${k}"] td.num`).textContent;
        return { note: r.querySelector('.timing .note').textContent, simd: ms('simd'), js: ms('js'),
          speed: r.querySelector('.timing tr[data-path="simd"] td.num:last-child').textContent };
      });
      assert.doesNotMatch(t.speed, /^×0\.0$/);
      const toMs = (s) => parseFloat(s) * (s.endsWith('µs') ? 1e-3 : 1);
      if (toMs(t.js) < toMs(t.simd)) assert.match(t.note, re, JSON.stringify(t));
      else assert.doesNotMatch(t.note, re, JSON.stringify(t));
    }
  } finally {
    await page.close();
  }
});

test('简体中文: the status, the build line, the data line, hints and the widget\'s data name are Chinese', async () => {
  const page = await newPage(env);
  try {
    await openHash(env, page, 'recipe=binary&n=3000&loss=binary_cross_entropy_with_logits');
    assert.match(await page.textContent('#status'), /^Done in \d+ ms\.$/);
    await page.selectOption('#f-lang', 'zh');
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    assert.match(await page.textContent('#status'), /^完成，用时 \d+ 毫秒。$/, 'the status follows the language');
    assert.match(await page.textContent('#build-info'), /^wasm：.* · \d+ 个损失函数( · SIMD × \d+ 个线程)?$/);
    assert.match(await page.textContent('#data-meta'), /毫秒.*。x \[3000, 4\]/);
    assert.doesNotMatch(await page.textContent('#data-meta'), /\. /);
    const hint = await page.textContent('#f-pos_weight-hint');
    assert.doesNotMatch(hint, /\. /, hint);
    await page.goto(`${env.url}lesson/#lang=zh`);
    await page.waitForFunction(() => document.getElementById('a-mean')?.shadowRoot?.querySelector('.meta')?.textContent);
    const meta = await page.evaluate(() => document.getElementById('a-mean').shadowRoot.querySelector('.meta').textContent);
    assert.match(meta, /^回归 数据 · N = 50 · 种子 420$/, meta);
  } finally {
    await page.close();
  }
});

test('paste mode: scores with class indices get cross_entropy, one notice, Chinese digits, named shapes', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}#recipe=paste`);
    await page.waitForFunction(() => document.body.dataset.status === 'ready' && /Paste or load/.test(document.getElementById('status').textContent));
    assert.equal(await page.isHidden('#error'), true, 'no error before anything is pasted');
    const paste = async (input, target) => {
      await page.fill('#f-input', input);
      await page.fill('#f-target', target);
      await page.click('#run');
      return waitResult(page);
    };
    let r = await paste('2 0.5 -1\n0.1 1.5 0.3', '0\n1');
    assert.equal(await page.inputValue('#f-loss'), 'cross_entropy');
    assert.equal(r.error, '');
    assert.ok(Number(r.result.match(/tensor\(([-\d.]+)\)/)[1]) > 0, r.result);
    assert.match(await page.textContent('#notice'), /mse_loss does not apply to this data; showing cross_entropy instead/);
    // the learner picks nll_loss; float numbers typed with a Chinese input method make it not apply
    await page.selectOption('#f-loss', 'nll_loss');
    await waitResult(page);
    r = await paste('０．５，１．５，２', '１，１，１');
    await settled(page);
    assert.equal(await page.inputValue('#f-loss'), 'mse_loss');
    const notice = await page.textContent('#notice');
    assert.equal((notice.match(/instead/g) ?? []).length, 1, `one switch notice, the latest: ${notice}`);
    assert.match(notice, /nll_loss does not apply to this data; showing mse_loss instead/);
    r = await waitResult(page);
    assert.equal(r.error, '');
    assert.equal(r.result, 'tensor(0.5000)');   // ((0.5-1)² + (1.5-1)² + (2-1)²) / 3
    // a shape mismatch names the boxes and their rows
    r = await paste('1\n2\n3', '1\n2');
    assert.match(r.error, /Predictions: 3 values; Targets: 2 values\./);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('paste mode: two files of a million numbers stay out of the text boxes and compute', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}#recipe=paste&loss=mse_loss`);
    await page.waitForFunction(() => document.body.dataset.status === 'ready');
    const n = 1000000;
    const col = (f) => Buffer.from(Array.from({ length: n }, (_, i) => f(i).toFixed(6)).join('\n'));
    await page.setInputFiles('#f-input-file', { name: 'pred.txt', mimeType: 'text/plain', buffer: col((i) => (i % 7) / 7) });
    await page.setInputFiles('#f-target-file', { name: 'true.txt', mimeType: 'text/plain', buffer: col((i) => (i % 5) / 5) });
    const r = await waitResult(page, { timeout: 120000 });
    assert.equal(r.error, '');
    assert.match(r.result, /^tensor\(0\.\d{4}\)$/);
    assert.equal(await page.inputValue('#f-input'), '', 'the 8 MB text is not put into the box');
    assert.match(await page.textContent('#f-input-big'), /^pred\.txt: [\d.]+ MiB, 1,000,000 lines, used as it is/);
    assert.match(await page.textContent('#code'), /load\('input\.txt'\)/);
    // typing replaces the file
    await page.fill('#f-input', '1\n2');
    await page.fill('#f-target', '1\n1');
    await page.click('#run');
    assert.equal((await waitResult(page)).result, 'tensor(0.5000)');
    assert.equal(await page.isHidden('#f-input-big'), true);
  } finally {
    await page.close();
  }
});

test('on a phone the result is on the first screen and the speed-up column is in view', async () => {
  const page = await newPage(env, { viewport: { width: 390, height: 844 } });
  try {
    await openHash(env, page, '');
    const g = await page.evaluate(() => {
      const box = (e) => e.getBoundingClientRect();
      const speed = document.querySelector('#timing-table thead th:nth-child(4)');
      const wrap = document.querySelector('#timing-panel .table-wrap');
      return { result: box(document.getElementById('result')).bottom, speedRight: box(speed).right - box(wrap).left,
        wrapWidth: wrap.clientWidth, scrolls: wrap.scrollWidth > wrap.clientWidth + 1,
        hint: !document.getElementById('timing-scroll-hint').hidden, page: document.documentElement.scrollWidth };
    });
    assert.ok(g.result <= 844, `the result is on the first screen: bottom at ${g.result}`);
    assert.ok(g.speedRight <= g.wrapWidth, `the speed-up column is in view: ${JSON.stringify(g)}`);
    assert.equal(g.hint, g.scrolls, 'a table that scrolls says so');
    assert.equal(g.page, 390, 'the page itself does not scroll sideways');
    await shot(page, 'teach-phone', { fullPage: false });
  } finally {
    await page.close();
  }
  const wide = await newPage(env, { viewport: { width: 1280, height: 900 } });
  try {
    await openHash(env, wide, '');
    const x = await wide.evaluate(() => [document.getElementById('data-panel').getBoundingClientRect().left,
      document.getElementById('result-panel').getBoundingClientRect().left]);
    assert.ok(x[1] > x[0] + 200, 'two columns on a wide screen');
    assert.equal(await wide.isHidden('#timing-scroll-hint'), true);
  } finally {
    await wide.close();
  }
});

test('start-up: the first result does not wait for the scalar build; the wasm arrives compiled from the page', async () => {
  const page = await newPage(env);
  let releaseScalar;
  const held = new Promise((r) => { releaseScalar = r; });
  const seen = [];
  try {
    await page.context().route('**/dist/losslab-scalar.wasm', async (route) => {
      seen.push('scalar-held');
      await held;
      await route.continue();
    });
    page.on('request', (r) => seen.push(new URL(r.url()).pathname));
    await page.goto(env.url);
    const r = await waitResult(page);
    assert.equal(r.result, 'tensor(2.4869)', 'the result is printed while the scalar build is held back');
    assert.equal(await page.evaluate(() => document.querySelector('#timing-body tr[data-path="scalar"]')), null, 'no scalar row yet');
    assert.ok(seen.includes('scalar-held'), 'the scalar wasm was requested and held');
    releaseScalar();
    await settled(page);
    assert.ok(await page.evaluate(() => document.querySelector('#timing-body tr[data-path="scalar"] td')?.textContent), 'the scalar row comes after');
    assert.match(await page.textContent('#build-info'), /^wasm: \S+ \+ scalar · \d+ losses( · SIMD × \d+ threads)?$/);
    // the SIMD wasm (the threaded one where the page is isolated) is fetched once (by boot.js,
    // compiled on the page; the pool's workers get the module), not again by the worker
    assert.equal(seen.filter((p) => /\/losslab-simd(-threads)?\.wasm$/.test(p)).length, 1, seen.join(' '));
    assert.deepEqual(page.errors, []);
  } finally {
    releaseScalar();
    await page.close();
  }
});

test('the formula panel: MathML, row 1 by hand, the first rows with their terms, the reduction, what to try', async () => {
  const page = await newPage(env);
  try {
    await openHash(env, page, '');
    const math = await page.evaluate(() => {
      const m = document.querySelector('#formula-math math');
      return m && { ns: m.namespaceURI, sup: m.querySelectorAll('msup').length, sub: m.querySelectorAll('msub').length, w: m.getBoundingClientRect().width };
    });
    assert.equal(math.ns, 'http://www.w3.org/1998/Math/MathML');
    assert.ok(math.sup === 1 && math.sub === 3 && math.w > 50, JSON.stringify(math));
    assert.match(await page.textContent('#formula-plug'), /^ℓ₁ = \(−?\d\.\d{4} − \(?−?\d\.\d{4}\)?\)² = \d\.\d{4}$/);
    const rows = await page.$$eval('#rows-body tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.equal(rows.length, 5);
    for (const [, x, y, l] of rows) assert.ok(Math.abs((Number(x) - Number(y)) ** 2 - Number(l)) < 2e-3, `${x} ${y} ${l}`);
    assert.equal(await page.textContent('#formula-reduce'), "reduction='mean': the loss is (ℓ₁ + … + ℓ_N) / N over all 50 terms = 2.4869.");
    assert.match(await page.textContent('#formula-try'), /^Try this: .*124\.3458/);

    // multiclass: each row's softmax sums to 1 and its predicted class is its largest probability
    await openHash(env, page, 'recipe=multiclass&n=300&c=3&loss=cross_entropy');
    const ce = await page.$$eval('#rows-body tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    for (const r of ce) {
      const p = JSON.parse(r[4]);
      assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 0.01, r[4]);
      assert.equal(Number(r[5]), p.indexOf(Math.max(...p)));
    }
    assert.match(await page.textContent('#formula-plug'), /^ℓ₁ = −log\(exp\(.*\) \/ \(exp\(.*\) \+ exp\(.*\) \+ exp\(.*\)\)\) = \d\.\d{4}$/);
    assert.match(await page.textContent('#formula-reduce'), /= 1\.1591\.$/);
    await page.locator('#formula-panel').screenshot({ path: `${process.cwd()}/tests/artifacts/teach-formula.png` });
    // 简体中文
    await page.selectOption('#f-lang', 'zh');
    await page.waitForFunction(() => /^试一试：/.test(document.getElementById('formula-try').textContent));
    assert.match(await page.textContent('#formula-reduce'), /^reduction='mean'：损失是全部 300 项的/);
    // accuracy during gradient descent
    await page.selectOption('#f-lang', 'en');
    await page.fill('#f-steps', '10');
    await page.press('#f-steps', 'Enter');
    await settled(page);
    await page.click('#train-run');
    await page.waitForFunction(() => document.getElementById('train-w').textContent.startsWith('tensor('));
    assert.match(await page.textContent('#train-summary'), /Accuracy \(rows classified right\): \d+\.\d% → \d+\.\d%\./);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
