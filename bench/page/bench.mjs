// The browser half of `npm run bench` (bench/README.md): every contender on the same bytes, in one
// page, one thread. window.runBench({sizes, reps, workloads?, contenders?, clock?}) resolves to
// { env, runs: [{workload, n, contender, median_ms, wall_median_ms, cpu_median_ms, batch, runs,
// rel_err, value, elements, bytes} | {..., skipped} | {..., error}] }; median_ms is the CPU-time
// median when the driver provides the CPU clock (clock: 'cpu', the default), else wall time.
import { createLossLab } from '/dist/losslab.mjs';
import { JS_LOSSES } from '/web/jsloops.mjs';
import { WORKLOADS, EXTRA_WORKLOADS, makeData, makeExtraData } from './data.mjs';

const tf = globalThis.tf;
const logEl = document.getElementById('log');
const log = (msg) => {
  console.log(`[bench] ${msg}`);
  if (logEl) logEl.textContent += `${msg}\n`;
};
const pause = () => new Promise((r) => setTimeout(r, 0));

// ---- timing ------------------------------------------------------------------------------------
// Two clocks per timed run: wall (performance.now(), 5 us when cross-origin isolated) and, when the
// driver exposes it (bench/run-browser.mjs: window.__threadTimeMs via the DevTools protocol), the
// CPU time of this page's main thread, where every contender runs. On an idle host the two agree;
// on a busy one the CPU time is what the call cost, the wall time also counts the time slices
// other processes took. Reading the CPU clock costs about a millisecond of main-thread time
// (calibrated and subtracted), so with it a timed run lasts >= 50 ms.
//
// Per contender: the first call gives the value (and warms up), then >= 5 more calls and >= 100 ms
// of warm-up (a first call slower than 0.5 s counts as the whole warm-up: tfjs-cpu at large N).
// V8 runs a wasm function in its baseline tier (Liftoff) until the optimized code is ready, for
// the next call: in Node, triplet_margin_loss at N = 3e6 took 19.6, 14.5, 10.7, 8.9 ms on its
// first calls and 7.5 ms from the fifth on; 30 ms of warm-up timed part of that ramp.
// A timed run is a batch of k calls, k chosen from the warm-up so that a run lasts >= minRunMs;
// the result is the median over runs of the per-call time. The contenders of one workload are set
// up together and their timed runs interleaved round robin, so whatever else happens on the host
// hits them alike. `solo` contenders (tfjs-cpu: slow, with a large JS-heap footprint) run
// afterwards on their own.
let cpuClock = null;   // async () => main-thread CPU ms, or null (wall clock only)
let cpuOverhead = 0;   // CPU ms one read pair adds to a measured interval
let minRunMs = 3;

async function calibrateCpuClock() {
  const pairs = [];
  for (let i = 0; i < 15; i++) {
    const a = await cpuClock();
    const b = await cpuClock();
    pairs.push(b - a);
  }
  pairs.sort((x, y) => x - y);
  return pairs[pairs.length >> 1];
}

async function warmUp(run, firstMs, wall = false) {
  let per = firstMs;
  if (!(firstMs > 500)) {
    const c0 = cpuClock ? await cpuClock() : 0;
    const t0 = performance.now();
    let calls = 0;
    // up to 100 ms of calls: enough for V8 to optimise both the caller and the wasm code of a
    // microsecond call (the small-call rows), a few calls of anything slow
    while (calls < 5 || (performance.now() - t0 < 100 && calls < 1e6)) {
      run();
      calls++;
    }
    per = (performance.now() - t0) / calls;
    if (cpuClock && !wall) per = Math.max(1e-5, ((await cpuClock()) - c0 - cpuOverhead) / calls);
  }
  // (calls per timed run: enough for minRunMs, so a microsecond call is timed over 50 ms too)
  return Math.max(1, Math.min(1e6, Math.ceil(minRunMs / Math.max(per, 1e-5))));
}

async function timedRun(run, k) {
  const c0 = cpuClock ? await cpuClock() : 0;
  const a = performance.now();
  for (let j = 0; j < k; j++) run();
  const wall = (performance.now() - a) / k;
  const cpu = cpuClock ? Math.max(0, (await cpuClock()) - c0 - cpuOverhead) / k : null;
  return { wall, cpu };
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s[s.length >> 1];
};

