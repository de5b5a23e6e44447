// The JS API contract, through the package's exports exactly as a user imports it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createLossLab, simdSupported } from 'losslab';

const torch = await createLossLab();
const F = torch.nn.functional;

test('loads the SIMD build when the engine has SIMD', () => {
  assert.equal(simdSupported(), true);
  assert.equal(torch.flavor, 'simd');
  assert.equal(torch.arch, 'wasm-simd128');
});

test('{ simd: false } loads the scalar build', async () => {
  const s = await createLossLab({ simd: false });
  assert.equal(s.flavor, 'scalar');
  assert.equal(s.arch, 'scalar');
});

test('falls back to the scalar build when WebAssembly.validate says no SIMD', async () => {
  const orig = WebAssembly.validate;
  WebAssembly.validate = () => false;
  try {
    assert.equal(simdSupported(), false);
    const s = await createLossLab();
    assert.equal(s.flavor, 'scalar');
    const l = s.nn.functional.mse_loss(s.tensor([1, 2]), s.tensor([0, 0]));
    assert.equal(l.toString(), 'tensor(2.5000)');
  } finally {
    WebAssembly.validate = orig;
  }
});

test('the issue example: tensor, mse_loss, shape, dtype, toArray, item, toString', () => {
  const a = torch.tensor([1, 2, 3], { dtype: 'float32', shape: [3] });
  const b = torch.tensor(new Float32Array([1.5, 2, 5]));
  const l = F.mse_loss(a, b, { reduction: 'mean' });
  assert.deepEqual(l.shape, []);
  assert.equal(l.dtype, 'float32');
  assert.ok(l.toArray() instanceof Float32Array);
  assert.equal(l.item(), Math.fround(4.25 / 3));
  assert.equal(l.toString(), 'tensor(1.4167)');
  const s = F.mse_loss(a, b, { reduction: 'sum' });
  assert.equal(s.toString(), 'tensor(4.2500)');
  const n = F.mse_loss(a, b, { reduction: 'none' });
  assert.deepEqual(n.shape, [3]);
  assert.deepEqual(Array.from(n.toArray()), [0.25, 0, 4]);
  assert.equal(n.toString(), 'tensor([0.2500, 0.0000, 4.0000])');
});

test('dtypes and typed arrays round-trip', () => {
  const cases = [
    ['float32', Float32Array, [1.5, -2]],
    ['float64', Float64Array, [1.5, -2]],
    ['int64', BigInt64Array, [3n, -4n]],
    ['int32', Int32Array, [3, -4]],
  ];
  for (const [dtype, T, vals] of cases) {
    const t = torch.tensor(vals, { dtype });
    assert.equal(t.dtype, dtype);
    const arr = t.toArray();
    assert.ok(arr instanceof T, dtype);
    assert.deepEqual(Array.from(arr), vals);
  }
  assert.equal(torch.tensor(new Float64Array([1])).dtype, 'float64');
  assert.deepEqual(torch.tensor([[1, 2, 3], [4, 5, 6]]).shape, [2, 3]);
  assert.equal(torch.tensor([[1, 2], [3, 4]]).toString(), 'tensor([[1., 2.],\n        [3., 4.]])');
  assert.equal(torch.tensor([1, 2], { dtype: 'int64' }).toString(), 'tensor([1, 2])');
  assert.equal(torch.tensor([1.5], { dtype: 'float64', shape: [] }).toString(),
    'tensor(1.5000, dtype=torch.float64)');
  assert.equal(torch.tensor([], { dtype: 'float32' }).toString(), 'tensor([])');
});

test('float64 inputs give float64 results', () => {
  const a = torch.tensor([1, 2, 3], { dtype: 'float64' });
  const b = torch.tensor([0, 0, 0], { dtype: 'float64' });
  const l = F.mse_loss(a, b);
  assert.equal(l.dtype, 'float64');
  assert.equal(l.item(), 14 / 3);
});

test('shape mismatch: PyTorch\'s RuntimeError text', () => {
  assert.throws(() => F.mse_loss(torch.tensor([1, 2, 3]), torch.tensor([1, 2, 3, 4])), {
    name: 'RuntimeError',
    message: 'The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0',
  });
});

test('bad reduction: PyTorch\'s ValueError text', () => {
  const a = torch.tensor([1]);
  assert.throws(() => F.mse_loss(a, a, { reduction: 'avg' }), {
    name: 'ValueError', message: 'avg is not a valid value for reduction',
  });
  assert.throws(() => F.mse_loss(a, a, { reduction: 'batchmean' }), {
    message: 'batchmean is not a valid value for reduction',
  });
});

