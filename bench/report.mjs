// Merges the bench's parts (build/bench/*.json: browser, native, native-sse42, torch) into
// bench/results/latest.json ({runs, machine}) and bench/results/latest.md, and prints the markdown.
//   node bench/report.mjs [--quick] [--reps=7] [--clock=cpu|wall] [--loads=start:0.4,browser:1.1]
//        [--check] [--parts=DIR]   (--check: print only, exit 1 if a contender disagrees with
//        losslab-simd or a part failed; --parts: where the parts are, default build/bench)
// (scripts/bench.sh passes these; --loads: the 1-minute load average as each part started).
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, def) => {
  const a = process.argv.find((s) => s === `--${name}` || s.startsWith(`--${name}=`));
  if (!a) return def;
  return a.includes('=') ? a.slice(name.length + 3) : true;
};
const parts = path.resolve(root, arg('parts', 'build/bench'));
const quick = !!arg('quick', false);
const wallClock = arg('clock', 'cpu') === 'wall';  // native and PyTorch: wall instead of CPU time

const readJson = async (f) => (existsSync(f) ? JSON.parse(await readFile(f, 'utf8')) : null);
const sh = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
};

// ---- sizes of a workload (elements: input elements; bytes: what the loss reads / gen_b writes) --
const CLASSES = { ce3: 3, ce1000: 1000 };
// Table order; the loss each workload calls (bench/page/data.mjs, bench/native_bench.cpp).
// BASE: the lesson's five and recipe B (the issues' targets are about these); EXTRA: the other
// torch.nn.functional losses (bench/README.md "Workloads").
const BASE_WORKLOADS = ['mse', 'bce', 'bce_logits', 'ce3', 'ce1000', 'gen_b'];
const EXTRA_LOSS_OF = { margin_ranking: 'margin_ranking_loss', hinge: 'hinge_embedding_loss',
  hinge_tf: 'margin_ranking_loss', soft_margin: 'soft_margin_loss', poisson: 'poisson_nll_loss',
  gaussian: 'gaussian_nll_loss', ml_soft_margin: 'multilabel_soft_margin_loss', multi_margin: 'multi_margin_loss',
  ml_margin: 'multilabel_margin_loss', cosine_emb: 'cosine_embedding_loss', cosine_dist: 'cosine_embedding_loss',
  triplet: 'triplet_margin_loss', triplet_dist: 'triplet_margin_with_distance_loss', ctc: 'ctc_loss' };
// The lesson as programs over the API (bench/page/bench.mjs PROGRAMS): BCE by hand at N, and 100
// SGD steps on the multiclass recipe (N = 300, C = 3).
const PROGRAM_WORKLOADS = ['bce_hand', 'sgd100'];
const WORKLOADS = [...BASE_WORKLOADS, ...PROGRAM_WORKLOADS, ...Object.keys(EXTRA_LOSS_OF)];
const LOSS_OF = { mse: 'mse_loss', bce: 'binary_cross_entropy', bce_logits: 'binary_cross_entropy_with_logits',
  ce3: 'cross_entropy', ce1000: 'cross_entropy', ...EXTRA_LOSS_OF };
