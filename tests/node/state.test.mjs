// web/state.mjs against the registry it is generated from: one option row per registry option
// (kind → type and control, default, int64 range, each loss's range and PyTorch's message), the
// URL round trip, the widget's attribute names, and that checkOption words an out-of-range value
// exactly as the core does.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createLossLab } from 'losslab';
import { web } from './websrc.mjs';

const S = await web('state.mjs');
const { REGISTRY } = await import('../../dist/registry.mjs');
const torch = await createLossLab({ simd: false, warnings: 'silent' });

const URL_KINDS = { float: ['float', 'number'], int: ['int', 'number'], bool: ['bool', 'checkbox'], tensor: ['floatlist', 'text'] };
const uses = new Map();
for (const spec of REGISTRY.losses) {
  for (const o of spec.options) {
    if (!URL_KINDS[o.kind]) continue;
    if (!uses.has(o.name)) uses.set(o.name, []);
    uses.get(o.name).push({ spec, o });
  }
}

test('every registry option with a URL form has exactly one row, and nothing else is an option', () => {
  assert.deepEqual([...S.OPTION_KEYS].sort(), [...uses.keys()].sort());
  const optionGroup = S.PARAMS.filter((p) => p.group === 'option').map((p) => p.key).sort();
  assert.deepEqual(optionGroup, [...uses.keys()].sort());
  assert.equal(new Set(S.PARAMS.map((p) => p.key)).size, S.PARAMS.length, 'keys are unique');
});

for (const [name, list] of uses) {
  test(`option row ${name}: type, control, default and ranges from the registry`, () => {
    const row = S.PARAM[name];
    const kinds = new Set(list.map((u) => u.o.kind));
    const kind = kinds.size === 1 ? list[0].o.kind : 'float';
    assert.deepEqual([row.type, row.control], URL_KINDS[kind]);
    assert.deepEqual([...row.losses], list.map((u) => u.spec.name));
    const defaults = new Set(list.map((u) => JSON.stringify(u.o.default)));
    const want = defaults.size === 1 ? (kind === 'bool' ? !!list[0].o.default : list[0].o.default) : null;
    assert.deepEqual(row.default, want);
    assert.deepEqual(S.defaultState()[name], want);
    if (kind === 'int') {
      assert.equal(row.min, -(2n ** 63n));
      assert.equal(row.max, 2n ** 63n - 1n);
    }
    for (const { spec, o } of list) {
      assert.equal(row.docs[spec.name], o.doc);
      if (!o.rangeMessage) {
        assert.equal(row.ranges[spec.name], undefined);
        continue;
      }
      const r = row.ranges[spec.name];
      assert.equal(r.message, o.rangeMessage);
      assert.equal(r.min, o.min);
      assert.equal(r.max, o.max);
    }
    // applies only when the loss takes it
    for (const spec of REGISTRY.losses) {
      const ctx = { optionNames: new Set(spec.options.map((o) => o.name)) };
      assert.equal(S.applies(name, { ...S.defaultState(), loss: spec.name }, ctx), ctx.optionNames.has(name));
    }
  });
}

// Values just outside (and inside) each range: checkOption's text is the core's, to the letter.
function probes(r) {
  const out = [];
  for (const edge of [r.min, r.max]) {
    if (!Number.isFinite(edge)) continue;
    out.push(edge, edge - 0.5, edge + 0.5, edge - 1e-7, edge + 1.25e-5, edge * 3 + 1);
  }
  out.push(NaN, -Infinity, Infinity);
  return out;
}

for (const [name, list] of uses) {
  for (const { spec, o } of list.filter((u) => u.o.rangeMessage)) {
    test(`checkOption(${name}, …, ${spec.name}) says what the core says`, () => {
      const r = S.PARAM[name].ranges[spec.name];
      for (let v of probes(r)) {
        if (o.kind === 'int') {
          if (!Number.isFinite(v)) continue;
          v = Math.round(v);
        }
        let core = null;
        try {
          const args = spec.operands.map(() => torch.tensor([0.5]));
          torch.nn.functional[spec.name](...args, { [name]: v }).dispose();
        } catch (e) {
          core = { name: e.name, message: e.message };
        }
        const mine = S.checkOption(name, v, spec.name);
        if (mine) assert.deepEqual(mine, core, `value ${v}`);
        else if (core) assert.ok(!core.message.includes(name) || !core.message.includes(String(v)), `value ${v}: core says ${core.message}`);
      }
    });
  }
}

test('int64 options: exact BigInts beyond 2**53, PyTorch\'s int64 range', () => {
  for (const [name] of [...uses].filter(([, l]) => l.every((u) => u.o.kind === 'int'))) {
    assert.deepEqual(S.parseValue(name, '-100'), { value: -100 });
    assert.deepEqual(S.parseValue(name, '9223372036854775807'), { value: 2n ** 63n - 1n });
    assert.deepEqual(S.parseValue(name, '-9223372036854775808'), { value: -(2n ** 63n) });
    assert.equal(S.parseValue(name, '9223372036854775808').error.code, 'tooLarge');
    assert.equal(S.parseValue(name, '1.5').error.code, 'notInteger');
    assert.equal(S.formatValue(name, 2n ** 63n - 1n), '9223372036854775807');
  }
});

test('the URL round-trips every option at a non-default value', () => {
  for (const spec of REGISTRY.losses) {
    const optionNames = new Set(spec.options.map((o) => o.name));
    const state = { ...S.defaultState(), loss: spec.name };
    for (const o of spec.options) {
      if (!URL_KINDS[o.kind]) continue;
      state[o.name] = o.kind === 'bool' ? !o.default : o.kind === 'tensor' ? [0.5, 2] : o.kind === 'int' ? 7 : 0.375;
    }
    const { hash } = S.serializeHash(state, { optionNames });
    const back = S.parseHash(hash);
    assert.deepEqual(back.errors, []);
    for (const o of spec.options) if (URL_KINDS[o.kind]) assert.deepEqual(back.state[o.name], state[o.name], `${spec.name}.${o.name}`);
  }
});

