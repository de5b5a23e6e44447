// The one declarative table of every control of the playground (and the widget's attributes).
// Each row: key (the URL-hash key / widget attribute), type, default, valid range, group, the
// control that edits it and when it applies. The loss options' rows are generated from the core's
// registry (optionRows), so no option, default or range is written here by hand. The URL hash round-trips through parseHash /
// serializeHash; `<key>_hide=1` hides that control (or a panel) — teacher mode, as in TensorFlow
// Playground's state.ts. Nothing here touches the DOM, so the widget and the tests can import it.

import { REGISTRY } from './dist/registry.mjs';
import { WITH_C, TRAINABLE } from './recipes.mjs';
import { halfWidth } from './parse.mjs';

export { REGISTRY, WITH_C };

/** The lesson's data recipes; `n` is the lesson's size, `loss` the loss the lesson uses. */
export const RECIPES = Object.freeze({
  regression: Object.freeze({ n: 50, loss: 'mse_loss' }),
  binary: Object.freeze({ n: 3000000, loss: 'binary_cross_entropy' }),
  multiclass: Object.freeze({ n: 300, loss: 'cross_entropy' }),
  paste: Object.freeze({ n: null, loss: 'mse_loss' }),
  // The other losses' data (core/include/losslab/recipes.hpp); c: classes, or D for embedding.
  ranking: Object.freeze({ n: 100, loss: 'margin_ranking_loss' }),
  embedding: Object.freeze({ n: 64, c: 8, loss: 'cosine_embedding_loss' }),
  counts: Object.freeze({ n: 100, loss: 'poisson_nll_loss' }),
  gaussian: Object.freeze({ n: 100, loss: 'gaussian_nll_loss' }),
  multilabel: Object.freeze({ n: 64, c: 5, loss: 'multilabel_soft_margin_loss' }),
  ctc: Object.freeze({ n: 4, c: 5, loss: 'ctc_loss' }),
});

/**
 * The loss options' rows, generated from the core's registry (dist/registry.mjs): one row per
 * option name (PyTorch's keyword), whatever losses take it. kind → type and control (float →
 * number, int → int64 number, bool → checkbox, tensor → comma-separated list); the default is
 * the losses' common default, or null ("the loss's own default") where they differ (margin is 0
 * for margin_ranking_loss and 1 for hinge_embedding_loss); `ranges` holds each loss's valid range
 * and PyTorch's message for a value outside it (checkOption). Callable and dtype options
 * (distance_function) have no URL form and no row.
 * @param {{losses: Array<{name, options: Array}>}} registry
 */
const notPaste = (s) => s.recipe !== 'paste';
const isOption = (key) => (s, ctx) => !!ctx?.optionNames?.has(key);

export function optionRows(registry) {
  const by = new Map();
  for (const spec of registry.losses) {
    for (const o of spec.options) {
      if (!ROW_OF_KIND[o.kind]) continue;
      if (!by.has(o.name)) by.set(o.name, []);
      by.get(o.name).push({ loss: spec.name, o });
    }
  }
  const rows = [];
  for (const [name, uses] of by) {
    const kinds = new Set(uses.map((u) => u.o.kind));
    // int where every loss says int; float where any says float (torch's p: int for
    // multi_margin_loss, float for triplet_margin_loss); the API reports the mismatch.
    const kind = kinds.size === 1 ? uses[0].o.kind : kinds.has('float') ? 'float' : uses[0].o.kind;
    const defaults = new Set(uses.map((u) => JSON.stringify(num(u.o.default) ?? null)));
    const row = { key: name, ...ROW_OF_KIND[kind], option: true, kind,
      default: defaults.size === 1 ? normDefault(kind, uses[0].o.default) : null,
      losses: Object.freeze(uses.map((u) => u.loss)),
      docs: Object.freeze(Object.fromEntries(uses.map((u) => [u.loss, u.o.doc]))),
      ranges: Object.freeze(Object.fromEntries(uses.filter((u) => u.o.rangeMessage).map((u) => [u.loss, Object.freeze({
        min: num(u.o.min), max: num(u.o.max), minInclusive: u.o.minInclusive, maxInclusive: u.o.maxInclusive,
        nanPasses: !!u.o.nanPasses, message: u.o.rangeMessage, error: u.o.rangeError ?? 'RuntimeError', kind: u.o.kind })]))),
      group: 'option', when: isOption(name) };
    if (kind === 'int') Object.assign(row, { min: INT64_MIN, max: INT64_MAX });
    rows.push(Object.freeze(row));
  }
  return rows;
}