// Fixed-size workloads (listed with N = 3e6 whatever their n).
const FIXED = new Set(['ce1000', 'ctc', 'sgd100']);
// Bytes read per input element (elementwise), per row (row-wise C = 10, embedding D = 32).
const EXTRA_SIZE = {
  margin_ranking: { per: 1, bytes: 12 }, hinge: { per: 1, bytes: 8 }, hinge_tf: { per: 1, bytes: 8, plus: 4 },
  soft_margin: { per: 1, bytes: 8 }, poisson: { per: 1, bytes: 8 }, gaussian: { per: 1, bytes: 12 },
  ml_soft_margin: { per: 10, bytes: 80 }, multi_margin: { per: 10, bytes: 48 }, ml_margin: { per: 10, bytes: 120 },
  cosine_emb: { per: 32, bytes: 260 }, cosine_dist: { per: 32, bytes: 260 },
  triplet: { per: 32, bytes: 384 }, triplet_dist: { per: 32, bytes: 384 },
};
function sizeOf(workload, n) {
  if (workload === 'gen_b') return { elements: n, bytes: 28 * n };
  if (workload === 'bce_hand') return { elements: n, bytes: 8 * n };
  if (workload === 'sgd100') return { elements: 3 * n, bytes: 0 };
  if (workload === 'ctc') return { elements: 50 * 64 * 20, bytes: 4 * 50 * 64 * 20 + 8 * 64 * 20 + 16 * 64 };
  const e = EXTRA_SIZE[workload];
  if (e) {
    const rows = Math.floor(n / e.per);
    return { elements: rows * e.per, bytes: rows * e.bytes + (e.plus ?? 0) };
  }
  const c = CLASSES[workload];
  return c ? { elements: n * c, bytes: 4 * n * c + 8 * n } : { elements: n, bytes: 8 * n };
}

const fmtMs = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
const fmtN = (n) => n.toExponential().replace('e+', 'e');
const fmtErr = (e) => (e == null ? '–' : e === 0 ? '0' : e.toExponential(1));
const fmtRatio = (v) => (v == null ? '–' : v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2));

// ---- collect ----------------------------------------------------------------------------------
const runs = [];
const notes = { skipped: [], errors: [] };
const browser = await readJson(path.join(parts, 'browser.json'));
if (browser) {
  for (const r of browser.runs) {
    if (r.skipped) notes.skipped.push(`${r.contender} ${r.workload} n=${r.n}: ${r.skipped}`);
    else if (r.error) notes.errors.push(`${r.contender} ${r.workload} n=${r.n}: ${r.error}`);
    else {
      runs.push({ workload: r.workload, n: r.n, contender: r.contender, median_ms: r.median_ms,
        wall_ms: r.wall_median_ms ?? r.median_ms, rel_err: r.rel_err, value: r.value ?? null,
        clock: r.clock ?? 'cpu' });
    }
  }
} else {
  notes.errors.push('browser part missing (build/bench/browser.json)');
}

const nativeCtx = {};
for (const [file, contender] of [['native.json', 'native'], ['native-sse42.json', 'native-sse42']]) {
  const gb = await readJson(path.join(parts, file));
  if (!gb) {
    notes.errors.push(`${contender}: ${file} missing`);
    continue;
  }
  nativeCtx[contender] = { xsimd_arch: gb.context.xsimd_arch, registered: gb.context.registered_losses,
    library_build_type: gb.context.library_build_type };
  nativeCtx.host = gb.context;
  const registered = String(gb.context.registered_losses ?? '').split(',');
  for (const [w, loss] of Object.entries(LOSS_OF)) {
    if (!registered.includes(loss)) notes.skipped.push(`${contender} ${w}: ${loss} is not registered yet`);
  }
  for (const b of gb.benchmarks) {
    if (b.aggregate_name !== 'median') continue;
    const [workload, n] = b.run_name.split('/');
    if (!WORKLOADS.includes(workload)) continue;  // e.g. the --registry sweep
    if (b.error_occurred) {
      notes.errors.push(`${contender} ${workload} n=${n}: ${b.error_message}`);
      continue;
    }
    const scale = { ns: 1e-6, us: 1e-3, ms: 1, s: 1e3 }[b.time_unit];
    runs.push({ workload, n: Number(n), contender, median_ms: (wallClock ? b.real_time : b.cpu_time) * scale,
      wall_ms: b.real_time * scale, rel_err: b.rel_err ?? null, value: b.value ?? null });
  }
}