test('unknown keyword and wrong argument types are clear TypeErrors', () => {
  const a = torch.tensor([1]);
  assert.throws(() => F.mse_loss(a, a, { reductoin: 'sum' }), {
    name: 'TypeError', message: "mse_loss() got an unexpected keyword argument 'reductoin'",
  });
  assert.throws(() => F.mse_loss(a, [1]), { name: 'TypeError', message: "mse_loss(): argument 'target' (position 2) must be Tensor, not list" });
  assert.throws(() => F.mse_loss(a), { name: 'TypeError', message: "mse_loss() missing 1 required positional argument: 'target'" });
  assert.throws(() => torch.tensor([1, 2, 3], { shape: [2, 2] }), {
    message: "shape '[2, 2]' is invalid for input of size 3",
  });
  assert.throws(() => torch.tensor([1], { dtype: 'float16' }), { name: 'TypeError' });
});

test('broadcasting warns like PyTorch and still computes', () => {
  const silent = [];
  const orig = console.warn;
  console.warn = (m) => silent.push(m);
  try {
    const l = F.mse_loss(torch.tensor([[1], [2], [3]]), torch.tensor([1, 2, 3]));
    assert.equal(l.warnings.length, 1);
    assert.match(l.warnings[0], /^Using a target size \(torch.Size\(\[3\]\)\) that is different to the input size \(torch.Size\(\[3, 1\]\)\)/);
    assert.equal(silent.length, 1);
    assert.equal(l.toString(), 'tensor(1.3333)');
  } finally {
    console.warn = orig;
  }
});

test('gradient of mse_loss', () => {
  const a = torch.tensor([1, 2, 3]);
  const b = torch.tensor([0, 0, 1]);
  assert.deepEqual(Array.from(torch.grad('mse_loss', a, b, { reduction: 'sum' }).toArray()), [2, 4, 4]);
  const g = torch.grad('mse_loss', a, b, { reduction: 'mean' });
  assert.deepEqual(Array.from(g.toArray()), [2 / 3, 4 / 3, 4 / 3].map(Math.fround));
  const go = torch.tensor([1, 0, -1]);
  assert.deepEqual(Array.from(torch.grad('mse_loss', a, b, { reduction: 'none' }, go).toArray()), [2, 0, -4]);
});

test('dispose frees deterministically; a disposed tensor says so', () => {
  const t = torch.tensor([1, 2]);
  t.dispose();
  t.dispose();
  assert.equal(t.disposed, true);
  assert.throws(() => t.toArray(), { message: 'this tensor was disposed' });
});

test('no leak over 1e5 failing calls (errors are values, thrown in JS)', () => {
  const a = torch.tensor([1, 2, 3]);
  const b = torch.tensor([1, 2, 3, 4]);
  const M = torch._M;
  const warm = () => { try { F.mse_loss(a, b); } catch { /* expected */ } };
  for (let i = 0; i < 1000; i++) warm();
  const handles = M.count_emval_handles();
  const heap = torch.heapBytes();
  const probe = M._malloc(16);
  M._free(probe);
  for (let i = 0; i < 100000; i++) warm();
  assert.equal(M.count_emval_handles(), handles);
  assert.equal(torch.heapBytes(), heap);
  const probe2 = M._malloc(16);
  M._free(probe2);
  // (dlmalloc's free lists cycle, so the address moves a little; a leak of even 16 B a call
  // would move it by megabytes.)
  assert.ok(probe2 <= probe + 65536, `the allocator did not grow (${probe} -> ${probe2})`);
  assert.equal(F.mse_loss(a, a).toString(), 'tensor(0.)');
});

test('forgotten tensors are reclaimed by the GC', { skip: typeof global.gc !== 'function' && 'run node with --expose-gc' }, async () => {
  // 64 × 16 MiB never disposed: 1 GiB of heap unless the FinalizationRegistry frees them.
  for (let i = 0; i < 64; i++) {
    torch.tensor(new Float32Array(1 << 22));
    global.gc();
    await new Promise((r) => setTimeout(r, 0));
  }
  assert.ok(torch.heapBytes() < 512 * 2 ** 20, `heap ${torch.heapBytes()}`);
});

test('out-of-memory is a RangeError and the instance keeps working', () => {
  assert.throws(() => torch.rand([1e9, 4]), { name: 'RangeError', message: /out of memory/ });
  assert.throws(() => torch.rand([2e9]), { name: 'RangeError' });
  assert.equal(F.mse_loss(torch.tensor([1]), torch.tensor([3])).toString(), 'tensor(4.)');
});

