// The cases of tests/golden/codepanel.json: every loss the page's new recipes feed, in each
// reduction, on its recipe, with the Python the PyTorch-code panel prints (web/codegen.mjs).
// Printed as JSON for scripts/gen_codepanel_fixtures.py, which runs each program in torch 1.13;
// tests/node/codepanel.test.mjs re-derives each program from the build's registry entry.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { pythonCode } = await import(pathToFileURL(path.join(root, 'web', 'codegen.mjs')).href);
const { lossPlan } = await import(pathToFileURL(path.join(root, 'web', 'recipes.mjs')).href);

/** Each loss's recipe and sizes. */
export const RECIPE_OF = Object.freeze({
  margin_ranking_loss: { recipe: 'ranking', n: 100 },
  hinge_embedding_loss: { recipe: 'ranking', n: 100 },
  soft_margin_loss: { recipe: 'ranking', n: 100 },
  multilabel_soft_margin_loss: { recipe: 'multilabel', n: 64, c: 5 },
  multi_margin_loss: { recipe: 'multilabel', n: 64, c: 5 },
  multilabel_margin_loss: { recipe: 'multilabel', n: 64, c: 5 },
  cosine_embedding_loss: { recipe: 'embedding', n: 64, c: 8 },
  triplet_margin_loss: { recipe: 'embedding', n: 64, c: 8 },
  triplet_margin_with_distance_loss: { recipe: 'embedding', n: 64, c: 8 },
  poisson_nll_loss: { recipe: 'counts', n: 100 },
  gaussian_nll_loss: { recipe: 'gaussian', n: 100 },
  ctc_loss: { recipe: 'ctc', n: 4, c: 5 },
});

/** The build's registry entry for a loss (dist/registry.json: build first). */
export function specFor(name, registry) {
  const sp = registry?.losses.find((s) => s.name === name);
  if (!sp) throw new Error(registry ? `${name} is not in the registry` : 'no dist/registry.json: build first');
  return sp;
}

export function loadRegistry() {
  const f = path.join(root, 'dist', 'registry.json');
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null;
}

/** state → {plan, code} (null plan: the loss does not fit the recipe). */
export function codeFor(state, sp) {
  const plan = lossPlan(state.recipe, sp, {});
  if (!plan) return { plan: null, code: null };
  return { plan, code: pythonCode({ state, spec: sp, plan }).code };
}

export function cases(registry = loadRegistry()) {
  const out = [];
  for (const [loss, r] of Object.entries(RECIPE_OF)) {
    const sp = specFor(loss, registry);
    for (const reduction of ['mean', 'sum', 'none']) {
      const state = { recipe: r.recipe, n: r.n, c: r.c ?? 3, seed: '420', loss, reduction };
      const { plan, code } = codeFor(state, sp);
      if (!plan) throw new Error(`${loss} does not fit the ${r.recipe} recipe`);
      out.push({ id: `${loss}-${reduction}`, state, operands: plan.operands, code });
    }
  }
  return out;
}

/** Gradient-descent mode: the panel's training loop (autograd + optim.SGD) on the lesson's
 *  binary and multiclass recipes, each loss that trains there. */
export const TRAIN_CASES = Object.freeze([
  { id: 'train-binary-bce', state: { recipe: 'binary', n: 100000, loss: 'binary_cross_entropy', lr: 1, steps: 20 } },
  { id: 'train-binary-bce-logits', state: { recipe: 'binary', n: 3000, loss: 'binary_cross_entropy_with_logits', lr: 0.5, steps: 10 } },
  { id: 'train-multiclass-ce', state: { recipe: 'multiclass', n: 300, c: 3, loss: 'cross_entropy', lr: 0.5, steps: 15 } },
  { id: 'train-multiclass-nll', state: { recipe: 'multiclass', n: 300, c: 3, loss: 'nll_loss', lr: 0.25, steps: 8 } },
]);

export function trainCases(registry = loadRegistry()) {
  return TRAIN_CASES.map(({ id, state: s }) => {
    const state = { c: 3, seed: '420', reduction: 'mean', ...s };
    const sp = specFor(state.loss, registry);
    const plan = lossPlan(state.recipe, sp, {});
    return { id, mode: 'train', state, code: pythonCode({ state, spec: sp, plan, mode: 'train' }).code };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${JSON.stringify([...cases(), ...trainCases()], null, 1)}\n`);
}
