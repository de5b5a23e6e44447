#!/usr/bin/env bash
# Builds and runs every test level, then prints one summary line:
#   1. GoogleTest natively (ctest)            4. the same suite as scalar wasm under node
#   2. GoogleTest with ASan + UBSan (clang)   5. Node API tests importing the built package
#   3. GoogleTest as SIMD wasm under node     6. Chromium tests of the real page (playwright-core)
#   7. libFuzzer over the core (2's build), short (beside 5 and 6)
set -uo pipefail
cd "$(dirname "$0")/.."
J=$(nproc)
LOG=build/test-logs
t0=$(date +%s.%N)
bash scripts/setup.sh || { echo "setup failed"; exit 1; }
t1=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
echo "setup: $(elapsed "$t0" "$t1") s"
mkdir -p "$LOG"

total_pass=0; total_fail=0; total_skip=0; failed_stages=()
record() {   # stage pass fail [skipped [seconds]]: a skipped test is reported as skipped, never as passed
  local skip=${4:-0}
  printf '== %-28s %5d passed, %d failed, %d skipped%s\n' "$1" "$2" "$3" "$skip" "${5:+ (${5} s)}"
  total_pass=$((total_pass + $2)); total_fail=$((total_fail + $3)); total_skip=$((total_skip + skip))
  (( $3 == 0 )) || failed_stages+=("$1")
}
die_stage() { echo "!! $1 failed to build (see $2)"; tail -30 "$2"; total_fail=$((total_fail + 1)); failed_stages+=("$1"); }

cmake_stage() {  # name builddir configure-command...
  local name=$1 dir=$2 t=$SECONDS; shift 2
  local log="$LOG/${name// /_}"
  if [[ ! -f $dir/CMakeCache.txt ]]; then "$@" >"$log.configure" 2>&1 || { die_stage "$name" "$log.configure"; return; }; fi
  cmake --build "$dir" -j"$J" >"$log.build" 2>&1 || { die_stage "$name" "$log.build"; return; }
  # GTEST_SKIP_FILTER: a gtest negative filter of tests a stage skips (the sanitizer stage skips
  # the 3e7-element accuracy runs: minutes under ASan, no memory-safety value over the 1e6 cross
  # tests).
  # Counted from the reports the tools write (ctest's junit, each gtest process's JSON), not from
  # their console text; a process that died before its report still fails (test-summary.mjs).
  rm -rf "$dir/gtest-json" "$dir/ctest-junit.xml"; mkdir -p "$dir/gtest-json"
  env ${GTEST_SKIP_FILTER:+GTEST_FILTER=-$GTEST_SKIP_FILTER} ctest --test-dir "$dir" -j"$J" -V \
    --output-junit "$PWD/$dir/ctest-junit.xml" >"$log.ctest" 2>&1
  grep -E '\*\*\*Failed|^[0-9]+: \[  FAILED  \] [A-Z]' "$log.ctest" | head -40
  read -r p f k < <(node scripts/test-summary.mjs gtest "$dir/ctest-junit.xml" "$dir/gtest-json")
  record "$name" "$p" "$f" "$k" $((SECONDS - t))
}

# Formatting is a habit, checked like a test: every C++ file as .clang-format says.
fmt_files=$(git ls-files 'core/*.hpp' 'core/*.cpp' 'wasm/*.cpp' 'wasm/*.hpp' 'tests/cpp/*.cpp' 'bench/*.cpp' 'fuzz/*.cpp' 'fuzz/*.hpp' 2>/dev/null)
fmt_bad=0
for f in $fmt_files; do clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || { echo "not formatted: $f"; fmt_bad=$((fmt_bad + 1)); }; done
record "clang-format" $(( $(wc -w <<<"$fmt_files") - fmt_bad )) "$fmt_bad"

