// The worker's error classes (web/worker/errors.mjs): by what an error is, never by its words.
import test from 'node:test';
import assert from 'node:assert/strict';
import { describeError, isAborted, isOom } from '../../web/worker/errors.mjs';
import { createLossLab } from 'losslab';

function pyError(name, message) {
  return Object.assign(new Error(message), { name });
}

test('an error whose message says "Aborted" or "out of memory" is still the loss\'s error', () => {
  for (const msg of ["unknown loss or activation 'aborted'", 'Aborted(OOM)', 'memory access out of bounds',
    'out of memory', 'Cannot enlarge memory arrays']) {
    const e = pyError('ValueError', msg);
    assert.equal(isAborted(e), false, msg);
    assert.equal(isOom(e), false, msg);
    const d = describeError(e);
    assert.equal(d.kind, 'torch', msg);
    assert.equal(d.fatal, false, msg);
    assert.equal(d.message, msg);
  }
});

test('a wasm trap or abort is a crash, and an OOM abort or RangeError is out-of-memory', () => {
  const trap = new WebAssembly.RuntimeError('memory access out of bounds');
  assert.equal(describeError(trap).kind, 'crash');
  assert.equal(describeError(trap).fatal, true);
  assert.equal(describeError(new WebAssembly.RuntimeError('unreachable')).kind, 'crash');
  const oomAbort = new WebAssembly.RuntimeError('Aborted(OOM)');
  assert.equal(describeError(oomAbort).kind, 'oom');
  assert.equal(describeError(oomAbort).fatal, true);
  assert.equal(describeError(new RangeError('out of memory: could not allocate 8 bytes')).kind, 'oom');
});

test('the API\'s own error for an unknown loss named "aborted" is not fatal', async () => {
  const torch = await createLossLab({ warnings: 'silent' });
  const x = torch.tensor([1, 2]);
  let err;
  try { torch.grad('aborted', x, x); } catch (e) { err = e; }
  assert.ok(err, 'grad of an unknown loss throws');
  const d = describeError(err);
  assert.equal(d.fatal, false);
  assert.match(d.message, /aborted/);
  // and the instance keeps working
  assert.equal(torch.nn.functional.mse_loss(x, torch.tensor([0, 0])).item(), 2.5);
});
