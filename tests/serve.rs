//! `sufler serve` end to end with the real Whisper base model and clients
//! that speak the protocols as their documentation says, written here:
//! Asterisk AudioSocket (a TCP connection per leg: 1-byte type, 2-byte
//! big-endian length, payload; `0x01` UUID, `0x10` 8 kHz signed linear,
//! `0x00` hang-up) and Twilio Media Streams (WebSocket JSON: `connected`,
//! `start`, `media` with base64 μ-law per track, `stop`), each streaming
//! the sample call in real time; the operator panel in headless Chromium;
//! malformed connections beside a call in progress; the call limit and
//! SIGTERM.
//!
//! Needs what `scripts/setup.sh` makes (models, chromium).

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use support::pbx::{FRAME, Server, TOKEN, audiosocket_call, audiosocket_leg, frame, l16_call, stereo, tempdir, through_mulaw, twilio_call, uuid_text};
use support::{events, model, root};

const SAMPLE: &str = "samples/call-ru.wav";

/// The tests take turns: each runs a recogniser on both cores.
static WHISPER: Mutex<()> = Mutex::new(());

/// (type, rule, element) of flags.
type Flags = BTreeSet<(String, String, String)>;

/// A call's events that are flags or steps met.
fn flag_events(events: &[Value]) -> Vec<Value> {
    events.iter().filter(|e| matches!(e["type"].as_str(), Some("violation" | "alert" | "met"))).cloned().collect()
}

/// (type, rule, element) of a call's violations and alerts.
fn flags(events: &[Value]) -> Flags {
    flag_events(events)
        .iter()
        .filter(|e| e["type"] == "violation" || e["type"] == "alert")
        .map(|e| (e["type"].as_str().unwrap().into(), e["rule"].as_str().unwrap().into(), e["element"].as_str().unwrap_or("").into()))
        .collect()
}

/// The flags of `check` on recordings, and their events, by the path given.
fn batch_flags(files: &[&Path]) -> BTreeMap<String, (Flags, Vec<Value>)> {
    let out = Command::new(env!("CARGO_BIN_EXE_sufler"))
        .current_dir(root())
        .args(["check", "--config", "samples/sufler.toml", "--format", "jsonl"])
        .args(files)
        .output()
        .unwrap();
    let events = events(&out);
    files
        .iter()
        .map(|f| {
            let name = f.display().to_string();
            let of: Vec<Value> = events.iter().filter(|e| e["call"].as_str() == Some(name.as_str())).cloned().collect();
            assert!(of.iter().any(|e| e["type"] == "call_summary"), "{name}: {}", String::from_utf8_lossy(&out.stderr));
            (name, (flags(&of), of))
        })
        .collect()
}

/// What a served call's transcript says, for messages.
fn transcript(events: &[Value]) -> String {
    events.iter().find(|e| e["type"] == "transcript").map(|t| t["utterances"].to_string()).unwrap_or_default()
}

/// Calls streamed at once in the flags test.
const AT_ONCE: usize = 4;

