// The code panel runs its Python in the page (web/python.mjs → pyworker.mjs: Pyodide from the
// site's own files, losslab's torch): nothing of Python is fetched before Run; the generated
// program prints the page's result; torch's errors show with the learner's line; Stop interrupts
// a loop and the next Run works; Ctrl+Enter runs; the CSP holds (no console errors).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start, newPage, settled, shot } from './browser.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

const finished = (page) => page.waitForFunction(() => !document.getElementById('py-run').disabled
  && document.getElementById('py-status').textContent !== '' && !/…$/.test(document.getElementById('py-status').textContent),
null, { timeout: 90000 });

test('Run executes the panel\'s program in Python and prints the page\'s result', async () => {
  const page = await newPage(env);
  const requests = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  try {
    await page.goto(`${env.url}#recipe=regression&n=50&seed=420&loss=mse_loss&reduction=sum`);
    await settled(page);
    const pythonFiles = (list) => list.filter((p) => /pyodide|python|pyworker/.test(p));
    assert.deepEqual(pythonFiles(requests), [], 'no Python byte before Run');
    const result = await page.textContent('#result');
    assert.equal(result, 'tensor(124.3458)');
    await page.click('#py-run');
    await finished(page);
    const out = await page.textContent('#py-out');
    assert.equal(out.split('\n')[0], result, 'the program prints what the page shows');
    assert.match(await page.textContent('#py-status'), /^Python started in \d+ ms; ran in \d+ ms\.$/);
    assert.ok(pythonFiles(requests).some((p) => p.endsWith('/pyodide/pyodide.asm.wasm')), 'Pyodide from the site');
    assert.ok(requests.every((p) => !p.startsWith('http')), 'no third-party request');
    await shot(page, 'python-run');

    // an edit with torch's error: the message and the line
    await page.fill('#code', 'import torch\nx = torch.ones(2, 3)\nprint(torch.mm(x, x))\n');
    assert.equal(await page.isHidden('#code-reset'), false, 'the edit can be undone');
    await page.focus('#code');
    await page.keyboard.press('Control+Enter');
    await finished(page);
    assert.match(await page.textContent('#py-out'), /RuntimeError: mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/);
    assert.match(await page.textContent('#py-out'), /File "<lesson>", line 3/);
    assert.match(await page.textContent('#py-status'), /^RuntimeError on line 3 \(\d+ ms\)\.$/);

    // Stop interrupts a loop; the session works after
    await page.fill('#code', 'x = 0\nwhile True:\n    x += 1\n');
    await page.click('#py-run');
    await page.waitForFunction(() => !document.getElementById('py-stop').disabled);
    await page.waitForTimeout(300);
    await page.click('#py-stop');
    await finished(page);
    assert.equal(await page.textContent('#py-status'), 'Stopped.');
    await page.click('#code-reset');
    assert.equal(await page.inputValue('#code'), await page.textContent('#code'), 'back to the page\'s code');
    await page.click('#py-run');
    await finished(page);
    assert.equal((await page.textContent('#py-out')).split('\n')[0], result);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('Tab indents in the editor; Esc then Tab leaves it', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}#recipe=regression&n=50&seed=420&loss=mse_loss&reduction=mean`);
    await settled(page);
    await page.fill('#code', 'for i in range(2):\n');
    await page.focus('#code');
    await page.keyboard.press('End');
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Tab');
    await page.keyboard.type('print(i)');
    assert.equal(await page.inputValue('#code'), 'for i in range(2):\n    print(i)');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    assert.notEqual(await page.evaluate(() => document.activeElement.id), 'code', 'focus moved on');
  } finally {
    await page.close();
  }
});

// The lesson page: each Python block is an editor that runs in place, in one session (B's
// modules and the timing run B first). Outputs are torch's (tests/golden/lesson.json).
const LESSON = JSON.parse(readFileSync(new URL('../golden/lesson.json', import.meta.url), 'utf8'));
const printed = (id) => LESSON.blocks.find((b) => b.id === id).printed.map((l) => `${l}\n`).join('');

