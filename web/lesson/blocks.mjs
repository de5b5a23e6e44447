// The lesson's code blocks, translated line for line into losslab's JS API. Each block is a
// function run(torch, print, env): `torch` is a losslab instance, `print` receives what the
// lesson prints (tensors print as torch 1.13 does), `env` holds what earlier blocks defined (the
// lesson runs in one Python session). The lesson page shows each function's own source text
// (blockSource), so the code on the page is the code that runs; tests/node/lesson_blocks.test.mjs
// runs the same functions against the lesson's Python as torch 1.13.1 runs it
// (tests/golden/lesson.json, scripts/gen_lesson_fixtures.py).

/** The lesson's blocks, in its order; `python` names the page's <pre> (or holds the text). */
export const BLOCKS = [
  {
    id: 'mse',
    run(torch, print) {
      const { MSELoss } = torch.nn;

      torch.random.manual_seed(420);
      const yhat = torch.randn([50, 1], { dtype: 'float32' });
      const y = torch.randn([50, 1], { dtype: 'float32' });

      let criterion = new MSELoss();               // reduction='mean'
      let loss = criterion(yhat, y);
      print(loss);                                 // tensor(2.4869)

      criterion = new MSELoss({ reduction: 'sum' });
      loss = criterion(yhat, y);
      print(loss);                                 // tensor(124.3458)
    },
  },
  {
    id: 'bce',
    run(torch, print) {
      const N = 3 * 10 ** 6;
      torch.random.manual_seed(420);
      const x = torch.rand([N, 4], { dtype: 'float32' });
      const w = torch.rand([4, 1], { dtype: 'float32' });
      const y = torch.randint(0, 2, [N, 1], { dtype: 'float32' });
      const zhat = torch.mm(x, w);
      const sigma = torch.sigmoid(zhat);

      // -(1 / N) * torch.sum(y * torch.log(sigma) + (1 - y) * torch.log(1 - sigma))
      const loss = torch.mul(-(1 / N), torch.sum(
        y.mul(torch.log(sigma)).add(y.rsub(1).mul(torch.log(sigma.rsub(1))))));
      print(loss);
      return { N, x, w, y, zhat, sigma };
    },
  },
  {
    id: 'bce-modules',
    run(torch, print, { y, zhat, sigma }) {
      // y, zhat, sigma: from the block above (the lesson runs in one session)
      const nn = torch.nn;
      const criterion = new nn.BCELoss();          // probabilities: sigma
      let loss = criterion(sigma, y);
      print(loss);                                 // tensor(0.8685)

      const criterion2 = new nn.BCEWithLogitsLoss();   // logits: zhat (the sigmoid is inside)
      loss = criterion2(zhat, y);
      print(loss);                                 // tensor(0.8685)
    },
  },
  {
    id: 'timing',
    run(torch, print, { N, y, sigma }) {
      // N, y, sigma: from the binary cross-entropy block above
      let start = performance.now();
      const L1 = torch.mul(-(1 / N), torch.sum(
        y.mul(torch.log(sigma)).add(y.rsub(1).mul(torch.log(sigma.rsub(1))))));
      print((performance.now() - start) / 1000);   // torch.sum: vectorised

      start = performance.now();
      // Python's built-in sum(): one step per row (0 + row 0, then + each row), each a call
      const terms = y.mul(torch.log(sigma)).add(y.rsub(1).mul(torch.log(sigma.rsub(1))));
      let acc = null;
      for (let i = 0; i < terms.shape[0]; i++) {
        acc = torch.tidy(() => (acc === null ? terms.select(0, i).add(0) : acc.add(terms.select(0, i))));
      }
      const L2 = torch.mul(-(1 / N), acc);
      print((performance.now() - start) / 1000);   // sum(): a loop over the rows
      return { L1, L2 };
    },
  },
  {
    id: 'bce-grad',
    python: `import torch

N = 3 * pow(10, 3)
torch.random.manual_seed(420)
X = torch.rand((N, 4), dtype=torch.float32)
w = torch.rand((4, 1), dtype=torch.float32, requires_grad=True)
y = torch.randint(low=0, high=2, size=(N, 1), dtype=torch.float32)
zhat = torch.mm(X, w)
sigma = torch.sigmoid(zhat)
loss = (-1 / N) * torch.sum(y * torch.log(sigma) + (1 - y) * torch.log(1 - sigma))
print(loss)
loss.backward()
print(w.grad)`,
    run(torch, print) {
      const N = 3 * 10 ** 3;
      torch.random.manual_seed(420);
      const X = torch.rand([N, 4], { dtype: 'float32' });
      const w = torch.rand([4, 1], { dtype: 'float32', requires_grad: true });
      const y = torch.randint(0, 2, [N, 1], { dtype: 'float32' });
      const zhat = torch.mm(X, w);
      const sigma = torch.sigmoid(zhat);
      const loss = torch.mul(-1 / N, torch.sum(
        y.mul(torch.log(sigma)).add(y.rsub(1).mul(torch.log(sigma.rsub(1))))));
      print(loss);                                 // tensor(0.7962, grad_fn=<MulBackward0>)
      loss.backward();
      print(w.grad);
    },
  },
  {
    id: 'ce',
    run(torch, print) {
      const nn = torch.nn;

      const N = 3 * 10 ** 2;
      torch.random.manual_seed(420);
      const X = torch.rand([N, 4], { dtype: 'float32' });
      const w = torch.rand([4, 3], { dtype: 'float32', requires_grad: true });
      const y = torch.randint(0, 3, [N], { dtype: 'float32' });
      const zhat = torch.mm(X, w);

      const logsm = new nn.LogSoftmax({ dim: 1 });
      const logsigma = logsm(zhat);
      let criterion = new nn.NLLLoss();
      print(criterion(logsigma, y.long()));        // tensor(1.1591, grad_fn=<NllLossBackward0>)

      criterion = new nn.CrossEntropyLoss();
      print(criterion(zhat, y.long()));            // tensor(1.1591, grad_fn=<NllLossBackward0>)
    },
  },
];

/** The source of a block's body, as the page shows it (dedented, without the wrapper). */
export function blockSource(block) {
  const src = block.run.toString();
  const body = src.slice(src.indexOf(') {') + 3, src.lastIndexOf('}'));   // after the parameters
  const lines = body.split('\n');
  while (lines.length && !lines[0].trim()) lines.shift();
  while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)[0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/**
 * Runs the blocks in order (one session), collecting what each prints; `only` limits which run
 * (their dependencies still do). print() formats as Python's print: tensors as torch, numbers
 * as Python floats.
 */
export function runBlocks(torch, { only } = {}) {
  const out = {};
  let env = {};
  for (const b of BLOCKS) {
    if (only && !only.includes(b.id) && !needed(b.id, only)) continue;
    const lines = [];
    const print = (...xs) => lines.push(xs.map(pyStr).join(' '));
    const made = b.run(torch, print, env);
    if (made) env = { ...env, ...made };
    out[b.id] = lines;
  }
  return { out, env };
}

// bce-modules and timing use what bce made.
function needed(id, only) {
  return id === 'bce' && only.some((o) => o === 'bce-modules' || o === 'timing');
}

function pyStr(x) {
  if (typeof x === 'number') return Number.isInteger(x) ? `${x}.0` : String(x);
  return String(x);
}
