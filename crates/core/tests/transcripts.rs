//! Reading transcripts: both formats, their timing, and their errors.

use std::path::Path;

use sufler_core::call::Speaker;
use sufler_core::transcript::Transcript;

fn parse(text: &str) -> Result<Transcript<'_>, String> {
    Transcript::parse(Path::new("t.txt"), text).map_err(|e| e.to_string())
}

#[test]
fn plain_text_lines_become_timed_utterances() {
    let t = parse("# comment\n\noperator: Здравствуйте, компания Ромашка\n[00:10] client: Добрый день\nclient: [00:12.5] Вопрос\nоператор: Слушаю\n").unwrap();
    let spans: Vec<(Speaker, f64, usize)> = t.segments.iter().map(|s| (s.speaker, s.start, s.words.len())).collect();
    assert_eq!(spans, [(Speaker::Operator, 0.0, 3), (Speaker::Client, 10.0, 2), (Speaker::Client, 12.5, 1), (Speaker::Operator, 13.5, 1)]);
    let words = t.words();
    assert!(words[0].utterance_start && !words[1].utterance_start);
    assert_eq!(words.iter().filter(|w| w.utterance_start).count(), 4);
}

#[test]
fn transcript_errors_name_the_place() {
    let table: &[(&str, &str)] = &[
        ("operator: да\nэто не реплика\n", "error: expected `operator: text` or `client: text`\n --> t.txt:2:1\n  |\n2 | это не реплика\n  | ^^^^^^^^^^^^^^"),
        ("клиентка: да\n", "error: unknown speaker `клиентка` (expected operator or client)\n --> t.txt:1:1\n  |\n1 | клиентка: да\n  | ^^^^^^^^"),
        (
            "[01:00] operator: да\n[00:30] client: нет\n",
            "error: time goes backwards: 00:30.0 is before the previous line's 01:00.0\n --> t.txt:2:1\n  |\n2 | [00:30] client: нет\n  | ^^^^^^^",
        ),
        (
            "[1:2:3:4] operator: да\n",
            "error: bad time: write it as [mm:ss], [mm:ss.s] or [h:mm:ss]\n --> t.txt:1:1\n  |\n1 | [1:2:3:4] operator: да\n  | ^^^^^^^^^",
        ),
        (
            "{\"segments\": [{\"speaker\": \"operator\", \"start\": 0, \"end\": 1,\n  \"text\": \"да\", \"words\": [{\"start\": \"0\"}]}]}",
            "error: invalid type: string \"0\", expected f64\n --> t.txt:2:39\n  |\n2 |   \"text\": \"да\", \"words\": [{\"start\": \"0\"}]}]}\n  |                                       ^",
        ),
        (
            "{\"segments\": [{\"speaker\": \"operator\", \"start\": 2, \"end\": 1}]}",
            "t.txt: segment 1: bad time span 2..1 (times are seconds, end not before start)",
        ),
        ("# nothing\n", "t.txt: no lines of speech (expected `operator: text` lines)"),
        (
            "[00:61] operator: да\n",
            "error: bad time: seconds (and minutes after hours) go up to 59\n --> t.txt:1:1\n  |\n1 | [00:61] operator: да\n  | ^^^^^^^",
        ),
        (
            "[99:99] operator: да\n",
            "error: bad time: seconds (and minutes after hours) go up to 59\n --> t.txt:1:1\n  |\n1 | [99:99] operator: да\n  | ^^^^^^^",
        ),
        (
            "[1:60:00] operator: да\n",
            "error: bad time: seconds (and minutes after hours) go up to 59\n --> t.txt:1:1\n  |\n1 | [1:60:00] operator: да\n  | ^^^^^^^^^",
        ),
        (
            "{\"duration\": 1e300, \"segments\": [{\"speaker\": \"operator\", \"start\": 0, \"end\": 1, \"text\": \"да\"}]}",
            "t.txt: bad duration 1e300: seconds from 0 to 86400 (a day)",
        ),
        (
            "{\"duration\": 0.5, \"segments\": [{\"speaker\": \"operator\", \"start\": 0, \"end\": 1, \"text\": \"да\"}]}",
            "t.txt: the duration, 0.5 s, ends before the last word does (1.0 s)",
        ),
    ];
    for (text, want) in table {
        assert_eq!(parse(text).unwrap_err(), *want, "transcript: {text}");
    }
}

