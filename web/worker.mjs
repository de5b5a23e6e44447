// The playground's compute worker (a module Web Worker): ALL heavy work happens here, so the page
// never blocks. It loads the SIMD and the scalar wasm builds, generates the lesson's data,
// computes the loss and its gradient, the plots' data (reduced in wasm), the timings, and runs
// gradient descent on w. The page and the widget talk to it through engine.mjs.
//
// Protocol (main → worker):
//   {type: 'run',   id, channel, state, skip?}   loss + gradient + plots + timing for a state
//                                        (state.mjs); skip: ['grad', 'plots', 'timing'] leaves those out
//   {type: 'train', id, channel, state}   gradient descent on w (binary / multiclass recipes)
//   {type: 'lesson', id, channel, state: {block}}   one of the lesson's JS blocks
//                                        (lesson/blocks.mjs, with the blocks it needs first)
//   {type: 'touch' | 'outliers', id, channel, state: request}   answered at once (worker/touch.mjs)
//   {type: 'surface', id, channel, state}   the loss over two of w's entries (worker/train.mjs)
//   {type: 'stop', channel}               ends the channel's job at its next checkpoint (Pause)
// A newer job on the same channel supersedes an older one at its next checkpoint. Cancelling a
// job that is inside one long wasm call is done by terminating the worker (engine.mjs).
// Worker → main: {type: 'ready', flavor, arch, scalarArch: null}, then {type: 'scalar', arch}
// once the scalar build has loaded, and for a job id:
//   progress {phase, fraction} · data {info} · loss {...} · plots {...} · timing {...}
//   step {step, loss, w, accuracy} · stepGrad {step, norm} · trained {...} · surface {...} · printed {block, lines} · touched / outliered {...}
//   done {ms} · error {kind, name, message, fatal, ...}

// This file is the protocol and the queue; the parts of a job live beside it, in worker/:
// session.mjs (the loaded builds, the current data, post/progress/checkpoint), errors.mjs,
// run.mjs (a run: loss, first rows, gradient, plots, timing), data.mjs (data sets, operands,
// options), curves.mjs (the plots' data), timing.mjs, race.mjs (the race across N), train.mjs
// (gradient descent and the loss surface) and touch.mjs (touch the loss, outliers).

import { createLossLab, threadsSupported } from './dist/losslab.mjs';
import { simd, latest, queue, post, Superseded, setBuilds, setData, setScalarLoader } from './worker/session.mjs';
import { describeError } from './worker/errors.mjs';
import { run } from './worker/run.mjs';
// What the first result does not need loads after it (parts.mjs preload) or when first asked for.
import { parts } from './worker/parts.mjs';

let busy = false;
let raceJob = null;   // the race being run, stopped by any other job

// The build createLossLab will pick: SIMD + threads where the page is cross-origin isolated and
// the machine has cores to spare, else SIMD. Its glue is fetched now, while the boot message with
// the compiled module is on its way (no side effects).
const cores = Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1));
const threaded = cores > 1 && threadsSupported();
import(threaded ? './dist/losslab-simd-threads.mjs' : './dist/losslab-simd.mjs').catch(() => {});

// Started by the playground's boot.js: the SIMD wasm comes compiled, in a message.
let bootWasm = null;
if (self.name === 'losslab-boot') {
  bootWasm = new Promise((resolve) => {
    self.addEventListener('message', function once(ev) {
      if (ev.data?.type !== 'wasm') return;
      self.removeEventListener('message', once);
      resolve(ev.data.module ?? null);
    });
  });
}

const ready = (async () => {
  try {
    const wasmModule = bootWasm ? await bootWasm : null;
    // deferred: 'manual': a split build's second part loads once the first job is done (below)
    // (threadStart: 'background' would not wait for the pool's workers, but then the pool's code
    // is not in the first part of the split build, and its workers load the rest themselves)
    const simdLab = await createLossLab({ warnings: 'silent', threads: cores, deferred: 'manual',
      ...(wasmModule ? { wasmModule } : {}) });
    setBuilds(simdLab, null);
    // (The registry is not sent: the page has it already, from dist/registry.mjs.)
    // threads: what the threaded build runs with; isolated: whether it could have run at all
    post({ type: 'ready', flavor: simdLab.flavor, arch: simdLab.arch, scalarArch: null,
      threads: simdLab.maxThreads, isolated: self.crossOriginIsolated === true });
    // the scalar build only times: it loads after the first result (session.mjs startScalar)
    setScalarLoader(async () => {
      const lab = await createLossLab({ simd: false, warnings: 'silent' });
      post({ type: 'scalar', arch: lab.arch });
      return lab;
    });
  } catch (e) {
    post({ type: 'error', id: null, kind: 'load', name: e.name, message: e.message, fatal: true });
    throw e;
  }
})();