// The workloads that are programs over the JS API rather than one loss call: recipe B's data
// generation, the lesson's BCE by hand (several ops, each a pass over memory), and 100 steps of
// SGD on the multiclass recipe (autograd and optim). Only losslab and PyTorch run them.
const PROGRAMS = new Set(['gen_b', 'bce_hand', 'sgd100']);

// ---- contenders -------------------------------------------------------------------------------
// Each: supports(workload) -> true | reason string; setup(data) -> { run() -> loss value, teardown() }.

function losslabContender(id, lab) {
  const has = (name) => lab.registry.losses.some((s) => s.name === name);
  return {
    id,
    supports: (w) => PROGRAMS.has(w.id) || has(w.loss) || `${w.loss} is not registered in this build yet`,
    setup(d) {
      if (d.id === 'bce_hand') {
        const r = lab.recipe('binary', { n: d.n, seed: 420 });
        for (const k of Object.keys(r)) if (k !== 'y' && k !== 'sigma') r[k].dispose();
        const { y, sigma } = r;
        const N = d.n;
        return {
          run() {   // -(1/N) * torch.sum(y * torch.log(sigma) + (1 - y) * torch.log(1 - sigma))
            const loss = lab.tidy(() => lab.mul(-1 / N, lab.sum(
              y.mul(lab.log(sigma)).add(y.rsub(1).mul(lab.log(sigma.rsub(1)))))));
            const v = loss.item();
            loss.dispose();
            return v;
          },
          teardown() { y.dispose(); sigma.dispose(); },
        };
      }
      if (d.id === 'sgd100') {
        const m = lab.recipe('multiclass', { n: d.n, c: 3, seed: 420 });
        const { X, w: w0, y_long: y } = m;
        for (const k of Object.keys(m)) if (!['X', 'w', 'y_long'].includes(k)) m[k].dispose();
        const crit = new lab.nn.CrossEntropyLoss();
        return {
          run() {
            return lab.tidy(() => {
              const w = w0.clone().requires_grad_();
              const opt = new lab.optim.SGD([w], { lr: 0.5 });
              let loss = null;
              for (let s = 0; s < 100; s++) {
                opt.zero_grad();
                loss = crit(X.mm(w), y);
                loss.backward();
                opt.step();
              }
              opt.dispose();
              return loss.item();
            });
          },
          teardown() { X.dispose(); w0.dispose(); y.dispose(); },
        };
      }
      if (d.id === 'gen_b') {
        // Recipe B: x = rand([n,4]), w = rand([4,1]), y = randint(0,2,[n,1],float32),
        // zhat = mm(x, w), sigma = sigmoid(zhat), after manual_seed(420); all freed again.
        return {
          run() {
            const r = lab.recipe('binary', { n: d.n, seed: 420 });
            for (const k of Object.keys(r)) r[k].dispose();
            return NaN;
          },
          check() {
            const r = lab.recipe('binary', { n: d.n, seed: 420 });
            const v = has('binary_cross_entropy')
              ? lab.nn.functional.binary_cross_entropy(r.sigma, r.y).item() : NaN;
            for (const k of Object.keys(r)) r[k].dispose();
            return v;
          },
          teardown() {},
        };
      }
      const F = lab.nn.functional;
      if (d.operands) {
        // The extra losses: every operand as its own tensor (int64 where torch takes int64).
        const ts = d.operands.map((o) => lab.tensor(o.data, { dtype: o.dtype, shape: o.shape }));
        const f = F[d.loss];
        const opts = { ...d.options, reduction: 'mean' };
        return {
          run() {
            const r = f(...ts, opts);
            const v = r.item();
            r.dispose();
            return v;
          },
          teardown() {
            for (const t of ts) t.dispose();
          },
        };
      }
      const a = lab.tensor(d.x, { shape: d.classes ? [d.n, d.classes] : [d.n] });
      let b;
      if (d.classes) {
        const t32 = lab.tensor(d.t);
        b = t32.long();
        t32.dispose();
      } else {
        b = lab.tensor(d.y);
      }
      const f = F[d.loss];
      const opts = { reduction: 'mean' };
      return {
        run() {
          const r = f(a, b, opts);
          const v = r.item();
          r.dispose();
          return v;
        },
        teardown() {
          a.dispose();
          b.dispose();
        },
      };
    },
  };
}

