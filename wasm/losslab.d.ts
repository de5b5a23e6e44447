// Types for losslab's JS API (dist/losslab.mjs).

export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool';
export type TypedArrayOf<D extends DType> = D extends 'float32' ? Float32Array
  : D extends 'float64' ? Float64Array : D extends 'int64' ? BigInt64Array : D extends 'bool' ? Uint8Array
  : Int32Array;
export type Reduction = 'none' | 'mean' | 'sum' | 'batchmean';
export type Seed = number | bigint | string;
/** A Python number: an int if a bigint or an integer-valued number within 2**53, else a float. */
export type Num = number | bigint;
/** A reduction's dim: (dim[, keepdim]) or ({ dim, keepdim }). */
type DimArg = number | { dim?: number; keepdim?: boolean };
/** One spec of Tensor.index: an int selects, null is `:`, an object a slice (x.index([{ end: 5 }, 1]) is x[:5, 1]). */
export type IndexSpec = number | bigint | null | { start?: number | null; end?: number | null; step?: number };
/** torch.max(t, dim): [values, indices], also as .values / .indices. */
export type ValuesIndices = [Tensor, Tensor] & { values: Tensor; indices: Tensor };

/** A tensor living in the wasm heap. Free it with dispose() (or a torch.tidy scope, or the GC). */
export declare class Tensor {
  readonly dtype: DType;
  readonly shape: number[];
  readonly ndim: number;
  readonly disposed: boolean;
  /** PyTorch UserWarnings raised by the call that produced this tensor. */
  warnings?: string[];
  dim(): number;
  size(): number[];
  size(dim: number): number;
  numel(): number;
  /** Row-major copy of the data. */
  toArray(): Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
  /** The only element (a boolean for bool tensors); throws unless numel() == 1. */
  item(): number | boolean;
  /** Nested arrays of numbers (booleans for bool), as Tensor.tolist(); a number for 0-d. */
  tolist(): any;
  /** PyTorch 1.13's print, e.g. 'tensor(2.4869)', 'tensor(1.1591, grad_fn=<NllLossBackward0>)'. */
  toString(): string;
  dispose(): void;
  clone(): Tensor;
  t(): Tensor;
  mm(mat2: Tensor): Tensor;
  /** 2-D @ 2-D only. */
  matmul(other: Tensor): Tensor;
  add(other: Tensor | Num): Tensor;
  sub(other: Tensor | Num): Tensor;
  /** other - this (what `1 - y` is). */
  rsub(other: Tensor | Num): Tensor;
  mul(other: Tensor | Num): Tensor;
  /** True division (integers give float32). */
  div(other: Tensor | Num): Tensor;
  pow(exponent: Tensor | Num): Tensor;
  eq(other: Tensor | Num): Tensor;
  ne(other: Tensor | Num): Tensor;
  lt(other: Tensor | Num): Tensor;
  le(other: Tensor | Num): Tensor;
  gt(other: Tensor | Num): Tensor;
  ge(other: Tensor | Num): Tensor;
  neg(): Tensor;
  log(): Tensor;
  exp(): Tensor;
  log1p(): Tensor;
  expm1(): Tensor;
  sqrt(): Tensor;
  abs(): Tensor;
  square(): Tensor;
  tanh(): Tensor;
  relu(): Tensor;
  sigmoid(): Tensor;
  clamp(min?: Num | null | { min?: Num | null; max?: Num | null }, max?: Num | null): Tensor;
  clamp_min(min: Num): Tensor;
  clamp_max(max: Num): Tensor;
  sum(dim?: DimArg, keepdim?: boolean): Tensor;
  mean(dim?: DimArg, keepdim?: boolean): Tensor;
  max(): Tensor;
  max(dim: DimArg, keepdim?: boolean): ValuesIndices;
  min(): Tensor;
  min(dim: DimArg, keepdim?: boolean): ValuesIndices;
  argmax(dim?: DimArg, keepdim?: boolean): Tensor;
  /** [values, indices] along dim (default -1): NaN largest, ties in order. */
  sort(dim?: number | { dim?: number; descending?: boolean }, descending?: boolean): ValuesIndices;
  argsort(dim?: number, descending?: boolean): Tensor;
  /** The slices along dim (default 0). */
  unbind(dim?: number): Tensor[];
  /** torch.where(condition, this, other). */
  where(condition: Tensor, other: Tensor | Num): Tensor;
  /** value where mask, in this tensor's dtype (a copy). */
  masked_fill(mask: Tensor, value: Tensor | Num): Tensor;
  argmin(dim?: DimArg, keepdim?: boolean): Tensor;
  reshape(...shape: number[] | [number[]]): Tensor;
  view(...shape: number[] | [number[]]): Tensor;
  unsqueeze(dim: number): Tensor;
  squeeze(dim?: number): Tensor;
  flatten(startDim?: number, endDim?: number): Tensor;
  transpose(dim0: number, dim1: number): Tensor;
  /** x[start:end:step] along dim (null: None). */
  slice(dim?: number, start?: number | null, end?: number | null, step?: number): Tensor;
  select(dim: number, index: number): Tensor;
  narrow(dim: number, start: number, length: number): Tensor;
  /** Python's basic indexing x[a, b, ...]. */
  index(specs: IndexSpec | IndexSpec[]): Tensor;
  to(dtype: DType): Tensor;
  bool(): Tensor;
  long(): Tensor;
  int(): Tensor;
  float(): Tensor;
  double(): Tensor;
  // ---- autograd ----
  /** Whether autograd records operations on this tensor; settable on leaves. */
  requires_grad: boolean;
  requires_grad_(requiresGrad?: boolean): this;
  readonly is_leaf: boolean;
  /** The node that made this tensor, or null for a leaf. */
  readonly grad_fn: { name(): string } | null;
  /** The accumulated gradient (null: None); assignable. */
  grad: Tensor | null;
  retain_grad(): void;
  readonly retains_grad: boolean;
  /** d this / d every leaf that requires grad, added to their .grad (torch's engine, in the core). */
  backward(gradient?: Tensor | null, options?: { retain_graph?: boolean }): void;
  /** The same data, out of the graph. */
  detach(): Tensor;
  zero_(): this;
  copy_(src: Tensor): this;
  uniform_(from?: number, to?: number, options?: { generator?: Generator }): this;
}