const torch = await readJson(path.join(parts, 'torch.json'));
if (torch) {
  for (const r of torch.runs) {
    // pytorch-1t: CPU time of its thread (wall with --clock=wall); pytorch-all: wall time
    const contender = r.contender ?? 'pytorch-1t';
    const wall = contender !== 'pytorch-1t' || wallClock;
    runs.push({ workload: r.workload, n: r.n, contender,
      median_ms: wall ? r.wall_median_ms ?? r.median_ms : r.median_ms,
      wall_ms: r.wall_median_ms ?? r.median_ms, rel_err: r.rel_err, value: r.value ?? null,
      clock: wall ? 'wall' : 'cpu' });
  }
} else {
  notes.skipped.push('pytorch-1t, pytorch-all: /usr/bin/python3 cannot import torch (bench.sh installs python3-torch)');
}

// Wall time well above CPU time: other processes had the core (a busy host).
const busy = runs.filter((r) => r.clock !== 'wall' && r.wall_ms > 1.25 * r.median_ms);

// ---- order ------------------------------------------------------------------------------------
const CONTENDERS = ['losslab-simd', 'losslab-threads', 'losslab-scalar', 'js-loop', 'tfjs-wasm',
  'tfjs-wasm-threads', 'tfjs-cpu', 'wasm-sum', 'wasm-sum-threads', 'native-sse42', 'native', 'pytorch-1t', 'pytorch-all'];
// Contenders on every core, timed in wall-clock time (the CPU time of one thread is only a share).
const THREADED = new Set(['losslab-threads', 'tfjs-wasm-threads', 'wasm-sum-threads', 'pytorch-all']);
// ce1000 is 3000 x 1000 at every N: it is listed (and its targets judged) with N = 3e6.
const groupN = (r) => (FIXED.has(r.workload) ? 3e6 : r.n);
runs.sort((a, b) => groupN(a) - groupN(b) || WORKLOADS.indexOf(a.workload) - WORKLOADS.indexOf(b.workload) ||
  CONTENDERS.indexOf(a.contender) - CONTENDERS.indexOf(b.contender));
const find = (w, n, c) => runs.find((r) => r.workload === w && r.n === n && r.contender === c);
const sizes = [...new Set(runs.map(groupN))].sort((a, b) => a - b);

// ---- machine ----------------------------------------------------------------------------------
const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
const flags = (cpuinfo.match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/);
const osRelease = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
const machine = {
  date: new Date().toISOString(),
  quick,
  cpu: os.cpus()[0]?.model ?? null,
  cpus: os.cpus().length,
  cpu_mhz: nativeCtx.host?.mhz_per_cpu ?? (os.cpus()[0]?.speed || null),
  simd_flags: ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512bw'].filter((f) => flags.includes(f)),
  caches: nativeCtx.host?.caches?.map((c) => `L${c.level} ${c.type} ${c.size / 1024} KiB x${c.num_sharing ? Math.round(os.cpus().length / c.num_sharing) : 1}`) ?? null,
  memory_gib: Math.round(os.totalmem() / 2 ** 30),
  os: osRelease.match(/^PRETTY_NAME="?([^"\n]*)/m)?.[1] ?? os.type(),
  kernel: os.release(),
  // 1-minute load average when each part started (bench.sh --loads=start:0.1,native:0.3,...),
  // and at the end: > 1 on this many cores means other processes competed for the CPU.
  load_average: Object.fromEntries([
    ['end', Number(os.loadavg()[0].toFixed(2))],
    ...(arg('loads', '') || '').split(',').filter(Boolean).map((kv) => kv.split(':')).map(([k, v]) => [k, Number(v)]),
  ].sort(([a], [b]) => (a === 'end') - (b === 'end'))),
  node: process.version,
  chromium: browser?.env?.chromium ?? null,
  user_agent: browser?.env?.userAgent ?? null,
  cross_origin_isolated: browser?.env?.crossOriginIsolated ?? null,
  timer_resolution_ms: browser?.env?.timerResolutionMs ?? null,
  emscripten: sh('em++', ['--version'])?.split('\n')[0]?.replace(/^emcc \(.*?\) /, 'emcc ') ?? null,
  gcc: sh('g++', ['--version'])?.split('\n')[0] ?? null,
  losslab_wasm: browser?.env?.losslab ?? null,
  native_xsimd_arch: nativeCtx.native?.xsimd_arch ?? null,
  native_sse42_xsimd_arch: nativeCtx['native-sse42']?.xsimd_arch ?? null,
  google_benchmark_library_build_type: nativeCtx.native?.library_build_type ?? null,
  tfjs: browser?.env?.tfjs ?? null,
  torch: torch ? { version: torch.torch, threads: torch.threads, threads_all: torch.threads_all ?? null } : null,
  git: sh('git', ['-C', root, 'describe', '--always', '--dirty']),
  bench: { sizes, reps: Number(arg('reps', 7)), skipped: notes.skipped, errors: notes.errors,
    browser_clock: browser?.env?.clock ?? null,
    clock: wallClock ? 'median_ms = median wall-clock time per call' :
      'median_ms = median CPU time per call of the thread running it (Chromium main thread, ' +
      'the native benchmark, the PyTorch thread); equal to wall time on an idle host',
    wall_clock_above_cpu_time: `${busy.length} of ${runs.length} measurements had wall > 1.25 x CPU time` },
};

