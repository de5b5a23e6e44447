// Shared helper for the Chromium tests: serves build/site (scripts/serve.mjs, with its CSP and
// cross-origin isolation) on a free port and launches Debian's /usr/bin/chromium through
// playwright-core (never a downloaded browser). Also: console-error collection, screenshots
// into tests/artifacts/, and small waits for the playground's data-status.
import { chromium } from 'playwright-core';
import { mkdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { serve } from '../../scripts/serve.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SITE = process.env.LOSSLAB_SITE_DIR ?? path.join(ROOT, 'build', 'site');
export const ARTIFACTS = path.join(ROOT, 'tests', 'artifacts');

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Serves the site and launches chromium. Returns {browser, server, url, close()}. */
export async function start() {
  if (!existsSync(path.join(SITE, 'index.html'))) {
    throw new Error(`${SITE}/index.html is missing: run \`npm run build\` (or node scripts/build-site.mjs) first`);
  }
  const server = await serve(SITE, { port: 0 });
  const url = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  await mkdir(ARTIFACTS, { recursive: true });
  return {
    browser,
    server,
    url,
    async close() {
      await browser.close();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * What the playground's first result does not need: the deferred part of the split SIMD build,
 * the scalar build (timing only), the worker's later parts. (tests/e2e/weight.test.mjs,
 * bench/startup.mjs)
 */
export const NOT_FOR_FIRST_RESULT = /\/dist\/losslab-[a-z-]+\.deferred\.wasm$|\/dist\/losslab-scalar\.(mjs|wasm)$|\/worker\/(train|race|touch|timing)\.mjs$|\/lesson\/blocks\.mjs$|\/train_loop\.mjs$|\/jsloops\.mjs$/;

/**
 * Holds the server's answers to paths matching `pattern` until release() (a gate in front of its
 * request handler; the browser's cache works as without it, unlike request interception).
 * Returns {release(), arm(): hold again, held(): how many wait}.
 */
export function gate(server, pattern) {
  const handlers = server.listeners('request');
  server.removeAllListeners('request');
  let holding = true;
  const waiting = [];
  server.on('request', (req, res) => {
    const go = () => { for (const h of handlers) h.call(server, req, res); };
    if (holding && pattern.test(req.url.replace(/[?#].*$/, ''))) waiting.push(go);
    else go();
  });
  return {
    release() {
      holding = false;
      for (const go of waiting.splice(0)) go();
    },
    arm() {
      holding = true;
    },
    held: () => waiting.length,
  };
}

/**
 * A fresh page with console/page errors recorded in page.errors (the CSP or a failed request
 * would show up there). options: {viewport, bypassCSP}.
 */
export async function newPage(env, { viewport = { width: 1280, height: 1000 }, bypassCSP = false, locale } = {}) {
  const context = await env.browser.newContext({ viewport, bypassCSP, ...(locale ? { locale } : {}) });
  const page = await context.newPage();
  page.errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') page.errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => page.errors.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => page.errors.push(`requestfailed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.status() >= 400) page.errors.push(`http ${res.status()}: ${res.url()}`);
  });
  page.setDefaultTimeout(60000);   // the machine may be busy building wasm
  page.on('close', () => context.close().catch(() => {}));
  return page;
}

const FINAL = ['done', 'error', 'cancelled'];

/** Waits until the page has finished its current job (body[data-status] ∈ done|error|cancelled). */
// The timing rows the page shows: SIMD, SIMD × threads where it runs the threaded build (the page
// is cross-origin isolated and the machine has more than one core), scalar, the JS loop.
export async function timingPaths(page, { js = true } = {}) {
  const threaded = await page.evaluate(() => globalThis.crossOriginIsolated === true && navigator.hardwareConcurrency > 1);
  return ['simd', ...(threaded ? ['threads'] : []), 'scalar', ...(js ? ['js'] : [])];
}

export async function settled(page, { timeout = 60000 } = {}) {
  await page.waitForFunction((final) => final.includes(document.body.dataset.status), FINAL, { timeout });
  return page.evaluate(() => document.body.dataset.status);
}

/**
 * Waits for the printed result of the current run (or its error), without waiting for the
 * timings. Returns {result, error, status}.
 */
export async function waitResult(page, { timeout = 60000 } = {}) {
  await page.waitForFunction(() => {
    const s = document.body.dataset.status;
    const r = document.getElementById('result');
    if (s === 'error' || s === 'cancelled') return true;
    return (s === 'busy' || s === 'done') && r.textContent.trim() !== '' && !r.classList.contains('stale');
  }, null, { timeout });
  return {
    result: (await page.textContent('#result')).trim(),
    error: (await page.textContent('#error')).trim(),
    status: await page.evaluate(() => document.body.dataset.status),
  };
}

/** Opens the playground with a hash and waits for the run to finish. */
export async function openHash(env, page, hash, opts) {
  await page.goto(`${env.url}#${hash}`);
  await page.waitForFunction(() => document.body.dataset.status !== 'loading', null, { timeout: 30000 });
  return settled(page, opts);
}

export async function shot(page, name, { fullPage = true } = {}) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage });
}

export async function errorText(page) {
  return (await page.textContent('#error')).trim();
}

export const AXE_SOURCE = () => readFile(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
