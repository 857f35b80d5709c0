#!/usr/bin/env python3
"""sufler against faster-whisper + regex matching, on the generated calls.

    pip install faster-whisper      # the peer (PyPI), not needed otherwise
    scripts/setup.sh                # models and target/test-calls
    python3 bench/compare.py [--threads 2] [--calls DIR] [--no-peer] [--text]

For each set (clean, phone), both pipelines get the same stereo 8 kHz
files, one after the other on the same cores:
  - sufler: `sufler check` (Silero VAD, whisper.cpp, rule engine);
  - peer: faster-whisper base (same weights, compute_type="int8", greedy,
    VAD off: its best on the phone-line calls), both channels, then
    regular expressions for the same phrases.
Prints audio seconds per wall second, the speed ratio, and precision,
recall and F1 against the labels, per kind: greetings and closings (the
steps said), banned phrases, client alerts (abuse: a prompt for the
operator); and the script as a whole (greetings, closings and banned
phrases). Then the faithfulness check: the converted f16 model
(whisper.cpp) and faster-whisper (float32, same weights) transcribe the
operator channel of each clean call, greedy, no VAD; their transcripts are
compared word by word.

--calls names another set (the varied one: scripts/varied_calls.py DIR);
--text scores sufler on that set's typed transcripts instead (DIR/text/ru
and DIR/text/cs: the matching alone, no audio).
"""

import argparse
import collections
import glob
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUFLER = os.path.join(ROOT, "target/release/sufler")


def model_file(name):
    """A model file where sufler finds its models (`sufler models path`)."""
    whisper = subprocess.run([SUFLER, "models", "path"], capture_output=True, text=True).stdout.split("\n")[0]
    return os.path.join(os.path.dirname(whisper.removesuffix(" (missing)")), name)
CALLS = os.path.join(ROOT, "target/test-calls")
FW_DIR = os.path.join(ROOT, "target/pypi/faster-whisper-base")

# The peer's rules: the same phrases as rules/ru, as regular expressions.
BANNED = {
    "ne-znayu": r"\bне знаю\b|\bне знаем\b|понятия не имею|без понятия",
    "vy-dolzhny": r"\bвы должны\b|\bвы обязаны\b|\bвам (надо|нужно) было\b",
    "net": r"(^|[.!?] )нет\b",
    "na-vashem-meste": r"\bна вашем месте\b",
    "vy-ne-pravy": r"\bвы не ?правы\b|\bвы ошибаетесь\b",
    "problema": r"(?<!без )(?<!нет )\bпроблем\w*",
    "eto-slozhno": r"\bэто (очень )?(сложно|трудно|непросто)\b",
    "ne-mogu": r"\bне (могу|смогу|можем|сможем)\b",
    "ne-moya-zona": r"\bне в моей (зоне ответственности|компетенции)\b|\bэто не ко мне\b",
    "neuverennost": r"\b(кажется|возможно|наверное|вроде бы)\b",
    "vam-luchshe": r"\bвам (будет )?лучше\b",
    "umenshitelnye": r"\b(минуточк|секундочк|звоночк|номерочк|вопросик)\w*",
}
ALERTS = {"client-abuse": r"\b(идиот|дебил|дурак|придурок|кретин)\w*"}
MET = {
    "greeting.hello": r"\b(здравствуйте|добрый (день|вечер)|доброе утро)\b",
    "greeting.company": r"\bромашк\w*",
    "greeting.name": r"\b(меня зовут|с вами говорит) анн\w*",
    "greeting.offer_help": r"\bчем (я )?могу (вам )?помочь\b|\bслушаю вас\b",
    "closing.thanks": r"\b(спасибо|благодарю) за (обращение|звонок|ваше терпение)\b|\bспасибо что (обратились|позвонили)\b",
    "closing.farewell": r"\b(всего (доброго|хорошего)|хорошего (вам )?(дня|вечера)|до свидания)\b",
}


def norm(text):
    text = text.lower().replace("ё", "е")
    return re.sub(r"[^\w.!?]+", " ", text).strip()


# What the precision and recall targets are about: the operator's
# greetings, closings (met) and banned phrases. Client alerts (abuse) are
# scored apart: a prompt for the operator, not part of the script.
SCRIPT = ("banned", "met")


def score(labels, found, keys):
    tp = fp = fn = 0
    for name, lab in labels.items():
        for key in keys:
            p = collections.Counter(found.get(name, {}).get(key, []))
            l = collections.Counter(lab[key])
            t = sum((p & l).values())
            tp, fp, fn = tp + t, fp + sum(p.values()) - t, fn + sum(l.values()) - t
    # Nothing flagged, or nothing to find: no precision, or recall, to speak of.
    return (tp / (tp + fp) if tp + fp else None), (tp / (tp + fn) if tp + fn else None)