// ---- markdown ---------------------------------------------------------------------------------
const LABEL = { ce1000: 'ce1000 (3000×1000)', ml_soft_margin: 'ml_soft_margin (N/10×10)',
  multi_margin: 'multi_margin (N/10×10)', ml_margin: 'ml_margin (N/10×10)', cosine_emb: 'cosine_emb (N/32×32)',
  cosine_dist: 'cosine_dist (N/32×32)', triplet: 'triplet (N/32×32)', triplet_dist: 'triplet_dist (N/32×32)',
  ctc: 'ctc (T50 N64 C20 S20)' };
const label = (w) => LABEL[w] ?? `${w}`;

const md = [];
md.push(`# losslab bench ${quick ? '(--quick)' : '(full)'}`, '');
md.push(`${machine.date.slice(0, 16).replace('T', ' ')} UTC · ${machine.cpu} · ${machine.cpus} cores · ` +
  `${machine.simd_flags.join('/')} · ${machine.os} · ${machine.chromium ? `Chromium ${machine.chromium}` : 'no browser'}` +
  ` · load avg ${Object.entries(machine.load_average).map(([k, v]) => `${k} ${v}`).join(', ')} · git ${machine.git}`, '');
md.push((wallClock ? 'ms = median per-call wall-clock time (≥ 7 timed runs after warm-up). '
  : 'ms = median per-call CPU time of the thread running the contender (≥ 7 timed runs after ' +
    'warm-up; on an idle host the same as the wall column), except for the contenders on every ' +
    `core (${[...THREADED].join(', ')}: ${machine.cpus} threads), whose ms is wall-clock time. `) +
  'The threaded contenders race the others in the same rounds (browser: interleaved per ' +
  'workload; PyTorch: 1 thread and all threads alternate run by run). ' +
  '`×simd` = time / losslab-simd time (> 1: slower than losslab). ns/el = ns per input element ' +
  '(N for elementwise, N×C for cross-entropy, N rows for gen_b). GB/s = bytes read (input + target; ' +
  'gen_b: bytes written) / time. rel err = |result − float64 reference| / |reference|.', '');

for (const n of sizes) {
  const rows = runs.filter((r) => groupN(r) === n);
  md.push(`## N = ${fmtN(n)}`, '');
  // Summary matrix: ms (×simd).
  const present = CONTENDERS.filter((c) => rows.some((r) => r.contender === c));
  md.push(`| workload | ${present.join(' | ')} |`, `|---|${present.map(() => '---:').join('|')}|`);
  for (const w of WORKLOADS) {
    const wr = rows.filter((r) => r.workload === w);
    if (!wr.length) continue;
    const simd = wr.find((r) => r.contender === 'losslab-simd');
    md.push(`| ${label(w)} | ${present.map((c) => {
      const r = wr.find((x) => x.contender === c);
      if (!r) return '';
      const ratio = simd && c !== 'losslab-simd' ? ` (${fmtRatio(r.median_ms / simd.median_ms)}×)` : '';
      return `${fmtMs(r.median_ms)}${ratio}`;
    }).join(' | ')} |`);
  }
  md.push('');
  md.push('| workload | contender | ms | ns/el | GB/s | ×simd | rel err | wall ms |', '|---|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const { elements, bytes } = sizeOf(r.workload, r.n);
    const simd = find(r.workload, r.n, 'losslab-simd');
    md.push(`| ${label(r.workload)} | ${r.contender} | ${fmtMs(r.median_ms)} | ` +
      `${(r.median_ms * 1e6 / elements).toFixed(2)} | ${(bytes / (r.median_ms * 1e6)).toFixed(2)} | ` +
      `${simd ? fmtRatio(r.median_ms / simd.median_ms) : '–'} | ${fmtErr(r.rel_err)} | ${fmtMs(r.wall_ms)} |`);
  }
  md.push('');
}

