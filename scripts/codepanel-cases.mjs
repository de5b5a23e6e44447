// The cases of tests/golden/codepanel.json: every loss the page's new recipes feed, in each
// reduction, on its recipe, with the Python the PyTorch-code panel prints (web/codegen.mjs).
// Printed as JSON for scripts/gen_codepanel_fixtures.py, which runs each program in torch 1.13.
// A loss the build's registry does not have yet is described by PENDING (the operands, targets
// and inputKind the core is expected to register); tests/node/codepanel.test.mjs re-derives the
// code from the real registry entry once it is there.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { pythonCode } = await import(pathToFileURL(path.join(root, 'web', 'codegen.mjs')).href);
const { lossPlan } = await import(pathToFileURL(path.join(root, 'web', 'recipes.mjs')).href);

const F32 = ['floating'];
const INT = ['integer', 'list'];
const op = (name, role, dtypes, differentiable) => ({ name, role, dtypes, differentiable });
const pair = (a = 'input1', b = 'input2') => [op(a, 'input', F32, true), op(b, 'input', F32, true)];
const spec = (name, operands, targets, inputKind, options = []) => ({
  name, kind: 'loss', operands, targets, inputKind, options, reductions: ['none', 'mean', 'sum'], pending: true,
});
const fo = (name, def) => ({ name, kind: 'float', default: def });
const bo = (name, def) => ({ name, kind: 'bool', default: def });

/** The 12 losses as the core is expected to register them (until it does). */
export const PENDING = Object.freeze([
  spec('margin_ranking_loss', [...pair(), op('target', 'target', F32, false)], ['sign'], 'any', [fo('margin', 0)]),
  spec('hinge_embedding_loss', [op('input', 'input', F32, true), op('target', 'target', F32, false)], ['sign'], 'any', [fo('margin', 1)]),
  spec('soft_margin_loss', [op('input', 'input', F32, true), op('target', 'target', F32, false)], ['sign'], 'any'),
  spec('multilabel_soft_margin_loss', [op('input', 'input', F32, true), op('target', 'target', F32, false)], ['multilabel'], 'logit',
    [{ name: 'weight', kind: 'tensor', default: null }]),
  spec('multi_margin_loss', [op('input', 'input', F32, true), op('target', 'target', ['integer'], false)], ['index'], 'logit',
    [{ name: 'p', kind: 'int', default: 1 }, fo('margin', 1), { name: 'weight', kind: 'tensor', default: null }]),
  spec('multilabel_margin_loss', [op('input', 'input', F32, true), op('target', 'target', ['integer'], false)], ['multilabel'], 'logit'),
  spec('cosine_embedding_loss', [...pair(), op('target', 'target', F32, false)], ['sign'], 'embedding', [fo('margin', 0)]),
  spec('triplet_margin_loss', [op('anchor', 'input', F32, true), op('positive', 'input', F32, true), op('negative', 'input', F32, true)],
    [], 'embedding', [fo('margin', 1), fo('p', 2), fo('eps', 1e-6), bo('swap', false)]),
  spec('triplet_margin_with_distance_loss', [op('anchor', 'input', F32, true), op('positive', 'input', F32, true), op('negative', 'input', F32, true)],
    [], 'embedding', [{ name: 'distance_function', kind: 'callable', default: null }, fo('margin', 1), bo('swap', false)]),
  spec('poisson_nll_loss', [op('input', 'input', F32, true), op('target', 'target', F32, false)], ['float'], 'log-rate',
    [bo('log_input', true), bo('full', false), fo('eps', 1e-8)]),
  spec('gaussian_nll_loss', [op('input', 'input', F32, true), op('target', 'target', F32, false), op('var', 'extra', F32, true)], ['float'], 'any',
    [bo('full', false), fo('eps', 1e-6)]),
  spec('ctc_loss', [op('log_probs', 'input', F32, true), op('targets', 'target', INT, false), op('input_lengths', 'extra', INT, false),
    op('target_lengths', 'extra', INT, false)], ['sequence'], 'log-probability', [{ name: 'blank', kind: 'int', default: 0 }, bo('zero_infinity', false)]),
]);

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

/** The registry entry for a loss: the build's, else PENDING's. */
export function specFor(name, registry) {
  return registry?.losses.find((s) => s.name === name) ?? PENDING.find((s) => s.name === name);
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
      out.push({ id: `${loss}-${reduction}`, state, operands: plan.operands, code, pending: !!sp.pending });
    }
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${JSON.stringify(cases(), null, 1)}\n`);
}
