#!/usr/bin/env python3
"""Word times against the sound, on the clean generated calls.

    python3 bench/word_times.py

Runs `sufler check --save-transcripts` on target/test-calls/clean/ and, for
every word that begins an utterance or follows a punctuation mark (so a
pause is likely before it), compares its `start` with the nearest onset of
sound in its channel (10 ms frames, RMS above 0.01 after 50 ms below it,
within 0.6 s). Prints the differences' percentiles: positive means the word
is timed after the sound begins.
"""

import array
import glob
import json
import math
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import CALLS, ROOT, SUFLER  # noqa: E402


def onsets(wav, channel):
    raw = subprocess.run(["sox", wav, "-t", "raw", "-r", "8000", "-e", "float", "-b", "32", "-c", "1", "-",
                          "remix", str(channel)], capture_output=True, check=True).stdout
    a = array.array("f", raw)
    loud = [math.sqrt(sum(x * x for x in a[i * 80:(i + 1) * 80]) / 80) > 0.01 for i in range(len(a) // 80)]
    return [i / 100 for i in range(5, len(loud)) if loud[i] and not any(loud[i - 5:i])]


def main():
    files = sorted(glob.glob(os.path.join(CALLS, "clean", "*.wav")))
    diffs = []
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([SUFLER, "check", "--config", "samples/sufler.toml", "--format", "jsonl", "--threads", "2",
                        "--save-transcripts", out, *files], cwd=ROOT, capture_output=True, check=False)
        for wav in files:
            name = os.path.basename(wav)[:-4]
            transcript = json.load(open(os.path.join(out, name + ".json"), encoding="utf-8"))
            for channel, speaker in ((1, "operator"), (2, "client")):
                sound = onsets(wav, channel)
                for s in transcript["segments"]:
                    if s["speaker"] != speaker:
                        continue
                    words = s["words"]
                    for k, w in enumerate(words):
                        if k > 0 and words[k - 1]["text"].rstrip()[-1:] not in ",.?!":
                            continue
                        near = [o for o in sound if abs(o - w["start"]) < 0.6]
                        if near:
                            diffs.append(w["start"] - min(near, key=lambda o: abs(o - w["start"])))
    diffs.sort()
    at = lambda p: diffs[int(p * (len(diffs) - 1))]
    print(f"word start - sound onset: {len(diffs)} words, p10 {at(0.1):.2f} s, p50 {at(0.5):.2f} s, p90 {at(0.9):.2f} s")


if __name__ == "__main__":
    main()
