// The page's handle on Python (pyworker.mjs): made on the first run, so the page loads no Pyodide
// byte until the learner presses Run. stop() raises KeyboardInterrupt through Pyodide's interrupt
// buffer where the page is cross-origin isolated (SharedArrayBuffer), and otherwise terminates
// the worker (the next run starts a fresh one).
//
//   const python = new PythonRunner();
//   const r = await python.run(code, { onOut(text) {}, onErr(text) {} });   // { error, ms, stopped }
//   python.stop();

let nextId = 1;

export class PythonRunner {
  constructor({ workerUrl = new URL('./pyworker.mjs', import.meta.url), onStatus } = {}) {
    this.workerUrl = workerUrl;
    this.onStatus = onStatus ?? (() => {});
    this.worker = null;
    this.jobs = new Map();
    this.startMs = null;   // Pyodide's start, measured in the worker
  }

  _spawn() {
    const w = new Worker(this.workerUrl, { type: 'module', name: 'losslab-python' });
    this.worker = w;
    this.ready = new Promise((resolve, reject) => { this._ready = { resolve, reject }; });
    this.ready.catch(() => {});
    this.interrupt = typeof SharedArrayBuffer === 'function' && self.crossOriginIsolated
      ? new Int32Array(new SharedArrayBuffer(4)) : null;
    if (this.interrupt) w.postMessage({ type: 'interrupt-buffer', buffer: this.interrupt.buffer });
    w.onmessage = (e) => this._onMessage(e.data);
    w.onerror = (e) => {
      e.preventDefault?.();
      this._fail(e.message || 'the Python worker failed to start');
    };
    this.onStatus('loading');
  }

  _fail(message) {
    this._ready.reject(new Error(message));
    for (const job of this.jobs.values()) job.resolve({ error: { type: 'Error', message, line: null, traceback: message }, ms: 0 });
    this.jobs.clear();
    this.worker?.terminate();
    this.worker = null;
    this.onStatus('error');
  }

  _onMessage(m) {
    if (m.type === 'ready') {
      this.startMs = m.ms;
      this._ready.resolve(m);
      this.onStatus(this.jobs.size ? 'running' : 'ready', m);
      return;
    }
    if (m.type === 'fatal') { this._fail(m.message); return; }
    const job = this.jobs.get(m.id);
    if (!job) return;
    if (m.type === 'out') job.onOut?.(m.text);
    else if (m.type === 'err') job.onErr?.(m.text);
    else if (m.type === 'done') {
      this.jobs.delete(m.id);
      job.resolve({ error: m.error, ms: m.ms, stopped: m.error?.type === 'KeyboardInterrupt' });
      if (!this.jobs.size) this.onStatus('ready');
    }
  }

  /** Runs code in a session's namespace (fresh: start it over); resolves when it ends. */
  run(code, { onOut, onErr, fresh = false, session = 'main' } = {}) {
    if (!this.worker) this._spawn();
    if (this.interrupt) Atomics.store(this.interrupt, 0, 0);
    const id = nextId++;
    const done = new Promise((resolve) => this.jobs.set(id, { onOut, onErr, resolve }));
    this.worker.postMessage({ type: 'run', id, code, fresh, session });
    this.onStatus('running');
    return done;
  }

  get running() { return this.jobs.size > 0; }

  /** Stops the running code: KeyboardInterrupt where possible, else a fresh worker next time. */
  stop() {
    if (!this.jobs.size) return;
    if (this.interrupt) {
      Atomics.store(this.interrupt, 0, 2);   // SIGINT
      return;
    }
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    this.worker.terminate();
    this.worker = null;
    for (const job of jobs) {
      job.resolve({ error: { type: 'KeyboardInterrupt', message: '', line: null, traceback: 'KeyboardInterrupt' }, ms: 0, stopped: true });
    }
    this.onStatus('idle');
  }
}
