// The SIMD + threads build in the browser (issue 15): a cross-origin isolated page (COOP/COEP,
// as scripts/serve.mjs serves the site) gets losslab-simd-threads and the same bits at 1, 2, 3
// and 8 threads as the single-thread SIMD build; a page without isolation falls back to the
// single-thread build. The probe runs the JS API in a module worker (as the playground does),
// from a temporary folder beside the built dist/ (symlinked).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '../../scripts/serve.mjs';
import { start, newPage, SITE } from './browser.mjs';

let env;
let dir;
let isolated;
let plain;

const PROBE_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>threads probe</title>
<link rel="icon" href="data:,"><script type="module" src="probe.mjs"></script></head><body></body></html>`;

// The page: runs the worker with the options in the hash, and puts its answer on window.
const PROBE_MJS = `
const opts = JSON.parse(decodeURIComponent(location.hash.slice(1) || '{}'));
const w = new Worker(new URL('./probe-worker.mjs', import.meta.url), { type: 'module' });
window.probe = new Promise((resolve) => {
  w.onmessage = (e) => resolve(e.data);
  w.onerror = (e) => resolve({ error: e.message || 'worker error' });
});
w.postMessage(opts);
`;

// The worker: the lesson's data and larger workloads, every loss of the race forward (none,
// mean, sum) and backward, hashed bit for bit at each thread count asked for.
const PROBE_WORKER = `
import { createLossLab, threadsSupported } from './dist/losslab.mjs';
function fnv(t) {
  const b = new Uint8Array(t.toArray().buffer.slice(0));
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; ++i) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
  return h.toString(16) + ':' + b.length;
}
self.onmessage = async (e) => {
  try {
    const o = e.data;
    const torch = await createLossLab({ warnings: 'silent', ...(o.threads ? { threads: o.threads } : {}),
      ...(o.threadStart ? { threadStart: o.threadStart } : {}) });
    // threadStart 'background': a count asked for while the pool loads is the one it gets
    if (o.preset) torch.set_num_threads(o.preset);
    await torch.poolReady;
    const afterReady = torch.get_num_threads();
    const F = torch.nn.functional;
    torch.manual_seed(420);
    const N = 300007, R = 100003, C = 3;
    const x = torch.randn([N]), y = torch.randn([N]);
    const p = torch.sigmoid(x), b = torch.rand([N]).gt(0.5).to('float32');
    const logits = torch.randn([R, C]), cls = torch.randint(0, C, [R]);
    const big = torch.randn([3000, 1000]), bigY = torch.randint(0, 1000, [3000]);
    const runs = {};
    for (const t of o.counts) {
      torch.set_num_threads(t);
      const h = { used: torch.get_num_threads() };
      const calls = {
        mse: () => [x, y, (r) => F.mse_loss(x, y, { reduction: r })],
        bce: () => [p, b, (r) => F.binary_cross_entropy(p, b, { reduction: r })],
        bce_logits: () => [x, b, (r) => F.binary_cross_entropy_with_logits(x, b, { reduction: r })],
        ce3: () => [logits, cls, (r) => F.cross_entropy(logits, cls, { reduction: r })],
        ce1000: () => [big, bigY, (r) => F.cross_entropy(big, bigY, { reduction: r })],
      };
      for (const [name, make] of Object.entries(calls)) {
        const [inp, , f] = make();
        for (const r of ['none', 'mean', 'sum']) h[name + ':' + r] = fnv(f(r));
        const xi = inp.detach().requires_grad_(true);
        const l = name === 'mse' ? F.mse_loss(xi, y) : name === 'bce' ? F.binary_cross_entropy(xi, b)
          : name === 'bce_logits' ? F.binary_cross_entropy_with_logits(xi, b)
          : F.cross_entropy(xi, name === 'ce3' ? cls : bigY);
        l.backward();
        h[name + ':grad'] = fnv(xi.grad);
      }
      runs[t] = h;
    }
    postMessage({ flavor: torch.flavor, maxThreads: torch.maxThreads, supported: threadsSupported(), afterReady,
      isolated: self.crossOriginIsolated === true, runs });
  } catch (err) {
    postMessage({ error: String(err && err.stack || err) });
  }
};
`;

before(async () => {
  env = await start();
  dir = await mkdtemp(path.join(tmpdir(), 'losslab-threads-'));
  await symlink(path.join(path.resolve(SITE), 'dist'), path.join(dir, 'dist'));
  await writeFile(path.join(dir, 'index.html'), PROBE_HTML);
  await writeFile(path.join(dir, 'probe.mjs'), PROBE_MJS);
  await writeFile(path.join(dir, 'probe-worker.mjs'), PROBE_WORKER);
  [isolated, plain] = await Promise.all([serve(dir, { port: 0 }), serve(dir, { port: 0, isolate: false })]);
});

after(async () => {
  await env?.close();
  await Promise.all([isolated, plain].filter(Boolean).map((s) => new Promise((r) => s.close(r))));
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function probe(server, opts) {
  const page = await newPage(env);
  try {
    await page.goto(`http://127.0.0.1:${server.address().port}/#${encodeURIComponent(JSON.stringify(opts))}`);
    const r = await page.evaluate(() => window.probe);
    assert.ok(!r.error, r.error);
    assert.deepEqual(page.errors, []);
    return r;
  } finally {
    await page.close();
  }
}

test('cross-origin isolated: the threaded build, the same bits at 1, 2, 3 and 8 threads as the single-thread build', async () => {
  const one = await probe(isolated, { threads: 1, counts: [1] });
  assert.equal(one.flavor, 'simd');
  assert.equal(one.isolated, true);
  const many = await probe(isolated, { threads: 8, counts: [1, 2, 3, 8] });
  assert.equal(many.flavor, 'simd-threads');
  assert.equal(many.supported, true);
  assert.equal(many.maxThreads, 8);
  const ref = { ...one.runs[1] };
  for (const t of [1, 2, 3, 8]) {
    const got = { ...many.runs[t] };
    assert.equal(got.used, t, `get_num_threads() after set_num_threads(${t})`);
    delete got.used;
    delete ref.used;
    assert.deepEqual(got, ref, `${t} threads`);
  }
});

test("threadStart: 'background' (the playground's worker): handed out before the pool has loaded, then the threads asked for, the same bits", async () => {
  const one = await probe(isolated, { threads: 1, counts: [1] });
  const bg = await probe(isolated, { threads: 8, threadStart: 'background', preset: 3, counts: [3, 8] });
  assert.equal(bg.flavor, 'simd-threads');
  assert.equal(bg.afterReady, 3, 'set_num_threads(3) while the pool loaded');
  for (const t of [3, 8]) {
    const got = { ...bg.runs[t] };
    assert.equal(got.used, t);
    delete got.used;
    const ref = { ...one.runs[1] };
    delete ref.used;
    assert.deepEqual(got, ref, `${t} threads`);
  }
});

test('not isolated (no COOP/COEP): the single-thread SIMD build, whatever threads asks for', async () => {
  const r = await probe(plain, { threads: 8, counts: [1, 4] });
  assert.equal(r.isolated, false);
  assert.equal(r.supported, false);
  assert.equal(r.flavor, 'simd');
  assert.equal(r.maxThreads, 1);
  assert.equal(r.runs[4].used, 1, 'set_num_threads caps at the build');
  const a = { ...r.runs[1] }, b = { ...r.runs[4] };
  assert.deepEqual(a, b);
});
