// Property tests through the public JS API (fast-check): over random data sets, sizes, seeds,
// reductions and options drawn for every loss of the registry,
//  - each gradient torch.grad returns agrees with central finite differences in float64;
//  - reduction='sum' is the sum of reduction='none', and 'mean' its mean (float64);
//  - the scalar build gives the SIMD build's bits where the registry says so (acrossBuilds), and
//    agrees to 1e-5 elsewhere;
//  - any call with wrong operands or options throws an Error with a message (never a wasm trap,
//    never a result), and afterwards the lesson's call still prints tensor(2.4869).
// The operands come from the page's recipes (web/recipes.mjs plans, worker/data.mjs operands), so
// every loss is fed what it is defined on. FC_RUNS scales the runs (default 1: CI-sized).
import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { web } from './websrc.mjs';

const RUNS = Math.max(1, Number(process.env.FC_RUNS ?? 1));
const { createLossLab } = await web('dist/losslab.mjs');
const session = await web('worker/session.mjs');
const { operands } = await web('worker/data.mjs');
const { lossPlan } = await web('recipes.mjs');
const torch = await createLossLab({ warnings: 'silent' });
const scalar = await createLossLab({ simd: false, warnings: 'silent' });
session.setBuilds(torch, scalar);
const F = torch.nn.functional;

const LOSSES = torch.registry.losses.filter((l) => l.kind === 'loss');
const RECIPES = ['regression', 'binary', 'multiclass', 'ranking', 'embedding', 'counts', 'gaussian', 'multilabel', 'ctc'];
const planOf = (spec) => {
  for (const r of RECIPES) {
    const p = lossPlan(r, spec);
    if (p) return { recipe: r, plan: p };
  }
  return null;
};
const PLANS = Object.fromEntries(LOSSES.map((s) => [s.name, planOf(s)]));

test('every loss of the registry has a recipe to feed it', () => {
  assert.deepEqual(LOSSES.filter((s) => !PLANS[s.name]).map((s) => s.name), []);
});

/** The loss's operands for a drawn data set (float operands as float64 when asked). */
function operandsFor(lab, spec, { n, c, seed }, f64) {
  const { recipe, plan } = PLANS[spec.name];
  const tensors = lab.recipe(recipe, { n, c, seed });
  const made = Object.values(tensors);
  const d = { tensors, derived: {} };
  const prev = session.simd;
  session.setBuilds(lab, scalar);
  const { list } = operands(d, plan, {});
  session.setBuilds(prev, scalar);
  made.push(...Object.values(d.derived));
  const out = list.map((t) => (f64 && (t.dtype === 'float32') ? t.double() : t.clone()));
  for (const t of made) t.dispose();
  return out;
}

