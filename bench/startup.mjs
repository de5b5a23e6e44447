// Cold start, as a learner meets it: navigation to the first printed result, and the bytes the
// page transferred before it and once it has settled (the timing, the scalar build and the race
// in). Each load is a fresh browser context (nothing cached), headless Debian Chromium, the built
// site served by scripts/serve.mjs (brotli). Not a test: numbers for the README and the notes.
//
//   node bench/startup.mjs [--loads=8] [--hash=recipe=binary&n=3000000&loss=binary_cross_entropy]
//                          [--out=bench/results/startup.json]
import { writeFile } from 'node:fs/promises';
import { start, newPage, gate, NOT_FOR_FIRST_RESULT } from '../tests/e2e/browser.mjs';

const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d;
const loads = Number(arg('loads', 8));
const hash = arg('hash', '');
const out = arg('out', null);

// What the first result does not need (the split build's deferred part, the scalar build, the
// worker's later parts) is held at the server until the result is on screen, so that the bytes
// counted before it are what it needed (a local server would otherwise race those files into
// the count). --hold=0 lets them go at once.
const hold = arg('hold', '1') !== '0';
const quietMs = Number(arg('quiet-ms', hash ? '0' : '2500'));
const env = await start();
const doors = gate(env.server, NOT_FOR_FIRST_RESULT);
if (!hold) doors.release();
const runs = [];
try {
  for (let i = 0; i < loads; i++) {
    const page = await newPage(env, { viewport: { width: 1280, height: 900 } });
    // every request of the page and its workers, with its encoded body and headers
    if (hold) doors.arm();
    const sizes = [];
    page.on('requestfinished', (r) => sizes.push(r.sizes().then((z) => z.responseBodySize + z.responseHeadersSize).catch(() => 0)));
    const wire = async () => (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
    const t0 = Date.now();
    await page.goto(`${env.url}${hash ? `#${hash}` : ''}`, { waitUntil: 'commit' });
    // Nothing is evaluated in the page while it starts (Playwright's first evaluation injects
    // its own script, 30-50 ms of the page's main thread): wait, then read Element Timing's
    // record. --quiet-ms=0 polls from the start instead.
    if (quietMs > 0) await page.waitForTimeout(quietMs);
    await page.waitForFunction(() => {
      const r = document.getElementById('result');
      return r && r.textContent.startsWith('tensor(') && !r.classList.contains('stale');
    }, null, { timeout: 120000, polling: 5 });
    // when the printed result reached the screen (Element Timing on #result), else when it was seen
    const first = await page.evaluate(() => new Promise((resolve) => {
      const seen = performance.now();
      new PerformanceObserver((list) => {
        const e = list.getEntries().find((x) => x.identifier === 'result');
        if (e) resolve(e.renderTime || e.loadTime);
      }).observe({ type: 'element', buffered: true });
      setTimeout(() => resolve(seen), 2000);
    }));
    const wall = Date.now() - t0;
    const before = await wire();
    doors.release();
    await page.waitForFunction(() => document.body.dataset.status === 'done', null, { timeout: 120000 });
    await page.waitForFunction(() => { const b = document.getElementById('race-run'); return !b || !b.disabled; }, null, { timeout: 120000 });
    await page.waitForTimeout(300);
    const settled = await wire();
    runs.push({ firstMs: Math.round(first), wallMs: wall, bytesBefore: before, bytesSettled: settled, result: await page.textContent('#result'),
      data: await page.textContent('#data-meta') });
    await page.close();
  }
} finally {
  await env.close();
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = {
  hash, loads, hold, quietMs,
  firstMs: { min: Math.min(...runs.map((r) => r.firstMs)), median: med(runs.map((r) => r.firstMs)), max: Math.max(...runs.map((r) => r.firstMs)) },
  kibBefore: Math.round(med(runs.map((r) => r.bytesBefore)) / 1024),
  kibSettled: Math.round(med(runs.map((r) => r.bytesSettled)) / 1024),
  dataMeta: runs[0]?.data,
  runs,
};
console.log(JSON.stringify({ ...summary, runs: undefined }, null, 1));
if (out) await writeFile(out, `${JSON.stringify(summary, null, 1)}\n`);