export declare class Generator {
  manual_seed(seed: Seed): this;
  initial_seed(): bigint;
  dispose(): void;
}

export interface OptionSpec {
  name: string;
  kind: 'float' | 'int' | 'bool' | 'tensor' | 'dtype' | 'callable';
  default: number | boolean | null;
  min: number;
  max: number;
  minInclusive: boolean;
  maxInclusive: boolean;
  nanPasses: boolean;
  /** PyTorch's message when the value is out of range ("{}" stands for the value). */
  rangeMessage?: string;
  rangeError?: string;
  doc: string;
}
export interface OperandSpec {
  name: string;
  role: 'input' | 'target' | 'extra';
  dtypes: Array<'floating' | 'integer' | 'list'>;
  differentiable: boolean;
}
export interface LossSpec {
  name: string;
  module: string;
  kind: 'loss' | 'distance';
  inputKind: string;
  formula: string;
  reductions: Reduction[];
  targets: Array<'float' | 'index' | 'probability' | 'sign' | 'multilabel' | 'sequence'>;
  operands: OperandSpec[];
  options: OptionSpec[];
  /** Where results are bit-identical to torch 1.13.1, and SIMD to the scalar reference. */
  exact: { none: boolean; reduced: boolean; grad: boolean; acrossBuilds: boolean };
}
export interface ActivationSpec { name: string; module: string; formula: string; options: OptionSpec[]; }

// @registry: generated by scripts/gen-registry.mjs from the core's registry
export interface DrawOptions { dtype?: DType; generator?: Generator; }
type ShapeArg = number[] | [number[]];