// What a JS developer writes: one loop, float64 accumulation, Math.log/exp -- the page's own
// loops (web/jsloops.mjs), one monomorphic function per loss, so the page and the benchmark time
// the same code.
const jsLoop = {
  id: 'js-loop',
  supports: (w) => (!PROGRAMS.has(w.id) && !w.layout && w.loss in JS_LOSSES) || 'not a loss (or no JS loop written for it)',
  setup(d) {
    const f = JS_LOSSES[d.loss];
    const none = {};
    const shape = d.classes ? [d.n, d.classes] : [d.n];
    const [y, yShape] = d.classes ? [d.t, [d.n]] : [d.y, shape];
    return { run: () => f(d.x, shape, y, yShape, none), teardown() {} };
  },
};

// The extra workloads TF.js has a loss for (bench/README.md says what exactly is compared):
// hinge_tf: tf.losses.hingeLoss(labels in {0, 1}, x) = mean(max(0, 1 - (2 labels - 1) x)) -- the
//   same math as margin_ranking_loss(x, 0, y, margin=1) with y = 2 labels - 1 (not torch's
//   hinge_embedding_loss); the 0/1 labels are made from y outside the timed call.
// cosine_dist: tf.losses.cosineDistance(x1 / |x1|, x2 / |x2|, axis 1) = mean(1 - cos(x1, x2));
//   cosineDistance assumes unit rows, so the row normalisation (tf.norm, tf.div) is timed with it.
//   losslab and torch: cosine_embedding_loss(x1, x2, y = 1 everywhere), the same mean(1 - cos).
const TF_EXTRA = {
  hinge_tf: ([x, , y]) => {
    const labels = tf.tidy(() => tf.div(tf.add(y, 1), 2));
    return [() => tf.losses.hingeLoss(labels, x), labels];
  },
  cosine_dist: ([x1, x2]) => [() => tf.losses.cosineDistance(
    tf.div(x1, tf.norm(x1, 'euclidean', 1, true)), tf.div(x2, tf.norm(x2, 'euclidean', 1, true)), 1)],
};

// TF.js with its own ops, inside tf.tidy, timed including dataSync().
function tfContender(id, backend, solo = false) {
  return {
    id,
    solo,
    supports: (w) => (!PROGRAMS.has(w.id) && (!w.layout || w.id in TF_EXTRA)) || 'not a loss (or none in TF.js)',
    async setup(d) {
      if (tf.getBackend() !== backend) {
        if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
      }
      await tf.ready();
      if (d.operands) {
        const ts = d.operands.map((o) => tf.tensor(o.data, o.shape, o.dtype === 'int64' ? 'int32' : 'float32'));
        const [loss, ...made] = TF_EXTRA[d.id](ts);
        return tfRunner(backend, loss, [...ts, ...made]);
      }
      const shape = d.classes ? [d.n, d.classes] : [d.n];
      const x = tf.tensor(d.x, shape, 'float32');
      let y;
      if (d.classes) {
        const oh = new Float32Array(d.n * d.classes);
        for (let r = 0; r < d.n; r++) oh[r * d.classes + d.t[r]] = 1;
        y = tf.tensor(oh, shape, 'float32');
      } else {
        y = tf.tensor(d.y, shape, 'float32');
      }
      const loss = {
        mse: () => tf.losses.meanSquaredError(y, x),
        // BCE on probabilities has no tf.losses entry: torch's formula from tf ops, log clamped at -100.
        bce: () => tf.neg(tf.mean(tf.add(
          tf.mul(y, tf.maximum(tf.log(x), -100)),
          tf.mul(tf.sub(1, y), tf.maximum(tf.log(tf.sub(1, x)), -100))))),
        bce_logits: () => tf.losses.sigmoidCrossEntropy(y, x),
        ce3: () => tf.losses.softmaxCrossEntropy(y, x),
        ce1000: () => tf.losses.softmaxCrossEntropy(y, x),
      }[d.id];
      return tfRunner(backend, loss, [x, y]);
    },
  };
}

