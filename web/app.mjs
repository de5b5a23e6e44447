// The playground's main thread: builds the controls from the state table (state.mjs), keeps the
// URL hash in sync, sends jobs to the worker (engine.mjs → worker.mjs) and renders what comes
// back. Nothing heavy runs here: parsing big pasted data, generating data, losses, gradients,
// histograms and timings all happen in the worker.

import { PARAMS, PARAM, RECIPES, PANELS, RUN_KEYS, REGISTRY, WITH_C, parseHash, serializeHash, parseValue, formatValue, applies, sameValue, recipeDefaults, browserLang } from './state.mjs';
import { LANGS, t, errorText, optionHint } from './i18n.mjs';
import { Engine } from './engine.mjs';
import { validLosses, planOrFallback, defaultLossFor, TRAINABLE, pythonOf } from './recipes.mjs';
import { pythonCode } from './codegen.mjs';
import { drawHistogram, drawCurve, drawSteps, drawBars, drawLogLog, drawTouch, drawSurface, xFromOffset, fmt } from './plots.mjs';
import { FAMILIES, CHAIN, SLIDERS, familyOf, defaultOverlay, members, keyStep, centreOf } from './touch.mjs';
import { duration, ratio, bytes } from './format.mjs';
import { phaseText as phaseWords, errorMessage, loopAndSimd, loopNote, copyText as copyToClipboard } from './wording.mjs';
import { raceFacts } from './race.mjs';
import { FORMULAS, plugRow } from './formulas.mjs';
import { parse as parseTex, toDom } from './mathml.mjs';

const $ = (id) => document.getElementById(id);
const PASTE_EXAMPLE = { input: '2.5\n0.0\n2.1\n7.8', target: '3.0\n-0.5\n2.0\n7.0' };

const app = {
  state: null,
  hidden: new Set(),
  inputErrors: new Map(),   // key → {code, params}: blocks runs until fixed
  runErrors: new Map(),     // key → message from the last run (parse line/column, PyTorch option errors)
  registry: null,
  info: null,
  pasteInfo: null,
  bigText: new Map(),   // textarea key → {name, bytes}: a text too big to show in its box
  last: {},
  train: { losses: [], acc: [], ws: [], norms: [], total: 0, w: null, k: -1 },
  race: { key: null, points: [], running: false, done: false, maxN: 0, capped: false, job: null },
  touch: { family: null, loss: null, losses: [], x: 0, half: 1, target: 0, result: null, job: null, pending: false },
  outl: { fraction: 0.05, size: 10, result: null, job: null, pending: false },
  job: null,
  trainJob: null,
  lastHash: null,
  notices: [],
  timer: 0,
  engine: null,
};

// ---- helpers ---------------------------------------------------------------------------------

const L = (key, params) => t(app.state.lang, key, params);
const spec = () => app.registry?.losses.find((s) => s.name === app.state.loss) ?? null;
const ctx = () => ({ optionNames: new Set(spec()?.options.map((o) => o.name) ?? []), hidden: app.hidden, lang: browserLang() });
const shapeText = (s) => `[${s.join(', ')}]`;

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  if (text !== undefined) e.textContent = text;
  return e;
}

// text: a string, or [i18n key, params] (then re-worded when the language changes).
function setStatus(status, text) {
  if (status) document.body.dataset.status = status;
  if (text === undefined) return;
  app.statusText = Array.isArray(text) ? text : null;
  $('status').textContent = Array.isArray(text) ? L(...text) : text;
}

function showError(text) {
  const e = $('error');
  e.textContent = text ?? '';
  e.hidden = !text;
}

function showNotice(texts) {
  const n = $('notice');
  n.textContent = texts.join(' ');
  n.hidden = texts.length === 0;
}

// ---- controls from the table -----------------------------------------------------------------

function buildFields() {
  for (const p of PARAMS) {
    const host = document.querySelector(`[data-group="${p.group}"]`);
    if (!host) continue;
    const id = `f-${p.key}`;
    const wrap = el('div', { class: `field${p.group === 'option' ? ' option' : ''}${p.control === 'checkbox' ? ' check' : ''}`, 'data-key': p.key });
    const label = el('label', { for: id, id: `${id}-label` });
    let input;
    if (p.control === 'select') {
      input = el('select', { id, name: p.key });
    } else if (p.control === 'textarea') {
      input = el('textarea', { id, name: p.key, rows: '5', spellcheck: 'false', autocomplete: 'off' });
    } else if (p.control === 'checkbox') {
      input = el('input', { id, name: p.key, type: 'checkbox' });
    } else {
      input = el('input', { id, name: p.key, type: 'text', spellcheck: 'false', autocomplete: 'off',
        inputmode: p.type === 'float' || p.type === 'floatlist' ? 'decimal' : 'numeric' });
    }
    const hint = el('p', { class: 'hint', id: `${id}-hint` });
    const error = el('p', { class: 'field-error', id: `${id}-err`, hidden: true });
    input.setAttribute('aria-describedby', `${id}-hint ${id}-err${p.control === 'textarea' ? ` ${id}-big` : ''}`);
    if (p.control === 'checkbox') wrap.append(input, label, hint, error);
    else wrap.append(label, input, hint, error);
    if (p.control === 'textarea') {
      const file = el('input', { type: 'file', id: `${id}-file`, accept: '.csv,.txt,.tsv,text/plain,text/csv' });
      const fl = el('label', { for: `${id}-file`, id: `${id}-file-label`, class: 'file-label' });
      wrap.append(fl, file);
      const big = el('p', { class: 'hint big-text', id: `${id}-big`, hidden: true });
      wrap.append(big);
      file.addEventListener('change', async () => {
        const f = file.files?.[0];
        if (!f) return;
        const text = await f.text();
        // A text too big to edit stays out of the textarea (a 10 MB textarea takes Chromium
        // seconds to lay out, at every change): the state holds it, the field says what it is.
        if (text.length > BIG_TEXT) app.bigText.set(p.key, { name: f.name, bytes: f.size, lines: countLines(text) });
        else {
          app.bigText.delete(p.key);
          input.value = text;
        }
        commit(p.key, text);
      });
      input.addEventListener('paste', (ev) => {
        const text = ev.clipboardData?.getData('text') ?? '';
        if (text.length <= BIG_TEXT) return;
        ev.preventDefault();
        app.bigText.set(p.key, { name: null, bytes: text.length, lines: countLines(text) });
        commit(p.key, text);
      });
    }
    host.append(wrap);
    if (SLIDERS[p.key]) {   // a live slider beside the number (the number still takes any value)
      const [min, max, step] = SLIDERS[p.key];
      const range = el('input', { type: 'range', id: `${id}-range`, min, max, step, class: 'slider', 'aria-labelledby': `${id}-label` });
      wrap.insertBefore(range, hint);
      range.addEventListener('input', () => {
        input.value = range.value;
        commit(p.key, range.value, { live: true });
      });
    }
    if (p.control === 'select' || p.control === 'checkbox') {
      input.addEventListener('change', () => commit(p.key, p.control === 'checkbox' ? (input.checked ? '1' : '0') : input.value));
    } else if (p.control === 'textarea') {
      input.addEventListener('input', () => {
        app.bigText.delete(p.key);   // typing replaces a loaded file
        pendingChange();
        clearTimeout(app.textTimer);
        app.textPending = true;
        app.textTimer = setTimeout(() => flushText(true), 350);
      });
    } else {
      input.addEventListener('change', () => commit(p.key, input.value));
      input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          commit(p.key, input.value, { force: true });
        }
      });
    }
  }
}

function fillSelect(select, items, value) {
  const keep = select.value;
  select.replaceChildren(...items.map((it) => {
    const o = el('option', { value: it.value, disabled: it.disabled }, it.label);
    return o;
  }));
  select.value = value ?? keep;
}

function syncMenus() {
  const s = app.state;
  fillSelect($('f-recipe'), PARAM.recipe.values.map((v) => ({ value: v, label: L(`recipe_${v}`) })), s.recipe);
  fillSelect($('f-lang'), Object.entries(LANGS).map(([value, label]) => ({ value, label })), s.lang);
  const losses = app.registry?.losses ?? [];
  const ok = validLosses(s.recipe, losses, app.pasteInfo ?? {});
  const items = ok.map((l) => ({ value: l.name, label: `${l.name}  (nn.${l.module})` }));
  if (!ok.some((l) => l.name === s.loss)) {
    items.unshift({ value: s.loss, label: `${s.loss}  (—)`, disabled: true });
  }
  fillSelect($('f-loss'), items, s.loss);
  const sp = spec();
  const reds = sp ? sp.reductions : PARAM.reduction.values.filter((r) => r !== 'batchmean');
  fillSelect($('f-reduction'), reds.map((r) => ({ value: r, label: L(`reduction_${r}`) })), s.reduction);
}

// Which pasted text a data message describes (the texts themselves can be megabytes).
const pasteTextKey = (s) => (s && s.recipe === 'paste' ? `${s.input.length}:${s.input.slice(0, 64)}:${s.input.slice(-64)}|${s.target.length}:${s.target.slice(0, 64)}:${s.target.slice(-64)}` : null);

const BIG_TEXT = 1 << 20;   // characters: a pasted or loaded text beyond this is not shown in its box

function countLines(text) {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return text.length && !text.endsWith('\n') ? n + 1 : n;
}


