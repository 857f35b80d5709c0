//! The CSV sink: a row per flag, step met and call, for spreadsheets.

use std::io::{self, Write};

use sufler_core::call::CallMeta;
use sufler_core::engine::{Event, Summary};
use sufler_core::rules::Match;

use super::Sink;

pub(super) struct CsvSink<'w> {
    out: csv::Writer<Box<dyn Write + 'w>>,
    header: bool,
    unredacted: bool,
}

const CSV_HEADER: [&str; 16] =
    ["type", "call", "rule", "element", "category", "kind", "speaker", "start", "end", "text", "severity", "weight", "message", "suggest", "score", "match"];

impl<'w> CsvSink<'w> {
    pub(super) fn new(out: Box<dyn Write + 'w>, unredacted: bool) -> CsvSink<'w> {
        CsvSink { out: csv::Writer::from_writer(out), header: false, unredacted }
    }

    fn row(&mut self, row: [&str; 16]) -> io::Result<()> {
        if !self.header {
            self.out.write_record(CSV_HEADER)?;
            self.header = true;
        }
        self.out.write_record(row).map_err(io::Error::other)
    }
}

impl Sink for CsvSink<'_> {
    fn begin_call(&mut self, _call: &CallMeta) -> io::Result<()> {
        Ok(())
    }

    fn event(&mut self, event: &Event, _emitted_at: Option<f64>) -> io::Result<()> {
        match event {
            Event::Violation(f) | Event::Alert(f) | Event::Withdrawn(f) => {
                let kind = f.kind.name();
                let ty = match event {
                    Event::Alert(_) => "alert",
                    Event::Withdrawn(_) => "withdrawn",
                    _ => "violation",
                };
                let (start, end, weight, severity) = (num(f.at.start), num(f.at.end), num(f.weight), f.severity.to_string());
                self.row([
                    ty,
                    &f.at.call.id,
                    &f.at.rule,
                    f.at.element.as_deref().unwrap_or(""),
                    &f.at.category,
                    kind,
                    f.at.speaker.name(),
                    &start,
                    &end,
                    &f.at.text,
                    &severity,
                    &weight,
                    &f.message,
                    &f.suggest,
                    "",
                    f.at.matched.map_or("", Match::name),
                ])
            }
            Event::Met(m) => {
                let (start, end) = (num(m.at.start), num(m.at.end));
                self.row([
                    "met",
                    &m.at.call.id,
                    &m.at.rule,
                    m.at.element.as_deref().unwrap_or(""),
                    &m.at.category,
                    "",
                    m.at.speaker.name(),
                    &start,
                    &end,
                    &m.at.text,
                    "",
                    "",
                    "",
                    "",
                    "",
                    m.at.matched.map_or("", Match::name),
                ])
            }
            Event::CallSummary(s) => self.end_call(s),
        }
    }

    fn end_call(&mut self, s: &Summary) -> io::Result<()> {
        let (end, score) = (num(s.duration), s.score.map(num).unwrap_or_default());
        let note = if self.unredacted { super::UNREDACTED } else { "" };
        self.row(["call_summary", &s.call.id, "", "", "", "", "", "0.00", &end, "", "", "", note, "", &score, ""])
    }

    fn warning(&mut self, call: &str, message: &str) -> io::Result<()> {
        self.row(["warning", call, "", "", "", "", "", "", "", "", "", "", message, "", "", ""])
    }

    fn error(&mut self, call: &str, message: &str) -> io::Result<()> {
        self.row(["error", call, "", "", "", "", "", "", "", "", "", "", message, "", "", ""])
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Seconds and weights to the hundredth.
fn num(x: f64) -> String {
    format!("{x:.2}")
}
