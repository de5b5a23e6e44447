// Counts a test stage from the reports the tools write themselves, not from their console text:
//   node scripts/test-summary.mjs junit <file.xml>                 node --test's junit reporter
//   node scripts/test-summary.mjs gtest <ctest-junit.xml> <dir>    ctest --output-junit, and the
//                                                                  gtest JSON files (GTEST_OUTPUT)
// Prints "passed failed skipped" (scripts/test.sh sums the stages). A gtest process that died
// before writing its report (a crash, a trap, a timeout) still fails: ctest's report says its entry
// failed, and that counts as one failure more than the gtest reports found.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';

/** Leaf test cases of a junit XML file: {passed, failed, skipped}. */
export function junitCounts(xml) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  // <testcase .../> or <testcase ...> … </testcase>; attribute values may hold a bare '>' (node
  // escapes only '<': a name with "&lt;losslab-python>" once swallowed the 29 cases after it)
  const re = /<testcase\b((?:[^>"]|"[^"]*")*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    const body = m[3] ?? '';
    if (/<failure\b|<error\b/.test(body)) failed++;
    else if (/<skipped\b/.test(body) || /\bstatus="(?:disabled|notrun|skipped)"/.test(m[1])) skipped++;
    else passed++;
  }
  return { passed, failed, skipped };
}

/** gtest's JSON reports (one per process): {passed, failed, skipped}. */
export function gtestCounts(reports) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const r of reports) {
    for (const suite of r.testsuites ?? []) {
      for (const c of suite.testsuite ?? []) {
        if (c.status === 'NOTRUN') continue;   // filtered out or DISABLED_: not run, not counted
        if (c.failures?.length) failed++;
        else if (c.result === 'SKIPPED') skipped++;
        else passed++;
      }
    }
  }
  return { passed, failed, skipped };
}

function main([mode, ...args]) {
  let c;
  if (mode === 'junit') {
    const [file] = args;
    if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0, note: `no report ${file}` };
    c = junitCounts(readFileSync(file, 'utf8'));
    if (c.passed + c.failed + c.skipped === 0) c.failed = 1;   // a run that reported nothing failed
  } else if (mode === 'gtest') {
    const [ctestXml, dir] = args;
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
    const reports = [];
    let broken = 0;
    for (const f of files) {
      try {
        reports.push(JSON.parse(readFileSync(path.join(dir, f), 'utf8')));
      } catch {
        broken++;   // a report cut short
      }
    }
    c = gtestCounts(reports);
    c.failed += broken;
    const entries = existsSync(ctestXml) ? junitCounts(readFileSync(ctestXml, 'utf8')) : { passed: 0, failed: 1, skipped: 0 };
    // an entry that failed without a failing gtest case in the reports: the process died
    if (entries.failed > 0 && c.failed === 0) c.failed = entries.failed;
    if (entries.passed + entries.failed === 0 || reports.length === 0) c.failed = Math.max(c.failed, 1);
  } else {
    throw new Error('usage: test-summary.mjs junit <file.xml> | gtest <ctest-junit.xml> <gtest-json-dir>');
  }
  return c;
}

if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  const c = main(process.argv.slice(2));
  if (c.note) console.error(c.note);
  console.log(`${c.passed} ${c.failed} ${c.skipped}`);
}
