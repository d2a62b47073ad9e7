#!/usr/bin/env bash
# Checks that another project can use an installed llmauth: installs BUILD_DIR (default: build)
# stripped into a temporary prefix, builds examples/ against it with find_package(llmauth) and
# one example with pkg-config, and runs them — signing offline, a token and a chat against the
# local cloud emulator. CI runs it after the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build_dir=${1:-build}
work=$(mktemp -d /tmp/llmauth-install.XXXXXX)
state="$work/emulator"
cleanup() { node tests/emulator/launch.js stop --state-dir "$state" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "check-install: $*" >&2; exit 1; }

prefix="$work/prefix"
cmake --install "$build_dir" --prefix "$prefix" --strip >/dev/null
lib=$(find "$prefix" -name libllmauth.a -o -name 'libllmauth.so*' | head -1)
[ -n "$lib" ] || fail "no libllmauth in $prefix"
for f in "$lib" "$prefix/bin/llmauth" "$prefix/bin/llmauth-serve"; do
  [ -f "$f" ] || fail "$f was not installed"
  if readelf -S "$f" 2>/dev/null | grep -q '\.debug_info'; then fail "$f still has debug info"; fi
  printf '  %-28s %6s KiB\n' "${f#$prefix/}" "$(( $(stat -c %s "$f") / 1024 ))"
done
for f in include/llmauth/aws/sigv4.hpp share/doc/llmauth/LICENSE; do
  [ -f "$prefix/$f" ] || fail "$f was not installed"
done

echo "== examples/ with find_package(llmauth)"
cmake -S examples -B "$work/examples" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
ninja -C "$work/examples" >/dev/null

echo "== add_subdirectory(llmauth) from a parent project: the library only"
mkdir -p "$work/parent"
cat > "$work/parent/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(parent LANGUAGES CXX)
add_subdirectory("$root" llmauth)
foreach(t llmauth_unit_tests llmauth_integration_tests llmauth_bench llmauth_serve)
  if(TARGET \${t})
    message(FATAL_ERROR "add_subdirectory(llmauth) built \${t}: tests, benchmarks and the gateway must be off by default")
  endif()
endforeach()
if(NOT TARGET llmauth::llmauth)
  message(FATAL_ERROR "no llmauth::llmauth")
endif()
CMAKE
cmake -S "$work/parent" -B "$work/parent/build" -G Ninja >/dev/null

echo "== examples/sign_request.cpp with pkg-config"
pc_dir=$(dirname "$(find "$prefix" -name llmauth.pc | head -1)")
# shellcheck disable=SC2046
c++ -std=c++20 -O1 examples/sign_request.cpp -o "$work/sign_request_pc" \
  $(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs llmauth)

secret=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
clean_env=(env -i PATH="$PATH" HOME="$work" LLMAUTH_LOOPBACK_ONLY=1 AWS_EC2_METADATA_DISABLED=true)
for exe in "$work/examples/sign_request" "$work/sign_request_pc"; do
  out=$("${clean_env[@]}" AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY="$secret" \
    "$exe" https://bedrock.us-east-1.amazonaws.com/foundation-models 2>&1) || fail "$exe: $out"
  grep -q "^scope: [0-9]\{8\}/us-east-1/bedrock/aws4_request$" <<<"$out" || fail "$exe printed: $out"
  grep -q "^credentials: environment" <<<"$out" || fail "$exe printed: $out"
  if grep -qF "$secret" <<<"$out"; then fail "$exe printed the secret key"; fi
done

echo "== azure_token and chat against the emulator"
node tests/emulator/launch.js start --state-dir "$state" >/dev/null
emu=$(node -e 'console.log(require(process.argv[1]).http)' "$state/emulator.json")
emu_https=$(node -e 'console.log(require(process.argv[1]).https)' "$state/emulator.json")
ca=$(node -e 'console.log(require(process.argv[1]).ca)' "$state/emulator.json")
client_secret=emulator-client-secret
out=$("${clean_env[@]}" SSL_CERT_FILE="$ca" AZURE_AUTHORITY_HOST="$emu_https" \
  AZURE_TENANT_ID=00000000-0000-0000-0000-000000000001 \
  AZURE_CLIENT_ID=11111111-1111-1111-1111-111111111111 AZURE_CLIENT_SECRET="$client_secret" \
  "$work/examples/azure_token" 2>&1) || fail "azure_token: $out"
grep -q "^credential: ClientSecretCredential" <<<"$out" || fail "azure_token printed: $out"
if grep -qF "$client_secret" <<<"$out"; then fail "azure_token printed the client secret"; fi

cat > "$work/providers.json" <<JSON
{"providers": [{"name": "azure-key", "type": "azure_openai", "endpoint": "$emu",
                "deployment": "gpt-4o",
                "auth": {"type": "api_key", "api_key": {"env": "EXAMPLE_AZURE_OPENAI_KEY"}}}]}
JSON
azure_key=emulator-azure-openai-key-1
out=$("${clean_env[@]}" EXAMPLE_AZURE_OPENAI_KEY="$azure_key" \
  "$work/examples/chat" "$work/providers.json" azure-key "Hello from an installed llmauth" 2>&1) ||
  fail "chat: $out"
grep -q "tokens, stop)" <<<"$out" || fail "chat printed: $out"
if grep -qF "$azure_key" <<<"$out"; then fail "chat printed the API key"; fi
echo "== the installed library works from another project"
