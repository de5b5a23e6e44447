// What went wrong, as the page is told: a bad paste, an out-of-memory (estimated up front, or a
// real one), a crash inside wasm (fatal: the page restarts the worker), or an error from the loss.

import { ParseError } from '../parse.mjs';

// A clean out-of-memory: malloc said no (a RangeError from the API, or a JS typed array that
// could not be allocated). The instance is intact; the worker is restarted after the job to
// give the grown heap back.
export function isOom(e) {
  return e instanceof RangeError || /out of memory|allocation failed|Aborted\(OOM\)|Cannot enlarge memory/i.test(String(e?.message));
}
// An abort or a trap inside wasm: the instance's state is unknown, stop now.
export function isAborted(e) {
  return (e instanceof WebAssembly.RuntimeError) || /Aborted|memory access out of bounds/i.test(String(e?.message));
}
function isFatal(e) {
  return isOom(e) || isAborted(e);
}
export function describeError(e) {
  if (e instanceof ParseError) {
    return { kind: 'data', name: 'ParseError', message: e.message, code: e.code, params: e.params, field: e.field };
  }
  if (e?.kind === 'oom-estimate') {
    return { kind: 'oom', name: 'RangeError', message: e.message, bytes: e.bytes, recipe: e.recipe, n: e.n, fatal: false };
  }
  if (isOom(e)) return { kind: 'oom', name: e.name, message: e.message, fatal: true };
  if (isFatal(e)) return { kind: 'crash', name: e.name, message: e.message, fatal: true };
  return { kind: e?.kind ?? 'torch', name: e?.name ?? 'Error', message: String(e?.message ?? e),
    option: e?.option, fatal: false };
}
