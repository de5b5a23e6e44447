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
console.log(`site: ${path.relative(process.cwd(), site)}`);
