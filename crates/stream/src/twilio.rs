//! Twilio Media Streams: JSON text messages over a WebSocket. `connected`,
//! then `start` (the call's `callSid`, its `tracks`, the
//! `customParameters` the TwiML gave, the media format: μ-law, 8 kHz,
//! mono), `media` (a `track`, `inbound` or `outbound`, its `timestamp` in
//! ms since the stream began, base64 μ-law), `dtmf`, `mark`, `stop`.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::Value;

use sufler_core::call::Speaker;

use crate::{Error, mulaw};

/// The largest message taken: 20 ms of μ-law is under 300 bytes of JSON,
/// and Twilio sends it so.
pub const MAX_MESSAGE: usize = 64 * 1024;

/// One message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Connected,
    Start(Start),
    Media(Media),
    Dtmf { track: Track, digit: String },
    Mark { name: String },
    Stop,
}

/// What a stream's `start` tells of its call.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Start {
    pub stream_sid: String,
    pub call_sid: String,
    pub tracks: Vec<Track>,
    /// The `<Parameter>`s of the TwiML `<Stream>` (an operator's name, a
    /// queue): the call's metadata.
    pub custom: BTreeMap<String, String>,
}

/// A piece of one track's audio.
#[derive(Debug, Clone, PartialEq)]
pub struct Media {
    pub track: Track,
    /// Milliseconds since the stream began.
    pub timestamp_ms: u64,
    /// 8 kHz samples.
    pub samples: Vec<i16>,
}

/// Which way the audio went, as Twilio names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Track {
    Inbound,
    Outbound,
}

/// Which party each track is: for an agent's leg, `inbound` is the
/// caller (the client) and `outbound` what the agent's side sends (the
/// operator), the default. Read from settings (`[serve.twilio]`), a track
/// not named keeps its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Tracks {
    pub inbound: Speaker,
    pub outbound: Speaker,
}

impl Default for Tracks {
    fn default() -> Tracks {
        Tracks { inbound: Speaker::Client, outbound: Speaker::Operator }
    }
}

impl Tracks {
    pub fn party(&self, track: Track) -> Speaker {
        match track {
            Track::Inbound => self.inbound,
            Track::Outbound => self.outbound,
        }
    }
}

/// The rate of Media Streams' audio.
pub const RATE: u32 = 8_000;

/// Reads one text message.
pub fn parse(text: &str) -> Result<Message, Error> {
    if text.len() > MAX_MESSAGE {
        return Err(Error::TooLarge { len: text.len(), limit: MAX_MESSAGE });
    }
    let v: Value = serde_json::from_str(text).map_err(|e| Error::Json(e.to_string()))?;
    let event = v.get("event").and_then(Value::as_str).ok_or_else(|| Error::Json("no `event`".into()))?;
    Ok(match event {
        "connected" => Message::Connected,
        "start" => Message::Start(start(field(&v, "start")?)?),
        "media" => {
            let m = field(&v, "media")?;
            let payload = text_of(m, "media.payload", "payload")?;
            let bytes = base64::engine::general_purpose::STANDARD.decode(payload).map_err(|e| Error::Base64(e.to_string()))?;
            Message::Media(Media {
                track: track(m)?,
                timestamp_ms: number(m, "media.timestamp", "timestamp")?,
                samples: bytes.into_iter().map(mulaw::decode).collect(),
            })
        }
        "dtmf" => {
            let d = field(&v, "dtmf")?;
            Message::Dtmf { track: track(d)?, digit: text_of(d, "dtmf.digit", "digit")?.to_string() }
        }
        "mark" => Message::Mark { name: text_of(field(&v, "mark")?, "mark.name", "name")?.to_string() },
        "stop" => Message::Stop,
        other => return Err(Error::UnknownEvent(other.chars().take(40).collect())),
    })
}

