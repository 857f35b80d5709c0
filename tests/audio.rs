//! Recorded calls end to end, with the real Whisper base model: the
//! generated test calls, audio formats, and bad files in a batch.
//!
//! Needs what `scripts/setup.sh` makes: the models (where `sufler models
//! path` finds them) and `target/test-calls/`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use support::{events, found, model, need, root};

fn calls() -> PathBuf {
    need(&root().join("target/test-calls/labels.json"));
    root().join("target/test-calls")
}

/// whisper.cpp's threads spin while they wait for each other: two
/// recognisers on the same two cores slow each other down many times over,
/// so the tests here take turns.
static WHISPER: Mutex<()> = Mutex::new(());

fn sufler(args: &[&str]) -> Output {
    sufler_on(2, args)
}

fn sufler_on(threads: usize, args: &[&str]) -> Output {
    model(sufler::settings::WHISPER_MODEL);
    let _turn = WHISPER.lock().unwrap_or_else(|e| e.into_inner());
    Command::new(env!("CARGO_BIN_EXE_sufler"))
        .args(["check", "--config", "samples/sufler.toml", "--format", "jsonl", "--threads", &threads.to_string()])
        .args(args)
        .current_dir(root())
        .output()
        .expect("sufler runs")
}

#[test]
fn generated_calls_are_flagged_as_labelled() {
    let dir = calls();
    let labels: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("labels.json")).unwrap()).unwrap();
    let files = ["clean/02-banned.wav", "clean/03-lookalikes.wav", "phone/05-uncertain.wav", "phone/08-rude-operator.wav"];
    let paths: Vec<String> = files.iter().map(|f| dir.join(f).display().to_string()).collect();
    let out = sufler(&paths.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let events = events(&out);
    // No operator rule ever fires on the client's channel.
    assert!(events.iter().filter(|e| e["type"] == "violation").all(|e| e["speaker"] == "operator"));
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for file in files {
        let name = file.rsplit('/').next().unwrap().trim_end_matches(".wav");
        let got = found(&events, file);
        for key in ["banned", "alerts", "met"] {
            let want: Vec<String> = labels[name][key].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
            let mut have = got.get(key).cloned().unwrap_or_default();
            for w in &want {
                match have.iter().position(|h| h == w) {
                    Some(i) => {
                        have.remove(i);
                        tp += 1;
                    }
                    None => fn_ += 1,
                }
            }
            fp += have.len();
        }
    }
    let precision = tp as f64 / (tp + fp) as f64;
    let recall = tp as f64 / (tp + fn_) as f64;
    assert!(precision >= 0.95 && recall >= 0.90, "precision {precision:.3}, recall {recall:.3} ({tp} right, {fp} extra, {fn_} missed)");
    // The look-alikes (интернет, узнаю, возможность, без проблем) and the
    // client's «не знаю» / «вы должны» are not violations.
    assert_eq!(found(&events, "clean/03-lookalikes.wav").get("banned"), None);
    // Word times follow the sound: in «Я не знаю, где ваш заказ.» the sound
    // of «знаю» ends at 7.0 s and «заказ» at 8.5 s; Whisper's token times
    // (the model's header not read, no alignment) put «знаю» at 8.75 s.
    let ne_znayu = events.iter().find(|e| e["rule"] == "ne-znayu" && e["call"].as_str().unwrap().ends_with("clean/02-banned.wav")).unwrap();
    let end = ne_znayu["end"].as_f64().unwrap();
    assert!((7.0..8.0).contains(&end), "«Я не знаю» ends at {end} s");
}

#[test]
fn transcripts_are_saved_for_rescoring() {
    // A recorder's store: calls of the same name in dated folders.
    let (calls, saved) = (tempdir("store"), tempdir("saved"));
    for day in ["2026-11-22", "2026-11-23"] {
        std::fs::create_dir_all(calls.join(day)).unwrap();
        std::fs::copy(root().join("samples/call-ru.wav"), calls.join(day).join("call.wav")).unwrap();
    }
    let out = sufler(&[calls.to_str().unwrap(), "--save-transcripts", saved.to_str().unwrap()]);
    let from_audio: Vec<serde_json::Value> = events(&out);
    let again = Command::new(env!("CARGO_BIN_EXE_sufler"))
        .args(["check", "--config", "samples/sufler.toml", "--format", "jsonl", "--transcript", saved.to_str().unwrap()])
        .current_dir(root())
        .output()
        .unwrap();
    let rescored = events(&again);
    // Each call's flags, under its name below the folder given.
    let flags = |es: &[serde_json::Value], folder: &Path, ext: &str| -> Vec<(String, String)> {
        es.iter()
            .filter_map(|e| {
                let call = Path::new(e["call"].as_str()?).strip_prefix(folder).ok()?.with_extension(ext);
                Some((call.display().to_string(), e["rule"].as_str()?.to_string()))
            })
            .collect()
    };
    assert_eq!(flags(&rescored, &saved, "wav"), flags(&from_audio, &calls, "wav"));
    let ne_znayu = |day: &str| (format!("{day}/call.wav"), "ne-znayu".to_string());
    assert!(flags(&from_audio, &calls, "wav").contains(&ne_znayu("2026-11-22")), "{from_audio:?}");
    assert!(flags(&from_audio, &calls, "wav").contains(&ne_znayu("2026-11-23")), "{from_audio:?}");
}

