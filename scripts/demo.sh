#!/usr/bin/env bash
# The main job on the bundled sample call: set up, then check the call and
# print its violations. With --live: the call replayed in real time on the
# operator's screen (q quits, n starts a new call).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
if [[ "${1:-}" == "--live" ]]; then
  shift
  exec target/release/sufler live --replay samples/call-ru.wav --config samples/sufler.toml "$@"
fi
target/release/sufler check samples/call-ru.wav --config samples/sufler.toml "$@"