// Small synchronous requests ("touch the loss": a dragged point, the outliers table) are answered
// as they arrive, between the steps of whatever job runs, so that dragging stays live.
const IMMEDIATE = new Set(['touch', 'outliers']);
async function immediate(m) {
  await ready;
  latest.set(m.channel ?? 0, m.id);
  try {
    await simd.loadDeferred().catch(() => {});   // what a touch computes is not in a split build's first part
    const t = await parts.touch();
    post({ type: m.type === 'touch' ? 'touched' : 'outliered', id: m.id, ...t[m.type](m.state) });
    post({ type: 'done', id: m.id, ms: 0 });
  } catch (e) {
    post({ type: 'error', id: m.id, ...describeError(e) });
  }
}

self.onmessage = (ev) => {
  const m = ev.data;
  if (m && IMMEDIATE.has(m.type)) {
    immediate(m);
    return;
  }
  if (m?.type === 'ping') {   // the page's watchdog (engine.mjs): this worker's event loop is free
    post({ type: 'pong' });
    return;
  }
  if (m?.type === 'stop') {   // Pause: nothing newer on the channel; its job ends at its next checkpoint
    latest.set(m.channel ?? 0, -1);
    return;
  }
  if (!['run', 'train', 'lesson', 'race', 'surface'].includes(m?.type)) return;
  latest.set(m.channel ?? 0, m.id);
  // The race is background work: any other job stops it (the page starts it again after).
  if (m.type !== 'race') for (const j of queue) if (j.type === 'race') latest.set(j.channel ?? 0, -1);
  if (m.type !== 'race' && raceJob) latest.set(raceJob.channel ?? 0, -1);
  queue.push(m);
  pump();
};

// Jobs in arrival order, except the timings that stepped aside (run.mjs): they wait for the jobs
// that have not had their first turn, and the cheapest goes first (a small widget's timing does
// not wait behind a heavy one's).
function nextJob() {
  const fresh = queue.findIndex((j) => !j.timingOnly);
  if (fresh >= 0) return fresh;
  let best = 0;
  for (let i = 1; i < queue.length; i++) if ((queue[i].cost ?? 0) < (queue[best].cost ?? 0)) best = i;
  return best;
}

async function pump() {
  if (busy) return;
  busy = true;
  await ready;
  while (queue.length) {
    const job = queue.splice(nextJob(), 1)[0];
    if (latest.get(job.channel ?? 0) !== job.id) {
      if (job.type === 'race') post({ type: 'done', id: job.id, ms: 0, stopped: true });
      continue;
    }
    const t0 = performance.now();
    try {
      if (job.type === 'run') {
        // a run whose timing would keep other channels waiting goes on after them (fair to the
        // widgets beside a heavy one); its result is out already
        const r = await run(job);
        if (r?.later) {
          queue.push(r.later);
          continue;
        }
      }
      else if (job.type === 'lesson') await lesson(job);
      else if (job.type === 'race') {
        raceJob = job;
        try {
          await (await parts.race()).race(job);
        } finally {
          raceJob = null;
        }
      } else if (job.type === 'surface') await (await parts.train()).surface(job);
      else await (await parts.train()).train(job);
      post({ type: 'done', id: job.id, ms: performance.now() - t0, restart: !!job.oom });
      simd.loadDeferred().catch(() => {});   // a split build's second part, once (a failure: loaded on use)
      if (job.oom) {
        setData(null);
        return;   // the page restarts this worker to free the heap
      }
    } catch (e) {
      if (e instanceof Superseded) {
        if (job.type === 'race') post({ type: 'done', id: job.id, ms: performance.now() - t0, stopped: true });
        continue;
      }
      const d = describeError(e);
      post({ type: 'error', id: job.id, ...d });
      if (d.fatal) {
        // The heap may be in any state after an abort: drop everything, the page respawns us.
        setData(null);
        return;
      }
    }
  }
  busy = false;
}

// ---- a lesson block ------------------------------------------------------------------------

// Runs the block (and those it needs, as the lesson's one Python session would) on the SIMD
// build; every tensor made is freed after (torch.tidy), the printed lines go to the page.
async function lesson(job) {
  const id = String(job.state?.block ?? '');
  const { runBlocks } = await parts.lesson();
  const { out } = simd.tidy(() => {
    const r = runBlocks(simd, { only: [id] });
    return { out: r.out };
  });
  if (!out[id]) throw Object.assign(new Error(`unknown lesson block '${id}'`), { name: 'ValueError' });
  post({ type: 'printed', id: job.id, block: id, lines: out[id] });
}
