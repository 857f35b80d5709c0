//! Sinks: where a batch's or a live call's results go. Text for people
//! (coloured on a terminal), JSON lines for machines ([`wire`] is their
//! format), CSV for spreadsheets.
//!
//! This is the one place where what the core found leaves the program:
//! every command writes through a [`Sink`].

mod csv;
mod jsonl;
mod text;
pub mod wire;

use std::io::{self, Write};

use sufler_core::call::CallMeta;
use sufler_core::engine::{Event, Summary};

pub use wire::Utterance;

use crate::live::Notice;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Jsonl,
    Csv,
}

/// Receives calls one after another: each call begins, has its events
/// (stamped with when they left the pipeline, live) and ends with its
/// summary, or fails.
pub trait Sink {
    fn begin_call(&mut self, call: &CallMeta) -> io::Result<()>;
    fn event(&mut self, event: &Event, emitted_at: Option<f64>) -> io::Result<()>;
    fn end_call(&mut self, summary: &Summary) -> io::Result<()>;
    /// A checked call's words, utterance by utterance (redacted unless
    /// told otherwise), for reports that show them beside the flags:
    /// written by the JSON lines sink alone.
    fn transcript(&mut self, _call: &CallMeta, _utterances: &[Utterance]) -> io::Result<()> {
        Ok(())
    }
    /// Live mode's news of the pipeline (lag, speech skipped, a new call):
    /// among the records in JSON lines, else on stderr.
    fn notice(&mut self, notice: &Notice) -> io::Result<()> {
        eprintln!("{}", serde_json::to_string(notice).expect("notices serialise"));
        Ok(())
    }
    /// Something wrong with a call that did not stop it being checked (its
    /// recording damaged or cut short).
    fn warning(&mut self, call: &str, message: &str) -> io::Result<()>;
    /// A call that could not be checked; the batch goes on.
    fn error(&mut self, call: &str, message: &str) -> io::Result<()>;
    /// Everything written so far is out (a live screen, a pipe).
    fn flush(&mut self) -> io::Result<()>;
}

/// How results are written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    pub format: Format,
    /// Colours (text on a terminal).
    pub color: bool,
    /// The words were kept as heard (`--no-redact`): each call says so.
    pub unredacted: bool,
}

pub fn sink<'w>(style: Style, out: Box<dyn Write + 'w>) -> Box<dyn Sink + 'w> {
    match style.format {
        Format::Text => Box::new(text::TextSink::new(out, style.color, style.unredacted)),
        Format::Jsonl => Box::new(jsonl::JsonlSink::new(out, style.unredacted)),
        Format::Csv => Box::new(csv::CsvSink::new(out, style.unredacted)),
    }
}

/// One call's records as JSON lines, as `write` puts them into a sink:
/// the contents of a results file (`check --results`, `serve`).
pub fn jsonl(unredacted: bool, write: impl FnOnce(&mut dyn Sink) -> io::Result<()>) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    {
        let style = Style { format: Format::Jsonl, color: false, unredacted };
        let mut sink = sink(style, Box::new(&mut bytes));
        write(&mut *sink)?;
        sink.flush()?;
    }
    Ok(bytes)
}

/// What a call's summary says when its words were kept as heard.
pub const UNREDACTED: &str = "not redacted (--no-redact): card and phone numbers are in clear";

/// Hands a sink one event of a call: the summary ends the call.
pub fn deliver(sink: &mut dyn Sink, event: &Event, emitted_at: Option<f64>) -> io::Result<()> {
    match event {
        Event::CallSummary(summary) => sink.end_call(summary),
        _ => sink.event(event, emitted_at),
    }
}
