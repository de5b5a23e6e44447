// Plain-canvas plots: the data arrive already reduced (histograms computed in wasm, curves of a
// few hundred points), so drawing is cheap and there is never one DOM node per point. Colours
// come from CSS custom properties (--plot-*), so the page and the widget can theme them.
// Every draw function returns a one-line text summary for screen readers.

import { duration } from './format.mjs';

const DEFAULT_THEME = {
  fg: '#1b1f24', muted: '#57606a', grid: '#d8dee4', bg: '#ffffff',
  c1: '#0b5cad', c2: '#b03a00', c3: '#1a7f37', c4: '#8250df', fill1: 'rgba(11, 92, 173, 0.3)', fill2: 'rgba(176, 58, 0, 0.3)',
};

function theme(canvas) {
  const cs = getComputedStyle(canvas);
  const out = {};
  for (const [k, v] of Object.entries(DEFAULT_THEME)) out[k] = cs.getPropertyValue(`--plot-${k}`).trim() || v;
  out.font = `${parseFloat(cs.fontSize) * 0.8 || 12}px ${cs.fontFamily || 'system-ui, sans-serif'}`;
  return out;
}

/** Sizes the canvas backing store to its CSS box × devicePixelRatio; returns a 2-D context in CSS px. */
function setup(canvas) {
  const dpr = Math.max(1, Math.min(3, globalThis.devicePixelRatio || 1));
  const w = Math.max(200, Math.round(canvas.clientWidth || 480));
  const h = Math.max(140, Math.round(canvas.clientHeight || 240));
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d');
  canvas.dataset.drawn = '1';
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const th = theme(canvas);
  ctx.fillStyle = th.bg;
  ctx.fillRect(0, 0, w, h);
  ctx.font = th.font;
  return { ctx, w, h, th };
}

/**
 * An empty plot: cleared if something was drawn, else left alone (sizing a canvas and reading its
 * style force a layout; at start-up every plot is empty and the first result should not wait).
 */
function blank(canvas) {
  if (canvas.dataset.drawn) {
    canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
    delete canvas.dataset.drawn;
  }
  return '';
}

/** Round tick values covering [lo, hi]. */
export function niceTicks(lo, hi, count = 5) {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo === hi) {
    const d = Math.abs(lo) || 1;
    lo -= d / 2;
    hi += d / 2;
  }
  const span = hi - lo;
  const step0 = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(step0));
  const err = step0 / mag;
  const step = (err >= 7.5 ? 10 : err >= 3.5 ? 5 : err >= 1.5 ? 2 : 1) * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

export function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

