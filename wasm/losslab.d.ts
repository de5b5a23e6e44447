// Types for losslab's JS API (dist/losslab.mjs).

export type DType = 'float32' | 'float64' | 'int64' | 'int32';
export type TypedArrayOf<D extends DType> = D extends 'float32' ? Float32Array
  : D extends 'float64' ? Float64Array : D extends 'int64' ? BigInt64Array : Int32Array;
export type Reduction = 'none' | 'mean' | 'sum' | 'batchmean';
export type Seed = number | bigint | string;

/** A tensor living in the wasm heap. Free it with dispose() (or let the GC reclaim it). */
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
  toArray(): Float32Array | Float64Array | BigInt64Array | Int32Array;
  /** The only element as a number; throws unless numel() == 1. */
  item(): number;
  /** PyTorch 1.13's print, e.g. 'tensor(2.4869)'. */
  toString(): string;
  dispose(): void;
  t(): Tensor;
  to(dtype: DType): Tensor;
  long(): Tensor;
  int(): Tensor;
  float(): Tensor;
  double(): Tensor;
}

export declare class Generator {
  manual_seed(seed: Seed): this;
  initial_seed(): bigint;
  dispose(): void;
}

export interface OptionSpec {
  name: string;
  kind: 'float' | 'int' | 'bool' | 'tensor';
  default: number | boolean | null;
  min: number;
  max: number;
  minInclusive: boolean;
  doc: string;
}
export interface LossSpec {
  name: string;
  module: string;
  arity: number;
  inputKind: 'any' | 'probability' | 'logit' | 'log-probability';
  formula: string;
  reductions: Reduction[];
  targets: Array<'float' | 'index' | 'probability'>;
  options: OptionSpec[];
}
export interface ActivationSpec { name: string; module: string; formula: string; }

export interface LossOptions {
  reduction?: Reduction;
  weight?: Tensor | null;
  pos_weight?: Tensor | null;
  ignore_index?: number;
  label_smoothing?: number;
  beta?: number;
  delta?: number;
  log_target?: boolean;
  /** Run the scalar reference kernel instead of the SIMD one (timing, tests). */
  force_scalar?: boolean;
}
export interface DrawOptions { dtype?: DType; generator?: Generator; }
type ShapeArg = number[] | [number[]];

export interface Functional {
  mse_loss(input: Tensor, target: Tensor, options?: LossOptions): Tensor;
  l1_loss(input: Tensor, target: Tensor, options?: LossOptions): Tensor;
  smooth_l1_loss(input: Tensor, target: Tensor, options?: LossOptions): Tensor;
  huber_loss(input: Tensor, target: Tensor, options?: LossOptions): Tensor;
  binary_cross_entropy(input: Tensor, target: Tensor, options?: LossOptions): Tensor;
  binary_cross_entropy_with_logits(input: Tensor, target: Tensor, options?: LossOptions): Tensor;
  nll_loss(input: Tensor, target: Tensor, options?: LossOptions): Tensor;
  cross_entropy(input: Tensor, target: Tensor, options?: LossOptions): Tensor;
  kl_div(input: Tensor, target: Tensor, options?: LossOptions): Tensor;
  log_softmax(input: Tensor, options?: { dim?: number }): Tensor;
  softmax(input: Tensor, options?: { dim?: number }): Tensor;
  [name: string]: (...args: any[]) => Tensor;
}

export interface LossLab {
  /** 'simd' or 'scalar': the wasm build in use. */
  readonly flavor: 'simd' | 'scalar';
  readonly arch: string;
  readonly registry: { losses: LossSpec[]; activations: ActivationSpec[] };
  readonly nn: { functional: Functional };
  readonly Generator: new () => Generator;
  tensor(data: number | bigint | ArrayLike<number | bigint> | any[] | ArrayBufferView,
         options?: { dtype?: DType; shape?: number[] }): Tensor;
  grad(name: string, input: Tensor, target: Tensor | null, options?: LossOptions & { dim?: number },
       gradOutput?: Tensor | null): Tensor;
  manual_seed(seed: Seed): Generator;
  initial_seed(): bigint;
  default_generator(): Generator;
  rand(shape: number[], options?: DrawOptions): Tensor;
  rand(...sizes: number[]): Tensor;
  randn(shape: number[], options?: DrawOptions): Tensor;
  randn(...sizes: number[]): Tensor;
  randint(low: number | bigint, high: number | bigint, shape: number[], options?: DrawOptions): Tensor;
  randint(high: number | bigint, shape: number[], options?: DrawOptions): Tensor;
  mm(a: Tensor, b: Tensor): Tensor;
  sigmoid(t: Tensor): Tensor;
  recipe(name: 'regression' | 'binary' | 'multiclass',
         options?: { n?: number; c?: number; seed?: Seed }): Record<string, Tensor>;
  histogram(t: Tensor, bins?: number): { min: number; max: number; nonFinite: number; counts: number[] };
  heapBytes(): number;
}

export declare function simdSupported(): boolean;
export declare function createLossLab(options?: {
  simd?: boolean;
  baseUrl?: string | URL;
  warnings?: 'console' | 'silent';
}): Promise<LossLab>;