const dataArb = fc.record({
  n: fc.integer({ min: 1, max: 6 }),
  c: fc.integer({ min: 2, max: 5 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

// torch's ctc_loss gradient is the gradient through a log_softmax (exp(log_probs) − the paths'
// occupancy): it sums to 0 over the classes and is the derivative of ctc(log_softmax(z)) at z =
// log_probs, not of ctc(log_probs) in every direction; losslab gives torch's. Finite differences
// are taken of that composition for it.
const THROUGH = { ctc_loss: (t) => F.log_softmax(t, { dim: 2 }) };

test('gradients agree with central finite differences in float64, for every loss', () => {
  const report = {};
  fc.assert(fc.property(fc.constantFrom(...LOSSES), dataArb, fc.constantFrom('mean', 'sum'), fc.nat(),
    (spec, data, reduction, pick) => {
      torch.tidy(() => {
        const xs = operandsFor(torch, spec, data, true);
        const opts = spec.reductions.includes(reduction) ? { reduction } : {};
        const grads = torch.grad(spec.name, xs, opts);
        const value = (list) => F[spec.name](...list, opts).item();
        spec.operands.forEach((o, k) => {
          const g = grads[k];
          if (o.differentiable === false || !g || xs[k].dtype !== 'float64') return;
          const x = xs[k].toArray();
          const i = pick % x.length;
          const h = 1e-6 * Math.max(1, Math.abs(x[i]));
          const at = (delta) => {
            const y = Float64Array.from(x);
            y[i] += delta;
            const through = THROUGH[spec.name] && k === 0 ? THROUGH[spec.name] : (t) => t;
            const moved = xs.map((t, j) => (j === k ? through(torch.tensor(y, { shape: t.shape, dtype: 'float64' })) : t));
            return value(moved);
          };
          const fd = (at(h) - at(-h)) / (2 * h);
          const got = g.toArray()[i];
          const tol = 1e-5 * Math.max(1, Math.abs(fd), Math.abs(got));
          if (!(Math.abs(fd - got) <= tol)) {
            throw new Error(`${spec.name} d/d${o.name}[${i}] = ${got}, finite differences ${fd} (${JSON.stringify(data)}, ${reduction})`);
          }
          report[spec.name] = (report[spec.name] ?? 0) + 1;
        });
      });
    }), { numRuns: 400 * RUNS, seed: Number(process.env.FC_SEED ?? 20261204) });
  // every loss with a differentiable operand was checked at least once
  const missing = LOSSES.filter((s) => s.operands.some((o) => o.differentiable !== false) && !report[s.name]).map((s) => s.name);
  assert.deepEqual(missing, []);
});

test("reduction='sum' is the sum of 'none', and 'mean' its mean (float64)", () => {
  // ctc_loss's 'mean' divides each sequence by its target length first (torch's definition)
  const plain = LOSSES.filter((s) => s.reductions.includes('none') && s.reductions.includes('sum') && s.name !== 'ctc_loss');
  fc.assert(fc.property(fc.constantFrom(...plain), dataArb, (spec, data) => {
    torch.tidy(() => {
      const xs = operandsFor(torch, spec, data, true);
      const none = F[spec.name](...xs, { reduction: 'none' }).toArray();
      let s = 0;
      for (const v of none) s += v;
      const sum = F[spec.name](...xs, { reduction: 'sum' }).item();
      const mean = F[spec.name](...xs, { reduction: 'mean' }).item();
      const tol = 1e-12 * Math.max(1, Math.abs(s));
      assert.ok(Math.abs(sum - s) <= tol, `${spec.name}: sum ${sum} vs Σ none ${s}`);
      assert.ok(Math.abs(mean - s / none.length) <= tol, `${spec.name}: mean ${mean} vs ${s / none.length}`);
    });
  }), { numRuns: 200 * RUNS, seed: 7 });
});

test('the scalar build gives the SIMD build\'s bits where the registry says so, else agrees to 1e-5', () => {
  fc.assert(fc.property(fc.constantFrom(...LOSSES), dataArb, fc.constantFrom('none', 'mean', 'sum'), (spec, data, reduction) => {
    if (!spec.reductions.includes(reduction)) return;
    const a = torch.tidy(() => F[spec.name](...operandsFor(torch, spec, data, false), { reduction }).toArray());
    const b = scalar.tidy(() => scalar.nn.functional[spec.name](...operandsFor(scalar, spec, data, false), { reduction }).toArray());
    assert.equal(a.length, b.length);
    for (let i = 0; i < a.length; i++) {
      if (spec.exact.acrossBuilds) assert.ok(Object.is(a[i], b[i]), `${spec.name}[${i}] ${a[i]} vs ${b[i]} (${JSON.stringify(data)}, ${reduction})`);
      else assert.ok(Math.abs(a[i] - b[i]) <= 1e-5 * Math.max(1, Math.abs(a[i])), `${spec.name}[${i}] ${a[i]} vs ${b[i]}`);
    }
  }), { numRuns: 200 * RUNS, seed: 11 });
});

// ---- failure behaviour ----------------------------------------------------------------------------

const junk = fc.oneof(
  fc.constant(null), fc.constant(undefined), fc.constant(NaN), fc.constant(-Infinity), fc.constant(1e999), fc.constant(-0),
  fc.double(), fc.integer(), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), fc.string({ maxLength: 5 }), fc.boolean(),
  fc.constant({}), fc.constant([]), fc.constant(Symbol('s')), fc.constant({ valueOf() { throw new Error('valueOf'); } }),
  fc.array(fc.double(), { maxLength: 4 }),
);
const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 });
const dtypeArb = fc.constantFrom('float32', 'float64', 'int64', 'int32', 'bool');

test('a call with wrong operands or options throws an Error with a message, and the lesson still runs after', () => {
  let threw = 0;
  fc.assert(fc.property(fc.constantFrom(...LOSSES), fc.array(fc.oneof(fc.record({ shape: shapeArb, dtype: dtypeArb }), junk), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('reduction', 'margin', 'p', 'delta', 'beta', 'weight', 'ignore_index', 'label_smoothing', 'log_target', 'eps', 'blank', 'swap', 'full', 'log_input', 'zero_infinity', 'pos_weight', 'dim'), junk, { maxKeys: 3 }),
    (spec, args, opts) => {
      torch.tidy(() => {
        const list = args.map((a) => (a && typeof a === 'object' && 'shape' in a && 'dtype' in a && !Array.isArray(a)
          ? torch.zeros(a.shape, { dtype: a.dtype }) : a));
        let result;
        try {
          result = F[spec.name](...list, opts);
        } catch (e) {
          threw++;
          assert.ok(e instanceof Error, `${spec.name} threw ${typeof e}`);
          assert.ok(!(e instanceof WebAssembly.RuntimeError), `${spec.name}: a wasm trap: ${e.message}`);
          assert.ok(typeof e.message === 'string' && e.message.length > 0, `${spec.name}: an error without a message`);
          return;
        }
        assert.ok(result && typeof result.toString === 'function', `${spec.name} returned ${result}`);
      });
    }), { numRuns: 1500 * RUNS, seed: 5 });
  assert.ok(threw > 100, `${threw} calls threw`);
  torch.manual_seed(420);
  const yhat = torch.randn([50, 1]);
  const y = torch.randn([50, 1]);
  assert.equal(F.mse_loss(yhat, y).toString(), 'tensor(2.4869)');
});