#[test]
fn a_resumed_batch_rescores_saved_transcripts_and_hears_the_rest() {
    let (calls, saved) = (tempdir("resume-store"), tempdir("resume-saved"));
    for call in ["a", "b", "c"] {
        std::fs::create_dir_all(calls.join(call)).unwrap();
        std::fs::copy(root().join("samples/call-ru.wav"), calls.join(call).join("call.wav")).unwrap();
    }
    let (store, dir) = (calls.to_str().unwrap(), saved.to_str().unwrap());
    let operator_words = |out: &Output| -> Vec<(String, u64)> {
        events(out)
            .iter()
            .filter(|e| e["type"] == "call_summary")
            .map(|e| (e["call"].as_str().unwrap().strip_prefix(store).unwrap().to_string(), e["operator_words"].as_u64().unwrap()))
            .collect()
    };
    let first = operator_words(&sufler(&[store, "--save-transcripts", dir]));
    let heard = first[0].1;
    assert!(heard > 20, "{first:?}");
    // a: a transcript of its own stands; b: none saved (the batch stopped
    // before it); c: the recording is newer than its transcript.
    let typed = r#"{"segments": [{"speaker": "operator", "start": 0.5, "end": 2.0, "text": "Я не знаю."}]}"#;
    for call in ["a", "c"] {
        std::fs::write(saved.join(call).join("call.json"), typed).unwrap();
    }
    std::fs::remove_file(saved.join("b/call.json")).unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    std::fs::File::options().write(true).open(calls.join("c/call.wav")).unwrap().set_modified(later).unwrap();
    // d: a transcript edited by hand into a mistake is reported, not heard over.
    std::fs::create_dir_all(calls.join("d")).unwrap();
    std::fs::copy(root().join("samples/call-ru.wav"), calls.join("d/call.wav")).unwrap();
    std::fs::create_dir_all(saved.join("d")).unwrap();
    let broken = saved.join("d/call.json");
    std::fs::write(&broken, "{\"segments\": [}").unwrap();
    let out = sufler(&[store, "--save-transcripts", dir, "--resume"]);
    let resumed = operator_words(&out);
    assert_eq!(resumed, [("/a/call.wav".to_string(), 3), ("/b/call.wav".to_string(), heard), ("/c/call.wav".to_string(), heard)]);
    let error = events(&out).into_iter().find(|e| e["type"] == "error").expect("an error record");
    assert_eq!(error["call"].as_str().unwrap(), format!("{store}/d/call.wav"));
    assert!(error["message"].as_str().unwrap().contains(&format!("{}:1:", broken.display())), "{error}");
    assert_eq!(std::fs::read_to_string(&broken).unwrap(), "{\"segments\": [}");
    let mut left: Vec<String> =
        ["a", "b", "c"].iter().flat_map(|c| std::fs::read_dir(saved.join(c)).unwrap()).map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    left.sort();
    assert_eq!(left, ["call.json", "call.json", "call.json"]);
}

#[test]
fn russian_calls_are_written_in_cyrillic() {
    // On this call's espeak line «Не знаю, сейчас уточню» through the phone
    // line, Whisper with its whole vocabulary wrote «сей тасу к our new».
    let transcript = saved_transcript(2, &calls().join("phone/06-corrected.wav"), "cyrillic");
    let words: Vec<&str> =
        transcript["segments"].as_array().unwrap().iter().flat_map(|s| s["words"].as_array().unwrap()).map(|w| w["text"].as_str().unwrap()).collect();
    assert!(words.len() > 20, "{transcript}");
    let latin: Vec<&&str> = words.iter().filter(|w| w.chars().any(|c| c.is_ascii_alphabetic())).collect();
    assert!(latin.is_empty(), "Latin letters in {latin:?}");
}

