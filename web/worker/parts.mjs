// The worker's parts that the first result does not need, imported on first use: gradient
// descent, the race, touch the loss, the lesson's blocks and the timing. preload() starts them
// all once the first loss has been posted, so they are in by the time the page asks.

const once = (load) => {
  let p = null;
  return () => (p ??= load());
};

export const parts = {
  train: once(() => import('./train.mjs')),
  race: once(() => import('./race.mjs')),
  touch: once(() => import('./touch.mjs')),
  timing: once(() => import('./timing.mjs')),
  lesson: once(() => import('../lesson/blocks.mjs')),
};

export function preload() {
  for (const load of Object.values(parts)) load().catch(() => {});   // a failure is reported on use
}
