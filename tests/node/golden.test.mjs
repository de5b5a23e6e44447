// Every loss, activation and error case of the torch 1.13.1 golden file, through the public
// API: forward and gradient, bit-exact where the registry says losslab is torch's bits, else
// ≤ 8 ulp / 1e-6 relative, with identical NaN/Inf patterns; errors with PyTorch's message.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createLossLab } from 'losslab';
import { golden, toTensor, values, compare } from './golden.mjs';

function optionsOf(torch, c) {
  const o = {};
  for (const [k, v] of Object.entries(c.options ?? {})) {
    o[k] = v && typeof v === 'object' && 'dtype' in v ? toTensor(torch, v) : v;
  }
  return o;
}

// 'site-split': the site's SIMD build as the page gets it (split in two by scripts/split-wasm.mjs,
// the JS minified), its deferred part loaded by the first call that needs it
const SITE_DIST = new URL('../../build/site/dist/', import.meta.url);
const siteSplit = existsSync(new URL('losslab-simd.deferred.wasm', SITE_DIST));
if (!siteSplit) test('site-split: the golden cases', { skip: 'build/site has no split SIMD build (npm run build)' }, () => {});

for (const flavor of ['simd', 'scalar', ...(siteSplit ? ['site-split'] : [])]) {
  const create = flavor === 'site-split' ? (await import(new URL('losslab.mjs', SITE_DIST))).createLossLab : createLossLab;
  const torch = await create({ simd: flavor !== 'scalar', warnings: 'silent', deferred: 'manual' });
  if (flavor === 'site-split') assert.ok(torch.deferredPart, 'the site build is split');
  const F = torch.nn.functional;
  // nn.<Module> -> its registry entry (name, and where it is bit-identical to torch)
  const byModule = new Map([...torch.registry.losses, ...torch.registry.activations].map((s) => [s.module, s]));
  for (const c of golden.cases.filter((x) => x.kind === 'loss' || x.kind === 'activation')) {
    const name = byModule.get(c.loss ?? c.op)?.name;
    test(`${flavor}: ${c.id} ${name}`, () => {
      const input = toTensor(torch, c.input);
      const opts = optionsOf(torch, c);
      if (c.kind === 'activation') {
        const out = F[name](input, { dim: opts.dim });
        assert.equal(compare(out.toArray(), values(c.expected.output), { exact: false }), null, 'forward');
        const g = torch.grad(name, input, null, { dim: opts.dim }, toTensor(torch, c.grad_output));
        assert.equal(compare(g.toArray(), values(c.expected.grad_input), { exact: false }), null, 'grad');
        return;
      }
      const target = toTensor(torch, c.target);
      assert.equal(typeof F[name], 'function', `${name} is registered`);
      if (c.error) {
        assert.throws(() => F[name](input, target, opts), (e) => {
          assert.equal(e.message, c.error.message);
          assert.equal(e.name, c.error.type);
          return true;
        });
        return;
      }
      const out = F[name](input, target, opts);
      const want = values(c.expected.output);
      assert.deepEqual(out.shape, c.expected.output.shape);
      const ex = byModule.get(c.loss)?.exact;
      const exact = !!ex && (opts.reduction === 'none' ? ex.none : ex.reduced);
      assert.equal(compare(out.toArray(), want, { exact, dtype: c.expected.output.dtype }), null, 'forward');
      assert.deepEqual(out.warnings ?? [], c.warnings ?? []);
      const go = c.grad_output && typeof c.grad_output === 'object' ? toTensor(torch, c.grad_output)
        : (c.grad_output != null && c.grad_output !== 1 ? torch.tensor([c.grad_output], { shape: [] }) : null);
      const g = torch.grad(name, input, target, opts, go);
      assert.deepEqual(g.shape, c.expected.grad_input.shape);
      assert.equal(compare(g.toArray(), values(c.expected.grad_input), { exact: false }), null, 'grad');
    });
  }
}
