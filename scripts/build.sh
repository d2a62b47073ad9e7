#!/usr/bin/env bash
# Configures and builds llmauth with Ninja, as a Release build (what users install; pass
# -DCMAKE_BUILD_TYPE=RelWithDebInfo to debug). Usage: scripts/build.sh [BUILD_DIR] [cmake args…]
# LLMAUTH_WERROR=ON in the environment makes warnings errors (CI does).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true
extra=()
[ -n "${LLMAUTH_WERROR:-}" ] && extra+=("-DLLMAUTH_WERROR=$LLMAUTH_WERROR")
# ccache, when the machine has it, keeps rebuilds after a branch switch short.
command -v ccache >/dev/null 2>&1 && extra+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${extra[@]}" "$@" >/dev/null
ninja -C "$build_dir"
