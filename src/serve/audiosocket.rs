//! Asterisk AudioSocket ingest. Asterisk sends one channel per TCP
//! connection, its first frame the UUID the dialplan gave: the operator's
//! leg connects to the operator port and the client's to the client port
//! with the same UUID, and the two are one call (whichever comes first
//! starts it; the other party is silence until its leg comes). A stereo
//! port takes one connection whose audio frames interleave the operator's
//! and the client's samples.
//!
//! AudioSocket has no field for a token: connections are taken only from
//! the addresses allowed (`[serve.audiosocket] allow`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

use sufler_core::call::{CallMeta, Speaker};
use sufler_stream::audiosocket::{Decoder, Frame, uuid};

use super::hub::{self, Hub, LiveCall};
use super::log;

/// A connection must name its call this soon.
const FIRST_FRAME: Duration = Duration::from_secs(10);

/// A connection that sends nothing this long is dead (Asterisk sends a
/// frame every 20 ms while the channel is up).
const SILENT: Duration = Duration::from_secs(30);

/// What a port takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    Leg(Speaker),
    Stereo,
}

impl Port {
    pub fn name(self) -> &'static str {
        match self {
            Port::Leg(Speaker::Operator) => "audiosocket operator",
            Port::Leg(Speaker::Client) => "audiosocket client",
            Port::Stereo => "audiosocket stereo",
        }
    }
}

/// Calls whose legs are connected, by UUID.
#[derive(Default)]
pub struct Pairs(Mutex<HashMap<[u8; 16], Weak<Mutex<LiveCall>>>>);

/// Takes connections on `listener` until the server stops taking calls.
pub async fn listen(hub: Arc<Hub>, pairs: Arc<Pairs>, listener: TcpListener, port: Port) {
    let mut stopping = hub.stopping();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    log::warn("cannot accept", serde_json::json!({ "port": port.name(), "reason": e.to_string() }));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = hub::until(&mut stopping) => return,
        };
        if !hub.config.audiosocket.allows(peer.ip()) {
            log::warn("connection refused", serde_json::json!({ "port": port.name(), "peer": peer, "reason": "address not allowed" }));
            continue;
        }
        let (hub, pairs) = (hub.clone(), pairs.clone());
        tokio::spawn(async move {
            if let Err(reason) = connection(&hub, &pairs, stream, port).await {
                hub.closed(port.name(), peer, &reason);
            }
        });
    }
}

/// Reads one connection to its end; an error is why it was closed.
async fn connection(hub: &Arc<Hub>, pairs: &Pairs, mut stream: TcpStream, port: Port) -> Result<(), String> {
    let mut decoder = Decoder::default();
    let mut buf = vec![0u8; 8192];
    let mut call: Option<(Arc<Mutex<LiveCall>>, String)> = None;
    let mut ending = hub.ending();
    loop {
        let wait = if call.is_some() { SILENT } else { FIRST_FRAME };
        let n = tokio::select! {
            read = tokio::time::timeout(wait, stream.read(&mut buf)) => match read {
                Ok(Ok(n)) => n,
                Ok(Err(e)) => return Err(format!("cannot read: {e}")),
                Err(_) if call.is_none() => return Err(format!("no UUID frame within {} s", FIRST_FRAME.as_secs())),
                Err(_) => return Err(format!("nothing received for {} s", SILENT.as_secs())),
            },
            // The server ends its calls: this leg is over.
            () = hub::until(&mut ending) => return Ok(()),
        };
        if n == 0 {
            return match decoder.pending() {
                0 => Ok(()),
                left => Err(format!("the connection ended in the middle of a frame ({left} bytes of it)")),
            };
        }
        decoder.push(&buf[..n]);
        while let Some(frame) = decoder.next_frame().map_err(|e| e.to_string())? {
            match (frame, &call) {
                (Frame::Id(id), None) => call = Some((join(hub, pairs, id, port)?, uuid(&id))),
                (Frame::Id(_), Some(_)) => return Err("a second UUID frame".into()),
                (_, None) => return Err("audio before the UUID frame".into()),
                (Frame::Audio { rate, samples }, Some((live, _))) => {
                    let mut live = live.lock().expect("call");
                    let sent = match port {
                        Port::Leg(speaker) => live.push(speaker, rate, &samples, None),
                        Port::Stereo => {
                            if samples.len() % 2 != 0 {
                                return Err(format!("a stereo audio frame of {} samples, not whole frames", samples.len()));
                            }
                            let channel = |c: usize| samples.iter().skip(c).step_by(2).copied().collect::<Vec<i16>>();
                            let map = hub.config.channels;
                            live.push(Speaker::Operator, rate, &channel(map.operator), None)
                                .and_then(|()| map.client.map_or(Ok(()), |c| live.push(Speaker::Client, rate, &channel(c), None)))
                        }
                    };
                    sent.map_err(|_| "the server is shutting down".to_string())?;
                }
                (Frame::Dtmf(_), Some(_)) => {}
                (Frame::Hangup, Some(_)) => return Ok(()),
                (Frame::Error(code), Some((_, id))) => {
                    log::info("asterisk reports an error", serde_json::json!({ "call": id, "code": code }));
                    return Ok(());
                }
            }
        }
    }
}

/// The call a leg belongs to: its pair's, else a new one.
fn join(hub: &Arc<Hub>, pairs: &Pairs, id: [u8; 16], port: Port) -> Result<Arc<Mutex<LiveCall>>, String> {
    let mut pairs = pairs.0.lock().expect("pairs");
    pairs.retain(|_, call| call.strong_count() > 0);
    if let Port::Leg(_) = port
        && let Some(call) = pairs.get(&id).and_then(Weak::upgrade)
    {
        return Ok(call);
    }
    let name = uuid(&id);
    let meta = hub.take_meta(&name).unwrap_or_else(|| CallMeta { call_id: Some(name.clone()), ..CallMeta::named(name.clone()) });
    let paired = hub.config.audiosocket.operator.is_some() && hub.config.audiosocket.client.is_some();
    let speakers: Vec<Speaker> = match port {
        Port::Leg(_) if paired => Speaker::ALL.to_vec(),
        Port::Leg(s) => vec![s],
        Port::Stereo if hub.config.channels.client.is_some() => Speaker::ALL.to_vec(),
        Port::Stereo => vec![Speaker::Operator],
    };
    let call = Arc::new(Mutex::new(hub.admit(meta, &speakers).map_err(|r| format!("call refused: {r}"))?));
    if let Port::Leg(_) = port {
        pairs.insert(id, Arc::downgrade(&call));
    }
    Ok(call)
}