def ratios(precision_recall):
    p, r = precision_recall
    f1 = None if p is None or r is None or p + r == 0 else 2 * p * r / (p + r)
    return " / ".join("  -  " if x is None else f"{x:.3f}" for x in (p, r, f1))


def split_kinds(labels):
    """The labels (or what was found) with the steps said split by the
    script's part: greeting.* and closing.* apart."""
    out = {}
    for name, lab in labels.items():
        lab = dict(lab)
        met = lab.get("met", [])
        lab["greeting"] = [m for m in met if m.startswith("greeting.")]
        lab["closing"] = [m for m in met if m.startswith("closing.")]
        lab["empathy"] = [m for m in met if m == "empathy"]
        out[name] = lab
    return out


KINDS = (("greeting", ("greeting",)), ("closing", ("closing",)), ("banned", ("banned",)), ("alerts", ("alerts",)),
         ("script", ("greeting", "closing", "banned")))
# Empathy after a rude client, scored only on sets that label it
# (scripts/conflict_calls.py); the others do not say where it was due.
EMPATHY = (("empathy", ("empathy",)),)


def kinds(labels):
    return KINDS + EMPATHY if any("empathy" in lab["met"] for lab in labels.values()) else KINDS


SHOW = False


def report(who, labels, found, secs=None, audio=None):
    speed = f"{secs:6.1f} s {audio / secs:5.1f}x" if secs else ""
    cells = "  ".join(f"{ratios(score(split_kinds(labels), split_kinds(found), keys))}" for _, keys in kinds(labels))
    print(f"  {who:14} {speed:15} {cells}")
    if SHOW:
        # A set that does not label empathy does not say where it was due.
        unlabelled = set() if EMPATHY[0] in kinds(labels) else {"empathy"}
        for name, lab in sorted(labels.items()):
            for key in ("banned", "met", "alerts"):
                p = collections.Counter(x for x in found.get(name, {}).get(key, []) if x not in unlabelled)
                l = collections.Counter(lab[key])
                for what, items in (("missed", l - p), ("wrong", p - l)):
                    if items:
                        print(f"    {name}: {what} {' '.join(sorted(items.elements()))}")


def header(labels):
    print(f"  {'':14} {'':15} " + "  ".join(f"{k + ' P / R / F1':21}" for k, _ in kinds(labels)))


def check_text(calls, threads):
    """sufler on the typed transcripts of a varied set."""
    for lang, company, name in (("ru", "Ромашка", "Анна"), ("cs", "Kopretina", "Jana")):
        folder = os.path.join(calls, "text", lang)
        labels = json.load(open(os.path.join(folder, "labels.json"), encoding="utf-8"))
        out = subprocess.run([SUFLER, "check", "--rules", os.path.join(ROOT, "rules", lang), "--var", f"company={company}",
                              "--var", f"operator_name={name}", "--format", "jsonl", "--transcript", folder],
                             cwd=ROOT, capture_output=True, text=True)
        print(f"{lang} as text: {len(labels)} calls")
        header(labels)
        report("sufler", labels, found_in(out.stdout.splitlines()))


def run_sufler(files, threads):
    start = time.time()
    out = subprocess.run([SUFLER, "check", "--config", "samples/sufler.toml", "--format", "jsonl", "--threads", str(threads), *files],
                         cwd=ROOT, capture_output=True, text=True)
    secs = time.time() - start
    return secs, found_in(out.stdout.splitlines())


def found_in(lines, found=None):
    """What sufler's JSON lines flagged, per call, in the labels' terms."""
    found = found if found is not None else collections.defaultdict(lambda: collections.defaultdict(list))
    for line in lines:
        e = json.loads(line)
        name = os.path.basename(e.get("call", "")).rsplit(".", 1)[0]
        if e["type"] == "violation" and e["kind"] == "banned":
            found[name]["banned"].append(e["rule"])
        elif e["type"] == "alert":
            found[name]["alerts"].append(e["rule"])
        elif e["type"] == "withdrawn":
            # Live mode: a flag the operator's correction excused.
            found[name]["alerts" if e["speaker"] == "client" else "banned"].remove(e["rule"])
        elif e["type"] == "met":
            # A step with no elements (empathy after abuse) is met by its rule.
            found[name]["met"].append(f"{e['rule']}.{e['element']}" if "element" in e else e["rule"])
    return found


