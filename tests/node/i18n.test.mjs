// Every registry option has an English hint (the registry's doc) and a Chinese one
// (web/i18n.mjs ZH_OPTION_HINTS, keyed by PyTorch's option name), and a label in both languages.
import test from 'node:test';
import assert from 'node:assert/strict';
import { web } from './websrc.mjs';

const I = await web('i18n.mjs');
const { REGISTRY } = await import('../../dist/registry.mjs');

for (const spec of REGISTRY.losses) {
  for (const o of spec.options) {
    test(`${spec.name}.${o.name}: English doc, Chinese hint, labels`, () => {
      assert.equal(typeof o.doc, 'string');
      assert.ok(o.doc.trim().length > 3, 'the registry documents it');
      assert.equal(I.optionHint('en', o.name, o.doc), o.doc);
      const zh = I.ZH_OPTION_HINTS[o.name];
      assert.equal(typeof zh, 'string', `ZH_OPTION_HINTS.${o.name} is missing`);
      assert.match(zh, /[\u4e00-\u9fff]/, 'the Chinese hint is Chinese');
      assert.equal(I.optionHint('zh', o.name, o.doc), zh);
      assert.equal(I.t('en', `label_${o.name}`), o.name);
      assert.equal(I.t('zh', `label_${o.name}`), o.name);
    });
  }
}
