// The wasm test binary's pre-js: GoogleTest reads its sharding (GTEST_TOTAL_SHARDS,
// GTEST_SHARD_INDEX) from the environment, and an Emscripten program's environment is its own
// ENV, not node's: copy node's GTEST_* variables in before main runs.
Module['preRun'] = [].concat(Module['preRun'] || [], function () {
  for (var k in process.env) if (k.indexOf('GTEST_') === 0) ENV[k] = process.env[k];
});
