// <loss-playground>: one live, exact PyTorch loss cell for any page, the way <model-viewer>
// embeds 3D. One script tag and one element:
//
//   <script type="module" src="https://example.org/losslab/widget.js"></script>
//   <loss-playground recipe="multiclass" n="300" seed="420" loss="cross_entropy"></loss-playground>
//
// Built on the playground's own pieces, not beside them:
//   - attributes are the page's URL keys, typed and validated by the same table (state.mjs);
//     snake_case as in the URL and PyTorch (label_smoothing) or kebab-case (label-smoothing);
//     properties are camelCase (el.labelSmoothing = 0.1) and reflect to the attributes;
//   - the work runs in the playground's worker (worker.mjs) through its Engine (engine.mjs):
//     ONE engine and worker for every widget on the page, each widget on its own channel;
//   - nothing heavy loads until a widget scrolls into view (one shared IntersectionObserver);
//     loading="eager" starts at once;
//   - every asset is found relative to this file (import.meta.url), so the widget can be served
//     from another origin; a cross-origin module worker is started through a same-origin blob:
//     module that imports the real worker;
//   - no inline script or style (constructable stylesheets), no eval, no SharedArrayBuffer.
// Events (bubbling): `result` {value, number, timing} after each computation, and
// `error` {name, message, kind, attribute?} for a bad attribute or a failed computation.
// Theming: the --losslab-* custom properties below, and ::part(result | timing | plot | code | …).

import { PARAMS, REGISTRY, WITH_C, parseEntries, parseValue, formatValue, serializeHash } from './state.mjs';
import { t } from './i18n.mjs';
import { Engine } from './engine.mjs';
import { planOrFallback, pythonOf } from './recipes.mjs';
import { pythonCode, pythonOptions } from './codegen.mjs';
import { drawCurve } from './plots.mjs';
import { duration, ratio } from './format.mjs';
import { phaseText, errorMessage, loopAndSimd, loopNote, copyText } from './wording.mjs';
import './pyblock.mjs';   // <losslab-python>: editable, runnable PyTorch code (Pyodide on first Run)

export const TAG = 'loss-playground';

/** Parts a `hide` list can name ("plots" is accepted for "plot", as in the page's panels). */
export const PARTS = Object.freeze(['title', 'result', 'timing', 'plot', 'code', 'link']);
const PART_ALIASES = { plots: 'plot' };

/** The state keys a widget takes as attributes (the playground's table minus gradient descent;
 *  the loss options' rows are generated from the registry, so a new option is an attribute). */
export const ATTRIBUTES = Object.freeze(PARAMS.map((p) => p.key)
  .filter((k) => !['lr', 'steps', 'bins'].includes(k)));
const KEBAB = Object.fromEntries(ATTRIBUTES.filter((k) => k.includes('_')).map((k) => [k, k.replace(/_/g, '-')]));
const CAMEL = Object.fromEntries(ATTRIBUTES.map((k) => [k, k.replace(/_([a-z])/g, (m, c) => c.toUpperCase())]));
const LOADING = ['lazy', 'eager'];
const DEBOUNCE_MS = 40;

// ---- the one engine of the page --------------------------------------------------------------

let engine = null;
let engineError = null;

/**
 * The worker's URL. A module worker must be same-origin with the page: when this script is
 * served from elsewhere, a blob: module of the page's origin imports the real worker (CORS).
 */
function workerUrl() {
  const url = new URL('./worker.mjs', import.meta.url);
  if (url.origin === globalThis.location?.origin) return url;
  const source = `import ${JSON.stringify(url.href)};\n`;
  return URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
}

/** The engine shared by every widget (created by the first widget that scrolls into view). */
export function sharedEngine() {
  if (engine) return engine;
  if (engineError) throw engineError;
  try {
    engine = new Engine({ workerUrl: workerUrl() });
  } catch (e) {
    engineError = e;
    throw e;
  }
  return engine;
}

// One IntersectionObserver and one ResizeObserver for all widgets.
let io = null;
function whenVisible(widget) {
  if (typeof IntersectionObserver !== 'function') {
    widget._onVisible();
    return;
  }
  io ??= new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      io.unobserve(e.target);
      e.target._onVisible();
    }
  }, { rootMargin: '100px 0px' });
  io.observe(widget);
}