#[test]
fn a_byte_order_mark_is_skipped() {
    for text in ["\u{feff}{\"segments\": [{\"speaker\": \"operator\", \"start\": 0, \"end\": 1, \"text\": \"да\"}]}", "\u{feff}operator: да\n"] {
        let t = parse(text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(t.segments[0].text, "да");
    }
}

#[test]
fn long_calls_keep_their_minutes() {
    // Without hours, minutes may pass 59: a 75-minute call's times.
    assert_eq!(parse("[75:10] operator: да\n").unwrap().segments[0].start, 75.0 * 60.0 + 10.0);
}

#[test]
fn json_round_trip() {
    let t = parse("operator: Здравствуйте\n[00:05] client: Добрый день").unwrap();
    let json = serde_json::to_string(&t).unwrap();
    let back = Transcript::parse(Path::new("t.json"), &json).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    assert_eq!(back.segments.len(), 2);
    for (a, b) in back.words().iter().zip(t.words()) {
        assert_eq!((a.speaker, &a.text), (b.speaker, &b.text));
        assert!((a.start - b.start).abs() < 0.001 && (a.end - b.end).abs() < 0.001, "{a:?} vs {b:?}");
    }
}

/// Stored transcripts are read by a quick reader that leaves to serde_json
/// what it is not sure of: each text here must read exactly as serde_json
/// reads it, or fail where serde_json fails.
#[test]
fn json_reads_as_serde_json_reads_it() {
    let word = |w: &str| format!(r#"{{"segments": [{{"speaker": "operator", "start": 0.5, "end": 9, "words": [{w}]}}]}}"#);
    let deep = format!("{}1{}", "[".repeat(130), "]".repeat(130));
    let cases: Vec<String> = vec![
        // As `check --save-transcripts` writes it.
        r#"{"language":"ru","duration":12.5,"segments":[{"speaker":"operator","start":0.5,"end":3.2,"text":"Здравствуйте, «Ромашка».","words":[{"start":0.5,"end":1.3,"text":"Здравствуйте,","confidence":0.97},{"start":1.4,"end":3.2,"text":"«Ромашка».","confidence":0.5,"guessed":true}]},{"speaker":"client","start":4,"end":5,"text":"Dobrý den 👋"}]}"#.into(),
        // Keys in any order, spaces and line breaks, keys of no meaning at every level.
        "{\n \"segments\" : [ {\"words\" : [ {\"text\":\"да\", \"x\": {\"y\": [1, {\"z\": null}]}, \"end\" : 2.25 , \"start\":1} ] ,\"end\":3, \"speaker\":\"client\",\"start\":0.000, \"extra\": \"}\"}\r\n],\t\"note\": [true, false], \"language\": null }\n".into(),
        r#"{"segments": [], "warnings": ["кусок записи тих"], "unredacted": true, "call": {"id": "a.wav", "operator": "Анна"}, "redacted": [{"speaker": "client", "kind": "card", "start": 1.0, "end": 2.0}]}"#.into(),
        r#"{"segments": [{"speaker": "operator", "start": 0, "end": 1}]}"#.into(),
        // Escapes: the short ones, then \u, which serde_json alone reads.
        word(r#"{"start": 1, "end": 2, "text": "\"Да\",\n\tсказал\\она\/он"}"#),
        word(r#"{"start": 1, "end": 2, "text": "\u0414\u0430"}"#),
        r#"{"segments": [{"speaker": "operator", "st\u0061rt": 0, "end": 1}]}"#.into(),
        // Numbers serde_json alone reads: long, with an exponent, signed.
        word(r#"{"start": 1.12345678901234567, "end": 2e0, "text": "да", "confidence": -0.5}"#),
        word(r#"{"start": 1, "end": 2, "text": "да", "confidence": 1E-1}"#),
        word(r#"{"start": 123456789012345, "end": 123456789012345.5, "text": "да", "confidence": 0.3333333}"#),
        word(r#"{"start": 1, "end": 2, "text": "да", "confidence": null, "guessed": false}"#),
        // serde_json skips what it ignores without a depth limit.
        word(&format!(r#"{{"start": 1, "end": 2, "text": "да", "x": {deep}}}"#)),
        // What serde_json refuses.
        word(r#"{"start": 1, "start": 1, "end": 2, "text": "да"}"#),
        word(r#"{"start": 1, "text": "да"}"#),
        word(r#"{"start": 01.5, "end": 2, "text": "да"}"#),
        word(r#"{"start": 1., "end": 2, "text": "да"}"#),
        word(r#"{"start": .5, "end": 2, "text": "да"}"#),
        word(r#"{"start": 1, "end": 2, "text": "да", "guessed": null}"#),
        word(r#"{"start": 1, "end": 2, "text": "да", "guessed": "true"}"#),
        word(r#"{"start": 1, "end": 2, "text": "да", "guessed": truex}"#),
        word(r#"{"start": 1, "end": 2, "text": "да",}"#),
        word(r#"{"start": 1, "end": 2, "text": "да"},"#),
        word("{\"start\": 1, \"end\": 2, \"text\": \"д\ta\"}"),
        word("{\"start\": 1, \"end\": 2, \"text\": \"\\\"д\ta\"}"),
        r#"{"segments": [{"speaker": "Operator", "start": 0, "end": 1}]}"#.into(),
        r#"{"segments": [{"speaker": "operator", "start": 0, "end": 1, "text": null}]}"#.into(),
        r#"{"segments": [], "segments": []}"#.into(),
        r#"{"language": "ru"}"#.into(),
        r#"{"segments": []} x"#.into(),
    ];
    for json in &cases {
        let expected = serde_json::from_str::<Transcript>(json).map_err(|e| e.to_string());
        let got = Transcript::parse(Path::new("t.json"), json);
        match (&expected, &got) {
            (Ok(expected), Ok(got)) => assert_eq!(got, expected, "{json}"),
            (Err(_), Err(_)) => {}
            _ => panic!("{json}\nserde_json: {expected:?}\nparse: {got:?}"),
        }
    }
}
