// The exact PyTorch 1.13 Python that reproduces what the page shows: the seeded recipe (the
// lesson's own lines) or the pasted values, the loss call with its options, the gradient with
// respect to the input, and (in gradient-descent mode) the training loop.

import { pythonOf, NEW_RECIPES, gradOperand } from './recipes.mjs';
import { pythonLiteral } from './parse.mjs';

export const INLINE_LIMIT = 20000;   // pasted values written inline; beyond that, read from files

function pyFloat(v) {
  if (Number.isNaN(v)) return "float('nan')";
  if (v === Infinity) return "float('inf')";
  if (v === -Infinity) return "float('-inf')";
  const s = String(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

function pyTensor(list) {
  return `torch.tensor([${list.map(pyFloat).join(', ')}])`;
}

/** Keyword arguments for the options that differ from the loss's defaults. */
export function pythonOptions(spec, state) {
  const args = [];
  for (const opt of spec.options) {
    const v = state[opt.name];
    if (v === undefined || v === null) continue;
    if (opt.kind === 'tensor') args.push(`${opt.name}=${pyTensor(v)}`);
    else if (opt.kind === 'bool') { if (!!v !== !!opt.default) args.push(`${opt.name}=${v ? 'True' : 'False'}`); }
    else if (opt.kind === 'callable' || opt.kind === 'dtype') continue;
    else if (Number(v) !== opt.default) args.push(`${opt.name}=${opt.kind === 'int' ? String(v) : pyFloat(v)}`);
  }
  if (!spec.reductions || spec.reductions.length) args.push(`reduction='${state.reduction}'`);
  return args.join(', ');
}

function recipeLines(state) {
  const L = [];
  L.push(`torch.manual_seed(${state.seed})`);
  if (state.recipe === 'regression') {
    L.push(`N = ${state.n}`, 'yhat = torch.randn([N, 1])', 'y = torch.randn([N, 1])');
  } else if (state.recipe === 'binary') {
    L.push(`N = ${state.n}`, 'x = torch.rand([N, 4])', 'w = torch.rand([4, 1])',
      'y = torch.randint(0, 2, [N, 1], dtype=torch.float32)', 'zhat = torch.mm(x, w)',
      'sigma = torch.sigmoid(zhat)');
  } else if (state.recipe === 'multiclass') {
    L.push(`N = ${state.n}`, `X = torch.rand([N, 4])`, `w = torch.rand([4, ${state.c}])`,
      `y = torch.randint(0, ${state.c}, [N], dtype=torch.float32)`, 'zhat = torch.mm(X, w)');
  } else if (state.recipe === 'ranking') {
    L.push(`N = ${state.n}`, 'x1 = torch.randn([N])', 'x2 = torch.randn([N])',
      'y = torch.randint(0, 2, [N], dtype=torch.float32) * 2 - 1');
  } else if (state.recipe === 'embedding') {
    L.push(`N, D = ${state.n}, ${state.c}`, 'x1 = torch.randn([N, D])', 'x2 = torch.randn([N, D])',
      'x3 = torch.randn([N, D])', 'y = torch.randint(0, 2, [N], dtype=torch.float32) * 2 - 1');
  } else if (state.recipe === 'counts') {
    L.push(`N = ${state.n}`, 'log_rate = torch.randn([N])', 'k = torch.randint(0, 8, [N], dtype=torch.float32)');
  } else if (state.recipe === 'gaussian') {
    L.push(`N = ${state.n}`, 'mu = torch.randn([N])', 'y = torch.randn([N])', 'var = torch.rand([N]) + 0.1');
  } else if (state.recipe === 'multilabel') {
    L.push(`N, C = ${state.n}, ${state.c}`, 'z = torch.randn([N, C])',
      'y = torch.randint(0, 2, [N, C], dtype=torch.float32)', 'y_class = torch.randint(0, C, [N])',
      '# the classes of each row with y == 1, ascending, then -1 (multilabel_margin_loss)',
      'y_list = torch.where(y.bool(), torch.arange(C), C).sort(dim=1).values',
      'y_list[y_list == C] = -1');
  } else if (state.recipe === 'ctc') {
    L.push(`T, N, C, S = 30, ${state.n}, ${state.c}, 10`, 'log_probs = torch.randn([T, N, C]).log_softmax(2)',
      'targets = torch.randint(1, C, [N, S])', 'input_lengths = torch.full([N], T, dtype=torch.long)',
      'target_lengths = torch.randint(1, S + 1, [N])');
  }
  return L;
}

function pasteLines(pasted, plan) {
  const L = [];
  const index = plan.targetKind === 'index';
  const big = !pasted || pasted.input.values.length + pasted.target.values.length > INLINE_LIMIT;
  if (big) {
    L.push('import re', '', '', 'def load(path):',
      "    rows = [[float(v) for v in re.split(r'[,;\\s]+', line.strip()) if v]",
      "            for line in open(path) if line.strip() and not line.lstrip().startswith('#')]",
      '    return rows if len(rows) > 1 and len(rows[0]) > 1 else [v for row in rows for v in row]',
      '', '',
      "yhat = torch.tensor(load('input.txt'), dtype=torch.float32)",
      `y = torch.tensor(load('target.txt'), dtype=${index ? 'torch.long' : 'torch.float32'})`);
    return { lines: L, big };
  }
  L.push(`yhat = torch.tensor(${pythonLiteral(pasted.input.values, pasted.input.shape)}, dtype=torch.float32)`);
  L.push(`y = torch.tensor(${pythonLiteral(pasted.target.values, pasted.target.shape, { integer: index })}, dtype=${index ? 'torch.long' : 'torch.float32'})`);
  return { lines: L, big };
}

function operandNames(recipe, plan, state) {
  if (recipe === 'paste') return { input: 'yhat', target: 'y', pre: [] };
  const pre = [];
  let target = pythonOf(plan.target, state.c);
  if (plan.target === 'q') {
    pre.push(`q = ${target}`);
    if (state.log_target) pre.push('q = q.log()');
    target = 'q';
  }
  return { input: pythonOf(plan.input, state.c), target, pre };
}

/**
 * @param {{state, spec, plan, pasted?: {input: {values, shape}, target: {values, shape}},
 *          print?: string, mode?: 'loss'|'train'}} a
 * @returns {{code: string, big: boolean}}
 */
export function pythonCode({ state, spec, plan, pasted = null, print = null, mode = 'loss' }) {
  const L = ['import torch', 'import torch.nn.functional as F', ''];
  let big = false;
  if (state.recipe === 'paste') {
    const p = pasteLines(pasted, plan);
    big = p.big;
    L.push(...p.lines);
  } else {
    L.push(...recipeLines(state));
  }
  const args = pythonOptions(spec, state);
  const comment = print && !print.includes('\n') ? `  # ${print}` : '';
  if (NEW_RECIPES[state.recipe]) {
    // Every operand from the recipe, in torch's order; the gradient w.r.t. the first differentiable one.
    const ops = plan.operands.map((n) => pythonOf(n, state.c));
    const g = gradOperand(spec);
    const withInp = ops.map((o, i) => (i === g ? 'inp' : o));
    const opName = spec.operands?.[g]?.name ?? 'input';
    L.push('', `loss = F.${spec.name}(${[...ops, args].join(', ')})`, `print(loss)${comment}`, '',
      `# the gradient with respect to ${opName}`,
      `inp = ${ops[g]}.detach().requires_grad_()`,
      `loss = F.${spec.name}(${[...withInp, args].join(', ')})`,
      state.reduction === 'none' ? 'loss.backward(torch.ones_like(loss))' : 'loss.backward()',
      'print(inp.grad[:5])');
    return { code: `${L.join('\n')}\n`, big };
  }
  const { input, target, pre } = operandNames(state.recipe, plan, state);
  L.push(...pre, '');
  L.push(`loss = F.${spec.name}(${input}, ${target}, ${args})`, `print(loss)${comment}`, '',
    '# the gradient with respect to the input',
    `inp = ${input}.detach().requires_grad_()`,
    `loss = F.${spec.name}(inp, ${target}, ${args})`,
    state.reduction === 'none' ? 'loss.backward(torch.ones_like(loss))' : 'loss.backward()',
    'print(inp.grad[:5])');
  if (mode === 'train' && (state.recipe === 'binary' || state.recipe === 'multiclass')) {
    const reduction = state.reduction === 'none' ? 'mean' : state.reduction;
    const trainArgs = args.replace(/reduction='[a-z]+'/, `reduction='${reduction}'`);
    const xName = state.recipe === 'binary' ? 'x' : 'X';
    L.push('', '# gradient descent on w', 'w = w.clone().requires_grad_()',
      `optimizer = torch.optim.SGD([w], lr=${pyFloat(state.lr)})`,
      `for step in range(${state.steps + 1}):`,
      `    zhat = torch.mm(${xName}, w)`);
    if (plan.chain === 'sigmoid') L.push('    sigma = torch.sigmoid(zhat)');
    L.push(`    loss = F.${spec.name}(${input}, ${target}, ${trainArgs})`,
      "    print(step, f'{loss.item():.4f}')",
      `    if step == ${state.steps}:`, '        break',
      '    optimizer.zero_grad()', '    loss.backward()', '    optimizer.step()', 'print(w.detach())');
  }
  return { code: `${L.join('\n')}\n`, big };
}
