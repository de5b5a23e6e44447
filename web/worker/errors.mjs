// What went wrong, as the page is told: a bad paste, an out-of-memory (estimated up front, or a
// real one), a crash inside wasm (fatal: the page restarts the worker), or an error from the loss.

import { ParseError } from '../parse.mjs';

// Errors are told apart by what they are, never by words in a message (an unknown loss named
// 'aborted' is the loss's error, not a crash): the JS API raises RangeError for out-of-memory
// only, its other errors are Errors named after PyTorch's classes, and an abort or a trap
// inside wasm is a WebAssembly.RuntimeError (Emscripten's abort() throws one).
const WasmRuntimeError = globalThis.WebAssembly?.RuntimeError;
function isWasmRuntimeError(e) {
  return WasmRuntimeError !== undefined && e instanceof WasmRuntimeError;
}
// A clean out-of-memory: malloc said no (the API's RangeError, or a JS typed array that could
// not be allocated), or the runtime's own abort for it (Aborted(OOM), Cannot enlarge memory).
// The page restarts the worker after the job to give the grown heap back.
export function isOom(e) {
  return e instanceof RangeError ||
    (isWasmRuntimeError(e) && /Aborted\(OOM\)|Cannot enlarge memory/.test(String(e.message)));
}
// An abort or a trap inside wasm: the instance's state is unknown, stop now.
export function isAborted(e) {
  return isWasmRuntimeError(e);
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
