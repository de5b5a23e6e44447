// scripts/test-summary.mjs: the counts npm test prints come from the tools' own reports (ctest's
// junit, gtest's JSON, node's junit); a process that died before its report is a failure.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { junitCounts, gtestCounts } from '../../scripts/test-summary.mjs';

const script = new URL('../../scripts/test-summary.mjs', import.meta.url).pathname;
const run = (...args) => execFileSync(process.execPath, [script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

const gtestReport = (cases) => ({ testsuites: [{ name: 'S', testsuite: cases.map(([name, status, result, failures]) =>
  ({ name, status, result, ...(failures ? { failures: [{ failure: 'x' }] } : {}) })) }] });
const ctestXml = (entries) => `<testsuite>${entries.map(([n, ok]) => `<testcase name="${n}"${ok ? '/>' : '><failure message="Failed"/></testcase>'}`).join('')}</testsuite>`;

test('node junit: passed, failed, skipped and todo; a file that failed to load is a failure', () => {
  const xml = `<testsuites><testcase name="a"/><testcase name="b"><skipped type="skipped" message="why"/></testcase>
    <testcase name="c" failure="x"><failure type="testCodeFailure" message="x">…</failure></testcase>
    <testsuite name="group"><testcase name="d"/><testcase name="e"><skipped type="todo" message="true"/></testcase></testsuite>
    <testcase name="/x/broken.test.mjs" failure="test failed"><failure message="test failed"/></testcase></testsuites>`;
  assert.deepEqual(junitCounts(xml), { passed: 2, failed: 2, skipped: 2 });
  // a '>' inside a name (node escapes only '<') does not swallow the cases after it
  const named = '<testsuites><testcase name="prints in a &lt;losslab-python>" time="1"/><testcase name="b"/><testcase name="c"/></testsuites>';
  assert.deepEqual(junitCounts(named), { passed: 3, failed: 0, skipped: 0 });
});

test('gtest JSON: skipped tests are skipped, filtered and disabled ones are not counted', () => {
  const r = gtestReport([['a', 'RUN', 'COMPLETED'], ['b', 'RUN', 'SKIPPED'], ['c', 'RUN', 'COMPLETED', true], ['DISABLED_d', 'NOTRUN', 'SUPPRESSED']]);
  assert.deepEqual(gtestCounts([r, r]), { passed: 2, failed: 2, skipped: 2 });
});

test('a gtest process that died before its report fails the stage; reports and entries that agree pass', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'summary-'));
  const json = path.join(dir, 'json');
  mkdirSync(json);
  writeFileSync(path.join(json, 'shard0.json'), JSON.stringify(gtestReport([['a', 'RUN', 'COMPLETED'], ['b', 'RUN', 'SKIPPED']])));
  writeFileSync(path.join(dir, 'ok.xml'), ctestXml([['shard0', true]]));
  assert.equal(run('gtest', path.join(dir, 'ok.xml'), json), '1 0 1');
  // shard1 crashed: ctest says it failed, and it wrote no report
  writeFileSync(path.join(dir, 'crash.xml'), ctestXml([['shard0', true], ['shard1', false]]));
  assert.equal(run('gtest', path.join(dir, 'crash.xml'), json), '1 1 1');
  // a report cut short is a failure too
  writeFileSync(path.join(json, 'shard1.json'), '{"testsuites": [');
  assert.equal(run('gtest', path.join(dir, 'ok.xml'), json), '1 1 1');
  // no report at all, no ctest report: failed, never "0 passed, 0 failed"
  assert.equal(run('gtest', path.join(dir, 'missing.xml'), path.join(dir, 'nothing')), '0 1 0');
  assert.equal(run('junit', path.join(dir, 'missing.xml')), '0 1 0');
});
