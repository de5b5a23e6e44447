// "Touch the loss": which losses the playground overlays for the current data, over which axis,
// and how a dragged prediction moves. Pure (no DOM, no wasm): the page (app.mjs), the worker
// (worker/touch.mjs) and the Node tests import it.
//
// A family is one x axis every member can be drawn over, one element (or one row) at a time:
//   error   x = the prediction ŷ against a target y     mse_loss, l1_loss, huber_loss, smooth_l1_loss
//   logit   x = the logit z, target y ∈ {0, 1}          binary_cross_entropy on sigmoid(z),
//                                                       binary_cross_entropy_with_logits on z
//   margin  x = the logit margin m of a row [m, 0, …, 0] whose class is 0 (C classes)
//                                                       cross_entropy, nll_loss on log_softmax,
//                                                       multi_margin_loss
// The loss on the page is always drawn when its family is shown; the lesson's pair (MSE / L1 /
// Huber, BCE vs BCE-with-logits, cross-entropy vs the multi-class hinge) is drawn beside it.

export const FAMILIES = Object.freeze({
  error: Object.freeze({
    losses: Object.freeze(['mse_loss', 'l1_loss', 'huber_loss', 'smooth_l1_loss']),
    on: Object.freeze(['mse_loss', 'l1_loss', 'huber_loss']),
    halves: Object.freeze([1, 3, 10, 100]), half: 3, x: 1.5, target: 0,
  }),
  logit: Object.freeze({
    losses: Object.freeze(['binary_cross_entropy', 'binary_cross_entropy_with_logits']),
    on: Object.freeze(['binary_cross_entropy', 'binary_cross_entropy_with_logits']),
    halves: Object.freeze([5, 10, 30, 120]), half: 10, x: -2, target: 1,
  }),
  margin: Object.freeze({
    losses: Object.freeze(['cross_entropy', 'nll_loss', 'multi_margin_loss']),
    on: Object.freeze(['cross_entropy', 'multi_margin_loss']),
    halves: Object.freeze([2, 5, 20, 100]), half: 5, x: 1, target: 0,
  }),
});

/** How each member is fed from the family's x: the chain between x and the loss's input. */
export const CHAIN = Object.freeze({
  binary_cross_entropy: 'sigmoid',
  nll_loss: 'log_softmax',
});

/**
 * The family for a loss plan (recipes.mjs lossPlan), or null (no one-element view: ranking,
 * embedding, counts, … and kl_div's log-probabilities).
 * @param {{curve: string|null}|null} plan
 * @param {string} loss  the page's loss
 */
export function familyOf(plan, loss) {
  if (!plan) return null;
  for (const [name, f] of Object.entries(FAMILIES)) if (f.losses.includes(loss)) return name;
  if (plan.curve === 'error') return 'error';
  return null;
}

/** The losses drawn at first: the family's lesson set, with the page's loss first. */
export function defaultOverlay(family, loss, available = null) {
  const f = FAMILIES[family];
  const ok = (n) => !available || available.includes(n);
  const list = [loss, ...f.on.filter((n) => n !== loss)].filter(ok);
  return [...new Set(list)];
}

/** The members offered as checkboxes: the family's losses, with the page's loss if it is not one. */
export function members(family, loss, available = null) {
  const f = FAMILIES[family];
  const list = f.losses.includes(loss) ? [...f.losses] : [loss, ...f.losses];
  return available ? list.filter((n) => available.includes(n)) : list;
}

/** K + 1 points of the x axis: K evenly over [centre − half, centre + half]. */
export function axis(centre, half, K = 201) {
  const xs = new Float32Array(K);
  for (let i = 0; i < K; i++) xs[i] = centre - half + (2 * half * i) / (K - 1);
  return xs;
}

/** The centre of the x axis: the target for error losses (the loss is zero there), else 0. */
export const centreOf = (family, target) => (family === 'error' ? Number(target) || 0 : 0);

/** A key press on the prediction's slider → the new x (null: not a slider key). */
export function keyStep(key, x, lo, hi) {
  const span = hi - lo;
  const small = span / 100;
  const big = span / 10;
  let v;
  if (key === 'ArrowRight' || key === 'ArrowUp') v = x + small;
  else if (key === 'ArrowLeft' || key === 'ArrowDown') v = x - small;
  else if (key === 'PageUp') v = x + big;
  else if (key === 'PageDown') v = x - big;
  else if (key === 'Home') v = lo;
  else if (key === 'End') v = hi;
  else return null;
  return Math.min(hi, Math.max(lo, Number(v.toPrecision(6))));
}

/**
 * The regression targets with outliers: every k-th row (k = round(1 / fraction)), starting at the
 * first, moved by +size. Returns the new array and how many rows moved.
 * @param {Float32Array} y
 */
export function withOutliers(y, fraction, size) {
  const out = Float32Array.from(y);
  if (!(fraction > 0)) return { y: out, moved: 0 };
  const k = Math.max(1, Math.round(1 / fraction));
  let moved = 0;
  for (let i = 0; i < out.length; i += k) {
    out[i] += size;
    moved++;
  }
  return { y: out, moved };
}

/** The live sliders beside option fields: [min, max, step] (the text field still takes any value). */
export const SLIDERS = Object.freeze({
  delta: Object.freeze([0.05, 5, 0.05]),
  beta: Object.freeze([0, 5, 0.05]),
  label_smoothing: Object.freeze([0, 1, 0.01]),
  margin: Object.freeze([-2, 5, 0.05]),
  lr: Object.freeze([0.01, 5, 0.01]),
});
