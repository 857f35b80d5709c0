#!/usr/bin/env python3
"""Generates labelled test calls: stereo, 8 kHz, operator left, client right.

    scripts/make_calls.py OUT_DIR

Writes OUT_DIR/clean/*.wav (Festival's Russian voice) and OUT_DIR/phone/*.wav
(the same calls through a simulated phone line: band-limited to 300-3400 Hz,
a steady noise floor, uneven levels, a mu-law round trip, and some lines
spoken by espeak-ng instead), plus OUT_DIR/labels.json: for each call, the
banned phrases (rule ids), client alerts and script steps (rule.element)
that are in it. Needs festival + festvox-ru, espeak-ng and sox.
"""

import json
import os
import subprocess
import sys
import tempfile

# Each line: (speaker, text, what it holds). "net" etc. are banned rule ids,
# "alert:..." client alerts, "greeting.hello" etc. required elements met.
CALLS = {
    "01-model": [
        ("operator", "Здравствуйте, компания Ромашка, меня зовут Анна. Чем могу помочь?",
         ["greeting.hello", "greeting.company", "greeting.name", "greeting.offer_help"]),
        ("client", "Добрый день. Мне не пришёл заказ.", []),
        ("operator", "Я вас понимаю. Назовите, пожалуйста, номер заказа.", []),
        ("client", "Сорок два двадцать.", []),
        ("operator", "Спасибо. Заказ передан курьеру, он приедет завтра.", []),
        ("operator", "Спасибо за обращение, всего доброго!", ["closing.thanks", "closing.farewell"]),
    ],
    "02-banned": [
        ("operator", "Алло, слушаю вас.", ["greeting.offer_help"]),
        ("client", "Где мой заказ?", []),
        ("operator", "Я не знаю, где ваш заказ.", ["ne-znayu"]),
        ("operator", "Вы должны были указать адрес.", ["vy-dolzhny"]),
        ("client", "Я указывала адрес.", []),
        ("operator", "Минуточку.", ["umenshitelnye"]),
        ("operator", "Нет, курьера сегодня не будет.", ["net"]),
        ("operator", "До свидания.", ["closing.farewell"]),
    ],
    "03-lookalikes": [
        ("operator", "Добрый день, компания Ромашка, меня зовут Анна, слушаю вас.",
         ["greeting.hello", "greeting.company", "greeting.name", "greeting.offer_help"]),
        ("client", "Я не знаю, что делать, у меня пропал интернет.", []),
        ("operator", "Проверьте, пожалуйста, подключение к интернету.", []),
        ("client", "Вы должны мне вернуть деньги.", []),
        ("operator", "Я узнаю и перезвоню вам через час.", []),
        ("operator", "У вас есть возможность оплатить картой.", []),
        ("operator", "Без проблем, сейчас всё сделаем.", []),
        ("operator", "Спасибо за звонок, хорошего дня.", ["closing.thanks", "closing.farewell"]),
    ],
    "04-conflict": [
        ("operator", "Здравствуйте, компания Ромашка, меня зовут Анна.",
         ["greeting.hello", "greeting.company", "greeting.name"]),
        ("client", "Вы там все идиоты?", ["alert:client-abuse"]),
        ("operator", "Я вас понимаю. Давайте подумаем, как я смогу вам помочь.", []),
        ("operator", "Это не в моей зоне ответственности.", ["ne-moya-zona"]),
        ("client", "И что мне теперь делать?", []),
        ("operator", "Вам лучше перезвонить завтра.", ["vam-luchshe"]),
        ("operator", "Спасибо за ваше терпение, всего доброго.", ["closing.thanks", "closing.farewell"]),
    ],
    "05-uncertain": [
        ("operator", "Добрый вечер, компания Ромашка, меня зовут Анна, чем могу помочь?",
         ["greeting.hello", "greeting.company", "greeting.name", "greeting.offer_help"]),
        ("client", "Почему у меня списали деньги?", []),
        ("operator", "Возможно, это ошибка системы.", ["neuverennost"]),
        ("operator", "Это очень сложно.", ["eto-slozhno"]),
        ("client", "Верните деньги.", []),
        ("operator", "Я не могу вернуть деньги.", ["ne-mogu"]),
        ("operator", "Спасибо за обращение.", ["closing.thanks"]),
    ],
    "06-corrected": [
        ("operator", "Здравствуйте, меня зовут Анна, чем могу помочь?",
         ["greeting.hello", "greeting.name", "greeting.offer_help"]),
        ("client", "Когда подключат мой тариф?", []),
        ("operator", "Не знаю, сейчас уточню.", []),
        ("operator", "На вашем месте я бы сменил тариф.", ["na-vashem-meste"]),
        ("client", "Мне этот тариф нравится.", []),
        ("operator", "Вы не правы, он дороже.", ["vy-ne-pravy"]),
        ("operator", "В чём ваша проблема?", ["problema"]),
        ("operator", "Спасибо за звонок, до свидания.", ["closing.thanks", "closing.farewell"]),
    ],
    "07-quiet-client": [
        ("operator", "Доброе утро, компания Ромашка, меня зовут Анна. Чем могу помочь?",
         ["greeting.hello", "greeting.company", "greeting.name", "greeting.offer_help"]),
        ("client", "Здравствуйте, хочу узнать баланс.", []),
        ("operator", "Ваш баланс двести рублей. Нет проблем, я отправлю вам сообщение.", []),
        ("client", "Нет, сообщение не нужно.", []),
        ("operator", "Хорошо. Спасибо за обращение, всего хорошего!", ["closing.thanks", "closing.farewell"]),
    ],
    "08-rude-operator": [
        ("operator", "Да.", []),
        ("client", "Алло, это компания Ромашка?", []),
        ("operator", "Ну да. Кажется, ваш договор закрыт.", ["neuverennost"]),
        ("client", "Как закрыт?", []),
        ("operator", "Нет, я не знаю как.", ["net", "ne-znayu"]),
        ("operator", "Подождите секундочку.", ["umenshitelnye"]),
        ("operator", "Всё, пока.", []),
    ],
}

