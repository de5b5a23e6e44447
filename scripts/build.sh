#!/usr/bin/env bash
# Builds what the package entry and the page need: the three wasm flavours (SIMD, scalar,
# SIMD + threads) into dist/, and the static site into build/site/. Set-up (apt, xsimd, npm)
# included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
J=$(nproc)
TARGET=${LOSSLAB_BUILD_TARGET:-losslab_wasm}     # test.sh builds everything (all)
for flavor in simd scalar threads; do
  dir=build/wasm-$flavor
  flags=(-DLOSSLAB_SIMD=ON)
  [[ $flavor == scalar ]] && flags=(-DLOSSLAB_SIMD=OFF)
  # the threaded flavour: the module only (its gtest suite runs natively with threads)
  [[ $flavor == threads ]] && flags=(-DLOSSLAB_SIMD=ON -DLOSSLAB_THREADS=ON -DBUILD_TESTING=OFF)
  if [[ ! -f $dir/CMakeCache.txt ]]; then
    NODE_PATH=/usr/share/nodejs emcmake cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release \
      "${flags[@]}" -DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node >/dev/null
  fi
  t=losslab_wasm; [[ $flavor == threads ]] || t=$TARGET
  cmake --build "$dir" -j"$J" --target "$t"
done
mkdir -p dist
cp wasm/losslab.mjs wasm/load.mjs wasm/fuse.mjs wasm/tensor_ops.mjs wasm/nn.mjs wasm/python.mjs wasm/python.d.ts dist/
node scripts/bundle-python.mjs   # dist/python-src.mjs: python/torch/ for losslab/python
node scripts/gen-registry.mjs   # dist/registry.json and dist/losslab.d.ts, from the registry
node scripts/build-site.mjs