// TF.js wasm with its own threads (XNNPACK's pool, SharedArrayBuffer): a second wasm backend
// instance, 'wasm-threads', made with tfjs-backend-wasm's own factory while
// WASM_HAS_MULTITHREAD_SUPPORT is true, and the wasm kernels registered under its name too. Which
// ops use the pool is TF.js's choice (getThreadsCount() says how many threads it has).
async function registerTfWasmThreads(threads) {
  const f = tf.engine().registryFactory.wasm;
  if (!f) throw new Error('tfjs-backend-wasm did not register its backend');
  for (const k of tf.getKernelsForBackend('wasm')) tf.registerKernel({ ...k, backendName: 'wasm-threads' });
  tf.registerBackend('wasm-threads', async () => {
    const was = tf.env().get('WASM_HAS_MULTITHREAD_SUPPORT');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    tf.wasm.setThreadsCount(threads);
    try {
      return await f.factory();
    } finally {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', was);
    }
  }, 0);
  // (a worker that cannot start, e.g. under a CSP without blob: scripts, never settles: 30 s)
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('TF.js wasm threads did not start in 30 s')), 30_000);
  });
  try {
    if (!(await Promise.race([tf.setBackend('wasm-threads'), timeout]))) throw new Error("tf.setBackend('wasm-threads') failed");
    await tf.ready();
  } finally {
    clearTimeout(timer);
  }
  return tf.wasm.getThreadsCount();
}

// One TF.js loss call as a contender's run (the loss value, read back) and its tensors' teardown.
function tfRunner(backend, loss, tensors) {
  return {
    backend,
    run() {
      const r = tf.tidy(loss);
      const v = r.dataSync()[0];
      r.dispose();
      return v;
    },
    teardown() {
      for (const t of tensors) t.dispose();
    },
  };
}

// The memory-bandwidth stick: bench/wasm_sum.cpp streaming over the same number of bytes (the
// input, then the target as the loss sees it: float32, or int64 class indices).
async function wasmSumContender() {
  const url = '/build/bench/wasm_sum.wasm';
  const { instance } = await WebAssembly.instantiateStreaming(fetch(url), {
    env: { emscripten_notify_memory_growth() {} },
  });
  const ex = instance.exports;
  ex._initialize?.();
  return {
    id: 'wasm-sum',
    supports: (w) => (!PROGRAMS.has(w.id) && !w.layout) || 'not a loss (or not one of the lesson\'s five)',
    setup(d) {
      const p = ex.alloc(d.bytes);
      if (!p) throw new Error(`wasm-sum: could not allocate ${d.bytes} bytes`);
      const xb = d.x.byteLength;
      new Float32Array(ex.memory.buffer, p, d.x.length).set(d.x);
      if (d.classes) {
        const t64 = new Int32Array(ex.memory.buffer, p + xb, 2 * d.n);
        for (let r = 0; r < d.n; r++) t64[2 * r] = d.t[r];
      } else {
        new Float32Array(ex.memory.buffer, p + xb, d.y.length).set(d.y);
      }
      return {
        run: () => ex.sum_i32(p, d.bytes),
        teardown: () => ex.release(p),
        noValue: true,
      };
    },
  };
}

// The same stick on every core (bench/wasm_sum_threads.cpp: the kernel over 65,536-word chunks on
// the core's thread pool, the losslab-simd-threads build's pool and chunk size): what reading the
// bytes costs with all threads, the bar for the threaded losses. Wall time, like every threaded
// contender. null (and a note in the run) when the page cannot share memory.
async function wasmSumThreadsContender(threads) {
  const url = '/build/bench/wasm_sum_threads.mjs';
  const { default: create } = await import(url);
  const M = await create({ sumWorkers: threads - 1, mainScriptUrlOrBlob: url,
    locateFile: (f) => new URL(f, new URL(url, location.href)).href });
  const got = M._sum_threads(threads);
  if (got !== threads) throw new Error(`wasm-sum-threads: ${got} of ${threads} threads started`);
  return {
    id: 'wasm-sum-threads',
    wall: true,
    supports: (w) => (!PROGRAMS.has(w.id) && !w.layout) || 'not a loss (or not one of the lesson\'s five)',
    setup(d) {
      const p = M._malloc(d.bytes) >>> 0;
      if (!p) throw new Error(`wasm-sum-threads: could not allocate ${d.bytes} bytes`);
      const buf = M.wasmMemory.buffer;
      const xb = d.x.byteLength;
      new Float32Array(buf, p, d.x.length).set(d.x);
      if (d.classes) {
        const t64 = new Int32Array(buf, p + xb, 2 * d.n);
        t64.fill(0);
        for (let r = 0; r < d.n; r++) t64[2 * r] = d.t[r];
      } else {
        new Float32Array(buf, p + xb, d.y.length).set(d.y);
      }
      return {
        run: () => M._sum_i32_threads(p, d.bytes),
        teardown: () => M._free(p),
        noValue: true,
      };
    },
  };
}

