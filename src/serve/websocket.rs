//! WebSocket ingest: Twilio Media Streams (JSON text messages, base64
//! μ-law per track) on `/twilio`, and binary L16 frames after a first
//! text frame of metadata (FreeSWITCH's mod_audio_stream, Asterisk's
//! WebSocket channel driver) on `/stream`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};

use sufler_core::call::{CallMeta, Speaker};
use sufler_stream::twilio::{self, Message as Twilio};

use super::hub::{self, Hub, LiveCall};

/// The largest binary frame taken on `/stream`: 100 ms of 48 kHz stereo
/// is 19,200 bytes; mod_audio_stream sends 20 ms.
pub const MAX_FRAME: usize = 64 * 1024;

/// A Media Streams connection must send its `start` this soon.
const START_WITHIN: Duration = Duration::from_secs(10);

/// A stream that sends nothing this long is dead.
const SILENT: Duration = Duration::from_secs(30);

/// How a `/stream` connection's audio is laid out (its query string).
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub rate: u32,
    pub channels: u16,
}

/// Why a connection ended: a clean end, or what was wrong.
type Ended = Result<(), String>;

/// Reads a Twilio Media Streams connection to its end. `authorised`: the
/// upgrade request showed the token; else the `start` message's
/// `customParameters` must.
pub async fn twilio(hub: Arc<Hub>, socket: WebSocket, authorised: bool, peer: std::net::SocketAddr) {
    let mut call: Option<LiveCall> = None;
    let opened = std::time::Instant::now();
    let ended = read(&hub, socket, |message| {
        // A connection must start its call soon (it may not have shown the token yet).
        if call.is_none() && opened.elapsed() > START_WITHIN {
            return Err(format!("no `start` within {} s", START_WITHIN.as_secs()));
        }
        let text = match message {
            Message::Text(t) => t,
            Message::Binary(_) => return Err("a binary frame on a Media Streams connection".into()),
            _ => return Ok(true),
        };
        match twilio::parse(&text).map_err(|e| e.to_string())? {
            Twilio::Connected | Twilio::Dtmf { .. } | Twilio::Mark { .. } => {}
            Twilio::Start(start) if call.is_none() => {
                let mut custom = start.custom;
                let token = custom.remove("token");
                if !authorised && !token.as_deref().is_some_and(|t| super::http::token_matches(&hub.config.token, t)) {
                    return Err("no valid token (in the URL, a header, or the start's customParameters)".into());
                }
                let id = if start.call_sid.is_empty() { start.stream_sid.clone() } else { start.call_sid.clone() };
                let meta = hub::meta_from(id, Some(start.call_sid), custom);
                let speakers: Vec<Speaker> = start.tracks.iter().map(|&t| hub.config.tracks.party(t)).collect();
                call = Some(hub.admit(meta, &speakers).map_err(|r| format!("call refused: {r}"))?);
            }
            Twilio::Start(_) => return Err("a second `start`".into()),
            Twilio::Media(m) => {
                let live = call.as_mut().ok_or("media before `start`")?;
                live.push(hub.config.tracks.party(m.track), twilio::RATE, &m.samples, Some(m.timestamp_ms)).map_err(|_| "the server is shutting down")?;
            }
            Twilio::Stop => return Ok(false),
        }
        Ok(true)
    })
    .await;
    closed(&hub, "twilio", peer, ended);
}

