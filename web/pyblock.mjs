// <losslab-python>: a block of PyTorch code, editable in place and run in the page (Python by
// Pyodide with losslab's torch, in one worker for the whole page: python.mjs). The code is the
// element's text (e.g. a <pre> inside it, shown until the element upgrades):
//
//   <losslab-python session="lesson" id="bce"><pre>import torch …</pre></losslab-python>
//   <losslab-python session="lesson" needs="bce"><pre>print(sigma.shape)</pre></losslab-python>
//
// Attributes: session (blocks of one session share their variables, as a notebook's cells do;
// without it each run starts afresh), needs (ids of blocks of the session that must have run,
// as they read now, before this one: they run first), lang (en | zh). Nothing of Python loads
// before the first Run. Events (bubbling): `pyresult` { stdout, error, ms } after each run.
// No inline style or script: a constructable stylesheet; works under the site's CSP.

import { t } from './i18n.mjs';

export const PY_TAG = 'losslab-python';

let runner = null;
/** The page's one Python worker (created on the first Run of any block). */
async function sharedRunner() {
  if (!runner) {
    const { PythonRunner } = await import('./python.mjs');
    runner ??= new PythonRunner({ workerUrl: workerUrl() });
  }
  return runner;
}

// A module worker must be same-origin with the page: from another origin, a blob: module of the
// page's origin imports the real one (as widget.js does for its worker).
function workerUrl() {
  const url = new URL('./pyworker.mjs', import.meta.url);
  if (url.origin === globalThis.location?.origin) return url;
  return URL.createObjectURL(new Blob([`import ${JSON.stringify(url.href)};\n`], { type: 'text/javascript' }));
}

// What each session has run: session -> Map(block id -> the code it ran).
const ranIn = new Map();

const CSS = `
:host { display: block; margin: 0.6rem 0 1rem; }
textarea { box-sizing: border-box; width: 100%; font: 0.85rem/1.45 var(--mono, ui-monospace, monospace);
  tab-size: 4; white-space: pre; overflow: auto; resize: vertical; padding: 0.6rem 0.7rem;
  border: 1px solid var(--border, #d0d7de); border-radius: 6px; background: var(--code-bg, #f3f4f6);
  color: var(--fg, #1b1f24); }
textarea:focus-visible, button:focus-visible { outline: 3px solid var(--focus, #0b5cad); outline-offset: 2px; }
.bar { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin: 0.4rem 0; }
button { font: inherit; font-size: 0.9rem; padding: 0.3rem 0.8rem; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--accent, #0b5cad); background: var(--panel, #fff); color: var(--accent, #0b5cad); }
button.run { background: var(--accent, #0b5cad); color: var(--accent-fg, #fff); }
button:disabled { opacity: 0.5; cursor: default; }
.status { font-size: 0.85rem; color: var(--muted, #4f5861); }
.keys { font-size: 0.8rem; color: var(--muted, #4f5861); margin: 0.2rem 0 0; }
pre { margin: 0.3rem 0 0; padding: 0.6rem 0.7rem; overflow: auto; max-height: 24rem; border-radius: 6px;
  background: var(--panel, #fff); border: 1px solid var(--border, #d0d7de); font: 0.85rem/1.4 var(--mono, ui-monospace, monospace); }
.err { color: var(--error, #a4161a); }
[hidden] { display: none !important; }
`;
let sheet = null;

export class LosslabPython extends HTMLElement {
  static get observedAttributes() { return ['lang']; }