function frame(ctx, w, h, th, { xlo, xhi, ylo, yhi, xLabel, yLabel, yTicks = true }) {
  const guess = niceTicks(ylo, yhi, Math.max(2, Math.floor((h - 48) / 40)));
  const labelW = yTicks ? Math.max(0, ...guess.map((v) => ctx.measureText(fmt(v)).width)) : 0;
  const m = { l: Math.max(40, Math.ceil(labelW) + 30), r: 12, t: 10, b: 38 };
  const pw = w - m.l - m.r;
  const ph = h - m.t - m.b;
  const X = (v) => m.l + ((v - xlo) / (xhi - xlo || 1)) * pw;
  const Y = (v) => m.t + ph - ((v - ylo) / (yhi - ylo || 1)) * ph;
  ctx.strokeStyle = th.grid;
  ctx.lineWidth = 1;
  ctx.fillStyle = th.muted;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  if (yTicks) {
    for (const v of niceTicks(ylo, yhi, Math.max(2, Math.floor(ph / 40)))) {
      const y = Math.round(Y(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(m.l, y);
      ctx.lineTo(m.l + pw, y);
      ctx.stroke();
      ctx.fillText(fmt(v), m.l - 6, y);
    }
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const v of niceTicks(xlo, xhi, Math.max(2, Math.floor(pw / 70)))) {
    const x = Math.round(X(v)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, m.t + ph);
    ctx.lineTo(x, m.t + ph + 4);
    ctx.stroke();
    ctx.fillText(fmt(v), x, m.t + ph + 6);
  }
  ctx.strokeStyle = th.muted;
  ctx.beginPath();
  ctx.moveTo(m.l + 0.5, m.t);
  ctx.lineTo(m.l + 0.5, m.t + ph + 0.5);
  ctx.lineTo(m.l + pw, m.t + ph + 0.5);
  ctx.stroke();
  ctx.fillStyle = th.fg;
  if (xLabel) ctx.fillText(xLabel, m.l + pw / 2, h - 16);
  if (yLabel) {
    ctx.save();
    ctx.translate(12, m.t + ph / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText(yLabel, 0, 0);
    ctx.restore();
  }
  return { X, Y, m, pw, ph };
}

function legend(ctx, th, items, x, y) {
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  const w = Math.max(...items.map((it) => ctx.measureText(it.label).width)) + 27;
  ctx.save();
  ctx.globalAlpha = 0.85;
  ctx.fillStyle = th.bg;
  ctx.fillRect(x - 4, y - 9, w, items.length * 16 + 2);
  ctx.restore();
  for (const it of items) {
    ctx.fillStyle = it.color;
    if (it.fill) ctx.fillRect(x, y - 5, 14, 10);
    else ctx.fillRect(x, y - 1.5, 14, 3);
    ctx.fillStyle = th.fg;
    ctx.fillText(it.label, x + 19, y);
    y += 16;
  }
}

function bars(ctx, hist, X, Y, color) {
  const k = hist.counts.length;
  const width = (hist.max - hist.min) / k || 1;
  ctx.fillStyle = color;
  for (let i = 0; i < k; i++) {
    if (!hist.counts[i]) continue;
    const x0 = X(hist.min + i * width);
    const x1 = X(hist.min + (i + 1) * width);
    const y = Y(hist.counts[i]);
    ctx.fillRect(x0, y, Math.max(1, x1 - x0 - 0.5), Y(0) - y);
  }
}

/** A histogram {min, max, counts} (computed in wasm). */
export function drawHistogram(canvas, hist, { xLabel = '', yLabel = '', summary } = {}) {
  if (!hist || !hist.counts.length) return blank(canvas);
  const { ctx, w, h, th } = setup(canvas);
  const peak = Math.max(1, ...hist.counts);
  let lo = hist.min;
  let hi = hist.max;
  if (lo === hi) { lo -= 0.5; hi += 0.5; }
  const { X, Y } = frame(ctx, w, h, th, { xlo: lo, xhi: hi, ylo: 0, yhi: peak * 1.05, xLabel, yLabel });
  bars(ctx, { ...hist, min: lo, max: hi }, X, Y, th.c1);
  const n = hist.counts.reduce((a, b) => a + b, 0);
  return summary ? summary({ n, min: fmt(hist.min), max: fmt(hist.max), peak }) : '';
}

/**
 * Loss curves over x, plus where the data lies: histograms drawn as translucent bars scaled to
 * the plot's height.
 * @param {{x: number[], series: {y: number[], label: string}[], data: {hist, label}[]}} c
 */
export function drawCurve(canvas, c, { xLabel = '', yLabel = '', summary } = {}) {
  if (!c || !c.x?.length) return blank(canvas);
  const { ctx, w, h, th } = setup(canvas);
  const colors = [th.c1, th.c2, th.c3, th.c4];
  const fills = [th.fill1, th.fill2];
  let ymin = Infinity;
  let ymax = -Infinity;
  for (const s of c.series) for (const v of s.y) if (Number.isFinite(v)) { ymin = Math.min(ymin, v); ymax = Math.max(ymax, v); }
  if (!Number.isFinite(ymin)) { ymin = 0; ymax = 1; }
  const ylo = Math.min(0, ymin);
  const yhi = ymax + (ymax - ylo) * 0.06 || 1;
  const xlo = c.x[0];
  const xhi = c.x[c.x.length - 1];
  const { X, Y, m, ph } = frame(ctx, w, h, th, { xlo, xhi, ylo, yhi, xLabel, yLabel });
  // where the data lies
  const datas = (c.data ?? []).filter((d) => d.hist && d.hist.counts.length);
  const peak = Math.max(1, ...datas.flatMap((d) => d.hist.counts));
  datas.forEach((d, i) => {
    const YH = (v) => m.t + ph - (v / peak) * ph * 0.9;
    ctx.save();
    ctx.beginPath();
    ctx.rect(m.l, m.t, w - m.l - m.r, ph);
    ctx.clip();
    bars(ctx, d.hist, X, YH, fills[i % fills.length]);
    ctx.restore();
  });
  ctx.save();
  ctx.beginPath();
  ctx.rect(m.l, m.t - 2, w - m.l - m.r, ph + 4);
  ctx.clip();
  c.series.forEach((s, i) => {
    ctx.strokeStyle = colors[i % colors.length];
    ctx.lineWidth = 2.25;
    ctx.setLineDash(i === 1 ? [7, 4] : []);
    ctx.beginPath();
    let pen = false;
    for (let k = 0; k < c.x.length; k++) {
      const v = s.y[k];
      if (!Number.isFinite(v)) { pen = false; continue; }
      if (pen) ctx.lineTo(X(c.x[k]), Y(v));
      else ctx.moveTo(X(c.x[k]), Y(v));
      pen = true;
    }
    ctx.stroke();
  });
  ctx.restore();
  ctx.setLineDash([]);
  legend(ctx, th, [
    ...c.series.map((s, i) => ({ label: s.label, color: colors[i % colors.length] })),
    ...datas.map((d, i) => ({ label: d.label, color: fills[i % fills.length], fill: true })),
  ], m.l + 10, m.t + 10);
  return summary ? summary({ xmin: fmt(xlo), xmax: fmt(xhi), ymin: fmt(ymin), ymax: fmt(ymax) }) : '';
}

/** Loss per gradient-descent step (redrawn live as steps arrive). */
export function drawSteps(canvas, losses, { total = losses.length, xLabel = '', yLabel = '', summary } = {}) {
  if (!losses.length) return blank(canvas);
  const { ctx, w, h, th } = setup(canvas);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of losses) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!Number.isFinite(lo)) return '';
  const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.05 || 1;
  const { X, Y } = frame(ctx, w, h, th, { xlo: 0, xhi: Math.max(1, total - 1), ylo: lo - pad, yhi: hi + pad, xLabel, yLabel });
  ctx.strokeStyle = th.c1;
  ctx.lineWidth = 2.25;
  ctx.beginPath();
  losses.forEach((v, i) => (i ? ctx.lineTo(X(i), Y(v)) : ctx.moveTo(X(i), Y(v))));
  ctx.stroke();
  ctx.fillStyle = th.c1;
  if (losses.length <= 80) for (let i = 0; i < losses.length; i++) ctx.fillRect(X(i) - 2, Y(losses[i]) - 2, 4, 4);
  return summary ? summary({ first: losses[0].toFixed(4), last: losses[losses.length - 1].toFixed(4), steps: losses.length - 1 }) : '';
}

/** Horizontal bars: one per implementation, labelled with its value. */
export function drawBars(canvas, items, { unit = 'ms' } = {}) {
  if (!items.length) return blank(canvas);
  const { ctx, w, h, th } = setup(canvas);
  const label = (v) => (unit === 'ms' ? duration(v) : `${fmt(v)} ${unit}`);
  const colors = [th.c1, th.c3, th.c2];
  const labelW = Math.min(150, w * 0.36);
  const maxV = Math.max(...items.map((i) => i.value)) || 1;
  const rowH = Math.min(34, (h - 10) / items.length);
  ctx.textBaseline = 'middle';
  items.forEach((it, i) => {
    const y = 5 + i * rowH;
    ctx.fillStyle = th.fg;
    ctx.textAlign = 'right';
    ctx.fillText(it.label, labelW - 8, y + rowH / 2);
    const bw = Math.max(2, ((w - labelW - 90) * it.value) / maxV);
    ctx.fillStyle = colors[i % colors.length];
    ctx.fillRect(labelW, y + rowH * 0.18, bw, rowH * 0.64);
    ctx.fillStyle = th.fg;
    ctx.textAlign = 'left';
    ctx.fillText(label(it.value), labelW + bw + 6, y + rowH / 2);
  });
  return items.map((it) => `${it.label}: ${label(it.value)}`).join('; ');
}

/** Powers of ten covering [lo, hi] (lo, hi > 0), for log axes: 10^floor(log lo) … 10^ceil(log hi). */
export function logTicks(lo, hi) {
  if (!(lo > 0) || !(hi > 0) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  const a = Math.floor(Math.log10(lo) + 1e-9);
  const b = Math.ceil(Math.log10(hi) - 1e-9);
  const out = [];
  for (let e = a; e <= Math.max(a, b); e++) out.push(Number(`1e${e}`));   // exact: 10 ** -5 is not 1e-5
  return out;
}

/** 10^k written as people read it on an axis: 10, 100, 1k, 10k, 1M, 10M; 0.01, 1e-4. */
export function powerLabel(v) {
  if (v >= 1e6) return `${v / 1e6}M`;
  if (v >= 1e3) return `${v / 1e3}k`;
  if (v >= 1e-3) return String(Number(v.toPrecision(3)));
  return v.toExponential(0);
}

/**
 * Lines on log-log axes: series [{label, points: [[x, y], …]}] (x, y > 0), one colour each,
 * a legend in the top left. Returns the summary given (a function of nothing), or ''.
 */
export function drawLogLog(canvas, series, { xLabel = '', yLabel = '', xMax, summary } = {}) {
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(y));
  if (!pts.length) return blank(canvas);
  const { ctx, w, h, th } = setup(canvas);
  const xs = logTicks(Math.min(...pts.map((p) => p[0])), Math.max(xMax ?? 0, ...pts.map((p) => p[0])));
  const ys = logTicks(Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1])));
  const lx = (v) => Math.log10(v);
  const m = { l: 16 + Math.max(...ys.map((v) => ctx.measureText(powerLabel(v)).width)) + 14, r: 12, t: 10, b: 38 };
  const pw = w - m.l - m.r;
  const ph = h - m.t - m.b;
  const [x0, x1] = [lx(xs[0]), lx(xs[xs.length - 1]) || 1];
  const [y0, y1] = [lx(ys[0]), lx(ys[ys.length - 1])];
  const X = (v) => m.l + ((lx(v) - x0) / (x1 - x0 || 1)) * pw;
  const Y = (v) => m.t + ph - ((lx(v) - y0) / (y1 - y0 || 1)) * ph;
  ctx.strokeStyle = th.grid;
  ctx.lineWidth = 1;
  ctx.fillStyle = th.muted;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  for (const v of ys) {
    ctx.beginPath();
    ctx.moveTo(m.l, Y(v));
    ctx.lineTo(m.l + pw, Y(v));
    ctx.stroke();
    ctx.fillText(powerLabel(v), m.l - 6, Y(v));
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const v of xs) {
    ctx.beginPath();
    ctx.moveTo(X(v), m.t);
    ctx.lineTo(X(v), m.t + ph);
    ctx.stroke();
    ctx.fillText(powerLabel(v), X(v), m.t + ph + 4);
  }
  ctx.fillText(xLabel, m.l + pw / 2, h - 16);
  ctx.save();
  ctx.translate(10, m.t + ph / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'top';
  ctx.fillText(yLabel, 0, -6);
  ctx.restore();
  const colors = [th.c1, th.c3, th.c2, th.c4];
  const dashes = [[], [6, 3], [2, 3], [8, 3, 2, 3]];
  series.forEach((s, i) => {
    const p = s.points.filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(y));
    ctx.strokeStyle = colors[i % colors.length];
    ctx.fillStyle = colors[i % colors.length];
    ctx.lineWidth = 2.25;
    ctx.setLineDash(dashes[i % dashes.length]);
    ctx.beginPath();
    p.forEach(([x, y], k) => (k ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y))));
    ctx.stroke();
    ctx.setLineDash([]);
    for (const [x, y] of p) ctx.fillRect(X(x) - 2.5, Y(y) - 2.5, 5, 5);
    // legend
    const ly = m.t + 8 + i * 16;
    ctx.fillRect(m.l + 8, ly - 1, 14, 3);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = th.fg;
    ctx.fillText(s.label, m.l + 28, ly);
  });
  return summary ? summary() : '';
}

