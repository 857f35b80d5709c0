//! What can be wrong with a stream's frames and messages.

/// A malformed frame or message: the connection it came on is closed with
/// this as the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("unknown AudioSocket frame type 0x{0:02x}")]
    UnknownFrame(u8),
    #[error("an AudioSocket {kind} frame of {len} bytes (expected {expected})")]
    FrameLength { kind: &'static str, len: usize, expected: &'static str },
    #[error("a DTMF frame with {0:?}, not a key")]
    BadDigit(u8),
    #[error("a message of {len} bytes, more than the {limit} allowed")]
    TooLarge { len: usize, limit: usize },
    #[error("not a Media Streams message: {0}")]
    Json(String),
    #[error("unknown Media Streams event `{0}`")]
    UnknownEvent(String),
    #[error("media payload is not base64: {0}")]
    Base64(String),
    #[error("{0}")]
    Field(String),
}
