#!/usr/bin/env python3
"""Words that match by sound what they are not: a precision probe.

    pip install wordfreq            # word lists (PyPI), not needed otherwise
    python3 bench/lookalikes.py [--words 30000] [--pairs 10000] [--show 40] [--sufler BIN]

Matching by sound (`"match": "fuzzy"`) is there for what Whisper
mishears; it must not take an ordinary word for a rule's word. This
says each of a language's most frequent words (wordfreq's list, words of
letters only), each alone as an operator line and as a client line,
with the bundled rules of Russian and Czech, and counts the distinct
words any rule met or flagged by sound. Nearly all of them are false: a
word alone is what the speaker said, written as Whisper would write it.
Words matched by stem or as written are not counted (they are the
rules' own words and their forms).

With --pairs N, the N most frequent words each after a short common
word too («вы», «не», «до», «это», «на»...: what phrases begin with),
so that two-word phrases are probed as well.

With --unsure N, the N most frequent words each in place of the last
word of every phrase of the required steps (the first spelling of each:
«спасибо за X», «меня зовут X»), an operator's call of one line each,
the last word heard unsure (confidence 0.5): a step met so and not when
the same line is heard surely was met loosely (an unsure word taken for
the phrase's last word). Such a step hides a missing one; this counts
how often an ordinary word does it.
"""

import argparse
import collections
import glob
import json
import os
import re
import subprocess
import tempfile
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUFLER = os.path.join(ROOT, "target/release/sufler")
LANGS = (("ru", "Ромашка", "Анна"), ("cs", "Kopretina", "Jana"))
FIRST = {
    "ru": ["вы", "не", "до", "это", "я", "мы", "вам", "на", "за", "с", "по", "так", "все", "мне", "у", "вас", "меня", "о"],
    "cs": ["vy", "ne", "to", "já", "my", "vám", "na", "za", "s", "v", "do", "tak", "je", "mi", "u", "vás", "mě", "o"],
}
# Lines per transcript: a day of 3-s lines is sufler's limit for one call.
PER_CALL = 2000


def write_calls(lines, folder):
    for k in range(0, len(lines), PER_CALL):
        out = []
        for n, line in enumerate(lines[k:k + PER_CALL]):
            t = 3 * n
            for speaker in ("operator", "client"):
                out.append(f"[{t // 3600}:{t // 60 % 60:02d}:{t % 60:02d}] {speaker}: {line}")
        with open(os.path.join(folder, f"w{k // PER_CALL:03d}.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(out) + "\n")


def events(sufler, lang, company, name, folder):
    """The events of checking every transcript in `folder`."""
    out = subprocess.run([sufler, "check", "--lang", lang, "--var", f"company={company}", "--var", f"operator_name={name}",
                          "--format", "jsonl", "--transcript", folder], cwd=ROOT, capture_output=True, text=True)
    return [json.loads(line) for line in out.stdout.splitlines()]


def fuzzy_hits(sufler, lang, company, name, folder):
    hits = collections.defaultdict(set)
    for e in events(sufler, lang, company, name, folder):
        if e.get("match") == "fuzzy" and e["type"] in ("violation", "alert", "met"):
            rule = f"{e['rule']}.{e['element']}" if "element" in e else e["rule"]
            hits[rule].add(e["text"].lower())
    return hits


def openings(lang, company, name):
    """Every required step's phrase without its last word (first spellings)."""
    out = set()
    for path in glob.glob(os.path.join(ROOT, "rules", lang, "*.toml")):
        with open(path, "rb") as f:
            rules = tomllib.load(f).get("rule", [])
        for rule in rules:
            if rule.get("kind") != "required":
                continue
            for phrases in [rule.get("phrases", [])] + [e.get("phrases", []) for e in rule.get("element", [])]:
                for phrase in phrases:
                    phrase = phrase.replace("{company}", company).replace("{operator_name}", name)
                    words = [w.split("|")[0] for w in phrase.split() if not re.fullmatch(r"[*{].*", w)]
                    if len(words) >= 2:
                        out.add(" ".join(words[:-1]))
    return sorted(out)


def unsure_calls(lines, folder, confidence):
    for k, line in enumerate(lines):
        words = line.split()
        timed = [{"start": 1.0 + 0.4 * i, "end": 1.4 + 0.4 * i, "text": w, "confidence": confidence if i == len(words) - 1 else 0.95}
                 for i, w in enumerate(words)]
        call = {"duration": 2.0 + 0.4 * len(words), "segments": [{"speaker": "operator", "start": 1.0, "end": timed[-1]["end"],
                                                                   "text": line, "words": timed}]}
        with open(os.path.join(folder, f"u{k:06d}.json"), "w", encoding="utf-8") as f:
            json.dump(call, f, ensure_ascii=False)


def steps_met(sufler, lang, company, name, folder):
    return {(os.path.basename(e["call"]), f"{e['rule']}.{e.get('element', '')}", e["text"].lower())
            for e in events(sufler, lang, company, name, folder) if e["type"] == "met"}


def loose(args):
    import wordfreq
    for lang, company, name in LANGS:
        words = [w for w in wordfreq.top_n_list(lang, args.unsure) if w.isalpha()]
        starts = openings(lang, company, name)
        lines = [f"{o} {w}" for o in starts for w in words]
        found = {}
        for confidence in (0.95, 0.5):
            with tempfile.TemporaryDirectory() as folder:
                unsure_calls(lines, folder, confidence)
                found[confidence] = steps_met(args.sufler, lang, company, name, folder)
        extra = found[0.5] - found[0.95]
        by_step = collections.defaultdict(set)
        for _, step, text in extra:
            by_step[step].add(text)
        print(f"{lang}: {len(starts)} openings x {len(words)} words = {len(lines)} lines, {len(extra)} steps met loosely only")
        for step, texts in sorted(by_step.items()):
            print(f"  {step:24} {len(texts):4}  {' | '.join(sorted(texts)[:args.show])}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--words", type=int, default=30000)
    ap.add_argument("--pairs", type=int, default=0, help="this many words also after each short common word")
    ap.add_argument("--show", type=int, default=40, help="words listed per rule")
    ap.add_argument("--sufler", default=SUFLER, help="the binary to probe")
    ap.add_argument("--unsure", type=int, default=0, help="probe loose matching of unsure words with this many words instead")
    args = ap.parse_args()
    if args.unsure:
        return loose(args)
    import wordfreq
    for lang, company, name in LANGS:
        words = [w for w in wordfreq.top_n_list(lang, args.words) if w.isalpha()]
        said = words + [f"{f} {w}" for f in FIRST[lang] for w in words[:args.pairs]]
        with tempfile.TemporaryDirectory() as folder:
            write_calls(said, folder)
            hits = fuzzy_hits(args.sufler, lang, company, name, folder)
        total = len(set().union(*hits.values())) if hits else 0
        print(f"{lang}: {len(said)} lines, {total} matched by sound")
        for rule, found in sorted(hits.items()):
            print(f"  {rule:24} {len(found):3}  {' '.join(sorted(found)[:args.show])}")


if __name__ == "__main__":
    main()
