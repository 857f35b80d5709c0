//! What `sufler serve` is told: where it listens, who may connect, how
//! many calls it takes, where results go. From the flags, else the
//! `[serve]` table of `sufler.toml`, else the defaults here.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

/// Calls checked at once unless told otherwise: on 2 cores with the base
/// model, the load benchmark kept p95 flag latency within 2 s at this
/// count in four runs of five (docs/design.md).
pub const MAX_CALLS: usize = 4;

/// Calls in progress at SIGTERM get this long to end by themselves before
/// they are ended as a hang-up would.
pub const DRAIN_S: f64 = 30.0;

/// The `[serve]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    /// HTTP: the operator panel, its event stream, WebSocket ingest,
    /// `/healthz`, `/metrics`.
    pub listen: Option<SocketAddr>,
    /// The shared secret every ingest connection and panel request shows.
    pub token: Option<String>,
    pub max_calls: Option<usize>,
    /// Where each finished call's results are written, as `check --results` does.
    pub results: Option<PathBuf>,
    pub drain_s: Option<f64>,
    #[serde(default)]
    pub audiosocket: AudioSocketConfig,
    /// Which party each Twilio track is.
    #[serde(default)]
    pub twilio: sufler_stream::twilio::Tracks,
}

/// Asterisk AudioSocket listeners: one port per party (two connections
/// with the same UUID are one call), and one for interleaved stereo.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudioSocketConfig {
    pub operator: Option<SocketAddr>,
    pub client: Option<SocketAddr>,
    pub stereo: Option<SocketAddr>,
    /// AudioSocket carries no token: the PBXs allowed to connect, by
    /// address (default: this machine only).
    pub allow: Option<Vec<std::net::IpAddr>>,
}

/// Everything resolved.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub token: String,
    pub max_calls: usize,
    pub results: Option<PathBuf>,
    pub drain_s: f64,
    pub audiosocket: AudioSocket,
    pub tracks: sufler_stream::twilio::Tracks,
    /// Which channel of a stereo stream is whose.
    pub channels: sufler_hear::audio::ChannelMap,
    /// Card and phone numbers taken out of the words (off: trusted QA only).
    pub redact: bool,
}

#[derive(Debug, Clone)]
pub struct AudioSocket {
    pub operator: Option<SocketAddr>,
    pub client: Option<SocketAddr>,
    pub stereo: Option<SocketAddr>,
    pub allow: Vec<std::net::IpAddr>,
}

impl AudioSocket {
    /// Whether a PBX at `peer` may connect.
    pub fn allows(&self, peer: std::net::IpAddr) -> bool {
        self.allow.iter().any(|a| *a == peer || (a.is_loopback() && peer.is_loopback()))
    }
}
