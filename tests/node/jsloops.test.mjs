// web/jsloops.mjs, the JavaScript loops the page and the benchmark time against the wasm builds:
// each agrees with losslab's reduction='mean' value, and each is its own loop (no shared
// per-element callback whose V8 feedback would depend on which loss ran before).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createLossLab } from 'losslab';
import { web, ROOT } from './websrc.mjs';

const { JS_LOSSES, jsLoss } = await web('jsloops.mjs');
const torch = await createLossLab();
const F = torch.nn.functional;

test('every loop is a function of its own with its own loop, not a shared closure', () => {
  const sources = Object.entries(JS_LOSSES).map(([name, f]) => [name, f.toString()]);
  assert.ok(sources.length >= 9);
  assert.equal(new Set(sources.map(([, s]) => s)).size, sources.length, 'two losses share one function body');
  for (const [name, src] of sources) {
    assert.match(src, /for \(let i = 0;/, `${name} has no loop of its own`);
    assert.doesNotMatch(src, /perElement|\bcb\(|callback/, name);
  }
  assert.equal(jsLoss('mse_loss'), JS_LOSSES.mse_loss);
  assert.equal(jsLoss('ctc_loss'), null);
  // the benchmark's js-loop contender times these same functions
  const bench = readFileSync(`${ROOT}/bench/page/bench.mjs`, 'utf8');
  assert.match(bench, /import \{ JS_LOSSES \} from '\/web\/jsloops\.mjs'/);
});

torch.manual_seed(3);
const rel = (a, b) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);
const f32 = (t) => Float32Array.from(t.toArray());

test('each loop gives losslab\'s mean to 1e-6, with the options the page offers', () => {
  const x = torch.randn([64, 5]);
  const y = torch.randn([64, 5]);
  const p = torch.rand([64, 5]).clamp(0.01, 0.99);
  const q = torch.rand([64, 5]);
  const w5 = torch.rand([5]);
  const shape = [64, 5];
  const cases = [
    ['mse_loss', x, y, {}],
    ['l1_loss', x, y, {}],
    ['smooth_l1_loss', x, y, { beta: 0.5 }],
    ['huber_loss', x, y, { delta: 0.3 }],
    ['binary_cross_entropy', p, q, {}],
    ['binary_cross_entropy', p, q, { weight: w5 }],
    ['binary_cross_entropy_with_logits', x, q, { pos_weight: w5 }],
    ['binary_cross_entropy_with_logits', x, q, { weight: w5 }],
    ['kl_div', x, q, {}],
    ['kl_div', x, y, { log_target: true }],
  ];
  for (const [name, a, b, opts] of cases) {
    const want = F[name](a, b, opts).item();
    const jsOpts = Object.fromEntries(Object.entries(opts).map(([k, v]) => [k, v?.toArray ? f32(v) : v]));
    const got = JS_LOSSES[name](f32(a), shape, f32(b), shape, jsOpts);
    assert.ok(rel(got, want) < 1e-6, `${name} ${JSON.stringify(Object.keys(opts))}: ${got} vs ${want}`);
  }
  const logits = torch.randn([40, 4]);
  const t = torch.randint(0, 4, [40]);
  const ti = Int32Array.from(t.toArray(), Number);
  const w4 = torch.rand([4]);
  for (const opts of [{}, { weight: w4 }, { label_smoothing: 0.2 }, { ignore_index: 1 }]) {
    const want = F.cross_entropy(logits, t, opts).item();
    const jsOpts = Object.fromEntries(Object.entries(opts).map(([k, v]) => [k, v?.toArray ? f32(v) : v]));
    const got = JS_LOSSES.cross_entropy(f32(logits), [40, 4], ti, [40], jsOpts);
    assert.ok(rel(got, want) < 1e-6, `cross_entropy ${JSON.stringify(Object.keys(opts))}: ${got} vs ${want}`);
    const lp = F.log_softmax(logits, { dim: 1 });
    const nll = F.nll_loss(lp, t, opts.label_smoothing ? {} : opts).item();
    assert.ok(rel(JS_LOSSES.nll_loss(f32(lp), [40, 4], ti, [40], opts.label_smoothing ? {} : jsOpts), nll) < 1e-6);
  }
});
