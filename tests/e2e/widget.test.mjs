// The embeddable <loss-playground> widget and the lesson as a live page.
//
// A host page on ANOTHER origin (a second server, another port, a strict CSP of its own, not
// cross-origin isolated) embeds widgets from the built site with one <script type="module">:
// they print the lesson's numbers, recompute when an attribute changes, load nothing until
// scrolled into view, share one worker, and raise `result` / `error` events. Then the lesson
// page (build/site/lesson/) shows all six of the lesson's values, in English and in 简体中文.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '../../scripts/serve.mjs';
import { start, newPage, shot, AXE_SOURCE, timingPaths } from './browser.mjs';

let env;
let host;
let hostUrl;
let dir;
let siteOrigin;
let strict;   // the same host files behind a CSP that forgets the worker

// What a tutorial site's own CSP has to allow for the widget (see docs/embed.md).
const hostCsp = (A) => `default-src 'self'; script-src 'self' ${A} 'wasm-unsafe-eval'; ` +
  `worker-src ${A} blob:; connect-src ${A}; style-src 'self'; img-src 'self' data:; ` +
  "object-src 'none'; base-uri 'none'";

const page = (A, body) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>A tutorial on another site</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="host.css">
  <script type="module" src="host.mjs"></script>
  <script type="module" src="${A}/widget.js"></script>
</head>
<body>
  <main>
  <h1>A tutorial on another site</h1>
${body}
  </main>
</body>
</html>
`;

const HOST_MJS = `// The host page's own script: records the widgets' events for the test.
window.__events = [];
for (const type of ['result', 'error']) {
  document.addEventListener(type, (e) => {
    if (e.target.localName !== 'loss-playground') return;
    window.__events.push({ type, id: e.target.id, detail: JSON.parse(JSON.stringify(e.detail)) });
  });
}
`;

const HOST_CSS = `body { font-family: Georgia, serif; margin: 0 auto; max-width: 48rem; padding: 1rem; }
.spacer { height: 3200px; }
#ce { --losslab-accent: rgb(140, 20, 90); --losslab-font: Georgia, serif; }
`;

before(async () => {
  env = await start();
  siteOrigin = env.url.replace(/\/$/, '');
  dir = await mkdtemp(path.join(tmpdir(), 'losslab-host-'));
  await writeFile(path.join(dir, 'host.mjs'), HOST_MJS);
  await writeFile(path.join(dir, 'host.css'), HOST_CSS);
  await writeFile(path.join(dir, 'index.html'), page(siteOrigin, `
  <p>Cross-entropy of the lesson's multiclass data:</p>
  <loss-playground id="ce" recipe="multiclass" n="300" seed="420" loss="cross_entropy"></loss-playground>
  <p>The squared errors, summed:</p>
  <loss-playground id="mse" recipe="regression" n="50" seed="420" loss="mse_loss" reduction="sum" hide="plot code"></loss-playground>
  <p>A typo in an attribute:</p>
  <loss-playground id="bad" recipe="regression" n="-5" seed="420" loss="mse_loss" hide="timing plot code"></loss-playground>
  <div class="spacer"></div>
  <loss-playground id="below" recipe="regression" n="50" seed="420" loss="mse_loss" reduction="mean" hide="plot"></loss-playground>`));
  await writeFile(path.join(dir, 'lazy.html'), page(siteOrigin, `
  <p>Scroll down.</p>
  <div class="spacer"></div>
  <loss-playground id="lazy" recipe="multiclass" n="300" seed="420" loss="nll_loss" hide="timing"></loss-playground>`));
  // 100 cells on one page: the lesson's four small computations in turn, a few with timing
  const many = Array.from({ length: 100 }, (_, i) => {
    const [attrs] = MANY[i % MANY.length];
    return `  <loss-playground id="m${i}" loading="eager" ${attrs} hide="${i % 25 === 0 ? 'plot code' : 'timing plot code'}"></loss-playground>`;
  });
  await writeFile(path.join(dir, 'many.html'), page(siteOrigin, many.join('\n')));
  host = await serve(dir, {
    port: 0,
    headers: {
      'Content-Security-Policy': hostCsp(siteOrigin),
      // An ordinary site: not cross-origin isolated (no SharedArrayBuffer, coarse timers).
      'Cross-Origin-Opener-Policy': 'unsafe-none',
      'Cross-Origin-Embedder-Policy': 'unsafe-none',
    },
  });
  hostUrl = `http://127.0.0.1:${host.address().port}/`;
  await writeFile(path.join(dir, 'strict.html'), page(siteOrigin, `
  <loss-playground id="strict" recipe="regression" n="50" seed="420" loss="mse_loss"></loss-playground>`));
  strict = await serve(dir, {
    port: 0,
    headers: {
      'Content-Security-Policy': `default-src 'self'; script-src 'self' ${siteOrigin} 'wasm-unsafe-eval'; ` +
        `connect-src ${siteOrigin}; style-src 'self'; img-src 'self' data:`,
      'Cross-Origin-Opener-Policy': 'unsafe-none',
      'Cross-Origin-Embedder-Policy': 'unsafe-none',
    },
  });
  assert.notEqual(new URL(hostUrl).origin, siteOrigin);
});