// ---- targets (issue 6 item 3 at N = 3e6; accuracy at N = 3e7; issue 3 item 7; issue 4 item 5) -----
const T = 3e6;
const targets = [];
const FIXED_N = { ce1000: 3000, sgd100: 300 };   // the fixed-size workloads' own n
const ms = (w, c) => find(w, FIXED_N[w] ?? T, c)?.median_ms;
const whyMissing = (w, c) => notes.skipped.find((s) => s.startsWith(`${c} ${w} `))?.replace(/^.*?: /, `${c}: `) ??
  notes.errors.find((s) => s.startsWith(`${c} ${w} `)) ?? `${c} not measured`;
const target = (what, value, ok, detail) =>
  targets.push({ what, value, status: ok == null ? 'not measured' : ok ? 'met' : 'NOT met', detail });
// r = time(slow) / time(fast) on workload w at N = 3e6.
function ratioTarget(what, w, slow, fast, ok, show = (r) => `${fmtRatio(r)}×`) {
  const a = ms(w, slow);
  const b = ms(w, fast);
  if (a == null || b == null) {
    target(what, null, null, [a == null && whyMissing(w, slow), b == null && whyMissing(w, fast)].filter(Boolean).join('; '));
    return;
  }
  target(what, show(a / b), ok(a / b), `${fast} ${fmtMs(b)} ms, ${slow} ${fmtMs(a)} ms`);
}
// issue 15's TF.js ratios (mse: issue 6's), one thread against one, threads against its threads
for (const [w, min] of [['mse', 6], ['bce', 10], ['bce_logits', 7], ['ce3', 7], ['ce1000', 8]]) {
  ratioTarget(`${label(w)}: ≥ ${min}× faster than tfjs-wasm`, w, 'tfjs-wasm', 'losslab-simd', (r) => r >= min);
  if (w !== 'mse') {
    ratioTarget(`${label(w)}: losslab-threads ≥ ${min}× faster than tfjs-wasm-threads`, w, 'tfjs-wasm-threads',
      'losslab-threads', (r) => r >= min);
  }
}
ratioTarget('mse: ≥ 90 % of the wasm sum\'s bandwidth (one thread)', 'mse', 'wasm-sum', 'losslab-simd', (r) => r >= 0.9,
  (r) => `${(100 * r).toFixed(0)} %`);
ratioTarget('mse on threads: ≥ 90 % of the threaded wasm sum\'s bandwidth (the machine\'s multi-core bandwidth)', 'mse',
  'wasm-sum-threads', 'losslab-threads', (r) => r >= 0.9, (r) => `${(100 * r).toFixed(0)} %`);