#[test]
fn calls_streamed_in_real_time_over_audiosocket_and_twilio_get_the_flags_of_check() {
    let _turn = WHISPER.lock().unwrap_or_else(|e| e.into_inner());
    model(sufler::settings::WHISPER_MODEL);
    let dir = support::need(&root().join("target/test-calls/phone"));
    let mut calls: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "wav")).collect();
    calls.sort();
    assert!(calls.len() >= 8, "{calls:?}");
    // Twilio carries μ-law: `check` hears those calls as they arrive.
    let copies = tempdir::Dir::new("mulaw");
    let heard: Vec<(PathBuf, bool)> = calls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let twilio = i % 2 == 1;
            if twilio {
                let copy = copies.0.join(c.file_name().unwrap());
                through_mulaw(c, &copy);
                (copy, true)
            } else {
                (c.clone(), false)
            }
        })
        .collect();
    let want = batch_flags(&heard.iter().map(|(p, _)| p.as_path()).collect::<Vec<_>>());
    let mut server = Server::start("flags", &["--max-calls", &AT_ONCE.to_string()]);
    let mut served: Vec<(String, Vec<Value>)> = Vec::new();
    for wave in heard.chunks(AT_ONCE) {
        let first = served.len();
        let streams: Vec<(String, String, std::thread::JoinHandle<()>)> = wave
            .iter()
            .enumerate()
            .map(|(i, (path, twilio))| {
                let (op, client) = stereo(path);
                let name = path.display().to_string();
                if *twilio {
                    let (http, sid) = (server.http, format!("CA{:04}", first + i));
                    let id = sid.clone();
                    let t = std::thread::spawn(move || tokio::runtime::Runtime::new().unwrap().block_on(twilio_call(http, &sid, "boris", (op, client))));
                    (id, name, t)
                } else {
                    let mut uuid = [0u8; 16];
                    uuid[..8].copy_from_slice(&((first + i) as u64).to_be_bytes());
                    let t = audiosocket_call(server.operator, server.client, uuid, (op, client));
                    (uuid_text(&uuid), name, t)
                }
            })
            .collect();
        for (id, name, t) in streams {
            t.join().unwrap();
            served.push((name, server.results_of(&id)));
        }
    }
    assert!(server.terminate().success());
    // Served and checked, against the calls' labels: the served flags
    // are as good as those of `check` on the same audio, over all calls.
    let labels: Value = serde_json::from_str(&std::fs::read_to_string(dir.parent().unwrap().join("labels.json")).unwrap()).unwrap();
    let (mut served_score, mut check_score, mut alike) = (Score::default(), Score::default(), Score::default());
    for (name, events) in &served {
        let stem = Path::new(name).file_stem().unwrap().to_str().unwrap();
        let truth = labelled(&labels[stem]);
        let (got, checked) = (keys(&flag_events(events)), keys(&want[name].1));
        served_score.add(&got, &truth);
        check_score.add(&checked, &truth);
        alike.add(&got, &checked);
        for e in events.iter().filter(|e| matches!(e["type"].as_str(), Some("violation" | "alert" | "met"))) {
            assert!(e["emitted_at"].as_f64().is_some_and(|t| t >= e["start"].as_f64().unwrap()), "{name}: {e}");
        }
        if got != checked {
            eprintln!("{name}: served {got:?}, check {checked:?}, labels {truth:?}; heard {}", transcript(events));
        }
    }
    eprintln!("over {} calls, against the labels: served {served_score}, check {check_score}; served against check: {alike}", served.len());
    assert!(check_score.wanted >= 30, "{check_score}");
    let (sp, sr, cp, cr) = (served_score.precision(), served_score.recall(), check_score.precision(), check_score.recall());
    assert!(sp >= cp - 0.02 && sr >= cr - 0.02, "served {served_score}, check {check_score}");
}

/// Matches of flags against what they should be.
#[derive(Default)]
struct Score {
    both: usize,
    got: usize,
    wanted: usize,
}

impl Score {
    fn add(&mut self, got: &BTreeSet<String>, wanted: &BTreeSet<String>) {
        self.both += got.intersection(wanted).count();
        self.got += got.len();
        self.wanted += wanted.len();
    }
    fn precision(&self) -> f64 {
        self.both as f64 / self.got.max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.both as f64 / self.wanted.max(1) as f64
    }
}

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "P {:.3} R {:.3} ({} of {} found, {} given)", self.precision(), self.recall(), self.both, self.wanted, self.got)
    }
}

/// Banned phrases, alerts and script steps met, as the labels name them.
fn keys(events: &[Value]) -> BTreeSet<String> {
    events
        .iter()
        .filter_map(|e| match (e["type"].as_str()?, e["kind"].as_str()) {
            ("violation", Some("banned")) => Some(format!("banned {}", e["rule"].as_str()?)),
            ("alert", _) => Some(format!("alert {}", e["rule"].as_str()?)),
            ("met", _) => Some(format!("met {}.{}", e["rule"].as_str()?, e["element"].as_str()?)),
            _ => None,
        })
        .collect()
}

fn labelled(call: &Value) -> BTreeSet<String> {
    let list = |k: &str| call[k].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect::<Vec<_>>();
    let mut out = BTreeSet::new();
    out.extend(list("banned").into_iter().map(|r| format!("banned {r}")));
    out.extend(list("alerts").into_iter().map(|r| format!("alert {r}")));
    out.extend(list("met").into_iter().map(|r| format!("met {r}")));
    out
}

