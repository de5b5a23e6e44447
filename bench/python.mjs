// npm run bench's Python part (issue 13): in headless Chromium on the built site, Pyodide's start
// (the worker's loadPyodide + losslab + torch import), the first run of the lesson's MSE block
// after it, and the lesson's torch.sum against Python's builtin sum() at N = 3e4 and 3e5 (block
// B with N edited, then the timing block, each run in the page's <losslab-python> session); and
// the same timing block under PyTorch 1.13 (/usr/bin/python3, 1 thread) when it is installed.
// Writes bench/results/python.json and prints a markdown table.
//   node bench/python.mjs [--sizes=3e4,3e5] [--out=bench/results/python.json]
import { writeFileSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { start, newPage } from '../tests/e2e/browser.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const sizes = (args.sizes ?? '3e4,3e5').split(',').map(Number);
const outPath = args.out ?? path.join(root, 'bench', 'results', 'python.json');
const lesson = JSON.parse(readFileSync(path.join(root, 'tests', 'golden', 'lesson.json'), 'utf8'));
const block = (id) => lesson.blocks.find((b) => b.id === id).python;
const withN = (n) => block('bce').replace('N = 3 * pow(10, 6)', `N = ${n}`);
// The timing block as written (time.time(): Date.now's 1 ms steps in the browser) and with
// time.perf_counter() (performance.now), which resolves torch.sum's few milliseconds.
const TIMING = { time: block('timing'), perf_counter: block('timing').replaceAll('time.time()', 'time.perf_counter()') };

const env = await start();
const result = { sizes, chromium: {}, torch: null };
try {
  const page = await newPage(env);
  await page.goto(`${env.url}lesson/`);
  await page.waitForFunction(() => document.querySelectorAll('losslab-python').length === 5);
  const run = (id, code) => page.evaluate(async ([id, code]) => {
    const el = document.getElementById(id);
    if (code !== null) el.code = code;
    const t0 = performance.now();
    const r = await el.run();
    return { stdout: r.stdout, error: r.error?.message ?? null, ms: r.ms, wall: performance.now() - t0 };
  }, [id, code]);
  const first = await run('py-mse', null);
  if (first.error) throw new Error(first.error);
  const status = await page.evaluate(() => document.getElementById('py-mse').shadowRoot.querySelector('.status').textContent);
  const m = /(\d+) ms; ran in (\d+) ms/.exec(status);
  result.chromium.start_ms = m ? Number(m[1]) : null;
  result.chromium.mse_first_run_ms = first.ms;
  result.chromium.mse_first_click_to_output_ms = first.wall;
  const again = await run('py-mse', null);
  result.chromium.mse_second_run_ms = again.ms;
  result.chromium.timing = [];
  for (const n of sizes) {
    const b = await run('py-bce', withN(n));
    if (b.error) throw new Error(b.error);
    for (const [clock, code] of Object.entries(TIMING)) {
      const t = await run('py-timing', code);
      if (t.error) throw new Error(t.error);
      const [torchSum, builtinSum] = t.stdout.trim().split('\n').map(Number);
      result.chromium.timing.push({ n, clock, torch_sum_s: torchSum, builtin_sum_s: builtinSum, ratio: builtinSum / torchSum, bce_block_ms: b.ms });
    }
  }
  await page.close();
} finally {
  await env.close();
}

let torchOk = false;
try {
  execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
  torchOk = true;
} catch { /* no torch */ }
if (torchOk) {
  result.torch = { timing: [] };
  for (const n of sizes) {
    for (const [clock, timing] of Object.entries(TIMING)) {
      const code = `import torch\ntorch.set_num_threads(1)\n${withN(n)}\n${timing}\n`;
      const out = execFileSync('/usr/bin/python3', ['-c', code], { encoding: 'utf8' }).trim().split('\n').slice(-2).map(Number);
      result.torch.timing.push({ n, clock, torch_sum_s: out[0], builtin_sum_s: out[1], ratio: out[1] / out[0] });
    }
  }
}
writeFileSync(outPath, `${JSON.stringify(result, null, 1)}\n`);

const f = (v, d = 3) => (v == null ? '' : Number(v).toPrecision(d));
const lines = [
  '| Python in Chromium (Pyodide 0.27.7 + losslab) | |', '|---|---:|',
  `| Pyodide start (worker, losslab, torch import) | ${f(result.chromium.start_ms)} ms |`,
  `| lesson's MSE block, first run after start | ${f(result.chromium.mse_first_run_ms)} ms |`,
  `| the same block again | ${f(result.chromium.mse_second_run_ms)} ms |`,
  '',
  '| N | clock | torch.sum (losslab, Chromium) | builtin sum() | ratio | torch.sum (PyTorch 1.13) | builtin sum() | ratio |',
  '|---:|---|---:|---:|---:|---:|---:|---:|',
  ...result.chromium.timing.map((c, i) => {
    const t = result.torch?.timing[i];
    return `| ${c.n} | ${c.clock} | ${f(c.torch_sum_s)} s | ${f(c.builtin_sum_s)} s | ${f(c.ratio)}× | ${f(t?.torch_sum_s)} s | ${f(t?.builtin_sum_s)} s | ${t ? `${f(t.ratio)}×` : ''} |`;
  }),
];
console.log(lines.join('\n'));