/**
 * Lines over one x axis with a marker at `at` (the dragged prediction): series [{label, y}], the
 * marker's values `marks` (one per series, drawn as dots), a zero line when the y range crosses 0.
 * Records the x mapping on the canvas (xFromOffset reads it back) so a pointer can drag the marker.
 */
export function drawTouch(canvas, { x, series, at, marks = [] }, { xLabel = '', yLabel = '', summary } = {}) {
  if (!x?.length || !series.length) return blank(canvas);
  const { ctx, w, h, th } = setup(canvas);
  const colors = [th.c1, th.c2, th.c3, th.c4];
  const dashes = [[], [7, 4], [2, 3], [9, 3, 2, 3]];
  let ymin = Infinity;
  let ymax = -Infinity;
  for (const s of series) for (const v of s.y) if (Number.isFinite(v)) { ymin = Math.min(ymin, v); ymax = Math.max(ymax, v); }
  if (!Number.isFinite(ymin)) { ymin = 0; ymax = 1; }
  const pad = (ymax - ymin) * 0.06 || Math.abs(ymax) * 0.1 || 1;
  const ylo = ymin >= 0 ? Math.min(0, ymin) : ymin - pad;
  const yhi = ymax + pad;
  const xlo = x[0];
  const xhi = x[x.length - 1];
  const { X, Y, m, pw, ph } = frame(ctx, w, h, th, { xlo, xhi, ylo, yhi, xLabel, yLabel });
  canvas.dataset.xmap = JSON.stringify([m.l, pw, xlo, xhi]);
  ctx.save();
  ctx.beginPath();
  ctx.rect(m.l, m.t - 2, pw, ph + 4);
  ctx.clip();
  if (ylo < 0 && yhi > 0) {
    ctx.strokeStyle = th.muted;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(m.l, Math.round(Y(0)) + 0.5);
    ctx.lineTo(m.l + pw, Math.round(Y(0)) + 0.5);
    ctx.stroke();
  }
  series.forEach((s, i) => {
    ctx.strokeStyle = colors[i % colors.length];
    ctx.lineWidth = 2.25;
    ctx.setLineDash(dashes[i % dashes.length]);
    ctx.beginPath();
    let pen = false;
    for (let k = 0; k < x.length; k++) {
      const v = s.y[k];
      if (!Number.isFinite(v)) { pen = false; continue; }
      if (pen) ctx.lineTo(X(x[k]), Y(v));
      else ctx.moveTo(X(x[k]), Y(v));
      pen = true;
    }
    ctx.stroke();
  });
  ctx.setLineDash([]);
  if (Number.isFinite(at)) {
    ctx.strokeStyle = th.fg;
    ctx.lineWidth = 1;
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(Math.round(X(at)) + 0.5, m.t);
    ctx.lineTo(Math.round(X(at)) + 0.5, m.t + ph);
    ctx.stroke();
    ctx.setLineDash([]);
    marks.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      ctx.fillStyle = colors[i % colors.length];
      ctx.beginPath();
      ctx.arc(X(at), Y(v), 4.5, 0, 2 * Math.PI);
      ctx.fill();
      ctx.strokeStyle = th.bg;
      ctx.stroke();
    });
  }
  ctx.restore();
  legend(ctx, th, series.map((s, i) => ({ label: s.label, color: colors[i % colors.length] })), m.l + 10, m.t + 10);
  return summary ? summary({ xmin: fmt(xlo), xmax: fmt(xhi), ymin: fmt(ymin), ymax: fmt(ymax) }) : '';
}

