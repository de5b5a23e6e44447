// What the race across N says (web/worker/race.mjs measures it): pure functions over its points
// [{n, simd, scalar, js, api}] (ms per call), used by the page's summary and tested in Node.

/**
 * The facts a learner should read off the race: from which N on SIMD wasm beats the JS loop (and
 * stays ahead), the speed-ups at the largest N, and how much slower than SIMD the per-element
 * loop through the API is at the largest N it ran.
 */
export function raceFacts(points) {
  const ps = [...points].sort((a, b) => a.n - b.n);
  let cross = null;
  for (let i = ps.length - 1; i >= 0; i--) {
    const p = ps[i];
    if (!(p.js > 0) || !(p.simd > 0)) break;
    if (p.simd < p.js) cross = p.n;
    else break;
  }
  const withJs = ps.filter((p) => p.js > 0 && p.simd > 0);
  const last = withJs[withJs.length - 1] ?? null;
  const api = ps.filter((p) => p.api > 0 && p.simd > 0);
  const lastApi = api[api.length - 1] ?? null;
  const first = withJs[0] ?? null;
  return {
    cross,   // null: SIMD never ends ahead of the JS loop (or there is no JS loop)
    first: first && { n: first.n, loopLead: first.simd / first.js },   // > 1: the JS loop is this many times faster
    last: last && { n: last.n, simdSpeedup: last.js / last.simd, scalarSpeedup: last.scalar > 0 ? last.js / last.scalar : null },
    api: lastApi && { n: lastApi.n, apiOverSimd: lastApi.api / lastApi.simd, apiOverJs: lastApi.js > 0 ? lastApi.api / lastApi.js : null },
    maxN: ps.length ? ps[ps.length - 1].n : 0,
  };
}