/// What the panel shows: the checklist's classes, each alert's phrase heard and what to say instead.
const PANEL: &str = r#"JSON.stringify({
    steps: [...document.querySelectorAll('#steps li')].map(li => [li.dataset.key, li.className]),
    alerts: [...document.querySelectorAll('#alerts li')].map(li => ({ heard: li.querySelector('.heard').textContent, say: li.querySelector('.say')?.textContent ?? '' })),
    lines: document.querySelectorAll('#lines li').length,
    call: document.getElementById('call').textContent,
})"#;

#[test]
fn the_panel_follows_an_operators_call_while_bad_connections_are_closed_beside_it() {
    let _turn = WHISPER.lock().unwrap_or_else(|e| e.into_inner());
    model(sufler::settings::WHISPER_MODEL);
    let want = batch_flags(&[Path::new(SAMPLE)]).remove(SAMPLE).unwrap().0;
    assert!(want.len() >= 4, "the sample's flags: {want:?}");
    // Room for the two calls and the bad connections that name one (the
    // limit has a test of its own).
    let mut server = Server::start("panel", &["--max-calls", "16"]);
    let (op, client) = stereo(Path::new(SAMPLE));
    // The dialplan announces the call's operator before its legs connect.
    let uuid = [0x8d, 0x9b, 0x3c, 0x1e, 0x0f, 0x4a, 0x4e, 0x7c, 0x9a, 0x51, 0x2b, 0x8f, 0x6f, 0x0e, 0x7d, 0x11];
    let body = "operator=anna&team=north";
    let (status, _) = server.http(&format!(
        "POST /calls/{}?token={TOKEN} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        uuid_text(&uuid),
        body.len()
    ));
    assert_eq!(status, 204);

    let profile = tempdir::Dir::new("chromium");
    let mut browser = support::browser::Browser::launch(&profile.0);
    // As narrow as beside a softphone.
    browser.viewport(400, 900);
    browser.open(&format!("http://{}/panel?token={TOKEN}&operator=anna", server.http));

    let legs = audiosocket_call(server.operator, server.client, uuid, (op.clone(), client.clone()));
    // A second call beside it, as FreeSWITCH streams one.
    let l16 = {
        let http = server.http;
        std::thread::spawn(move || {
            tokio::runtime::Runtime::new().unwrap().block_on(l16_call(http, json!({ "call_id": "fs-0001", "operator": "vera" }), (op, client)))
        })
    };

    // Bad input beside the calls in progress: each closes its own connection, with a reason logged.
    // (what, the bytes, whether the client then stops sending, the reason logged)
    let audiosocket_bad: Vec<(&str, Vec<u8>, bool, &str)> = vec![
        ("an unknown frame type", [frame(0x01, &[7; 16]), frame(0x42, &[0; 4])].concat(), false, "unknown AudioSocket frame type 0x42"),
        ("a UUID of the wrong length", frame(0x01, &[1; 5]), false, "an AudioSocket UUID frame of 5 bytes (expected 16)"),
        ("audio before the UUID", frame(0x10, &[0; 320]), false, "audio before the UUID frame"),
        (
            "audio of an odd length",
            [frame(0x01, &[9; 16]), frame(0x10, &[0; 3])].concat(),
            false,
            "an AudioSocket audio frame of 3 bytes (expected an even number)",
        ),
        (
            "a connection that stops mid-frame",
            [frame(0x01, &[8; 16]), vec![0x10, 0x01, 0x40, 1, 2, 3]].concat(),
            true,
            "the connection ended in the middle of a frame (6 bytes of it)",
        ),
    ];
    for (what, bytes, stops, _) in &audiosocket_bad {
        let mut s = TcpStream::connect(server.operator).unwrap();
        s.write_all(bytes).unwrap();
        if *stops {
            s.shutdown(std::net::Shutdown::Write).unwrap();
        }
        // The server closes the connection itself (and sends nothing back).
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut rest = Vec::new();
        assert!(s.read_to_end(&mut rest).is_ok(), "{what}: not closed within 10 s");
        assert!(rest.is_empty(), "{what}");
    }
    let websocket_bad: Vec<(&str, &str, Vec<String>, &str)> = vec![
        ("no token", "/twilio", vec![json!({"event": "start", "start": {"callSid": "CAbad1", "tracks": ["inbound"]}}).to_string()], "no valid token"),
        (
            "a wrong token",
            "/twilio",
            vec![json!({"event": "start", "start": {"callSid": "CAbad2", "customParameters": {"token": "guess"}}}).to_string()],
            "no valid token",
        ),
        (
            "bad base64",
            "/twilio?token=test-token-0123456789",
            vec![
                json!({"event": "start", "start": {"callSid": "CAbad3", "tracks": ["inbound"]}}).to_string(),
                json!({"event": "media", "media": {"track": "inbound", "timestamp": "0", "payload": "!!!"}}).to_string(),
            ],
            "media payload is not base64",
        ),
        ("an unknown event", "/twilio?token=test-token-0123456789", vec![json!({"event": "dance"}).to_string()], "unknown Media Streams event `dance`"),
        ("not JSON", "/twilio?token=test-token-0123456789", vec!["{{".to_string()], "not a Media Streams message"),
        (
            "a huge message",
            "/twilio?token=test-token-0123456789",
            vec![format!("{{\"event\":\"media\",\"x\":\"{}\"}}", "a".repeat(100_000))],
            "not a WebSocket message",
        ),
        ("an L16 frame of half a sample", "/stream?token=test-token-0123456789&channels=2", vec![], "a frame of 3 bytes: not whole 2-channel 16-bit samples"),
        ("an L16 stream of 5 channels", "/stream?token=test-token-0123456789&channels=5", vec![], "5 channel(s) at 8000 Hz"),
    ];
    let rt = tokio::runtime::Runtime::new().unwrap();
    for (what, path, messages, _) in &websocket_bad {
        rt.block_on(async {
            use futures_util::{SinkExt, StreamExt};
            use tokio_tungstenite::tungstenite::Message;
            let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}{path}", server.http)).await.unwrap();
            for m in messages {
                let _ = ws.send(Message::Text(m.clone().into())).await;
            }
            if messages.is_empty() {
                let _ = ws.send(Message::Binary(vec![1u8, 2, 3].into())).await;
            }
            // The server closes the connection.
            let closed = tokio::time::timeout(Duration::from_secs(10), async {
                while let Some(Ok(m)) = ws.next().await {
                    if m.is_close() {
                        break;
                    }
                }
            })
            .await;
            assert!(closed.is_ok(), "{what}: not closed");
        });
    }
    // A wrong token on the panel and the L16 stream is refused at once.
    assert!(rt.block_on(tokio_tungstenite::connect_async(format!("ws://{}/stream?token=guess", server.http))).is_err());
    assert_eq!(server.get("/events?token=guess").0, 401);
    assert_eq!(server.get("/panel?token=guess").0, 401);
    assert_eq!(server.get("/metrics").0, 401);
    assert_eq!(server.get("/healthz").0, 200);

    // The panel follows anna's call while it goes on.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut shown = Value::Null;
    while !legs.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
        shown = serde_json::from_str(browser.eval(PANEL).as_str().unwrap()).unwrap();
    }
    legs.join().unwrap();
    l16.join().unwrap();
    let served = server.results_of(&uuid_text(&uuid));
    let streamed = server.results_of("fs-0001");
    std::thread::sleep(Duration::from_secs(1));
    let end: Value = serde_json::from_str(browser.eval(PANEL).as_str().unwrap()).unwrap();
    let png = browser.screenshot();
    std::fs::write(root().join("target/serve-panel.png"), &png).unwrap();

    // Every malformed connection was closed with its reason logged.
    let closed: Vec<String> = server
        .wait_logged("connection closed", audiosocket_bad.len() + websocket_bad.len())
        .iter()
        .map(|l| l["reason"].as_str().unwrap().to_string())
        .collect();
    for (what, _, _, reason) in &audiosocket_bad {
        assert!(closed.iter().any(|c| c.contains(reason)), "{what}: {reason} not among {closed:?}");
    }
    for (what, _, _, reason) in &websocket_bad {
        assert!(closed.iter().any(|c| c.contains(reason)), "{what}: {reason} not among {closed:?}");
    }

    // The calls in progress beside them came to the flags of `check`.
    assert_eq!(flags(&served), want, "{}", transcript(&served));
    assert_eq!(flags(&streamed), want, "{}", transcript(&streamed));
    assert_eq!(streamed[0]["operator"].as_str(), Some("vera"));
    // The stream's own fields are the call's metadata.
    assert_eq!((served[0]["operator"].as_str(), served[0]["team"].as_str()), (Some("anna"), Some("north")));

    // The panel: steps ticked while the call went on, an alert with what to say instead.
    let ticked = |v: &Value| v["steps"].as_array().unwrap().iter().filter(|s| s[1] == "met").count();
    assert!(ticked(&shown) >= 1, "{shown}");
    let advised = |a: &Value| a["heard"].as_str().unwrap().len() > "«»".len() && !a["say"].as_str().unwrap().is_empty();
    assert!(shown["alerts"].as_array().unwrap().iter().any(advised), "{shown}");
    assert!(end["call"].as_str().unwrap().starts_with("anna · "), "{end}");
    assert!(shown["lines"].as_u64().unwrap() >= 1, "{shown}");
    assert!(!end["alerts"].as_array().unwrap().is_empty(), "{end}");

    let (_, metrics) = server.get(&format!("/metrics?token={TOKEN}"));
    // The two calls, the four bad connections that named theirs, and the
    // L16 stream whose first frame was bad (a stream is a call from its first frame).
    assert!(metrics.contains("sufler_calls_total 7"), "{metrics}");
    assert!(metrics.contains("sufler_calls_in_progress 0"), "{metrics}");
    assert!(server.terminate().success());
}

