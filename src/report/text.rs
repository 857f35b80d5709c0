//! The text sink: each call's flags with what to say instead, and its
//! score, for people reading a terminal (coloured when it is one).

use std::io::{self, Write};

use sufler_core::call::CallMeta;
use sufler_core::engine::{Event, Flag, FlagKind, Summary, Swapped, element_name};
use sufler_core::transcript::clock;

use super::Sink;

pub(super) struct TextSink<'w> {
    out: Box<dyn Write + 'w>,
    color: bool,
    unredacted: bool,
}

const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const GREEN: &str = "\x1b[32m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

impl<'w> TextSink<'w> {
    pub(super) fn new(out: Box<dyn Write + 'w>, color: bool, unredacted: bool) -> TextSink<'w> {
        TextSink { out, color, unredacted }
    }

    fn paint(&self, style: &str, text: &str) -> String {
        if self.color { format!("{style}{text}{RESET}") } else { text.to_string() }
    }

    fn header(&mut self, call: &str) -> io::Result<()> {
        let title = self.paint(BOLD, call);
        writeln!(self.out, "{title}")
    }

    fn flag(&mut self, f: &Flag, alert: bool) -> io::Result<()> {
        let what = match (alert, f.kind) {
            (true, _) => self.paint(YELLOW, "alert  "),
            (false, FlagKind::Banned) => self.paint(RED, "banned "),
            (false, FlagKind::Missing) => self.paint(RED, "missing"),
            (false, FlagKind::Metric) => self.paint(RED, "metric "),
        };
        let heard = if f.at.text.is_empty() { String::new() } else { format!(" «{}»", f.at.text) };
        let name = element_name(&f.at.rule, f.at.element.as_deref());
        writeln!(self.out, "  {}  {what}  {name} ({}, {}){heard}", clock(f.at.start), f.at.speaker, f.severity)?;
        let suggest = if f.suggest.is_empty() { String::new() } else { format!(" → {}", self.paint(GREEN, &f.suggest)) };
        writeln!(self.out, "           {}{suggest}", f.message)
    }
}

impl Sink for TextSink<'_> {
    fn begin_call(&mut self, call: &CallMeta) -> io::Result<()> {
        self.header(&call.id)
    }

    fn event(&mut self, event: &Event, _emitted_at: Option<f64>) -> io::Result<()> {
        match event {
            Event::Violation(f) => self.flag(f, false),
            Event::Alert(f) => self.flag(f, true),
            Event::Withdrawn(f) => {
                let name = element_name(&f.at.rule, f.at.element.as_deref());
                let what = self.paint(GREEN, "withdrawn");
                writeln!(self.out, "  {}  {what}  {name} «{}»: corrected right after", clock(f.at.start), f.at.text)
            }
            Event::Met(_) | Event::CallSummary(_) => Ok(()),
        }
    }

    fn end_call(&mut self, s: &Summary) -> io::Result<()> {
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
        if self.unredacted {
            let note = self.paint(YELLOW, super::UNREDACTED);
            writeln!(self.out, "  {note}")?;
        }
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
        if let Some(card) = &s.scorecard
            && let Some(score) = card.score
        {
            let verdict = match (card.passed, &card.failed_by) {
                (_, Some(item)) => self.paint(RED, &format!("failed by `{item}`")),
                (Some(true), None) => self.paint(GREEN, "passed"),
                _ => self.paint(RED, "not passed"),
            };
            let line = format!("  {} {}: {score:.1}/100, ", card.name, card.version);
            writeln!(self.out, "{}{verdict}", self.paint(DIM, &line))?;
        }
        Ok(())
    }

    fn warning(&mut self, _call: &str, message: &str) -> io::Result<()> {
        let label = self.paint(YELLOW, "warning");
        writeln!(self.out, "  {label}: {message}")
    }

    fn error(&mut self, call: &str, message: &str) -> io::Result<()> {
        self.header(call)?;
        let label = self.paint(RED, "error");
        writeln!(self.out, "  {label}: {}", message.replace('\n', "\n  "))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