// issue 15: threads
for (const w of ['bce', 'bce_logits', 'ce3', 'ce1000']) {
  ratioTarget(`${label(w)}: losslab-threads ≥ 1.8× losslab-simd`, w, 'losslab-simd', 'losslab-threads', (r) => r >= 1.8);
}
for (const w of BASE_WORKLOADS) {
  ratioTarget(`${label(w)}: losslab-threads faster than pytorch-all`, w, 'pytorch-all', 'losslab-threads', (r) => r > 1);
}
for (const w of ['bce', 'bce_logits', 'ce3', 'ce1000']) {
  ratioTarget(`${label(w)}: losslab-threads faster than native 1-thread (${nativeCtx.native?.xsimd_arch ?? 'host width'})`,
    w, 'native', 'losslab-threads', (r) => r > 1);
}
for (const w of BASE_WORKLOADS) {
  ratioTarget(`${label(w)}: wasm SIMD within 1.25× of native SSE4.2`, w, 'losslab-simd', 'native-sse42', (r) => r <= 1.25);
}
for (const w of BASE_WORKLOADS) {
  if (w === 'gen_b') {
    ratioTarget('gen_b: recipe B in Chromium ≤ 0.5× PyTorch 1-thread', w, 'losslab-simd', 'pytorch-1t', (r) => r <= 0.5);
    ratioTarget('gen_b: recipe B on threads ≤ PyTorch all threads', w, 'losslab-threads', 'pytorch-all', (r) => r <= 1);
  } else {
    ratioTarget(`${label(w)}: Chromium faster than PyTorch 1-thread`, w, 'pytorch-1t', 'losslab-simd', (r) => r > 1);
  }
}
ratioTarget('bce_hand: the lesson\'s BCE by hand in Chromium not slower than PyTorch 1-thread (issue 12)',
  'bce_hand', 'pytorch-1t', 'losslab-simd', (r) => r >= 1);
ratioTarget('sgd100: 100 SGD steps on the multiclass recipe not slower than PyTorch 1-thread (issue 12)',
  'sgd100', 'pytorch-1t', 'losslab-simd', (r) => r >= 1);
for (const w of ['bce', 'bce_logits', 'ce3', 'ce1000']) {
  ratioTarget(`${label(w)}: SIMD build ≥ 3× the scalar build (issue 3)`, w, 'losslab-scalar', 'losslab-simd', (r) => r >= 3);
}
{
  const mine = ['losslab-simd', 'losslab-scalar', 'native-sse42', 'native'];
  const worstAt = (n) => runs.filter((r) => mine.includes(r.contender) && r.rel_err != null &&
    BASE_WORKLOADS.includes(r.workload) &&
    (r.n === n || r.workload === 'ce1000')).reduce((m, r) => (r.rel_err > (m?.rel_err ?? -1) ? r : m), null);
  const have3e7 = runs.some((r) => r.n === 3e7 && mine.includes(r.contender));
  const w7 = have3e7 ? worstAt(3e7) : null;
  const w6 = worstAt(T);
  target('relative error ≤ 1e-7 at N = 3e7 (losslab, every workload)',
    w7 ? `max ${fmtErr(w7.rel_err)}` : null, w7 ? w7.rel_err <= 1e-7 : null,
    w7 ? `worst: ${w7.contender} ${w7.workload}` :
      `N = 3e7 not run (--quick)${w6 ? `; at N = 3e6 max ${fmtErr(w6.rel_err)} (${w6.contender} ${w6.workload})` : ''}`);
}
// ---- agreement: every contender's loss value against losslab-simd's on the same bytes -------------
// (the float64 reference is the rel err column; this says the contenders computed the same loss).
// Float32 'mean' results agree to a few 1e-7 when only the summation order differs; TF.js sums in
// float32 pairs of its own and (hinge_tf, cosine_dist) normalises differently: 1e-3.
// losslab-threads: the same bits as losslab-simd (tolerance 0).
const AGREE_TOL = { 'tfjs-wasm': 1e-3, 'tfjs-wasm-threads': 1e-3, 'tfjs-cpu': 1e-3, 'losslab-threads': 0 };
const agreement = [];
for (const r of runs) {
  if (r.contender === 'losslab-simd' || r.value == null || !Number.isFinite(r.median_ms)) continue;
  if (r.workload === 'gen_b') continue;  // timed without a value (the recipe's BCE is checked in the page)
  const simd = find(r.workload, r.n, 'losslab-simd');
  if (simd?.value == null) continue;
  const diff = Math.abs(r.value - simd.value) / Math.max(Math.abs(simd.value), 1e-30);
  const tol = AGREE_TOL[r.contender] ?? 1e-5;
  agreement.push({ workload: r.workload, n: r.n, contender: r.contender, value: r.value, simd: simd.value,
    diff, tol, ok: diff <= tol });
}
const disagree = agreement.filter((a) => !a.ok);

