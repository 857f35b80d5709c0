//! What PBXs and cloud telephony stream while a call goes on, decoded
//! into each party's 16-bit PCM and the call's own fields: Asterisk's
//! AudioSocket frames ([`audiosocket`]) and Twilio Media Streams'
//! WebSocket messages ([`twilio`], μ-law by [`mulaw`]).
//!
//! Only decoding lives here: no sockets, no runtime. Every input is
//! bounded (frame and message sizes) and every malformed one is an
//! [`Error`] naming what is wrong, for the connection it came on to be
//! closed with that reason while other calls go on.

pub mod audiosocket;
mod error;
pub mod mulaw;
pub mod twilio;

pub use error::Error;
