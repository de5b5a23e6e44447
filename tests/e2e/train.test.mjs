// Gradient-descent mode: k steps on w with the loss's gradient and mm, plotted live.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start, newPage, settled, shot } from './browser.mjs';

// torch 1.13.1 running the panel's loop (tests/golden/codepanel.json "train"): its last print is w.
const TORCH = Object.fromEntries(JSON.parse(readFileSync(new URL('../golden/codepanel.json', import.meta.url), 'utf8'))
  .train.map((c) => [c.id, c.printed]));

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

async function trainAndCheck(page, steps, id) {
  await page.click('#train-run');
  await page.waitForFunction(() => document.getElementById('train-w').textContent.startsWith('tensor('), null, { timeout: 60000 });
  assert.equal(await settled(page), 'done');
  const summary = await page.textContent('#train-summary');
  const m = summary.match(/from ([\d.]+) to ([\d.]+) in (\d+) steps/);
  assert.ok(m, summary);
  assert.equal(Number(m[3]), steps);
  assert.ok(Number(m[2]) < Number(m[1]), `the loss goes down: ${summary}`);
  const code = await page.textContent('#code');
  assert.match(code, /optimizer = torch\.optim\.SGD\(\[w\], lr=/);
  assert.match(code, /loss\.backward\(\)\n\s+optimizer\.step\(\)/);
  assert.match(code, new RegExp(`for step in range\\(${steps + 1}\\)`));
  // the page trained as torch does: the same w, printed the same
  const want = TORCH[id];
  assert.equal(await page.textContent('#train-w'), want[want.length - 1], `${id}: w as torch's loop leaves it`);
}

test('binary: BCE on sigmoid(x @ w), 20 steps', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}#recipe=binary&n=100000&seed=420&loss=binary_cross_entropy&reduction=mean&lr=1&steps=20`);
    await settled(page);
    await trainAndCheck(page, 20, 'train-binary-bce');
    assert.match(await page.textContent('#train-w'), /^tensor\(\[\[/);
    await shot(page, 'train-binary');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('multiclass: cross_entropy on X @ w, 15 steps', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}#recipe=multiclass&n=300&c=3&seed=420&loss=cross_entropy&reduction=mean&lr=0.5&steps=15`);
    await settled(page);
    assert.equal(await page.textContent('#error'), '');
    await trainAndCheck(page, 15, 'train-multiclass-ce');
    await shot(page, 'train-multiclass');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
