// The race across N (the lesson's point at a glance): the same loss timed at N = 10 … 3e7
// input elements by the SIMD build, the scalar build, the plain JavaScript loop, and a loop that
// goes through the API once per element -- reduction='none', then the elements added up one
// tensor at a time, as Python's builtin sum() over a tensor does in the lesson (17 s there, where
// torch.sum took 0.022 s). Each point is posted as soon as it is measured, so the chart fills in.
//
// The data: the recipe generated once at the largest N (its own seed, not the page's cached data
// set), and for each N the first rows of it (narrow: a view, nothing copied).

import { jsLoss } from '../jsloops.mjs';
import { WITH_C, planOrFallback } from '../recipes.mjs';
import { simd, post, progress, checkpoint, findSpec, scalarReady } from './session.mjs';
import { operands, lossOptions } from './data.mjs';
import { jsOptions, measure, copyTo } from './timing.mjs';

export const RACE_SIZES = [10, 30, 100, 300, 1e3, 3e3, 1e4, 3e4, 1e5, 3e5, 1e6, 3e6, 1e7, 3e7];
const RACE_BYTES = 640 * 2 ** 20;   // the recipe generated for the race at most (a cap on N)
const API_LIMIT_MS = 150;           // the per-element loop stops growing after a call this slow
const BYTES_PER_ROW = { regression: 8, binary: 28, multiclass: 40 };

export async function race(job) {
  const state = job.state;
  const spec = findSpec(state.loss);
  if (!(state.recipe in BYTES_PER_ROW)) {
    throw Object.assign(new Error(`the race runs on the lesson's data sets (regression, binary, multiclass), not on ${state.recipe}`), { name: 'ValueError' });
  }
  const plan = planOrFallback(state.recipe, spec, {});
  if (!plan) throw Object.assign(new Error(`${spec.name} does not apply to the ${state.recipe} recipe`), { kind: 'plan', name: 'ValueError' });
  const c = WITH_C.has(state.recipe) ? Number(state.c) : 1;
  const perRowBytes = (BYTES_PER_ROW[state.recipe] ?? 40) * c;
  const maxN = Math.min(Number(state.raceMax) || 1e6, 3e7);

  // The rows that give maxN input elements (a probe of one row says how many elements a row has).
  const probe = { tensors: simd.recipe(state.recipe, { n: 2, c: WITH_C.has(state.recipe) ? c : 3, seed: 1 }), derived: {} };
  const perRow = operands(probe, plan, state).input.numel() / 2;
  for (const t of [...Object.values(probe.tensors), ...Object.values(probe.derived)]) t.dispose();
  let rowsMax = Math.ceil(maxN / perRow);
  const capped = rowsMax * perRowBytes > RACE_BYTES;
  if (capped) rowsMax = Math.floor(RACE_BYTES / perRowBytes);
  const sizes = RACE_SIZES.filter((n) => n >= perRow && n <= rowsMax * perRow);

  progress(job, 'race', 0, { n: rowsMax * perRow });
  const scalar = await scalarReady();
  await checkpoint(job);
  const tensors = simd.recipe(state.recipe, { n: rowsMax, c: WITH_C.has(state.recipe) ? c : 3, seed: 420 });
  const d = { tensors, derived: {} };
  const F = simd.nn.functional[spec.name];
  const SF = scalar.nn.functional[spec.name];
  const js = jsLoss(spec.name);
  const { list } = operands(d, plan, state);
  const reduction = state.reduction === 'sum' ? 'sum' : 'mean';
  const so = lossOptions(simd, spec, state, reduction);
  const sc = lossOptions(scalar, spec, state, reduction);
  const none = lossOptions(simd, spec, state, 'none');
  const jsArrays = js && list.length === 2 ? list.map((t) => {
    const a = t.toArray();
    return a instanceof BigInt64Array ? Int32Array.from(a, (v) => Number(v)) : a;
  }) : null;
  const jo = { ...jsOptions(spec, state), reduction };
  let apiOn = true;
  const views = [];
  try {
    for (const [k, n] of sizes.entries()) {
      const rows = Math.max(1, Math.round(n / perRow));
      const part = list.map((t) => t.narrow(0, 0, rows));
      views.push(...part);
      const point = { n: rows * perRow, rows };
      const one = (f, args, o) => () => {
        const t = f(...args, o);
        const v = t.item();
        t.dispose();
        return v;
      };
      point.simd = (await measure(job, one(F, part, so.opts), 3)).ms;
      if (typeof SF === 'function') {
        const sPart = part.map((t) => copyTo(scalar, t));
        try {
          point.scalar = (await measure(job, one(SF, sPart, sc.opts), 3)).ms;
        } finally {
          for (const t of sPart) t.dispose();
        }
      }
      if (jsArrays) {
        const shapes = part.map((t) => t.shape);
        const xs = jsArrays.map((a, j) => a.subarray(0, part[j].numel()));
        point.js = (await measure(job, () => js(xs[0], shapes[0], xs[1], shapes[1], jo), 3)).ms;
      }
      if (apiOn) {
        // Python's sum(l) over the rows of l: 0 + l[0] + l[1] + …, a tensor op per element.
        const l = F(...part, none.opts);
        const flat = l.reshape([-1]);
        try {
          const sumOneByOne = () => {
            let acc = flat.select(0, 0);
            for (let i = 1; i < flat.shape[0]; i++) {
              const e = flat.select(0, i);
              const next = acc.add(e);
              e.dispose();
              acc.dispose();
              acc = next;
            }
            const v = acc.item();
            acc.dispose();
            return v;
          };
          const m = await measure(job, sumOneByOne, 1);
          point.api = m.ms;
          if (m.ms > API_LIMIT_MS) apiOn = false;
        } finally {
          flat.dispose();
          l.dispose();
        }
      }
      post({ type: 'racePoint', id: job.id, point, index: k, of: sizes.length });
      progress(job, 'race', (k + 1) / sizes.length, { n: point.n });
      await checkpoint(job);
    }
  } finally {
    for (const t of views) t.dispose();
    so.dispose();
    sc.dispose();
    none.dispose();
    for (const t of [...Object.values(tensors), ...Object.values(d.derived)]) t.dispose();
  }
  post({ type: 'raceDone', id: job.id, loss: spec.name, capped, maxN: rowsMax * perRow, perRow });
}
