#!/usr/bin/env bash
# The test suite, as CI runs it: set up what the tests need, then run them
# all (the audio tests run the real Whisper base model).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cargo test --release --workspace
# The parsers fuzzed for a minute in all, 10 s each (a longer run by hand: scripts/fuzz.sh 600).
./scripts/fuzz.sh 10
