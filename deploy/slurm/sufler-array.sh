#!/usr/bin/env bash
# One day's calls checked by a Slurm job array, each task a share of the
# day's store (sufler check --shard, from SLURM_ARRAY_TASK_ID and
# SLURM_ARRAY_TASK_COUNT). See deploy/README.md.
#
#   sbatch --export=ALL,DAY=2026-12-01 deploy/slurm/sufler-array.sh
#
#SBATCH --job-name=sufler
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --mem=1G
#SBATCH --time=12:00:00
#SBATCH --output=logs/sufler-%A-%a.log
set -euo pipefail

SUFLER="${SUFLER:-sufler}"
STORE="${STORE:-/srv/sufler}"
DAY="${DAY:-$(date -d yesterday +%F)}"
: "${SLURM_ARRAY_TASK_ID:?run it with sbatch (or set SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT)}"

config=()
[ -f "$STORE/sufler.toml" ] && config=(--config "$STORE/sufler.toml")
calls="$STORE/calls/$DAY"
audio=()
transcripts=()
# Recordings are heard; typed or stored transcripts are re-scored.
[ -d "$calls/audio" ] && audio=("$calls/audio")
[ -d "$calls/text" ] && transcripts=(--transcript "$calls/text")
[ ${#audio[@]} -gt 0 ] || [ ${#transcripts[@]} -gt 0 ] || audio=("$calls")

exec "$SUFLER" check "${config[@]}" \
  --root "$calls" \
  --results "$STORE/results/$DAY" \
  --save-transcripts "$STORE/transcripts/$DAY" --resume \
  --threads "${SLURM_CPUS_PER_TASK:-2}" \
  --format text \
  "${audio[@]}" "${transcripts[@]}"
