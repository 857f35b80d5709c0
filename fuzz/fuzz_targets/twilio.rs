//! Twilio Media Streams messages: any text is a message or an error that
//! says why, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sufler_stream::twilio;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match twilio::parse(text) {
        Ok(twilio::Message::Media(m)) => assert!(m.samples.len() <= twilio::MAX_MESSAGE),
        Ok(_) => {}
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
