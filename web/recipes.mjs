// How the lesson's data feeds each registry loss: which tensor is the input, which the target,
// and which losses make sense for a recipe. Derived from the registry's inputKind / targets, so
// a loss added to the registry shows up here without touching this file.
//
//   regression  yhat = randn(N,1), y = randn(N,1)          float target, any input   → (yhat, y)
//   binary      x, w, y ∈ {0,1} (N,1), zhat = x@w, sigma  probability input → sigma, logit → zhat
//   multiclass  X, w, y (N,), zhat = X@w (N,C)            index target    → (zhat | log_softmax(zhat), y.long())
//               kl_div (log-probability input, float target) → (log_softmax(zhat), q)
//               with q = one_hot(y.long(), C)·0.9 + 0.1/C  (a smoothed one-hot)
//   paste       your input and target, as parsed
// The recipes of the other losses (core/include/losslab/recipes.hpp), matched by the registry's
// operands (roles, dtypes), targets and inputKind; plan.operands names one recipe tensor per
// operand, in torch's positional order:
//   ranking     x1, x2 = randn(N), y = ±1      sign target, ≤ 2 inputs      → (x1[, x2], y)
//   embedding   x1, x2, x3 = randn(N, D), y    embedding inputs: sign target → (x1, x2, y);
//                                              no target (triplets)         → (x1, x2, x3)
//   counts      log_rate = randn(N), k counts  float target, any / log-rate input → (log_rate, k)
//   gaussian    mu, y = randn(N), var          input, target, a floating extra → (mu, y, var)
//   multilabel  z = randn(N, C), y ∈ {0,1}^(N,C), y_class (N,), y_list (N, C) padded with -1
//               multilabel target: floating → (z, y), integer → (z, y_list); index → (z, y_class)
//   ctc         log_probs (T, N, C), targets, input_lengths, target_lengths   sequence target

export const KL_SMOOTH = 0.1;

/**
 * @param {string} recipe
 * @param {{name, inputKind, targets}} spec  a registry entry
 * @param {{inputShape?: number[], targetShape?: number[], targetInteger?: boolean}} [data]  paste only
 * @returns {null | {input: string, target: string, targetKind: 'float'|'index'|'probability',
 *   curve: 'error'|'probability'|'logit'|'margin'|'logprob', chain: 'sigmoid'|'identity'|'log_softmax'|null}}
 */
export function lossPlan(recipe, spec, data = {}) {
  if (spec.kind && spec.kind !== 'loss') return null;   // distances (F only) are not on the menu
  const p = NEW_RECIPES[recipe] ? newPlan(recipe, spec) : twoOperandPlan(recipe, spec, data);
  if (p && !p.operands) p.operands = [p.input, p.target];
  return p;
}

const roles = (spec) => spec.operands ?? [{ role: 'input' }, { role: 'target' }];
const EMBEDDING_KIND = /embed|vector|distance/;
const NOT_FOR_COUNTS = new Set(['probability', 'logit', 'log-probability']);

/** The recipes of the other losses: which tensor feeds which operand (see the top). */
export const NEW_RECIPES = Object.freeze({
  ranking: true, embedding: true, counts: true, gaussian: true, multilabel: true, ctc: true,
});

function newPlan(recipe, spec) {
  const t = new Set(spec.targets);
  const ops = roles(spec);
  const k = spec.inputKind ?? 'any';
  const inputs = ops.filter((o) => o.role === 'input');
  const targets = ops.filter((o) => o.role === 'target');
  const extras = ops.filter((o) => o.role === 'extra');
  const target = targets[0];
  const make = (names, targetKind) => ({ operands: names, input: names[0],
    target: target ? names[ops.indexOf(target)] : null, targetKind, curve: null, chain: null });
  // Fill the operands in order from per-role pools; null when a pool runs dry.
  const fill = (pools) => {
    const used = {};
    const names = [];
    for (const o of ops) {
      const pool = pools[o.role] ?? [];
      const i = used[o.role] ?? 0;
      if (i >= pool.length) return null;
      names.push(pool[i]);
      used[o.role] = i + 1;
    }
    return names;
  };
  const floating = (o) => !o.dtypes || o.dtypes.includes('floating');
  switch (recipe) {
    case 'ranking':
      if (!t.has('sign') || EMBEDDING_KIND.test(k) || extras.length || inputs.length > 2) return null;
      return withNames(fill({ input: ['x1', 'x2'], target: ['y'] }), make, 'sign');
    case 'embedding':
      if (t.has('sign') && EMBEDDING_KIND.test(k)) return withNames(fill({ input: ['x1', 'x2'], target: ['y'] }), make, 'sign');
      if (!target && ops.length >= 2 && ops.every(floating)) {
        return withNames(fill({ input: ['x1', 'x2', 'x3'], extra: ['x2', 'x3'].slice(inputs.length - 1) }), make, null);
      }
      return null;
    case 'counts':
      if (!t.has('float') || ops.length !== 2 || NOT_FOR_COUNTS.has(k) || !target) return null;
      return withNames(fill({ input: ['log_rate'], target: ['k'] }), make, 'float');
    case 'gaussian':
      if (!t.has('float') || ops.length !== 3 || inputs.length !== 1 || extras.length !== 1 || !extras.every(floating)) return null;
      return withNames(fill({ input: ['mu'], target: ['y'], extra: ['var'] }), make, 'float');
    case 'multilabel':
      if (ops.length !== 2 || !target) return null;
      if (t.has('multilabel')) {
        return withNames(fill({ input: ['z'], target: [floating(target) ? 'y' : 'y_list'] }), make, 'multilabel');
      }
      if (t.has('index') && (k === 'logit' || k === 'any')) return withNames(fill({ input: ['z'], target: ['y_class'] }), make, 'index');
      return null;
    case 'ctc':
      if (!t.has('sequence')) return null;
      return withNames(fill({ input: ['log_probs'], target: ['targets'], extra: ['input_lengths', 'target_lengths'] }), make, 'sequence');
    default:
      return null;
  }
}

