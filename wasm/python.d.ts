// Types for losslab/python (dist/python.mjs).
import type { LossLab } from './losslab';

export interface PythonError {
  /** The exception's class: 'RuntimeError', 'ValueError', 'IndexError', 'NotImplementedError', ... */
  type: string;
  /** Its message (torch's, for torch's errors). */
  message: string;
  /** The line of the run's code where it was raised (the deepest <lesson> frame), or null. */
  line: number | null;
  /** Python's traceback text. */
  traceback: string;
}

export interface PythonRun {
  stdout: string;
  stderr: string;
  error: PythonError | null;
}

export interface Python {
  /** Runs code (a script named <lesson>) in a session's namespace (default 'main'); { fresh: true } starts it over. */
  run(code: string, options?: { fresh?: boolean; session?: string; onStdout?: (text: string) => void; onStderr?: (text: string) => void }): Promise<PythonRun>;
  /** The losslab instance under `torch`. */
  readonly lab: LossLab;
  /** The Pyodide instance. */
  readonly pyodide: any;
}

export declare function createPython(options?: {
  simd?: boolean;
  /** Where Pyodide's files are (default: the pyodide npm package's folder). */
  indexURL?: string;
  /** An existing losslab instance to run on. */
  lab?: LossLab;
  /** Pyodide's loadPyodide (default: imported from the pyodide package). */
  loadPyodide?: (options: object) => Promise<any>;
}): Promise<Python>;
