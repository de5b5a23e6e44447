// Gradient descent on w (the binary and multiclass recipes) with autograd and optim.SGD
// (web/train_loop.mjs: the loop the PyTorch-code panel prints), posting each step's loss.

import { TRAINABLE, planOrFallback } from '../recipes.mjs';
import { simd, post, checkpoint, findSpec } from './session.mjs';
import { getData, operands, lossOptions } from './data.mjs';
import { trainLoop } from '../train_loop.mjs';

// The share of rows the current w classifies right: argmax of x @ w against the class (multiclass;
// the class of a probability target is its argmax), or x @ w > 0 against y > 0.5 (binary).
function accuracy(zhat, target) {
  try {
    const n = zhat.shape[0];
    if (zhat.ndim === 2 && zhat.shape[1] > 1) {
      const truth = target.dtype === 'int64' ? target : target.argmax(1);
      return zhat.argmax(1).eq(truth).sum().item() / n;
    }
    const y = target.numel() === zhat.numel() && target.shape.join() !== zhat.shape.join() ? target.reshape(zhat.shape) : target;
    return zhat.gt(0).eq(y.gt(0.5)).sum().item() / n;
  } catch {
    return null;   // inside the step's tidy scope: nothing to free
  }
}

export async function train(job) {
  const state = job.state;
  const spec = findSpec(state.loss);
  if (!TRAINABLE.has(state.recipe)) {
    throw Object.assign(new Error('gradient descent needs the binary or the multiclass recipe'), { kind: 'plan', name: 'ValueError' });
  }
  const d = await getData(job, spec);
  const plan = planOrFallback(d.recipe, spec, {});
  if (!plan) throw Object.assign(new Error(`${spec.name} does not apply to the ${d.recipe} recipe`), { kind: 'plan', name: 'ValueError' });
  const T = d.tensors;
  const x = T.x ?? T.X;
  const reduction = state.reduction === 'none' ? 'mean' : state.reduction;
  const o = lossOptions(simd, spec, state, reduction);
  const target = plan.target === 'q' ? operands(d, plan, state).target : T[plan.target];
  const t0 = performance.now();
  try {
    const { w, losses } = await trainLoop(simd, {
      x, w0: T.w, target, loss: spec.name, opts: o.opts, chain: plan.chain, lr: state.lr, steps: state.steps,
    }, {
      onStep: (step, value, l, zhat) => post({ type: 'step', id: job.id, step, loss: value, print: l.toString(),
        accuracy: accuracy(zhat, target) }),
      between: () => checkpoint(job),
    });
    post({ type: 'trained', id: job.id, w: w.toString(), losses, reduction, ms: performance.now() - t0 });
    w.dispose();
  } finally {
    o.dispose();
  }
}