let ro = null;
function watchSize(widget, canvas) {
  if (typeof ResizeObserver !== 'function') return;
  ro ??= new ResizeObserver((entries) => {
    for (const e of entries) e.target.getRootNode()?.host?._drawPlot();
  });
  ro.observe(canvas);
}

// ---- styles (a constructable stylesheet: allowed by a CSP without 'unsafe-inline') -------------

const CSS = `
:host {
  --_accent: var(--losslab-accent, #0b5cad);
  --_accent-2: var(--losslab-accent-2, #b03a00);
  --_bg: var(--losslab-bg, #ffffff);
  --_fg: var(--losslab-fg, #1b1f24);
  --_muted: var(--losslab-muted, #57606a);
  --_border: var(--losslab-border, #d0d7de);
  --_code-bg: var(--losslab-code-bg, #f3f4f6);
  --_error: var(--losslab-error, #a4161a);
  --_mono: var(--losslab-mono, ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace);
  --plot-fg: var(--_fg);
  --plot-muted: var(--_muted);
  --plot-grid: var(--losslab-grid, #e1e5ea);
  --plot-bg: var(--_bg);
  --plot-c1: var(--_accent);
  --plot-c2: var(--_accent-2);
  --plot-fill1: var(--losslab-fill-1, rgba(11, 92, 173, 0.28));
  --plot-fill2: var(--losslab-fill-2, rgba(176, 58, 0, 0.28));
  display: block;
  box-sizing: border-box;
  max-width: 100%;
  margin: var(--losslab-margin, 1em 0);
  padding: var(--losslab-padding, 0.75em 1em);
  border: 1px solid var(--_border);
  border-radius: var(--losslab-radius, 8px);
  background: var(--_bg);
  color: var(--_fg);
  font-family: var(--losslab-font, system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
    "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif);
  font-size: var(--losslab-font-size, 0.95rem);
  line-height: 1.45;
  text-align: start;
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.head { display: flex; flex-wrap: wrap; gap: 0.1em 0.8em; align-items: baseline; }
.call { font-family: var(--_mono); font-size: 0.88em; overflow-wrap: anywhere; }
.meta, .status, .note { color: var(--_muted); font-size: 0.85em; }
.status { margin: 0.2em 0 0; min-height: 1.2em; }
.result {
  margin: 0.35em 0 0; padding: 0.35em 0.6em; min-height: 1.9em;
  font-family: var(--_mono); font-size: 1.15em; white-space: pre; overflow-x: auto;
  background: var(--_code-bg); border-radius: 4px; color: var(--_fg);
}
.result.stale { color: var(--_muted); }
.error {
  margin: 0.4em 0 0; padding: 0.35em 0.6em; border-left: 3px solid var(--_error);
  color: var(--_error); background: var(--losslab-error-bg, #fff1f0); white-space: pre-wrap;
}
.timing { margin-top: 0.6em; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.88em; }
caption { text-align: start; font-weight: 600; padding-bottom: 0.2em; }
th, td { padding: 0.12em 0.5em 0.12em 0; text-align: start; white-space: nowrap; font-weight: normal; }
thead th { color: var(--_muted); font-size: 0.92em; }
th.num { text-align: end; }
td.num { text-align: end; font-variant-numeric: tabular-nums; }
td.barcell { width: 100%; }
.bar { display: block; height: 0.7em; min-width: 2px; background: var(--_accent); border-radius: 2px; }
tr[data-path="scalar"] .bar { background: var(--losslab-accent-3, #1a7f37); }
tr[data-path="js"] .bar { background: var(--_accent-2); }
.note { margin: 0.2em 0 0; }
figure { margin: 0.6em 0 0; }
canvas { display: block; width: 100%; height: var(--losslab-plot-height, 180px); }
figcaption { font-size: 0.85em; color: var(--_muted); }
details { margin-top: 0.6em; }
summary { cursor: pointer; font-weight: 600; font-size: 0.9em; }
pre.code {
  margin: 0.4em 0; padding: 0.5em 0.7em; max-height: 22em; overflow: auto;
  background: var(--_code-bg); border-radius: 4px; font-family: var(--_mono); font-size: 0.82em;
}
button {
  font: inherit; font-size: 0.85em; padding: 0.2em 0.7em; border-radius: 4px; cursor: pointer;
  border: 1px solid var(--_border); background: var(--_bg); color: var(--_fg);
}
.foot { display: flex; flex-wrap: wrap; gap: 0.3em 1em; align-items: center; margin-top: 0.5em; font-size: 0.85em; }
a { color: var(--_accent); }
:focus-visible { outline: 3px solid var(--_accent); outline-offset: 2px; }
`;

