//! The `sufler` command as users run it: exit codes, output formats, and a
//! batch that goes on past a bad file.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::root;

fn sufler(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sufler")).args(args).current_dir(root()).env("NO_COLOR", "1").output().expect("sufler runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

const VARS: [&str; 4] = ["--var", "company=Ромашка", "--var", "operator_name=Анна"];

fn check(files: &[&str], format: &str) -> Output {
    let mut args = vec!["check", "--format", format];
    args.extend(VARS);
    args.push("--transcript");
    args.extend(files);
    sufler(&args)
}

#[test]
fn clean_call_exits_0_and_bad_call_exits_1() {
    let ok = check(&["tests/data/call-ok.txt", "tests/data/call-ok.json"], "text");
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    let bad = check(&["tests/data/call-bad.txt"], "text");
    assert_eq!(bad.status.code(), Some(1));
    let text = stdout(&bad);
    assert!(text.contains("banned   ne-znayu (operator, error) «Я не знаю»"), "{text}");
    assert!(text.contains("→ Уточню информацию и вернусь к вам"), "{text}");
    assert!(text.contains("missing  greeting.company"), "{text}");
    assert!(text.contains("alert    client-abuse (client, info) «идиоты»"), "{text}");
}

#[test]
fn jsonl_events_carry_the_documented_fields() {
    let out = check(&["tests/data/call-bad.txt"], "jsonl");
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let violation = lines.iter().find(|v| v["type"] == "violation" && v["rule"] == "vy-dolzhny").expect("vy-dolzhny flagged");
    for field in ["call", "rule", "category", "kind", "speaker", "start", "end", "text", "severity", "message", "suggest"] {
        assert!(!violation[field].is_null(), "field {field} missing in {violation}");
    }
    assert_eq!(violation["call"], "tests/data/call-bad.txt");
    assert_eq!(violation["kind"], "banned");
    assert_eq!(violation["speaker"], "operator");
    assert_eq!(violation["text"], "Вы должны");
    assert_eq!(violation["start"], 12.0);
    let missing = lines.iter().find(|v| v["kind"] == "missing").expect("a missing element");
    assert_eq!(missing["text"], "");
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "call_summary");
    assert!(summary["score"].as_f64().unwrap() < 100.0);
    // No client words under an operator rule.
    assert!(lines.iter().filter(|v| v["type"] == "violation").all(|v| v["speaker"] == "operator"));
}

#[test]
fn csv_has_a_header_and_one_row_per_event() {
    let out = check(&["tests/data/call-bad.txt"], "csv");
    let text = stdout(&out);
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let header = rows.headers().unwrap().clone();
    assert_eq!((&header[0], &header[15]), ("type", "match"));
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert!(records.iter().any(|r| &r[0] == "violation" && &r[2] == "ne-znayu" && &r[15] == "stem"));
    assert_eq!(&records.last().unwrap()[0], "call_summary");
}

#[test]
fn a_bad_file_is_reported_and_the_batch_goes_on() {
    let dir = tempdir();
    let broken = dir.join("broken.txt");
    std::fs::write(&broken, "operator: Здравствуйте\nэто не реплика\n").unwrap();
    let broken = broken.to_str().unwrap();
    let out = check(&[broken, "tests/data/call-bad.txt", "/nonexistent/call.json"], "jsonl");
    assert_eq!(out.status.code(), Some(2));
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let errors: Vec<&serde_json::Value> = lines.iter().filter(|v| v["type"] == "error").collect();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["call"], broken);
    assert_eq!(
        errors[0]["message"].as_str().unwrap(),
        format!("error: expected `operator: text` or `client: text`\n --> {broken}:2:1\n  |\n2 | это не реплика\n  | ^^^^^^^^^^^^^^")
    );
    assert!(errors[1]["message"].as_str().unwrap().starts_with("/nonexistent/call.json: "));
    assert!(lines.iter().any(|v| v["type"] == "call_summary" && v["call"] == "tests/data/call-bad.txt"));
}