function syncFields() {
  const s = app.state;
  const c = ctx();
  const sp = spec();
  for (const p of PARAMS) {
    const wrap = document.querySelector(`.field[data-key="${p.key}"]`);
    if (!wrap) continue;
    const input = $(`f-${p.key}`);
    wrap.hidden = app.hidden.has(p.key) || !applies(p.key, s, c);
    if (p.control === 'checkbox') input.checked = !!s[p.key];
    else if (p.control === 'textarea' && app.bigText.has(p.key)) {
      if (input.value !== '') input.value = '';
      const b = app.bigText.get(p.key);
      $(`f-${p.key}-big`).textContent = L('bigText', { name: b.name ?? L('bigTextPasted'), size: bytes(b.bytes, { small: true }), lines: b.lines.toLocaleString(s.lang === 'zh' ? 'zh-CN' : 'en') });
    } else if (p.control !== 'select' && !app.inputErrors.has(p.key) && document.activeElement !== input &&
      !(p.control === 'textarea' && app.textPending)) {
      const v = formatValue(p.key, s[p.key]);
      if (input.value !== v) input.value = v;
    }
    const range = $(`f-${p.key}-range`);
    if (range && document.activeElement !== range && s[p.key] != null && Number.isFinite(Number(s[p.key]))) range.value = String(s[p.key]);
    const bigNote = $(`f-${p.key}-big`);
    if (bigNote) bigNote.hidden = !app.bigText.has(p.key);
    const err = app.inputErrors.get(p.key);
    const msg = err ? errorText(s.lang, err.code, err.params) : app.runErrors.get(p.key);
    const errEl = $(`f-${p.key}-err`);
    errEl.textContent = msg ?? '';
    errEl.hidden = !msg;
    if (msg) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    // labels and hints (translated)
    $(`f-${p.key}-label`).textContent = L(`label_${p.key}`);
    let hint = '';
    if (p.group === 'option' && sp) {
      const o = sp.options.find((x) => x.name === p.key);
      if (o) {
        const doc = optionHint(s.lang, p.key, o.doc);
        const def = o.kind === 'tensor' ? 'None' : o.kind === 'bool' ? (o.default ? 'True' : 'False') : fmt(o.default);
        hint = `${doc}${o.kind === 'tensor' ? `${L('sep_sentence')}${L('hint_tensor')}` : ''} ${L('hintDefault', { value: def })}`;
      }
    } else if (p.key === 'n' || p.key === 'input' || p.key === 'target') {
      hint = L(`hint_${p.key}`);
    }
    $(`f-${p.key}-hint`).textContent = hint;
    $(`f-${p.key}-hint`).hidden = !hint;
    const fileLabel = $(`f-${p.key}-file-label`);
    if (fileLabel) fileLabel.textContent = `${L('loadFile')}: ${L(`label_${p.key}`)}`;
  }
  const optionsShown = PARAMS.some((p) => p.group === 'option' && applies(p.key, s, c) && !app.hidden.has(p.key));
  $('no-options').hidden = optionsShown || !sp;
  for (const panel of PANELS) {
    for (const node of document.querySelectorAll(`[data-panel="${panel}"]`)) node.hidden = app.hidden.has(panel);
  }
  const trainable = TRAINABLE.has(s.recipe);
  $('train-run').disabled = !trainable || !sp;
  renderTrainNotice();
  syncTouch();
}

// What the gradient-descent panel must say: that it does not apply, that reduction='none' trains
// the mean, or that the last run diverged (the loss grew: lr too large).
function renderTrainNotice() {
  const s = app.state;
  const tr = app.train;
  const notes = [];
  if (!TRAINABLE.has(s.recipe)) notes.push(L('notice_noTrain'));
  else if (s.reduction === 'none') notes.push(L('notice_trainNone'));
  const first = tr.losses[0];
  const last = tr.losses[tr.losses.length - 1];
  if (trainIsStale()) notes.push(L('notice_trainStale', { loss: tr.state.loss }));
  if (tr.w && tr.losses.length > 1 && (!Number.isFinite(last) || last > first)) {
    notes.push(L('notice_trainDiverged', { first: fmt(first), last: fmt(last), lr: fmt(tr.state.lr) }));
  }
  $('train-notice').textContent = notes.join(' ');
  $('train-notice').hidden = notes.length === 0;
}

function applyLang() {
  const lang = app.state.lang;
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.title = `losslab: ${L('tagline')}`;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = L(node.dataset.i18n);
  if (app.statusText) $('status').textContent = L(...app.statusText);
  syncMenus();
  syncFields();
  renderAll();
}

// ---- state changes -------------------------------------------------------------------------

function commit(key, raw, { force = false, live = false } = {}) {
  const s = app.state;
  if (PARAM[key].control !== 'textarea' && flushText(false)) force = true;
  const r = parseValue(key, raw);
  app.runErrors.delete(key);
  if (r.error) {
    app.inputErrors.set(key, r.error);
    syncFields();
    showError(L('err_fixField'));
    setStatus('error', '');
    return;
  }
  app.inputErrors.delete(key);
  const before = s[key];
  s[key] = r.value;
  if (key === 'recipe' && before !== r.value) {
    const loss = s.loss;
    recipeDefaults(s);
    app.pasteInfo = null;
    if (r.value === 'paste' && !s.input.trim() && !s.target.trim()) Object.assign(s, PASTE_EXAMPLE);
    // The lesson's loss for the new data (or the first one that applies).
    s.loss = defaultLossFor(s.recipe, app.registry?.losses ?? [], {}, s.loss) ?? loss;
  }
  if (key === 'loss' || key === 'recipe') fixReduction();
  if (key === 'input' || key === 'target') app.runErrors.delete(key === 'input' ? 'target' : 'input');
  if (key === 'lang') {
    writeHash();
    applyLang();
    return;
  }
  syncMenus();
  syncFields();
  writeHash();
  renderCode();
  if (PARAM[key].group === 'train') {   // used when gradient descent runs; the lr slider re-runs it
    if (live && key === 'lr' && (app.train.w || app.train.running)) {
      clearTimeout(app.trainTimer);
      app.trainTimer = setTimeout(train, 250);
    }
    return;
  }
  if (app.inputErrors.size === 0) {
    showError('');
    if (force || !Object.is(before, r.value) || Array.isArray(r.value)) scheduleRun();
  }
}

// A reduction the loss does not have (a link's reduction=batchmean on mse_loss, or a loss switch
// away from kl_div) becomes 'mean'; from a link (notify) the notice says so.
function fixReduction(notify = false) {
  const sp = spec();
  if (sp && !sp.reductions.includes(app.state.reduction)) {
    if (notify) app.notices.push(L('notice_reduction', { loss: sp.name, reduction: app.state.reduction }));
    app.state.reduction = 'mean';
  }
}

