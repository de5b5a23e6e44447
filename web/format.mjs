// How the playground and the widget write numbers a person reads: durations, speed-up ratios and
// sizes, in one style on both (the timing tables used to mix 0.01 ms, 0.005648 ms and 2.7e-4 ms).

/** A duration given in ms: three significant digits, in ms from 1 ms up, in µs below it. */
export function duration(ms) {
  if (!Number.isFinite(ms)) return String(ms);
  const three = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2));
  return ms >= 1 ? `${three(ms)} ms` : `${three(ms * 1000)} µs`;
}

/** A speed-up ratio with at least two significant digits (0.0084, 1.4, 12), never 0.0. */
export function ratio(x) {
  if (!Number.isFinite(x)) return String(x);
  return x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toPrecision(2);
}

/** Bytes as MiB (GiB from 1 GiB); with {small: true}, sizes below 1 MiB as KiB and MiB with a decimal. */
export function bytes(b, { small = false } = {}) {
  if (b >= 2 ** 30) return `${(b / 2 ** 30).toFixed(1)} GiB`;
  if (!small) return `${(b / 2 ** 20).toFixed(0)} MiB`;
  return b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${Math.ceil(b / 1024)} KiB`;
}

/**
 * An integer with thousands separators (3,000,000), without Intl: the first toLocaleString call
 * loads ICU data (about 50 ms), which the first progress message should not pay.
 */
export function grouped(n) {
  const v = Number(n);
  if (!Number.isSafeInteger(v)) return String(n);
  return String(Math.abs(v)).replace(/\B(?=(\d{3})+(?!\d))/g, ',').replace(/^/, v < 0 ? '-' : '');
}
