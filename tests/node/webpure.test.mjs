// The page's pure modules that have no test of their own: number formats (web/format.mjs), the
// log axes' tick maths (web/plots.mjs) and what the race across N says (web/race.mjs).
import test from 'node:test';
import assert from 'node:assert/strict';
import { web } from './websrc.mjs';

const { duration, ratio, bytes } = await web('format.mjs');
const { logTicks, powerLabel, niceTicks } = await web('plots.mjs');
const { raceFacts } = await web('race.mjs');

test('durations: one style, three significant digits, ms from 1 ms and µs below', () => {
  assert.equal(duration(1234.5), '1235 ms');
  assert.equal(duration(12.345), '12.3 ms');
  assert.equal(duration(1), '1.00 ms');
  assert.equal(duration(0.005648), '5.65 µs');
  assert.equal(duration(0.01), '10.0 µs');
  assert.equal(duration(2.7e-4), '0.27 µs');
  assert.equal(duration(0.5), '500 µs');
  assert.equal(duration(NaN), 'NaN');
  for (const v of [3e-5, 1e-3, 0.2, 7, 70, 700]) assert.match(duration(v), /^\d+(\.\d+)? (ms|µs)$/);
});

test('ratios never print as 0.0; sizes in MiB and GiB', () => {
  assert.equal(ratio(0.038), '0.038');
  assert.equal(ratio(0.0084), '0.0084');
  assert.equal(ratio(1.44), '1.4');
  assert.equal(ratio(12.6), '13');
  assert.equal(bytes(3 * 2 ** 20), '3 MiB');
  assert.equal(bytes(1.5 * 2 ** 30), '1.5 GiB');
});

test('log axes: the powers of ten around the data, labelled as read', () => {
  assert.deepEqual(logTicks(10, 3e7), [10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8]);
  assert.deepEqual(logTicks(2.4e-5, 0.2), [1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1]);
  assert.deepEqual(logTicks(100, 100), [100]);
  assert.deepEqual(logTicks(0, 10), []);
  assert.deepEqual(logTicks(NaN, 10), []);
  assert.deepEqual([10, 1e3, 1e4, 1e6, 1e7, 0.01, 1e-5].map(powerLabel), ['10', '1k', '10k', '1M', '10M', '0.01', '1e-5']);
  assert.deepEqual(niceTicks(0, 1, 5).map((v) => Number(v.toPrecision(12))), [0, 0.2, 0.4, 0.6, 0.8, 1]);
});

test('the race: where SIMD takes the lead for good, the speed-ups at the end, the per-element loop', () => {
  const pts = [
    { n: 10, simd: 0.006, scalar: 0.003, js: 0.00002, api: 0.05 },
    { n: 1e3, simd: 0.002, scalar: 0.0027, js: 0.001, api: 2.6 },
    { n: 1e4, simd: 0.0043, scalar: 0.011, js: 0.0095, api: 23 },
    { n: 3e4, simd: 0.010, scalar: 0.033, js: 0.029, api: 60 },
    { n: 1e6, simd: 0.37, scalar: 1.0, js: 0.96 },
  ];
  const f = raceFacts([...pts].reverse());
  assert.equal(f.cross, 1e4);
  assert.equal(f.maxN, 1e6);
  assert.equal(f.first.n, 10);
  assert.ok(Math.abs(f.first.loopLead - 300) < 1e-9);
  assert.ok(Math.abs(f.last.simdSpeedup - 0.96 / 0.37) < 1e-12);
  assert.equal(f.api.n, 3e4);
  assert.ok(Math.abs(f.api.apiOverSimd - 6000) < 1e-6);
  // SIMD ahead at 1e3, behind at 1e4, ahead after: the lead "for good" starts at 3e4
  const dip = pts.map((p) => (p.n === 1e4 ? { ...p, simd: 0.02 } : p));
  dip[1] = { ...dip[1], simd: 0.0005 };
  assert.equal(raceFacts(dip).cross, 3e4);
  // never ahead, or no JS loop at all
  assert.equal(raceFacts(pts.map((p) => ({ ...p, simd: p.js * 2 }))).cross, null);
  const nojs = raceFacts(pts.map(({ js, ...p }) => p));
  assert.equal(nojs.cross, null);
  assert.equal(nojs.last, null);
  assert.equal(raceFacts([]).maxN, 0);
});