test('registry enumerates losses with their options', () => {
  const names = torch.registry.losses.map((s) => s.name);
  assert.ok(names.includes('mse_loss'));
  for (const s of torch.registry.losses) {
    assert.equal(typeof F[s.name], 'function');
    // losses take a reduction; the distances (pairwise_distance, cosine_similarity) take none
    if (s.kind === 'loss') assert.ok(s.reductions.includes('mean'), s.name);
    else assert.deepEqual(s.reductions, [], s.name);
  }
  const kinds = torch.registry.losses.map((s) => s.kind);
  assert.equal(kinds.filter((k) => k === 'loss').length, 21, 'all 21 of torch.nn.functional\'s losses');
  assert.ok(names.includes('pairwise_distance') && names.includes('cosine_similarity'));
});

test('options of the wrong type are PyTorch\'s TypeErrors', () => {
  const x = torch.tensor([[1, 2, 3], [4, 5, 6]]), t = torch.tensor([0n, 2n]);
  assert.throws(() => F.cross_entropy(x, t, { label_smoothing: '0.1' }),
    { name: 'TypeError', message: "cross_entropy(): argument 'label_smoothing' must be float, not str" });
  assert.throws(() => F.cross_entropy(x, t, { ignore_index: 1.5 }),
    { name: 'TypeError', message: "cross_entropy(): argument 'ignore_index' must be int, not float" });
  assert.throws(() => F.kl_div(x, x, { log_target: 1 }),
    { name: 'TypeError', message: "kl_div(): argument 'log_target' must be bool, not int" });
  assert.throws(() => F.mse_loss(x, x, { force_scalar: 'yes' }),
    { name: 'TypeError', message: "mse_loss(): argument 'force_scalar' must be bool, not str" });
  // A BigInt ignore_index is an int; one beyond int64 is PyTorch's overflow error, raised in JS.
  assert.equal(F.cross_entropy(x, t, { ignore_index: 2n }).toString(), 'tensor(2.4076)');
  assert.throws(() => F.cross_entropy(x, t, { ignore_index: 1e30 }),
    { name: 'RuntimeError', message: 'Overflow when unpacking long' });
  assert.throws(() => F.cross_entropy(x, t, { ignore_index: 2n ** 63n }),
    { name: 'RuntimeError', message: 'Overflow when unpacking long' });
});

// One calling convention: every argument is checked in JS and only numbers cross into wasm, so
// an argument that cannot be converted is a JS error before any wasm frame exists.
test('arguments JS cannot convert fail in JS, and the module survives 50k of them', () => {
  const x = torch.tensor([[1, 2, 3], [4, 5, 6]]);
  const bad = [{ dim: 1.5 }, { dim: Symbol('d') }, { dim: { valueOf() { throw new Error('no'); } } }, { dim: '1' }];
  for (const o of bad) assert.throws(() => F.log_softmax(x, o), TypeError);
  assert.throws(() => torch.grad('softmax', x, null, { dim: 1.5 }), TypeError);
  const heap = torch.heapBytes(), handles = torch._M.count_emval_handles();
  for (let i = 0; i < 50000; i++) {
    try { F.log_softmax(x, { dim: Symbol('d') }); } catch { /* expected */ }
  }
  assert.equal(torch.heapBytes(), heap);
  assert.equal(torch._M.count_emval_handles(), handles);
  // A BigInt dim is an int, as in Python.
  assert.equal(F.log_softmax(x, { dim: 1n }).toString(), F.log_softmax(x, { dim: 1 }).toString());
});