// ---- cold start (bench/startup.mjs: fresh browser contexts, the built site) -----------------------
const startup = { default: await readJson(path.join(parts, 'startup.json')),
  binary: await readJson(path.join(parts, 'startup-binary.json')) };
const genMs = (run) => Number(/generated in ([0-9.]+) ms/.exec(run?.data ?? '')?.[1] ?? NaN);
const medianOf = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
if (startup.default) {
  target('default page: navigation to the first printed result ≤ 0.5 s (issue 14)',
    `${startup.default.firstMs.median} ms`, startup.default.firstMs.median <= 500,
    `median of ${startup.default.loads} cold loads (min ${startup.default.firstMs.min}, max ${startup.default.firstMs.max}); ` +
    `${startup.default.kibBefore} KiB transferred before it`);
} else {
  target('default page: navigation to the first printed result ≤ 0.5 s (issue 14)', null, null, 'cold start not run');
}
if (startup.binary) {
  const cold = medianOf(startup.binary.runs.map(genMs));
  // the page runs the threaded build when cross-origin isolated (it is here), else the SIMD one
  const warmC = ['losslab-threads', 'losslab-simd'].find((c) => ms('gen_b', c) != null);
  const warm = warmC ? ms('gen_b', warmC) : null;
  target('recipe B at N = 3e6: the first generation within 1.5× of the warm time of the same steps (issue 15)',
    Number.isFinite(cold) && warm ? `${fmtRatio(cold / warm)}×` : null,
    Number.isFinite(cold) && warm ? cold / warm <= 1.5 : null,
    `page's "Data generated in" on a cold load: median ${Number.isFinite(cold) ? cold.toFixed(1) : '–'} ms; ` +
    `warm gen_b ${warm ? `${fmtMs(warm)} ms (${warmC})` : 'not measured'}; navigation to the first result ` +
    `${startup.binary.firstMs.median} ms (median of ${startup.binary.loads})`);
}

// ---- small calls (bench.sh: mse_loss at N = 50 and 1e3, its own Chromium session) ------------
const smallPart = await readJson(path.join(parts, 'small.json'));
const small = (smallPart?.runs ?? []).filter((r) => !r.skipped && !r.error && Number.isFinite(r.median_ms));
const smallAt = (n, c) => small.find((r) => r.n === n && r.contender === c)?.median_ms;
const us = (v) => (v == null ? '–' : `${(v * 1e3).toFixed(2)} µs`);
{
  const a = smallAt(1000, 'losslab-simd'), b = smallAt(1000, 'js-loop');
  target('mse at N = 1e3: losslab-simd not slower than the JS loop (issue 15 item 3: the per-call cost)',
    a != null && b != null ? `${fmtRatio(a / b)}×` : null, a != null && b != null ? a <= b : null,
    smallPart ? `per call: N = 50 losslab-simd ${us(smallAt(50, 'losslab-simd'))}, losslab-threads ` +
      `${us(smallAt(50, 'losslab-threads'))}, js-loop ${us(smallAt(50, 'js-loop'))}; N = 1e3 losslab-simd ${us(a)}, ` +
      `losslab-threads ${us(smallAt(1000, 'losslab-threads'))}, js-loop ${us(b)} (the loss call, item() and dispose())`
      : 'small calls not run');
}

