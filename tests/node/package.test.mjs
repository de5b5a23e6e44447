// The package as users get it: `npm pack`, installed into an empty folder, runs the lesson from
// there in Node; a TypeScript consumer type-checks against the installed dist/losslab.d.ts
// (tsc --noEmit --strict); and the README's JS examples run as written, their commented results
// checked.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

let consumer;   // the empty folder the tarball is installed into
test('npm pack: the tarball holds dist/ and installs into an empty folder', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'losslab-pack-'));
  const out = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], ROOT));
  const files = out[0].files.map((f) => f.path);
  for (const f of ['package.json', 'dist/losslab.mjs', 'dist/losslab.d.ts', 'dist/losslab-simd.wasm', 'dist/losslab-scalar.wasm',
    'dist/registry.mjs', 'dist/python.mjs', 'dist/python.d.ts']) assert.ok(files.includes(f), `${f} in the tarball`);
  assert.ok(!files.some((f) => /^(core|web|tests|build)\//.test(f)), 'only the package, not the sources');
  consumer = path.join(dir, 'app');
  mkdirSync(consumer);
  writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', path.join(dir, out[0].filename)], consumer);
  assert.ok(existsSync(path.join(consumer, 'node_modules', 'losslab', 'dist', 'losslab-simd.wasm')));
});

test('the installed package runs the lesson in Node', () => {
  assert.ok(consumer, 'installed by the test before');
  writeFileSync(path.join(consumer, 'lesson.mjs'), `
import { createLossLab } from 'losslab';
const torch = await createLossLab({ warnings: 'silent' });
const F = torch.nn.functional;
torch.manual_seed(420);
const yhat = torch.randn([50, 1]), y = torch.randn([50, 1]);
const out = [F.mse_loss(yhat, y).toString(), F.mse_loss(yhat, y, { reduction: 'sum' }).toString()];
const b = torch.recipe('binary', { n: 3000000, seed: 420 });
out.push(F.binary_cross_entropy(b.sigma, b.y).toString(), F.binary_cross_entropy_with_logits(b.zhat, b.y).toString());
const m = torch.recipe('multiclass', { n: 300, c: 3, seed: 420 });
out.push(F.cross_entropy(m.zhat, m.y_long).toString(), F.nll_loss(F.log_softmax(m.zhat, { dim: 1 }), m.y_long).toString());
console.log(JSON.stringify([torch.flavor, ...out]));
`);
  const [flavor, ...printed] = JSON.parse(execFileSync(process.execPath, ['lesson.mjs'], { cwd: consumer, encoding: 'utf8' }));
  assert.equal(flavor, 'simd');
  assert.deepEqual(printed, ['tensor(2.4869)', 'tensor(124.3458)', 'tensor(0.8685)', 'tensor(0.8685)', 'tensor(1.1591)', 'tensor(1.1591)']);
});