let sheet = null;
function styleSheet() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  return sheet;
}

// ---- small helpers ---------------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  e.append(...children);
  return e;
}

const langOf = (raw) => {
  const r = parseValue('lang', raw ?? '');
  return r.error ? null : r.value;
};

let channels = 0;

// ---- the element -----------------------------------------------------------------------------

export class LossPlayground extends HTMLElement {
  static get observedAttributes() {
    return [...ATTRIBUTES, ...Object.values(KEBAB), 'hide', 'loading'];
  }

  /** The engine every widget of this page shares (null until the first one is visible). */
  static get engine() {
    return engine;
  }

  constructor() {
    super();
    this._channel = `widget-${++channels}`;
    this._status = 'idle';
    this._active = false;
    this._timer = 0;
    this._gen = 0;
    this._retries = 0;
    this._runKey = null;
    this._job = null;
    this._last = {};
    this._registry = null;
    this._parsed = null;
    this._build();
  }

  // ---- DOM ---------------------------------------------------------------------------------

  _build() {
    const root = this.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [styleSheet()];
    const $ = (this._el = {});
    $.call = h('code', { class: 'call', id: 'call' });
    $.meta = h('span', { class: 'meta' });
    $.head = h('div', { class: 'head', part: 'title' }, $.call, $.meta);
    $.result = h('pre', { class: 'result', part: 'result', tabindex: '0', 'aria-labelledby': 'call', 'aria-live': 'polite' });
    $.error = h('p', { class: 'error', part: 'error', role: 'alert', hidden: true });
    $.status = h('p', { class: 'status', part: 'status', role: 'status' });
    $.tbody = h('tbody');
    $.caption = h('caption', { id: 'timing-cap' });
    $.thead = h('tr');
    $.timingNote = h('p', { class: 'note' });
    $.timing = h('div', { class: 'timing', part: 'timing', tabindex: '0', 'aria-labelledby': 'timing-cap', hidden: true }, h('table', {}, $.caption, h('thead', {}, $.thead), $.tbody), $.timingNote);
    $.canvas = h('canvas', { role: 'img', 'aria-labelledby': 'plot-cap plot-sum' });
    $.plotCaption = h('figcaption', { id: 'plot-cap' });
    $.plotSummary = h('p', { id: 'plot-sum', hidden: true });
    $.plot = h('figure', { class: 'plot', part: 'plot', hidden: true }, $.canvas, $.plotCaption, $.plotSummary);
    $.code = h('code');
    $.codeSummary = h('summary');
    $.copy = h('button', { type: 'button' });
    $.copyStatus = h('span', { class: 'meta', role: 'status' });
    $.codeBox = h('details', { part: 'code', hidden: true }, $.codeSummary,
      h('pre', { class: 'code', tabindex: '0' }, $.code), $.copy, ' ', $.copyStatus);
    $.open = h('a', { part: 'link', target: '_blank', rel: 'noopener' });
    $.foot = h('div', { class: 'foot' }, $.open);
    $.box = h('div', { class: 'box', part: 'box', role: 'group' },
      $.head, $.result, $.error, $.status, $.timing, $.plot, $.codeBox, $.foot);
    root.append($.box);
    $.copy.addEventListener('click', async () => {
      $.copyStatus.textContent = this._t(await copyText($.code.textContent) ? 'copied' : 'copyFailed');
    });
    watchSize(this, $.canvas);
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  connectedCallback() {
    // Properties set before the element was defined shadow the accessors: move them over.
    for (const prop of [...Object.values(CAMEL), 'hide', 'loading']) {
      if (Object.prototype.hasOwnProperty.call(this, prop)) {
        const v = this[prop];
        delete this[prop];
        this[prop] = v;
      }
    }
    this._update();
    if (this._active) return;
    if (this.getAttribute('loading') === 'eager') this._onVisible();
    else whenVisible(this);
  }

  disconnectedCallback() {
    clearTimeout(this._timer);
    io?.unobserve(this);
  }

  attributeChangedCallback(name, oldValue, value) {
    if (oldValue === value || !this.isConnected) return;
    if (name === 'loading' && value === 'eager' && !this._active) this._onVisible();
    this._schedule();
  }

  _schedule(delay = DEBOUNCE_MS) {
    clearTimeout(this._timer);
    this._timer = setTimeout(() => this._update(), delay);
  }

  _onVisible() {
    if (this._active) return;
    this._active = true;
    io?.unobserve(this);
    if (this.isConnected) this._update();
  }

  /** Starts loading and computing now, visible or not. */
  load() {
    this._onVisible();
  }

  // ---- attributes → state (state.mjs) -----------------------------------------------------

  _attr(key) {
    const v = this.getAttribute(key);
    return v === null && KEBAB[key] ? this.getAttribute(KEBAB[key]) : v;
  }

  /** {state, hidden, errors, lang, loading}; errors: [{key, code, params}]. */
  _read() {
    const entries = [];
    for (const key of ATTRIBUTES) {
      const v = this._attr(key);
      if (v !== null && key !== 'lang') entries.push([key, v]);
    }
    const hide = this.getAttribute('hide');
    if (hide !== null) entries.push(['hide', hide]);   // the table's list form of <key>_hide
    const { state, hidden: named, errors } = parseEntries(entries);
    // lang: the widget's own attribute (validated), else the nearest lang="…" around it.
    const own = this.getAttribute('lang');
    if (own !== null) {
      const r = parseValue('lang', own);
      if (r.error) errors.push({ key: 'lang', ...r.error });
      else state.lang = r.value;
    } else {
      state.lang = langOf(this.parentElement?.closest('[lang]')?.getAttribute('lang')) ?? 'en';
    }
    const hidden = new Set();
    for (const raw of named) {
      const part = PART_ALIASES[raw] ?? raw;
      if (PARTS.includes(part)) hidden.add(part);
      else errors.push({ key: 'hide', code: 'notOneOf', params: { key: 'hide', value: raw, values: PARTS.join(', ') } });
    }
    const loading = this.getAttribute('loading');
    if (loading !== null && !LOADING.includes(loading)) {
      errors.push({ key: 'loading', code: 'notOneOf', params: { key: 'loading', value: loading, values: LOADING.join(', ') } });
    }
    return { state, hidden, errors, lang: state.lang };
  }

  // ---- typed properties (see the accessors defined below the class) -------------------------

  /** The parsed, typed state the widget computes (a copy). */
  get state() {
    return { ...this._read().state };
  }

  get hide() {
    return [...this._read().hidden];
  }

  set hide(v) {
    if (v == null) this.removeAttribute('hide');
    else this.setAttribute('hide', Array.isArray(v) ? v.join(' ') : String(v));
  }

  get loading() {
    return this.getAttribute('loading') === 'eager' ? 'eager' : 'lazy';
  }

  set loading(v) {
    this.setAttribute('loading', String(v));
  }

  /** 'idle' | 'waiting' (not visible yet) | 'loading' | 'busy' | 'done' | 'error'. */
  get status() {
    return this._status;
  }

  /** The last result as PyTorch prints it ('tensor(1.1591)'), or null. */
  get value() {
    return this._last.loss?.print ?? null;
  }

  /** The last result as a number (a one-element result), or null. */
  get number() {
    return this._last.loss?.value ?? null;
  }

  /** The last timing (see the `result` event), or null. */
  get timing() {
    return timingDetail(this._last.timing);
  }

  /** The last error {name, message, kind, attribute?}, or null. */
  get error() {
    return this._last.errorDetail ?? null;
  }

  // ---- update / run ------------------------------------------------------------------------

  _t(key, params) {
    return t(this._parsed?.lang ?? 'en', key, params);
  }

  _setStatus(status, text) {
    this._status = status;
    this._el.box.dataset.status = status;
    if (text !== undefined) this._el.status.textContent = text;
  }

  _update() {
    clearTimeout(this._timer);
    const parsed = this._read();
    this._parsed = parsed;
    this._renderStatic();
    if (parsed.errors.length) {
      this._gen++;
      this._job = null;
      this._runKey = null;
      this._last = {};
      const messages = parsed.errors.map((e) => t(parsed.lang, `err_${e.code}`, e.params));
      const first = parsed.errors[0];
      this._last.errorDetail = { name: 'ValueError', message: messages.join(' '), kind: 'attribute',
        attribute: first.key, code: first.code, errors: parsed.errors.map((e, i) => ({ attribute: e.key, code: e.code, message: messages[i] })) };
      this._last.errorText = messages.join('\n');
      this._renderAll();
      this._setStatus('error', '');
      // One event per new set of bad values (not again when it merely scrolls into view).
      const errorKey = JSON.stringify(parsed.errors);
      if (errorKey !== this._errorKey) this._emit('error', this._last.errorDetail);
      this._errorKey = errorKey;
      return;
    }
    this._errorKey = null;
    const key = runKey(parsed);
    if (key === this._runKey) {   // only the language or nothing that matters changed
      this._renderAll();
      return;
    }
    if (!this._active) {
      this._runKey = null;
      this._renderAll();
      this._setStatus('waiting', this._t('widget_waiting'));
      return;
    }
    this._runKey = key;
    this._retries = 0;
    this._compute(parsed);
  }

  async _compute(parsed) {
    const gen = ++this._gen;
    this._last = {};
    this._job = null;
    this._renderAll({ keepResult: true });   // the old number stays, greyed, until the new one
    this._el.result.classList.add('stale');
    let eng;
    try {
      eng = sharedEngine();
      if (!eng.info) this._setStatus('loading', this._t('status_loading'));
      await eng.ready;
    } catch (e) {
      if (gen !== this._gen) return;
      this._fail({ type: 'error', kind: 'load', name: e.name || 'Error', message: e.message || String(e) });
      return;
    }
    if (gen !== this._gen) return;
    this._registry = REGISTRY;
    this._renderStatic();
    this._setStatus('busy', this._t('status_queued'));
    const skip = ['grad', 'rows'];
    if (parsed.hidden.has('plot')) skip.push('plots');
    if (parsed.hidden.has('timing')) skip.push('timing');
    const job = eng.run(parsed.state, { onMessage: (m) => this._onMessage(job, m), skip }, 'run', this._channel);
    this._job = job;
    const m = await job.done;
    if (this._job !== job || gen !== this._gen) return;
    this._job = null;
    if (m.type === 'done') {
      this._el.result.classList.remove('stale');
      this._setStatus('done', this._t('status_done', { ms: Math.round(m.ms) }));
      this._renderCode();
      const loss = this._last.loss;
      this._emit('result', { value: loss?.print ?? null, number: loss?.value ?? null, timing: timingDetail(this._last.timing) });
    } else if (m.type === 'error') {
      this._fail(m);
    } else if (m.type === 'cancelled') {
      // The shared worker was restarted (another widget ran out of memory, say): run again.
      if (this._retries++ < 2) {
        this._runKey = null;
        this._schedule(0);
      } else {
        this._fail({ type: 'error', kind: 'crash', name: 'Error', message: m.reason ?? 'cancelled' });
      }
    }
  }

  _onMessage(job, m) {
    if (this._job !== job) return;
    switch (m.type) {
      case 'progress':
        this._setStatus('busy', phaseText(this._parsed.lang, m));
        break;
      case 'data':
        this._last.data = m.info;
        if (m.info.paste) this._renderCode();
        break;
      case 'loss':
        this._last.loss = m.loss;
        this._last.plan = m.plan;
        this._renderResult();
        break;
      case 'plots':
        this._last.plots = m;
        this._drawPlot();
        break;
      case 'timing':
        this._last.timing = m.timing;
        this._renderTiming();
        break;
      default:
    }
  }

  _fail(m) {
    this._last.error = m;
    this._last.errorDetail = { name: m.name ?? 'Error', message: m.message ?? '', kind: m.kind ?? 'torch' };
    if (!this._last.loss) this._el.result.textContent = '';
    this._el.result.classList.remove('stale');
    this._renderError();
    this._setStatus('error', '');
    this._emit('error', this._last.errorDetail);
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  // ---- rendering ---------------------------------------------------------------------------

  _spec() {
    return this._registry?.losses.find((s) => s.name === this._parsed?.state.loss) ?? null;
  }

  _plan(spec) {
    const s = this._parsed.state;
    try {
      return planOrFallback(s.recipe, spec, this._last.data?.paste ?? {});
    } catch {
      return null;
    }
  }

  /** Title, labels, which parts show, the playground link: everything known before computing. */
  _renderStatic() {
    const { state: s, hidden, lang } = this._parsed;
    const $ = this._el;
    const spec = this._spec();
    const plan = spec && this._plan(spec);
    if (spec && plan) {
      const ops = s.recipe === 'paste' ? ['yhat', 'y'] : plan.operands.map((o) => pythonOf(o, s.c));
      $.call.textContent = `F.${spec.name}(${[...ops, pythonOptions(spec, s)].join(', ')})`;
    } else {
      $.call.textContent = `F.${s.loss}(…, reduction='${s.reduction}')`;
    }
    $.meta.textContent = s.recipe === 'paste' ? t(lang, 'widget_metaPaste') : t(lang, 'widget_meta', {
      recipe: t(lang, `recipeShort_${s.recipe}`), n: Number(s.n).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en'),
      c: WITH_C.has(s.recipe) ? `, ${s.recipe === 'embedding' ? 'D' : 'C'} = ${s.c}` : '', seed: s.seed });
    $.box.setAttribute('aria-label', t(lang, 'widget_label', { loss: s.loss }));
    $.box.lang = lang === 'zh' ? 'zh-CN' : 'en';
    $.head.hidden = hidden.has('title');
    $.result.hidden = hidden.has('result');
    $.codeSummary.textContent = t(lang, 'panel_code');
    $.copy.textContent = t(lang, 'copyCode');
    $.caption.textContent = t(lang, 'widget_timing');
    $.plotCaption.textContent = t(lang, 'curveTitle');
    $.open.textContent = t(lang, 'widget_open');
    const { hash } = serializeHash({ ...s }, { optionNames: new Set(spec?.options.map((o) => o.name) ?? []) });
    $.open.href = new URL(`./index.html#${hash}`, import.meta.url).href;
    $.foot.hidden = hidden.has('link');
  }

  _renderAll({ keepResult = false } = {}) {
    this._renderStatic();
    if (!keepResult) this._renderResult();
    this._renderError();
    this._renderTiming();
    this._drawPlot();
    this._renderCode();
  }

  _renderResult() {
    const loss = this._last.loss;
    this._el.result.textContent = loss ? loss.print : '';
    if (loss) this._el.result.classList.remove('stale');
  }

  _renderError() {
    const $ = this._el;
    const lang = this._parsed.lang;
    let text = this._last.errorText ?? '';
    const m = this._last.error;
    if (m) text = errorMessage(lang, m);
    const origin = new URL(import.meta.url).origin;
    if (m?.kind === 'load' && origin !== globalThis.location?.origin) text += ` ${t(lang, 'widget_cspHint', { origin })}`;
    $.error.textContent = text;
    $.error.hidden = !text;
  }

  _renderTiming() {
    const $ = this._el;
    const tm = this._last.timing;
    const lang = this._parsed.lang;
    $.timing.hidden = !tm || this._parsed.hidden.has('timing');
    if (!tm) {
      $.tbody.replaceChildren();
      return;
    }
    const ok = tm.paths.filter((p) => Number.isFinite(p.ms));
    const max = Math.max(...ok.map((p) => p.ms), 1e-9);
    const { js } = loopAndSimd(tm);
    $.tbody.replaceChildren(...tm.paths.map((p) => {
      const name = h('th', { scope: 'row', title: p.arch ?? null }, t(lang, `path_${p.key}`, { n: p.threads }));
      if (!Number.isFinite(p.ms)) return h('tr', { 'data-path': p.key }, name, h('td', { colspan: '3' }, p.error ?? '–'));
      const bar = h('span', { class: 'bar' });
      bar.style.width = `${Math.max(1, (100 * p.ms) / max).toFixed(1)}%`;   // CSSOM: fine under a strict CSP
      const speed = js ? `×${ratio(js.ms / p.ms)}` : '–';
      return h('tr', { 'data-path': p.key }, name, h('td', { class: 'num' }, duration(p.ms)),
        h('td', { class: 'barcell' }, bar), h('td', { class: 'num' }, speed));
    }));
    $.thead.replaceChildren(h('th', { scope: 'col' }, t(lang, 'th_impl')), h('th', { scope: 'col', class: 'num' }, t(lang, 'th_ms')),
      h('td'), h('th', { scope: 'col', class: 'num' }, t(lang, 'widget_vsJs')));
    const loc = lang === 'zh' ? 'zh-CN' : 'en';
    $.timingNote.textContent = t(lang, 'widget_timingNote', { reduction: tm.reduction, numel: tm.numel.toLocaleString(loc) })
      + loopNote(lang, tm, 'widget_jsWins');
  }

  _drawPlot() {
    const $ = this._el;
    if (!this._parsed) return;
    const p = this._last.plots;
    const c = p?.curve;
    const show = !!c && !c.error && !this._parsed.hidden.has('plot');
    $.plot.hidden = !show;
    if (!show) return;
    const lang = this._parsed.lang;
    const xLabel = t(lang, `curveX_${c.kind}`);
    $.plotSummary.textContent = drawCurve($.canvas, {
      x: c.x,
      series: c.series.map((s) => ({ y: s.y, label: t(lang, `series_${s.key}`) })),
      data: c.data.map((d) => ({ hist: d.hist, label: t(lang, `data_${d.key}`) })),
    }, { xLabel, yLabel: t(lang, 'curveY'), summary: (v) => t(lang, 'curveSummary', { ...v, xlabel: xLabel }) });
  }

  _renderCode() {
    const $ = this._el;
    const { state: s, hidden } = this._parsed;
    const spec = this._spec();
    const plan = spec && this._plan(spec);
    $.codeBox.hidden = hidden.has('code') || !spec || !plan;
    if (!spec || !plan) return;
    // the values as the worker parsed them (none before its data message, or too many to inline)
    const pasted = s.recipe === 'paste' ? this._last.data?.paste?.values ?? null : null;
    const print = this._last.loss?.name === spec.name ? this._last.loss.print : null;
    $.code.textContent = pythonCode({ state: s, spec, plan, pasted, print, mode: 'loss' }).code;
  }
}

// Typed properties for every attribute: el.n → 300 (a number), el.labelSmoothing = 0.1 → the
// attribute label_smoothing="0.1" (kebab-case works too), el.weight = [1, 2] → weight="1,2".
for (const key of ATTRIBUTES) {
  Object.defineProperty(LossPlayground.prototype, CAMEL[key], {
    configurable: true,
    enumerable: true,
    get() {
      return this._read().state[key];
    },
    set(v) {
      if (KEBAB[key]) this.removeAttribute(KEBAB[key]);
      if (v === null || v === undefined) this.removeAttribute(key);
      else this.setAttribute(key, typeof v === 'string' ? v : formatValue(key, typeof v === 'bigint' ? v.toString() : v));
    },
  });
}

// The state keys that change what is computed (not the language).
function runKey(parsed) {
  const s = { ...parsed.state };
  delete s.lang;
  return JSON.stringify([s, [...parsed.hidden].filter((p) => p === 'plot' || p === 'timing').sort()],
    (k, v) => (typeof v === 'bigint' ? `${v}n` : v));   // int64 options beyond 2**53 are BigInts
}

function timingDetail(tm) {
  if (!tm) return null;
  const by = Object.fromEntries(tm.paths.map((p) => [p.key, p]));
  const ms = (k) => (Number.isFinite(by[k]?.ms) ? by[k].ms : null);
  const simd = ms('simd');
  const js = ms('js');
  return {
    reduction: tm.reduction, numel: tm.numel, genMs: tm.genMs, simd, scalar: ms('scalar'), js,
    speedup: simd && js ? js / simd : null, arch: by.simd?.arch ?? null,
    paths: tm.paths.map((p) => ({ key: p.key, ms: p.ms ?? null, min: p.min ?? null, samples: p.samples ?? null,
      value: p.value ?? null, error: p.error ?? null })),
  };
}


if (!customElements.get(TAG)) customElements.define(TAG, LossPlayground);
