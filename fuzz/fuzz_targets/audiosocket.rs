//! AudioSocket frames: any bytes, fed whole and in pieces, give the same
//! frames, or the same error, and never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sufler_stream::audiosocket::{Decoder, encode};

fn frames(data: &[u8], piece: usize) -> (Vec<Vec<u8>>, Option<String>) {
    let mut d = Decoder::default();
    let mut out = Vec::new();
    for chunk in data.chunks(piece) {
        d.push(chunk);
        loop {
            match d.next_frame() {
                Ok(Some(f)) => out.push(encode(&f)),
                Ok(None) => break,
                Err(e) => return (out, Some(e.to_string())),
            }
        }
    }
    (out, None)
}

fuzz_target!(|data: &[u8]| {
    let whole = frames(data, data.len().max(1));
    let piece = 1 + usize::from(data.first().copied().unwrap_or(0) % 7);
    assert_eq!(frames(data, piece), whole);
    // A frame read back is written as it came.
    let written: Vec<u8> = whole.0.concat();
    assert_eq!(&data[..written.len()], &written[..]);
});
