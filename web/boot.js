// Starts the compute worker while the page is still being parsed, and compiles the SIMD wasm here
// meanwhile (compileStreaming, as it downloads), handing the compiled module to the worker, which
// would otherwise fetch and compile it only after its own modules have loaded. A classic script in
// <head>, not a module: module scripts run only after the document's first rendering (about 150 ms
// later on a cold tab). The Engine that app.mjs creates adopts this worker and replays what it said
// in the meantime (engine.mjs: {adopt: true}).
(() => {
  const base = document.currentScript.src;
  const url = new URL('./worker.mjs', base).href;
  // name 'losslab-boot': the worker waits for the {type: 'wasm'} message below
  const worker = new Worker(url, { type: 'module', name: 'losslab-boot' });
  const early = [];
  worker.onmessage = (e) => early.push({ data: e.data });
  worker.onerror = (e) => {
    e.preventDefault?.();
    early.push({ error: e.message || 'the worker failed to start' });
  };
  globalThis.__losslabBoot = { worker, early, url };

  // The SIMD build where the engine validates SIMD (the worker checks again and falls back); the
  // SIMD + threads build when the page can share memory with workers (cross-origin isolated) and
  // the machine has more than one core, as createLossLab will pick it.
  const threaded = globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function' &&
    (navigator.hardwareConcurrency || 1) > 1;
  const flavor = threaded ? 'simd-threads' : 'simd';
  WebAssembly.compileStreaming(fetch(new URL(`./dist/losslab-${flavor}.wasm`, base)))
    .then((module) => worker.postMessage({ type: 'wasm', flavor, module }))
    .catch(() => worker.postMessage({ type: 'wasm', flavor, module: null }));
})();