/** A torch.nn module: callable (module(x) is module.forward(x)), with torch's module API. */
export type Module<F extends (...args: any[]) => Tensor = (...args: any[]) => Tensor> = F & {
  forward: F;
  parameters(): Tensor[];
  named_parameters(): Array<[string, Tensor]>;
  children(): Module[];
  named_children(): Array<[string, Module]>;
  /** torch 1.13's default zeroes each .grad in place. */
  zero_grad(options?: { set_to_none?: boolean }): void;
  train(mode?: boolean): Module<F>;
  eval(): Module<F>;
  training: boolean;
  extra_repr(): string;
  /** torch's print: `Linear(in_features=4, out_features=3, bias=True)`. */
  toString(): string;
};

export interface NN extends RegistryModules {
  readonly functional: Functional & {
    /** input W^T + b (input 2-D: torch.addmm). */
    linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor;
    relu(input: Tensor): Tensor;
    tanh(input: Tensor): Tensor;
    sigmoid(input: Tensor): Tensor;
  };
  /** Any module: subclass it and define forward. */
  readonly Module: new () => Module;
  /** nn.Linear(in, out, { bias, dtype }): torch's default init from the default generator. */
  readonly Linear: new (inFeatures: number, outFeatures: number, options?: { bias?: boolean; dtype?: 'float32' | 'float64' })
    => Module<(input: Tensor) => Tensor> & { weight: Tensor; bias: Tensor | null; in_features: number; out_features: number };
  readonly Sequential: new (...modules: Module[]) => Module<(input: Tensor) => Tensor>;
  readonly Sigmoid: new () => Module<(input: Tensor) => Tensor>;
  readonly Tanh: new () => Module<(input: Tensor) => Tensor>;
  readonly ReLU: new () => Module<(input: Tensor) => Tensor>;
  /** nn.Parameter(t, requires_grad = true): t's data as a module parameter (a leaf). */
  Parameter(data: Tensor, requiresGrad?: boolean): Tensor;
  readonly init: {
    uniform_(t: Tensor, a?: number, b?: number, options?: { generator?: Generator }): Tensor;
    kaiming_uniform_(t: Tensor, options?: { a?: number; mode?: 'fan_in' | 'fan_out'; nonlinearity?: string; generator?: Generator }): Tensor;
  };
}

export interface SGDOptions {
  lr?: number; momentum?: number; dampening?: number; weight_decay?: number; nesterov?: boolean; maximize?: boolean;
}
/** torch.optim.SGD, with torch 1.13's update arithmetic (run in the core). */
export declare class SGD {
  constructor(params: Tensor[] | Array<{ params: Tensor[] } & SGDOptions>, options: SGDOptions);
  readonly param_groups: Array<{ params: Tensor[] } & Required<SGDOptions>>;
  readonly defaults: SGDOptions;
  add_param_group(group: { params: Tensor[] } & SGDOptions): void;
  zero_grad(options?: { set_to_none?: boolean }): void;
  /** One update of every parameter that has a .grad; closure() is run first under enable_grad. */
  step(closure?: () => Tensor): Tensor | null;
  momentum_buffer(p: Tensor): Tensor | null;
  /** Frees the momentum buffers now (else the GC does). */
  dispose(): void;
  toString(): string;
}

