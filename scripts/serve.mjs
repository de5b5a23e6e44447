// A dependency-free static server for build/site with the headers the page is designed for:
// a CSP without 'unsafe-eval' or 'unsafe-inline', cross-origin isolation (precise timers),
// correct MIME types, and CORS so the widget can be embedded from another origin.
// It serves files below its root and nothing else: GET and HEAD only (405 otherwise), paths that
// leave the root (also through encoded separators), contain NUL or do not decode are refused
// without naming any path, a directory without its trailing slash is redirected to it, and text
// and wasm go out compressed (brotli, else gzip) when the client accepts it.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync, brotliCompressSync, constants as zlib } from 'node:zlib';
import path from 'node:path';

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ts': 'text/plain', '.txt': 'text/plain',
  '.zip': 'application/zip',
};
const COMPRESS = new Set(['.html', '.js', '.mjs', '.css', '.wasm', '.json', '.svg', '.ts', '.txt']);
const MAX_PATH = 2048;
export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
  "style-src 'self'; img-src 'self' data: blob:; worker-src 'self' blob:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors *";
// On every response, errors included.
const COMMON = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
};

class HttpError extends Error {
  constructor(status, text, extra = {}) {
    super(text);
    this.status = status;
    this.extra = extra;
  }
}

// The file a request path names below root, or an HttpError (never echoing a path).
function resolvePath(root, pathname) {
  if (pathname.length > MAX_PATH) throw new HttpError(414, 'URI too long');
  let rel;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    throw new HttpError(400, 'bad request');
  }
  if (rel.includes('\0')) throw new HttpError(400, 'bad request');
  const file = path.resolve(root, `.${path.posix.sep}${rel}`);
  const inside = path.relative(root, file);
  if (inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) {
    throw new HttpError(404, 'not found');
  }
  return file;
}

// Compressed bodies, made once per file version: a brotli file the site build wrote beside it
// (name.br, quality 11) when it is as new as the file, else brotli at quality 5 (40 ms for the
// 1.6 MB wasm) or gzip, made on the first request and kept.
const cache = new Map();   // path → {version, gzip, br}
async function compressed(file, st, body, enc) {
  const version = `${st.mtimeMs}:${st.size}`;
  let c = cache.get(file);
  if (!c || c.version !== version) {
    c = { version, gzip: null, br: null };
    cache.set(file, c);
  }
  if (enc === 'gzip') return (c.gzip ??= gzipSync(body, { level: 9 }));
  if (!c.br) {
    try {
      const pre = await stat(`${file}.br`);
      if (pre.mtimeMs >= st.mtimeMs) c.br = await readFile(`${file}.br`);
    } catch {
      // none: compress here
    }
    c.br ??= brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } });
  }
  return c.br;
}

export function serve(dir, { port = 0, host = '127.0.0.1', headers = {}, isolate = true } = {}) {
  const root = path.resolve(dir);
  const server = createServer(async (req, res) => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new HttpError(405, 'method not allowed', { Allow: 'GET, HEAD' });
      }
      const url = new URL(req.url, 'http://x');
      let file = resolvePath(root, url.pathname);
      let st;
      try {
        st = await stat(file);
      } catch {
        throw new HttpError(404, 'not found');
      }
      if (st.isDirectory()) {
        if (!url.pathname.endsWith('/')) {
          throw new HttpError(301, 'moved', { Location: `${url.pathname}/${url.search}` });
        }
        file = path.join(file, 'index.html');
      }
      let body;
      try {
        body = await readFile(file);
      } catch {
        throw new HttpError(404, 'not found');
      }
      const ext = path.extname(file);
      const h = {
        ...COMMON,
        'Content-Type': MIME[ext] ?? 'application/octet-stream',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
        'Cross-Origin-Resource-Policy': 'cross-origin',
        'Access-Control-Allow-Origin': '*',
        'Cache-Control': 'no-cache',
        Vary: 'Accept-Encoding',
        ...headers,
      };
      // isolate: false serves the page without cross-origin isolation (no COOP/COEP), as a host
      // page that did not opt in would: no SharedArrayBuffer, so the single-thread builds run
      if (!isolate) {
        delete h['Cross-Origin-Opener-Policy'];
        delete h['Cross-Origin-Embedder-Policy'];
      }
      const accept = req.headers['accept-encoding'] ?? '';
      const enc = !COMPRESS.has(ext) ? null : /\bbr\b/.test(accept) ? 'br' : /\bgzip\b/.test(accept) ? 'gzip' : null;
      // no-cache + an ETag: a second fetch of a file (the worker imports modules the page has
      // already, a reload) is a 304 without a body
      const fst = st.isDirectory() ? await stat(file) : st;
      h.ETag = `"${fst.size.toString(36)}-${Math.floor(fst.mtimeMs).toString(36)}-${enc ?? 'id'}"`;
      if (req.headers['if-none-match'] === h.ETag) {
        const { 'Content-Type': _type, ...notModified } = h;
        res.writeHead(304, notModified);
        res.end();
        return;
      }
      if (enc) {
        body = await compressed(file, st, body, enc);
        h['Content-Encoding'] = enc;
      }
      h['Content-Length'] = body.length;
      res.writeHead(200, h);
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 500;
      const text = e instanceof HttpError ? e.message : 'internal error';
      res.writeHead(status, { ...COMMON, 'Content-Type': 'text/plain; charset=utf-8', ...(e.extra ?? {}) });
      res.end(req.method === 'HEAD' ? undefined : text);
    }
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const dir = process.argv[2] ?? path.join(root, 'build', 'site');
  const port = Number(process.env.PORT ?? process.argv[3] ?? 8080);
  const server = await serve(dir, { port });
  console.log(`losslab playground: http://localhost:${server.address().port}/`);
}
