// What the playground (app.mjs) and the widget (widget.js) both say, written once: the phase of a
// running job, the message for a failed one, the timing note (including when and why the plain
// JavaScript loop wins), and copying to the clipboard. Pure apart from copyText (no DOM).

import { t, errorText } from './i18n.mjs';
import { bytes, duration, grouped } from './format.mjs';

export const locale = (lang) => (lang === 'zh' ? 'zh-CN' : 'en');

/** The status line while a job runs: {phase, n?, path?} from the worker's progress messages. */
export function phaseText(lang, m) {
  if (m.phase === 'data') return t(lang, 'phase_data', { n: grouped(m.n) });
  if (m.phase === 'timing') return t(lang, 'phase_timing', { path: t(lang, `path_${m.path}`, { n: m.threads }) });
  return t(lang, `phase_${m.phase}`);
}

/** A failed job's message, by its kind (data, oom, crash, load, or PyTorch's own error). */
export function errorMessage(lang, m) {
  if (m.kind === 'data') return errorText(lang, m.code, { ...m.params, field: m.field });
  if (m.kind === 'oom') {
    const detail = m.bytes
      ? t(lang, 'err_oomEstimate', { n: grouped(m.n), size: bytes(m.bytes), recipe: t(lang, `recipeShort_${m.recipe}`) })
      : t(lang, 'err_oomRuntime', { message: m.message });
    return t(lang, 'err_oom', { detail });
  }
  if (m.kind === 'crash') return t(lang, 'err_crash', { message: `${m.name}: ${m.message}` });
  if (m.kind === 'load') return t(lang, 'err_load', { message: m.message });
  if (m.kind === 'hang') return t(lang, 'err_hang', { s: Math.round((m.silentMs ?? 0) / 1000) });
  return t(lang, 'err_torch', { name: m.name, message: m.message });
}

/** The timing's JS-loop and SIMD paths (null where they did not run), and whether the loop led. */
export function loopAndSimd(tm) {
  const js = tm?.paths.find((p) => p.key === 'js' && Number.isFinite(p.ms)) ?? null;
  const simd = tm?.paths.find((p) => p.key === 'simd' && Number.isFinite(p.ms)) ?? null;
  return { js, simd, loopLeads: !!(js && simd && js.ms < simd.ms) };
}

/**
 * What follows the timing note: that there is no JS loop for this loss, or that the loop led
 * and why (key: 'timingJsWins' on the page, which has the race below; 'widget_jsWins' in a widget).
 */
export function loopNote(lang, tm, key) {
  const { js, simd, loopLeads } = loopAndSimd(tm);
  if (!js) return ` ${t(lang, 'timingNoJs')}`;
  return loopLeads ? ` ${t(lang, key, { overhead: duration(simd.ms), n: tm.numel.toLocaleString(locale(lang)) })}` : '';
}

/** Copies text; true when the clipboard took it (a page without permission says so instead). */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
