// The worker's shared state, read by every part of a job: the two loaded wasm builds, the current
// data set and the newest job id per channel; with what every part of a job uses to talk to the
// page and to let newer jobs in (post, progress, checkpoint). Assigned only through the setters
// below (the importers see the new values: ES module live bindings).

export let simd = null;     // the SIMD build (everything but the scalar timing runs here)
export let scalar = null;   // the scalar build (timing only)
export let data = null;     // the current data set (one at a time: memory)
export const latest = new Map();   // channel → newest job id
export const queue = [];           // the jobs waiting (worker.mjs runs them one at a time)

/** Whether a job of another channel (a widget beside this one) is waiting for its turn. */
export const othersWaiting = (job) => queue.some((j) => (j.channel ?? 0) !== (job.channel ?? 0) && latest.get(j.channel ?? 0) === j.id);

export function setBuilds(simdLab, scalarLab) {
  simd = simdLab;
  scalar = scalarLab;
}

// The scalar build is only needed for the timing rows: it starts loading once the first loss has
// been posted (startScalar), or when something that times it asks first (scalarReady), so that
// its download and instantiation do not compete with the first result.
let scalarLoad = null;
let scalarPromise = null;
export function setScalarLoader(load) {
  scalarLoad = load;
}
export function startScalar() {
  if (scalarPromise || !scalarLoad) return scalarPromise;
  scalarPromise = scalarLoad().then((lab) => {
    scalar = lab;
    return lab;
  });
  scalarPromise.catch(() => {});   // reported where it is awaited
  return scalarPromise;
}
export const scalarReady = () => startScalar() ?? Promise.resolve(scalar);

export function setData(d) {
  data = d;
}

export const post = (m) => self.postMessage(m);

export class Superseded extends Error {}
/** Thrown at a checkpoint of a job marked yieldable when another channel's job waits (run.mjs). */
export class Later extends Error {}

// Lets newer messages in, then gives up if this job is no longer the newest on its channel, or
// steps aside if it may (job.yieldable: a run's timing) and another channel waits.
// The yield is a MessageChannel task, not setTimeout(0): nested timeouts are clamped to 4 ms, which
// made each gradient-descent step cost 4 ms more than its arithmetic.
// (In Node, where the tests import this module, the port keeps the process alive only while a
// yield waits: ref/unref exist there and not in browsers.)
const yieldPort = typeof MessageChannel === 'function' ? new MessageChannel() : null;
const waiting = [];
if (yieldPort) {
  yieldPort.port1.onmessage = () => {
    const go = waiting.shift();
    if (!waiting.length) yieldPort.port1.unref?.();
    go?.();
  };
  yieldPort.port1.unref?.();
}
const nextTask = () => new Promise((r) => {
  if (!yieldPort) return setTimeout(r, 0);
  waiting.push(r);
  yieldPort.port1.ref?.();
  yieldPort.port2.postMessage(0);
});

export async function checkpoint(job) {
  await nextTask();
  if (latest.get(job.channel ?? 0) !== job.id) throw new Superseded();
  if (job.yieldable && othersWaiting(job)) throw new Later();
}

export function progress(job, phase, fraction, extra = {}) {
  post({ type: 'progress', id: job.id, phase, fraction, ...extra });
}

export function findSpec(name) {
  const spec = simd.registry.losses.find((s) => s.name === name);
  if (!spec) {
    throw Object.assign(new Error(`'${name}' is not a loss in this build (registered: ${simd.registry.losses.map((s) => s.name).join(', ')})`),
      { kind: 'unknown-loss', name: 'ValueError' });
  }
  return spec;
}
