// Menus come from the registry: every registered loss is offered for some data set (only where
// it applies), with its reductions and options; and for every loss the timed paths (SIMD wasm,
// scalar wasm, and the JS loop where there is one) compute the same mean.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, newPage, waitResult, settled, shot } from './browser.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env?.close(); });

const SMALL = { regression: 50, binary: 3000, multiclass: 300, ranking: 100, embedding: 64, counts: 100,
  gaussian: 100, multilabel: 64, ctc: 4 };

test('every registry loss is offered, and SIMD / scalar / JS loop agree on it', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}#recipe=regression&n=50&seed=420&loss=mse_loss&reduction=mean&reps=1`);
    await settled(page);
    const registry = await page.evaluate(async () => {
      const { createLossLab } = await import('./dist/losslab.mjs');
      const torch = await createLossLab();
      return torch.registry.losses.filter((l) => l.kind === 'loss')
        .map((l) => ({ name: l.name, reductions: l.reductions,
          options: l.options.filter((o) => o.kind !== 'callable').map((o) => o.name) }));  // a JS function has no control
    });
    const offered = new Set();
    const problems = [];
    for (const recipe of Object.keys(SMALL)) {
      await page.goto(`${env.url}#recipe=${recipe}&n=${SMALL[recipe]}&seed=420&reps=1`);
      await settled(page);
      const names = await page.$$eval('#f-loss option:not([disabled])', (os) => os.map((o) => o.value));
      for (const name of names) {
        offered.add(name);
        const spec = registry.find((l) => l.name === name);
        if ((await page.inputValue('#f-loss')) !== name) {
          await page.selectOption('#f-loss', name);
        }
        await page.selectOption('#f-reduction', 'mean');
        const status = await settled(page);
        if (status !== 'done') {
          problems.push(`${recipe}/${name}: ${await page.textContent('#error')}`);
          continue;
        }
        const reds = await page.$$eval('#f-reduction option', (os) => os.map((o) => o.value));
        assert.deepEqual(reds, spec.reductions, `${name} reductions`);
        const shown = await page.$$eval('.field.option:not([hidden])', (fs) => fs.map((f) => f.dataset.key));
        assert.deepEqual(shown.sort(), [...spec.options].sort(), `${name} options`);
        const rows = await page.$$eval('#timing-body tr', (trs) => trs.map((tr) => ({ path: tr.dataset.path,
          value: Number(tr.querySelector('.value')?.textContent), error: tr.querySelector('.path-error')?.textContent })));
        const byPath = Object.fromEntries(rows.map((r) => [r.path, r]));
        // (the plain JS loop exists for the lesson's nine losses only: where the page has no row
        // for it, SIMD and scalar are still required)
        for (const path of ['simd', 'scalar', ...(byPath.js ? ['js'] : [])]) {
          if (!byPath[path] || byPath[path].error) problems.push(`${recipe}/${name}: ${path} ${byPath[path]?.error ?? 'missing'}`);
        }
        const ref = byPath.simd?.value;
        for (const r of rows) {
          if (!Number.isFinite(r.value)) continue;
          const rel = Math.abs(r.value - ref) / Math.max(Math.abs(ref), 1e-12);
          if (!(rel <= 2e-6)) problems.push(`${recipe}/${name}: ${r.path} ${r.value} vs simd ${ref}`);
        }
      }
    }
    const missing = registry.map((l) => l.name).filter((n) => !offered.has(n));
    assert.deepEqual(missing, [], 'losses not offered for any data set');
    assert.deepEqual(problems, []);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('menus offer only what applies: no class-index loss for regression, batchmean only for kl_div', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}#recipe=regression&n=50&seed=420&loss=mse_loss&reduction=mean&reps=1`);
    await settled(page);
    const reg = await page.$$eval('#f-loss option', (os) => os.map((o) => o.value));
    for (const name of ['binary_cross_entropy', 'cross_entropy', 'nll_loss', 'kl_div']) assert.ok(!reg.includes(name), `${name} offered for regression`);
    assert.ok(!(await page.$$eval('#f-reduction option', (os) => os.map((o) => o.value))).includes('batchmean'));
    // A loss that does not apply to the data, named in a link, is replaced with a notice.
    await page.goto(`${env.url}#recipe=regression&n=50&seed=420&loss=binary_cross_entropy&reduction=mean&reps=1`);
    await settled(page);
    assert.equal(await page.inputValue('#f-loss'), 'mse_loss');
    assert.match(await page.textContent('#notice'), /binary_cross_entropy does not apply to this data; showing mse_loss instead/);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('kl_div on the multiclass data with batchmean and log_target', async () => {
  const page = await newPage(env);
  try {
    await page.goto(`${env.url}#recipe=multiclass&n=300&c=3&seed=420&loss=kl_div&reduction=batchmean&log_target=1&reps=1`);
    const r = await waitResult(page);
    assert.equal(r.error, '');
    assert.match(r.result, /^tensor\(\d\.\d{4}\)$/);
    assert.equal(await page.isChecked('#f-log_target'), true);
    const code = await page.textContent('#code');
    assert.match(code, /q = F\.one_hot\(y\.long\(\), 3\)\.float\(\) \* 0\.9 \+ 0\.1 \/ 3\nq = q\.log\(\)/);
    assert.match(code, /F\.kl_div\(F\.log_softmax\(zhat, dim=1\), q, log_target=True, reduction='batchmean'\)/);
    await settled(page);
    await shot(page, 'kl-div-batchmean');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('pasted logits and class indices → cross_entropy; a non-integer class is named by line and column', async () => {
  const page = await newPage(env);
  try {
    const input = encodeURIComponent('2, 1, 0.1\n0.5, 2.5, 0.3\n1.2, 0.2, 3.1');
    await page.goto(`${env.url}#recipe=paste&input=${input}&target=0+1+2&loss=cross_entropy&reduction=mean`);
    let r = await waitResult(page);
    assert.equal(r.error, '');
    assert.equal(r.result, 'tensor(0.2744)');
    assert.ok((await page.$$eval('#f-loss option', (os) => os.map((o) => o.value))).includes('nll_loss'));
    assert.match(await page.textContent('#code'), /y = torch\.tensor\(\[0, 1, 2\], dtype=torch\.long\)/);
    await page.fill('#f-target', '0\n1.5\n2');
    r = await waitResult(page);
    assert.match(r.error, /Targets, line 2, column 1: “1\.5” is not an integer class index/);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