#[test]
fn an_unsure_utterance_is_heard_alike_however_often_it_was_heard_before() {
    // An operator's utterance heard with little confidence is decoded again
    // by beam search on the worker's own state: the same call three times
    // in a row on one worker must read the same each time (whisper.cpp's
    // beam once drew its candidates with a generator the state kept).
    let call = calls().join("phone/06-corrected.wav").display().to_string();
    let out = sufler_on(1, &[&call, &call, &call]);
    let transcripts: Vec<serde_json::Value> = events(&out).into_iter().filter(|e| e["type"] == "transcript").collect();
    assert_eq!(transcripts.len(), 3, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(transcripts.iter().all(|t| t == &transcripts[0]), "{transcripts:#?}");
}

#[test]
fn a_state_reuses_its_encoding_only_for_the_same_samples_at_the_same_context() {
    // whisper.cpp keeps a state's last spectrum and encoding and skips
    // them for the same samples at the same context (a beam search after
    // a greedy pass, vendor/whisper-rs-sys/PATCHES.md): any other pass must
    // read as it does on a fresh state.
    use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState};
    let _turn = WHISPER.lock().unwrap_or_else(|e| e.into_inner());
    let call = sufler_hear::audio::load(&root().join("samples/call-ru.wav"), Default::default(), |_| true).unwrap();
    let second = sufler_hear::audio::RATE as usize;
    // Two clips of one length with other words: the operator's first six seconds and the next six.
    let (greeting, after) = (&call.operator[..6 * second], &call.operator[6 * second..12 * second]);
    let ctx = WhisperContext::new_with_params(model(sufler::settings::WHISPER_MODEL).to_str().unwrap(), WhisperContextParameters::default()).unwrap();
    let read = |state: &mut WhisperState, samples: &[f32], audio_ctx: i32, beam: bool| {
        let strategy = if beam { SamplingStrategy::BeamSearch { beam_size: 3, patience: -1.0 } } else { SamplingStrategy::Greedy { best_of: 1 } };
        let mut p = FullParams::new(strategy);
        p.set_language(Some("ru"));
        p.set_n_threads(1);
        p.set_audio_ctx(audio_ctx);
        p.set_no_context(true);
        p.set_temperature_inc(0.0);
        p.set_print_progress(false);
        p.set_print_realtime(false);
        state.full(p, samples).unwrap();
        state.as_iter().map(|s| s.to_str_lossy().unwrap().into_owned()).collect::<String>()
    };
    let mut state = ctx.create_state().unwrap();
    // Reused; the same samples at another context; other samples of the same length.
    let passes = [(greeting, 320, false), (greeting, 320, true), (greeting, 0, false), (after, 0, false), (greeting, 0, true)];
    let mut texts = Vec::new();
    for (i, &(samples, audio_ctx, beam)) in passes.iter().enumerate() {
        let text = read(&mut state, samples, audio_ctx, beam);
        assert_eq!(text, read(&mut ctx.create_state().unwrap(), samples, audio_ctx, beam), "pass {i}: {audio_ctx} positions, beam {beam}");
        texts.push(text);
    }
    // The clips say different things, so a stale encoding would have shown.
    assert_ne!(texts[2], texts[3]);
}

#[test]
fn workers_share_out_utterances_without_changing_them() {
    // Two workers with a thread each hear every utterance as one worker does,
    // and their segments come back in time order, each under its own party.
    let saved = |threads: usize| saved_transcript(threads, &root().join("samples/call-ru.wav"), &format!("threads-{threads}"));
    let (one, two) = (saved(1), saved(2));
    assert_eq!(one, two);
    let segments = two["segments"].as_array().unwrap();
    let starts: Vec<f64> = segments.iter().map(|s| s["start"].as_f64().unwrap()).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
    for speaker in ["operator", "client"] {
        assert!(segments.iter().any(|s| s["speaker"] == speaker), "no {speaker} segment in {two}");
    }
    let operator = |s: &&serde_json::Value| s["speaker"] == "operator";
    assert!(segments.iter().filter(operator).any(|s| s["text"].as_str().unwrap().contains("не знаю")), "{two}");
}

/// A generated call long enough to be read in many pieces, a recogniser,
/// and whisper-rs's own voice detection to compare them with.
fn vad_setup() -> (sufler_hear::audio::Call, sufler_hear::asr::Session, whisper_rs::WhisperVadContext) {
    let vad_model = model(sufler::settings::VAD_MODEL);
    let call = sufler_hear::audio::load(&root().join("target/test-calls/clean/04-conflict.wav"), Default::default(), |_| true).unwrap();
    assert!(call.duration() > 20.0, "{} s: too short to be read in pieces", call.duration());
    let model = sufler_hear::asr::Model::load(sufler_hear::asr::Options {
        model: model(sufler::settings::WHISPER_MODEL),
        vad_model: vad_model.clone(),
        lang: sufler_core::text::Lang::Ru,
        threads: 1,
        vad_threshold: 0.2,
        vocabulary: Vec::new(),
    })
    .unwrap();
    let session = std::sync::Arc::new(model).session().unwrap();
    let mut params = whisper_rs::WhisperVadContextParams::new();
    params.set_n_threads(1);
    let whole = whisper_rs::WhisperVadContext::new(vad_model.to_str().unwrap(), params).unwrap();
    (call, session, whole)
}

#[test]
fn voice_detection_in_pieces_is_whisper_cpps_on_the_whole_track() {
    // A recording is read a packet at a time and Silero given ~8 s at a
    // time: its probabilities, and so the cuts, must be those of the whole
    // track at once.
    let _turn = WHISPER.lock().unwrap_or_else(|e| e.into_inner());
    let (call, mut session, mut whole) = vad_setup();
    for track in [&call.operator, call.client.as_ref().unwrap()] {
        whole.detect_speech(track).unwrap();
        let pieces = session.speech_probabilities(track).unwrap();
        assert_eq!(pieces.len(), track.len().div_ceil(sufler_hear::asr::VAD_WINDOW));
        assert!(pieces == whole.probabilities(), "the probabilities differ");
    }
}

