// Assembles the static site (build/site): the page and widget from web/, the built module
// from dist/. Any static host can serve the folder (set .wasm to application/wasm).
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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
// The site's files whose names match `re`, Pyodide's aside.
async function siteFiles(re) {
  const out = [];
  for (const d of await readdir(site, { recursive: true, withFileTypes: true })) {
    const f = path.join(d.parentPath ?? d.path, d.name);
    if (d.isFile() && re.test(f) && !f.includes(`${path.sep}pyodide${path.sep}`)) out.push(f);
  }
  return out;
}
// The SIMD builds split in two (scripts/split-wasm.mjs): what the default page runs, and the rest,
// loaded after its first result. LOSSLAB_SPLIT=0 serves them whole.
if (process.env.LOSSLAB_SPLIT !== '0') {
  const { splitSite } = await import('./split-wasm.mjs');
  for (const line of await splitSite(site)) console.log(line);
}
// Minified JavaScript (esbuild: whitespace, syntax, local names; the page's first result needs
// 40 % fewer bytes of it). Not minified: the lesson's blocks (the page shows their source, read
// with Function.prototype.toString) and Pyodide's files. The readable sources are in web/ and wasm/.
if (process.env.LOSSLAB_MINIFY !== '0') {
  const { transform } = await import('esbuild');
  const keep = path.join(site, 'lesson', 'blocks.mjs');
  const js = (await siteFiles(/\.m?js$/)).filter((f) => f !== keep);
  await Promise.all(js.map(async (f) => {
    const { code } = await transform(await readFile(f, 'utf8'), { loader: 'js', minify: true,
      target: 'es2022', charset: 'utf8', legalComments: 'none', ...(f.endsWith('.mjs') ? { format: 'esm' } : {}) });
    await writeFile(f, code);
  }));
}
// Brotli at quality 11 beside the page's larger files (name.br), which scripts/serve.mjs sends to
// browsers that accept br (the SIMD wasm: 1.6 MB, gzip 470 KB, brotli 330 KB). Static hosts can
// serve the same files. Pyodide's (loaded on the first Run only) are compressed by the server.
const { brotliCompress, constants: Z } = await import('node:zlib');
const { promisify } = await import('node:util');
const br = promisify(brotliCompress);
const files = await siteFiles(/\.(wasm|mjs|js|css|html|json)$/);
await Promise.all(files.map(async (f) => {
  const body = await readFile(f);
  if (body.length < 8192) return;
  await writeFile(`${f}.br`, await br(body, { params: { [Z.BROTLI_PARAM_QUALITY]: 11, [Z.BROTLI_PARAM_SIZE_HINT]: body.length } }));
}));
console.log(`site: ${path.relative(process.cwd(), site)}`);
