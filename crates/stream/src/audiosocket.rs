//! Asterisk's AudioSocket (TCP): each frame a 1-byte type, a 2-byte
//! big-endian payload length, the payload. `0x01` the call's UUID (16
//! bytes, first), `0x10`-`0x18` signed 16-bit little-endian PCM, mono, at
//! 8 to 192 kHz, `0x03` a DTMF key, `0x00` hang-up, `0xff` an error (an
//! optional code). One connection carries one channel.
//!
//! [`Decoder`] is fed the bytes as they arrive, in any pieces, and gives
//! back whole frames.

use crate::Error;

/// One AudioSocket frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// The call's UUID.
    Id([u8; 16]),
    /// Speech: samples at `rate` Hz.
    Audio {
        rate: u32,
        samples: Vec<i16>,
    },
    Dtmf(char),
    Hangup,
    /// Asterisk's error codes: 0x01 the caller hung up, 0x02 frame
    /// forwarding failed, 0x04 memory.
    Error(Option<u8>),
}

/// The audio frame types and their rates (Asterisk's documentation).
const RATES: [(u8, u32); 9] =
    [(0x10, 8_000), (0x11, 12_000), (0x12, 16_000), (0x13, 24_000), (0x14, 32_000), (0x15, 44_100), (0x16, 48_000), (0x17, 96_000), (0x18, 192_000)];

/// The header's size.
const HEADER: usize = 3;

/// Frames from a connection's bytes.
#[derive(Debug, Default)]
pub struct Decoder {
    buf: Vec<u8>,
    /// Where the next frame starts in `buf`.
    at: usize,
}

impl Decoder {
    /// Bytes as they came.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.at > 0 && self.at >= self.buf.len() / 2 {
            self.buf.drain(..self.at);
            self.at = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole frame, if one has come; an error for a malformed
    /// one (the connection is then not to be read further).
    pub fn next_frame(&mut self) -> Result<Option<Frame>, Error> {
        let rest = &self.buf[self.at..];
        if rest.len() < HEADER {
            return Ok(None);
        }
        let kind = rest[0];
        let len = usize::from(u16::from_be_bytes([rest[1], rest[2]]));
        // A frame type is known before its payload comes.
        check_kind(kind)?;
        if rest.len() < HEADER + len {
            return Ok(None);
        }
        let payload = &rest[HEADER..HEADER + len];
        let frame = frame(kind, payload)?;
        self.at += HEADER + len;
        Ok(Some(frame))
    }

    /// Bytes of a frame begun and not finished: a connection that ends
    /// with some ended mid-frame.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.at
    }
}

fn check_kind(kind: u8) -> Result<(), Error> {
    match kind {
        0x00 | 0x01 | 0x03 | 0xff => Ok(()),
        k if RATES.iter().any(|(t, _)| *t == k) => Ok(()),
        k => Err(Error::UnknownFrame(k)),
    }
}

fn frame(kind: u8, payload: &[u8]) -> Result<Frame, Error> {
    let bad = |kind, expected| Error::FrameLength { kind, len: payload.len(), expected };
    Ok(match kind {
        0x00 if payload.is_empty() => Frame::Hangup,
        0x00 => return Err(bad("hang-up", "0")),
        0x01 => Frame::Id(payload.try_into().map_err(|_| bad("UUID", "16"))?),
        0x03 => match payload {
            [d] if d.is_ascii_digit() || matches!(d, b'*' | b'#' | b'A'..=b'D') => Frame::Dtmf(char::from(*d)),
            [d] => return Err(Error::BadDigit(*d)),
            _ => return Err(bad("DTMF", "1")),
        },
        0xff => match payload {
            [] => Frame::Error(None),
            [code] => Frame::Error(Some(*code)),
            _ => return Err(bad("error", "0 or 1")),
        },
        k => {
            let rate = RATES.iter().find(|(t, _)| *t == k).map(|(_, r)| *r).expect("a known audio type");
            if !payload.len().is_multiple_of(2) {
                return Err(bad("audio", "an even number"));
            }
            Frame::Audio { rate, samples: payload.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect() }
        }
    })
}

