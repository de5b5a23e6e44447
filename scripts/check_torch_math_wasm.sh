#!/usr/bin/env bash
# Exhaustive check of torch_math.hpp's wasm SIMD paths against its scalar reference, under Node
# (scripts/check_torch_math_wasm.cpp). About 15 minutes on one core.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d third_party/xsimd13/usr/include ] || bash scripts/setup.sh
out=$(mktemp -d)
NODE_PATH=/usr/share/nodejs em++ -std=c++17 -O2 -msimd128 -ffp-contract=off -DLOSSLAB_HAVE_SIMD=1 -Icore/include \
  -isystem third_party/xsimd13/usr/include scripts/check_torch_math_wasm.cpp core/src/kconst.cpp -o "$out/check.cjs" \
  -sENVIRONMENT=node -sWASM_ASYNC_COMPILATION=0
node "$out/check.cjs"