function withNames(names, make, targetKind) {
  return names ? make(names, targetKind) : null;
}

/** Index of the operand the gradient is shown for: the first differentiable one. */
export function gradOperand(spec) {
  const i = roles(spec).findIndex((o) => o.differentiable !== false);
  return i < 0 ? 0 : i;
}

function twoOperandPlan(recipe, spec, data) {
  if (roles(spec).length !== 2) return null;
  const t = new Set(spec.targets);
  const k = spec.inputKind;
  if (recipe === 'regression') {
    if (t.has('float') && k === 'any') return { input: 'yhat', target: 'y', targetKind: 'float', curve: 'error', chain: null };
    return null;
  }
  if (recipe === 'binary') {
    if (!t.has('float')) return null;
    if (k === 'probability' || k === 'any') {
      return { input: 'sigma', target: 'y', targetKind: 'float', curve: k === 'any' ? 'error' : 'probability', chain: 'sigmoid' };
    }
    if (k === 'logit') return { input: 'zhat', target: 'y', targetKind: 'float', curve: 'logit', chain: 'identity' };
    return null;
  }
  if (recipe === 'multiclass') {
    if (t.has('index')) {
      if (k === 'log-probability') return { input: 'log_softmax', target: 'y_long', targetKind: 'index', curve: 'margin', chain: 'log_softmax' };
      if (k === 'logit' || k === 'any') return { input: 'zhat', target: 'y_long', targetKind: 'index', curve: 'margin', chain: 'identity' };
      return null;
    }
    if (k === 'log-probability' && (t.has('float') || t.has('probability'))) {
      return { input: 'log_softmax', target: 'q', targetKind: 'probability', curve: 'margin', chain: 'log_softmax' };
    }
    return null;
  }
  if (recipe === 'paste') {
    const same = sameShape(data.inputShape, data.targetShape);
    const indexShape = data.inputShape && data.targetShape && data.inputShape.length >= 2 &&
      sameShape(data.targetShape, [data.inputShape[0], ...data.inputShape.slice(2)]);
    if (t.has('index') && indexShape && data.targetInteger !== false) {
      return { input: 'input', target: 'target', targetKind: 'index', curve: 'margin', chain: null };
    }
    if ((t.has('float') || t.has('probability')) && (same || !data.inputShape)) {
      const curve = k === 'probability' ? 'probability' : k === 'logit' ? 'logit'
        : k === 'log-probability' ? 'logprob' : t.has('index') ? 'margin' : 'error';
      return { input: 'input', target: 'target', targetKind: t.has('float') ? 'float' : 'probability', curve, chain: null };
    }
    return null;
  }
  return null;
}

function sameShape(a, b) {
  return !!a && !!b && a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Registry losses that make sense for the recipe (for paste: for the parsed shapes). */
export function validLosses(recipe, losses, data) {
  const ok = losses.filter((s) => lossPlan(recipe, s, data));
  if (ok.length === 0 && recipe === 'paste') {
    // Shapes that fit no loss: offer the float-target losses so PyTorch's own message explains.
    return losses.filter((s) => s.targets.includes('float') && (s.kind ?? 'loss') === 'loss' && roles(s).length === 2);
  }
  return ok;
}

/** The plan, falling back to the first float-target layout for paste (PyTorch reports the mismatch). */
export function planOrFallback(recipe, spec, data) {
  const p = lossPlan(recipe, spec, data);
  if (p || recipe !== 'paste') return p;
  const index = spec.targets.includes('index') && !spec.targets.includes('float');
  return { input: 'input', target: 'target', operands: ['input', 'target'], targetKind: index ? 'index' : 'float', curve: 'error', chain: null };
}

// Pasted numbers with class indices are, unless said otherwise, logits: cross_entropy (nll_loss
// would read them as log-probabilities and print a negative "loss").
const PASTE_ORDER = ['cross_entropy', 'mse_loss'];

export function defaultLossFor(recipe, losses, data, preferred) {
  const ok = validLosses(recipe, losses, data);
  for (const name of [preferred, ...(recipe === 'paste' ? PASTE_ORDER : [])]) {
    const hit = ok.find((s) => s.name === name);
    if (hit) return hit.name;
  }
  return ok[0]?.name ?? null;
}

/** Recipes on which gradient descent on w makes sense. */
export const TRAINABLE = new Set(['binary', 'multiclass']);

/** Recipes whose data have a second size, `c` (classes, or the embedding dimension D). */
export const WITH_C = Object.freeze(new Set(['multiclass', 'embedding', 'multilabel', 'ctc']));

/** Python expressions for the plan's tensors (codegen). */
export function pythonOf(name, c) {
  switch (name) {
    case 'log_softmax': return 'F.log_softmax(zhat, dim=1)';
    case 'y_long': return 'y.long()';
    case 'q': return `F.one_hot(y.long(), ${c}).float() * ${1 - KL_SMOOTH} + ${KL_SMOOTH} / ${c}`;
    default: return name;
  }
}