test('option ranges come from the registry, with PyTorch\'s messages; NaN fails them', () => {
  const x = torch.tensor([[1, 2, 3], [4, 5, 6]]), y = torch.tensor([[1, 0, 3], [4, 5, 0]]);
  assert.throws(() => F.smooth_l1_loss(x, y, { beta: -1 }),
    { name: 'RuntimeError', message: 'smooth_l1_loss does not support negative values for beta.' });
  assert.throws(() => F.smooth_l1_loss(x, y, { beta: NaN }),
    { name: 'RuntimeError', message: 'smooth_l1_loss does not support negative values for beta.' });
  assert.throws(() => F.huber_loss(x, y, { delta: 0 }),
    { name: 'RuntimeError', message: 'huber_loss does not support non-positive values for delta.' });
  assert.throws(() => F.huber_loss(x, y, { delta: NaN }), { name: 'RuntimeError' });
  const t = torch.tensor([0n, 2n]);
  assert.throws(() => F.cross_entropy(x, t, { label_smoothing: 1.5 }),
    { name: 'RuntimeError', message: 'label_smoothing must be between 0.0 and 1.0. Got: 1.5' });
  // torch 1.13 only checks label_smoothing > 0: negatives and NaN mean none.
  assert.equal(F.cross_entropy(x, t, { label_smoothing: -1 }).toString(), F.cross_entropy(x, t).toString());
  assert.throws(() => F.mse_loss(x, y, { reduction: 'batchmean' }),
    { name: 'ValueError', message: 'batchmean is not a valid value for reduction' });
  assert.throws(() => F.mse_loss(x, y, { reduction: 'avg' }),
    { name: 'ValueError', message: 'avg is not a valid value for reduction' });
  for (const s of torch.registry.losses) {
    for (const o of s.options) assert.equal(typeof o.doc, 'string', `${s.name}.${o.name}`);
    assert.ok(s.operands.length >= 2, s.name);
  }
});

test('grad with an operand list gives one gradient per operand (null where none)', () => {
  const x = torch.tensor([[0.5, -1, 2]]), y = torch.tensor([[0, 1, 1]]);
  const [gx, gy] = torch.grad('mse_loss', [x, y], { reduction: 'sum' });
  assert.deepEqual(Array.from(gx.toArray()), [1, -4, 2]);
  assert.equal(gy, null);
  const old = torch.grad('mse_loss', x, y, { reduction: 'sum' });
  assert.deepEqual(Array.from(old.toArray()), [1, -4, 2]);
  const [gs] = torch.grad('softmax', [x], { dim: 1 });
  assert.deepEqual(gs.shape, [1, 3]);
});

test('softmax / log_softmax take dtype= (the input is cast first) and reject unknown keys', () => {
  const x = torch.tensor([[1, 2, 3], [4, 5, 7]]);
  const y = F.log_softmax(x, { dim: 1, dtype: 'float64' });
  assert.equal(y.dtype, 'float64');
  const ref = F.log_softmax(x.double(), { dim: 1 });
  assert.deepEqual(Array.from(y.toArray()), Array.from(ref.toArray()));
  assert.equal(y.toString(), 'tensor([[-2.4076, -1.4076, -0.4076],\n        [-3.1698, -2.1698, -0.1698]], dtype=torch.float64)');
  assert.throws(() => F.softmax(x, { dim: 1, foo: 1 }),
    { name: 'TypeError', message: "softmax() got an unexpected keyword argument 'foo'" });
  assert.throws(() => F.softmax(x, { dim: 1, dtype: 'int64' }),
    { name: 'RuntimeError', message: '"softmax_lastdim_kernel_impl" not implemented for \'Long\'' });
  assert.throws(() => F.softmax(x, { dim: 1, dtype: 'float16' }), TypeError);
});


test('toString() of a tensor with 20000 dims of size 1, many times: torch\'s pattern, and the module lives on', () => {
  const nd = 20000;
  const t = torch.tensor([2], { shape: new Array(nd).fill(1) });
  const want = `tensor(${'['.repeat(nd)}2.${']'.repeat(nd)})`;
  for (let k = 0; k < 30; k++) assert.equal(t.toString(), want);
  assert.equal(F.mse_loss(torch.tensor([1, 2]), torch.tensor([0, 0])).toString(), 'tensor(2.5000)');
});

