// Assembles the static site (build/site): the page and widget from web/, the built module
// from dist/. Any static host can serve the folder (set .wasm to application/wasm).
import { cp, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const site = process.env.LOSSLAB_SITE_DIR ? path.resolve(process.env.LOSSLAB_SITE_DIR) : path.join(root, 'build', 'site');
await rm(site, { recursive: true, force: true });
await mkdir(site, { recursive: true });
await cp(path.join(root, 'web'), site, { recursive: true });
await cp(path.join(root, 'dist'), path.join(site, 'dist'), { recursive: true });
// Pyodide's core files, from the npm package, served by the site itself (the Python worker loads
// them on the first Run only).
const pyodide = path.join(root, 'node_modules', 'pyodide');
await mkdir(path.join(site, 'pyodide'));
for (const f of ['pyodide.mjs', 'pyodide.asm.js', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json']) {
  await cp(path.join(pyodide, f), path.join(site, 'pyodide', f));
}
// Brotli at quality 11 beside the page's larger files (name.br), which scripts/serve.mjs sends to
// browsers that accept br (the SIMD wasm: 1.6 MB, gzip 470 KB, brotli 330 KB). Static hosts can
// serve the same files. Pyodide's (loaded on the first Run only) are compressed by the server.
const { brotliCompress, constants: Z } = await import('node:zlib');
const { promisify } = await import('node:util');
const { readdir, readFile, writeFile } = await import('node:fs/promises');
const br = promisify(brotliCompress);
const files = [];
for (const dirent of await readdir(site, { recursive: true, withFileTypes: true })) {
  const f = path.join(dirent.parentPath ?? dirent.path, dirent.name);
  if (dirent.isFile() && /\.(wasm|mjs|js|css|html|json)$/.test(f) && !f.includes(`${path.sep}pyodide${path.sep}`)) files.push(f);
}
await Promise.all(files.map(async (f) => {
  const body = await readFile(f);
  if (body.length < 8192) return;
  await writeFile(`${f}.br`, await br(body, { params: { [Z.BROTLI_PARAM_QUALITY]: 11, [Z.BROTLI_PARAM_SIZE_HINT]: body.length } }));
}));
console.log(`site: ${path.relative(process.cwd(), site)}`);
