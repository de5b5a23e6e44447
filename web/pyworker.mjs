// The Python worker: Pyodide (the site's copy in pyodide/, no third-party request) running
// losslab/python's torch over its own losslab instance. Started by python.mjs on the first Run;
// nothing here loads before that.
//
// Messages in:  { type: 'run', id, code, fresh, session } | { type: 'interrupt-buffer', buffer } (a
//               SharedArrayBuffer: the page writes 2 there to raise KeyboardInterrupt)
// Messages out: { type: 'ready', ms, flavor } | { type: 'out' | 'err', id, text } (as printed) |
//               { type: 'done', id, error, ms } | { type: 'fatal', message }
import { loadPyodide } from './pyodide/pyodide.mjs';
import { createPython } from './dist/python.mjs';

const t0 = performance.now();
let py = null;
const started = (async () => {
  py = await createPython({ loadPyodide, indexURL: new URL('./pyodide/', import.meta.url).href });
  postMessage({ type: 'ready', ms: performance.now() - t0, flavor: py.lab.flavor });
})().catch((e) => postMessage({ type: 'fatal', message: String(e?.message ?? e) }));

let queue = Promise.resolve();
self.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'interrupt-buffer') {
    started.then(() => py?.pyodide.setInterruptBuffer(new Int32Array(m.buffer)));
    return;
  }
  if (m.type !== 'run') return;
  queue = queue.then(async () => {
    await started;
    if (!py) return;
    const t = performance.now();
    const r = await py.run(m.code, {
      fresh: m.fresh,
      session: m.session ?? 'main',
      onStdout: (text) => postMessage({ type: 'out', id: m.id, text }),
      onStderr: (text) => postMessage({ type: 'err', id: m.id, text }),
    });
    postMessage({ type: 'done', id: m.id, error: r.error, ms: performance.now() - t });
  });
};