// ---- the run ------------------------------------------------------------------------------------

let contenders = null;
async function init() {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // one thread, like everyone else here
  tf.wasm.setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  const base = new URL('/dist/', location.href);
  const simd = await createLossLab({ simd: true, threads: 1, baseUrl: base, warnings: 'silent' });
  const scalar = await createLossLab({ simd: false, baseUrl: base, warnings: 'silent' });
  if (simd.flavor !== 'simd') throw new Error('this browser cannot run the SIMD build');
  // Every core: the threaded build at navigator.hardwareConcurrency threads (capped at 16), and
  // TF.js wasm with as many threads. Both are timed in wall-clock time (`wall: true`).
  const cores = Math.max(1, Math.min(16, navigator.hardwareConcurrency || 1));
  const threaded = await createLossLab({ threads: Math.max(2, cores), baseUrl: base, warnings: 'silent' });
  if (threaded.flavor !== 'simd-threads') throw new Error(`the threaded build did not start (flavor ${threaded.flavor}; crossOriginIsolated ${globalThis.crossOriginIsolated})`);
  threaded.set_num_threads(cores);
  let tfThreads = null;
  let tfThreadsError = null;
  try {
    tfThreads = await registerTfWasmThreads(cores);
  } catch (e) {
    tfThreadsError = String(e?.message ?? e);
  }
  contenders = [
    losslabContender('losslab-simd', simd),
    { ...losslabContender('losslab-threads', threaded), wall: true },
    losslabContender('losslab-scalar', scalar),
    jsLoop,
    tfContender('tfjs-wasm', 'wasm'),
    ...(tfThreads ? [{ ...tfContender('tfjs-wasm-threads', 'wasm-threads'), wall: true }] : []),
    tfContender('tfjs-cpu', 'cpu', true),
    await wasmSumContender(),
  ];
  let sumThreads = cores;
  try {
    contenders.push(await wasmSumThreadsContender(cores));
  } catch (e) {
    sumThreads = `not available: ${e?.message ?? e}`;
  }
  // A/B while working on a kernel: a second SIMD build copied to build/alt-dist/ races as
  // 'losslab-alt' (ask for it with --contenders=losslab-simd,losslab-alt; never in a default run).
  const alt = new URL('/build/alt-dist/', location.href);
  if ((await fetch(new URL('losslab-simd.wasm', alt), { method: 'HEAD' })).ok) {
    try {
      const a = await createLossLab({ simd: true, baseUrl: alt, warnings: 'silent' });
      contenders.push({ ...losslabContender('losslab-alt', a), optIn: true });
    } catch (e) {   // e.g. a build older than the JS API: never stops the real run
      console.warn(`build/alt-dist/ not loaded: ${e?.message ?? e}`);
    }
  }
  await tf.setBackend('wasm');
  await tf.ready();
  return {
    userAgent: navigator.userAgent,
    crossOriginIsolated: globalThis.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
    losslab: { simd: simd.arch, scalar: scalar.arch, threads: threaded.get_num_threads(),
      losses: simd.registry.losses.map((s) => s.name) },
    tfjs: {
      version: tf.version_core,
      wasmSimd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
      wasmThreads: 1,
      wasmThreadsBackend: tfThreads ?? `not available: ${tfThreadsError}`,
    },
    wasmSumThreads: sumThreads,
    timerResolutionMs: timerResolution(),
  };
}

function timerResolution() {
  let best = Infinity;
  for (let i = 0; i < 50; i++) {
    const a = performance.now();
    let b = a;
    while (b === a) b = performance.now();
    best = Math.min(best, b - a);
  }
  return best;
}

let env = null;
// Sets up a contender on d and makes its first call: { c, s, value, k, samples } or a run entry.
async function prepare(c, d, base) {
  let s;
  try {
    s = await c.setup(d);
    const t0 = performance.now();
    const value = s.check ? s.check() : s.run();
    const k = await warmUp(s.run, performance.now() - t0, !!c.wall);
    return { c, s, base, value, k, samples: [] };
  } catch (e) {
    try { s?.teardown(); } catch { /* reported below */ }
    return { ...base, error: String(e?.message ?? e) };
  }
}

