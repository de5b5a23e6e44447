// The PyTorch-code panel against real torch (tests/golden/codepanel.json, written by
// scripts/gen_codepanel_fixtures.py; this test needs no torch):
//  - every recipe tensor of the new recipes is torch's, bit for bit (SHA-256 of the raw bytes);
//  - for each new loss x reduction: web/codegen.mjs, given the build's registry entry, writes the
//    stored program, and the JS API on the recipe prints exactly what that program printed in
//    torch 1.13.1 (the loss, and the gradient's first rows).
// Cases whose loss is not registered in this build are skipped (and say so).
import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLossLab } from 'losslab';
import { codeFor, specFor } from '../../scripts/codepanel-cases.mjs';
import { gradOperand } from '../../web/recipes.mjs';

const golden = JSON.parse(readFileSync(new URL('../golden/codepanel.json', import.meta.url), 'utf8'));
const sha = (t) => createHash('sha256').update(Buffer.from(t.toArray().buffer)).digest('hex');

for (const flavor of ['simd', 'scalar']) {
  const torch = await createLossLab({ simd: flavor === 'simd', warnings: 'silent' });
  const registry = torch.registry;

  for (const r of golden.recipes) {
    test(`${flavor}: recipe ${r.recipe} (n=${r.n}, c=${r.c}, seed=${r.seed}) is torch's, bit for bit`, () => {
      const T = torch.recipe(r.recipe, { n: r.n, c: r.c, seed: r.seed });
      try {
        for (const [name, want] of Object.entries(r.tensors)) {
          const t = T[name];
          assert.ok(t, `${r.recipe} has no tensor ${name}`);
          assert.equal(t.dtype, want.dtype, `${name} dtype`);
          assert.deepEqual(t.shape, want.shape, `${name} shape`);
          if (want.values) {
            // computed by a transcendental kernel (log_softmax): torch's bits, compared as integers
            const a = t.toArray();
            const ai = new Int32Array(a.buffer);
            const bi = new Int32Array(Float32Array.from(want.values).buffer);
            let worst = 0;
            for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(ai[i] - bi[i]));
            assert.equal(worst, 0, `${name}: ${worst} ulp from torch`);
          } else {
            assert.equal(sha(t), want.sha256, `${name} differs from torch`);
          }
        }
      } finally {
        for (const t of Object.values(T)) t.dispose();
      }
    });
  }

  for (const c of golden.cases) {
    const spec = registry.losses.find((s) => s.name === c.state.loss);
    test(`${flavor}: ${c.id}: the code panel's program prints what the page prints`, { skip: spec ? false : `${c.state.loss} is not registered in this build` }, () => {
      const { plan, code } = codeFor(c.state, specFor(c.state.loss, registry));
      assert.ok(plan, `${c.state.loss} does not fit the ${c.state.recipe} recipe`);
      assert.deepEqual(plan.operands, c.operands, 'operands (regenerate the fixture if the registry changed)');
      assert.equal(code, c.code, 'the program (regenerate the fixture if codegen changed)');
      const T = torch.recipe(c.state.recipe, { n: c.state.n, c: c.state.c, seed: c.state.seed });
      try {
        const ops = plan.operands.map((n) => T[n]);
        const out = torch.nn.functional[spec.name](...ops, { reduction: c.state.reduction });
        assert.equal(out.toString(), c.printed[0], 'the loss');
        const gi = gradOperand(spec);
        const grads = torch.grad(spec.name, ops, { reduction: c.state.reduction });
        const g = grads[gi];
        const rows = Math.min(5, g.shape[0]);
        const per = g.shape.slice(1).reduce((a, b) => a * b, 1);
        const head = torch.tensor(g.toArray().subarray(0, rows * per), { shape: [rows, ...g.shape.slice(1)], dtype: g.dtype });
        if (spec.exact.grad) {
          assert.equal(head.toString(), c.printed[1], 'the gradient\'s first rows');
        } else {
          // The registry does not claim torch's gradient bits here (e.g. ctc's near-zero entries
          // where exp(lp) - posterior cancels): the same print but for a last printed digit.
          const num = /-?\d+\.\d*(?:e[+-]\d+)?|-?\binf\b|\bnan\b/g;
          const got = head.toString(), want = c.printed[1];
          assert.equal(got.replace(num, '#'), want.replace(num, '#'), 'the gradient\'s layout');
          const a = got.match(num).map(Number), b = want.match(num).map(Number);
          a.forEach((v, i) => assert.ok(v === b[i] || Math.abs(v - b[i]) <= 2e-4 * Math.max(Math.abs(v), Math.abs(b[i])),
            `gradient element ${i}: ${v} vs torch ${b[i]}`));
        }
        for (const x of [out, head, ...grads]) x?.dispose();
      } finally {
        for (const t of Object.values(T)) t.dispose();
      }
    });
  }
}
