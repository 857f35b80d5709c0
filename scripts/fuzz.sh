#!/usr/bin/env bash
# Runs each fuzz target (fuzz/fuzz_targets) for SECONDS (default 15: a
# minute in all, as the test command runs it) from its committed seeds
# (fuzz/corpus) and what earlier runs found (fuzz/target/corpus, not
# committed). A crash stops it, with the input saved in
# fuzz/artifacts/TARGET/ and the command to run it again.
# A longer run by hand: scripts/fuzz.sh 600
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-15}"
if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz: cargo fuzz needs the nightly toolchain (rustup toolchain install nightly)" >&2
  exit 1
fi
command -v cargo-fuzz >/dev/null || { echo "fuzz: cargo-fuzz is missing: run scripts/setup.sh" >&2; exit 1; }
for target in rules transcript redact audio audiosocket twilio; do
  mkdir -p "target/corpus/$target"
  log="target/$target.log"
  if ! cargo +nightly fuzz run -O "$target" "target/corpus/$target" "corpus/$target" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "fuzz: $target failed (its log: fuzz/$log)" >&2
    exit 1
  fi
  echo "fuzz: $target: $(grep -E '^Done' "$log")"
done