test('the lesson\'s Python blocks run in place and print what torch printed (English, 简体中文)', async () => {
  const page = await newPage(env);
  const requests = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  try {
    await page.goto(`${env.url}lesson/`);
    await page.waitForFunction(() => document.querySelectorAll('losslab-python').length === 5);
    assert.deepEqual(requests.filter((p) => /pyodide|pyworker/.test(p)), [], 'no Pyodide before a Run');
    const runBlock = (id) => page.evaluate(async (id) => {
      const el = document.getElementById(id);
      const r = await el.run();
      return { stdout: r.stdout, error: r.error?.message ?? null, status: el.shadowRoot.querySelector('.status').textContent };
    }, id);
    // B's modules first: B runs before it, once
    const mods = await runBlock('py-bce-modules');
    assert.equal(mods.error, null);
    assert.equal(mods.stdout, printed('bce-modules'));
    assert.equal(await page.evaluate(() => document.getElementById('py-bce').shadowRoot.querySelector('pre').textContent), printed('bce'));
    for (const id of ['mse', 'ce']) {
      const r = await runBlock(`py-${id}`);
      assert.equal(r.stdout, printed(id), id);
      assert.match(r.status, /^Ran in \d+ ms\.$/);
    }
    // the timing block on a smaller B (an edit, as a learner would make): two times
    await page.evaluate(() => {
      const b = document.getElementById('py-bce');
      b.code = b.code.replace('N = 3 * pow(10, 6)', 'N = 3 * pow(10, 4)');
    });
    const timing = await runBlock('py-timing');
    assert.equal(timing.error, null);
    const [t1, t2] = timing.stdout.trim().split('\n').map(Number);
    assert.ok(t1 >= 0 && t2 > t1, timing.stdout);
    // 简体中文: the block's controls in the page's language
    await page.goto(`${env.url}lesson/#lang=zh`);
    await page.waitForFunction(() => document.getElementById('py-mse')?.shadowRoot?.querySelector('button.run')?.textContent === '运行 Python');
    assert.equal(await page.evaluate(() => document.getElementById('py-mse').shadowRoot.querySelector('button.stop').textContent), '停止');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('the lesson\'s BCE by hand with autograd (N = 3e3) prints torch\'s loss and w.grad in a <losslab-python>', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}lesson/`);
    await page.waitForFunction(() => customElements.get('losslab-python'));
    const code = LESSON.blocks.find((b) => b.id === 'bce-grad').python;
    const r = await page.evaluate(async (code) => {
      const el = document.createElement('losslab-python');
      el.append(Object.assign(document.createElement('pre'), { textContent: code }));
      document.querySelector('main').append(el);
      const res = await el.run();
      return { stdout: res.stdout, error: res.error?.message ?? null };
    }, code);
    assert.equal(r.error, null);
    assert.equal(r.stdout, printed('bce-grad'));
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('without cross-origin isolation, Stop terminates the worker and the next Run starts a fresh one', async () => {
  const { serve } = await import('../../scripts/serve.mjs');
  const { SITE } = await import('./browser.mjs');
  const plain = await serve(SITE, { port: 0, headers: { 'Cross-Origin-Opener-Policy': 'unsafe-none', 'Cross-Origin-Embedder-Policy': 'unsafe-none' } });
  const page = await newPage(env);
  try {
    await page.goto(`http://127.0.0.1:${plain.address().port}/#recipe=regression&n=50&seed=420&loss=mse_loss&reduction=sum`);
    await settled(page);
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), false);
    await page.fill('#code', 'while True:\n    pass\n');
    await page.click('#py-run');
    await page.waitForFunction(() => /Running/.test(document.getElementById('py-status').textContent)
      || /Starting/.test(document.getElementById('py-status').textContent));
    await page.waitForTimeout(3000);   // Pyodide up and looping
    await page.click('#py-stop');
    await finished(page);
    assert.equal(await page.textContent('#py-status'), 'Stopped.');
    await page.click('#code-reset');
    await page.click('#py-run');
    await finished(page);
    assert.equal((await page.textContent('#py-out')).split('\n')[0], 'tensor(124.3458)');
    assert.match(await page.textContent('#py-status'), /^Python started in/, 'a fresh worker');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
    await new Promise((r) => plain.close(r));
  }
});