cmake_stage "gtest native" build/native cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release
# The sanitizer stage is a clang build with the fuzzers in it (-DLOSSLAB_FUZZ=ON: the core under
# ASan + UBSan + libFuzzer's coverage): the GoogleTest suite runs on it here and the fuzzers run
# on it beside the JS stages, so the instrumented core compiles once. Clang's UBSan also checks
# float-to-int conversions, which GCC's does not; a report halts the test (UBSAN_OPTIONS), past the
# one xsimd report fuzz/ubsan.supp names.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$PWD/fuzz/ubsan.supp"
CLANG=$(command -v clang++-14 || command -v clang++)
grep -qs '^LOSSLAB_FUZZ:BOOL=ON' build/asan/CMakeCache.txt || rm -rf build/asan   # an older GCC build/asan
GTEST_SKIP_FILTER='*AccurateAt3e7*' cmake_stage "gtest asan+ubsan (clang)" build/asan env CC="${CLANG/clang++/clang}" CXX="$CLANG" \
  cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOSSLAB_FUZZ=ON
for flavor in simd scalar; do
  simd=ON; [[ $flavor == scalar ]] && simd=OFF
  cmake_stage "gtest wasm-$flavor (node)" build/wasm-$flavor env NODE_PATH=/usr/share/nodejs \
    emcmake cmake -S . -B build/wasm-$flavor -DCMAKE_BUILD_TYPE=Release -DLOSSLAB_SIMD=$simd \
    -DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node
done

# The package (dist/) and the site, then the JS levels.
t=$SECONDS
LOSSLAB_BUILD_TARGET=all bash scripts/build.sh >"$LOG/build-site" 2>&1 || die_stage "dist + site" "$LOG/build-site"
echo "dist + site: $((SECONDS - t)) s"

node_stage() {  # name concurrency files...
  local name=$1 conc=$2 t=$SECONDS; shift 2
  local log="$LOG/${name// /_}.log"
  local xml="$LOG/${name// /_}.junit.xml"
  rm -f "$xml"
  node --expose-gc --test --test-concurrency="$conc" --test-reporter=tap --test-reporter-destination=stdout \
    --test-reporter=junit --test-reporter-destination="$xml" "$@" >"$log" 2>&1
  grep -E '^not ok|^# Subtest' "$log" | grep -B1 '^not ok' | grep -v '^--' | head -40
  local p f k
  read -r p f k < <(node scripts/test-summary.mjs junit "$xml")
  (( p + f + k > 0 )) || { echo "!! $name: no test report (see $log)"; tail -20 "$log"; }
  record "$name" "${p:-0}" "${f:-1}" "${k:-0}" $((SECONDS - t))
}
# The fuzzers (libFuzzer + ASan + UBSan over the core, built by the sanitizer stage; 12 s for each
# of the 5 targets) run beside the JS stages, on one core: a finding fails the run (scripts/fuzz.sh).
fuzz_t=$SECONDS
bash scripts/fuzz.sh --time=12 --jobs=1 --seed=1 --build-dir=build/asan >"$LOG/fuzz.log" 2>&1 &
fuzz_pid=$!
node_stage "node API (package exports)" 1 tests/node/*.test.mjs
# One test file at a time: two at a time took 343 -> 288 s, but the page's own measurements (the
# race across N, the JS loop's timing) then share the cores with another file's page, and a
# clean clone failed on them twice.
node_stage "chromium (playwright-core)" 1 tests/e2e/*.test.mjs
wait "$fuzz_pid"; fuzz_rc=$?
grep -E '^fuzz' "$LOG/fuzz.log" | head -10
fuzz_ok=$(grep -cE '^fuzz_[a-z]+: [0-9]+ executions' "$LOG/fuzz.log")
if (( fuzz_rc == 0 && fuzz_ok > 0 )); then record "fuzz (libFuzzer, 5 x 12 s)" "$fuzz_ok" 0 0 $((SECONDS - fuzz_t))
else tail -30 "$LOG/fuzz.log"; record "fuzz (libFuzzer, 5 x 12 s)" "$fuzz_ok" 1 0 $((SECONDS - fuzz_t)); fi

t2=$(date +%s.%N)
echo "wall time: $(elapsed "$t0" "$t2") s (set-up $(elapsed "$t0" "$t1") s)"
((${#failed_stages[@]})) && echo "failing stages: ${failed_stages[*]}"
echo "losslab: ${total_pass} passed, ${total_fail} failed, ${total_skip} skipped"
(( total_fail == 0 ))
