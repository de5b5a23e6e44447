#!/usr/bin/env bash
# Coverage-guided fuzzing of the core with libFuzzer (Debian's clang), under ASan + UBSan:
#   npm run fuzz                  every target for 120 s (the default)
#   npm run fuzz -- --time=600    every target for 600 s
# npm test runs it short (--time=12: 60 s in all) beside its JS stages.
# Targets: losses (every registry function), format (the print format), pack (the packed call
# buffer the wasm bindings decode), generator (the generator's guarantees and the recipes),
# tensor (the other tensor ops the bindings expose, eager and through autograd's backward).
# The seed corpus is fuzz/corpus/<target>/ (committed); what a run learns goes to
# build/fuzz/corpus/<target>/ (not committed); a crash is written to build/fuzz/ and fails the run
# (npm test: build/asan/, its sanitizer stage's build, which has the fuzzers in it).
set -euo pipefail
cd "$(dirname "$0")/.."
TIME=120
JOBS=$(nproc)
SEED=0
dir=build/fuzz
for a in "$@"; do
  [[ $a == --time=* ]] && TIME=${a#--time=}
  [[ $a == --jobs=* ]] && JOBS=${a#--jobs=}   # npm test builds with one job beside its other stages
  [[ $a == --seed=* ]] && SEED=${a#--seed=}   # npm test: a fixed seed, the same mutations each run
  [[ $a == --build-dir=* ]] && dir=${a#--build-dir=}   # npm test: its sanitizer stage's build
done
bash scripts/setup.sh >/dev/null
CXX=$(command -v clang++-14 || command -v clang++)
[[ -n $CXX ]] || { echo "fuzz: clang++ is missing (apt-get install clang-14)"; exit 1; }
if [[ ! -f $dir/CMakeCache.txt ]]; then
  CC=${CXX/clang++/clang} CXX=$CXX cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DLOSSLAB_FUZZ=ON -DLOSSLAB_WERROR=OFF -DBUILD_TESTING=OFF >/dev/null
fi
cmake --build "$dir" -j"$JOBS" --target fuzz_losses fuzz_format fuzz_pack fuzz_generator fuzz_tensor >"$dir.build.log" 2>&1 || { tail -30 "$dir.build.log"; exit 1; }
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$PWD/fuzz/ubsan.supp"
status=0
# every finding so far, fixed: each must still run clean (fuzz/regressions/<target>-*)
for f in fuzz/regressions/*; do
  [[ -f $f ]] || continue
  t=${f##*/}; t=${t%%-*}
  "$dir/fuzz/fuzz_$t" "$f" >"$dir/regression.log" 2>&1 || { echo "fuzz: regression $f fails again"; tail -20 "$dir/regression.log"; status=1; }
done
for t in losses format pack generator tensor; do
  mkdir -p "$dir/corpus/$t"
  log="$dir/$t.log"
  if ! "$dir/fuzz/fuzz_$t" -max_total_time="$TIME" -seed="$SEED" -print_final_stats=1 -artifact_prefix="$dir/" \
      -rss_limit_mb=4096 -timeout=20 "$dir/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1; then
    echo "fuzz_$t: FINDING (see $log)"; grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -10; status=1
  fi
  runs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  corpus=$(ls "$dir/corpus/$t" | wc -l)
  echo "fuzz_$t: ${runs} executions in ${TIME} s, coverage ${cov} edges, corpus ${corpus} (+$(ls fuzz/corpus/$t | wc -l) seeds)"
done
exit $status