  connectedCallback() {
    if (this._ui) return;
    const original = (this.querySelector('pre')?.textContent ?? this.textContent).replace(/^\n/, '').replace(/\s+$/, '');
    this._original = original;
    const root = this.attachShadow({ mode: 'open' });
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
    }
    root.adoptedStyleSheets = [sheet];
    const ta = document.createElement('textarea');
    ta.value = original;
    ta.rows = Math.min(30, original.split('\n').length + 1);
    ta.spellcheck = false;
    ta.setAttribute('autocapitalize', 'off');
    ta.setAttribute('autocomplete', 'off');
    ta.setAttribute('part', 'editor');
    const keys = document.createElement('p');
    keys.className = 'keys';
    keys.id = 'keys';
    ta.setAttribute('aria-describedby', 'keys');
    const bar = document.createElement('div');
    bar.className = 'bar';
    const mk = (cls) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = cls;
      return b;
    };
    const run = mk('run'), stop = mk('stop'), reset = mk('reset');
    stop.disabled = true;
    reset.hidden = true;
    const status = document.createElement('span');
    status.className = 'status';
    status.setAttribute('role', 'status');
    bar.append(run, stop, reset, status);
    const out = document.createElement('pre');
    out.setAttribute('part', 'output');
    out.tabIndex = 0;
    out.hidden = true;
    root.append(ta, keys, bar, out);
    this._ui = { ta, keys, run, stop, reset, status, out };

    let escaped = false;
    ta.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); this.run(); return; }
      if (e.key === 'Escape') { escaped = true; return; }
      if (e.key === 'Tab' && !escaped && !e.shiftKey) {
        e.preventDefault();
        ta.setRangeText('    ', ta.selectionStart, ta.selectionEnd, 'end');
        ta.dispatchEvent(new Event('input'));
      }
      escaped = false;
    });
    ta.addEventListener('input', () => { reset.hidden = ta.value === this._original; });
    run.addEventListener('click', () => this.run());
    stop.addEventListener('click', () => runner?.stop());
    reset.addEventListener('click', () => {
      ta.value = this._original;
      reset.hidden = true;
      ta.focus();
    });
    this._texts();
  }

  attributeChangedCallback() { if (this._ui) this._texts(); }

  get lang() { return this.getAttribute('lang') === 'zh' ? 'zh' : 'en'; }
  set lang(v) { this.setAttribute('lang', v); }
  /** The code as it reads now (with the learner's edits). */
  get code() { return this._ui ? this._ui.ta.value : this._original; }
  set code(v) {
    if (this._ui) {
      this._ui.ta.value = v;
      this._ui.reset.hidden = v === this._original;
    }
  }
  get session() { return this.getAttribute('session'); }

  _texts() {
    const L = (k, p) => t(this.lang, k, p);
    const { ta, keys, run, stop, reset } = this._ui;
    run.textContent = L('pyRun');
    stop.textContent = L('pyStop');
    reset.textContent = L('codeReset');
    keys.textContent = L('codeKeys');
    ta.setAttribute('aria-label', this.getAttribute('aria-label') ?? L('pyEditor'));
  }

  /** Runs the block (first the blocks it needs, where they have not run as they read now). */
  async run() {
    const ui = this._ui;
    if (!ui || this._busy) return null;
    const L = (k, p) => t(this.lang, k, p);
    this._busy = true;
    ui.run.disabled = true;
    ui.stop.disabled = false;
    ui.out.replaceChildren();
    ui.out.hidden = false;
    const first = !runner?.worker;
    ui.status.textContent = first ? L('pyLoading') : L('pyRunning');
    const add = (text, cls) => {
      const span = document.createElement('span');
      if (cls) span.className = cls;
      span.textContent = text;
      ui.out.append(span);
    };
    let r;
    try {
      const py = await sharedRunner();
      const session = this.session;
      const ran = session ? (ranIn.get(session) ?? ranIn.set(session, new Map()).get(session)) : null;
      for (const id of (this.getAttribute('needs') ?? '').split(/\s+/).filter(Boolean)) {
        const dep = document.getElementById(id);
        if (!(dep instanceof LosslabPython) || !ran || ran.get(id) === dep.code) continue;
        ui.status.textContent = L('pyNeeds', { id });
        const d = await dep.run();
        if (d?.error) throw Object.assign(new Error(L('pyNeedsFailed', { id })), { needs: true });
        ui.status.textContent = L('pyRunning');
      }
      const code = this.code;
      r = await py.run(code, {
        session: session ?? `block-${id(this)}`,
        fresh: !session,
        onOut: (s) => add(s),
        onErr: (s) => add(s, 'err'),
      });
      if (ran && this.id) {
        if (r.error) ran.delete(this.id);
        else ran.set(this.id, code);
      }
      const ms = Math.round(r.ms);
      if (r.stopped) ui.status.textContent = L('pyStopped');
      else if (r.error && r.error.type === 'Error' && r.error.line == null) ui.status.textContent = L('pyError', { message: r.error.message });
      else if (r.error) {
        add(r.error.traceback, 'err');
        ui.status.textContent = L(r.error.line ? 'pyFailed' : 'pyFailedNoLine', { type: r.error.type, line: r.error.line, ms });
      } else if (first && py.startMs != null) ui.status.textContent = L('pyStarted', { start: Math.round(py.startMs), ms });
      else ui.status.textContent = L('pyDone', { ms });
    } catch (e) {
      if (!e.needs) add(String(e?.message ?? e), 'err');
      ui.status.textContent = e.needs ? e.message : L('pyError', { message: e.message });
      r = { error: { type: 'Error', message: e.message, line: null, traceback: '' }, ms: 0 };
    } finally {
      this._busy = false;
      ui.run.disabled = false;
      ui.stop.disabled = true;
    }
    const result = { stdout: ui.out.textContent, error: r.error, ms: r.ms };
    this.dispatchEvent(new CustomEvent('pyresult', { detail: result, bubbles: true, composed: true }));
    return result;
  }
}

let nextBlock = 1;
const ids = new WeakMap();
function id(el) {
  if (!ids.has(el)) ids.set(el, nextBlock++);
  return ids.get(el);
}

if (!customElements.get(PY_TAG)) customElements.define(PY_TAG, LosslabPython);
