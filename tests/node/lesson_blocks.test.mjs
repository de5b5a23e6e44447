// The lesson's code blocks, translated line for line (web/lesson/blocks.mjs, the functions the
// lesson page shows and runs), print what the lesson's Python prints under torch 1.13.1
// (tests/golden/lesson.json, scripts/gen_lesson_fixtures.py), character for character: MSELoss
// mean and sum, BCE by hand at N = 3e6, BCELoss / BCEWithLogitsLoss, BCE by hand at N = 3e3 with
// its grad_fn and w.grad, LogSoftmax + NLLLoss and CrossEntropyLoss with grad_fn; and the timing
// block's two values (torch.sum against the per-row loop of Python's sum()) at N = 3e4.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { createLossLab } from 'losslab';
import { BLOCKS, blockSource, runBlocks } from '../../web/lesson/blocks.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(path.join(here, '..', 'golden', 'lesson.json'), 'utf8'));
const page = readFileSync(path.join(here, '..', '..', 'web', 'lesson', 'index.html'), 'utf8');

test('the fixture was made from the lesson page as it is now', () => {
  const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  const onPage = Object.fromEntries([...page.matchAll(/<pre class="code" data-block="([^"]+)"[^>]*><code>([\s\S]*?)<\/code><\/pre>/g)]
    .map((m) => [m[1], unescape(m[2])]));
  for (const b of fixture.blocks) {
    const js = BLOCKS.find((x) => x.id === b.id);
    assert.ok(js, `a JS block for ${b.id}`);
    assert.equal(js.python ?? onPage[b.id], b.python, `${b.id}: the Python text changed; rerun scripts/gen_lesson_fixtures.py`);
  }
  assert.deepEqual(BLOCKS.map((b) => b.id).sort(), fixture.blocks.map((b) => b.id).sort());
  for (const b of BLOCKS) {
    const src = blockSource(b);
    assert.match(src, /print\(/, `${b.id}: its source prints`);
    assert.ok(!/^\s/.test(src), `${b.id}: dedented`);
  }
});

for (const simd of [true, false]) {
  const torch = await createLossLab({ simd, warnings: 'silent' });

  test(`${torch.flavor}: every block prints what torch 1.13.1 prints, character for character`, () => {
    const ids = fixture.blocks.filter((b) => !b.printed_are_times).map((b) => b.id);
    const { out, env } = runBlocks(torch, { only: ids });
    for (const b of fixture.blocks) {
      if (b.printed_are_times) continue;
      assert.equal(out[b.id].join('\n'), b.printed.join('\n'), b.id);
    }
    for (const t of Object.values(env)) if (t && typeof t.dispose === 'function') t.dispose();
  });

  test(`${torch.flavor}: the timing block's torch.sum and per-row sum give torch's values (N = 3e4)`, () => {
    // the bce block's lines with N = 3e4, as the fixture's second session runs them
    const N = 3 * 10 ** 4;
    torch.random.manual_seed(420);
    const x = torch.rand([N, 4], { dtype: 'float32' });
    const w = torch.rand([4, 1], { dtype: 'float32' });
    const y = torch.randint(0, 2, [N, 1], { dtype: 'float32' });
    const zhat = torch.mm(x, w);
    const sigma = torch.sigmoid(zhat);
    const printed = [];
    const timing = BLOCKS.find((b) => b.id === 'timing');
    const { L1, L2 } = timing.run(torch, (v) => printed.push(v), { N, y, sigma });
    assert.equal(String(L1), fixture.timing_n30000.L1);
    assert.equal(String(L2), fixture.timing_n30000.L2);
    assert.equal(printed.length, 2);
    assert.ok(printed.every((s) => typeof s === 'number' && s >= 0), 'two times in seconds');
    for (const t of [x, w, y, zhat, sigma, L1, L2]) t.dispose();
  });
}
