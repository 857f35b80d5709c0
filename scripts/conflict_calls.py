#!/usr/bin/env python3
"""A labelled set of conflict calls, as typed transcripts: does the operator
show empathy after a rude client, and is it heard?

    scripts/conflict_calls.py OUT_DIR [--calls 40] [--seed 5] [--audio]

In most calls the client turns rude (an insult, or rudeness without one);
the operator then answers with empathy, said one of many ways (with
fillers), or without (a plain answer, or a look-alike: «Я не понимаю...»,
«Извините, не расслышала»), or with empathy too late (past the rule's 30
seconds). In the other calls the client complains without rudeness, and
empathy said there is no step of the script. Writes, per language:

  OUT_DIR/text/LANG/NN.txt        the calls
  OUT_DIR/text/LANG/labels.json   banned, alerts and met (greeting.*,
                                  closing.*, and "empathy" where it was
                                  said in time after rudeness)
  OUT_DIR/clean/, OUT_DIR/phone/  with --audio, the Russian calls voiced
  OUT_DIR/labels.json             as scripts/varied_calls.py voices its
                                  own (no empathy said too late there:
                                  spoken lines are not as long as typed)

Score with `python3 bench/compare.py --text --calls OUT_DIR` (the audio:
without `--text`). The phrasings were written apart from the rule files,
from call-centre usage; those the rules missed were then added to them
(docs/matching.md, "Empathy after a rude client").
"""

import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_calls import label  # noqa: E402  (labels as the other sets have them)
from varied_calls import line_time, transcript, write_audio, write_json  # noqa: E402  (lines spaced, voiced and written as there)

RU = {
    "greeting": ("Здравствуйте, компания Ромашка, меня зовут Анна. Чем могу помочь?",
                 ["greeting.hello", "greeting.company", "greeting.name", "greeting.offer_help"]),
    "closing": ("Спасибо за обращение, всего доброго!", ["closing.thanks", "closing.farewell"]),
    "complaint": ["Я уже третий раз звоню по одному и тому же вопросу.", "Мне до сих пор не вернули деньги.",
                  "Сколько можно ждать курьера?", "У меня опять не работает интернет.", "Я очень недоволен вашим сервисом.",
                  "Мне обещали перезвонить и не перезвонили."],
    "rude": ["Вы там совсем идиоты?", "Да вы издеваетесь надо мной!", "Какого чёрта мне никто не перезвонил?",
             "Вы меня достали уже со своими обещаниями!", "Вы что, тупые совсем?", "Работать не умеете, придурки!",
             "Да пошли вы со своим сервисом!", "Вы все там некомпетентные!", "Это не сервис, а дурдом, дебилы!",
             "Сука, опять ничего не работает!"],
    "empathy": ["Я вас понимаю.", "Я вас прекрасно понимаю.", "Понимаю ваше недовольство.", "Понимаю ваше возмущение, это неприятно.",
                "Понимаю, насколько это неприятно.", "Я понимаю, как вам неприятно.", "Приношу извинения за неудобства.",
                "Приносим свои извинения за эту ситуацию.", "Примите мои извинения.", "Прошу прощения за эту ситуацию.",
                "Простите, пожалуйста, за ожидание.", "Извините нас, пожалуйста.", "Мне очень жаль, что так получилось.",
                "Искренне сожалею.", "Сожалею, что вам пришлось с этим столкнуться.", "Давайте вместе разберёмся.",
                "Давайте подумаем, как я смогу вам помочь.", "Давайте вместе решим этот вопрос.", "Я вас услышала, давайте разберёмся.",
                "Понимаю вас, ситуация действительно неприятная.", "Мне жаль, что так вышло.", "Понимаю, как это раздражает.",
                "Я понимаю ваши чувства.", "Давайте я помогу разобраться.", "Я вас слышу.", "Мы обязательно во всём разберёмся.",
                "Понимаю ваше беспокойство.", "Извините за доставленные неудобства."],
    # What an operator says after rudeness that shows no empathy.
    "plain": ["Назовите, пожалуйста, номер договора.", "Ваш заказ отправлен вчера.", "Я проверю информацию по вашей заявке.",
              "Успокойтесь, пожалуйста.", "Оставайтесь на линии.", "Курьер приедет завтра с десяти до шести.",
              "Заявка уже передана специалистам."],
    # Look-alikes: the words of empathy, not its sense.
    "lookalike": ["Я не понимаю, о чём вы говорите.", "Извините, не расслышала.", "Простите, что вы сказали?",
                  "Я не понимаю, что вам неприятно."],
    "fillers": ["Ну", "Так", "Да", "Эээ"],
}

