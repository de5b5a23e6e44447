#!/usr/bin/env bash
# Installs whatever losslab needs on Debian 12 and nothing else; idempotent and fast when
# everything is present (dpkg-query + two stamp checks). Called by every npm entry point.
#   Debian packages via apt (only the missing ones), xsimd 13 headers from trixie's .deb into
#   third_party/ (git-ignored), npm packages via `npm ci` (only when the lockfile changed).
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(cmake make g++ googletest emscripten chromium nlohmann-json3-dev clang-format clang-14)
# npm run bench: Google Benchmark, and PyTorch (Debian's 1.13.1) as the oracle and a contender
[[ "${LOSSLAB_SETUP_BENCH:-0}" == 1 ]] && PKGS+=(libbenchmark-dev python3-torch python3-numpy)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  APT=(apt-get -o DPkg::Lock::Timeout=900 -y -q)
  [[ $(id -u) == 0 ]] || APT=(sudo "${APT[@]}")
  "${APT[@]}" update
  "${APT[@]}" install --no-install-recommends "${missing[@]}"
fi

scripts/get-xsimd13.sh third_party/xsimd13

# npm ci only when package-lock.json differs from what was last installed.
stamp=node_modules/.losslab-lock.sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
