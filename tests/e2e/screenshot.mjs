// Takes the README's screenshot (docs/screenshot.png): the playground's first screen as a new
// visitor sees it (1280 × 900, the default page: the lesson's MSE, its formula by hand, the timing
// and the race across N once it has run). Not a test; run by hand after `npm run build`:
//   node tests/e2e/screenshot.mjs [output.png]
import path from 'node:path';
import { start, newPage, settled, ROOT } from './browser.mjs';

const out = process.argv[2] ?? path.join(ROOT, 'docs', 'screenshot.png');
const env = await start();
try {
  const page = await newPage(env, { viewport: { width: 1280, height: 900 } });
  await page.goto(env.url);
  await settled(page);
  await page.waitForFunction(() => !document.getElementById('race-run').disabled, null, { timeout: 120000 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: out });
  if (page.errors.length) throw new Error(page.errors.join('\n'));
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
} finally {
  await env.close();
}