# Lines spoken by espeak-ng on the phone line: (call, line index).
ESPEAK_LINES = {("02-banned", 1), ("03-lookalikes", 3), ("04-conflict", 4), ("05-uncertain", 4),
                ("06-corrected", 2), ("07-quiet-client", 3), ("08-rude-operator", 1)}

GAP_S = 0.9


def run(*args, **kw):
    # sox dithers and draws its noise at random unless told to repeat
    # itself (-R): without it each generation of a set is other audio.
    if args[0] == "sox":
        args = ("sox", "-R", *args[1:])
    subprocess.run(args, check=True, **kw)


def duration(path):
    return float(subprocess.run(["soxi", "-D", path], check=True, capture_output=True, text=True).stdout)


def synthesise_festival(lines, tmp):
    """All Festival lines in one run: loading the voice takes seconds."""
    script = ["(voice_msu_ru_nsh_clunits)"]
    for path, text in lines:
        script.append('(utt.save.wave (SynthText "%s") "%s" \'riff)' % (text.replace('"', ""), path))
    scm = os.path.join(tmp, "lines.scm")
    with open(scm, "w", encoding="utf-8") as f:
        f.write("\n".join(script) + "\n")
    run("festival", "-b", scm)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "target/test-calls"
    for kind in ("clean", "phone"):
        os.makedirs(os.path.join(out, kind), exist_ok=True)
    labels = {}
    with tempfile.TemporaryDirectory() as tmp:
        festival = []
        for name, lines in CALLS.items():
            for i, (_, text, _) in enumerate(lines):
                festival.append((os.path.join(tmp, f"{name}-{i}-f.wav"), text))
        synthesise_festival(festival, tmp)
        for name, lines in CALLS.items():
            for i, (_, text, _) in enumerate(lines):
                if (name, i) in ESPEAK_LINES:
                    run("espeak-ng", "-v", "ru", "-s", "150", "-w", os.path.join(tmp, f"{name}-{i}-e.wav"), text)
        for name, lines in CALLS.items():
            labels[name] = label(lines)
            for kind in ("clean", "phone"):
                assemble(name, lines, kind, tmp, os.path.join(out, kind, f"{name}.wav"))
    with open(os.path.join(out, "labels.json"), "w", encoding="utf-8") as f:
        json.dump(labels, f, ensure_ascii=False, indent=1)
    with open(os.path.join(out, "scripts.json"), "w", encoding="utf-8") as f:
        json.dump({n: [[s, t] for s, t, _ in ls] for n, ls in CALLS.items()}, f, ensure_ascii=False, indent=1)


