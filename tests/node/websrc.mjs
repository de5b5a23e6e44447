// The page's modules (web/) as the site serves them: a copy of web/ with the build's
// dist/registry.mjs beside it (web/state.mjs imports ./dist/registry.mjs), so the Node tests
// run the source files against the registry of the current build, without building the site.
import { cp, mkdtemp, mkdir, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const reg = path.join(ROOT, 'dist', 'registry.mjs');
if (!existsSync(reg)) throw new Error('dist/registry.mjs is missing: run `npm run build` (or node scripts/gen-registry.mjs)');
const dir = await mkdtemp(path.join(tmpdir(), 'losslab-web-'));
await cp(path.join(ROOT, 'web'), dir, { recursive: true });
await mkdir(path.join(dir, 'dist'), { recursive: true });
for (const f of await readdir(path.join(ROOT, 'dist'))) {   // the package's modules and wasm
  if (/\.(mjs|wasm)$/.test(f)) await cp(path.join(ROOT, 'dist', f), path.join(dir, 'dist', f));
}

/** Imports web/<name> (e.g. 'state.mjs') from the copy. */
export const web = (name) => import(pathToFileURL(path.join(dir, name)).href);