#[test]
fn speech_found_while_reading_is_whisper_cpps_on_the_whole_track() {
    // Utterances are cut while the recording is still being read, as soon
    // as whisper.cpp's cut of what has been read will not change: they
    // must be its cuts of the whole track, and found soon after they end.
    let _turn = WHISPER.lock().unwrap_or_else(|e| e.into_inner());
    let (call, mut session, mut whole) = vad_setup();
    let mut params = whisper_rs::WhisperVadParams::new();
    params.set_threshold(session.model().vad_threshold());
    params.set_min_speech_duration(sufler_hear::asr::MIN_SPEECH_MS as i32);
    params.set_min_silence_duration(sufler_hear::asr::MIN_SILENCE_MS as i32);
    params.set_max_speech_duration(sufler_hear::asr::MAX_SPEECH_S);
    params.set_speech_pad(sufler_hear::asr::SPEECH_PAD_MS as i32);
    for track in [&call.operator, call.client.as_ref().unwrap()] {
        let expected: Vec<(f64, f64)> =
            whole.segments_from_samples(params, track).unwrap().map(|s| (f64::from(s.start) / 100.0, f64::from(s.end) / 100.0)).collect();
        assert!(expected.len() >= 2, "{expected:?}");
        // Packets of an uneven size, as a decoder gives them.
        let found = session.speech(track, 3001).unwrap();
        let cuts: Vec<(f64, f64)> = found.iter().map(|f| f.0).collect();
        assert_eq!(cuts, expected);
        // Silero is given ~8 s at a time; this call's pauses are long.
        for &((start, stop), at) in &found {
            assert!(at - stop < 10.0, "{start}-{stop} s found only at {at} s");
        }
    }
}

#[test]
fn a_line_recorded_quieter_or_louder_is_heard_alike() {
    // Whisper's features shift with the recording's level; every clip is
    // brought to one level first, so a PBX that records 30 dB lower (or
    // 6 dB higher) gives the same words and so the same flags. (Gains by
    // powers of two, which leave the levelled samples bit for bit alike:
    // Whisper can read a last-bit difference otherwise, «зоуне» for «зоу не».)
    let _turn = WHISPER.lock().unwrap_or_else(|e| e.into_inner());
    let (call, mut session, _) = vad_setup();
    let track = &call.operator;
    let cuts = session.speech(track, 3001).unwrap();
    let rate = f64::from(sufler_hear::audio::RATE);
    for &((start, stop), _) in &cuts {
        let clip = &track[(start * rate) as usize..((stop * rate) as usize).min(track.len())];
        let mut heard = |gain: f32| {
            let scaled: Vec<f32> = clip.iter().map(|x| x * gain).collect();
            session.utterance(&scaled, start, false).unwrap().iter().map(|w| w.text.to_string()).collect::<Vec<_>>().join(" ")
        };
        let as_recorded = heard(1.0);
        assert!(!as_recorded.is_empty(), "nothing heard at {start}-{stop} s");
        for gain in [1.0 / 32.0, 2.0] {
            assert_eq!(heard(gain), as_recorded, "{start}-{stop} s at {gain}x");
        }
    }
}

/// The sample in another encoding, made with sox.
fn convert(name: &str, sox_args: &[&str]) -> PathBuf {
    let out = tempdir("formats").join(name);
    let sample = root().join("samples/call-ru.wav");
    let status = Command::new("sox").arg(&sample).args(sox_args).arg(&out).status().expect("sox runs");
    assert!(status.success());
    out
}

#[test]
fn audio_formats_decode_to_16k_per_party() {
    let table: &[(&str, &[&str], bool)] = &[
        ("f32-44k.wav", &["-e", "floating-point", "-b", "32", "-r", "44100"], true),
        ("s24.wav", &["-b", "24"], true),
        ("ulaw.wav", &["-e", "u-law"], true),
        ("alaw.wav", &["-e", "a-law"], true),
        ("call.flac", &[], true),
        ("call.ogg", &[], true),
        ("mono.wav", &["-c", "1"], false),
    ];
    let reference = sufler_hear::audio::load(&root().join("samples/call-ru.wav"), Default::default(), |_| true).unwrap();
    assert_eq!((reference.source_rate, reference.source_channels), (8000, 2));
    for (name, args, stereo) in table {
        let path = convert(name, args);
        let call = sufler_hear::audio::load(&path, Default::default(), |_| true).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!((call.duration() - reference.duration()).abs() < 0.1, "{name}: {} s vs {} s", call.duration(), reference.duration());
        let rms = (call.operator.iter().map(|s| s * s).sum::<f32>() / call.operator.len() as f32).sqrt();
        assert!(rms > 0.005, "{name}: operator channel is silent ({rms})");
        assert_eq!(call.client.is_some(), *stereo, "{name}");
    }
}

