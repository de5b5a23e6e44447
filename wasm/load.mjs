// Loading a flavour's wasm for the JS API (losslab.mjs): compiling it, the deferred part of a
// split build (the site's SIMD builds, scripts/split-wasm.mjs) and the start of the threaded
// build's pool. No tensors here.

/** Node (not a browser, not a worker). */
export const isNode = typeof process === 'object' && !!process.versions?.node &&
  typeof window === 'undefined' && typeof importScripts === 'undefined';

/** Resolves when every worker of the threaded build's pool has loaded the module. */
export function poolLoaded(M) {
  const workers = M.PThread?.unusedWorkers ?? [];
  return Promise.all(workers.map((w) => (w.loaded ? null : new Promise((resolve) => {
    w.addEventListener('message', function loaded(e) {
      if (e.data?.cmd !== 'loaded') return;
      w.removeEventListener('message', loaded);
      resolve();
    });
  }))));
}

/** The flavour's wasm compiled (streaming where the host serves application/wasm). */
export async function compileWasm(url) {
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return WebAssembly.compile(await readFile(url));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url.href}: HTTP ${res.status}`);
  if (WebAssembly.compileStreaming && /^application\/wasm\b/.test(res.headers.get('Content-Type') ?? '')) {
    return WebAssembly.compileStreaming(res);
  }
  return WebAssembly.compile(await res.arrayBuffer());
}

// Where the deferred part can be fetched and compiled synchronously, should a deferred function
// be called before it is in: Node and workers (synchronous XHR), not a page's main thread.
export const canLoadSync = () => isNode || (typeof importScripts === 'function' && typeof XMLHttpRequest === 'function');

let nodeFs = null;   // node:fs, imported by deferredPart for readSync
function readSync(url) {
  if (isNode) return nodeFs.readFileSync(url);
  const xhr = new XMLHttpRequest();
  xhr.open('GET', url.href, false);
  xhr.responseType = 'arraybuffer';
  xhr.send(null);
  if (xhr.status !== 200) throw new Error(`${url.href}: HTTP ${xhr.status}`);
  return new Uint8Array(xhr.response);
}

// The deferred part of a split build: load() fetches and compiles it and instantiates it against
// the primary's exports, which puts its functions into the primary's table in place of the
// placeholders. placeholders() is the primary's 'placeholder' imports: the first call of one
// loads the part if it is not in yet (synchronously: Node and workers can) and from then on
// calls the function the table holds. (Emscripten's own placeholders go through its handler on
// every call, and Embind keeps the ones it looked up at start-up for good: 20 % slower
// autograd steps.) stats: how many placeholder calls found the part missing.
export async function deferredPart(url) {
  if (isNode) nodeFs ??= await import('node:fs');
  let M = null;
  let table = null;
  let compiled = null;
  let loading = null;
  const stats = { url: url.href, loaded: false, missed: 0, syncLoads: 0 };
  let signalIn;
  const isIn = new Promise((resolve) => { signalIn = resolve; });
  const install = () => {
    stats.loaded = true;
    signalIn();
  };
  const loadNow = () => {
    stats.missed++;
    if (!compiled) {
      if (!canLoadSync()) {
        throw new Error('a function of the deferred part was called before it loaded: await lab.loadDeferred() first');
      }
      compiled = new WebAssembly.Module(readSync(url));
      stats.syncLoads++;
    }
    new WebAssembly.Instance(compiled, { primary: M.asm });
    install();
  };
  return {
    stats,
    attach(m) {
      M = m;
    },
    /** Resolves when the part is in, by whichever path (starts nothing). */
    whenIn: () => isIn,
    setTable(instance) {
      table = Object.values(instance.exports).find((v) => v instanceof WebAssembly.Table);
    },
    placeholders() {
      return new Proxy({}, {
        get(_, name) {
          const slot = Number(name);
          let fn = null;
          return (...args) => {
            if (!fn) {
              if (!stats.loaded) loadNow();
              fn = table.get(slot);
            }
            return fn(...args);
          };
        },
      });
    },
    load() {
      loading ??= (async () => {
        compiled ??= await compileWasm(url);
        if (!stats.loaded) {
          await WebAssembly.instantiate(compiled, { primary: M.asm });
          install();
        }
      })();
      return loading;
    },
  };
}
