#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test: unit tests, the integration tests against
# the local cloud emulator, and the emulator's own tests with the official JS clients.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build
# Nothing in a test may reach a real metadata service.
export AWS_EC2_METADATA_DISABLED=true
ctest --test-dir build --output-on-failure -j2 --timeout 300