#[test]
fn the_call_limit_refuses_new_calls_and_sigterm_finishes_those_in_progress() {
    let _turn = WHISPER.lock().unwrap_or_else(|e| e.into_inner());
    model(sufler::settings::WHISPER_MODEL);
    let mut server = Server::start("limit", &["--max-calls", "1", "--drain", "0"]);
    let (op, _) = stereo(Path::new(SAMPLE));
    let first = [1u8; 16];
    // Streams until the server ends the call.
    let leg = {
        let (addr, op) = (server.operator, op.clone());
        std::thread::spawn(move || audiosocket_leg(addr, first, &op))
    };
    std::thread::sleep(Duration::from_secs(3));
    // A second call, over the limit.
    let mut second = TcpStream::connect(server.client).unwrap();
    second.write_all(&frame(0x01, &[2u8; 16])).unwrap();
    let mut rest = Vec::new();
    let _ = second.read_to_end(&mut rest);
    let refused = server.wait_logged("call refused", 1);
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0]["reason"], "the call limit (1) is reached");
    std::thread::sleep(Duration::from_secs(5));
    let (_, metrics) = server.get(&format!("/metrics?token={TOKEN}"));
    assert!(metrics.contains("sufler_calls_refused_total{reason=\"limit\"} 1"), "{metrics}");
    assert!(metrics.contains("sufler_calls_in_progress 1"), "{metrics}");
    let results = server.results.clone();
    // SIGTERM mid-call: no drain time, so the call ends now and its results are written before the exit.
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
    let sent = leg.join().unwrap();
    assert!(sent < op.len() / FRAME, "the call was streamed to its end before the server ended it");
    let file = results.join(format!("{}.jsonl", uuid_text(&first)));
    server.wait_logged("stopped", 1);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}; logs {:?}", file.display(), server.logs.lock().unwrap()));
    let summary: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(summary["type"], "call_summary");
    assert!(summary["duration"].as_f64().unwrap() > 5.0, "{summary}");
    let stopped: Vec<_> = server.logs.lock().unwrap().iter().map(|l| l["msg"].as_str().unwrap_or("").to_string()).collect();
    assert!(stopped.iter().any(|m| m == "stopping") && stopped.last().is_some_and(|m| m == "stopped"), "{stopped:?}");
}
