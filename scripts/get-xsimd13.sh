#!/usr/bin/env bash
# xsimd >= 13 headers (it has the native wasm backend; bookworm ships 8.1) from Debian trixie's
# libxsimd-dev .deb, unpacked into a build-local folder. The system's apt sources are untouched:
# a private sources list whose mirror is read from this machine's own apt configuration, and
# private list/cache folders. apt verifies the .deb against trixie's signed Release file.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=${1:-third_party/xsimd13}
VERSION=${XSIMD_DEB_VERSION:-13.2.0-1}   # pinned; bump when trixie moves on
if grep -qs "XSIMD_VERSION_MAJOR 13" "$DEST/usr/include/xsimd/config/xsimd_config.hpp"; then
  exit 0
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/lists/partial" "$T/cache/archives/partial" "$T/pkg"
MIRROR=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[[ -n "$MIRROR" ]] || MIRROR=$(awk '$1=="deb" && $0 !~ /security/ {for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list 2>/dev/null || true)
[[ -n "$MIRROR" ]] || { echo "get-xsimd13: no Debian mirror found in /etc/apt sources" >&2; exit 1; }
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR trixie main" > "$T/sources.list"
OPTS=(-o Dir::Etc::SourceList="$T/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o Dir::State::Lists="$T/lists" -o Dir::Cache="$T/cache"
      -o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root -o Debug::NoLocking=1)
apt-get "${OPTS[@]}" -qq update
(cd "$T/pkg" && apt-get "${OPTS[@]}" -qq download "libxsimd-dev=$VERSION")
rm -rf "$DEST" && mkdir -p "$DEST"
dpkg-deb -x "$T"/pkg/libxsimd-dev_*.deb "$DEST"
echo "get-xsimd13: xsimd $VERSION headers in $DEST/usr/include"
