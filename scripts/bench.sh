#!/usr/bin/env bash
# npm run bench [-- --quick]: losslab against its peers, measured in one run (bench/README.md).
#   full:    N = 3e4, 3e5, 3e6, 3e7 (cross-entropy 3000 x 1000 once)
#   --quick: N = 3e6 only (< 3 minutes once the builds exist)
#   --reps=N: timed runs per median (default 7); --clock=wall: wall-clock medians instead of the
#             CPU time of the running thread (bench/README.md "Timing")
# Parts: native Google Benchmark at host width and at SSE4.2 width, PyTorch with 1 thread and all
# threads (python3-torch: setup installs it), one headless Chromium session for everything in the
# browser (losslab single-thread and threaded builds, TF.js, JS loops), small calls (mse_loss at
# N = 50 and 1e3 against the JS loop: the API's per-call cost), and the playground's cold
# start (bench/startup.mjs: the default page and recipe B at N = 3e6).
# Writes bench/results/latest.json and bench/results/latest.md, and prints the markdown table.
# Progress goes to stderr; stdout is the table.
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=0
REPS=7
CLOCK=cpu
CHECK=0
for a in "$@"; do
  case $a in
    --quick) QUICK=1 ;;
    --reps=*) REPS=${a#--reps=} ;;
    --clock=cpu | --clock=wall) CLOCK=${a#--clock=} ;;
    --check) CHECK=1 ;;
    *) echo "bench: unknown argument '$a' (expected --quick, --check, --reps=N, --clock=cpu|wall)" >&2; exit 2 ;;
  esac
done
SIZES=3e4,3e5,3e6,3e7
((QUICK)) && SIZES=3e6
PARTS=build/bench
MIN_TIME=0.05
if ((CHECK)); then SIZES=3e3; REPS=1; PARTS=build/bench-check; MIN_TIME=0.001; fi
# Google Benchmark reports the median only from 2 repetitions on.
NATIVE_REPS=$((REPS < 2 ? 2 : REPS))
T0=$SECONDS
step() { echo "== bench: $* ($((SECONDS - T0)) s)" >&2; }
# 1-minute load average as each measuring part starts (reported: a busy host skews timings).
LOADS="start:$(cut -d' ' -f1 /proc/loadavg)"
load() { LOADS+=",$1:$(cut -d' ' -f1 /proc/loadavg)"; }

{
  step "setup (libbenchmark-dev, python3-torch, xsimd, npm)"
  LOSSLAB_SETUP_BENCH=1 bash scripts/setup.sh
  if [[ ! -f node_modules/@tensorflow/tfjs-backend-wasm/package.json ||
        ! -f node_modules/@tensorflow/tfjs-backend-cpu/package.json ||
        ! -f node_modules/@tensorflow/tfjs-core/package.json ]]; then
    npm ci --no-audit --no-fund
  fi

  step "wasm builds (scripts/build.sh)"
  bash scripts/build.sh

  mkdir -p build/bench "$PARTS"
  rm -f "$PARTS"/{browser,small,native,native-sse42,torch,startup,startup-binary}.json
  if [[ ! -f build/bench/wasm_sum.wasm || bench/wasm_sum.cpp -nt build/bench/wasm_sum.wasm ||
        bench/wasm_sum.hpp -nt build/bench/wasm_sum.wasm ]]; then
    step "wasm sum stick"
    NODE_PATH=/usr/share/nodejs em++ -O3 -msimd128 --no-entry -sSTANDALONE_WASM \
      -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -Wall -Wextra -Werror \
      -o build/bench/wasm_sum.wasm bench/wasm_sum.cpp
  fi

  # the same stick on every core: the kernel on the threaded core's pool (build/wasm-threads,
  # made by build.sh above)
  if [[ ! -f build/bench/wasm_sum_threads.wasm || bench/wasm_sum_threads.cpp -nt build/bench/wasm_sum_threads.wasm ||
        bench/wasm_sum.hpp -nt build/bench/wasm_sum_threads.wasm ||
        build/wasm-threads/core/liblosslab_core.a -nt build/bench/wasm_sum_threads.wasm ]]; then
    step "wasm sum stick on threads"
    NODE_PATH=/usr/share/nodejs em++ -O3 -msimd128 -mbulk-memory -pthread -ffp-contract=off -Wall -Wextra -Werror \
      -Wno-pthreads-mem-growth -I core/include bench/wasm_sum_threads.cpp build/wasm-threads/core/liblosslab_core.a \
      -sMODULARIZE -sEXPORT_ES6 -sEXPORT_NAME=createWasmSumThreads -sENVIRONMENT=web,worker \
      -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sFILESYSTEM=0 -sDYNAMIC_EXECUTION=0 \
      "-sPTHREAD_POOL_SIZE=Module.sumWorkers" -sPTHREAD_POOL_SIZE_STRICT=2 \
      -sEXPORTED_FUNCTIONS=_malloc,_free,_sum_i32_threads,_sum_threads -sEXPORTED_RUNTIME_METHODS=wasmMemory \
      -o build/bench/wasm_sum_threads.mjs
  fi

  J=$(nproc)
  for flavor in native sse42; do
    dir=build/bench-$flavor
    march=native
    [[ $flavor == sse42 ]] && march=x86-64-v2
    step "native bench build ($dir, -march=$march)"
    if [[ ! -f $dir/CMakeCache.txt ]]; then
      cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DLOSSLAB_BENCH=ON -DBUILD_TESTING=OFF \
        -DLOSSLAB_MARCH=$march >/dev/null
    fi
    cmake --build "$dir" -j"$J" --target losslab_native_bench
  done
} >&2

