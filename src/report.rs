//! Sinks: where events go. Text for people (coloured on a terminal),
//! JSON lines for machines, CSV for spreadsheets.

use std::io::{self, Write};

use serde::Serialize;

use crate::engine::{Event, Flag, FlagKind, Swapped, element_name};
use crate::rules::Match;
use crate::transcript::clock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Jsonl,
    Csv,
}

/// Receives the events of one call after another.
pub trait Sink {
    fn event(&mut self, event: &Event) -> io::Result<()>;
    /// A call that could not be checked; the batch goes on.
    fn error(&mut self, call: &str, message: &str) -> io::Result<()>;
    fn flush(&mut self) -> io::Result<()>;
}

pub fn sink<'w>(format: Format, out: Box<dyn Write + 'w>, color: bool) -> Box<dyn Sink + 'w> {
    match format {
        Format::Text => Box::new(TextSink { out, color, current: None }),
        Format::Jsonl => Box::new(JsonlSink { out }),
        Format::Csv => Box::new(CsvSink { out: csv::Writer::from_writer(out), header: false }),
    }
}

struct TextSink<'w> {
    out: Box<dyn Write + 'w>,
    color: bool,
    current: Option<String>,
}

const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const GREEN: &str = "\x1b[32m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

impl TextSink<'_> {
    fn paint(&self, style: &str, text: &str) -> String {
        if self.color { format!("{style}{text}{RESET}") } else { text.to_string() }
    }

    fn header(&mut self, call: &str) -> io::Result<()> {
        if self.current.as_deref() != Some(call) {
            let title = self.paint(BOLD, call);
            writeln!(self.out, "{title}")?;
            self.current = Some(call.to_string());
        }
        Ok(())
    }

    fn flag(&mut self, f: &Flag, alert: bool) -> io::Result<()> {
        let what = match (alert, f.kind) {
            (true, _) => self.paint(YELLOW, "alert  "),
            (false, FlagKind::Banned) => self.paint(RED, "banned "),
            (false, FlagKind::Missing) => self.paint(RED, "missing"),
        };
        let heard = if f.at.text.is_empty() { String::new() } else { format!(" «{}»", f.at.text) };
        let name = element_name(&f.at.rule, f.at.element.as_deref());
        writeln!(self.out, "  {}  {what}  {name} ({}, {}){heard}", clock(f.at.start), f.at.speaker, f.severity)?;
        let suggest = if f.suggest.is_empty() { String::new() } else { format!(" → {}", self.paint(GREEN, &f.suggest)) };
        writeln!(self.out, "           {}{suggest}", f.message)
    }
}

impl Sink for TextSink<'_> {
    fn event(&mut self, event: &Event) -> io::Result<()> {
        self.header(event.call())?;
        match event {
            Event::Violation(f) => self.flag(f, false),
            Event::Alert(f) => self.flag(f, true),
            Event::Withdrawn(f) => {
                let name = element_name(&f.at.rule, f.at.element.as_deref());
                let what = self.paint(GREEN, "withdrawn");
                writeln!(self.out, "  {}  {what}  {name} «{}»: corrected right after", clock(f.at.start), f.at.text)
            }
            Event::Met(_) => Ok(()),
            Event::CallSummary(s) => {
                let line = match s.score {
                    Some(score) => format!(
                        "  score {score:.0}/100: {} violation{}, {} alert{}, {} of {} required met",
                        s.violations,
                        if s.violations == 1 { "" } else { "s" },
                        s.alerts,
                        if s.alerts == 1 { "" } else { "s" },
                        s.met.len(),
                        s.met.len() + s.missing.len()
                    ),
                    None => format!("  not scored: {}", s.reason.unwrap_or("unknown")),
                };
                if s.swapped != Swapped::No {
                    let note = match s.swapped {
                        Swapped::Corrected => "the client's channel said the operator's opening: checked the other way round",
                        _ => "the client's channel said the operator's opening: the channels look swapped (--channels auto checks such calls the other way round)",
                    };
                    let note = self.paint(YELLOW, note);
                    writeln!(self.out, "  {note}")?;
                }
                let line = self.paint(DIM, &line);
                writeln!(self.out, "{line}")?;
                self.current = None;
                Ok(())
            }
        }
    }

    fn error(&mut self, call: &str, message: &str) -> io::Result<()> {
        self.header(call)?;
        let label = self.paint(RED, "error");
        writeln!(self.out, "  {label}: {}", message.replace('\n', "\n  "))?;
        self.current = None;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

struct JsonlSink<'w> {
    out: Box<dyn Write + 'w>,
}

#[derive(Serialize)]
struct ErrorRecord<'a> {
    r#type: &'static str,
    call: &'a str,
    message: &'a str,
}

impl Sink for JsonlSink<'_> {
    fn event(&mut self, event: &Event) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, event)?;
        self.out.write_all(b"\n")
    }

    fn error(&mut self, call: &str, message: &str) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, &ErrorRecord { r#type: "error", call, message })?;
        self.out.write_all(b"\n")
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

struct CsvSink<'w> {
    out: csv::Writer<Box<dyn Write + 'w>>,
    header: bool,
}

const CSV_HEADER: [&str; 16] = [
    "type", "call", "rule", "element", "category", "kind", "speaker", "start", "end", "text", "severity", "weight",
    "message", "suggest", "score", "match",
];

impl CsvSink<'_> {
    fn row(&mut self, row: [&str; 16]) -> io::Result<()> {
        if !self.header {
            self.out.write_record(CSV_HEADER)?;
            self.header = true;
        }
        self.out.write_record(row).map_err(io::Error::other)
    }
}

impl Sink for CsvSink<'_> {
    fn event(&mut self, event: &Event) -> io::Result<()> {
        let num = |x: f64| format!("{x:.2}");
        match event {
            Event::Violation(f) | Event::Alert(f) | Event::Withdrawn(f) => {
                let kind = match f.kind {
                    FlagKind::Banned => "banned",
                    FlagKind::Missing => "missing",
                };
                let ty = match event {
                    Event::Alert(_) => "alert",
                    Event::Withdrawn(_) => "withdrawn",
                    _ => "violation",
                };
                let (start, end, weight, severity) = (num(f.at.start), num(f.at.end), num(f.weight), f.severity.to_string());
                self.row([
                    ty, &f.at.call, &f.at.rule, f.at.element.as_deref().unwrap_or(""), &f.at.category, kind, f.at.speaker.name(), &start,
                    &end, &f.at.text, &severity, &weight, &f.message, &f.suggest, "", f.at.matched.map_or("", Match::name),
                ])
            }
            Event::Met(m) => {
                let (start, end) = (num(m.at.start), num(m.at.end));
                self.row([
                    "met", &m.at.call, &m.at.rule, m.at.element.as_deref().unwrap_or(""), &m.at.category, "", m.at.speaker.name(), &start,
                    &end, &m.at.text, "", "", "", "", "", m.at.matched.map_or("", Match::name),
                ])
            }
            Event::CallSummary(s) => {
                let (end, score) = (num(s.duration), s.score.map(num).unwrap_or_default());
                self.row(["call_summary", &s.call, "", "", "", "", "", "0.00", &end, "", "", "", "", "", &score, ""])
            }
        }
    }

    fn error(&mut self, call: &str, message: &str) -> io::Result<()> {
        self.row(["error", call, "", "", "", "", "", "", "", "", "", "", message, "", "", ""])
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