after(async () => {
  await new Promise((r) => (host ? host.close(r) : r()));
  await new Promise((r) => (strict ? strict.close(r) : r()));
  await env?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const MANY = [
  ['recipe="regression" n="50" seed="420" loss="mse_loss" reduction="mean"', 'tensor(2.4869)'],
  ['recipe="regression" n="50" seed="420" loss="mse_loss" reduction="sum"', 'tensor(124.3458)'],
  ['recipe="multiclass" n="300" c="3" seed="420" loss="nll_loss"', 'tensor(1.1591)'],
  ['recipe="multiclass" n="300" c="3" seed="420" loss="cross_entropy"', 'tensor(1.1591)'],
];
const FINAL = ['done', 'error'];

async function widgetDone(p, id, { timeout = 90000 } = {}) {
  await p.waitForFunction(([wid, fin]) => fin.includes(document.getElementById(wid)?.status), [id, FINAL], { timeout });
  return widget(p, id);
}

function widget(p, id) {
  return p.evaluate((wid) => {
    const w = document.getElementById(wid);
    const r = w.shadowRoot;
    const q = (s) => r.querySelector(s);
    return {
      status: w.status,
      value: w.value,
      number: w.number,
      shown: q('.result').textContent.trim(),
      error: q('.error').hidden ? '' : q('.error').textContent.trim(),
      timingShown: !q('.timing').hidden,
      timingRows: [...r.querySelectorAll('.timing tbody tr')].map((tr) => tr.dataset.path),
      plotShown: !q('.plot').hidden,
      codeShown: !q('details').hidden,
      code: q('details code').textContent,
      call: q('.call').textContent,
      meta: q('.meta').textContent,
      link: q('a[part="link"]').href,
    };
  }, id);
}

const events = (p) => p.evaluate(() => window.__events);

function recordRequests(p) {
  const urls = [];
  p.on('request', (r) => urls.push(r.url()));
  return urls;
}

test('widget: two cells from another origin print the lesson numbers; one shared worker', async () => {
  const p = await newPage(env);
  const requests = recordRequests(p);
  try {
    await p.goto(hostUrl);
    const ce = await widgetDone(p, 'ce');
    const mse = await widgetDone(p, 'mse');
    assert.equal(ce.error, '');
    assert.equal(ce.value, 'tensor(1.1591)');
    assert.equal(ce.shown, 'tensor(1.1591)');
    assert.equal(mse.value, 'tensor(124.3458)');
    assert.equal(mse.shown, 'tensor(124.3458)');
    assert.equal(ce.call, "F.cross_entropy(zhat, y.long(), reduction='mean')");
    assert.match(ce.meta, /multiclass data · N = 300, C = 3 · seed 420/);

    // The parts: ce shows everything, mse was told hide="plot code".
    assert.ok(ce.timingShown && ce.plotShown && ce.codeShown);
    assert.deepEqual(ce.timingRows, await timingPaths(p));
    assert.ok(ce.code.includes('torch.manual_seed(420)') && ce.code.includes('print(loss)  # tensor(1.1591)'), ce.code);
    assert.ok(mse.timingShown);
    assert.ok(!mse.plotShown && !mse.codeShown);
    // "Open in the playground" links to the full page on the widget's origin with the same state.
    assert.equal(new URL(ce.link).origin, siteOrigin);
    assert.match(ce.link, /index\.html#recipe=multiclass&n=300&c=3&seed=420&loss=cross_entropy&reduction=mean/);

    // result events with {value, number, timing}.
    const ev = await events(p);
    const ceRes = ev.find((e) => e.type === 'result' && e.id === 'ce');
    assert.ok(ceRes, JSON.stringify(ev));
    assert.equal(ceRes.detail.value, 'tensor(1.1591)');
    assert.equal(ceRes.detail.number, Math.fround(1.1591023206710815));
    const tm = ceRes.detail.timing;
    assert.equal(tm.numel, 900);
    assert.equal(tm.reduction, 'mean');
    for (const k of ['simd', 'scalar', 'js']) assert.ok(tm[k] > 0 && Number.isFinite(tm[k]), `${k}: ${tm[k]}`);
    assert.ok(tm.speedup > 0);
    assert.ok(tm.paths.every((q) => Math.abs(q.value - 1.1591) < 1e-4), JSON.stringify(tm.paths));
    const mseRes = ev.find((e) => e.type === 'result' && e.id === 'mse');
    assert.equal(mseRes.detail.value, 'tensor(124.3458)');
    assert.equal(mseRes.detail.number, Math.fround(124.3458023071289));

    // An ordinary host: not cross-origin isolated; nothing needed SharedArrayBuffer.
    assert.equal(await p.evaluate(() => globalThis.crossOriginIsolated), false);
    // One engine for the page: the worker and each wasm build were fetched once.
    const fromSite = requests.filter((u) => u.startsWith(siteOrigin));
    assert.equal(fromSite.filter((u) => u.endsWith('/worker.mjs')).length, 1, fromSite.join('\n'));
    // (the SIMD build in its two parts, scripts/split-wasm.mjs)
    assert.deepEqual(fromSite.filter((u) => u.endsWith('.wasm')).map((u) => new URL(u).pathname).sort(),
      ['/dist/losslab-scalar.wasm', '/dist/losslab-simd.deferred.wasm', '/dist/losslab-simd.wasm'], fromSite.join('\n'));
    // Themed by the host page through a CSS custom property.
    const accent = await p.evaluate(() => getComputedStyle(document.getElementById('ce').shadowRoot.querySelector('a')).color);
    assert.equal(accent, 'rgb(140, 20, 90)');

    // The cell below the fold has not started.
    assert.equal(await p.evaluate(() => document.getElementById('below').status), 'waiting');
    assert.ok(!ev.some((e) => e.id === 'below'));
    await shot(p, 'widget-host-cross-origin', { fullPage: false });

    // Scrolled into view, it computes (with the engine already loaded).
    await p.locator('#below').scrollIntoViewIfNeeded();
    const below = await widgetDone(p, 'below');
    assert.equal(below.value, 'tensor(2.4869)');
    assert.ok((await events(p)).some((e) => e.type === 'result' && e.id === 'below'));
    assert.equal(requests.filter((u) => u.endsWith('.wasm')).length, 3, 'no wasm fetched again');
    assert.deepEqual(p.errors, []);
  } finally {
    await p.close();
  }
});

test('widget: changing an attribute (or a typed property) recomputes, debounced', async () => {
  const p = await newPage(env);
  try {
    await p.goto(hostUrl);
    await widgetDone(p, 'mse');
    assert.equal((await widget(p, 'mse')).value, 'tensor(124.3458)');
    const before = (await events(p)).filter((e) => e.type === 'result' && e.id === 'mse').length;

    await p.evaluate(() => document.getElementById('mse').setAttribute('reduction', 'mean'));
    await p.waitForFunction(() => document.getElementById('mse').value === 'tensor(2.4869)');
    await widgetDone(p, 'mse');
    let res = (await events(p)).filter((e) => e.type === 'result' && e.id === 'mse');
    assert.equal(res.length, before + 1);
    assert.equal(res.at(-1).detail.value, 'tensor(2.4869)');

    // Typed properties: numbers come back as numbers; setting one reflects to the attribute.
    const props = await p.evaluate(() => {
      const w = document.getElementById('mse');
      return { n: w.n, seed: w.seed, reduction: w.reduction, recipe: w.recipe, logTarget: w.logTarget, hide: w.hide };
    });
    assert.deepEqual(props, { n: 50, seed: '420', reduction: 'mean', recipe: 'regression', logTarget: false, hide: ['plot', 'code'] });
    // Several changes in one go: one computation.
    await p.evaluate(() => {
      const w = document.getElementById('mse');
      w.reduction = 'sum';
      w.n = 50;
      w.setAttribute('seed', '420');
      w.setAttribute('reduction', 'sum');
    });
    assert.equal(await p.evaluate(() => document.getElementById('mse').getAttribute('reduction')), 'sum');
    await p.waitForFunction(() => document.getElementById('mse').value === 'tensor(124.3458)');
    await widgetDone(p, 'mse');
    await p.waitForTimeout(300);
    res = (await events(p)).filter((e) => e.type === 'result' && e.id === 'mse');
    assert.equal(res.length, before + 2, JSON.stringify(res.map((e) => e.detail.value)));

    // Switching language re-labels without recomputing; PyTorch's print is not translated.
    await p.evaluate(() => document.getElementById('ce').setAttribute('lang', 'zh'));
    await p.waitForFunction(() => document.getElementById('ce').shadowRoot.querySelector('.meta').textContent.includes('种子'));
    const ce = await widget(p, 'ce');
    assert.equal(ce.value, 'tensor(1.1591)');
    assert.match(ce.meta, /多分类 数据 · N = 300, C = 3 · 种子 420/);
    assert.equal((await events(p)).filter((e) => e.type === 'result' && e.id === 'ce').length, 1);

    // hide can be changed too: showing the plot of mse computes it.
    await p.evaluate(() => { document.getElementById('mse').hide = 'code'; });
    await p.waitForFunction(() => !document.getElementById('mse').shadowRoot.querySelector('.plot').hidden);
    assert.deepEqual(p.errors, []);
  } finally {
    await p.close();
  }
});

test('widget: a bad attribute gives an error event and a message; the page keeps working', async () => {
  const p = await newPage(env);
  try {
    await p.goto(hostUrl);
    await p.waitForFunction(() => document.getElementById('bad')?.status === 'error');
    let bad = await widget(p, 'bad');
    assert.equal(bad.error, 'n must be at least 1 (got -5).');
    assert.equal(bad.value, null);
    let ev = (await events(p)).filter((e) => e.type === 'error' && e.id === 'bad');
    assert.equal(ev.length, 1);
    assert.equal(ev[0].detail.name, 'ValueError');
    assert.equal(ev[0].detail.message, 'n must be at least 1 (got -5).');
    assert.equal(ev[0].detail.attribute, 'n');
    // The other cells are unaffected.
    assert.equal((await widgetDone(p, 'ce')).value, 'tensor(1.1591)');

    // More bad values: not a number, not an option, a part that does not exist.
    for (const [attr, value, message] of [
      ['seed', 'abc', 'seed: “abc” is not an integer.'],
      ['reduction', 'average', 'reduction: “average” is not one of none, mean, sum, batchmean.'],
      ['hide', 'timing sparkles', 'hide: “sparkles” is not one of title, result, timing, plot, code, link.'],
    ]) {
      await p.evaluate(([a, v]) => {
        const w = document.getElementById('bad');
        w.setAttribute('n', '50');
        w.setAttribute(a, v);
      }, [attr, value]);
      await p.waitForFunction((m) => document.getElementById('bad').shadowRoot.querySelector('.error').textContent === m, message);
      ev = (await events(p)).filter((e) => e.type === 'error' && e.id === 'bad');
      assert.equal(ev.at(-1).detail.message, message);
      assert.equal(ev.at(-1).detail.attribute, attr);
      await p.evaluate((a) => document.getElementById('bad').removeAttribute(a), attr);
    }

    // Fixed: it computes.
    await p.evaluate(() => document.getElementById('bad').setAttribute('hide', 'timing plot code'));
    await p.waitForFunction(() => document.getElementById('bad').value === 'tensor(2.4869)');
    bad = await widgetDone(p, 'bad');
    assert.equal(bad.error, '');
    assert.equal(bad.status, 'done');

    // A loss that does not apply to the data: PyTorch-side error, as an event and a message.
    await p.evaluate(() => document.getElementById('bad').setAttribute('loss', 'cross_entropy'));
    await p.waitForFunction(() => document.getElementById('bad').status === 'error');
    bad = await widget(p, 'bad');
    assert.match(bad.error, /ValueError: cross_entropy does not apply to the regression recipe/);
    ev = (await events(p)).filter((e) => e.type === 'error' && e.id === 'bad');
    assert.deepEqual([ev.at(-1).detail.name, ev.at(-1).detail.kind], ['ValueError', 'plan']);
    // …and an option PyTorch refuses.
    await p.evaluate(() => {
      const w = document.getElementById('bad');
      w.setAttribute('loss', 'smooth_l1_loss');
      w.setAttribute('beta', '-1');
    });
    await p.waitForFunction(() => /beta/.test(document.getElementById('bad').error?.message ?? ''));
    assert.match((await widget(p, 'bad')).error, /RuntimeError: smooth_l1_loss does not support negative values for beta/);

    // Still working afterwards.
    await p.evaluate(() => {
      const w = document.getElementById('bad');
      w.removeAttribute('beta');
      w.setAttribute('loss', 'mse_loss');
      w.setAttribute('reduction', 'sum');
    });
    await p.waitForFunction(() => document.getElementById('bad').value === 'tensor(124.3458)');
    await shot(p, 'widget-errors', { fullPage: false });
    assert.deepEqual(p.errors, []);
  } finally {
    await p.close();
  }
});

test('widget: a heavy cell does not starve the small ones beside it (its timing waits for their turn)', async () => {
  const p = await newPage(env);
  try {
    await p.goto(hostUrl);
    await widgetDone(p, 'ce');
    // one heavy cell (9e6 logits, 8 timing repetitions), then four small ones, all on one worker
    await p.evaluate(() => {
      const add = (id, attrs) => {
        const w = document.createElement('loss-playground');
        w.id = id;
        w.setAttribute('loading', 'eager');
        for (const [k, v] of Object.entries(attrs)) w.setAttribute(k, v);
        document.querySelector('main').prepend(w);
      };
      add('heavy', { recipe: 'multiclass', n: '3000', c: '3000', loss: 'cross_entropy', reps: '8' });
      for (let i = 0; i < 4; i++) add(`small${i}`, { recipe: 'regression', n: '50', seed: String(420 + i), loss: 'mse_loss' });
    });
    await p.waitForFunction(() => [0, 1, 2, 3].every((i) => document.getElementById(`small${i}`)?.status === 'done'), null, { timeout: 120000 });
    const heavyNow = await p.evaluate(() => document.getElementById('heavy').status);
    assert.notEqual(heavyNow, 'done', 'the small cells finished while the heavy one was still timing');
    const small = await widget(p, 'small0');
    assert.equal(small.value, 'tensor(2.4869)');
    const heavy = await widgetDone(p, 'heavy', { timeout: 180000 });
    assert.equal(heavy.error, '');
    assert.deepEqual(heavy.timingRows, await timingPaths(p), 'the heavy cell still gets its timing');
    assert.deepEqual(p.errors, []);
  } finally {
    await p.close();
  }
});

test('widget: 100 cells on one host page load and compute with one worker', async () => {
  const p = await newPage(env);
  const requests = recordRequests(p);
  try {
    await p.goto(`${hostUrl}many.html`);
    await p.waitForFunction((fin) => {
      const ws = [...document.querySelectorAll('loss-playground')];
      return ws.length === 100 && ws.every((w) => fin.includes(w.status));
    }, FINAL, { timeout: 240000 });
    const got = await p.$$eval('loss-playground', (ws) => ws.map((w) => ({ id: w.id, status: w.status, value: w.value,
      shown: w.shadowRoot.querySelector('.result').textContent.trim(), rows: w.shadowRoot.querySelectorAll('.timing tbody tr').length })));
    got.forEach((w, i) => {
      const want = MANY[i % MANY.length][1];
      assert.deepEqual([w.id, w.status, w.value, w.shown], [`m${i}`, 'done', want, want]);
    });
    // the four cells that time show the three paths
    assert.deepEqual(got.filter((w, i) => i % 25 === 0).map((w) => w.rows), [3, 3, 3, 3]);
    const fromSite = requests.filter((u) => u.startsWith(siteOrigin));
    assert.equal(fromSite.filter((u) => u.endsWith('/worker.mjs')).length, 1, 'one worker for the page');
    assert.equal(fromSite.filter((u) => u.endsWith('/widget.js')).length, 1);
    // and the page still answers: a changed attribute recomputes
    await p.evaluate(() => document.getElementById('m0').setAttribute('reduction', 'sum'));
    await p.waitForFunction(() => document.getElementById('m0').value === 'tensor(124.3458)', null, { timeout: 60000 });
    assert.deepEqual(p.errors, []);
  } finally {
    await p.close();
  }
});

test('widget: below the fold, nothing loads until it is scrolled into view', async () => {
  const p = await newPage(env);
  const requests = recordRequests(p);
  try {
    await p.goto(`${hostUrl}lazy.html`);
    await p.waitForFunction(() => document.getElementById('lazy')?.status === 'waiting');
    await p.waitForTimeout(1500);
    // (dist/registry.mjs is the option table state.mjs is generated from: a few kB, needed to
    // read the attributes; the engine's modules and wasm are what must wait.)
    const heavy = (u) => u.endsWith('.wasm') || u.endsWith('/worker.mjs') || u.includes('/worker/') ||
      (u.includes('/dist/') && !u.endsWith('/dist/registry.mjs')) || u.startsWith('blob:');
    assert.deepEqual(requests.filter(heavy), [], 'no wasm, worker or module fetched before the cell is visible');
    assert.ok(requests.some((u) => u === `${siteOrigin}/widget.js`));
    assert.equal(await p.evaluate(() => document.getElementById('lazy').status), 'waiting');
    assert.match((await widget(p, 'lazy')).value ?? '', /^$/);
    assert.deepEqual(await events(p), []);

    await p.locator('#lazy').scrollIntoViewIfNeeded();
    const w = await widgetDone(p, 'lazy');
    assert.equal(w.value, 'tensor(1.1591)');
    // hide="timing": only the SIMD build (the scalar one loads for timings only; the SIMD build's
    // deferred part follows the result)
    assert.deepEqual(requests.filter((u) => u.endsWith('.wasm') && !u.endsWith('.deferred.wasm')).map((u) => u.replace(siteOrigin, '')),
      ['/dist/losslab-simd.wasm'], requests.join('\n'));
    assert.ok(requests.some((u) => u === `${siteOrigin}/worker.mjs`));
    const ev = await events(p);
    assert.equal(ev.length, 1);
    assert.equal(ev[0].detail.value, 'tensor(1.1591)');
    assert.equal(ev[0].detail.timing, null);   // hide="timing": not measured
    assert.deepEqual(p.errors, []);
  } finally {
    await p.close();
  }
});

test('widget: a host CSP that forbids the worker gives an error naming what to allow', async () => {
  const p = await newPage(env);
  try {
    await p.goto(`http://127.0.0.1:${strict.address().port}/strict.html`);
    await p.waitForFunction(() => document.getElementById('strict')?.status === 'error');
    const w = await widget(p, 'strict');
    assert.match(w.error, /^Could not load WebAssembly: /);
    assert.ok(w.error.includes(`worker-src ${siteOrigin} blob:`), w.error);
    const ev = await events(p);
    assert.equal(ev.length, 1);
    assert.deepEqual([ev[0].type, ev[0].detail.kind], ['error', 'load']);
    // The only console errors are the browser's own CSP reports; no exception escaped.
    assert.deepEqual(p.errors.filter((e) => !/Content Security Policy/.test(e)), []);
    assert.ok(p.errors.length >= 1);
  } finally {
    await p.close();
  }
});

// ---- the lesson page -----------------------------------------------------------------------

const LESSON = [
  ['a-mean', 'tensor(2.4869)'],
  ['a-sum', 'tensor(124.3458)'],
  ['b-bce', 'tensor(0.8685)'],
  ['b-logits', 'tensor(0.8685)'],
  ['c-nll', 'tensor(1.1591)'],
  ['c-ce', 'tensor(1.1591)'],
];

async function lessonValues(p) {
  const out = {};
  for (const id of [...LESSON.map(([i]) => i), 't-race']) {
    await p.locator(`#${id}`).scrollIntoViewIfNeeded();
    const w = await widgetDone(p, id);
    assert.equal(w.error, '', `${id}: ${w.error}`);
    out[id] = w;
  }
  return out;
}

test('lesson page: the six lesson values, live (English)', async () => {
  const p = await newPage(env);
  try {
    await p.goto(`${env.url}lesson/`);
    assert.equal(await p.textContent('h1'), 'Loss functions in PyTorch, live');
    const v = await lessonValues(p);
    for (const [id, want] of LESSON) assert.equal(v[id].value, want, id);
    // Each section shows its PyTorch code beside the cells.
    const codes = await p.$$eval('section pre.code code', (cs) => cs.map((c) => c.textContent));
    assert.ok(codes.some((c) => c.includes("MSELoss(reduction='sum')")));
    assert.ok(codes.some((c) => c.includes('torch.sum(y * torch.log(sigma)')));
    assert.ok(codes.some((c) => c.includes('nn.BCEWithLogitsLoss()')));
    assert.ok(codes.some((c) => c.includes('sum(y * torch.log(sigma)') && c.includes('time.time()')));
    assert.ok(codes.some((c) => c.includes('nn.LogSoftmax(dim=1)') && c.includes('nn.CrossEntropyLoss()')));
    // The timing race: SIMD, scalar and JS loop over 3,000,000 elements.
    assert.equal(v['t-race'].value, 'tensor(0.8685)');
    assert.deepEqual(v['t-race'].timingRows, await timingPaths(p));
    const tm = await p.evaluate(() => document.getElementById('t-race').timing);
    assert.equal(tm.numel, 3000000);
    // The embed snippet points at this site's widget.js.
    assert.ok((await p.textContent('#embed-snippet')).includes(`${env.url}widget.js`));
    assert.equal(await p.evaluate(() => document.body.dataset.results), '7');
    await shot(p, 'lesson-page-en');

    // axe-core, including the cells' shadow DOM.
    await p.evaluate(await AXE_SOURCE());
    const res = await p.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
    const bad = res.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')
      .map((x) => `${x.id}: ${x.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
    assert.deepEqual(bad, []);
    assert.deepEqual(p.errors, []);
  } finally {
    await p.close();
  }
});

test('lesson page: each block\'s JavaScript runs in the page and prints what torch prints', async () => {
  const fixture = JSON.parse(readFileSync(new URL('../golden/lesson.json', import.meta.url), 'utf8'));
  const p = await newPage(env);
  try {
    await p.goto(`${env.url}lesson/`);
    for (const id of ['mse', 'bce-modules', 'ce']) {
      const d = `details.js-block[data-block="${id}"]`;
      await p.click(`${d} summary`);
      const src = await p.textContent(`${d} pre.code code`);
      assert.match(src, /print\(/, `${id}: its JavaScript is shown`);
      await p.click(`${d} button`);
      await p.waitForFunction((sel) => !document.querySelector(sel).hidden, `${d} .js-out`, { timeout: 120000 });
      const want = fixture.blocks.find((b) => b.id === id).printed.join('\n');
      assert.equal(await p.textContent(`${d} .js-out`), want, id);
      assert.match(await p.textContent(`${d} .js-status`), /Done · \d+ ms/);
    }
    await shot(p, 'lesson-js-blocks');
    assert.deepEqual(p.errors, []);
  } finally {
    await p.close();
  }
});

test('lesson page: 简体中文, kept in the URL, and back', async () => {
  const p = await newPage(env, { viewport: { width: 390, height: 844 } });
  try {
    await p.goto(`${env.url}lesson/#lang=zh`);
    await p.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    assert.equal(await p.textContent('h1'), 'PyTorch 中的损失函数，实时运行');
    assert.equal(await p.textContent('#h-ce'), 'C. 多分类：LogSoftmax + NLLLoss 与 CrossEntropyLoss');
    const v = await lessonValues(p);
    for (const [id, want] of LESSON) assert.equal(v[id].value, want, id);
    assert.match(v['c-ce'].meta, /种子 420/);
    assert.equal(await p.evaluate(() => document.getElementById('t-race').shadowRoot.querySelector('caption').textContent), '计时');
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the lesson scrolls sideways by ${overflow}px at phone width`);
    await shot(p, 'lesson-page-zh');

    await p.click('a[data-lang="en"]');
    await p.waitForFunction(() => document.documentElement.lang === 'en');
    assert.equal(await p.evaluate(() => location.hash), '#lang=en');
    assert.equal(await p.textContent('h1'), 'Loss functions in PyTorch, live');
    await p.waitForFunction(() => document.getElementById('c-ce').shadowRoot.querySelector('.meta').textContent.includes('seed 420'));
    assert.equal((await widget(p, 'c-ce')).value, 'tensor(1.1591)');
    assert.deepEqual(p.errors, []);
  } finally {
    await p.close();
  }
});