/// Reads an L16 stream to its end: an optional first text frame of
/// metadata (a JSON object; other text is kept as the tag `metadata`),
/// then binary frames of interleaved signed 16-bit little-endian samples.
pub async fn stream(hub: Arc<Hub>, mut socket: WebSocket, layout: Layout, peer: std::net::SocketAddr) {
    if !(1..=2).contains(&layout.channels) || !sufler_hear::audio::RATES.contains(&layout.rate) {
        let rates = &sufler_hear::audio::RATES;
        let reason = format!("{} channel(s) at {} Hz: 1 or 2 channels at {}-{} Hz are taken", layout.channels, layout.rate, rates.start(), rates.end());
        let _ = socket.send(close(&reason)).await;
        closed(&hub, "stream", peer, Err(reason));
        return;
    }
    let channels = usize::from(layout.channels);
    let map = hub.config.channels;
    let speakers: Vec<Speaker> = if channels == 2 && map.client.is_some() { Speaker::ALL.to_vec() } else { vec![Speaker::Operator] };
    let mut call: Option<LiveCall> = None;
    let ended = read(&hub, socket, |message| {
        match message {
            Message::Text(text) if call.is_none() => {
                let meta = match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&text) {
                    Ok(fields) => fields.into_iter().map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_string))).collect(),
                    Err(_) => BTreeMap::from([("metadata".to_string(), text.to_string())]),
                };
                // `meta_from` prefers a `call_id` the metadata gives.
                let id = meta.get("uuid").cloned().unwrap_or_else(stream_name);
                call = Some(hub.admit(hub::meta_from(id, None, meta), &speakers).map_err(|r| format!("call refused: {r}"))?);
            }
            Message::Text(_) => {}
            Message::Binary(bytes) => {
                if call.is_none() {
                    call = Some(hub.admit(CallMeta::named(stream_name()), &speakers).map_err(|r| format!("call refused: {r}"))?);
                }
                if bytes.len() > MAX_FRAME {
                    return Err(format!("a frame of {} bytes, more than the {MAX_FRAME} allowed", bytes.len()));
                }
                if bytes.len() % (2 * channels) != 0 {
                    return Err(format!("a frame of {} bytes: not whole {channels}-channel 16-bit samples", bytes.len()));
                }
                let live = call.as_mut().expect("admitted");
                let samples: Vec<i16> = bytes.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
                let channel = |c: usize| samples.iter().skip(c).step_by(channels).copied().collect::<Vec<i16>>();
                let (op, client) = if channels == 2 { (map.operator, map.client) } else { (0, None) };
                live.push(Speaker::Operator, layout.rate, &channel(op), None).map_err(|_| "the server is shutting down")?;
                if let Some(c) = client {
                    live.push(Speaker::Client, layout.rate, &channel(c), None).map_err(|_| "the server is shutting down")?;
                }
            }
            _ => {}
        }
        Ok(true)
    })
    .await;
    closed(&hub, "stream", peer, ended);
}

/// Feeds a connection's messages to `take` until it says stop (false),
/// fails, the peer closes, or the server ends its calls.
async fn read(hub: &Hub, mut socket: WebSocket, mut take: impl FnMut(Message) -> Result<bool, String>) -> Ended {
    let mut ending = hub.ending();
    loop {
        let message = tokio::select! {
            m = tokio::time::timeout(SILENT, socket.recv()) => match m {
                Err(_) => return Err(format!("nothing received for {} s", SILENT.as_secs())),
                Ok(None) => return Ok(()),
                Ok(Some(Err(e))) => return Err(format!("not a WebSocket message: {e}")),
                Ok(Some(Ok(Message::Close(_)))) => return Ok(()),
                Ok(Some(Ok(m))) => m,
            },
            () = hub::until(&mut ending) => return Ok(()),
        };
        match take(message) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(reason) => {
                let _ = socket.send(close(&reason)).await;
                return Err(reason);
            }
        }
    }
}

/// A close frame for a policy violation, with its reason (at most 123
/// bytes: cut at a character's boundary).
fn close(reason: &str) -> Message {
    let mut end = reason.len().min(120);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    Message::Close(Some(axum::extract::ws::CloseFrame { code: 1008, reason: reason[..end].into() }))
}

/// A name for a stream that gave its call none.
fn stream_name() -> String {
    static STREAMS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    format!("stream-{}-{}", super::hub::unix_ms(), STREAMS.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

fn closed(hub: &Hub, what: &str, peer: std::net::SocketAddr, ended: Ended) {
    if let Err(reason) = ended {
        hub.closed(what, peer, &reason);
    }
}