out=native
for flavor in native sse42; do
  [[ $flavor == sse42 ]] && out=native-sse42
  step "native bench ($out)"
  load "$out"
  "build/bench-$flavor/bench/losslab_native_bench" --sizes=$SIZES --reps="$NATIVE_REPS" --min_time=$MIN_TIME \
    --benchmark_out="$PARTS/$out.json" --benchmark_out_format=json >&2
done

if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  step "PyTorch, 1 thread and all threads (interleaved)"
  load pytorch
  /usr/bin/python3 bench/torch_bench.py --sizes=$SIZES --reps="$REPS" --out="$PARTS/torch.json" >&2
else
  step "PyTorch: /usr/bin/python3 cannot import torch although setup installed python3-torch: skipped"
fi

step "browser (headless Chromium)"
load browser
node bench/run-browser.mjs --sizes=$SIZES --reps="$REPS" --clock=$CLOCK --out="$PARTS/browser.json" >&2

if ((CHECK)); then
  step "small calls: skipped (--check)"
else
  # issue 15 item 3: the per-call cost of the JS API, where the data are too small for speed to
  # matter: mse_loss at N = 50 and 1e3 against the plain JS loop, in its own Chromium session
  step "small calls (mse_loss at N = 50 and 1e3 against the JS loop)"
  load small
  node bench/run-browser.mjs --sizes=50,1000 --workloads=mse --contenders=losslab-simd,losslab-threads,js-loop \
    --reps="$REPS" --clock=$CLOCK --out="$PARTS/small.json" >&2
fi

step "Python in Chromium (Pyodide; bench/python.mjs)"
load python
if ((CHECK)); then
  node bench/python.mjs --sizes=3e3 --out="$PARTS/python.json" >&2
else
  node bench/python.mjs --sizes=3e4,3e5 --out=bench/results/python.json >&2
fi

if ((CHECK)); then
  step "cold start: skipped (--check)"
else
  step "cold start of the playground (bench/startup.mjs, fresh browser contexts)"
  load startup
  node bench/startup.mjs --loads=5 --out="$PARTS/startup.json" >&2
  # recipe B with nothing held back: its sigmoid runs on the pool's threads, whose code for it is
  # in the split build's deferred part (the default page's profile does not reach it), so the
  # first result of this page needs that part and holding it would stall the pool.
  node bench/startup.mjs --loads=5 --hold=0 --hash='recipe=binary&n=3000000&loss=binary_cross_entropy' \
    --out="$PARTS/startup-binary.json" >&2
fi

step "report"
args=(--sizes=$SIZES --reps="$REPS" --clock=$CLOCK --loads="$LOADS" --parts="$PARTS")
((QUICK)) && args+=(--quick)
((CHECK)) && args+=(--check)
node bench/report.mjs "${args[@]}"
step "done: bench/results/latest.json, bench/results/latest.md"
