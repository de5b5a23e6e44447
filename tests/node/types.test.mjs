// dist/losslab.d.ts describes the API that exists: every public method and property of Tensor,
// of a losslab instance, of torch.nn and of optim.SGD is declared there (and the d.ts declares
// no Tensor method the package lacks). Catches the types drifting from the code.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createLossLab, Tensor } from 'losslab';

const require = createRequire(import.meta.url);
const dts = readFileSync(path.join(path.dirname(require.resolve('losslab')), 'losslab.d.ts'), 'utf8');
const block = (start) => {
  const i = dts.indexOf(start);
  assert.ok(i >= 0, `d.ts has ${start}`);
  let depth = 0;
  for (let k = dts.indexOf('{', i); k < dts.length; k++) {
    if (dts[k] === '{') depth++;
    else if (dts[k] === '}' && --depth === 0) return dts.slice(i, k + 1);
  }
  return '';
};
const declared = (text, name) => new RegExp(`^\\s*(readonly\\s+)?${name}[?]?\\s*[(:<]`, 'm').test(text);
const publicNames = (o) => Object.getOwnPropertyNames(o).filter((n) => n !== 'constructor' && !n.startsWith('_'));

const torch = await createLossLab({ warnings: 'silent' });

test('every public Tensor member is declared, and every declared one exists', () => {
  const cls = block('export declare class Tensor');
  const names = publicNames(Tensor.prototype);
  const missing = names.filter((n) => !declared(cls, n));
  assert.deepEqual(missing, []);
  const t = torch.tensor([1]);
  const members = [...cls.matchAll(/^\s{2}(?:readonly\s+)?([a-z_][A-Za-z0-9_]*)\s*[(:]/gm)].map((m) => m[1]);   // (optional ones, name?:, may be absent)
  assert.deepEqual(members.filter((n) => !(n in t)), []);
});

test('every public member of a losslab instance is declared', () => {
  const iface = block('export interface LossLab {');
  const names = [...new Set([...publicNames(Object.getPrototypeOf(torch)), ...publicNames(torch)])];
  assert.deepEqual(names.filter((n) => !declared(iface, n)), []);
});

test('torch.nn and optim.SGD are declared', () => {
  const nn = block('export interface NN') + block('export interface RegistryModules');
  assert.deepEqual(Object.keys(torch.nn).filter((n) => !declared(nn, n)), []);
  const sgd = block('export declare class SGD');
  const opt = new torch.optim.SGD([torch.tensor([1], { requires_grad: true })], { lr: 0.1 });
  assert.deepEqual(publicNames(Object.getPrototypeOf(opt)).filter((n) => !declared(sgd, n)), []);
  opt.dispose();
});