function writeHash() {
  const { hash, omitted } = serializeHash(app.state, ctx());
  app.lastHash = hash;
  app.notices = app.notices.filter((n) => n !== L('notice_omitted'));
  if (omitted.length) app.notices.push(L('notice_omitted'));
  showNotice(app.notices);
  if (location.hash.replace(/^#/, '') !== hash) history.replaceState(null, '', `#${hash}`);
}

function loadHash() {
  const { state, hidden, errors } = parseHash(location.hash, { lang: browserLang() });
  app.state = state;
  app.hidden = hidden;
  app.inputErrors.clear();
  app.runErrors.clear();
  app.pasteInfo = null;
  app.bigText.clear();
  app.notices = errors.map((e) => errorText(state.lang, e.code, e.params));
}

// Loss named in the URL but not valid for the recipe → the recipe's default, with a notice.
function normaliseLoss() {
  const s = app.state;
  const losses = app.registry.losses;
  const sp = spec();
  if (!sp) return false;   // not in this build: reported when running
  const ok = validLosses(s.recipe, losses, app.pasteInfo ?? {});
  if (!ok.includes(sp)) {
    const other = defaultLossFor(s.recipe, losses, app.pasteInfo ?? {}, RECIPES[s.recipe].loss);
    if (other && other !== s.loss) {
      // one notice for the latest switch (a second paste does not pile a contradicting one on)
      app.notices = app.notices.filter((n) => n !== app.switchNotice);
      app.switchNotice = L('notice_switched', { loss: s.loss, other });
      app.notices.push(app.switchNotice);
      s.loss = other;
      return true;
    }
  }
  return false;
}

// ---- running ---------------------------------------------------------------------------------

// Typing in the paste boxes is committed after a pause (both boxes at once), or right away
// when another control changes or Run is pressed.
function flushText(runAfter) {
  clearTimeout(app.textTimer);
  if (!app.textPending) return false;
  app.textPending = false;
  for (const p of PARAMS) {
    if (p.control !== 'textarea') continue;
    const value = $(`f-${p.key}`).value;
    if (value !== app.state[p.key]) {
      app.state[p.key] = value;
      app.runErrors.delete(p.key);
    }
  }
  syncFields();
  writeHash();
  if (runAfter) scheduleRun();
  return true;
}

// A change is on its way: the running job's messages no longer describe the controls.
function pendingChange() {
  clearTimeout(app.timer);
  app.job = null;
  document.body.dataset.status = 'pending';
  markStale(true);
}

function scheduleRun() {
  flushText(false);
  pendingChange();
  clearTimeout(app.timer);
  app.timer = setTimeout(run, 120);
}

// Runs fn after the browser has painted what is on the page now (heavier panels wait one frame
// so that the printed result shows without them).
// A job's end (finish) runs what is still waiting, so a settled page is complete.
const waitingPaint = new Set();
function afterPaint(fn) {
  if (waitingPaint.has(fn)) return;
  waitingPaint.add(fn);
  const go = () => {
    if (waitingPaint.delete(fn)) fn();
  };
  requestAnimationFrame(() => setTimeout(go, 0));
  setTimeout(go, 100);   // a hidden tab has no frames
}
function flushPaint() {
  if (app.held) releaseHeld();
  for (const fn of [...waitingPaint]) {
    waitingPaint.delete(fn);
    fn();
  }
}

// Whether an element is inside the window (not scrolled away).
function isVisible(e) {
  const r = e.getBoundingClientRect();
  return !e.hidden && r.bottom > 0 && r.top < window.innerHeight;
}

function markStale(on) {
  for (const id of ['result', 'grad-head', 'timing-body', 'hist', 'curve']) $(id).classList.toggle('stale', on);
}

function run() {
  clearTimeout(app.timer);
  flushText(false);
  if (!app.registry) return;
  if (app.inputErrors.size) {
    showError(L('err_fixField'));
    setStatus('error');
    return;
  }
  const sp = spec();
  if (!sp) {
    showError(L('err_unknownLoss', { value: app.state.loss }));
    setStatus('error', '');
    return;
  }
  // Paste mode before anything is pasted: say what to do, not an error.
  if (app.state.recipe === 'paste' && (!app.state.input.trim() || !app.state.target.trim())) {
    showError('');
    app.job = null;
    app.last = {};
    clearUnfilled();
    setStatus('ready', ['status_pasteFirst']);
    return;
  }
  // PyTorch errors from the last run belong to the old values.
  for (const k of [...app.runErrors.keys()]) if (k !== 'input' && k !== 'target') app.runErrors.delete(k);
  syncFields();
  showError('');
  markStale(true);
  // Sizes that take minutes (N = 3e8: about two minutes here) say so before they start.
  const s = app.state;
  const numel = s.recipe === 'paste' ? 0 : Number(s.n) * (WITH_C.has(s.recipe) ? Number(s.c) : 1);
  showNotice(numel >= 5e7 ? [...app.notices, L('notice_large', { numel: numel.toLocaleString(s.lang === 'zh' ? 'zh-CN' : 'en') })] : app.notices);
  setStatus('busy', ['status_queued']);
  $('progress').value = 0;
  $('cancel').disabled = false;
  app.held = null;   // what an earlier job left held for a frame is not this job's
  // the watchdog waits longer for sizes that take minutes (about 2 µs per element, generously)
  const job = app.engine.run(app.state, { onMessage: onRunMessage, expectMs: numel >= 1e7 ? numel * 2e-3 : 0 });
  app.job = job;
  app.last = {};
  if (!app.train.running) {   // a finished descent belongs to the old settings
    app.train = { losses: [], acc: [], ws: [], norms: [], total: 0, w: null, k: -1 };
    renderTrain();
  }
  app.runState = { ...app.state };
  renderRace();   // a race for other settings leaves the chart
  job.done.then((m) => finish(job, m));
}

// The panels a run did not fill (it failed, or was cancelled, before them) would show an earlier
// run's numbers beside this run's settings: empty them.
function clearUnfilled() {
  const l = app.last;
  if (!l.data) $('data-meta').textContent = '';
  if (!l.loss) {
    $('result').textContent = '';
    $('result-meta').textContent = '';
    $('warnings').replaceChildren();
  }
  if (!l.grad) for (const id of ['grad-summary', 'h-grad-head', 'grad-head', 'grad-print']) $(id).textContent = '';
  if (!l.rows) renderFormula();
  if (!l.timing) {
    renderTiming();
    $('timing-note').textContent = '';
  }
  if (!l.plots) {
    drawHistogram($('hist'), null);
    drawCurve($('curve'), null);
    for (const id of ['hist-summary', 'curve-summary']) $(id).textContent = '';
  }
}

function finish(job, m) {
  if (app.job !== job) return;
  flushPaint();   // the messages still held for a frame belong to this job: handle them first
  app.job = null;
  $('cancel').disabled = !app.trainJob;
  markStale(false);
  clearUnfilled();
  showNotice(app.notices);
  if (m.type === 'error' && !isVisible($('error'))) $('result-panel').scrollIntoView({ block: 'nearest' });
  if (m.type === 'done') {
    $('progress').value = 1;
    setStatus('done', ['status_done', { ms: Math.round(m.ms) }]);
    autoRace();
  } else if (m.type === 'cancelled') {
    $('progress').value = 0;
    setStatus('cancelled', ['status_cancelled']);
  } else if (m.type === 'error') {
    $('progress').value = 0;
    setStatus('error', '');
  }
  if (!app.firstResult) {   // a first run that failed or was cancelled: the touch views go on
    app.firstResult = true;
    syncTouch();
  }
}

const phaseText = (m) => phaseWords(app.state.lang, m);

// After the printed loss, the messages that follow it wait for the next frame, so the result is
// painted first (a run's messages come in a burst; handling them all first delayed the paint).
function onRunMessage(m) {
  if (!app.job || m.id !== app.job.id) return;
  if (app.held) {
    app.held.push(m);
    return;
  }
  handleRunMessage(m);
  if (m.type === 'loss') {
    app.held = [];
    afterPaint(releaseHeld);
  }
}

function releaseHeld() {
  const held = app.held ?? [];
  app.held = null;
  for (const m of held) onRunMessage(m);
}

function handleRunMessage(m) {
  switch (m.type) {
    case 'progress':
      // One long wasm call generates the data: an indeterminate bar until it returns.
      if (m.phase === 'data') $('progress').removeAttribute('value');
      else $('progress').value = m.fraction;
      setStatus(null, phaseText(m));
      break;
    case 'rows':
      app.last.rows = m.rows;
      afterPaint(renderFormula);   // the printed result reaches the screen first
      break;
    case 'data':
      app.last = { data: { ...m.info, text: pasteTextKey(app.runState) } };
      if (m.info.paste) {
        const before = JSON.stringify(app.pasteInfo);
        app.pasteInfo = m.info.paste;
        if (before !== JSON.stringify(app.pasteInfo)) {
          syncMenus();
          if (normaliseLoss()) {
            fixReduction();
            syncMenus();
            syncFields();
            writeHash();
            scheduleRun();
            return;
          }
        }
      }
      app.runErrors.delete('input');
      app.runErrors.delete('target');
      syncFields();
      renderData();
      if (m.info.paste) renderCode();
      break;
    case 'loss':
      app.last.loss = m;
      renderLoss();
      renderCode();
      if (!app.firstResult) {   // the touch views wait for the first result: it comes first
        app.firstResult = true;
        setTimeout(syncTouch, 0);
      }
      break;
    case 'grad':
      app.last.grad = m.grad;
      renderGrad();
      break;
    case 'plots':
      app.last.plots = m;
      afterPaint(renderPlots);
      break;
    case 'timing':
      app.last.timing = m.timing;
      renderTiming();
      break;
    case 'error':
      onError(m);
      break;
    default:
  }
}

function onError(m) {
  let text = errorMessage(app.state.lang, m);
  if (m.kind === 'data') {
    app.runErrors.set(m.field, text);
    syncFields();
  } else if (!['oom', 'crash', 'load'].includes(m.kind)) {
    // pasted data: say which box has which shape (torch's message says "tensor a" and "tensor b")
    const pi = app.pasteInfo;
    if (app.state.recipe === 'paste' && pi && /size|shape|dimension/i.test(m.message)) {
      const desc = (sh) => (sh.length === 1 ? L('shapeValues', { n: sh[0] }) : L('shapeRows', { rows: sh[0], cols: sh.slice(1).join(' × ') }));
      text += ` ${L('err_pasteShapes', { input: desc(pi.inputShape), target: desc(pi.targetShape) })}`;
    }
    const sp = spec();
    for (const o of sp?.options ?? []) {
      if (new RegExp(`\\b${o.name}\\b`).test(m.message)) {
        app.runErrors.set(o.name, `${m.name}: ${m.message}`);
      }
    }
    syncFields();
  }
  showError(text);
  document.body.dataset.errorKind = m.kind;
  if (app.job && m.id === app.job.id && !app.last.loss) {
    $('result').textContent = '';   // nothing was computed: no stale number next to the error
  }
}


function cancel() {
  pause();
  app.trainFreshNext = true;   // a new worker has no descent to go on from
  app.engine.cancel();
}

// ---- gradient descent ------------------------------------------------------------------------

const TRAIN_CHANNEL = 1;
const SURFACE_CHANNEL = 5;
const SPEEDS = [2, 5, 20];   // Play: steps per second
const STEP_ROWS = 200;       // the per-step table shows the latest this many

const newTrain = (mode) => ({ losses: [], acc: [], ws: [], norms: [], wShape: null, total: app.state.steps + 1,
  w: null, running: false, state: { ...app.state }, mode, k: -1 });

const canTrain = () => !!spec() && TRAINABLE.has(app.state.recipe) && app.inputErrors.size === 0;

// Run: from w0, all steps at full speed (what the code panel prints).
function train() {
  if (!canTrain()) return;
  pause();
  app.train = newTrain('run');
  app.train.running = true;
  renderTrain();
  renderCode();
  setStatus('busy', ['phase_train', { step: 0, steps: app.state.steps }]);
  sendTrain({ trainMode: 'run' });
}

// Step: one update from where the descent stands (the first shows step 0); then() after it.
function trainStep(then) {
  if (!canTrain()) return;
  const tr = app.train;
  const fresh = !tr.state || tr.k < 0 || trainIsStale() || app.trainFreshNext;
  app.trainFreshNext = false;
  if (fresh) app.train = newTrain('step');
  app.train.running = true;
  app.train.mode = 'step';
  renderCode();
  sendTrain({ trainMode: 'step', trainFresh: fresh }, then);
}

function sendTrain(extra, then) {
  const job = app.engine.run({ ...app.state, ...extra }, { onMessage: onTrainMessage }, 'train', TRAIN_CHANNEL);
  app.trainJob = job;
  $('cancel').disabled = false;
  job.done.then((m) => {
    if (app.trainJob !== job) return;
    app.trainJob = null;
    app.train.running = false;
    $('cancel').disabled = !app.job;
    if (m.type === 'done') setStatus('done', ['status_trained', { k: app.train.k, ms: Math.round(m.ms) }]);
    else if (m.type === 'cancelled') setStatus('cancelled', ['status_cancelled']);
    else if (m.type === 'error') setStatus('error');
    if (m.type !== 'done') pause();
    renderTrain();
    if (m.type === 'done') requestSurface();
    then?.(m);
  });
}

// Play: one step job after another, paced (the page's other jobs take their turn between them).
function play() {
  if (app.playing) {
    pause();
    return;
  }
  if (!canTrain()) return;
  const tr = app.train;
  if (tr.state && !trainIsStale() && tr.k >= app.state.steps) app.trainFreshNext = true;   // at the end: again
  app.playing = true;
  renderPlay();
  playNext();
}

function playNext() {
  if (!app.playing) return;
  const tr = app.train;
  if (tr.state && !trainIsStale() && tr.k >= app.state.steps && !app.trainFreshNext) {
    pause();
    return;
  }
  const t0 = performance.now();
  trainStep((m) => {
    if (!app.playing || m.type !== 'done') return;
    const wait = Math.max(0, 1000 / Number($('train-speed').value) - (performance.now() - t0));
    app.playTimer = setTimeout(playNext, wait);
  });
}

function pause() {
  if (!app.playing) return;
  app.playing = false;
  clearTimeout(app.playTimer);
  renderPlay();
  requestSurface();
}

function resetTrain() {
  pause();
  app.engine.stop(TRAIN_CHANNEL);
  app.trainJob = null;
  app.train = { losses: [], acc: [], ws: [], norms: [], total: 0, w: null, k: -1 };
  app.trainFreshNext = true;
  app.surface = null;
  renderTrain();
  renderCode();
}

function renderPlay() {
  const b = $('train-play');
  b.textContent = L(app.playing ? 'trainPause' : 'trainPlay');
  b.setAttribute('aria-pressed', app.playing ? 'true' : 'false');
}

function onTrainMessage(m) {
  if (!app.trainJob || m.id !== app.trainJob.id) return;
  const tr = app.train;
  if (m.type === 'step') {
    tr.losses[m.step] = m.loss;
    tr.acc[m.step] = m.accuracy ?? null;
    tr.ws[m.step] = m.w;
    tr.wShape = m.wShape;
    tr.k = Math.max(tr.k, m.step);
    tr.total = Math.max(tr.total, m.step + 1);
    $('progress').value = Math.min(1, (m.step + 1) / tr.total);
    setStatus(null, ['phase_train', { step: m.step, steps: Math.max(app.state.steps, m.step) }]);
    trainSoon();
  } else if (m.type === 'stepGrad') {
    tr.norms[m.step] = m.norm;
    trainSoon();
  } else if (m.type === 'trained') {
    tr.w = m.w;
    tr.k = m.k;
    renderTrain();
  } else if (m.type === 'progress') {
    setStatus(null, phaseText(m));
  } else if (m.type === 'error') {
    onError(m);
  }
}

// ---- the loss surface over two entries of w ---------------------------------------------------

const wLabel = (i, shape) => (shape && shape[1] > 1 ? `w[${Math.floor(i / shape[1])}, ${i % shape[1]}]` : `w[${i}]`);

// The pairs offered: every pair of the first 12 entries, after "the two that moved most".
function surfacePairs(shape) {
  const n = Math.min(12, shape ? shape.reduce((a, b) => a * b, 1) : 0);
  const out = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out.push([i, j]);
  return out;
}

function pairNow() {
  const tr = app.train;
  const v = $('surface-pair').value;
  if (v && v !== 'auto') return v.split(',').map(Number);
  // the two entries that moved most from w0
  const w0 = tr.ws[0];
  const wk = tr.ws[tr.k];
  if (!w0 || !wk) return [0, 1];
  const moved = w0.map((a, i) => [Math.abs(wk[i] - a), i]).sort((a, b) => b[0] - a[0]);
  return [moved[0][1], moved[1]?.[1] ?? 0].sort((a, b) => a - b);
}

function syncPairs() {
  const tr = app.train;
  const key = JSON.stringify(tr.wShape);
  if (key === app.pairsFor) return;
  app.pairsFor = key;
  const items = [{ value: 'auto', label: L('surfaceAuto') }, ...surfacePairs(tr.wShape).map(([i, j]) =>
    ({ value: `${i},${j}`, label: `${wLabel(i, tr.wShape)}, ${wLabel(j, tr.wShape)}` }))];
  fillSelect($('surface-pair'), items, 'auto');
}

function requestSurface() {
  const tr = app.train;
  if (!tr.ws?.length || tr.k < 0 || !tr.wShape || app.hidden.has('train')) return;
  const n = tr.wShape.reduce((a, b) => a * b, 1);
  if (n < 2) return;
  const pair = pairNow();
  const path = tr.ws.slice(0, tr.k + 1).map((w) => [w[pair[0]], w[pair[1]]]);
  const range = [0, 1].map((d) => {
    const v = path.map((p) => p[d]);
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    const pad = Math.max(hi - lo, 0.5) * 0.35;
    return [lo - pad, hi + pad];
  });
  const sf = app.surface;
  const covers = sf && sf.pair.join() === pair.join() && sf.stateKey === JSON.stringify(tr.state) &&
    path.every(([a, b]) => a >= sf.xs[0] && a <= sf.xs[sf.xs.length - 1] && b >= sf.ys[0] && b <= sf.ys[sf.ys.length - 1]);
  if (covers && (app.playing || sf.k === tr.k)) {
    renderSurface();
    return;
  }
  const k = tr.k;
  const stateKey = JSON.stringify(tr.state);
  const job = app.engine.run({ ...tr.state, lr: app.state.lr, pair, range, w: tr.ws[k], wShape: tr.wShape },
    { onMessage: (m) => {
      if (m.type === 'surface') {
        app.surface = { ...m, k, stateKey };
        renderSurface();
      }
    } }, 'surface', SURFACE_CHANNEL);
  app.surfaceJob = job;
}

function renderSurface() {
  const tr = app.train;
  const fig = $('surface-fig');
  const sf = app.surface;
  const show = !!(tr.ws?.length && tr.wShape && tr.wShape.reduce((a, b) => a * b, 1) >= 2);
  fig.hidden = !show;
  if (!show) return;
  syncPairs();
  if (!sf || sf.stateKey !== JSON.stringify(tr.state)) {
    drawSurfaceCanvas(null);
    $('surface-summary').textContent = '';
    return;
  }
  const [i, j] = sf.pair;
  const path = tr.ws.slice(0, tr.k + 1).map((w) => [w[i], w[j]]);
  const loc = app.state.lang === 'zh' ? 'zh-CN' : 'en';
  const text = drawSurfaceCanvas({ xs: sf.xs, ys: sf.ys, values: sf.values, path }, {
    xLabel: wLabel(i, tr.wShape), yLabel: wLabel(j, tr.wShape),
    summary: (v) => L(sf.every > 1 ? 'surfaceSummarySample' : 'surfaceSummary', { ...v, a: wLabel(i, tr.wShape), b: wLabel(j, tr.wShape),
      k: sf.k, rows: sf.rows.toLocaleString(loc), total: sf.total.toLocaleString(loc), every: sf.every }),
  });
  $('surface-summary').textContent = text;
}

const drawSurfaceCanvas = (d, opts) => drawSurface($('surface'), d, opts);

// ---- touch the loss (web/touch.mjs: families; worker/touch.mjs: the numbers) ----------------

const TOUCH_CHANNEL = 3;
const OUTLIERS_CHANNEL = 4;
const OUTLIER_FRACTIONS = [0, 0.01, 0.02, 0.05, 0.1, 0.2];
const OUTLIERS_MAX_N = 1e7;   // the table copies the targets: up to 40 MB
const registryNames = () => app.registry?.losses.map((l) => l.name) ?? [];

function touchLabel(name) {
  const sp = app.registry?.losses.find((l) => l.name === name);
  const chain = CHAIN[name] === 'sigmoid' ? '(σ(z))' : CHAIN[name] === 'log_softmax' ? '(log_softmax(z))' : '';
  return `nn.${sp?.module ?? name}${chain}`;
}

// The family follows the page's data and loss; a new loss or data set starts the view afresh.
function syncTouch() {
  const s = app.state;
  const sp = spec();
  const plan = sp ? planOrFallback(s.recipe, sp, app.pasteInfo ?? {}) : null;
  const family = familyOf(plan, s.loss);
  const tc = app.touch;
  if (family !== tc.family || s.loss !== tc.loss) {
    const f = FAMILIES[family];
    Object.assign(tc, { family, loss: s.loss, result: null,
      losses: family ? defaultOverlay(family, s.loss, registryNames()) : [],
      half: f?.half ?? 1, target: f?.target ?? 0, x: f ? centreOf(family, f.target) + f.x : 0 });
    buildTouchControls();
  }
  $('outliers').hidden = s.recipe !== 'regression';
  requestTouch();
  requestOutliers();
}

function buildTouchControls() {
  const tc = app.touch;
  const f = FAMILIES[tc.family];
  for (const id of ['touch-losses', 'touch-target', 'touch-half']) $(id).replaceChildren();
  if (!f) return;
  for (const name of members(tc.family, tc.loss, registryNames())) {
    const id = `touch-on-${name}`;
    const box = el('input', { type: 'checkbox', id, value: name, checked: tc.losses.includes(name) });
    box.addEventListener('change', () => {
      tc.losses = members(tc.family, tc.loss, registryNames()).filter((n) => $(`touch-on-${n}`)?.checked);
      requestTouch();
    });
    const item = el('span', { class: 'check' });
    item.append(box, el('label', { for: id }, touchLabel(name)));
    $('touch-losses').append(item);
  }
  const targets = tc.family === 'logit' ? [0, 1] : tc.family === 'error' ? [-2, -1, 0, 1, 2] : [];
  $('touch-target-field').hidden = !targets.length;
  fillSelect($('touch-target'), targets.map((v) => ({ value: String(v), label: String(v) })), String(tc.target));
  fillSelect($('touch-half'), f.halves.map((v) => ({ value: String(v), label: `±${v}` })), String(tc.half));
}

function touchBounds() {
  const tc = app.touch;
  const c = centreOf(tc.family, tc.target);
  return [c - tc.half, c + tc.half];
}

// One request in flight; while it runs, the newest position waits (a drag sends no backlog).
function requestTouch() {
  const tc = app.touch;
  if (!app.engine || !app.registry || !tc.family || app.hidden.has('touch') || !app.firstResult) return;
  if (!tc.losses.length) {
    tc.result = { x: [], curves: [], point: [] };
    renderTouch();
    return;
  }
  if (tc.job) {
    tc.pending = true;
    return;
  }
  const req = { family: tc.family, losses: tc.losses.slice(), target: tc.target, x: tc.x, half: tc.half,
    c: app.state.c, state: { ...app.state, input: '', target: '' } };
  const key = JSON.stringify(req);
  if (key === tc.sent && tc.result) return;
  tc.sent = key;
  askWorker(tc, { kind: 'touch', channel: TOUCH_CHANNEL, reply: 'touched', req, render: renderTouch, again: requestTouch });
}

// One small request in flight per view (slot: {job, pending, result}); while it runs, the newest
// waits (a drag sends no backlog) and `again` asks for it when the running one ends.
function askWorker(slot, { kind, channel, reply, req, render, again }) {
  const job = app.engine.run(req, { onMessage: (m) => {
    if (m.type === reply) {
      slot.result = { ...m, req };
      render();
    }
  } }, kind, channel);
  slot.job = job;
  job.done.then((m) => {
    if (slot.job === job) slot.job = null;
    if (m.type === 'error') {
      slot.result = { error: `${m.name}: ${m.message}`, req };
      render();
    }
    if (slot.pending) {
      slot.pending = false;
      again();
    }
  });
}

function moveTouch(x) {
  const [lo, hi] = touchBounds();
  app.touch.x = Math.min(hi, Math.max(lo, Number(x.toPrecision(6))));
  $('touch-slider').setAttribute('aria-valuenow', String(app.touch.x));
  requestTouch();
}

function renderTouch() {
  const tc = app.touch;
  const L2 = (k, p) => L(k, p);
  const on = !!tc.family;
  for (const id of ['touch-slider', 'touch-hint', 'touch-title']) $(id).hidden = !on;
  $('touch-table').closest('.table-wrap').hidden = !on;
  document.querySelector('#touch-panel .touch-controls').hidden = !on;
  $('touch-intro').textContent = on ? L2(`touchIntro_${tc.family}`, { t: tc.target, c: app.state.c }) : L2('touchNone');
  if (!on) {
    drawTouch($('touch-loss'), { x: [], series: [] });
    drawTouch($('touch-grad'), { x: [], series: [] });
    $('touch-body').replaceChildren();
    $('touch-note').textContent = '';
    return;
  }
  const xName = L2(`touchX_${tc.family}`);
  $('touch-target-label').textContent = L2(`touchTarget_${tc.family}`);
  $('th-touch-value').textContent = L2('th_touchValue');
  $('th-touch-grad').textContent = L2('th_touchGrad', { x: xName });
  $('touch-title').textContent = L2('touchTitle', { x: xName });
  const r = tc.result;
  const [lo, hi] = touchBounds();
  const slider = $('touch-slider');
  slider.setAttribute('aria-valuemin', String(lo));
  slider.setAttribute('aria-valuemax', String(hi));
  slider.setAttribute('aria-valuenow', String(tc.x));
  if (!r || r.error || !r.x?.length) {
    $('touch-note').textContent = r?.error ?? '';
    if (r && !r.error) {
      drawTouch($('touch-loss'), { x: [], series: [] });
      drawTouch($('touch-grad'), { x: [], series: [] });
      $('touch-body').replaceChildren();
    }
    return;
  }
  const ok = r.curves.map((c, i) => ({ c, p: r.point[i] })).filter(({ c, p }) => c.loss && p && !p.error);
  const at = r.req.x;
  const series = ok.map(({ c }) => ({ label: touchLabel(c.name), y: c.loss }));
  $('touch-loss').dataset.summary = drawTouch($('touch-loss'), { x: r.x, series, at, marks: ok.map(({ p }) => p.value) },
    { xLabel: xName, yLabel: L2('curveY') });
  const gradOn = $('touch-grad-on').checked;
  $('touch-grad').hidden = !gradOn;
  if (gradOn) {
    drawTouch($('touch-grad'), { x: r.x, series: ok.map(({ c }) => ({ label: `∂/∂${xName.split(' ')[0]} ${touchLabel(c.name)}`, y: c.grad })), at,
      marks: ok.map(({ p }) => p.grad) }, { xLabel: xName, yLabel: L2('touchGradY') });
  }
  const text = ok.map(({ c, p }) => `${touchLabel(c.name)} ${fmt(p.value)}, ${L2('touchGradShort')} ${fmt(p.grad)}`).join('; ');
  slider.setAttribute('aria-valuetext', `${xName} = ${fmt(at)}: ${text}`);
  $('touch-caption').textContent = L2(`touchCaption_${tc.family}`, { x: fmt(at), t: tc.target });
  $('touch-body').replaceChildren(...r.curves.map((c, i) => {
    const p = r.point[i];
    const tr = el('tr', { 'data-loss': c.name });
    tr.append(el('th', { scope: 'row' }, touchLabel(c.name)));
    if (c.error || p?.error) tr.append(el('td', { colspan: '2', class: 'path-error' }, c.error ?? p.error));
    else tr.append(el('td', { class: 'torch-cell' }, p.print), el('td', { class: 'torch-cell' }, p.gradPrint));
    return tr;
  }));
  const notes = [];
  if (r.curves.some((c) => c.note === 'noWeight')) notes.push(L2('touchNoWeight'));
  if (app.state.reduction === 'sum') notes.push(L2('touchSum'));
  $('touch-note').textContent = notes.join(' ');
}

function wireTouch() {
  const slider = $('touch-slider');
  let dragging = false;
  const at = (ev) => {
    const canvas = ev.target.closest('canvas') ?? $('touch-loss');
    const x = xFromOffset(canvas, ev.clientX - canvas.getBoundingClientRect().left);
    if (x != null) moveTouch(x);
  };
  slider.addEventListener('pointerdown', (ev) => {
    dragging = true;
    slider.setPointerCapture?.(ev.pointerId);
    at(ev);
  });
  slider.addEventListener('pointermove', (ev) => { if (dragging) at(ev); });
  const end = () => { dragging = false; };
  slider.addEventListener('pointerup', end);
  slider.addEventListener('pointercancel', end);
  slider.addEventListener('keydown', (ev) => {
    const [lo, hi] = touchBounds();
    const x = keyStep(ev.key, app.touch.x, lo, hi);
    if (x == null) return;
    ev.preventDefault();
    moveTouch(x);
  });
  $('touch-target').addEventListener('change', () => {
    const tc = app.touch;
    const before = centreOf(tc.family, tc.target);
    tc.target = Number($('touch-target').value);
    tc.x += centreOf(tc.family, tc.target) - before;   // the prediction keeps its error
    requestTouch();
  });
  $('touch-half').addEventListener('change', () => {
    app.touch.half = Number($('touch-half').value);
    moveTouch(app.touch.x);
  });
  $('touch-grad-on').addEventListener('change', renderTouch);
  fillSelect($('outliers-fraction'), OUTLIER_FRACTIONS.map((v) => ({ value: String(v), label: `${Math.round(v * 100)}%` })), String(app.outl.fraction));
  $('outliers-fraction').addEventListener('change', () => {
    app.outl.fraction = Number($('outliers-fraction').value);
    requestOutliers();
  });
  $('outliers-size').addEventListener('input', () => {
    app.outl.size = Number($('outliers-size').value);
    $('outliers-size-out').textContent = String(app.outl.size);
    requestOutliers();
  });
}

// The regression data with every k-th target moved by +size, against the same data without.
function requestOutliers() {
  const o = app.outl;
  const s = app.state;
  if (!app.engine || !app.registry || s.recipe !== 'regression' || app.hidden.has('touch') || app.inputErrors.size || !app.firstResult) return;
  if (o.job) {
    o.pending = true;
    return;
  }
  const losses = FAMILIES.error.losses.filter((n) => registryNames().includes(n));
  const req = { state: { ...s, input: '', target: '' }, fraction: o.fraction, size: o.size, losses };
  const key = JSON.stringify([s.n, s.seed, s.reduction, s.delta, s.beta, o.fraction, o.size]);
  if (key === o.sent && o.result) return;
  o.sent = key;
  if (Number(s.n) > OUTLIERS_MAX_N) {
    o.result = { tooBig: true };
    renderOutliers();
    return;
  }
  askWorker(o, { kind: 'outliers', channel: OUTLIERS_CHANNEL, reply: 'outliered', req, render: renderOutliers, again: requestOutliers });
}

function renderOutliers() {
  const r = app.outl.result;
  const loc = app.state.lang === 'zh' ? 'zh-CN' : 'en';
  if (!r || r.error || r.tooBig) {
    $('outliers-body').replaceChildren();
    $('outliers-note').textContent = r?.tooBig ? L('outliersTooBig', { n: OUTLIERS_MAX_N.toLocaleString(loc) }) : r?.error ?? '';
    $('outliers-caption').textContent = '';
    return;
  }
  $('outliers-caption').textContent = L('outliersCaption', { moved: r.moved.toLocaleString(loc), n: r.n.toLocaleString(loc),
    size: r.req.size, reduction: r.reduction });
  $('outliers-body').replaceChildren(...r.rows.map((row) => {
    const tr = el('tr', { 'data-loss': row.name });
    tr.append(el('th', { scope: 'row' }, touchLabel(row.name)));
    if (row.error) tr.append(el('td', { colspan: '3', class: 'path-error' }, row.error));
    else tr.append(el('td', { class: 'torch-cell' }, row.cleanPrint), el('td', { class: 'torch-cell' }, row.dirtyPrint),
      el('td', {}, `×${ratio(row.dirty / row.clean)}`));
    return tr;
  }));
  const by = Object.fromEntries(r.rows.filter((x) => !x.error).map((x) => [x.name, x.dirty / x.clean]));
  $('outliers-note').textContent = r.moved && by.mse_loss && by.l1_loss
    ? L('outliersNote', { mse: ratio(by.mse_loss), l1: ratio(by.l1_loss) }) : '';
}

// ---- rendering -------------------------------------------------------------------------------

// ---- the race across N ---------------------------------------------------------------------

const RACE_RECIPES = new Set(['regression', 'binary', 'multiclass']);
const RACE_AUTO_N = 1e6;   // run by itself after a result (about a second); the button goes to 3e7

// What the race depends on: the data set, the loss and its options (not N, seed or reps).
function raceKey(s) {
  return JSON.stringify(RUN_KEYS.filter((k) => !['n', 'seed', 'reps', 'input', 'target'].includes(k)).map((k) => s[k]));
}

function autoRace() {
  const s = app.state;
  if (!RACE_RECIPES.has(s.recipe) || app.hidden.has('timing') || app.inputErrors.size) return;
  const r = app.race;
  if (r.key === raceKey(s) && (r.running || r.done)) return;
  startRace(Math.max(RACE_AUTO_N, r.key === raceKey(s) ? r.maxN : 0));
}

function startRace(maxN) {
  const s = app.state;
  if (!RACE_RECIPES.has(s.recipe)) return;
  const key = raceKey(s);
  const keep = app.race.key === key ? app.race.points : [];
  app.race = { key, points: keep, running: true, done: false, maxN, capped: false, job: null, stopped: false };
  const job = app.engine.run({ ...s, raceMax: maxN }, { onMessage: onRaceMessage }, 'race', 2);
  app.race.job = job;
  renderRace();
  job.done.then((m) => {
    if (app.race.job !== job) return;
    app.race.running = false;
    app.race.stopped = m.type !== 'done' || !!m.stopped;
    if (m.type === 'error') app.race.error = `${m.name}: ${m.message}`;
    renderRace();
  });
}

function onRaceMessage(m) {
  const r = app.race;
  if (!r.job || m.id !== r.job.id) return;
  if (m.type === 'racePoint') {
    r.points = [...r.points.filter((p) => p.n !== m.point.n), m.point].sort((a, b) => a.n - b.n);
    r.at = m.point.n;
  } else if (m.type === 'raceDone') {
    r.done = true;
    r.capped = m.capped;
    r.reached = m.maxN;
  }
  renderRace();
}

function renderRace() {
  const r = app.race;
  const loc = app.state.lang === 'zh' ? 'zh-CN' : 'en';
  const num = (n) => Number(n).toLocaleString(loc);
  const raceable = RACE_RECIPES.has(app.state.recipe);
  $('race').hidden = !raceable;
  if (!raceable) return;
  const fresh = r.key === raceKey(app.state);
  const points = fresh ? r.points : [];
  const keys = ['simd', 'scalar', 'js', 'api'];
  const series = keys.map((k) => ({ label: L(`path_${k}`), points: points.filter((p) => p[k] > 0).map((p) => [p.n, p[k]]) }))
    .filter((x) => x.points.length);
  const f = raceFacts(points);
  const lines = [];
  if (f.cross != null && f.last) lines.push(L('raceCross', { cross: num(f.cross), n: num(f.last.n), speedup: ratio(f.last.simdSpeedup) }));
  else if (f.last && r.done) lines.push(L('raceNoCross', { n: num(f.last.n) }));
  if (f.first && f.first.loopLead > 1) lines.push(L('raceSmall', { n: num(f.first.n), ratio: ratio(f.first.loopLead) }));
  if (f.api) lines.push(L('raceApi', { n: num(f.api.n), ratio: ratio(f.api.apiOverSimd) }));
  if (r.capped && fresh) lines.push(L('raceCapped', { n: num(r.reached) }));
  if (fresh && r.running && r.at) lines.push(L('raceRunning', { n: num(r.at) }));
  if (fresh && r.stopped && !r.done && !r.error) lines.push(L('raceStopped'));
  if (fresh && r.error) lines.push(r.error);
  const text = lines.join(' ');
  $('race-summary').textContent = text;
  drawLogLog($('race-chart'), series, { xLabel: L('raceX'), yLabel: L('raceY'), xMax: fresh ? r.maxN : undefined, summary: () => text });
  $('race-run').disabled = fresh && r.running;
  $('race-head').replaceChildren(el('th', { scope: 'col' }, L('th_n')), ...keys.map((k) => el('th', { scope: 'col' }, L(`path_${k}`))));
  $('race-body').replaceChildren(...points.map((p) => {
    const tr = el('tr');
    tr.append(el('th', { scope: 'row' }, num(p.n)), ...keys.map((k) => el('td', {}, p[k] > 0 ? duration(p[k]) : '–')));
    return tr;
  }));
}

function renderAll() {
  renderData();
  renderLoss();
  renderFormula();
  renderGrad();
  renderPlots();
  renderTiming();
  renderTrain();
  renderRace();
  renderTouch();
  renderOutliers();
  renderCode();
  renderBuildInfo();
}

function renderBuildInfo() {
  const i = app.info;
  $('build-info').textContent = i
    ? L('buildInfo', { arch: i.arch, scalar: i.scalarArch ?? '…', count: app.registry.losses.length }) +
      (i.threads > 1 ? L('buildThreads', { n: i.threads }) : i.isolated === false ? L('buildOneThread') : '')
    : L('status_loading');
}

function renderData() {
  const d = app.last.data;
  if (!d) {
    $('data-meta').textContent = '';
    return;
  }
  const shapes = Object.entries(d.shapes).map(([k, v]) => `${k} ${shapeText(v.shape)} ${v.dtype}`).join(' · ');
  $('data-meta').textContent = `${L('dataMeta', { ms: d.genMs.toFixed(1), cached: d.cached ? L('dataCached') : '' })}${L('sep_sentence')}${shapes}`;
}

function renderLoss() {
  const m = app.last.loss;
  if (!m) return;
  $('result').textContent = m.loss.print;
  $('result').classList.remove('stale');
  const sp = app.registry?.losses.find((s) => s.name === m.loss.name);
  $('result-meta').textContent = L('resultMeta', { module: `nn.${sp?.module ?? m.loss.name}`,
    input: shapeText(m.inputShape), target: shapeText(m.targetShape), ms: m.loss.ms.toFixed(2) });
  $('warnings').replaceChildren(...m.loss.warnings.map((w) => el('li', {}, L('warning', { message: w }))));
}

// The formula panel: the loss's formula (MathML), its first rows with their numbers and terms,
// the reduction that makes the printed number, and what to try.
function renderFormula() {
  const sp = spec();
  const f = sp ? FORMULAS[sp.name] : null;
  const lang = app.state.lang;
  $('formula-math').replaceChildren(...(f ? [toDom(parseTex(f.tex))] : []));
  $('formula-try').textContent = f ? L('tryThis', { text: f.try[lang] ?? f.try.en }) : '';
  const r = app.last.rows;
  const m = app.last.loss;
  const head = $('rows-head');
  const body = $('rows-body');
  if (!r || !m || m.loss.name !== sp?.name) {
    $('formula-plug').textContent = '';
    $('formula-plug').hidden = true;
    head.replaceChildren();
    body.replaceChildren();
    $('rows-caption').textContent = '';
    $('formula-reduce').textContent = '';
    return;
  }
  const k = r.values[0].length ? r.shapes[0][0] : 0;
  const names = r.operands.map((o) => pythonOf(o, app.state.c));
  const cell = (vals, shape, row, int) => {
    const per = shape.slice(1).reduce((a, b) => a * b, 1);
    const v = vals.slice(row * per, row * per + per);
    const one = (x) => (int ? String(x) : Number.isFinite(x) ? x.toFixed(4) : String(x));
    if (per === 1) return one(v[0]);
    return `[${v.slice(0, 4).map(one).join(', ')}${per > 4 ? ', …' : ''}]`;
  };
  const cls = r.classes;
  head.replaceChildren(el('th', { scope: 'col' }, L('th_row')), ...names.map((n) => el('th', { scope: 'col' }, n)),
    ...(r.loss ? [el('th', { scope: 'col' }, L('th_term'))] : []),
    ...(cls ? [el('th', { scope: 'col' }, L('th_probs')), el('th', { scope: 'col' }, L('th_pred'))] : []));
  body.replaceChildren(...Array.from({ length: k }, (_, row) => {
    const tr = el('tr');
    tr.append(el('th', { scope: 'row' }, String(row + 1)), ...r.values.map((v, j) => el('td', {}, cell(v, r.shapes[j], row, r.dtypes[j] !== 'float32' && r.dtypes[j] !== 'float64'))));
    if (r.loss) tr.append(el('td', { class: 'term' }, cell(r.loss, r.lossShape, row, false)));
    if (cls) {
      const p = cls.probs.slice(row * cls.C, row * cls.C + cls.C);
      tr.append(el('td', {}, `[${p.slice(0, 6).map((x) => x.toFixed(3)).join(', ')}${cls.C > 6 ? ', …' : ''}]`),
        el('td', { class: cls.pred[row] === Number(r.values[1][row]) ? 'hit' : 'miss' }, String(cls.pred[row])));
    }
    return tr;
  }));
  // row 1 by hand (elementwise losses: one value per operand; class losses: the row and its index)
  const row1 = r.values.map((v, j) => {
    const per = r.shapes[j].slice(1).reduce((a, b) => a * b, 1);
    return v.slice(0, per);
  });
  const elementwise = r.shapes.every((sh) => sh.slice(1).reduce((a, b) => a * b, 1) === 1);
  const classy = r.classes && r.values.length === 2;
  const plug = r.loss && (elementwise || classy) ? plugRow(sp.name, row1, app.state, r.loss[0]) : null;
  $('formula-plug').textContent = plug ?? '';
  $('formula-plug').hidden = !plug;
  $('rows-caption').textContent = L('rowsCaption', { k, n: r.total.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en') });
  const count = (r.total * r.lossShape.slice(1).reduce((a, b) => a * b, 1)).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en');
  const value = m.loss.value != null ? m.loss.print.replace(/^tensor\((.*?)(,.*)?\)$/s, '$1') : '';
  const red = app.state.reduction;
  const weighted = red === 'mean' && ['cross_entropy', 'nll_loss'].includes(sp.name) && app.state.weight;
  $('formula-reduce').textContent = red === 'none' ? L('reduce_none', { count })
    : red === 'batchmean' ? L('reduce_batchmean', { rows: r.total.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en'), value })
      : L(weighted ? 'reduce_weighted' : red === 'sum' ? 'reduce_sum' : 'reduce_mean', { count, value });
}

function renderGrad() {
  const g = app.last.grad;
  if (!g) return;
  const s = g.stats;
  $('grad-summary').textContent = L('gradSummary', { shape: shapeText(g.shape), min: fmt(s.min), max: fmt(s.max),
    mean: fmt(s.mean), norm: fmt(s.norm) }) + (s.nonFinite ? L('gradNonFinite', { count: s.nonFinite }) : '');
  $('h-grad-head').textContent = L('gradHead', { k: g.headRows });
  $('grad-head').textContent = g.head;
  $('grad-print').textContent = g.print;
}

function renderPlots() {
  const p = app.last.plots;
  $('plots-error').hidden = !p?.error;
  $('plots-error').textContent = p?.error ? L('err_oom', { detail: L('err_oomRuntime', { message: p.error }) }) : '';
  if (!p) return;
  if (p.error) {
    drawHistogram($('hist'), null);
    drawCurve($('curve'), null);
    $('hist-summary').textContent = '';
    $('curve-summary').textContent = '';
    return;
  }
  $('hist-summary').textContent = drawHistogram($('hist'), p.hist, { xLabel: L('histX'), yLabel: L('histY'),
    summary: (v) => L('histSummary', v) });
  const c = p.curve;
  $('curve-note').hidden = !(!c || c.error);
  $('curve-note').textContent = !c || c.error ? L('noCurve') + (c?.error ? ` (${c.error})` : '') : '';
  if (!c || c.error) {
    drawCurve($('curve'), null);
    $('curve-summary').textContent = L('noCurve');
    return;
  }
  const labelled = {
    x: c.x,
    series: c.series.map((s) => ({ y: s.y, label: L(`series_${s.key}`) })),
    data: c.data.map((d) => ({ hist: d.hist, label: L(`data_${d.key}`) })),
  };
  const xLabel = L(`curveX_${c.kind}`);
  $('curve-summary').textContent = drawCurve($('curve'), labelled, { xLabel, yLabel: L('curveY'),
    summary: (v) => L('curveSummary', { ...v, xlabel: xLabel }) });
}

function renderTiming() {
  const tm = app.last.timing;
  const body = $('timing-body');
  if (!tm) {
    body.replaceChildren();
    $('timing-chart-label').textContent = drawBars($('timing-chart'), []);
    return;
  }
  const loc = app.state.lang === 'zh' ? 'zh-CN' : 'en';
  const rate = new Intl.NumberFormat(loc, { notation: 'compact', maximumSignificantDigits: 3 });
  const { js } = loopAndSimd(tm);
  const rows = tm.paths.map((p) => {
    const tr = el('tr', { 'data-path': p.key });
    const name = () => {
      const th = el('th', { scope: 'row' }, L(`path_${p.key}`, { n: p.threads }));
      if (p.key === 'simd') th.append(el('span', { class: 'arch' }, ` (${p.arch})`));
      return th;
    };
    if (p.error) {
      tr.append(name(), el('td', { colspan: '5', class: 'path-error' }, p.error));
      return tr;
    }
    tr.append(name(), el('td', {}, duration(p.ms)),
      el('td', {}, `${rate.format(tm.numel / (p.ms / 1000))}/s`),
      el('td', {}, js ? `×${ratio(js.ms / p.ms)}` : '–'), el('td', {}, String(p.samples * (p.inner ?? 1))),
      el('td', { class: 'value' }, Number.isFinite(p.value) ? p.value.toPrecision(7) : String(p.value)));
    return tr;
  });
  body.replaceChildren(...rows);
  const wrap = $('timing-table').parentElement;   // a phone: say that the table scrolls
  const scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
  wrap.classList.toggle('scrolls', scrolls);
  $('timing-scroll-hint').hidden = !scrolls;
  $('timing-chart-label').textContent = drawBars($('timing-chart'),
    tm.paths.filter((p) => Number.isFinite(p.ms)).map((p) => ({ label: L(`path_${p.key}`, { n: p.threads }), value: p.ms })));
  $('timing-note').textContent = L('timingNote', { reduction: tm.reduction, numel: tm.numel.toLocaleString(loc), gen: tm.genMs == null ? '–' : tm.genMs.toFixed(1) })
    + loopNote(app.state.lang, tm, 'timingJsWins');
}

// Steps arrive faster than a frame: draw the panel once per frame, not once per step (10,000
// steps redrawn one by one took minutes).
function trainSoon() {
  if (app.trainFrame) return;
  app.trainFrame = requestAnimationFrame(() => {
    app.trainFrame = 0;
    renderTrain();
  });
}

function renderTrain() {
  if (app.trainFrame) {
    cancelAnimationFrame(app.trainFrame);
    app.trainFrame = 0;
  }
  const tr = app.train;
  $('train-chart').closest('figure').hidden = tr.losses.length === 0;
  const acc = tr.acc?.filter((a) => a != null) ?? [];
  const pct = (a) => `${(100 * a).toFixed(1)}%`;
  $('train-summary').textContent = drawSteps($('train-chart'), tr.losses, { total: Math.max(tr.total, tr.losses.length, 2),
    xLabel: L('trainX'), yLabel: L('trainY'), summary: (v) => L('trainSummary', v) })
    + (acc.length ? ` ${L('trainAccuracy', { first: pct(acc[0]), last: pct(acc[acc.length - 1]) })}` : '');
  $('h-train-w').textContent = tr.w ? L('trainFinal', { steps: tr.k }) : '';
  $('h-train-w').hidden = !tr.w;
  $('train-w').textContent = tr.w ?? '';
  $('train-w').hidden = !tr.w;
  // steps from other settings (the loss was switched while it trained) are marked as such
  const old = trainIsStale();
  for (const id of ['train-chart', 'train-w', 'steps-table', 'surface']) $(id).classList.toggle('stale', old);
  renderSteps();
  renderSurface();
  renderTrainNotice();
  const ok = canTrain();
  for (const id of ['train-play', 'train-step']) $(id).disabled = !ok;
  $('train-reset').disabled = !tr.losses.length;
}

// The per-step numbers: loss, accuracy, the gradient's norm at that w, and w.
function renderSteps() {
  const tr = app.train;
  const n = tr.losses.length;
  $('steps-details').hidden = n === 0;
  if (!n) {
    $('steps-body').replaceChildren();
    return;
  }
  const from = Math.max(0, n - STEP_ROWS);
  const loc = app.state.lang === 'zh' ? 'zh-CN' : 'en';
  // the lr these steps were trained with (the slider may already say another: its re-run waits 250 ms)
  $('steps-caption').textContent = L(from ? 'stepsCaptionLast' : 'stepsCaption', { shown: (n - from).toLocaleString(loc), n: n.toLocaleString(loc), lr: fmt(tr.state?.lr ?? app.state.lr) });
  const wText = (w) => {
    if (!w) return '';
    const head = w.slice(0, 4).map((v) => v.toFixed(4)).join(', ');
    return `[${head}${w.length > 4 ? ', …' : ''}]`;
  };
  const rows = [];
  for (let k = from; k < n; k++) {
    const tr2 = el('tr', { 'data-step': String(k) });
    tr2.append(el('th', { scope: 'row' }, String(k)), el('td', {}, Number.isFinite(tr.losses[k]) ? tr.losses[k].toFixed(4) : String(tr.losses[k])),
      el('td', {}, tr.acc[k] != null ? `${(100 * tr.acc[k]).toFixed(1)}%` : '–'),
      el('td', {}, tr.norms[k] != null ? fmt(tr.norms[k]) : '–'), el('td', { class: 'torch-cell' }, wText(tr.ws[k])));
    rows.push(tr2);
  }
  $('steps-body').replaceChildren(...rows);
  const wrap = $('steps-wrap');
  if (tr.running || app.playing) wrap.scrollTop = wrap.scrollHeight;
}

function trainIsStale() {
  const tr = app.train;
  return !!tr.state && tr.losses.length > 0 && RUN_KEYS.some((k) => k !== 'reps' && !sameValue(tr.state[k], app.state[k]));
}

function renderCode() {
  const s = app.state;
  const sp = spec();
  if (!sp) {
    setCode('');
    return;
  }
  const plan = planOrFallback(s.recipe, sp, app.pasteInfo ?? {});
  if (!plan) return;
  // the pasted values as the worker parsed them for this state's text (null: too many to inline,
  // or not parsed yet; the code then reads them from files)
  const d = app.last.data;
  const pasted = s.recipe === 'paste' && d?.paste?.values && d.text === pasteTextKey(s) ? d.paste.values : null;
  const lossMsg = app.last.loss;
  const print = lossMsg && lossMsg.loss.name === sp.name && app.runState && sameRun(app.runState, s) ? lossMsg.loss.print : null;
  const mode = app.train.running || app.train.w ? 'train' : 'loss';
  const { code, big } = pythonCode({ state: s, spec: sp, plan, pasted, print, mode });
  setCode(code);
  $('code-intro').textContent = L('codeIntro') + (big ? ` ${L('codeTooLong')}` : '');
}

// The editor shows the page's code (its default value) until the learner edits it; then the
// edit stays, and "Back to the page's code" brings the page's back.
function setCode(code) {
  const ta = $('code');
  ta.defaultValue = code;
  if (!app.codeEdited) ta.value = code;
  $('code-reset').hidden = !app.codeEdited || ta.value === code;
}

// ---- Python: the code panel runs its code (python.mjs, a worker started on the first Run) ----

function pyStatus(text) { $('py-status').textContent = text; }

async function runPython() {
  if (!app.python) {
    pyStatus(L('pyLoading'));
    const { PythonRunner } = await import('./python.mjs');   // nothing of Python loads before this
    if (app.python) return;
    app.python = new PythonRunner({
      onStatus: (st) => {
        if (st === 'loading') pyStatus(L('pyLoading'));
        $('py-stop').disabled = !(st === 'running' || st === 'loading');
      },
    });
  }
  const py = app.python;
  if (py.running) return;
  const out = $('py-out');
  out.replaceChildren();
  out.hidden = false;
  const firstStart = !py.worker;
  if (!firstStart) pyStatus(L('pyRunning'));
  $('py-run').disabled = true;
  $('py-stop').disabled = false;
  const add = (text, cls) => {
    const span = document.createElement('span');
    if (cls) span.className = cls;
    span.textContent = text;
    out.append(span);
  };
  const r = await py.run($('code').value, { fresh: true, onOut: (t) => add(t), onErr: (t) => add(t, 'err') });
  $('py-run').disabled = false;
  $('py-stop').disabled = true;
  if (r.error && !r.stopped) add(r.error.traceback, 'err');
  const ms = Math.round(r.ms);
  if (r.stopped) pyStatus(L('pyStopped'));
  else if (r.error && r.error.line == null && r.error.type === 'Error') pyStatus(L('pyError', { message: r.error.message }));
  else if (r.error) pyStatus(L(r.error.line ? 'pyFailed' : 'pyFailedNoLine', { type: r.error.type, line: r.error.line, ms }));
  else if (firstStart && py.startMs != null) pyStatus(L('pyStarted', { start: Math.round(py.startMs), ms }));
  else pyStatus(L('pyDone', { ms }));
}

function wireEditor() {
  const ta = $('code');
  let escaped = false;
  ta.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      runPython();
      return;
    }
    if (e.key === 'Escape') { escaped = true; return; }
    if (e.key === 'Tab' && !escaped && !e.shiftKey) {   // indent (Esc first lets Tab leave)
      e.preventDefault();
      const { selectionStart: a, selectionEnd: b } = ta;
      ta.setRangeText('    ', a, b, 'end');
      ta.dispatchEvent(new Event('input'));
    }
    escaped = false;
  });
  ta.addEventListener('input', () => {
    app.codeEdited = ta.value !== ta.defaultValue;
    $('code-reset').hidden = !app.codeEdited;
  });
  $('code-reset').addEventListener('click', () => {
    ta.value = ta.defaultValue;
    app.codeEdited = false;
    $('code-reset').hidden = true;
    ta.focus();
  });
  $('py-run').addEventListener('click', runPython);
  $('py-stop').addEventListener('click', () => app.python?.stop());
}

// Whether two states compute the same thing (the keys from the table: data, loss, options).
function sameRun(a, b) {
  return RUN_KEYS.every((k) => sameValue(a[k], b[k]));
}

async function copyText(text, statusEl) {
  statusEl.textContent = L(await copyToClipboard(text) ? 'copied' : 'copyFailed');
}

// ---- start -------------------------------------------------------------------------------------

// In-page anchors ("Skip to the result", #result-panel) are not settings: move focus there and
// keep the settings in the URL.
function anchor(id) {
  const el = /^[a-z][\w-]*$/i.test(id) ? document.getElementById(id) : null;
  if (!el) return false;
  el.scrollIntoView({ block: 'start' });
  el.focus({ preventScroll: true });
  return true;
}

async function main() {
  const h0 = location.hash.replace(/^#/, '');
  const startAnchor = !h0.includes('=') && /^[a-z][\w-]*$/i.test(h0) && document.getElementById(h0) ? h0 : null;
  if (startAnchor) history.replaceState(null, '', location.pathname + location.search);
  loadHash();
  buildFields();
  applyLang();
  showNotice(app.notices);
  setStatus('loading', ['status_loading']);
  app.engine = new Engine({ adopt: true });   // the worker web/boot.js started
  app.engine.onStall = (ms) => {   // the watchdog: silent for a while (ms), or answering again (0)
    showNotice(ms ? [...app.notices, L('notice_stalled', { s: Math.round(ms / 1000) })] : app.notices);
  };
  app.engine.onInfo = (info) => {   // the scalar build has loaded: the build line names it
    app.info = info;
    if (app.registry) renderBuildInfo();
  };

  $('run').addEventListener('click', () => {
    for (const p of PARAMS) {   // take what is typed even if the field was not left yet
      const input = $(`f-${p.key}`);
      if (p.control === 'text' || p.control === 'number') {
        if (input && input.value !== formatValue(p.key, app.state[p.key]) && !app.inputErrors.has(p.key)) {
          const r = parseValue(p.key, input.value);
          if (r.error) app.inputErrors.set(p.key, r.error);
          else app.state[p.key] = r.value;
        }
      }
    }
    syncFields();
    writeHash();
    run();
  });
  $('cancel').addEventListener('click', cancel);
  $('train-run').addEventListener('click', train);
  $('train-play').addEventListener('click', play);
  $('train-step').addEventListener('click', () => {
    pause();
    trainStep();
  });
  $('train-reset').addEventListener('click', resetTrain);
  fillSelect($('train-speed'), SPEEDS.map((v) => ({ value: String(v), label: L('trainSpeedValue', { n: v }) })), '5');
  $('surface-pair').addEventListener('change', requestSurface);
  $('race-run').addEventListener('click', () => startRace(3e7));
  $('copy-link').addEventListener('click', () => copyText(location.href, $('status')));
  $('copy-code').addEventListener('click', () => copyText($('code').value, $('copy-status')));
  wireEditor();
  wireTouch();
  document.querySelector('a.skip')?.addEventListener('click', (ev) => {
    ev.preventDefault();
    anchor(ev.currentTarget.getAttribute('href').slice(1));
  });
  window.addEventListener('hashchange', () => {
    const h = location.hash.replace(/^#/, '');
    if (h === app.lastHash) return;
    if (!h.includes('=') && anchor(h)) {
      if (app.lastHash != null) history.replaceState(null, '', `#${app.lastHash}`);
      return;
    }
    loadHash();
    if (app.registry) normaliseLoss();
    fixReduction(true);
    applyLang();
    showNotice(app.notices);
    writeHash();
    run();
  });
  const ro = new ResizeObserver(() => {
    cancelAnimationFrame(app.raf);
    app.raf = requestAnimationFrame(() => {
      renderPlots();
      renderTiming();
      renderTrain();
      renderRace();
      renderTouch();
    });
  });
  for (const id of ['hist', 'curve', 'timing-chart', 'train-chart', 'race-chart', 'touch-loss', 'surface']) ro.observe($(id));

  let info;
  try {
    info = await app.engine.ready;
  } catch (e) {
    showError(L('err_load', { message: e.message }));
    setStatus('error', '');
    return;
  }
  app.info = info;
  app.registry = REGISTRY;   // the losses are offered once the engine is ready
  normaliseLoss();
  fixReduction(true);
  showNotice(app.notices);
  syncMenus();
  syncFields();
  writeHash();
  setStatus('ready', ['status_ready']);
  run();          // the worker starts on the first result while the page draws its empty panels
  renderAll();
  if (startAnchor) anchor(startAnchor);
}

main();