def run_peer(files, threads):
    from faster_whisper import WhisperModel, decode_audio
    start = time.time()
    model = WhisperModel(FW_DIR, device="cpu", compute_type="int8", cpu_threads=threads)
    found = {}
    for f in files:
        name = os.path.basename(f).rsplit(".", 1)[0]
        operator, client = decode_audio(f, split_stereo=True)
        texts = []
        for channel in (operator, client):
            segments, _ = model.transcribe(channel, language="ru", beam_size=1, vad_filter=False)
            texts.append(norm(" ".join(s.text for s in segments)))
        op, cl = texts
        found[name] = {
            "banned": [r for r, rx in BANNED.items() for _ in re.finditer(rx, op)],
            "alerts": [r for r, rx in ALERTS.items() for _ in re.finditer(rx, cl)],
            "met": [r for r, rx in MET.items() if re.search(rx, op)],
        }
    return time.time() - start, found


def audio_seconds(files):
    return sum(float(subprocess.run(["soxi", "-D", f], capture_output=True, text=True).stdout) for f in files)


def words(text):
    return norm(text).replace(".", " ").replace("!", " ").replace("?", " ").split()


def edit_distance(a, b):
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def faithfulness(files, threads):
    from faster_whisper import WhisperModel, decode_audio
    model = WhisperModel(FW_DIR, device="cpu", compute_type="float32", cpu_threads=threads)
    same, errors, total = 0, 0, 0
    for f in files:
        operator, _ = decode_audio(f, split_stereo=True)
        segments, _ = model.transcribe(operator, language="ru", beam_size=1, condition_on_previous_text=False,
                                       temperature=0.0, without_timestamps=False)
        theirs = words(" ".join(s.text for s in segments))
        ours = words(subprocess.run([SUFLER, "transcribe", "--plain", "--model", model_file("ggml-base-f16.bin"),
                                     "--threads", str(threads), f], cwd=ROOT, capture_output=True, text=True).stdout)
        same += ours == theirs
        errors += edit_distance(ours, theirs)
        total += len(theirs)
        if ours != theirs:
            print(f"  {os.path.basename(f)}:\n    whisper.cpp:    {' '.join(ours)}\n    faster-whisper: {' '.join(theirs)}")
    print(f"faithfulness: {same}/{len(files)} operator tracks word for word identical, "
          f"word difference rate {errors / max(total, 1):.3f} ({errors} of {total} words)")


def join_model_bin():
    """faster-whisper wants one model.bin; the PyPI packages hold two parts."""
    whole = os.path.join(FW_DIR, "model.bin")
    if not os.path.exists(whole):
        with open(whole + ".tmp", "wb") as out:
            for part in sorted(glob.glob(os.path.join(FW_DIR, "model.bin.part*"))):
                with open(part, "rb") as f:
                    out.write(f.read())
        os.rename(whole + ".tmp", whole)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--calls", default=CALLS)
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--text", action="store_true")
    ap.add_argument("--show", action="store_true", help="list each call's misses and false flags")
    args = ap.parse_args()
    global SHOW
    SHOW = args.show
    if args.text:
        return check_text(args.calls, args.threads)
    if not args.no_peer:
        join_model_bin()
    labels = json.load(open(os.path.join(args.calls, "labels.json"), encoding="utf-8"))
    times = [0.0, 0.0]
    for kind in ("clean", "phone"):
        files = sorted(glob.glob(os.path.join(args.calls, kind, "*.wav")))
        audio = audio_seconds(files)
        print(f"{kind}: {len(files)} calls, {audio:.0f} s of audio, {args.threads} threads")
        header(labels)
        s_secs, s_found = run_sufler(files, args.threads)
        report("sufler", labels, s_found, s_secs, audio)
        sys.stdout.flush()
        if args.no_peer:
            continue
        p_secs, p_found = run_peer(files, args.threads)
        report("faster-whisper", labels, p_found, p_secs, audio)
        print(f"  speed ratio (peer time / sufler time): {p_secs / s_secs:.2f}")
        sys.stdout.flush()
        times = [times[0] + s_secs, times[1] + p_secs]
    if args.no_peer:
        return
    print(f"all files: sufler {times[0]:.1f} s, faster-whisper {times[1]:.1f} s, speed ratio {times[1] / times[0]:.2f}")
    faithfulness(sorted(glob.glob(os.path.join(args.calls, "clean", "*.wav"))), args.threads)


if __name__ == "__main__":
    main()
