#!/usr/bin/env python3
"""Live mode, measured: `sufler live --replay` on the generated calls.

    scripts/setup.sh                          # models and target/test-calls
    python3 bench/live.py calls [--speed 1]   # each call replayed on its own
    python3 bench/live.py long --minutes 60   # one long replay

`calls` replays every generated call (clean and phone sets) in real time,
one after the other, and scores the flags against the labels next to
`sufler check` on the same files (the live flags should be the batch ones).
`long` joins the generated calls, round after round, into one recording of
the given length and replays it: it reports, over all banned-phrase flags,
the latency from the end of the phrase (`end`) to `emitted_at`, the
recognition lag reported at the start and at the end, and the resident
memory of the process over time; then the time and peak memory of
`sufler check` on the same long recording.
Both print the latency percentiles. Run alone: other work on the machine
slows recognition and shows up as lag.
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import CALLS, ROOT, SCRIPT, SUFLER, found_in, ratios, score  # noqa: E402


def live(path, speed, threads, rss=None):
    """Replays one file; returns its JSON lines (and samples RSS into `rss`)."""
    cmd = [SUFLER, "live", "--replay", path, "--speed", str(speed), "--format", "jsonl",
           "--config", "samples/sufler.toml", "--threads", str(threads)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    start = time.time()
    if rss is not None:
        def sample():
            while proc.poll() is None:
                try:
                    with open(f"/proc/{proc.pid}/status") as f:
                        kb = next(int(l.split()[1]) for l in f if l.startswith("VmRSS"))
                    rss.append((time.time() - start, kb / 1024))
                except (OSError, StopIteration):
                    pass
                time.sleep(5)
        threading.Thread(target=sample, daemon=True).start()
    lines = proc.stdout.read().splitlines()
    proc.wait()
    return lines


def parse(lines):
    return [json.loads(l) for l in lines]


def banned(events):
    """The banned-phrase flags that stand (live mode withdraws a flag the
    operator's correction excused)."""
    withdrawn = {(e["call"], e["rule"], e["start"]) for e in events if e["type"] == "withdrawn"}
    return [e for e in events if e["type"] == "violation" and e["kind"] == "banned" and (e["call"], e["rule"], e["start"]) not in withdrawn]


def withdrawn(events):
    return sum(1 for e in events if e["type"] == "withdrawn")


def latencies(events, batch_events=None):
    """emitted_at - end over the banned-phrase flags. With the batch check's
    events, `end` is taken from the batch flag of the same rule nearest in
    time when there is one: live recognition times a word at the edge of a
    growing clip late, which would flatter the figure."""
    reference = {}
    for e in banned(batch_events or []):
        reference.setdefault((os.path.basename(e["call"]), e["rule"]), []).append(e)
    out = []
    for e in banned(events):
        end = e["end"]
        near = [b for b in reference.get((os.path.basename(e["call"]), e["rule"]), []) if abs(b["start"] - e["start"]) < 2.0]
        if near:
            end = min(near, key=lambda b: abs(b["start"] - e["start"]))["end"]
        out.append(e["emitted_at"] - end)
    return sorted(out)


def pct(xs, p):
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def report_latency(lat):
    print(f"banned-phrase flags: {len(lat)}, latency end -> emitted_at: p50 {pct(lat, 50):.2f} s, "
          f"p95 {pct(lat, 95):.2f} s, max {max(lat, default=float('nan')):.2f} s")


def calls(args):
    labels = json.load(open(os.path.join(CALLS, "labels.json"), encoding="utf-8"))
    all_lat = []
    for kind in args.sets.split(","):
        files = sorted(glob.glob(os.path.join(CALLS, kind, "*.wav")))
        live_lines = []
        for f in files:
            live_lines += live(f, args.speed, args.threads)
        os.makedirs(os.path.join(ROOT, "target", "bench"), exist_ok=True)
        with open(os.path.join(ROOT, "target", "bench", f"live-{kind}.jsonl"), "w") as saved:
            saved.write("\n".join(live_lines) + "\n")
        batch = subprocess.run([SUFLER, "check", "--config", "samples/sufler.toml", "--format", "jsonl",
                                "--threads", str(args.threads), *files], cwd=ROOT, capture_output=True, text=True)
        batch_found = found_in(batch.stdout.splitlines())
        live_found = found_in(live_lines)
        # The batch flags taken as the truth for the live ones.
        same = {name: {k: d[k] for k in ("banned", "alerts", "met")} for name, d in batch_found.items()}
        live_events = parse(live_lines)
        lat = latencies(live_events, parse(batch.stdout.splitlines()))
        all_lat += lat
        print(f"{kind}: {len(files)} calls")
        both = SCRIPT + ("alerts",)
        print("  precision / recall of the script (greetings, closings, banned phrases), of it and the client alerts")
        print(f"  live   {ratios(score(labels, live_found, SCRIPT))}   {ratios(score(labels, live_found, both))}")
        print(f"  batch  {ratios(score(labels, batch_found, SCRIPT))}   {ratios(score(labels, batch_found, both))}")
        print(f"  live against batch: {ratios(score(same, live_found, SCRIPT))}   {ratios(score(same, live_found, both))}")
        print("  ", end="")
        report_latency(lat)
        print("  (times as live recognition heard them: ", end="")
        report_latency(latencies(live_events))
        print(f"  flags withdrawn after a correction: {withdrawn(live_events)}")
        sys.stdout.flush()
    report_latency(sorted(all_lat))


def long(args):
    files = sorted(glob.glob(os.path.join(CALLS, "clean", "*.wav"))) + sorted(glob.glob(os.path.join(CALLS, "phone", "*.wav")))
    out = os.path.join(ROOT, "target", "bench", f"long-{args.minutes}.wav")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    if not os.path.exists(out):
        seq, total = [], 0.0
        durations = {f: float(subprocess.run(["soxi", "-D", f], capture_output=True, text=True).stdout) for f in files}
        while total < args.minutes * 60:
            for f in files:
                seq.append(f)
                total += durations[f]
                if total >= args.minutes * 60:
                    break
        subprocess.run(["sox", *seq, out], check=True)
    rss = []
    start = time.time()
    lines = live(out, args.speed, args.threads, rss)
    wall = time.time() - start
    print(f"replayed {out} ({args.minutes} min) in {wall:.0f} s")
    # The batch check of the same file, with its time and peak memory (the 500 MB limit holds for any length).
    start = time.time()
    run = subprocess.run(["/usr/bin/time", "-f", "%M", SUFLER, "check", "--config", "samples/sufler.toml", "--format", "jsonl",
                          "--threads", str(args.threads), out], cwd=ROOT, capture_output=True, text=True)
    print(f"batch check: {time.time() - start:.1f} s, peak memory {int(run.stderr.split()[-1]) / 1024:.0f} MB")
    batch = run.stdout.splitlines()
    events = parse(lines)
    lags = [(e["emitted_at"], e["seconds"]) for e in events if e["type"] == "lag"]
    skipped = sum(1 for e in events if e["type"] == "skipped")
    print("times from the batch check of the same file: ", end="")
    report_latency(latencies(events, parse(batch)))
    print("times as live recognition heard them:        ", end="")
    report_latency(latencies(events))
    print(f"flags withdrawn after a correction: {withdrawn(events)}")
    with open(out.replace(".wav", ".jsonl"), "w") as saved:
        saved.write("\n".join(lines) + "\n")
    first = [s for t, s in lags if t <= 60]
    print(f"lag reports: {len(lags)}; first minute max {max(first, default=0):.2f} s; "
          f"last {lags[-1][1] if lags else float('nan'):.2f} s; max {max((s for _, s in lags), default=0):.2f} s; "
          f"utterances skipped: {skipped}")
    if rss:
        at = lambda t: min(rss, key=lambda r: abs(r[0] - t))[1]
        print(f"resident memory: 1 min {at(60):.0f} MB, 10 min {at(600):.0f} MB, end {rss[-1][1]:.0f} MB, max {max(r[1] for r in rss):.0f} MB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["calls", "long"])
    ap.add_argument("--minutes", type=int, default=60)
    ap.add_argument("--sets", default="clean,phone", help="calls: which generated sets to replay")
    ap.add_argument("--speed", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    calls(args) if args.what == "calls" else long(args)


if __name__ == "__main__":
    main()
