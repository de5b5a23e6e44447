// Drives bench/page/ in one headless Debian Chromium (playwright-core; never a downloaded browser):
// serves the repository root with scripts/serve.mjs (COOP/COEP: cross-origin isolated, precise
// performance.now()), waits for the page, runs window.runBench and writes its JSON.
//   node bench/run-browser.mjs --sizes=3e6 --reps=7 --out=build/bench/browser.json
//        [--workloads=mse,ce3] [--contenders=losslab-simd,tfjs-wasm] [--clock=cpu|wall]
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve, CSP } from '../scripts/serve.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, def) => {
  const a = process.argv.find((s) => s.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : def;
};
const list = (s) => (s ? s.split(',').filter(Boolean) : undefined);
const cfg = {
  sizes: arg('sizes', '3e6').split(',').map(Number),
  reps: Number(arg('reps', '7')),
  workloads: list(arg('workloads')),
  contenders: list(arg('contenders')),
  clock: arg('clock', 'cpu'),  // 'cpu' (main-thread CPU time, robust on a busy host) or 'wall'
};
const out = path.resolve(arg('out', path.join(root, 'build/bench/browser.json')));

// The page's CSP, plus blob: scripts: TF.js's threaded wasm starts its workers from blob: URLs.
const server = await serve(root, { headers: { 'Content-Security-Policy': CSP.replace("script-src 'self'", "script-src 'self' blob:") } });
const url = `http://127.0.0.1:${server.address().port}/bench/page/index.html`;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = false;
try {
  const page = await browser.newPage();
  // The page's CPU clock: main-thread CPU time (ThreadTime) from the DevTools protocol.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  await page.exposeFunction('__threadTimeMs', async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return metrics.find((m) => m.name === 'ThreadTime').value * 1e3;
  });
  page.on('console', (m) => {
    const t = m.text();
    if (t.startsWith('[bench] ')) console.error(t.slice(8));
    else if (m.type() === 'error') console.error(`page console: ${t}`);
  });
  page.on('pageerror', (e) => { failed = true; console.error(`page error: ${e.message}`); });
  await page.goto(url);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60_000 });
  const res = await page.evaluate((c) => window.runBench(c), cfg);
  res.env.chromium = browser.version();
  res.env.url = url;
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify(res, null, 1));
} finally {
  await browser.close();
  server.close();
}
if (failed) process.exitCode = 1;