/** The x value under a pointer at offsetX (CSS px) on a canvas drawTouch drew, clamped to the axis. */
export function xFromOffset(canvas, offsetX) {
  const map = canvas.dataset.xmap ? JSON.parse(canvas.dataset.xmap) : null;
  if (!map) return null;
  const [l, pw, xlo, xhi] = map;
  const f = Math.min(1, Math.max(0, (offsetX - l) / (pw || 1)));
  return xlo + f * (xhi - xlo);
}

/**
 * A loss surface over two weights as a heat map (darker = lower), with the path gradient descent
 * took over it: grid values[j * G + i] at (xs[i], ys[j]), path [[a, b], …]. The colour follows
 * the loss's rank among the grid's values (so a steep bowl still shows its floor).
 */
export function drawSurface(canvas, d, { xLabel = '', yLabel = '', summary } = {}) {
  if (!d?.xs?.length || !d.ys?.length || !d.values?.length) return blank(canvas);
  const { xs, ys, values, path = [] } = d;
  const { ctx, w, h, th } = setup(canvas);
  const { X, Y, m, pw, ph } = frame(ctx, w, h, th, { xlo: xs[0], xhi: xs[xs.length - 1], ylo: ys[0], yhi: ys[ys.length - 1], xLabel, yLabel });
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  const rank = (v) => {
    if (!Number.isFinite(v) || !finite.length) return 1;
    let lo = 0;
    let hi = finite.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (finite[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo / Math.max(1, finite.length - 1);
  };
  const G = xs.length;
  const H = ys.length;
  const cw = pw / G;
  const chh = ph / H;
  ctx.fillStyle = th.c1;
  for (let j = 0; j < H; j++) {
    for (let i = 0; i < G; i++) {
      ctx.globalAlpha = 0.9 * (1 - rank(values[j * G + i])) + 0.04;
      const x0 = Math.round(m.l + i * cw);
      const y0 = Math.round(m.t + ph - (j + 1) * chh);
      ctx.fillRect(x0, y0, Math.round(m.l + (i + 1) * cw) - x0, Math.round(m.t + ph - j * chh) - y0);   // no overlap: no seams
    }
  }
  ctx.globalAlpha = 1;
  if (path.length) {
    ctx.save();
    ctx.beginPath();
    ctx.rect(m.l, m.t, pw, ph);
    ctx.clip();
    ctx.strokeStyle = th.c2;
    ctx.lineWidth = 2;
    ctx.beginPath();
    path.forEach(([a, b], k) => (k ? ctx.lineTo(X(a), Y(b)) : ctx.moveTo(X(a), Y(b))));
    ctx.stroke();
    ctx.fillStyle = th.c2;
    for (const [a, b] of path.length <= 200 ? path : []) ctx.fillRect(X(a) - 2, Y(b) - 2, 4, 4);
    const [a0, b0] = path[0];
    const [a1, b1] = path[path.length - 1];
    ctx.strokeStyle = th.fg;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(X(a0) - 5, Y(b0) - 5, 10, 10);
    ctx.beginPath();
    ctx.arc(X(a1), Y(b1), 6, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.restore();
  }
  const best = finite[0];
  return summary ? summary({ min: fmt(best), max: fmt(finite[finite.length - 1]), steps: Math.max(0, path.length - 1) }) : '';
}
