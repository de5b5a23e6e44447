// Splits the site's SIMD wasm builds in two with Binaryen's wasm-split, guided by a profile of
// the playground's default page: the primary part holds every function the page's worker calls
// until it posts the first loss (the first result), the deferred part
// (losslab-<flavour>.deferred.wasm) everything else, loaded while that result is painted (the JS
// API's loadDeferred; a deferred function called earlier loads it synchronously).
//
// The profile comes from running the page in headless Chromium with the instrumented module
// Emscripten writes beside the build (wasm/CMakeLists.txt, -sSPLIT_MODULE) in place of the plain
// one, then reading the instrumented module's record from the worker (__write_profile). The
// result is cached by the plain module's hash (build/split-cache/), so an unchanged build is not
// profiled again. dist/ keeps the whole modules (Node and the npm package load those).
//
// Used by build-site.mjs: await splitSite(siteDir). Standalone: node scripts/split-wasm.mjs [site]
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import path from 'node:path';
import os from 'node:os';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FEATURES = ['--enable-simd', '--enable-bulk-memory', '--enable-mutable-globals', '--enable-sign-ext',
  '--enable-nontrapping-float-to-int'];
// flavour → the build directory scripts/build.sh makes for it, and what the profile run needs
const FLAVOURS = [
  { flavor: 'simd', build: 'build/wasm-simd', isolate: false, features: [] },
  // the page runs the threaded build only when cross-origin isolated on a machine with 2+ cores
  { flavor: 'simd-threads', build: 'build/wasm-threads', isolate: true, features: ['--enable-threads'] },
];

const sha = (buf) => createHash('sha256').update(buf).digest('hex').slice(0, 16);

/** Profiles the default page with the instrumented module served in place of the plain one. */
async function profile(site, { flavor, isolate }, instrumented) {
  const { chromium } = await import('playwright-core');
  const { serve } = await import('./serve.mjs');
  const server = await serve(site, { port: 0, isolate });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const served = (body, contentType) => (r) => r.fulfill({ body, contentType,
      headers: { 'Cross-Origin-Resource-Policy': 'cross-origin' } });
    await page.route(`**/dist/losslab-${flavor}.wasm`, served(await readFile(instrumented), 'application/wasm'));
    // The record is taken when the worker posts the first loss (the page's first result): the
    // worker's session.mjs is served with its post() wrapped to do that.
    const session = (await readFile(path.join(site, 'worker', 'session.mjs'), 'utf8'))
      .replace('export const post = (m) => self.postMessage(m);', `export const post = (m) => {
  if (m?.type === 'loss' && !globalThis.__firstProfile) {
    const M = simd._M;
    const n = 1 << 20;
    const p = M._malloc(n);
    const len = M.asm.__write_profile(p, n);
    globalThis.__firstProfile = { flavor: simd.flavor, bytes: Array.from(M.HEAPU8.subarray(p, p + len)) };
    M._free(p);
  }
  self.postMessage(m);
};`);
    if (!session.includes('__firstProfile')) throw new Error('worker/session.mjs has no post() to wrap');
    await page.route('**/worker/session.mjs', served(session, 'text/javascript'));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => document.getElementById('result')?.textContent.startsWith('tensor('), null, { timeout: 120000 });
    const worker = page.workers().find((w) => new URL(w.url()).pathname === '/worker.mjs');
    if (!worker) throw new Error('the compute worker is not running');
    const got = await worker.evaluate(() => globalThis.__firstProfile ?? { flavor: null, bytes: null });
    if (got.flavor !== flavor) throw new Error(`the page ran the ${got.flavor} build, not ${flavor}`);
    if (!got.bytes) throw new Error('the page did not run the instrumented module');
    return Buffer.from(got.bytes);
  } finally {
    await browser.close();
    await new Promise((r) => server.close(r));
  }
}

/** Splits site/dist/losslab-{simd,simd-threads}.wasm in place; returns a line per flavour. */
export async function splitSite(site) {
  const lines = [];
  for (const f of FLAVOURS) {
    const plain = path.join(site, 'dist', `losslab-${f.flavor}.wasm`);
    const instrumented = path.join(root, f.build, `losslab-${f.flavor}.instrumented.wasm`);
    if (!existsSync(plain)) continue;
    try {
      if (!existsSync(instrumented)) throw new Error(`${path.relative(root, instrumented)} is missing`);
      if (f.isolate && os.availableParallelism() < 2) throw new Error('one core: the page would not run the threaded build');
      const whole = await readFile(plain);
      const cache = path.join(root, 'build', 'split-cache', `${f.flavor}-${sha(whole)}`);
      const primary = path.join(cache, 'primary.wasm');
      const deferred = path.join(cache, 'deferred.wasm');
      if (!existsSync(deferred)) {
        await mkdir(cache, { recursive: true });
        const prof = path.join(cache, 'page.prof');
        let bytes;
        for (let attempt = 1; !bytes; attempt++) {   // a second try if the browser run failed
          try {
            bytes = await profile(site, f, instrumented);
          } catch (e) {
            if (attempt >= 2) throw e;
          }
        }
        await writeFile(prof, bytes);
        // (wasm-split refuses a profile of another module: the instrumented and the plain
        // module come from the same link)
        await run('wasm-split', [...FEATURES, ...f.features, plain, `--profile=${prof}`, '--export-prefix=%',
          '-o1', primary, '-o2', deferred]);
      }
      await copyFile(primary, plain);
      await copyFile(deferred, path.join(site, 'dist', `losslab-${f.flavor}.deferred.wasm`));
      const [a, b] = [(await stat(primary)).size, (await stat(deferred)).size];
      lines.push(`split ${f.flavor}: ${a} + ${b} bytes (whole ${whole.length})`);
    } catch (e) {
      // the page works with the whole module: say why it was not split
      lines.push(`split ${f.flavor}: not split (${String(e.message ?? e).split('\n')[0]})`);
    }
  }
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const site = path.resolve(process.argv[2] ?? path.join(root, 'build', 'site'));
  for (const l of await splitSite(site)) console.log(l);
}
