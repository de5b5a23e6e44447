// Starts the compute worker as soon as the page is parsed, while app.mjs and its imports still
// load, and compiles the SIMD wasm here meanwhile (compileStreaming, as it downloads), handing the
// compiled module to the worker, which would otherwise fetch and compile it only after its own
// modules have loaded. No imports, so it runs first. The Engine that app.mjs creates adopts this
// worker and replays what it said in the meantime (engine.mjs: {adopt: true}).
const url = new URL('./worker.mjs', import.meta.url).href;
// name 'losslab-boot': the worker waits for the {type: 'wasm'} message below
const worker = new Worker(url, { type: 'module', name: 'losslab-boot' });
const early = [];
worker.onmessage = (e) => early.push({ data: e.data });
worker.onerror = (e) => {
  e.preventDefault?.();
  early.push({ error: e.message || 'the worker failed to start' });
};
globalThis.__losslabBoot = { worker, early, url };

// The SIMD build where the engine validates SIMD (the worker checks again and falls back).
WebAssembly.compileStreaming(fetch(new URL('./dist/losslab-simd.wasm', import.meta.url)))
  .then((module) => worker.postMessage({ type: 'wasm', flavor: 'simd', module }))
  .catch(() => worker.postMessage({ type: 'wasm', flavor: 'simd', module: null }));
