//! Clients of `sufler serve` that speak the PBXs' protocols as their
//! documentation says, written here rather than taken from the server's
//! code: Asterisk AudioSocket (a TCP connection per leg: 1-byte type,
//! 2-byte big-endian length, payload; `0x01` UUID, `0x10` 8 kHz signed
//! linear, `0x00` hang-up) and Twilio Media Streams (WebSocket JSON:
//! `connected`, `start`, `media` with base64 μ-law per track, `stop`);
//! and the server itself, run as a process. Shared by the tests and the
//! load benchmark.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

pub const TOKEN: &str = "test-token-0123456789";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A running `sufler serve`, its logs read as they come.
pub struct Server {
    pub child: Child,
    pub logs: Arc<Mutex<Vec<Value>>>,
    pub http: SocketAddr,
    pub operator: SocketAddr,
    pub client: SocketAddr,
    pub results: PathBuf,
    pub dir: tempdir::Dir,
}

pub mod tempdir {
    /// A folder removed when dropped.
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new(name: &str) -> Dir {
            let dir = std::env::temp_dir().join(format!("sufler-serve-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Dir(dir)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Server {
    pub fn start(name: &str, extra: &[&str]) -> Server {
        let dir = tempdir::Dir::new(name);
        let results = dir.0.join("results");
        let mut child = Command::new(env!("CARGO_BIN_EXE_sufler"))
            .current_dir(root())
            .env("SUFLER_SERVE_TOKEN", TOKEN)
            .args(["serve", "--config", "samples/sufler.toml", "--listen", "127.0.0.1:0"])
            .args(["--audiosocket-operator", "127.0.0.1:0", "--audiosocket-client", "127.0.0.1:0", "--results"])
            .arg(&results)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        {
            let logs = logs.clone();
            std::thread::spawn(move || {
                for line in stderr.lines().map_while(Result::ok) {
                    let v: Value = serde_json::from_str(&line).unwrap_or_else(|_| json!({ "msg": line }));
                    if v["msg"] == "listening" {
                        let _ = tx.send((v["port"].as_str().unwrap().to_string(), v["addr"].as_str().unwrap().parse::<SocketAddr>().unwrap()));
                    }
                    logs.lock().unwrap().push(v);
                }
            });
        }
        let mut ports = std::collections::HashMap::new();
        while ports.len() < 3 {
            let (port, addr) = rx.recv_timeout(Duration::from_secs(60)).expect("serve says where it listens");
            ports.insert(port, addr);
        }
        Server { child, logs, http: ports["http"], operator: ports["audiosocket operator"], client: ports["audiosocket client"], results, dir }
    }

    pub fn logged(&self, msg: &str) -> Vec<Value> {
        self.logs.lock().unwrap().iter().filter(|l| l["msg"] == msg).cloned().collect()
    }

    /// The log lines of `msg`, once there are `n` of them (they come on
    /// stderr after what they tell); fails after 10 s.
    pub fn wait_logged(&self, msg: &str, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let lines = self.logged(msg);
            if lines.len() >= n || Instant::now() > deadline {
                return lines;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for a call's results file.
    pub fn results_of(&self, call: &str) -> Vec<Value> {
        let file = self.results.join(format!("{call}.jsonl"));
        let deadline = Instant::now() + Duration::from_secs(90);
        while !file.exists() {
            assert!(Instant::now() < deadline, "no results for {call}; logs: {:?}", self.logs.lock().unwrap());
            std::thread::sleep(Duration::from_millis(200));
        }
        std::fs::read_to_string(&file).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    /// An HTTP request over a plain TCP connection; the status and body.
    pub fn http(&self, request: &str) -> (u16, String) {
        let mut s = TcpStream::connect(self.http).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let status = text.split(' ').nth(1).unwrap().parse().unwrap();
        (status, text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default())
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        self.http(&format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
    }

    pub fn terminate(&mut self) -> std::process::ExitStatus {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        self.child.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A stereo 8 kHz call's two channels: (operator, client).
pub fn stereo(path: &Path) -> (Vec<i16>, Vec<i16>) {
    let mut reader = hound::WavReader::open(root().join(path)).unwrap();
    assert_eq!((reader.spec().channels, reader.spec().sample_rate), (2, 8000), "{}", path.display());
    let all: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    (all.iter().step_by(2).copied().collect(), all.iter().skip(1).step_by(2).copied().collect())
}

/// 20 ms of 8 kHz audio.
pub const FRAME: usize = 160;

/// Sleeps until `start + n × 20 ms`: real time, without drift.
pub fn pace(start: Instant, n: usize) {
    let due = start + Duration::from_millis(20 * n as u64);
    if let Some(wait) = due.checked_duration_since(Instant::now()) {
        std::thread::sleep(wait);
    }
}

/// An AudioSocket frame: type, big-endian length, payload.
pub fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![kind];
    f.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// One leg as Asterisk's AudioSocket sends it: the UUID, 20 ms frames of
/// signed linear 8 kHz in real time, the hang-up. Gives the audio frames
/// sent: all of them unless the server closed the connection first.
pub fn audiosocket_leg(addr: SocketAddr, uuid: [u8; 16], samples: &[i16]) -> usize {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(&frame(0x01, &uuid)).unwrap();
    let start = Instant::now();
    for (n, chunk) in samples.chunks(FRAME).enumerate() {
        pace(start, n);
        let pcm: Vec<u8> = chunk.iter().flat_map(|x| x.to_le_bytes()).collect();
        if s.write_all(&frame(0x10, &pcm)).is_err() {
            return n;
        }
    }
    let _ = s.write_all(&frame(0x00, &[]));
    samples.len().div_ceil(FRAME)
}

/// A call as two AudioSocket legs with the same UUID, streamed at once on
/// threads of their own: the operator's to one port, the client's to the other.
pub fn audiosocket_call(operator: SocketAddr, client: SocketAddr, uuid: [u8; 16], (op, cl): (Vec<i16>, Vec<i16>)) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let leg = std::thread::spawn(move || audiosocket_leg(client, uuid, &cl));
        audiosocket_leg(operator, uuid, &op);
        leg.join().unwrap();
    })
}

/// G.711 μ-law, as Twilio sends it.
pub fn mulaw(sample: i16) -> u8 {
    const BIAS: i32 = 0x84;
    let mut s = i32::from(sample);
    let sign = if s < 0 { 0x80 } else { 0 };
    s = s.abs().min(32635) + BIAS;
    let mut exponent = 7;
    while exponent > 0 && s & (0x4000 >> (7 - exponent)) == 0 {
        exponent -= 1;
    }
    let mantissa = (s >> (exponent + 3)) & 0x0f;
    !(sign | (exponent << 4) | mantissa) as u8
}

/// G.711 μ-law decoded, as a receiver of Twilio's audio hears it.
pub fn unmulaw(byte: u8) -> i16 {
    let b = !byte;
    let magnitude = ((i32::from(b & 0x0f) << 3) + 0x84) << ((b >> 4) & 0x07);
    (if b & 0x80 != 0 { 0x84 - magnitude } else { magnitude - 0x84 }) as i16
}

/// A stereo call as it is after a trip through μ-law (what Twilio
/// carries), written as 16-bit WAV for `check` to hear the same audio.
pub fn through_mulaw(from: &Path, to: &Path) {
    let (op, client) = stereo(from);
    let spec = hound::WavSpec { channels: 2, sample_rate: 8000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(to, spec).unwrap();
    for (o, c) in op.iter().zip(&client) {
        w.write_sample(unmulaw(mulaw(*o))).unwrap();
        w.write_sample(unmulaw(mulaw(*c))).unwrap();
    }
    w.finalize().unwrap();
}

pub fn uuid_text(id: &[u8; 16]) -> String {
    let h: String = id.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// A call as Twilio Media Streams sends it over a WebSocket: `connected`,
/// `start` (callSid, both tracks, customParameters with the operator and
/// the token), `media` per track every 20 ms (outbound: the agent's side,
/// the operator), `stop`.
pub async fn twilio_call(http: SocketAddr, sid: &str, operator: &str, (op, client): (Vec<i16>, Vec<i16>)) {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{http}/twilio")).await.unwrap();
    let send = |v: Value| Message::Text(v.to_string().into());
    ws.send(send(json!({ "event": "connected", "protocol": "Call", "version": "1.0.0" }))).await.unwrap();
    ws.send(send(json!({
        "event": "start", "sequenceNumber": "1", "streamSid": "MZ0001",
        "start": {
            "streamSid": "MZ0001", "accountSid": "AC0001", "callSid": sid, "tracks": ["inbound", "outbound"],
            "customParameters": { "operator": operator, "token": TOKEN },
            "mediaFormat": { "encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1 }
        }
    })))
    .await
    .unwrap();
    let start = tokio::time::Instant::now();
    let mut seq = 2;
    for (n, (o, c)) in op.chunks(FRAME).zip(client.chunks(FRAME)).enumerate() {
        tokio::time::sleep_until(start + Duration::from_millis(20 * n as u64)).await;
        for (track, chunk) in [("inbound", c), ("outbound", o)] {
            let payload = base64::engine::general_purpose::STANDARD.encode(chunk.iter().map(|&s| mulaw(s)).collect::<Vec<u8>>());
            let media = json!({ "event": "media", "sequenceNumber": seq.to_string(), "streamSid": "MZ0001",
                "media": { "track": track, "chunk": (n + 1).to_string(), "timestamp": (n * 20).to_string(), "payload": payload } });
            ws.send(send(media)).await.unwrap();
            seq += 1;
        }
    }
    ws.send(send(json!({ "event": "stop", "sequenceNumber": seq.to_string(), "streamSid": "MZ0001", "stop": { "accountSid": "AC0001", "callSid": sid } })))
        .await
        .unwrap();
    let _ = ws.close(None).await;
}

/// A call as FreeSWITCH's mod_audio_stream sends it (`stereo`, `8k`): a
/// first text frame of metadata, then binary frames of 20 ms of
/// interleaved signed 16-bit little-endian samples, in real time.
pub async fn l16_call(http: SocketAddr, metadata: Value, (op, client): (Vec<i16>, Vec<i16>)) {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{http}/stream?token={TOKEN}&rate=8000&channels=2")).await.unwrap();
    ws.send(Message::Text(metadata.to_string().into())).await.unwrap();
    let start = tokio::time::Instant::now();
    for (n, (o, c)) in op.chunks(FRAME).zip(client.chunks(FRAME)).enumerate() {
        tokio::time::sleep_until(start + Duration::from_millis(20 * n as u64)).await;
        let frame: Vec<u8> = o.iter().zip(c).flat_map(|(a, b)| [a.to_le_bytes(), b.to_le_bytes()]).flatten().collect();
        ws.send(Message::Binary(frame.into())).await.unwrap();
    }
    let _ = ws.close(None).await;
}
