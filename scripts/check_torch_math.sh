#!/usr/bin/env bash
# Exhaustive check of torch_math.hpp against libsleef 3.5.1 and glibc (scripts/check_torch_math.cpp).
# Needs Debian's libsleef3 (installed with python3-torch) and g++; about 3 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
lib=$(ls /usr/lib/x86_64-linux-gnu/libsleef.so.3 2>/dev/null || true)
[ -n "$lib" ] || { echo "libsleef3 is not installed (apt-get install libsleef3)" >&2; exit 2; }
[ -d third_party/xsimd13/usr/include ] || bash scripts/setup.sh
out=$(mktemp -d)
g++ -std=c++17 -O2 -march=native -ffp-contract=off -DLOSSLAB_HAVE_SIMD=1 -Icore/include \
  -isystem third_party/xsimd13/usr/include scripts/check_torch_math.cpp -o "$out/check" "$lib" -lm
"$out/check"