test('silent coercions are torch\'s errors: size(d), tensor() elements and integer ranges, recipe sizes, to(), new Tensor', async () => {
  const { Tensor } = await import('losslab');
  const x = torch.randn([2, 3]);
  assert.equal(x.size(1), 3);
  assert.equal(x.size(-2), 2);
  assert.deepEqual(x.size(), [2, 3]);
  assert.throws(() => x.size(5), { name: 'IndexError', message: 'Dimension out of range (expected to be in range of [-2, 1], but got 5)' });
  assert.throws(() => x.size(-3), { name: 'IndexError', message: 'Dimension out of range (expected to be in range of [-2, 1], but got -3)' });
  assert.throws(() => torch.tensor(1).size(0), { name: 'IndexError', message: 'Dimension specified as 0 but tensor has no dimensions' });
  assert.throws(() => x.size(1.5), TypeError);
  assert.throws(() => torch.tensor(['a', '1']), { name: 'ValueError', message: "too many dimensions 'str'" });
  assert.throws(() => torch.tensor([null]), { name: 'RuntimeError', message: 'Could not infer dtype of NoneType' });
  assert.throws(() => torch.tensor([2 ** 31], { dtype: 'int32' }), { name: 'RuntimeError', message: 'value cannot be converted to type int32 without overflow' });
  assert.throws(() => torch.tensor([NaN], { dtype: 'int64' }), { name: 'RuntimeError', message: 'value cannot be converted to type int64 without overflow' });
  assert.throws(() => torch.tensor([2n ** 63n]), { name: 'RuntimeError', message: 'value cannot be converted to type int64 without overflow' });
  assert.deepEqual(Array.from(torch.tensor([1.7, -1.7, 2 ** 31 - 1], { dtype: 'int32' }).toArray()), [1, -1, 2 ** 31 - 1]);
  assert.deepEqual(Array.from(torch.tensor([1.7, -1.7], { dtype: 'int64' }).toArray()), [1n, -1n]);
  assert.deepEqual(Array.from(torch.tensor([1, 2n]).toArray()), [1, 2]);
  assert.throws(() => torch.randn([2 ** 63]), { name: 'RuntimeError', message: 'Overflow when unpacking long' });
  assert.throws(() => torch.recipe('regression', { n: 2.5 }), { name: 'TypeError', message: 'recipe(): n must be an integer, got float 2.5' });
  assert.throws(() => x.to(5), { name: 'TypeError', message: 'to(): dtype must be one of float32, float64, int64, int32, bool, got int' });
  assert.throws(() => new Tensor(torch, { ptr: 8, dtype: 'float32', shape: [4] }), TypeError);
  assert.equal(F.mse_loss(torch.tensor([1, 2]), torch.tensor([0, 0])).toString(), 'tensor(2.5000)');
});

test('arguments Embind would fail to convert are refused in JS first, and leak nothing', () => {
  const x = torch.tensor([[1, 2.5]]);
  const calls = [
    [() => torch.randint(10n ** 3000n, [2], { dtype: {} }), TypeError, /randint\(\): argument 'dtype' must be torch\.dtype, not dict/],
    [() => torch.rand([2], { dtype: 5 }), TypeError, /rand\(\): argument 'dtype' must be torch\.dtype, not int/],
    [() => torch.randn([2], { dtype: 'half' }), TypeError, /randn\(\): dtype must be one of float32, float64, int64, int32, bool, got 'half'/],
    [() => torch.histogram(x, 1n), TypeError, /histogram\(\): bins must be a positive integer, got int 1/],
    [() => torch.histogram(x, 0), TypeError, /bins must be a positive integer/],
    [() => x.to(5), TypeError, /to\(\): dtype must be one of/],
  ];
  for (const [f, cls, re] of calls) assert.throws(f, (e) => e instanceof cls && re.test(e.message));
  // Warm up, then 20000 failing calls each: the heap does not grow.
  const h0 = torch.heapBytes();
  for (let i = 0; i < 20000; i++) for (const [f] of calls) { try { f(); } catch { /* expected */ } }
  assert.equal(torch.heapBytes(), h0);
  assert.equal(torch.randint(10n ** 3000n > 0n ? 5 : 0, [3]).shape.length, 1);
  assert.throws(() => torch.randint(10n ** 3000n, [2]), /Overflow when unpacking long/);
  assert.equal(torch.histogram(x, 2).counts.length, 2);
});

test('createLossLab({ wasmModule }): a module compiled elsewhere is instantiated, not fetched again', async () => {
  const { readFile } = await import('node:fs/promises');
  const { createLossLab: create, simdSupported } = await import('losslab');
  const file = new URL(`../../dist/losslab-${simdSupported() ? 'simd' : 'scalar'}.wasm`, import.meta.url);
  const wasmModule = await WebAssembly.compile(await readFile(file));
  // a folder with the glue and no .wasm: the module can only come from the option
  const { mkdtemp, copyFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { pathToFileURL } = await import('node:url');
  const dir = await mkdtemp(`${tmpdir()}/losslab-glue-`);
  const glue = `losslab-${simdSupported() ? 'simd' : 'scalar'}.mjs`;
  await copyFile(new URL(`../../dist/${glue}`, import.meta.url), `${dir}/${glue}`);
  await assert.rejects(create({ baseUrl: pathToFileURL(`${dir}/`) }), 'without the option the missing .wasm fails');
  const lab = await create({ wasmModule, baseUrl: pathToFileURL(`${dir}/`) });
  const t = lab.tensor([1, 2, 3]);
  assert.equal(lab.nn.functional.mse_loss(t, lab.zeros([3])).toString(), 'tensor(4.6667)');
});
