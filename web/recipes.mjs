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

export const KL_SMOOTH = 0.1;

/**
 * @param {string} recipe
 * @param {{name, inputKind, targets}} spec  a registry entry
 * @param {{inputShape?: number[], targetShape?: number[], targetInteger?: boolean}} [data]  paste only
 * @returns {null | {input: string, target: string, targetKind: 'float'|'index'|'probability',
 *   curve: 'error'|'probability'|'logit'|'margin'|'logprob', chain: 'sigmoid'|'identity'|'log_softmax'|null}}
 */
export function lossPlan(recipe, spec, data = {}) {
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
    return losses.filter((s) => s.targets.includes('float'));
  }
  return ok;
}

/** The plan, falling back to the first float-target layout for paste (PyTorch reports the mismatch). */
export function planOrFallback(recipe, spec, data) {
  const p = lossPlan(recipe, spec, data);
  if (p || recipe !== 'paste') return p;
  const index = spec.targets.includes('index') && !spec.targets.includes('float');
  return { input: 'input', target: 'target', targetKind: index ? 'index' : 'float', curve: 'error', chain: null };
}

export function defaultLossFor(recipe, losses, data, preferred) {
  const ok = validLosses(recipe, losses, data);
  return ok.find((s) => s.name === preferred)?.name ?? ok[0]?.name ?? null;
}

/** Recipes on which gradient descent on w makes sense. */
export const TRAINABLE = new Set(['binary', 'multiclass']);

/** Python expressions for the plan's tensors (codegen). */
export function pythonOf(name, c) {
  switch (name) {
    case 'log_softmax': return 'F.log_softmax(zhat, dim=1)';
    case 'y_long': return 'y.long()';
    case 'q': return `F.one_hot(y.long(), ${c}).float() * ${1 - KL_SMOOTH} + ${KL_SMOOTH} / ${c}`;
    default: return name;
  }
}