const ROW_OF_KIND = {
  float: { type: 'float', control: 'number' },
  int: { type: 'int', control: 'number' },
  bool: { type: 'bool', control: 'checkbox' },
  tensor: { type: 'floatlist', control: 'text' },
};
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const num = (v) => (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
function normDefault(kind, v) {
  if (kind === 'bool') return !!v;
  if (kind === 'tensor') return null;
  return v ?? null;
}

/**
 * PyTorch's message for an option value outside the loss's valid range (as the core words it:
 * "{}" is the value as C++ prints it), or null when the value is fine or
 * the loss has no range for it. {name: 'RuntimeError', message} otherwise.
 */
export function checkOption(key, value, loss) {
  const r = PARAM[key]?.ranges?.[loss];
  if (!r || value === null || value === undefined) return null;
  const v = Number(value);
  const ok = Number.isNaN(v) ? r.nanPasses
    : (r.minInclusive ? v >= r.min : v > r.min) && (r.maxInclusive ? v <= r.max : v < r.max);
  if (ok) return null;
  let m = r.message;
  if (m.includes('{}')) m = m.replace('{}', r.kind === 'int' ? String(value) : cppRepr(v));
  return { name: r.error, message: m };
}

/** C++'s `ostream << double` (printf %g, 6 significant digits). */
export function cppRepr(v) {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const e = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(6)))));
  if (e < -4 || e >= 6) {
    const [mant, exp] = v.toExponential(5).split('e');
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const x = Number(exp);
    return `${m}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
  }
  const s = v.toFixed(Math.max(0, 5 - e));
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

export const OPTION_ROWS = Object.freeze(optionRows(REGISTRY));
/** Loss options, named as in PyTorch (the registry says which loss takes which). */
export const OPTION_KEYS = Object.freeze(OPTION_ROWS.map((r) => r.key));

/** Page parts a teacher can hide besides single controls (`timing_hide=1`). */
export const PANELS = Object.freeze(['data', 'options', 'result', 'formula', 'gradient', 'timing', 'plots', 'touch',
  'train', 'code']);

/** Pasted text longer than this is left out of the URL (the page says so). */
export const MAX_URL_TEXT = 8000;


/**
 * The table. type: enum | int | float | bool | seed | floatlist | text | loss.
 * control: select | number | text | textarea | checkbox. group: where the page puts it.
 * `when(state, ctx)` says whether the control applies now (ctx.optionNames: options of the loss).
 */
export const PARAMS = Object.freeze([
  { key: 'recipe', type: 'enum', values: Object.keys(RECIPES),
    default: 'regression', group: 'data', control: 'select' },
  { key: 'n', type: 'int', default: null, min: 1, max: 1e12, group: 'data', control: 'number',
    when: notPaste },
  { key: 'c', type: 'int', default: 3, min: 2, max: 100000, group: 'data', control: 'number',
    when: (s) => WITH_C.has(s.recipe) },
  { key: 'seed', type: 'seed', default: '420', group: 'data', control: 'number', when: notPaste },
  { key: 'input', type: 'text', default: '', group: 'data', control: 'textarea',
    when: (s) => s.recipe === 'paste' },
  { key: 'target', type: 'text', default: '', group: 'data', control: 'textarea',
    when: (s) => s.recipe === 'paste' },
  { key: 'loss', type: 'loss', default: null, group: 'loss', control: 'select' },
  { key: 'reduction', type: 'enum', values: ['none', 'mean', 'sum', 'batchmean'], default: 'mean',
    group: 'loss', control: 'select' },
  ...OPTION_ROWS,
  { key: 'lr', type: 'float', default: 0.5, min: 0, max: 1e6, minExclusive: true, group: 'train',
    control: 'number', when: (s) => TRAINABLE.has(s.recipe) },
  { key: 'steps', type: 'int', default: 30, min: 1, max: 10000, group: 'train', control: 'number',
    when: (s) => TRAINABLE.has(s.recipe) },
  { key: 'bins', type: 'int', default: 40, min: 2, max: 512, group: 'plots', control: 'number' },
  { key: 'reps', type: 'int', default: 0, min: 0, max: 500, group: 'timing', control: 'number' },
  { key: 'lang', type: 'enum', values: ['en', 'zh'], default: 'en', group: 'lang',
    control: 'select' },
].map((p) => (Object.isFrozen(p) ? p : Object.freeze(p))));

export const PARAM = Object.freeze(Object.fromEntries(PARAMS.map((p) => [p.key, p])));

/** The keys that decide what a run computes: the data, the loss and its options. */
export const RUN_KEYS = Object.freeze(PARAMS.filter((p) => ['data', 'loss', 'option'].includes(p.group)).map((p) => p.key));

/** Keys always written to the URL when they apply (the rest only when not at their default). */
const ALWAYS = new Set(['recipe', 'n', 'c', 'seed', 'loss', 'reduction']);

export function defaultState() {
  const s = {};
  for (const p of PARAMS) s[p.key] = p.default;
  s.n = RECIPES[s.recipe].n;
  s.loss = RECIPES[s.recipe].loss;
  return s;
}

/** The recipe's own defaults (n, c, loss) written into a state when the recipe changes. */
export function recipeDefaults(state) {
  const r = RECIPES[state.recipe];
  state.n = r.n;
  state.c = r.c ?? PARAM.c.default;
  state.loss = r.loss;
  return state;
}

/** Whether a control applies to this state (ctx.optionNames: the current loss's options). */
export function applies(key, state, ctx = {}) {
  const p = PARAM[key];
  return !p.when || p.when(state, ctx);
}

// An unknown key as a message quotes it: at most 64 characters (a 1 MB key in a notice took
// the page seconds to lay out).
function shortKey(k) {
  return k.length > 64 ? `${k.slice(0, 60)}…` : k;
}

// Messages quote what they were given, at most 64 characters of it (shortKey).
const err = (code, params = {}) => ({
  error: { code, params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? shortKey(v) : v])) },
});

function parseNumberLike(raw) {
  const t = String(raw).trim().toLowerCase().replace(/_/g, '');
  if (t === 'inf' || t === '+inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === 'nan') return NaN;
  if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

/**
 * Parses one raw (string) value for a key. Returns {value} or {error: {code, params}}
 * (codes are i18n keys: notNumber, notInteger, tooSmall, tooLarge, notOneOf, notBool, …).
 */
export function parseValue(key, raw) {
  const p = PARAM[key];
  if (!p) return err('unknownKey', { key });
  // numbers as a Chinese input method types them (１２３，０。５) read as their ASCII forms
  const s = raw == null ? '' : p.type === 'text' || p.type === 'enum' ? String(raw) : halfWidth(String(raw));
  switch (p.type) {
    case 'enum': {
      let v = s.trim();
      if (key === 'lang' && /^zh([-_].*)?$/i.test(v)) v = 'zh';
      if (key === 'lang' && /^en([-_].*)?$/i.test(v)) v = 'en';
      return p.values.includes(v) ? { value: v } : err('notOneOf', { key, value: v, values: p.values.join(', ') });
    }
    case 'loss': {
      const v = s.trim();
      return /^[a-z][a-z0-9_]*$/.test(v) ? { value: v } : err('unknownLoss', { key, value: v });
    }
    case 'int': {
      if (s.trim() === '' && p.default === null) return { value: null };
      const v = parseNumberLike(s);
      if (v === undefined || Number.isNaN(v)) return err('notNumber', { key, value: s });
      if (!Number.isInteger(v)) return err('notInteger', { key, value: s });
      if (typeof p.min === 'bigint') {
        // int64 options: exact beyond 2**53 (a BigInt there), PyTorch's int64 range.
        const t = s.trim().replace(/_/g, '');
        const b = /^[+-]?\d+$/.test(t) ? BigInt(t) : BigInt(v);
        if (b < p.min) return err('tooSmall', { key, value: s, min: String(p.min) });
        if (b > p.max) return err('tooLarge', { key, value: s, max: String(p.max) });
        return { value: b >= -(2n ** 53n) && b <= 2n ** 53n ? Number(b) : b };
      }
      if (v < p.min) return err('tooSmall', { key, value: s, min: p.min });
      if (v > p.max) return err('tooLarge', { key, value: s, max: p.max });
      return { value: v };
    }
    case 'float': {
      if (s.trim() === '' && p.default === null) return { value: null };
      const v = parseNumberLike(s);
      if (v === undefined) return err('notNumber', { key, value: s });
      if (p.min !== undefined && (v < p.min || (p.minExclusive && v === p.min))) {
        return err(p.minExclusive ? 'notPositive' : 'tooSmall', { key, value: s, min: p.min });
      }
      if (p.max !== undefined && v > p.max) return err('tooLarge', { key, value: s, max: p.max });
      return { value: v };
    }
    case 'bool': {
      const v = s.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return { value: true };
      if (['0', 'false', 'no', 'off', ''].includes(v)) return { value: false };
      return err('notBool', { key, value: s });
    }
    case 'seed': {
      const v = s.trim();
      if (!/^[+-]?\d+$/.test(v)) return err('notInteger', { key, value: s });
      const b = BigInt(v);
      if (b < -(2n ** 63n) || b >= 2n ** 64n) return err('seedRange', { key, value: s });
      return { value: b.toString() };
    }
    case 'floatlist': {
      const v = s.trim().replace(/^\[|\]$/g, '');
      if (v === '' || v.toLowerCase() === 'none') return { value: null };
      const parts = v.split(/\s*,\s*|\s+/);
      const out = [];
      for (let i = 0; i < parts.length; i++) {
        const x = parseNumberLike(parts[i]);
        if (x === undefined) return err('listNotNumber', { key, value: parts[i], index: i + 1 });
        out.push(x);
      }
      return { value: out };
    }
    case 'text':
      return { value: s };
    default:
      return err('unknownKey', { key });
  }
}

/** The URL form of a value. */
export function formatValue(key, value) {
  const p = PARAM[key];
  if (value === null || value === undefined) return '';
  switch (p.type) {
    case 'bool': return value ? '1' : '0';
    case 'floatlist': return value.map((x) => String(x)).join(',');
    case 'int': case 'float': return numberString(value);
    default: return String(value);
  }
}

function numberString(v) {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return BigInt(v).toString();
  return String(v);
}

/**
 * The page language the browser asks for: the first of navigator.languages that is Chinese or
 * English ('zh-CN', 'zh-Hans', 'zh-TW' → 'zh'), else 'en'.
 * @param {readonly string[]} [langs]
 */
export function browserLang(langs = globalThis.navigator?.languages ?? [globalThis.navigator?.language ?? '']) {
  for (const l of langs) {
    if (/^zh(?:[-_]|$)/i.test(l)) return 'zh';
    if (/^en(?:[-_]|$)/i.test(l)) return 'en';
  }
  return 'en';
}

/**
 * Reads key/value pairs (URL hash, or a widget's attributes) into a state.
 * @param {Iterable<[string,string]>} entries
 * @param {{lang?: string}} [ctx]  lang: the language when none is given (the browser's)
 * @returns {{state: object, hidden: Set<string>, errors: Array<{key, code, params}>, given: Set<string>}}
 */
export function parseEntries(entries, ctx = {}) {
  const state = defaultState();
  if (ctx.lang) state.lang = ctx.lang;
  const hidden = new Set();
  const errors = [];
  const given = new Set();
  const raw = new Map();
  for (const [k, v] of entries) {
    if (k.endsWith('_hide')) {
      const base = k.slice(0, -5);
      if (PARAM[base] || PANELS.includes(base)) {
        if (parseValue('log_target', v).value === true) hidden.add(base);
      } else errors.push({ key: shortKey(k), code: 'unknownKey', params: { key: shortKey(k) } });
      continue;
    }
    if (k === 'hide') {   // the widget's list form: hide="seed,n" (the widget checks the names)
      for (const h of String(v).split(/[\s,]+/).filter(Boolean)) hidden.add(h);
      continue;
    }
    if (!PARAM[k]) {
      errors.push({ key: shortKey(k), code: 'unknownKey', params: { key: shortKey(k) } });
      continue;
    }
    raw.set(k, v);
  }
  // recipe first: n and loss default from it.
  for (const p of PARAMS) {
    if (!raw.has(p.key)) continue;
    const r = parseValue(p.key, raw.get(p.key));
    if (r.error) {
      errors.push({ key: p.key, ...r.error });
      continue;
    }
    state[p.key] = r.value;
    given.add(p.key);
    if (p.key === 'recipe') recipeDefaults(state);
  }
  if (state.n === null && state.recipe !== 'paste') state.n = RECIPES[state.recipe].n;
  return { state, hidden, errors, given };
}

/** parseEntries for a location.hash ('#recipe=binary&n=3000000…'). */
export function parseHash(hash, ctx = {}) {
  const h = String(hash ?? '').replace(/^#/, '');
  return parseEntries(new URLSearchParams(h).entries(), ctx);
}

/**
 * The hash for a state: always recipe, n, c, seed, loss, reduction where they apply, then any
 * other applicable key that is not at its default, then the `_hide` flags.
 * @param {object} state
 * @param {{hidden?: Iterable<string>, optionNames?: Set<string>, lang?: string}} [ctx]
 *   lang: the language a link without one opens in (the browser's); written when it differs
 * @returns {{hash: string, omitted: string[]}}  omitted: keys too long for a URL
 */
export function serializeHash(state, ctx = {}) {
  const parts = [];
  const omitted = [];
  const enc = (s) => encodeURIComponent(s).replace(/%2C/g, ',').replace(/%20/g, '+');
  for (const p of PARAMS) {
    const v = state[p.key];
    if (!applies(p.key, state, ctx)) continue;
    if (!ALWAYS.has(p.key) && sameValue(v, p.key === 'lang' ? (ctx.lang ?? p.default) : p.default)) continue;
    if (p.key === 'n' && v === null) continue;
    const s = formatValue(p.key, v);
    if (p.type === 'text' && s.length > MAX_URL_TEXT) {
      omitted.push(p.key);
      continue;
    }
    parts.push(`${p.key}=${enc(s)}`);
  }
  // Only names the page knows, encoded: a crafted name cannot add keys to the link.
  for (const h of [...(ctx.hidden ?? [])].sort()) {
    if (PARAM[h] || PANELS.includes(h)) parts.push(`${enc(h)}_hide=1`);
  }
  return { hash: parts.join('&'), omitted };
}

export function sameValue(a, b) {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
  }
  return Object.is(a, b) || (a === 0 && b === 0);
}
