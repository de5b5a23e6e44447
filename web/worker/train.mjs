// Gradient descent on w (the binary and multiclass recipes): the loss, its gradient through the
// chain (sigmoid or log_softmax) and x^T, and a float32 step, posting each step's loss.

import { TRAINABLE, planOrFallback } from '../recipes.mjs';
import { simd, post, checkpoint, findSpec } from './session.mjs';
import { getData, operands, lossOptions, logSoftmax } from './data.mjs';

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
  const xT = (d.derived.xT ??= x.t());
  const [k, C] = T.w.shape;
  let w = T.w.toArray();
  const lr = Math.fround(state.lr);
  const steps = state.steps;
  const reduction = state.reduction === 'none' ? 'mean' : state.reduction;
  const F = simd.nn.functional[spec.name];
  const o = lossOptions(simd, spec, state, reduction);
  const losses = [];
  const live = [];
  const dispose = () => { for (const t of live.splice(0)) t.dispose(); };
  let target = plan.target === 'q' ? operands(d, plan, state).target : T[plan.target];
  const t0 = performance.now();
  try {
    for (let step = 0; step <= steps; step++) {
      const wt = simd.tensor(w, { shape: [k, C], dtype: 'float32' });
      live.push(wt);
      const z = simd.mm(x, wt);
      live.push(z);
      let inp = z;
      if (plan.chain === 'sigmoid') live.push((inp = simd.sigmoid(z)));
      else if (plan.chain === 'log_softmax') live.push((inp = logSoftmax(simd, z)));
      const l = F(inp, target, o.opts);
      live.push(l);
      const value = l.item();
      losses.push(value);
      post({ type: 'step', id: job.id, step, loss: value, print: l.toString() });
      if (step === steps) {
        post({ type: 'trained', id: job.id, w: wt.toString(), losses, reduction, ms: performance.now() - t0 });
        break;
      }
      // dL/dinput → dL/dz (chain rule) → dL/dw = x^T dL/dz; then w -= lr * dL/dw (float32).
      const g = simd.grad(spec.name, inp, target, o.opts);
      live.push(g);
      let gz = g;
      if (plan.chain === 'sigmoid') {
        const ga = g.toArray();
        const sa = inp.toArray();
        for (let i = 0; i < ga.length; i++) ga[i] = Math.fround(Math.fround(ga[i] * Math.fround(1 - sa[i])) * sa[i]);
        live.push((gz = simd.tensor(ga, { shape: g.shape, dtype: 'float32' })));
      } else if (plan.chain === 'log_softmax') {
        if (simd.registry.activations.some((a) => a.name === 'log_softmax')) {
          live.push((gz = simd.grad('log_softmax', z, null, { dim: 1 }, g)));
        } else {
          const ga = g.toArray();
          const oa = inp.toArray();
          const [rows, cc] = g.shape;
          for (let i = 0; i < rows; i++) {
            let s = 0;
            for (let c = 0; c < cc; c++) s = Math.fround(s + ga[i * cc + c]);
            for (let c = 0; c < cc; c++) ga[i * cc + c] = Math.fround(ga[i * cc + c] - Math.fround(Math.fround(Math.exp(oa[i * cc + c])) * s));
          }
          live.push((gz = simd.tensor(ga, { shape: g.shape, dtype: 'float32' })));
        }
      }
      const gw = simd.mm(xT, gz);
      live.push(gw);
      const ga = gw.toArray();
      const next = new Float32Array(w.length);
      for (let i = 0; i < w.length; i++) next[i] = Math.fround(w[i] - Math.fround(lr * ga[i]));
      w = next;
      dispose();
      await checkpoint(job);
    }
  } finally {
    dispose();
    o.dispose();
  }
}
