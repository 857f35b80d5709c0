#!/usr/bin/env bash
# The main job on the bundled sample call: set up, then check the call and
# print its violations.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
target/release/sufler check samples/call-ru.wav --config samples/sufler.toml "$@"