test('tsc --noEmit --strict: a TypeScript consumer type-checks against the installed dist/losslab.d.ts', () => {
  assert.ok(consumer, 'installed by the test before');
  writeFileSync(path.join(consumer, 'consumer.ts'), `
import { createLossLab, type Tensor, type DType } from 'losslab';
const torch = await createLossLab({ simd: false });
const F = torch.nn.functional;
const x: Tensor = torch.randn([4, 3]);
const y: Tensor = torch.tensor([0, 2, 1, 1], { dtype: 'int64' });
const loss: Tensor = F.cross_entropy(x, y, { label_smoothing: 0.1, reduction: 'mean' });
const v: number | boolean = loss.item();
const d: DType = loss.dtype;
const shape: number[] = x.shape;
const g = torch.grad('cross_entropy', [x, y], {});
const crit = new torch.nn.MSELoss({ reduction: 'sum' });
const l2: Tensor = crit(x, torch.zeros([4, 3]));
console.log(v, d, shape, g.length, String(l2));
`);
  // a consumer that misuses the API must fail: the check can fail
  writeFileSync(path.join(consumer, 'wrong.ts'), `
import { createLossLab } from 'losslab';
const torch = await createLossLab();
const n: string = torch.randn([2]).numel();
`);
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', 'false'];
  const run = (file) => {
    try {
      execFileSync(process.execPath, [tsc, ...args, file], { cwd: consumer, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return '';
    } catch (e) {
      return `${e.stdout}${e.stderr}`.trim() || 'failed';
    }
  };
  assert.equal(run('consumer.ts'), '');
  assert.match(run('wrong.ts'), /TS2322: Type 'number' is not assignable to type 'string'/);
});

// ---- the README's JS examples ------------------------------------------------------------------

// ```js blocks of the README, with their line; each runs as a module inside the package (so that
// `import … from 'losslab'` resolves to this build). A statement with a comment that quotes a
// value (`F.mse_loss(yhat, y).toString();   // 'tensor(2.4869)'`) is checked against it, and so is
// a variable a comment quotes (`// stdout: 'tensor(124.3458)\n'`).
function readmeBlocks() {
  const lines = readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```js') continue;
    const start = i + 1;
    let j = start;
    while (lines[j].trim() !== '```') j++;
    blocks.push({ line: start + 1, code: lines.slice(start, j) });
    i = j;
  }
  return blocks;
}

function checked(code) {
  return code.map((l) => {
    const m = /^(\s*)(.+?);\s*\/\/\s*'([^']*)'\s*$/.exec(l);
    if (!m || /^(const|let|var|import)\b/.test(m[2])) return l;
    return `${m[1]}__check(${m[2]}, ${JSON.stringify(m[3])}, ${JSON.stringify(m[2])});`;
  });
}

const blocks = readmeBlocks();
const EXAMPLES_DIR = path.join(ROOT, 'build', 'readme-examples');
test('README: its JS examples run, and their quoted results are what they print', async (t) => {
  assert.ok(blocks.length >= 3, 'the README has its examples');
  rmSync(EXAMPLES_DIR, { recursive: true, force: true });
  mkdirSync(EXAMPLES_DIR, { recursive: true });
  let checks = 0;
  for (const b of blocks) {
    const text = b.code.join('\n');
    const browserOnly = /\bdocument\.|\bwindow\./.test(text);
    await t.test(`README.md line ${b.line}`, { skip: browserOnly ? 'browser code (the widget tests run it in Chromium)' : false }, async () => {
      const prelude = [
        'const __checks = [];',
        "const __check = (v, want, expr) => { const got = String(v); if (got !== want) throw new Error(`${expr}: ${got}, the README says ${want}`); __checks.push(expr); };",
      ];
      // a block that goes on from the first one (uses its torch) gets the first block's set-up
      if (!/\bcreateLossLab\b|\bcreatePython\b/.test(text) && /\btorch\b/.test(text)) {
        prelude.unshift("import { createLossLab } from 'losslab';");
        prelude.push('const torch = await createLossLab();', 'const F = torch.nn.functional;');
      }
      const file = path.join(EXAMPLES_DIR, `line${b.line}.mjs`);
      // `// name: 'value'` after a statement: the variable's value, checked once the block ran
      const after = [];
      for (const l of b.code) {
        const m = /\/\/\s*(\w+): '((?:[^'\\]|\\.)*)'/.exec(l);
        if (m) after.push(`__check(${m[1]}, ${JSON.stringify(JSON.parse(`"${m[2]}"`))}, ${JSON.stringify(m[1])});`);
      }
      writeFileSync(file, [...prelude, ...checked(b.code), ...after, 'console.log(JSON.stringify(__checks));'].join('\n'));
      const out = execFileSync(process.execPath, [file], { cwd: ROOT, encoding: 'utf8', timeout: 120000 });
      checks += JSON.parse(out.trim().split('\n').pop()).length;
    });
  }
  assert.ok(checks >= 3, `${checks} quoted results checked`);
});
