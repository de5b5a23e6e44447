// Gradient descent on w as the PyTorch-code panel prints it (web/codegen.mjs) and torch runs it:
//   w = w.clone().requires_grad_(); optimizer = torch.optim.SGD([w], lr=lr)
//   for step in range(steps + 1): zhat = X @ w (sigmoid / log_softmax chain), loss, print,
//     stop after the last print, else zero_grad, backward, step
// on losslab's autograd and optim.SGD (the update is torch's: one fused multiply-add per element).
// Used by the page's worker (web/worker/train.mjs) and by tests/node/train.test.mjs; it imports
// nothing, so both can load it.

/**
 * @param lab a losslab instance
 * @param {{x, w0, target, loss: string, opts: object, chain: 'sigmoid'|'log_softmax'|null,
 *          lr: number, steps: number}} p  (x, w0, target: Tensors of lab; w0 is not changed)
 * @param {{onStep?: (step: number, value: number, loss, zhat, w) => void,
 *          onGrad?: (step: number, grad) => void, between?: () => Promise<void>}} [hooks]
 *   zhat: this step's x @ w, w: the weights the loss was computed at, grad: ∂loss/∂w there
 *   (all valid during the call only)
 * @returns {Promise<{w, losses: number[]}>} w: the trained weights (detached; the caller disposes)
 */
export async function trainLoop(lab, { x, w0, target, loss, opts, chain, lr, steps }, { onStep, onGrad, between } = {}) {
  const F = lab.nn.functional;
  const w = w0.clone().requires_grad_();
  const optimizer = new lab.optim.SGD([w], { lr });
  const losses = [];
  try {
    for (let step = 0; step <= steps; step++) {
      const last = lab.tidy(() => {
        const zhat = lab.mm(x, w);
        const inp = chain === 'sigmoid' ? lab.sigmoid(zhat)
          : chain === 'log_softmax' ? F.log_softmax(zhat, { dim: 1 }) : zhat;
        const l = F[loss](inp, target, opts);
        const value = l.item();
        losses.push(value);
        onStep?.(step, value, l, zhat, w);
        if (step === steps) return true;
        optimizer.zero_grad();
        l.backward();
        onGrad?.(step, w.grad);
        optimizer.step();
        return false;
      });
      if (last) break;
      if (between) await between();
    }
    return { w: w.detach(), losses };
  } finally {
    optimizer.dispose();
    w.dispose();
  }
}
