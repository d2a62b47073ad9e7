#!/usr/bin/env bash
# Installs what llmauth needs on a fresh Debian 12 machine (run as root): the compiler and build
# tools, the libraries (Debian packages only), and the emulator's npm packages (from the
# committed lock file).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ clang libclang-rt-14-dev cmake ninja-build pkg-config
  libssl-dev libcurl4-openssl-dev nlohmann-json3-dev libcli11-dev libexpat1-dev zlib1g-dev
  libboost-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  openssl ca-certificates curl
  zsh groff-base
)
# Node.js 20 + npm for the emulator: whatever provides the commands is fine (Debian's nodejs
# and npm packages, or a nodejs package that bundles npm).
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d tests/emulator/node_modules ] || [ tests/emulator/package-lock.json -nt tests/emulator/node_modules ]; then
  echo "== npm ci (tests/emulator)"
  (cd tests/emulator && npm ci --no-audit --no-fund --loglevel=error)
fi
