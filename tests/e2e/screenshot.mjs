// Takes the README's screenshot (docs/screenshot.png): the lesson's binary example after a
// short gradient descent. Not a test; run by hand after `npm run build`:
//   node tests/e2e/screenshot.mjs [output.png]
import path from 'node:path';
import { start, newPage, settled, ROOT } from './browser.mjs';

const out = process.argv[2] ?? path.join(ROOT, 'docs', 'screenshot.png');
const env = await start();
try {
  const page = await newPage(env, { viewport: { width: 1280, height: 900 } });
  await page.goto(`${env.url}#recipe=binary&n=3000000&seed=420&loss=binary_cross_entropy&reduction=mean&lr=2&steps=25`);
  await settled(page);
  await page.click('#train-run');
  await page.waitForFunction(() => document.getElementById('train-w').textContent.startsWith('tensor('), null, { timeout: 120000 });
  await settled(page);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: out, fullPage: true });
  if (page.errors.length) throw new Error(page.errors.join('\n'));
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
} finally {
  await env.close();
}
