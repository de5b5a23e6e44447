// scripts/serve.mjs, the static server `npm start` runs: only files below its root, only GET and
// HEAD, errors that name no path, the page's headers on every response, and gzip when accepted.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import path from 'node:path';
import { serve, CSP } from '../../scripts/serve.mjs';

const base = mkdtempSync(path.join(tmpdir(), 'losslab-serve-'));
const root = path.join(base, 'site');
mkdirSync(path.join(root, 'lesson'), { recursive: true });
mkdirSync(path.join(base, 'site2'));
writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>top</title>');
writeFileSync(path.join(root, 'lesson', 'index.html'), '<!doctype html><title>lesson</title>');
writeFileSync(path.join(root, 'app.mjs'), 'export const x = 1;\n'.repeat(200));
writeFileSync(path.join(base, 'site2', 'secret.txt'), 'secret');
writeFileSync(path.join(base, 'secret.txt'), 'secret');
const server = await serve(root);
const { port } = server.address();
test.after(() => server.close());

function get(p, { method = 'GET', headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: p, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('files below the root, with the page\'s headers', async () => {
  const r = await get('/');
  assert.equal(r.status, 200);
  assert.match(r.body.toString(), /<title>top<\/title>/);
  assert.equal(r.headers['content-security-policy'], CSP);
  assert.equal(r.headers['cross-origin-opener-policy'], 'same-origin');
  assert.equal(r.headers['cross-origin-embedder-policy'], 'require-corp');
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.ok(r.headers['referrer-policy']);
  assert.equal((await get('/app.mjs')).headers['content-type'], 'text/javascript');
});

test('a directory without its slash is redirected to it (its page\'s relative URLs then resolve)', async () => {
  const r = await get('/lesson?lang=zh');
  assert.equal(r.status, 301);
  assert.equal(r.headers.location, '/lesson/?lang=zh');
  assert.match((await get('/lesson/')).body.toString(), /<title>lesson<\/title>/);
});

test('nothing outside the root, however the path is spelled, and no path in any answer', async () => {
  for (const p of ['/../secret.txt', '/..%2Fsecret.txt', '/..%2Fsite2/secret.txt', '/%2E%2E/site2/secret.txt',
    '/lesson/..%2F..%2Fsecret.txt', '/%00', '/a%00b', '/%E0%A4%A', `/${'a'.repeat(5000)}`, '/nope.js']) {
    const r = await get(p);
    assert.ok([400, 404, 414].includes(r.status), `${p}: ${r.status}`);
    const text = r.body.toString();
    assert.ok(!text.includes('secret') && !text.includes(base) && !text.includes('/tmp'), `${p}: ${text}`);
    assert.equal(r.headers['content-security-policy'], CSP, p);
    assert.equal(r.headers['x-content-type-options'], 'nosniff', p);
  }
});

test('GET and HEAD only', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'TRACE', 'PATCH']) {
    const r = await get('/index.html', { method });
    assert.equal(r.status, 405, method);
    assert.equal(r.headers.allow, 'GET, HEAD');
    assert.ok(!r.body.toString().includes('<title>'), method);
  }
  const h = await get('/index.html', { method: 'HEAD' });
  assert.equal(h.status, 200);
  assert.equal(h.body.length, 0);
  assert.ok(Number(h.headers['content-length']) > 0);
});

test('brotli, else gzip, when the client accepts it: the same bytes once decoded', async () => {
  const plain = await get('/app.mjs');
  assert.equal(plain.headers['content-encoding'], undefined);
  const z = await get('/app.mjs', { headers: { 'Accept-Encoding': 'gzip, deflate' } });
  assert.equal(z.headers['content-encoding'], 'gzip');
  assert.ok(z.body.length < plain.body.length / 3, `${z.body.length} vs ${plain.body.length}`);
  assert.deepEqual(gunzipSync(z.body), plain.body);
  assert.equal(z.headers.vary, 'Accept-Encoding');
  const br = await get('/app.mjs', { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
  assert.equal(br.headers['content-encoding'], 'br');
  assert.ok(br.body.length < z.body.length, `brotli ${br.body.length} vs gzip ${z.body.length}`);
  assert.deepEqual(brotliDecompressSync(br.body), plain.body);
  assert.equal(Number(br.headers['content-length']), br.body.length);
  // later requests may get the quality-11 body (made off the event loop): still the same bytes
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(brotliDecompressSync((await get('/app.mjs', { headers: { 'Accept-Encoding': 'br' } })).body), plain.body);
});