/// A frame as Asterisk writes it (for test clients and tools).
pub fn encode(frame: &Frame) -> Vec<u8> {
    let (kind, payload): (u8, Vec<u8>) = match frame {
        Frame::Id(id) => (0x01, id.to_vec()),
        Frame::Audio { rate, samples } => {
            let kind = RATES.iter().find(|(_, r)| r == rate).map_or(0x10, |(t, _)| *t);
            (kind, samples.iter().flat_map(|s| s.to_le_bytes()).collect())
        }
        Frame::Dtmf(d) => (0x03, vec![*d as u8]),
        Frame::Hangup => (0x00, Vec::new()),
        Frame::Error(code) => (0xff, code.iter().copied().collect()),
    };
    let len = u16::try_from(payload.len()).expect("a payload fits in 64 KiB");
    [vec![kind], len.to_be_bytes().to_vec(), payload].concat()
}

/// The UUID as Asterisk prints it.
pub fn uuid(id: &[u8; 16]) -> String {
    let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8], piece: usize) -> (Vec<Frame>, Option<Error>, usize) {
        let mut d = Decoder::default();
        let mut frames = Vec::new();
        for chunk in bytes.chunks(piece.max(1)) {
            d.push(chunk);
            loop {
                match d.next_frame() {
                    Ok(Some(f)) => frames.push(f),
                    Ok(None) => break,
                    Err(e) => return (frames, Some(e), d.pending()),
                }
            }
        }
        (frames, None, d.pending())
    }

    #[test]
    fn a_call_in_any_pieces() {
        let id = [0x04, 0x36, 0x43, 0x0c, 0x2b, 0x02, 0x62, 0x4c, 0x20, 0x32, 0x57, 0x05, 0x01, 0x21, 0x2b, 0x57];
        let frames = vec![
            Frame::Id(id),
            Frame::Audio { rate: 8_000, samples: (0..160).map(|i| (i * 97 - 8000) as i16).collect() },
            Frame::Dtmf('5'),
            Frame::Audio { rate: 16_000, samples: vec![i16::MIN, -1, 0, 1, i16::MAX] },
            Frame::Error(Some(1)),
            Frame::Hangup,
        ];
        let bytes: Vec<u8> = frames.iter().flat_map(encode).collect();
        for piece in [1, 2, 3, 7, 320, bytes.len()] {
            assert_eq!(decode_all(&bytes, piece), (frames.clone(), None, 0), "pieces of {piece}");
        }
        assert_eq!(uuid(&id), "0436430c-2b02-624c-2032-570501212b57");
    }

    #[test]
    fn malformed_frames() {
        let table: &[(&str, &[u8], &str)] = &[
            ("unknown type", &[0x42, 0, 0], "unknown AudioSocket frame type 0x42"),
            ("short UUID", &[0x01, 0, 3, 1, 2, 3], "an AudioSocket UUID frame of 3 bytes (expected 16)"),
            ("odd audio", &[0x10, 0, 3, 1, 2, 3], "an AudioSocket audio frame of 3 bytes (expected an even number)"),
            ("hang-up with a payload", &[0x00, 0, 1, 9], "an AudioSocket hang-up frame of 1 bytes (expected 0)"),
            ("DTMF not a key", &[0x03, 0, 1, b'x'], "a DTMF frame with 120, not a key"),
            ("DTMF of two", &[0x03, 0, 2, b'1', b'2'], "an AudioSocket DTMF frame of 2 bytes (expected 1)"),
            ("long error", &[0xff, 0, 2, 1, 2], "an AudioSocket error frame of 2 bytes (expected 0 or 1)"),
        ];
        for (what, bytes, message) in table {
            let (_, e, _) = decode_all(bytes, bytes.len());
            assert_eq!(e.map(|e| e.to_string()).as_deref(), Some(*message), "{what}");
        }
        // An unknown type is refused from its header, before its payload comes.
        let (_, e, _) = decode_all(&[0x42, 0xff], 2);
        assert_eq!(e, None);
        let (_, e, _) = decode_all(&[0x42, 0xff, 0xff], 3);
        assert_eq!(e, Some(Error::UnknownFrame(0x42)));
        // A connection that stops mid-frame leaves bytes pending.
        let (frames, e, pending) = decode_all(&[0x10, 0x01, 0x40, 1, 2, 3], 6);
        assert_eq!((frames.len(), e, pending), (0, None, 6));
    }
}