test('RUN_KEYS: the data, the loss and every option, nothing of the page only', () => {
  for (const k of ['recipe', 'n', 'c', 'seed', 'input', 'target', 'loss', 'reduction', ...S.OPTION_KEYS]) assert.ok(S.RUN_KEYS.includes(k), k);
  for (const k of ['lr', 'steps', 'bins', 'reps', 'lang']) assert.ok(!S.RUN_KEYS.includes(k), k);
});

test('cppRepr prints as C++ does', () => {
  assert.deepEqual([1.5, 2, 1e-5, 1e16, -0.25, 123456789, 0.1 + 0.2, 1234567].map(S.cppRepr),
    ['1.5', '2', '1e-05', '1e+16', '-0.25', '1.23457e+08', '0.3', '1.23457e+06']);
});

test('hide names: written back only when the page knows them, so no link rewrites itself', () => {
  // A crafted list-form name that, written back raw, added '&loss=kl_div' to the link.
  const crafted = S.parseHash('#recipe=binary&hide=seed,x%26loss%3Dkl_div%26y');
  assert.ok(crafted.hidden.has('seed'));
  const { hash } = S.serializeHash(crafted.state, { hidden: crafted.hidden });
  assert.ok(!hash.includes('kl_div'), hash);
  const back = S.parseHash('#' + hash);
  assert.equal(back.state.loss, crafted.state.loss);
  assert.deepEqual([...back.hidden], ['seed']);
  assert.deepEqual(back.errors, []);
});

test('a 1 MB key or value is quoted in at most 64 characters', () => {
  const big = 'a'.repeat(1 << 20);
  const r = S.parseHash(`#${big}=1&n=${'9'.repeat(1 << 20)}x&loss=${big}`);
  assert.ok(r.errors.length >= 2, JSON.stringify(r.errors).slice(0, 200));
  for (const e of r.errors) {
    assert.ok(e.key.length <= 64, e.key.slice(0, 80));
    for (const v of Object.values(e.params)) if (typeof v === 'string') assert.ok(v.length <= 64, `${e.code}: ${v.slice(0, 80)}`);
  }
});

test('number syntax checks are linear: a 1 MB digit run that ends badly is refused at once', async () => {
  // In a child process with a time limit: a backtracking regex blocks the event loop, so only a
  // separate process can be stopped (the old /\d+\.?\d*/ was quadratic: this took hours).
  const { spawnSync } = await import('node:child_process');
  const here = new URL('.', import.meta.url).href;
  const code = `
    import { web } from '${here}websrc.mjs';
    const S = await web('state.mjs'), P = await web('parse.mjs');
    const bad = '9'.repeat(1 << 20) + 'x';
    if (!S.parseValue('n', bad).error) throw new Error('accepted');
    let threw = false;
    try { P.parseNumbers(bad); } catch { threw = true; }
    if (!threw) throw new Error('parsed');`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { timeout: 20000, encoding: 'utf8' });
  assert.equal(r.signal, null, 'the check did not finish within 20 s');
  assert.equal(r.status, 0, r.stderr);
  const P = await web('parse.mjs');
  assert.deepEqual(S.parseValue('n', '1e3'), { value: 1000 });
  assert.deepEqual(Array.from(P.parseNumbers('1.5, .5, 2., -3e-2').values), [1.5, 0.5, 2, -0.03]);
});

test('the language: the browser\'s when the link has none; written into the link only when it differs', () => {
  assert.equal(S.browserLang(['zh-CN', 'en']), 'zh');
  assert.equal(S.browserLang(['zh-Hant-TW']), 'zh');
  assert.equal(S.browserLang(['fr-FR', 'en-GB', 'zh']), 'en');
  assert.equal(S.browserLang(['fr-FR']), 'en');
  assert.equal(S.browserLang([]), 'en');
  assert.equal(S.browserLang(['zhx']), 'en');
  const zh = S.parseHash('#recipe=binary', { lang: 'zh' });
  assert.equal(zh.state.lang, 'zh');
  assert.equal(S.parseHash('#recipe=binary&lang=en', { lang: 'zh' }).state.lang, 'en');
  assert.doesNotMatch(S.serializeHash(zh.state, { lang: 'zh' }).hash, /lang=/);
  assert.match(S.serializeHash({ ...zh.state, lang: 'en' }, { lang: 'zh' }).hash, /&lang=en$/);
  assert.match(S.serializeHash(zh.state).hash, /&lang=zh$/, 'without a browser language, en is the default');
});

test('numbers typed with a Chinese input method: full-width digits, commas, points and 、', async () => {
  const P = await web('parse.mjs');
  assert.equal(P.halfWidth('１２３，０。５、－２'), '123,0.5,-2');
  assert.equal(P.halfWidth('abc 1,2'), 'abc 1,2');
  const r = P.parseNumbers('０．５，１．５\n２，３');
  assert.deepEqual(Array.from(r.values), [0.5, 1.5, 2, 3]);
  assert.deepEqual(r.shape, [2, 2]);
  assert.deepEqual(Array.from(P.parseNumbers('１　２　３').values), [1, 2, 3]);
  assert.deepEqual(S.parseValue('n', '３ｅ６'), { value: 3e6 });
  assert.deepEqual(S.parseValue('delta', '０。５'), { value: 0.5 });
  assert.deepEqual(S.parseValue('weight', '１，２'), { value: [1, 2] });
});