export interface LossLab {
  /** 'simd' or 'scalar': the wasm build in use. */
  /** Which wasm build runs: 'simd-threads' where the page is cross-origin isolated. */
  readonly flavor: 'simd-threads' | 'simd' | 'scalar';
  /** The most threads set_num_threads can give (1 outside the threaded build). */
  readonly maxThreads: number;
  /** torch.set_num_threads: 1..16, capped at maxThreads; the same bits at any count. */
  set_num_threads(n: number): void;
  get_num_threads(): number;
  /** Resolves when the threads set_num_threads asked for run (see threadStart). */
  readonly poolReady: Promise<void>;
  /** A split build's deferred part, loaded once (resolves at once for a whole build). */
  loadDeferred(): Promise<void>;
  /** For a split build: its deferred part's URL, whether it is in, how many calls found it
   * missing (each loaded it synchronously the first time) and the synchronous loads; else null. */
  readonly deferredPart: { url: string; loaded: boolean; missed: number; syncLoads: number } | null;
  readonly arch: string;
  readonly registry: { losses: LossSpec[]; activations: ActivationSpec[] };
  readonly nn: NN;
  readonly optim: { SGD: typeof SGD };
  readonly random: { manual_seed(seed: Seed): Generator; initial_seed(): bigint };
  readonly Generator: new () => Generator;
  tensor(data: number | bigint | boolean | ArrayLike<number | bigint | boolean> | any[] | ArrayBufferView,
         options?: { dtype?: DType; shape?: number[]; requires_grad?: boolean }): Tensor;
  /** d loss / d every operand (null where it is not differentiable). */
  grad(name: LossName | 'log_softmax' | 'softmax', operands: Array<Tensor | Array<number | bigint>>,
       options?: object, gradOutput?: Tensor | null): Array<Tensor | null>;
  /** The two-operand form: d loss / d input (for activations, target is null). */
  grad(name: string, input: Tensor, target: Tensor | null, options?: object,
       gradOutput?: Tensor | null): Tensor;
  manual_seed(seed: Seed): Generator;
  initial_seed(): bigint;
  default_generator(): Generator;
  rand(shape: number[], options?: DrawOptions & { requires_grad?: boolean }): Tensor;
  rand(...sizes: number[]): Tensor;
  randn(shape: number[], options?: DrawOptions & { requires_grad?: boolean }): Tensor;
  randn(...sizes: number[]): Tensor;
  randint(low: number | bigint, high: number | bigint, shape: number[], options?: DrawOptions): Tensor;
  randint(high: number | bigint, shape: number[], options?: DrawOptions): Tensor;
  add(a: Tensor | Num, b: Tensor | Num): Tensor;
  sub(a: Tensor | Num, b: Tensor | Num): Tensor;
  /** b - a. */
  rsub(a: Tensor, b: Tensor | Num): Tensor;
  mul(a: Tensor | Num, b: Tensor | Num): Tensor;
  div(a: Tensor | Num, b: Tensor | Num): Tensor;
  pow(a: Tensor | Num, b: Tensor | Num): Tensor;
  eq(a: Tensor | Num, b: Tensor | Num): Tensor;
  ne(a: Tensor | Num, b: Tensor | Num): Tensor;
  lt(a: Tensor | Num, b: Tensor | Num): Tensor;
  le(a: Tensor | Num, b: Tensor | Num): Tensor;
  gt(a: Tensor | Num, b: Tensor | Num): Tensor;
  ge(a: Tensor | Num, b: Tensor | Num): Tensor;
  neg(t: Tensor): Tensor;
  log(t: Tensor): Tensor;
  exp(t: Tensor): Tensor;
  log1p(t: Tensor): Tensor;
  expm1(t: Tensor): Tensor;
  sqrt(t: Tensor): Tensor;
  abs(t: Tensor): Tensor;
  square(t: Tensor): Tensor;
  tanh(t: Tensor): Tensor;
  relu(t: Tensor): Tensor;
  clamp(t: Tensor, min?: Num | null | { min?: Num | null; max?: Num | null }, max?: Num | null): Tensor;
  clamp_min(t: Tensor, min: Num): Tensor;
  clamp_max(t: Tensor, max: Num): Tensor;
  sum(t: Tensor, dim?: DimArg, keepdim?: boolean): Tensor;
  mean(t: Tensor, dim?: DimArg, keepdim?: boolean): Tensor;
  max(t: Tensor): Tensor;
  max(t: Tensor, dim: DimArg, keepdim?: boolean): ValuesIndices;
  min(t: Tensor): Tensor;
  min(t: Tensor, dim: DimArg, keepdim?: boolean): ValuesIndices;
  argmax(t: Tensor, dim?: DimArg, keepdim?: boolean): Tensor;
  argmin(t: Tensor, dim?: DimArg, keepdim?: boolean): Tensor;
  /** x where condition, else y (numbers allowed for x, y); broadcast and promoted as torch. */
  where(condition: Tensor, x: Tensor | Num, y: Tensor | Num): Tensor;
  sort(t: Tensor, dim?: number | { dim?: number; descending?: boolean }, descending?: boolean): ValuesIndices;
  argsort(t: Tensor, dim?: number, descending?: boolean): Tensor;
  unbind(t: Tensor, dim?: number): Tensor[];
  cat(tensors: Tensor[], dim?: number): Tensor;
  stack(tensors: Tensor[], dim?: number): Tensor;
  /** A float value gives float32, an int one int64, unless dtype says. */
  full(shape: number[], value: Num, options?: { dtype?: DType; requires_grad?: boolean }): Tensor;
  zeros(...sizes: Array<number | number[] | { dtype?: DType; requires_grad?: boolean }>): Tensor;
  ones(...sizes: Array<number | number[] | { dtype?: DType; requires_grad?: boolean }>): Tensor;
  zeros_like(t: Tensor, options?: { dtype?: DType; requires_grad?: boolean }): Tensor;
  ones_like(t: Tensor, options?: { dtype?: DType; requires_grad?: boolean }): Tensor;
  full_like(t: Tensor, value: Num, options?: { dtype?: DType; requires_grad?: boolean }): Tensor;
  /** arange(end) | arange(start, end[, step]) [, { dtype }]: int64 when all are ints. */
  arange(...args: Array<Num | { dtype?: DType; requires_grad?: boolean }>): Tensor;
  linspace(start: Num, end: Num, steps: number, options?: { dtype?: DType; requires_grad?: boolean }): Tensor;
  eye(n: number, m?: number | { dtype?: DType }, options?: { dtype?: DType }): Tensor;
  mm(a: Tensor, b: Tensor): Tensor;
  matmul(a: Tensor, b: Tensor): Tensor;
  /** bias + a @ b (nn.Linear's op). */
  addmm(bias: Tensor, a: Tensor, b: Tensor): Tensor;
  sigmoid(t: Tensor): Tensor;
  // ---- autograd and scopes ----
  is_grad_enabled(): boolean;
  set_grad_enabled(mode: boolean): void;
  /** Runs fn with grad mode off (restored after, also on a throw). */
  no_grad<T>(fn: () => T): T;
  enable_grad<T>(fn: () => T): T;
  /** Runs fn, then disposes every tensor made inside but what it returns (and keep()s). */
  tidy<T>(fn: () => T): T;
  keep(t: Tensor): Tensor;
  /** What is allocated now: malloc'd bytes, autograd storages and graph nodes. */
  memory(): { bytes: number; storages: number; nodes: number };
  recipe(name: 'regression' | 'binary' | 'multiclass',
         options?: { n?: number; c?: number; seed?: Seed }): Record<string, Tensor>;
  histogram(t: Tensor, bins?: number): { min: number; max: number; nonFinite: number; counts: number[] };
  heapBytes(): number;
}