#[test]
fn bad_files_are_errors_and_the_batch_goes_on() {
    let dir = tempdir("bad");
    let empty = dir.join("empty.wav");
    std::fs::write(&empty, b"").unwrap();
    let text = dir.join("notes.wav");
    std::fs::write(&text, "это не звук, а текст\n".repeat(50)).unwrap();
    let truncated = dir.join("cut.wav");
    let sample = std::fs::read(root().join("samples/call-ru.wav")).unwrap();
    std::fs::write(&truncated, &sample[..sample.len() / 3]).unwrap();
    let header_only = dir.join("header.wav");
    std::fs::write(&header_only, &sample[..44]).unwrap();
    let paths = [&empty, &text, &header_only, &truncated].map(|p| p.to_str().unwrap().to_string());
    // Bad files before, between and after good ones.
    let args = [&paths[3], &paths[0], "samples/call-ru.wav", &paths[1], &paths[2]];
    let out = sufler(&args);
    assert_eq!(out.status.code(), Some(2));
    let events = events(&out);
    let error = |p: &str| events.iter().find(|e| e["type"] == "error" && e["call"] == p).map(|e| e["message"].as_str().unwrap().to_string());
    assert_eq!(error(&paths[0]), Some(format!("{}: the file is empty", paths[0])));
    assert!(error(&paths[1]).is_some_and(|m| m.starts_with(&format!("{}: not a recognised audio file", paths[1]))), "{:?}", error(&paths[1]));
    assert_eq!(error(&paths[2]), Some(format!("{}: no audio in this file (it is empty or holds only a header)", paths[2])));
    // A recording cut short is checked as far as it goes.
    assert_eq!(error(&paths[3]), None);
    for call in [paths[3].as_str(), "samples/call-ru.wav"] {
        assert!(events.iter().any(|e| e["type"] == "call_summary" && e["call"] == call), "no summary for {call}");
    }
    // Each call is reported whole, in the order given (the next one is read
    // while the last is still being recognised).
    let mut order: Vec<&str> = events.iter().map(|e| e["call"].as_str().unwrap()).collect();
    order.dedup();
    assert_eq!(order, args);
}

/// The sample as Ogg, followed by a second Ogg stream of it converted
/// with `second_args` (as a recorder that appends writes them).
fn chained_ogg(name: &str, second_args: &[&str]) -> PathBuf {
    let first = convert(&format!("first-{name}"), &[]);
    let second = convert(&format!("second-{name}"), second_args);
    let chained = tempdir("formats").join(name);
    std::fs::write(&chained, [std::fs::read(first).unwrap(), std::fs::read(second).unwrap()].concat()).unwrap();
    chained
}

#[test]
fn chained_ogg_streams_are_read_one_after_another() {
    let reference = sufler_hear::audio::load(&root().join("samples/call-ru.wav"), Default::default(), |_| true).unwrap();
    let call = sufler_hear::audio::load(&chained_ogg("same.ogg", &[]), Default::default(), |_| true).unwrap();
    assert!((call.duration() - 2.0 * reference.duration()).abs() < 0.1, "{} s vs twice {} s", call.duration(), reference.duration());
}

#[test]
fn a_recording_that_fails_partway_is_an_error_after_what_was_heard() {
    // Two Ogg streams one after the other, 8 then 16 kHz: the reading fails
    // where the second begins, 24 s in, after utterances of the first were
    // handed to the workers. The call becomes an error record once they are
    // heard, and the next call is checked.
    let chained = chained_ogg("changing.ogg", &["-r", "16000"]);
    let chained = chained.to_str().unwrap();
    let out = sufler(&[chained, "samples/call-ru.wav"]);
    assert_eq!(out.status.code(), Some(2));
    let events = events(&out);
    let calls: Vec<(&str, &str)> = events.iter().map(|e| (e["call"].as_str().unwrap(), e["type"].as_str().unwrap())).collect();
    assert_eq!(calls[0], (chained, "error"), "{calls:?}");
    let message = events[0]["message"].as_str().unwrap();
    assert_eq!(message, format!("{chained}: the format changes mid-file (8000 Hz, 2 channel(s), then 16000 Hz, 2)"));
    assert!(calls[1..].iter().all(|c| c.0 == "samples/call-ru.wav"), "{calls:?}");
    assert!(calls.contains(&("samples/call-ru.wav", "call_summary")), "{calls:?}");
}