md.push('## Targets (ratios at N = 3e6, accuracy at N = 3e7)', '');
md.push('| target | measured | status | detail |', '|---|---:|---|---|');
for (const t of targets) md.push(`| ${t.what} | ${t.value ?? '–'} | ${t.status} | ${t.detail ?? ''} |`);
md.push('');
if (busy.length && !wallClock) {
  md.push(`**Busy host**: in ${busy.length} of ${runs.length} measurements the wall-clock time was > 1.25× ` +
    'the CPU time (other processes shared the cores). The times and ratios above are CPU times, ' +
    'which such load barely moves; the wall column shows what it did to elapsed time.', '');
}
md.push('## Agreement with losslab-simd', '');
md.push(`${agreement.length} values compared (|v − v_simd| / |v_simd| ≤ 1e-5, TF.js 1e-3, losslab-threads 0: the same bits): ` +
  `${disagree.length ? `**${disagree.length} disagree**` : 'all agree'}; worst per contender: ` +
  `${[...new Set(agreement.map((a) => a.contender))].map((c) => {
    const w = agreement.filter((a) => a.contender === c).reduce((m, a) => (a.diff > m.diff ? a : m));
    return `${c} ${fmtErr(w.diff)} (${w.workload})`;
  }).join(', ') || '–'}.`, '');
if (disagree.length) {
  md.push('| workload | N | contender | value | losslab-simd | rel diff | tol |', '|---|---:|---|---:|---:|---:|---:|');
  for (const a of disagree) {
    md.push(`| ${label(a.workload)} | ${fmtN(a.n)} | ${a.contender} | ${a.value} | ${a.simd} | ${fmtErr(a.diff)} | ${fmtErr(a.tol)} |`);
  }
  md.push('');
}
if (notes.skipped.length || notes.errors.length) {
  md.push('## Not measured', '');
  for (const s of notes.skipped) md.push(`- skipped: ${s}`);
  for (const s of notes.errors) md.push(`- error: ${s}`);
  md.push('');
}
md.push(`Machine: ${machine.cpu}, ${machine.cpus} cores @ ${machine.cpu_mhz} MHz, ${machine.memory_gib} GiB, ` +
  `${machine.caches?.join(', ') ?? ''}; ${machine.os}, Linux ${machine.kernel}; node ${machine.node}; ` +
  `${machine.emscripten}; ${machine.gcc}; native builds: xsimd ${machine.native_xsimd_arch} (-march=native) and ` +
  `${machine.native_sse42_xsimd_arch} (-march=x86-64-v2); TF.js ${machine.tfjs?.version} ` +
  `(wasm SIMD ${machine.tfjs?.wasmSimd}; tfjs-wasm 1 thread, tfjs-wasm-threads ${machine.tfjs?.wasmThreadsBackend ?? '–'}); ` +
  `losslab-threads ${machine.losslab_wasm?.threads ?? '–'} threads; ` +
  `PyTorch ${machine.torch?.version ?? 'n/a'} (pytorch-1t 1 thread, pytorch-all ${machine.torch?.threads_all ?? '–'}).`, '');

const text = md.join('\n');
if (arg('check', false)) {
  // bench.sh --check: tiny sizes, nothing written; the exit code says whether everyone agrees.
  process.stdout.write(`${text}\n`);
  if (!agreement.length) console.error('bench check: nothing compared');
  process.exit(disagree.length || !agreement.length || notes.errors.length ? 1 : 0);
}
await mkdir(path.join(root, 'bench/results'), { recursive: true });
await writeFile(path.join(root, 'bench/results/latest.json'),
  `${JSON.stringify({ runs: runs.map(({ workload, n, contender, median_ms, rel_err }) =>
    ({ workload, n, contender, median_ms: Number(median_ms.toPrecision(4)), rel_err: rel_err == null ? null : Number(rel_err.toPrecision(3)) })),
  machine: { ...machine, targets, small_calls: small.map(({ n, contender, median_ms }) =>
    ({ workload: 'mse', n, contender, median_ms: Number(median_ms.toPrecision(4)) })), startup: { default: startup.default && { ...startup.default, runs: undefined },
    binary: startup.binary && { ...startup.binary, runs: undefined } } } }, null, 1)}\n`);
await writeFile(path.join(root, 'bench/results/latest.md'), `${text}\n`);
process.stdout.write(`${text}\n`);