export declare function simdSupported(): boolean;
/** Shared memory in a cross-origin isolated page or worker, outside Node. */
export declare function threadsSupported(): boolean;
export declare const DEFAULT_MAX_THREADS: number;
export declare function createLossLab(options?: {
  simd?: boolean;
  baseUrl?: string | URL;
  warnings?: 'console' | 'silent';
  /** Elementwise float32 chains run in one pass when a value is needed (default true); false
   * computes each op at once. The values are the same either way. */
  fuse?: boolean;
  /** The smallest tensor a chain is deferred for (default 2048 elements). */
  fuseMinElements?: number;
  /** The flavour's wasm, already compiled: instantiated instead of fetched and compiled again. */
  wasmModule?: WebAssembly.Module;
  /** Threads (1..16; default: the cores, at most 8). Two or more load the SIMD + threads build
   * where threadsSupported(); elsewhere, and for 1, the single-thread builds run. */
  threads?: number;
  /** A split build (the site's SIMD builds): 'auto' (default) loads its deferred part in the
   * background at once; 'manual' leaves the start to lab.loadDeferred(). */
  deferred?: 'auto' | 'manual';
  /** The threaded build: 'wait' (default) resolves once the pool's workers have loaded and the
   * threads run; 'background' resolves at once, with one thread until then (lab.poolReady). */
  threadStart?: 'wait' | 'background';
}): Promise<LossLab>;