/// The transcript `check` saves of one call, heard on `threads` workers
/// (into a temporary directory named for `what`).
fn saved_transcript(threads: usize, call: &Path, what: &str) -> serde_json::Value {
    let dir = tempdir(what);
    sufler_on(threads, &[call.to_str().unwrap(), "--save-transcripts", dir.to_str().unwrap()]);
    let name = call.file_stem().unwrap().to_str().unwrap();
    let text = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn tempdir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sufler-audio-{what}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn an_installed_binary_checks_calls_from_any_folder() {
    // The binary alone, copied out of the build, run in an empty folder:
    // its rules are built in, its models are in the user's models folder
    // (where setup puts them).
    let models = model(sufler::settings::WHISPER_MODEL);
    assert!(!models.starts_with(root()), "{}: setup puts the models outside the repository", models.display());
    let bin = tempdir("installed").join("sufler");
    std::fs::copy(env!("CARGO_BIN_EXE_sufler"), &bin).unwrap();
    let elsewhere = tempdir("elsewhere");
    let run = |args: &[&str]| {
        let _turn = WHISPER.lock().unwrap_or_else(|e| e.into_inner());
        Command::new(&bin)
            .args(args)
            .args(["--format", "jsonl", "--var", "company=Ромашка", "--var", "operator_name=Анна"])
            .current_dir(&elsewhere)
            .output()
            .unwrap()
    };
    let typed = root().join("tests/data/call-bad.txt");
    let out = run(&["check", "--transcript", typed.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(events(&out).iter().any(|e| e["type"] == "violation"));
    let recording = root().join("samples/call-ru.wav");
    let out = run(&["check", recording.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let banned = &found(&events(&out), "call-ru.wav")["banned"];
    assert!(banned.len() >= 4, "{banned:?}");
}

#[test]
fn a_transcript_that_cannot_be_written_loses_nothing_else() {
    let dir = calls();
    let files = [dir.join("clean/02-banned.wav"), dir.join("clean/03-lookalikes.wav")];
    let files: Vec<&str> = files.iter().map(|p| p.to_str().unwrap()).collect();
    let partials = |d: &Path| std::fs::read_dir(d).unwrap().filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".partial")).count();

    // The first call's transcript has a folder in its place: that write
    // fails alone, and both calls are reported.
    let saved = tempdir("unsaved");
    std::fs::create_dir_all(saved.join("02-banned.json")).unwrap();
    let out = sufler(&[&["--save-transcripts", saved.to_str().unwrap()][..], &files].concat());
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let records = events(&out);
    assert_eq!(records.iter().filter(|e| e["type"] == "call_summary").count(), 2);
    let errors: Vec<&str> = records.iter().filter(|e| e["type"] == "error").map(|e| e["message"].as_str().unwrap()).collect();
    assert_eq!(errors, [format!("{}: cannot write the transcript: Is a directory (os error 21)", saved.join("02-banned.json").display())]);
    assert!(saved.join("03-lookalikes.json").is_file());
    assert_eq!(partials(&saved), 0);

    // A full disk (the first write goes to /dev/full): the batch stops
    // after that call, reported, and says how to go on.
    let full = tempdir("full");
    std::os::unix::fs::symlink("/dev/full", full.join("02-banned.json.partial")).unwrap();
    let out = sufler(&[&["--save-transcripts", full.to_str().unwrap()][..], &files].concat());
    assert_eq!(out.status.code(), Some(2));
    let records = events(&out);
    let summaries: Vec<&str> = records.iter().filter(|e| e["type"] == "call_summary").map(|e| e["call"].as_str().unwrap()).collect();
    assert_eq!(summaries, [files[0]]);
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "error: {}: cannot write the transcript: No space left on device (os error 28); stopped after 1 of 2 recordings (make room, then run the same command with --resume)\n",
            full.join("02-banned.json").display()
        )
    );
    assert_eq!(partials(&full), 0);
}

/// Runs a program in `dir`, which must succeed.
fn run_in(dir: &Path, program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).current_dir(dir).output().unwrap_or_else(|e| panic!("{program}: {e} (scripts/setup.sh installs it)"));
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Says each `(name, text)` with Festival's Russian voice into
/// `dir/NAME16.wav`, 16 kHz mono.
fn say(dir: &Path, lines: &[(&str, &str)]) {
    let script: String = std::iter::once("(voice_msu_ru_nsh_clunits)\n".to_string())
        .chain(lines.iter().map(|(name, text)| format!("(utt.save.wave (SynthText \"{text}\") \"{name}.wav\" 'riff)\n")))
        .collect();
    std::fs::write(dir.join("lines.scm"), script).unwrap();
    run_in(dir, "festival", &["-b", "lines.scm"]);
    for (name, _) in lines {
        run_in(dir, "sox", &[&format!("{name}.wav"), "-r", "16000", "-c", "1", &format!("{name}16.wav")]);
    }
}

/// A call made with Festival's Russian voice: the operator's greeting, the
/// client reading a card number and, after a pause, a phone number. Made
/// once for the tests that share it (side by side, they wrote the same
/// files at once).
fn card_call() -> PathBuf {
    static CALL: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    CALL.get_or_init(make_card_call).clone()
}

fn make_card_call() -> PathBuf {
    let dir = tempdir("card");
    say(
        &dir,
        &[
            ("op", "Здравствуйте, компания Ромашка, меня зовут Анна. Чем могу помочь?"),
            (
                "card",
                "Хочу оплатить заказ. Номер карты: пятьдесят четыре шестьдесят девять, тридцать восемь ноль ноль, двенадцать тридцать четыре, пятьдесят шесть семьдесят три.",
            ),
            ("phone", "Мой телефон: восемь девятьсот шестнадцать, сто двадцать три, сорок пять, шестьдесят семь."),
        ],
    );
    let run = |program: &str, args: &[&str]| run_in(&dir, program, args);
    run("sox", &["-n", "-r", "16000", "-c", "1", "pause.wav", "trim", "0", "1.5"]);
    run("sox", &["-n", "-r", "16000", "-c", "1", "wait.wav", "trim", "0", "5"]);
    run("sox", &["wait.wav", "card16.wav", "pause.wav", "phone16.wav", "pause.wav", "client.wav"]);
    // The operator's greeting, then silence while the client reads out numbers.
    let operator: Vec<&str> = std::iter::once("op16.wav").chain(["pause.wav"; 14]).chain(["operator.wav"]).collect();
    run("sox", &operator);
    run("sox", &["-M", "operator.wav", "client.wav", "-r", "8000", "-b", "16", "call.wav"]);
    dir.join("call.wav")
}

#[test]
fn call_metrics_find_the_silence_and_the_overlap_a_call_was_built_with() {
    let dir = tempdir("metrics");
    say(
        &dir,
        &[
            ("a", "Здравствуйте, компания Ромашка, меня зовут Анна, чем могу помочь"),
            ("b", "Спасибо за ожидание, я проверила ваш заказ"),
            ("c", "Подождите, я хочу вернуть товар"),
        ],
    );
    let run = |program: &str, args: &[&str]| run_in(&dir, program, args);
    // Each phrase without the silence Festival puts around it, so that
    // where it is placed is where its sound is.
    let mut length = std::collections::HashMap::new();
    for name in ["a", "b", "c"] {
        let trim = ["silence", "1", "0.02", "1%", "reverse", "silence", "1", "0.02", "1%", "reverse"];
        run("sox", &[&[&format!("{name}16.wav") as &str, &format!("{name}t.wav")][..], &trim].concat());
        length.insert(name, run("soxi", &["-D", &format!("{name}t.wav")]).trim().parse::<f64>().unwrap());
    }
    // The operator: «a» from 1 s, «b» 9 s after it ends. The client cuts in
    // 1.5 s before «a» ends.
    let a_end = 1.0 + length["a"];
    let b_start = a_end + 9.0;
    let c_start = a_end - 1.5;
    let c_end = c_start + length["c"];
    let silence = |name: &str, s: f64| run("sox", &["-n", "-r", "16000", "-c", "1", name, "trim", "0", &format!("{s:.4}")]);
    silence("lead.wav", 1.0);
    silence("gap.wav", 9.0);
    silence("tail.wav", 2.0);
    silence("wait.wav", c_start);
    run("sox", &["lead.wav", "at.wav", "gap.wav", "bt.wav", "tail.wav", "operator.wav"]);
    run("sox", &["wait.wav", "ct.wav", "client.wav"]);
    run("sox", &["-M", "operator.wav", "client.wav", "-r", "8000", "-b", "16", "call.wav"]);

    let out = sufler(&[dir.join("call.wav").to_str().unwrap()]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
    let records = events(&out);
    let m = &records.last().unwrap()["metrics"];
    let period = |p: &serde_json::Value| (p["start"].as_f64().unwrap(), p["end"].as_f64().unwrap());
    let near = |got: (f64, f64), want: (f64, f64)| (got.0 - want.0).abs() <= 0.2 && (got.1 - want.1).abs() <= 0.2;
    let dead_air: Vec<_> = m["dead_air"].as_array().unwrap().iter().map(period).collect();
    assert!(dead_air.len() == 1 && near(dead_air[0], (c_end, b_start)), "dead air {dead_air:?}, built {:?}", (c_end, b_start));
    let overtalk: Vec<_> = m["overtalk"].as_array().unwrap().iter().map(period).collect();
    assert!(overtalk.len() == 1 && near(overtalk[0], (c_start, a_end)), "overtalk {overtalk:?}, built {:?}", (c_start, a_end));
    let cut_in = &m["interruptions"][0];
    assert_eq!(cut_in["by"], "client", "{m}");
    assert!((cut_in["at"].as_f64().unwrap() - c_start).abs() <= 0.2, "{m}");
}

#[test]
fn a_card_and_a_phone_number_read_out_are_kept_nowhere() {
    let call = card_call();
    let saved = tempdir("card-transcripts");
    let out = sufler(&["--save-transcripts", saved.to_str().unwrap(), call.to_str().unwrap()]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
    let transcript_path = saved.join("call.json");
    let transcript = std::fs::read_to_string(&transcript_path).unwrap();
    let results = String::from_utf8(out.stdout).unwrap();
    assert_eq!(support::leaks(&support::strings(&transcript)), Vec::<String>::new(), "{transcript}");
    assert_eq!(support::leaks(&support::strings(&results)), Vec::<String>::new(), "{results}");
    // What was taken out is told, with its times.
    let t: serde_json::Value = serde_json::from_str(&transcript).unwrap();
    let kinds: Vec<&str> = t["redacted"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["card", "phone"], "{transcript}");
    assert!(results.lines().last().unwrap().contains("\"redacted\":2"), "{results}");
    // Only its owner may read it.
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&transcript_path).unwrap().permissions().mode() & 0o777, 0o600);
}

#[test]
fn a_copy_of_the_recording_has_the_numbers_silenced() {
    let call = card_call();
    let (saved, copies) = (tempdir("silenced-transcripts"), tempdir("silenced-audio"));
    let out = sufler(&["--save-transcripts", saved.to_str().unwrap(), "--redact-audio", copies.to_str().unwrap(), call.to_str().unwrap()]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
    let t: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(saved.join("call.json")).unwrap()).unwrap();
    let copy = copies.join("call.wav");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777, 0o600);
    let mut wav = hound::WavReader::open(&copy).unwrap();
    assert_eq!((wav.spec().channels, wav.spec().sample_rate), (2, 16_000));
    let samples: Vec<i16> = wav.samples::<i16>().map(Result::unwrap).collect();
    let channel = |c: usize, from: f64, to: f64| -> Vec<i16> {
        let at = |t: f64| ((t * 16_000.0) as usize).min(samples.len() / 2);
        (at(from)..at(to)).map(|i| samples[2 * i + c]).collect()
    };
    let loudest = |s: Vec<i16>| s.into_iter().map(|x| i32::from(x).abs()).max().unwrap_or(0);
    let taken = t["redacted"].as_array().unwrap();
    assert_eq!(taken.len(), 2, "{t}");
    for r in taken {
        let c = if r["speaker"] == "client" { 1 } else { 0 };
        let (start, end) = (r["start"].as_f64().unwrap(), r["end"].as_f64().unwrap());
        assert_eq!(loudest(channel(c, start - 0.3, end + 0.3)), 0, "{r} is silent");
    }
    // What was said around the numbers is still there: the operator's
    // greeting, the client's «Хочу оплатить заказ» before the card.
    assert!(loudest(channel(0, 0.0, 3.0)) > 1000);
    let first = taken.iter().map(|r| r["start"].as_f64().unwrap()).fold(f64::INFINITY, f64::min);
    assert!(loudest(channel(1, 5.0, first - 0.3)) > 1000);
}

