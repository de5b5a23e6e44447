// The page's gradient-descent mode (web/train_loop.mjs, run by the worker) against torch 1.13.1
// running the very loop the PyTorch-code panel prints for it (tests/golden/codepanel.json
// "train", scripts/gen_codepanel_fixtures.py): every step's printed loss and the final
// print(w.detach()), character for character, in both builds; the code panel's program is the one
// torch ran; the loop leaves no tensor, storage or graph node behind.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { createLossLab } from 'losslab';
import { trainLoop } from '../../web/train_loop.mjs';
import { lossPlan } from '../../web/recipes.mjs';
import { trainCases } from '../../scripts/codepanel-cases.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(path.join(here, '..', 'golden', 'codepanel.json'), 'utf8'));

test('the fixture holds the training programs the code panel prints now', () => {
  assert.ok(fixture.train.length >= 4);
  const now = Object.fromEntries(trainCases().map((c) => [c.id, c.code]));
  for (const c of fixture.train) assert.equal(c.code, now[c.id], `${c.id}: rerun scripts/gen_codepanel_fixtures.py`);
  for (const c of fixture.train) assert.match(c.code, /optimizer = torch\.optim\.SGD\(\[w\], lr=/);
});

for (const simd of [true, false]) {
  const torch = await createLossLab({ simd, warnings: 'silent' });
  for (const c of fixture.train) {
    test(`${torch.flavor}: ${c.id}: every step and the trained w print as torch prints them`, async () => {
      const s = c.state;
      const spec = torch.registry.losses.find((x) => x.name === s.loss);
      const plan = lossPlan(s.recipe, spec, {});
      const once = async () => {
        const T = torch.recipe(s.recipe, { n: s.n, c: s.c, seed: Number(s.seed) });
        const lines = [];
        const { w } = await trainLoop(torch, {
          x: T.x ?? T.X, w0: T.w, target: T[plan.target], loss: s.loss, opts: { reduction: s.reduction },
          chain: plan.chain, lr: s.lr, steps: s.steps,
        }, { onStep: (step, v) => lines.push(`${step} ${v.toFixed(4)}`) });
        lines.push(w.toString());
        w.dispose();
        for (const t of Object.values(T)) t.dispose();
        return lines;
      };
      const lines = await once();
      const before = torch.memory();   // (after a first run: lazily made buffers exist by then)
      assert.deepEqual(await once(), lines, 'the same again');
      assert.deepEqual(torch.memory(), before, 'a second run leaves nothing behind');
      // torch's print: the loss and the gradient's rows first, then the loop's lines
      assert.equal(lines.join('\n'), c.printed.slice(2).join('\n'));
    });
  }
}
