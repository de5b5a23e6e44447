// The page's (and the widget's) handle on the compute worker. One Engine per page is enough:
// every client (the playground, each widget) has its own channel, and a newer job on a channel
// supersedes the older one. cancel() terminates the worker (the only way to stop a long wasm
// call) and starts a fresh one; so does a fatal error such as running out of memory.
//
//   const engine = new Engine();
//   const { arch, scalarArch } = await engine.ready;   // the registry: dist/registry.mjs
//   const job = engine.run(state, { onMessage(m) {…} }, 'run', channel);   // m: worker messages
//   await job.done;                                   // resolves with the final message
//   engine.cancel();                                  // terminates + respawns

let nextId = 1;

export class Engine {
  /** @param {{workerUrl?: URL|string, onRestart?: (reason: string) => void}} [options] */
  /**
   * adopt: take the worker web/boot.js started early (the playground page), if it is there and
   * runs the same script; otherwise start one.
   */
  /**
   * The watchdog: while jobs are pending and the worker has said nothing for `pingAfter` ms it is
   * pinged (a free worker answers at once; one inside a long wasm call cannot); after `stallAfter`
   * ms of silence onStall(ms) is called (the page says so: a long computation, or a hang); after
   * `hangAfter` ms (or a job's own `expectMs`, if longer) the worker is taken for dead or hung: it
   * is restarted and every pending job ends with {type: 'error', kind: 'hang'}. A worker that
   * exited without a word is found the same way.
   */
  constructor({ workerUrl = new URL('./worker.mjs', import.meta.url), onRestart, adopt = false,
    pingAfter = 2000, stallAfter = 15000, hangAfter = 180000 } = {}) {
    this.workerUrl = workerUrl;
    this.onRestart = onRestart;
    this.jobs = new Map();   // id → {channel, onMessage, resolve, expectMs}
    this.info = null;
    Object.assign(this, { pingAfter, stallAfter, hangAfter, ...(globalThis.__losslabWatchdog ?? {}) });
    this.lastHeard = performance.now();
    this.stalled = false;
    this._watchTimer = setInterval(() => this._watch(), Math.min(1000, this.pingAfter));
    const boot = adopt ? globalThis.__losslabBoot : null;
    if (boot && boot.url === new URL(String(workerUrl), location.href).href) {
      globalThis.__losslabBoot = null;
      this._spawn(boot.worker);
      for (const m of boot.early) {
        if (m.error) this._workerError(m.error);
        else this._onMessage(m.data);
      }
    } else {
      this._spawn();
    }
  }

  _spawn(adopted = null) {
    const w = adopted ?? new Worker(this.workerUrl, { type: 'module', name: 'losslab' });
    this.worker = w;
    this.ready = new Promise((resolve, reject) => {
      this._readyResolve = resolve;
      this._readyReject = reject;
    });
    this.ready.catch(() => {});
    w.onmessage = (e) => this._onMessage(e.data);
    w.onerror = (e) => {
      e.preventDefault?.();
      this._workerError(e.message || 'the worker failed to start');
    };
  }

  _workerError(message) {
    this._readyReject(new Error(message));
    this._failAll({ type: 'error', kind: 'crash', name: 'Error', message, fatal: true });
  }

  _watch() {
    if (this.jobs.size === 0) {
      this.lastHeard = performance.now();
      return;
    }
    const silent = performance.now() - this.lastHeard;
    if (silent >= this.pingAfter) this.worker.postMessage({ type: 'ping' });
    if (silent >= this.stallAfter && !this.stalled) {
      this.stalled = true;
      this.onStall?.(silent);
    }
    const limit = Math.max(this.hangAfter, ...[...this.jobs.values()].map((j) => j.expectMs ?? 0));
    if (silent >= limit) {
      const message = `the compute worker has not answered for ${Math.round(silent / 1000)} s (it hung or exited); it was restarted`;
      this._failAll({ type: 'error', kind: 'hang', name: 'Error', message, silentMs: silent, fatal: false });
      this.restart('hang');
    }
  }

  _onMessage(m) {
    this.lastHeard = performance.now();
    if (this.stalled) {
      this.stalled = false;
      this.onStall?.(0);   // it answers again
    }
    if (m.type === 'pong') return;
    if (m.type === 'ready') {
      this.info = m;
      this._readyResolve(m);
      return;
    }
    if (m.type === 'scalar') {   // the scalar build, loaded after the first result could run
      if (this.info) this.info = { ...this.info, scalarArch: m.arch };
      this.onInfo?.(this.info);
      return;
    }
    if (m.id == null) {
      if (m.type === 'error') {
        this._readyReject(Object.assign(new Error(m.message), { name: m.name }));
        this._failAll(m);
      }
      return;
    }
    const job = this.jobs.get(m.id);
    if (!job) return;
    job.onMessage?.(m);
    if (m.type === 'done' || m.type === 'error') {
      this.jobs.delete(m.id);
      job.resolve(m);
      if (m.type === 'error' && m.fatal) this.restart('fatal');
      else if (m.type === 'done' && m.restart) this.restart('memory');   // give the grown heap back
    }
  }

  _failAll(m) {
    for (const [id, job] of this.jobs) {
      job.onMessage?.({ ...m, id });
      job.resolve({ ...m, id });
    }
    this.jobs.clear();
  }

  /**
   * Starts a job. kind: 'run' | 'train'. Returns {id, done: Promise<final message>}.
   * Older jobs on the same channel are superseded (they resolve with {type: 'superseded'}).
   * skip: parts of a 'run' the client does not show ('grad', 'plots', 'timing'), left undone.
   */
  run(state, { onMessage, skip, expectMs } = {}, kind = 'run', channel = 0) {
    const id = nextId++;
    for (const [oid, job] of this.jobs) {
      if (job.channel === channel) {
        this.jobs.delete(oid);
        job.resolve({ type: 'superseded', id: oid });
      }
    }
    let resolve;
    const done = new Promise((r) => { resolve = r; });
    if (this.jobs.size === 0) this.lastHeard = performance.now();   // silence counts from the first job
    this.jobs.set(id, { channel, onMessage, resolve, expectMs });
    const msg = { type: kind, id, channel, state: plain(state) };
    if (skip?.length) msg.skip = [...skip];
    this.worker.postMessage(msg);
    return { id, done };
  }

  /**
   * Stops the channel's job at its next checkpoint (between two steps of gradient descent), the
   * worker and its state kept: the job resolves now with {type: 'stopped'}.
   */
  stop(channel) {
    for (const [id, job] of this.jobs) {
      if (job.channel !== channel) continue;
      this.jobs.delete(id);
      job.resolve({ type: 'stopped', id });
    }
    this.worker.postMessage({ type: 'stop', channel });
  }

  /** Stops everything now: terminates the worker and starts a fresh one. */
  cancel() {
    this.restart('cancel');
  }

  restart(reason) {
    this.worker.terminate();
    this.lastHeard = performance.now();
    this.stalled = false;
    for (const [id, job] of this.jobs) job.resolve({ type: 'cancelled', id, reason });
    this.jobs.clear();
    this._spawn();
    this.onRestart?.(reason);
  }

  get busy() {
    return this.jobs.size > 0;
  }
}

// A copy of a state that structured clone accepts (primitives and arrays of numbers).
function plain(state) {
  const out = {};
  for (const [k, v] of Object.entries(state)) out[k] = Array.isArray(v) ? v.slice() : v;
  return out;
}
