// losslab/python: the lesson's PyTorch code, run as written, by Pyodide (CPython 3.12 in wasm, the
// npm package's own files: no network) with a `torch` package written in Python over this
// package's JS API (python/torch/ in the repository, bundled into python-src.mjs at build time).
//
//   import { createPython } from 'losslab/python';
//   const py = await createPython();
//   const { stdout, error } = await py.run('import torch\nprint(torch.ones(2))');
//
// One interpreter per createPython(), one losslab instance under it; run() shares one global
// namespace between calls of one session (as the lesson's blocks share theirs; { session: name },
// default 'main') unless { fresh: true } starts it over.
import { createLossLab, Tensor } from './losslab.mjs';
import { SOURCES } from './python-src.mjs';

const SITE = '/home/pyodide/losslab-site';

// Python's traceback without Pyodide's own frames (its code runner), which the learner did not
// write: each frame is a '  File ...' line and its indented source lines.
function cleanTraceback(tb) {
  const out = [];
  let skipping = false;
  for (const line of tb.split('\n')) {
    if (line.startsWith('  File ')) skipping = line.includes('/_pyodide/');
    else if (!line.startsWith('    ')) skipping = false;
    if (!skipping) out.push(line);
  }
  return out.join('\n');
}

/**
 * @param {{ simd?: boolean, indexURL?: string, lab?: object, loadPyodide?: Function }} [options]
 * indexURL: where pyodide's files are (default: the `pyodide` npm package's folder).
 */
export async function createPython(options = {}) {
  const lab = options.lab ?? await createLossLab({ simd: options.simd, warnings: 'silent' });
  const load = options.loadPyodide ?? (await import('pyodide')).loadPyodide;
  let sink = null;   // the current run's { out, err }
  const write = (key) => (s) => {
    if (!sink) return;
    sink[key].push(s);
    (key === 'out' ? sink.onStdout : sink.onStderr)?.(`${s}\n`);
  };
  const pyodide = await load({
    ...(options.indexURL ? { indexURL: options.indexURL } : {}),
    stdout: write('out'),
    stderr: write('err'),
  });
  for (const [path, text] of Object.entries(SOURCES)) {
    const full = `${SITE}/${path}`;
    pyodide.FS.mkdirTree(full.slice(0, full.lastIndexOf('/')));
    pyodide.FS.writeFile(full, text);
  }
  pyodide.registerJsModule('_losslab', { lab, Object, isTensor: (x) => x instanceof Tensor });
  pyodide.runPython(`import sys\nsys.path.insert(0, ${JSON.stringify(SITE)})`);
  // the traceback shows the learner's source lines (linecache serves <lesson> from memory)
  const setSource = pyodide.runPython(
    "import linecache\ndef _losslab_source(code):\n    linecache.cache['<lesson>'] = (len(code), None, code.splitlines(True), '<lesson>')\n_losslab_source");
  const namespaces = new Map();   // session name -> its globals (a Python dict)

  /**
   * Runs code as a script named <lesson>; resolves to { stdout, stderr, error } where error is
   * null or { type, message, line, traceback } (line: the deepest line of the learner's code).
   * onStdout / onStderr get each line as it is printed (with its newline).
   */
  async function run(code, { fresh = false, session = 'main', onStdout, onStderr } = {}) {
    if (fresh && namespaces.has(session)) { namespaces.get(session).destroy(); namespaces.delete(session); }
    if (!namespaces.has(session)) namespaces.set(session, pyodide.globals.get('dict')());
    const globals = namespaces.get(session);
    sink = { out: [], err: [], onStdout, onStderr };
    setSource(code);
    let error = null;
    try {
      pyodide.runPython(code, { globals, filename: '<lesson>' });   // synchronous: KeyboardInterrupt stays in this call
    } catch (e) {
      if (e?.constructor?.name !== 'PythonError') throw e;
      const tb = cleanTraceback(String(e.message));
      const last = tb.trimEnd().split('\n').pop();
      const m = /^(\w+(?:\.\w+)*)(?::\s?([\s\S]*))?$/.exec(last);
      const lines = [...tb.matchAll(/File "<lesson>", line (\d+)/g)].map((x) => Number(x[1]));
      error = { type: m ? m[1] : 'Error', message: m?.[2] ?? last, line: lines.length ? lines[lines.length - 1] : null, traceback: tb };
    }
    const out = { stdout: sink.out.join('\n') + (sink.out.length ? '\n' : ''), stderr: sink.err.join('\n') + (sink.err.length ? '\n' : ''), error };
    sink = null;
    return out;
  }
  return { run, lab, pyodide };
}