CS = {
    "greeting": ("Dobrý den, společnost Kopretina, jmenuji se Jana. Jak vám mohu pomoci?",
                 ["greeting.hello", "greeting.company", "greeting.name", "greeting.offer_help"]),
    "closing": ("Děkuji za zavolání, na shledanou!", ["closing.thanks", "closing.farewell"]),
    "complaint": ["Volám už potřetí kvůli stejné věci.", "Pořád mi nevrátili peníze.", "Jak dlouho mám ještě čekat na kurýra?",
                  "Zase mi nejde internet.", "Jsem s vašimi službami velmi nespokojený."],
    "rude": ["Vy jste úplní idioti!", "Děláte si ze mě legraci?", "Co to sakra je?", "Jste banda neschopných!",
             "Vy jste fakt blbci.", "Vy jste debilové, nic neumíte!", "Do háje, zase to nefunguje!"],
    "empathy": ["Rozumím vám.", "Chápu vás.", "Chápu, že je to nepříjemné.", "Omlouvám se za komplikace.", "Moc se omlouváme.",
                "Velice nás to mrzí.", "Mrzí mě to.", "Omlouváme se za potíže.", "Promiňte, že jste museli čekat.",
                "Pojďme to společně vyřešit.", "Je mi líto, co se stalo.", "Chápu vaši frustraci.", "Rozumím, to je opravdu nepříjemné.",
                "Omlouvám se za čekání.", "Je nám to líto.", "Chápu, jak vás to musí štvát.", "Určitě to spolu vyřešíme.",
                "Slyším vás.", "Rozumím vašemu rozčilení.", "Omlouvám se, to se nemělo stát."],
    "plain": ["Řekněte mi prosím číslo smlouvy.", "Objednávka byla odeslána včera.", "Podívám se na vaši žádost.",
              "Uklidněte se, prosím.", "Zůstaňte na lince.", "Kurýr přijede zítra."],
    "lookalike": ["Nerozumím, co po mně chcete.", "Promiňte, neslyšela jsem.", "Promiňte, co jste říkal?"],
    "fillers": ["No", "Tak", "Jo", "Ehm"],
}

# The empathy rule's window (rules/*/conflict.toml: within_s).
WITHIN_S = 30


def call(rng, lang, late=True):
    """One call: (speaker, text, labels) lines; `late`: some with empathy
    said past the window."""
    greeting, labels = lang["greeting"]
    lines = [("operator", greeting, labels)]
    lines.append(("client", rng.choice(lang["complaint"]), []))
    lines.append(("operator", rng.choice(lang["plain"]), []))
    rude = rng.random() < 0.75
    said = lambda text: (rng.choice(lang["fillers"]) + ", " + text[0].lower() + text[1:]) if rng.random() < 0.25 else text  # noqa: E731
    if rude:
        lines.append(("client", rng.choice(lang["rude"]), ["alert:client-abuse"]))
        answer = rng.random()
        if answer < 0.55:
            # Empathy at once, or after one more exchange: within the window.
            if rng.random() < 0.3:
                lines += [("operator", rng.choice(lang["plain"]), []), ("client", rng.choice(lang["complaint"]), [])]
            lines.append(("operator", said(rng.choice(lang["empathy"])), ["step:empathy"]))
        elif answer < 0.75:
            lines.append(("operator", said(rng.choice(lang["lookalike"])), []))
        elif answer < 0.9 or not late:
            lines.append(("operator", said(rng.choice(lang["plain"])), []))
        else:
            # Empathy, but long after: the window has closed.
            abuse = sum(line_time(t) for _, t, _ in lines[:-1])
            while sum(line_time(t) for _, t, _ in lines) < abuse + WITHIN_S + 15:
                lines += [("operator", rng.choice(lang["plain"]), []), ("client", rng.choice(lang["complaint"]), [])]
            lines.append(("operator", rng.choice(lang["empathy"]), []))
    elif rng.random() < 0.5:
        # Empathy where nobody was rude: no step of the script, no label.
        lines.append(("operator", said(rng.choice(lang["empathy"])), []))
    lines.append(("client", rng.choice(lang["complaint"]), []))
    lines.append(("operator", rng.choice(lang["plain"]), []))
    closing, labels = lang["closing"]
    lines.append(("operator", closing, labels))
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--calls", type=int, default=40)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--audio", action="store_true", help="also the Russian calls as audio")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    calls, labels = {}, {}
    for code, lang in (("ru", RU), ("cs", CS)):
        folder = os.path.join(args.out, "text", code)
        os.makedirs(folder, exist_ok=True)
        calls[code] = {f"{code}-{n + 1:02d}": call(rng, lang, late=not args.audio) for n in range(args.calls)}
        labels[code] = {name: label(lines) for name, lines in calls[code].items()}
        for name, lines in calls[code].items():
            with open(os.path.join(folder, name + ".txt"), "w", encoding="utf-8") as f:
                f.write(transcript(lines))
        write_json(os.path.join(folder, "labels.json"), labels[code])
    if args.audio:
        write_audio(calls["ru"], labels["ru"], args.out, rng)


if __name__ == "__main__":
    main()