#[test]
fn folders_of_transcripts_are_walked_and_an_empty_one_is_an_error() {
    let dir = tempdir();
    for (from, to) in [("call-ok.txt", "2026-11-23/call-ok.txt"), ("call-ok.json", "2026-11-22/call-ok.json")] {
        std::fs::create_dir_all(dir.join(to).parent().unwrap()).unwrap();
        std::fs::copy(root().join("tests/data").join(from), dir.join(to)).unwrap();
    }
    std::fs::write(dir.join("2026-11-22/README.md"), "not a transcript").unwrap();
    let empty = dir.join("пусто");
    std::fs::create_dir_all(&empty).unwrap();
    let out = check(&[dir.to_str().unwrap(), empty.to_str().unwrap()], "jsonl");
    assert_eq!(out.status.code(), Some(2));
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let calls: Vec<(&str, &str)> = lines
        .iter()
        .filter(|v| v["type"] == "call_summary" || v["type"] == "error")
        .map(|v| (v["type"].as_str().unwrap(), v["call"].as_str().unwrap()))
        .collect();
    let (in_dir, empty) = (|p: &str| dir.join(p).display().to_string(), empty.display().to_string());
    let (first, second) = (in_dir("2026-11-22/call-ok.json"), in_dir("2026-11-23/call-ok.txt"));
    assert_eq!(calls, [("error", empty.as_str()), ("call_summary", first.as_str()), ("call_summary", second.as_str())]);
    let error = lines.iter().find(|v| v["type"] == "error").unwrap();
    assert_eq!(error["message"].as_str().unwrap(), format!("{empty}: no files in this folder end in .json, .txt"));
}

