//! Recordings: any bytes, as a WAV, FLAC, MP3 or OGG file, are read to the
//! end or refused with a message, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sufler_hear::audio::{ChannelMap, Reader};

fuzz_target!(|data: &[u8]| {
    let Some((&kind, bytes)) = data.split_first() else { return };
    let ext = ["wav", "flac", "mp3", "ogg"][usize::from(kind) % 4];
    let path = std::env::temp_dir().join(format!("sufler-fuzz-{}.{ext}", std::process::id()));
    std::fs::write(&path, bytes).expect("a temporary file");
    let Ok(mut reader) = Reader::open(&path, ChannelMap::default(), |_| true) else { return };
    let _ = reader.parties();
    for packet in &mut reader {
        if packet.is_err() {
            break;
        }
    }
    let _ = reader.warnings();
});