fn field<'v>(v: &'v Value, name: &str) -> Result<&'v Value, Error> {
    v.get(name).filter(|x| x.is_object()).ok_or_else(|| Error::Field(format!("a `{}` message without its `{name}` object", v["event"].as_str().unwrap_or(""))))
}

fn text_of<'v>(v: &'v Value, path: &str, name: &str) -> Result<&'v str, Error> {
    v.get(name).and_then(Value::as_str).ok_or_else(|| Error::Field(format!("`{path}` is missing or not text")))
}

/// A number Twilio writes as text ("timestamp": "5"), or as a number.
fn number(v: &Value, path: &str, name: &str) -> Result<u64, Error> {
    match v.get(name) {
        Some(Value::String(s)) => s.parse().ok(),
        Some(Value::Number(n)) => n.as_u64(),
        _ => None,
    }
    .ok_or_else(|| Error::Field(format!("`{path}` is missing or not a whole number")))
}

/// A track by name: `media` says `inbound`, `dtmf` says `inbound_track`.
fn track_named(name: &str) -> Option<Track> {
    match name {
        "inbound" | "inbound_track" => Some(Track::Inbound),
        "outbound" | "outbound_track" => Some(Track::Outbound),
        _ => None,
    }
}

fn track(v: &Value) -> Result<Track, Error> {
    let name = v.get("track").and_then(Value::as_str);
    name.and_then(track_named).ok_or_else(|| Error::Field(format!("unknown track {}", name.map_or("(none)".to_string(), |t| format!("`{t}`")))))
}

fn start(s: &Value) -> Result<Start, Error> {
    if let Some(format) = s.get("mediaFormat") {
        let (encoding, rate, channels) = (format["encoding"].as_str(), format["sampleRate"].as_u64(), format["channels"].as_u64());
        if (encoding, rate, channels) != (Some("audio/x-mulaw"), Some(u64::from(RATE)), Some(1)) {
            return Err(Error::Field(format!("media format {format}: only audio/x-mulaw at 8000 Hz, mono, is taken")));
        }
    }
    let tracks = match s.get("tracks").and_then(Value::as_array) {
        Some(list) => list
            .iter()
            .map(|t| t.as_str().and_then(track_named).ok_or_else(|| Error::Field(format!("unknown track {t} in `start.tracks`"))))
            .collect::<Result<_, _>>()?,
        None => vec![Track::Inbound],
    };
    let custom = match s.get("customParameters") {
        Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string))).collect(),
        _ => BTreeMap::new(),
    };
    Ok(Start {
        stream_sid: s.get("streamSid").and_then(Value::as_str).unwrap_or_default().to_string(),
        call_sid: text_of(s, "start.callSid", "callSid")?.to_string(),
        tracks,
        custom,
    })
}