#[test]
fn broken_rules_exit_2_with_the_place() {
    let dir = tempdir();
    std::fs::write(dir.join("bad.toml"), "[[rule]]\nid = 5\n").unwrap();
    let out = sufler(&["check", "--rules", dir.to_str().unwrap(), "--transcript", "tests/data/call-ok.txt"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("bad.toml:2:6"), "{err}");
}

#[test]
fn rules_test_and_lint_on_the_bundled_sets() {
    // The repository's folders, and the sets built into the binary.
    for (dir, lang) in [(Some("rules/ru"), "ru"), (Some("rules/cs"), "cs"), (None, "ru"), (None, "cs")] {
        let args = |cmd| {
            dir.into_iter().fold(vec!["rules", cmd, "--lang", lang], |mut a, d| {
                a.push(d);
                a
            })
        };
        let out = sufler(&args("test"));
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        assert!(stdout(&out).ends_with("ok\n"));
        let lint = sufler(&args("lint"));
        assert_eq!(lint.status.code(), Some(0), "{}", stdout(&lint));
    }
}

#[test]
fn bad_settings_are_told_once_with_the_file() {
    let dir = tempdir();
    let table: &[(&[&str], String)] = &[
        (&["--rules", "no-such-rules"], "error: no-such-rules: No such file or directory (os error 2)\n".into()),
        (&["--rules", dir.to_str().unwrap()], format!("error: {}: no rule files (*.toml) in this directory\n", dir.display())),
        (&["--config", "no-such.toml"], "error: no-such.toml: No such file or directory (os error 2)\n".into()),
    ];
    for (flags, want) in table {
        let mut args = vec!["check", "--transcript", "tests/data/call-ok.txt"];
        args.extend(*flags);
        let out = sufler(&args);
        assert_eq!(out.status.code(), Some(2), "{flags:?}");
        assert_eq!(String::from_utf8(out.stderr).unwrap(), *want, "{flags:?}");
    }
}

#[test]
fn rules_test_reports_every_failure_with_its_place() {
    let dir = tempdir();
    let rule = "[[rule]]\nid = \"x\"\ncategory = \"banned\"\nkind = \"banned\"\nmessage = \"m\"\nsuggest = \"s\"\nphrases = [\"не знаю\"]\n";
    std::fs::write(dir.join("a.toml"), format!("{rule}tests.hit = [\"знаю\", \"узнаю\"]\ntests.miss = [\"Мы не знаем\"]\n")).unwrap();
    let out = sufler(&["rules", "test", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_eq!(text.matches("error: ").count(), 3, "{text}");
    assert!(text.contains("a.toml:8:14") && text.contains("a.toml:8:22") && text.contains("a.toml:9:15"), "{text}");
    assert!(text.ends_with("1 files, 1 rules, 3 examples: 3 failed\n"), "{text}");
}

#[test]
fn lint_warns_about_likely_mistakes() {
    let dir = tempdir();
    let rule = "[[rule]]\nid = \"x\"\ncategory = \"banned\"\nkind = \"banned\"\nmessage = \"m\"\nphrases = [\"не знаю\"]\ntests.hit = [\"не знаю\"]\n";
    std::fs::write(dir.join("a.toml"), format!("{rule}\n{}", rule.replace("\"x\"", "\"y\""))).unwrap();
    let twice = rule
        .replace("\"x\"", "\"z\"")
        .replace("[\"не знаю\"]\ntests", "[\"не могу\", \"Не могу\"]\ntests")
        .replace("hit = [\"не знаю\"]", "hit = [\"не могу\"]");
    std::fs::write(dir.join("b.toml"), twice).unwrap();
    let out = sufler(&["rules", "lint", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("warning: rule `x` has no `tests.miss` examples"), "{text}");
    assert!(text.contains("warning: rule `x` says what not to say but not what to say instead (add `suggest`)"), "{text}");
    assert!(text.contains("warning: phrase не знаю is also in rule `x`"), "{text}");
    assert!(text.contains("warning: phrase Не могу repeats one of the same rule (") && text.contains("b.toml:6:"), "{text}");
}

fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("sufler-test-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst)));
    std::fs::create_dir_all(&dir).unwrap();
    assert!(Path::new(&dir).is_dir());
    dir
}

#[test]
fn unscored_and_swapped_calls_are_told_apart() {
    // A silent call is not scored and does not fail the batch; a swapped
    // one fails it as given, and is checked the other way round with
    // `--channels auto`.
    let files = ["tests/data/call-ok.txt", "tests/data/call-silent.json", "tests/data/call-swapped.txt"];
    let as_given = check(&files, "text");
    assert_eq!(as_given.status.code(), Some(1));
    let text = stdout(&as_given);
    assert!(text.contains("tests/data/call-silent.json\n  not scored: no operator speech\n"), "{text}");
    assert!(text.contains("the channels look swapped (--channels auto checks such calls the other way round)"), "{text}");
    assert_eq!(String::from_utf8(as_given.stderr).unwrap(), "3 calls: 1 not scored (no operator speech), 1 with swapped channels, 0 errors\n");
    let mut args = vec!["check", "--channels", "auto", "--format", "jsonl"];
    args.extend(VARS);
    args.push("--transcript");
    args.extend(&files[1..]);
    let auto = sufler(&args);
    assert_eq!(auto.status.code(), Some(0), "{}", stdout(&auto));
    let summaries: Vec<serde_json::Value> =
        stdout(&auto).lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()).filter(|v| v["type"] == "call_summary").collect();
    assert_eq!(summaries[0]["scored"], false);
    assert_eq!(summaries[0]["reason"], "no operator speech");
    assert_eq!(summaries[0]["score"], serde_json::Value::Null);
    assert_eq!((&summaries[1]["swapped"], &summaries[1]["score"]), (&serde_json::json!("corrected"), &serde_json::json!(100.0)));
}

#[test]
fn a_rule_whose_example_fails_is_not_used_and_the_others_are() {
    let dir = tempdir();
    let rules = "[[rule]]\nid = \"ne-znayu\"\ncategory = \"banned\"\nkind = \"banned\"\nmessage = \"m\"\nphrases = [\"не знаю\"]\ntests.hit = [\"я не знаю\"]\n\n\
                 [[rule]]\nid = \"vy-dolzhny\"\ncategory = \"banned\"\nkind = \"banned\"\nmessage = \"m\"\nphrases = [\"вы должны\"]\ntests.hit = [\"мы можем\"]\n";
    std::fs::write(dir.join("banned.toml"), rules).unwrap();
    let call = dir.join("call.txt");
    std::fs::write(&call, "operator: Я не знаю. Вы должны.\n").unwrap();
    let out = sufler(&["check", "--rules", dir.to_str().unwrap(), "--format", "jsonl", "--transcript", call.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let flagged: Vec<String> = stdout(&out)
        .lines()
        .filter(|l| l.contains("\"violation\""))
        .map(|l| l.split("\"rule\":\"").nth(1).unwrap().split('"').next().unwrap().to_string())
        .collect();
    assert_eq!(flagged, ["ne-znayu"]);
    let want = format!(
        "warning: example should hit rule `vy-dolzhny`, but it does not\n  --> {}:15:14\n   |\n15 | tests.hit = [\"мы можем\"]\n   |              ^^^^^^^^^^\n\n\
         warning: 1 example(s) fail: their rules are not used (`sufler rules test` lists them)\n",
        dir.join("banned.toml").display()
    );
    assert_eq!(String::from_utf8(out.stderr).unwrap(), want);
    // `rules test` fails on it.
    let test = sufler(&["rules", "test", dir.to_str().unwrap()]);
    assert_eq!(test.status.code(), Some(1));
}

#[test]
fn bad_inputs_are_records_of_their_own_and_the_batch_goes_on() {
    let dir = tempdir();
    let fifo = dir.join("stream.wav");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let loops = dir.join("loops");
    std::fs::create_dir(&loops).unwrap();
    std::os::unix::fs::symlink(loops.join("b.wav"), loops.join("a.wav")).unwrap();
    std::os::unix::fs::symlink(loops.join("a.wav"), loops.join("b.wav")).unwrap();
    let (fifo, loops) = (fifo.to_str().unwrap(), loops.to_str().unwrap());
    let table: &[(&[&str], Vec<String>)] = &[
        (
            &[fifo],
            vec![format!(
                "{fifo}: a pipe or device, not a file: recordings are read from files (save the stream to one first; `live --stdin` reads raw audio from a pipe)"
            )],
        ),
        (
            &[loops],
            vec![
                format!("{loops}/a.wav: Too many levels of symbolic links (os error 40)"),
                format!("{loops}/b.wav: Too many levels of symbolic links (os error 40)"),
            ],
        ),
        // Found by the fuzzer: a header claiming 3.3 GHz, once resampled for ever.
        (&["tests/data/rate-3ghz.wav"], vec!["tests/data/rate-3ghz.wav: a sample rate of 3305643840 Hz (sufler reads 4000 to 384000 Hz)".into()]),
    ];
    for (args, messages) in table {
        let mut all = vec!["check", "--format", "jsonl", "--transcript", "tests/data/call-ok.txt", "--"];
        all.extend(*args);
        let out = sufler(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        // The transcript before them is checked; each bad one is an error record.
        let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert!(lines.iter().any(|e| e["type"] == "call_summary"), "{args:?}");
        let errors: Vec<&str> = lines.iter().filter(|e| e["type"] == "error").map(|e| e["message"].as_str().unwrap()).collect();
        assert_eq!(errors, *messages, "{args:?}");
    }
}

#[test]
fn a_zero_sample_rate_is_refused_before_anything_is_checked() {
    let out = sufler(&["live", "--stdin", "--rate", "0", "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8(out.stderr).unwrap().starts_with("error: invalid value '0' for '--rate <RATE>': 0 is not in 4000..=384000"));
}

#[test]
fn a_closed_pipe_ends_the_program_quietly() {
    // Enough failures to fill the pipe after `head` has gone.
    let dir = tempdir();
    let examples: Vec<String> = (0..2000).map(|i| format!("\"пример {i}\"")).collect();
    let rule = format!(
        "[[rule]]\nid = \"x\"\ncategory = \"banned\"\nkind = \"banned\"\nmessage = \"m\"\nphrases = [\"не знаю\"]\ntests.hit = [{}]\n",
        examples.join(", ")
    );
    std::fs::write(dir.join("r.toml"), rule).unwrap();
    let script = "\"$0\" rules test \"$1\" 2>\"$1/err\" | head -n 1 >/dev/null; echo ${PIPESTATUS[0]}";
    let out = Command::new("bash").args(["-c", script, env!("CARGO_BIN_EXE_sufler"), dir.to_str().unwrap()]).output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "141");
    assert_eq!(std::fs::read_to_string(dir.join("err")).unwrap(), "");
}

#[test]
fn card_and_phone_numbers_never_leave_unless_asked() {
    let call = "operator: Здравствуйте, компания Ромашка, меня зовут Анна. Чем могу помочь?\n\
                client: Хочу оплатить, номер карты 4111 1111 1111 1111, срок действия 12/27, код на обороте 123.\n\
                operator: Назовите телефон для связи.\n\
                client: 8 916 123 45 67.\n\
                operator: Повторяю: 4111 1111 1111 1111. Спасибо за обращение, всего доброго!\n";
    let dir = tempdir();
    let path = dir.join("card.txt");
    std::fs::write(&path, call).unwrap();
    let rule = "[[rule]]\nid = \"card-aloud\"\ncategory = \"security\"\nkind = \"banned\"\nspeaker = \"operator\"\nmessage = \"Не повторяйте номер карты\"\nphrases = [\"[карта]\"]\n\n\
                [[rule]]\nid = \"digits\"\ncategory = \"security\"\nkind = \"banned\"\nspeaker = \"any\"\nmessage = \"Цифры\"\nregex = ['\\d{4} \\d{4} \\d{4} \\d{4}']\n";
    let rules = tempdir();
    std::fs::write(rules.join("security.toml"), rule).unwrap();
    for format in ["jsonl", "csv", "text"] {
        let out = sufler(&["check", "--rules", rules.to_str().unwrap(), "--format", format, "--transcript", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let text = stdout(&out);
        assert_eq!(support::leaks(&text), Vec::<String>::new(), "{format}: {text}");
        // The operator repeating the card aloud is itself flagged.
        assert!(text.contains("card-aloud"), "{format}: {text}");
    }
    let out = sufler(&["check", "--rules", rules.to_str().unwrap(), "--format", "jsonl", "--transcript", path.to_str().unwrap()]);
    assert!(stdout(&out).lines().last().unwrap().contains(",\"redacted\":5,"), "{}", stdout(&out));
    // Kept as heard only when asked, and then every call says so.
    let out = sufler(&["check", "--rules", rules.to_str().unwrap(), "--format", "jsonl", "--no-redact", "--transcript", path.to_str().unwrap()]);
    let text = stdout(&out);
    // (The call's transcript record as heard, then the two flags' texts.)
    assert_eq!(support::leaks(&text), ["4111111111111111", "89161234567", "4111111111111111", "4111111111111111", "4111111111111111"], "{text}");
    assert!(text.lines().last().unwrap().contains(",\"unredacted\":true,"), "{text}");
}

#[test]
fn a_missing_model_says_where_models_are_looked_for() {
    let out = sufler(&["check", "--model", "/nonexistent/ggml-base.bin", "samples/call-ru.wav"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: /nonexistent/ggml-base.bin: Whisper model not found (`sufler models path` tells where models are looked for; `scripts/setup.sh` or `sufler models import` makes them)\n"
    );
}

#[test]
fn rules_diff_shows_what_a_new_version_gains_and_loses() {
    let rule = |phrases: &str| {
        format!("lang = \"ru\"\n[[rule]]\nid = \"ne-znayu\"\ncategory = \"banned\"\nkind = \"banned\"\nmessage = \"Не знаю\"\nphrases = [{phrases}]\n")
    };
    let (old, new, calls) = (tempdir(), tempdir(), tempdir());
    std::fs::write(old.join("banned.toml"), rule("\"не знаю\", \"понятия не имею\"")).unwrap();
    std::fs::write(new.join("banned.toml"), rule("\"не знаю\", \"без понятия\"")).unwrap();
    std::fs::write(calls.join("a.txt"), "[00:01] operator: Не знаю. Понятия не имею.\n[00:05] operator: Без понятия.\n").unwrap();
    std::fs::write(calls.join("b.txt"), "[00:02] operator: Без понятия, если честно.\n").unwrap();
    let out = sufler(&["rules", "diff", old.to_str().unwrap(), new.to_str().unwrap(), "--transcript", calls.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let (a, b) = (calls.join("a.txt").display().to_string(), calls.join("b.txt").display().to_string());
    assert_eq!(
        stdout(&out),
        format!(
            "rule        old    new  gained   lost\n\
             ne-znayu      2      3      +2     -1\n  \
             + {a} 00:05.0 «Без понятия»\n  \
             + {b} 00:02.0 «Без понятия»\n  \
             - {a} 00:01.8 «Понятия не имею»\n\
             2 transcripts: 2 flags gained, 1 lost, in 1 rules\n"
        )
    );
    // The same rules twice: nothing to tell, exit code 0.
    let out = sufler(&["rules", "diff", old.to_str().unwrap(), old.to_str().unwrap(), "--transcript", calls.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let d: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!((d["transcripts"].as_u64(), d["rules"].as_array().map(Vec::len)), (Some(2), Some(0)));
}

#[test]
fn a_call_in_text_ends_with_its_scorecard() {
    let dir = tempdir();
    let call = dir.join("conflict.txt");
    std::fs::write(&call, "[00:01] operator: Здравствуйте, компания Ромашка, меня зовут Анна. Чем могу помочь?\n[00:05] client: Вы там все идиоты?\n[00:10] operator: Ваш заказ отправлен.\n[00:50] operator: Спасибо за обращение, всего доброго!\n").unwrap();
    let out = sufler(&[&["check", "--transcript", call.to_str().unwrap()][..], &VARS].concat());
    let text = stdout(&out);
    let tail: Vec<&str> = text.lines().rev().take(2).collect();
    assert_eq!(tail, ["  Стандарт разговора 2026.12: 81.2/100, passed", "  score 90/100: 1 violation, 1 alert, 6 of 7 required met"], "{text}");
    let out = sufler(&[&["check", "--no-scorecard", "--transcript", call.to_str().unwrap()][..], &VARS].concat());
    assert!(!stdout(&out).contains("Стандарт разговора"));
}

#[test]
fn empathy_is_due_only_after_rudeness_and_met_however_it_is_said() {
    // The conflict set (scripts/conflict_calls.py): each rude client line
    // raises an alert; empathy is met only where it was due and said in
    // time, never for a look-alike («Я не понимаю...») or where nobody was
    // rude; and said most of the many ways it is written there.
    let dir = tempdir();
    let made = Command::new("python3").arg(root().join("scripts/conflict_calls.py")).arg(&dir).args(["--calls", "60"]).output().unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    for (lang, company, name) in [("ru", "Ромашка", "Анна"), ("cs", "Kopretina", "Jana")] {
        let folder = dir.join("text").join(lang);
        let labels: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(folder.join("labels.json")).unwrap()).unwrap();
        let (company, name) = (format!("company={company}"), format!("operator_name={name}"));
        let rules = format!("rules/{lang}");
        let out = sufler(&["check", "--rules", &rules, "--var", &company, "--var", &name, "--format", "jsonl", "--transcript", folder.to_str().unwrap()]);
        let events: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let (mut due, mut met) = (0, 0);
        for (call, label) in labels.as_object().unwrap() {
            let of_call = |e: &&serde_json::Value| e["call"].as_str().unwrap().ends_with(&format!("{call}.txt"));
            let count = |kind: &str, rule: &str| events.iter().filter(of_call).filter(|e| e["type"] == kind && e["rule"] == rule).count();
            let labelled = |key: &str, what: &str| label[key].as_array().unwrap().iter().filter(|v| *v == what).count();
            assert_eq!(count("alert", "client-abuse"), labelled("alerts", "client-abuse"), "{lang} {call}");
            let (said, heard) = (labelled("met", "empathy"), count("met", "empathy"));
            assert!(heard <= said, "{lang} {call}: empathy met where it was not due");
            due += said;
            met += heard;
        }
        assert!(due >= 15 && met * 10 >= due * 9, "{lang}: empathy met in {met} of {due} calls");
    }
}
