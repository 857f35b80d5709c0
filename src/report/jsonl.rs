//! The JSON lines sink: one [`wire::Record`] per line.

use std::io::{self, Write};

use sufler_core::call::CallMeta;
use sufler_core::engine::{Event, Summary};

use super::Sink;
use super::wire::{Record, SummaryRecord, TranscriptRecord, Utterance};
use crate::live::Notice;

pub(super) struct JsonlSink<'w> {
    out: Box<dyn Write + 'w>,
    unredacted: bool,
}

impl<'w> JsonlSink<'w> {
    pub(super) fn new(out: Box<dyn Write + 'w>, unredacted: bool) -> JsonlSink<'w> {
        JsonlSink { out, unredacted }
    }

    fn line(&mut self, record: &Record<'_>) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, record)?;
        self.out.write_all(b"\n")
    }
}

impl Sink for JsonlSink<'_> {
    fn begin_call(&mut self, _call: &CallMeta) -> io::Result<()> {
        Ok(())
    }

    fn event(&mut self, event: &Event, emitted_at: Option<f64>) -> io::Result<()> {
        self.line(&Record::of(event, emitted_at, self.unredacted))
    }

    fn end_call(&mut self, summary: &Summary) -> io::Result<()> {
        self.line(&Record::CallSummary(SummaryRecord::of(summary, self.unredacted)))
    }

    fn transcript(&mut self, call: &CallMeta, utterances: &[Utterance]) -> io::Result<()> {
        self.line(&Record::Transcript(TranscriptRecord::of(call, utterances)))
    }

    fn notice(&mut self, notice: &Notice) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, notice)?;
        self.out.write_all(b"\n")
    }

    fn warning(&mut self, call: &str, message: &str) -> io::Result<()> {
        self.line(&Record::Warning { call, message })
    }

    fn error(&mut self, call: &str, message: &str) -> io::Result<()> {
        self.line(&Record::Error { call, message })
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