#[test]
fn damaged_recordings_keep_their_times_and_say_what_was_lost() {
    let dir = tempdir("damaged");
    let sample = std::fs::read(root().join("samples/call-ru.wav")).unwrap();
    // A FLAC with 20 KB of garbage in the middle, and a WAV cut in half.
    let flac = convert("damaged.flac", &[]);
    let bytes = std::fs::read(&flac).unwrap();
    let mid = bytes.len() / 2;
    let garbage: Vec<u8> = (0..20_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let garbled = dir.join("garbled.flac");
    std::fs::write(&garbled, [&bytes[..mid], &garbage, &bytes[mid..]].concat()).unwrap();
    let cut = dir.join("cut.wav");
    std::fs::write(&cut, &sample[..sample.len() / 2]).unwrap();
    let table: &[(&Path, &str, f64, &[&str])] = &[
        (&garbled, "damaged audio at 11.78 s: 0.51 s could not be decoded and is silence", 24.191, &["ne-znayu", "vy-dolzhny", "umenshitelnye", "net"]),
        (&cut, "the recording is cut short: its header says 24.19 s, 12.09 s could be read", 12.095, &["ne-znayu", "vy-dolzhny"]),
    ];
    for (file, warning, duration, banned) in table {
        let out = sufler(&[file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        let records = events(&out);
        let warnings: Vec<&str> = records.iter().filter(|e| e["type"] == "warning").map(|e| e["message"].as_str().unwrap()).collect();
        assert_eq!(warnings, [*warning], "{}", file.display());
        assert_eq!(records.last().unwrap()["duration"].as_f64(), Some(*duration));
        // What comes after the damage is where it was said («Вы должны» at 9.6 s).
        let flagged: Vec<(&str, f64)> = records
            .iter()
            .filter(|e| e["type"] == "violation" && e["kind"] == "banned")
            .map(|e| (e["rule"].as_str().unwrap(), e["start"].as_f64().unwrap()))
            .collect();
        assert_eq!(flagged.iter().map(|f| f.0).collect::<Vec<_>>(), *banned, "{}", file.display());
        let vy = flagged.iter().find(|f| f.0 == "vy-dolzhny").unwrap().1;
        assert!((vy - 9.6).abs() < 0.3, "«Вы должны» at {vy} s");
    }
}
