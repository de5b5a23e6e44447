// The page with each of the 12 added losses on its recipe (tests/golden/codepanel.json's cases):
// the printed result equals the JS API's on the same recipe (and torch's, which the Node test
// holds the API to), the code panel shows the program that printed it in torch; an out-of-range
// option of a new loss shows PyTorch's message. Losses this build does not register are skipped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createLossLab } from 'losslab';
import { start, newPage, waitResult } from './browser.mjs';
import { lossPlan } from '../../web/recipes.mjs';

const golden = JSON.parse(readFileSync(new URL('../golden/codepanel.json', import.meta.url), 'utf8'));
const torch = await createLossLab({ warnings: 'silent' });
const registered = new Map(torch.registry.losses.map((s) => [s.name, s]));
const NEW = new Set(golden.cases.map((c) => c.state.loss));

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

function apiPrint(state) {
  const spec = registered.get(state.loss);
  const plan = lossPlan(state.recipe, spec, {});
  const T = torch.recipe(state.recipe, { n: state.n, c: state.c, seed: state.seed });
  try {
    const out = torch.nn.functional[spec.name](...plan.operands.map((n) => T[n]), { reduction: state.reduction });
    const s = out.toString();
    out.dispose();
    return s;
  } finally {
    for (const t of Object.values(T)) t.dispose();
  }
}

const hashOf = (s) => `recipe=${s.recipe}&n=${s.n}&c=${s.c}&seed=${s.seed}&loss=${s.loss}&reduction=${s.reduction}&reps=1`;

for (const c of golden.cases.filter((x) => x.state.reduction !== 'none')) {
  test(`page: ${c.id} prints the JS API's value`, { skip: registered.has(c.state.loss) ? false : `${c.state.loss} is not registered in this build` }, async () => {
    const page = await newPage(env);
    try {
      await page.goto(`${env.url}#${hashOf(c.state)}`);
      const r = await waitResult(page);
      assert.equal(r.error, '');
      assert.equal(await page.inputValue('#f-loss'), c.state.loss);
      assert.equal(r.result, apiPrint(c.state));
      assert.equal(r.result, c.printed[0], 'torch printed this (report a last-digit difference in sum)');
      const code = await page.textContent('#code');
      assert.ok(code.includes(`F.${c.state.loss}(`));
      assert.deepEqual(page.errors, []);
    } finally {
      await page.close();
    }
  });
}

// A new loss's option with a range: a value outside it → PyTorch's message from the core.
const ranged = [...registered.values()].filter((s) => NEW.has(s.name))
  .flatMap((s) => s.options.filter((o) => o.rangeMessage && Number.isFinite(Number(o.min))).map((o) => ({ s, o })));
test('page: an out-of-range option of a new loss shows PyTorch\'s message', { skip: ranged.length ? false : 'no new loss with a ranged option is registered yet' }, async () => {
  const { s, o } = ranged[0];
  const c = golden.cases.find((x) => x.state.loss === s.name && x.state.reduction === 'mean');
  const bad = Number(o.min) - 1;
  let message = null;
  try {
    const T = torch.recipe(c.state.recipe, { n: c.state.n, c: c.state.c, seed: c.state.seed });
    torch.nn.functional[s.name](...lossPlan(c.state.recipe, s, {}).operands.map((n) => T[n]), { [o.name]: o.kind === 'int' ? Math.round(bad) : bad });
  } catch (e) {
    message = `${e.name}: ${e.message}`;
  }
  assert.ok(message, 'the API rejects it');
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}#${hashOf(c.state)}&${o.name}=${bad}`);
    const r = await waitResult(page);
    assert.equal(r.status, 'error');
    assert.equal(r.error, message);
  } finally {
    await page.close();
  }
});

test('page: every new recipe loads and names its data (whatever the build registers)', async () => {
  const page = await newPage(env);
  try {
    for (const recipe of ['ranking', 'embedding', 'counts', 'gaussian', 'multilabel', 'ctc']) {
      await page.goto(`${env.url}#recipe=${recipe}&reps=1`);
      await page.waitForFunction(() => ['done', 'error', 'ready'].includes(document.body.dataset.status), null, { timeout: 60000 });
      assert.equal(await page.inputValue('#f-recipe'), recipe);
    }
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