/// A `media` message as Twilio writes it (for test clients and tools).
pub fn media(stream_sid: &str, track: Track, chunk: u64, timestamp_ms: u64, samples: &[i16]) -> String {
    let payload = base64::engine::general_purpose::STANDARD.encode(samples.iter().map(|s| mulaw::encode(*s)).collect::<Vec<u8>>());
    let track = match track {
        Track::Inbound => "inbound",
        Track::Outbound => "outbound",
    };
    serde_json::json!({
        "event": "media", "sequenceNumber": (chunk + 2).to_string(), "streamSid": stream_sid,
        "media": { "track": track, "chunk": chunk.to_string(), "timestamp": timestamp_ms.to_string(), "payload": payload }
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_name_the_tracks_they_change_and_no_others() {
        let (client, operator) = (Speaker::Client, Speaker::Operator);
        // (settings, inbound, outbound)
        let table = [
            ("{}", client, operator),
            (r#"{"inbound": "operator"}"#, operator, operator),
            (r#"{"inbound": "operator", "outbound": "client"}"#, operator, client),
        ];
        for (json, inbound, outbound) in table {
            assert_eq!(serde_json::from_str::<Tracks>(json).unwrap(), Tracks { inbound, outbound }, "{json}");
        }
        assert!(serde_json::from_str::<Tracks>(r#"{"inbund": "client"}"#).is_err());
    }

    #[test]
    fn a_stream_as_twilio_sends_it() {
        let start = r#"{"event":"start","sequenceNumber":"1","streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0","start":{"streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0","accountSid":"AC123","callSid":"CA123","tracks":["inbound","outbound"],"customParameters":{"operator":"Анна","queue":"продажи"},"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}"#;
        let Message::Start(s) = parse(start).unwrap() else { panic!() };
        assert_eq!((s.call_sid.as_str(), s.tracks.as_slice(), s.custom["operator"].as_str()), ("CA123", &[Track::Inbound, Track::Outbound][..], "Анна"));
        let samples: Vec<i16> = (0..160).map(|i| ((i as f64 / 8.0).sin() * 12_000.0) as i16).collect();
        let Message::Media(m) = parse(&media("MZ1", Track::Outbound, 3, 60, &samples)).unwrap() else { panic!() };
        assert_eq!((m.track, m.timestamp_ms, m.samples.len()), (Track::Outbound, 60, 160));
        // μ-law keeps a sample within its step.
        assert!(m.samples.iter().zip(&samples).all(|(a, b)| (i32::from(*a) - i32::from(*b)).abs() <= 1024));
        assert_eq!(parse(r#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#), Ok(Message::Connected));
        assert_eq!(parse(r#"{"event":"stop","sequenceNumber":"5","stop":{"accountSid":"AC1","callSid":"CA1"}}"#), Ok(Message::Stop));
        assert_eq!(Tracks::default().party(Track::Inbound), Speaker::Client);
        let dtmf = r#"{"event":"dtmf","streamSid":"MZ1","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"1"}}"#;
        assert_eq!(parse(dtmf), Ok(Message::Dtmf { track: Track::Inbound, digit: "1".into() }));
    }

    #[test]
    fn malformed_messages() {
        let huge = format!(r#"{{"event":"media","media":{{"payload":"{}"}}}}"#, "A".repeat(MAX_MESSAGE));
        let table: &[(&str, &str, &str)] = &[
            ("not JSON", "hello", "not a Media Streams message: expected value at line 1 column 1"),
            ("no event", "{}", "not a Media Streams message: no `event`"),
            ("unknown event", r#"{"event":"dance"}"#, "unknown Media Streams event `dance`"),
            (
                "bad base64",
                r#"{"event":"media","media":{"track":"inbound","timestamp":"0","payload":"@@@"}}"#,
                "media payload is not base64: Invalid symbol 64, offset 0.",
            ),
            ("no payload", r#"{"event":"media","media":{"track":"inbound","timestamp":"0"}}"#, "`media.payload` is missing or not text"),
            ("unknown track", r#"{"event":"media","media":{"track":"sideways","timestamp":"0","payload":""}}"#, "unknown track `sideways`"),
            (
                "bad timestamp",
                r#"{"event":"media","media":{"track":"inbound","timestamp":"-1","payload":""}}"#,
                "`media.timestamp` is missing or not a whole number",
            ),
            ("no media object", r#"{"event":"media"}"#, "a `media` message without its `media` object"),
            (
                "another format",
                r#"{"event":"start","start":{"callSid":"CA1","mediaFormat":{"encoding":"audio/l16","sampleRate":16000,"channels":1}}}"#,
                r#"media format {"channels":1,"encoding":"audio/l16","sampleRate":16000}: only audio/x-mulaw at 8000 Hz, mono, is taken"#,
            ),
            ("huge", &huge, &format!("a message of {} bytes, more than the 65536 allowed", huge.len())),
        ];
        for (what, text, message) in table {
            assert_eq!(parse(text).unwrap_err().to_string(), *message, "{what}");
        }
    }
}