function finish(p, d, runs) {
  try { p.s.teardown(); } catch { /* nothing to free */ }
  const relErr = p.s.noValue || d.ref == null ? null : Math.abs(p.value - d.ref) / Math.abs(d.ref);
  const wall = median(p.samples.map((x) => x.wall));
  // A threaded contender's median is its wall time: the main thread's CPU time is only its share.
  const cpu = cpuClock && !p.c.wall ? median(p.samples.map((x) => x.cpu)) : null;
  runs.push({ ...p.base, median_ms: cpu ?? wall, clock: cpu == null ? 'wall' : 'cpu', wall_median_ms: wall, cpu_median_ms: cpu, batch: p.k,
    runs: p.samples.length, rel_err: relErr, value: p.s.noValue ? null : p.value });
  const fmt = (v) => (v == null ? '-' : v.toExponential(2));
  log(`${p.c.id.padEnd(15)} ${d.id.padEnd(10)} n=${String(d.n).padEnd(9)} ${(cpu ?? wall).toFixed(3).padStart(10)} ms` +
      `${cpu == null ? '' : ` (wall ${wall.toFixed(3)})`}  x${p.k}  rel_err ${fmt(relErr)}`);
}

async function timeRounds(group, reps) {
  for (let r = 0; r < reps; r++) {
    for (const p of group) {
      if (p.s.backend && tf.getBackend() !== p.s.backend) await tf.setBackend(p.s.backend);
      p.samples.push(await timedRun(p.s.run, p.k));
    }
    await pause();
  }
}

window.runBench = async function runBench({ sizes = [3e6], reps = 7, workloads, contenders: only,
  clock = 'cpu' } = {}) {
  cpuClock = clock === 'cpu' && typeof window.__threadTimeMs === 'function' ? window.__threadTimeMs : null;
  cpuOverhead = cpuClock ? await calibrateCpuClock() : 0;
  minRunMs = cpuClock ? 50 : 3;
  env.clock = cpuClock ? 'main-thread CPU time (DevTools ThreadTime)' : 'wall (performance.now)';
  env.cpuClockOverheadMs = cpuOverhead;
  const runs = [];
  const picked = contenders.filter((c) => (only ? only.includes(c.id) : !c.optIn));
  const wls = [...WORKLOADS, { id: 'gen_b' }, { id: 'bce_hand' }, { id: 'sgd100', rows: 300 }, ...EXTRA_WORKLOADS]
    .filter((w) => !workloads || workloads.includes(w.id));
  for (const w of wls) {
    const ns = w.rows ? [w.rows] : sizes.map(Number);
    for (const n of ns) {
      // An extra workload's data are only made when some contender can run it (its loss may not
      // be registered yet).
      const mine = [];
      for (const c of picked) {
        const ok = c.supports(w);
        if (ok === true) mine.push(c);
        else if (!/not a loss/.test(ok)) runs.push({ workload: w.id, n, contender: c.id, skipped: ok });
      }
      if (!mine.length) continue;
      const d = PROGRAMS.has(w.id) ? { id: w.id, n, elements: w.id === 'sgd100' ? 3 * n : n, bytes: { gen_b: 28, bce_hand: 8, sgd100: 0 }[w.id] * n, ref: null }
        : w.layout ? makeExtraData(w, n) : makeData(w, n);
      // The interleaved group first, then each solo contender alone.
      const phases = [mine.filter((c) => !c.solo), ...mine.filter((c) => c.solo).map((c) => [c])];
      for (const phase of phases) {
        const group = [];
        for (const c of phase) {
          await pause();
          const base = { workload: w.id, n, contender: c.id, elements: d.elements, bytes: d.bytes };
          const p = await prepare(c, d, base);
          if (p.error) {
            runs.push(p);
            log(`${c.id} ${w.id} n=${n}: ERROR ${p.error}`);
          } else {
            group.push(p);
          }
        }
        await timeRounds(group, reps);
        for (const p of group) finish(p, d, runs);
      }
    }
  }
  return { env, runs };
};

env = await init();
window.benchReady = true;
log(`ready: ${JSON.stringify(env)}`);
const q = new URLSearchParams(location.search);
if (q.has('run')) {
  const res = await window.runBench({
    sizes: (q.get('sizes') ?? '3e6').split(',').map(Number),
    reps: Number(q.get('reps') ?? 7),
  });
  log(JSON.stringify(res.runs));
}