def label(lines):
    banned, alerts, met = [], [], []
    for speaker, _, items in lines:
        for item in items:
            if item.startswith("alert:"):
                alerts.append(item[len("alert:"):])
            elif item.startswith("step:"):
                # A step with no elements («empathy»), met by its rule.
                met.append(item[len("step:"):])
            elif "." in item:
                met.append(item)
            else:
                banned.append(item)
    return {"banned": sorted(banned), "alerts": sorted(alerts), "met": sorted(met)}


def assemble(name, lines, kind, tmp, target):
    """Places each line on its party's channel, one after another."""
    t = 0.5
    parts = {"operator": [], "client": []}
    for i, (speaker, _, _) in enumerate(lines):
        espeak = kind == "phone" and (name, i) in ESPEAK_LINES
        src = os.path.join(tmp, f"{name}-{i}-{'e' if espeak else 'f'}.wav")
        placed = os.path.join(tmp, f"{name}-{kind}-{i}-placed.wav")
        # Uneven levels on the phone line: every line a little louder or quieter.
        level = ["vol", str([0.5, 1.0, 0.7, 1.3, 0.6][i % 5])] if kind == "phone" else []
        run("sox", src, "-r", "16000", "-c", "1", placed, *level, "pad", f"{t:.3f}@0")
        parts[speaker].append(placed)
        t += duration(src) + GAP_S
    total = t + 0.5
    channels = []
    for speaker in ("operator", "client"):
        ch = os.path.join(tmp, f"{name}-{kind}-{speaker}.wav")
        silence = os.path.join(tmp, f"{name}-{kind}-silence.wav")
        run("sox", "-n", "-r", "16000", "-c", "1", silence, "trim", "0", f"{total:.3f}")
        inputs = []
        for p in [silence] + parts[speaker]:
            inputs += ["-v", "1", p]
        run("sox", "-m", *inputs, ch, "trim", "0", f"{total:.3f}")
        if kind == "phone":
            ch = phone_line(ch, tmp, f"{name}-{speaker}", total)
        channels.append(ch)
    run("sox", "-M", *channels, "-r", "8000", "-b", "16", target)


def phone_line(src, tmp, stem, total):
    noise = os.path.join(tmp, f"{stem}-noise.wav")
    run("sox", "-n", "-r", "16000", "-c", "1", noise, "synth", f"{total:.3f}", "pinknoise", "vol", "0.02")
    mixed = os.path.join(tmp, f"{stem}-mixed.wav")
    run("sox", "-m", "-v", "1", src, "-v", "1", noise, mixed, "sinc", "300-3400")
    ulaw = os.path.join(tmp, f"{stem}-ulaw.wav")
    run("sox", mixed, "-r", "8000", "-e", "u-law", ulaw)
    back = os.path.join(tmp, f"{stem}-line.wav")
    run("sox", ulaw, "-e", "signed-integer", "-b", "16", "-r", "16000", back)
    return back


if __name__ == "__main__":
    main()
