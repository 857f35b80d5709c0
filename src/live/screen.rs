//! The operator's screen: a terminal UI (ratatui) showing, while the call
//! goes on, the call clock and recognition lag, the checklist of required
//! script steps (ticked when heard, red when their window closed unmet),
//! alerts newest first with what to say instead, and the last lines each
//! party said. `q` quits, `n` starts a new call.

use std::collections::VecDeque;
use std::time::Duration;

use ratatui::Frame;
use ratatui::crossterm::event::{self, Event as Key, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use tokio::sync::mpsc;

use super::{Clock, Control, Notice, Update};
use sufler_core::call::Speaker;
use sufler_core::engine::{Event, FlagKind, element_name};
use sufler_core::rules::{Kind, RuleSet};

/// Alerts and transcript lines kept.
const KEEP: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Waiting,
    Met,
    Missing,
}

#[derive(Debug, Clone)]
pub struct Step {
    /// `rule.element`, as events name it.
    pub key: String,
    /// What to say (the element's suggestion), else its name.
    pub label: String,
    pub status: Status,
}

#[derive(Debug, Clone)]
pub struct Alert {
    pub rule: String,
    pub at: f64,
    pub alert: bool,
    /// The operator corrected themselves right after.
    pub withdrawn: bool,
    pub heard: String,
    pub message: String,
    pub suggest: String,
}

/// A line of the transcript pane: one utterance of a party.
#[derive(Debug, Clone)]
pub struct TranscriptLine {
    pub speaker: Speaker,
    pub at: f64,
    pub text: String,
    /// Heard in a decoding Whisper itself failed: shown dimmed and marked,
    /// so the operator does not take it for what was said.
    pub guessed: bool,
}

/// What the screen shows, updated from the pipeline.
#[derive(Debug, Clone)]
pub struct Screen {
    pub call: String,
    pub checklist: Vec<Step>,
    pub alerts: VecDeque<Alert>,
    pub lines: VecDeque<TranscriptLine>,
    pub lag: f64,
    pub ended: Option<String>,
    pub notice: Option<String>,
}

impl Screen {
    pub fn new(rules: &RuleSet, call: &str) -> Screen {
        let mut checklist = Vec::new();
        // A triggered step (empathy after abuse) is no step until its
        // trigger: the alert that sets it off says what to say.
        for rule in rules.rules.iter().filter(|r| r.kind == Kind::Required && r.trigger.is_none()) {
            for e in &rule.elements {
                let key = element_name(&rule.id, e.id.as_deref());
                let label = e.suggest.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| key.clone());
                checklist.push(Step { key, label, status: Status::Waiting });
            }
        }
        Screen { call: call.to_string(), checklist, alerts: VecDeque::new(), lines: VecDeque::new(), lag: 0.0, ended: None, notice: None }
    }

    pub fn apply(&mut self, update: &Update) {
        match update {
            Update::Event { event: Event::Met(m), .. } => self.set(&element_name(&m.at.rule, m.at.element.as_deref()), Status::Met),
            Update::Event { event: Event::Violation(f) | Event::Alert(f), .. } if f.kind == FlagKind::Missing => {
                self.set(&element_name(&f.at.rule, f.at.element.as_deref()), Status::Missing);
            }
            Update::Event { event: e @ (Event::Violation(f) | Event::Alert(f)), .. } => {
                let alert = Alert {
                    rule: f.at.rule.clone(),
                    at: f.at.start,
                    alert: matches!(e, Event::Alert(_)),
                    withdrawn: false,
                    heard: f.at.text.clone(),
                    message: f.message.clone(),
                    suggest: f.suggest.clone(),
                };
                self.alerts.push_front(alert);
                self.alerts.truncate(KEEP);
            }
            Update::Event { event: Event::Withdrawn(f), .. } => {
                for a in self.alerts.iter_mut().filter(|a| a.rule == f.at.rule && a.at == f.at.start) {
                    a.withdrawn = true;
                }
            }
            Update::Event { event: Event::CallSummary(s), .. } => {
                let score = s.score.map_or_else(|| format!("not scored ({})", s.reason.unwrap_or("unknown")), |x| format!("score {x:.0}"));
                self.ended = Some(format!("call ended: {score}, {} violation(s), {} alert(s)", s.violations, s.alerts));
            }
            Update::Notice(Notice::NewCall { call, .. }) => {
                *self = Screen { call: call.clone(), lag: self.lag, ..self.fresh() };
            }
            Update::Notice(Notice::Skipped { speaker, start, end, .. }) => {
                self.notice = Some(format!("recognition behind: {speaker} {} – {} not recognised", clock(*start), clock(*end)));
            }
            Update::Notice(Notice::Lag { .. }) => {}
            Update::Words { speaker, start, text, utterance_start, guessed, .. } => {
                // Words of one utterance come in pieces: they join its line.
                match self.lines.back_mut() {
                    Some(line) if line.speaker == *speaker && !utterance_start => {
                        line.text.push(' ');
                        line.text.push_str(text);
                        line.guessed |= guessed;
                    }
                    _ => self.lines.push_back(TranscriptLine { speaker: *speaker, at: *start, text: text.clone(), guessed: *guessed }),
                }
                if self.lines.len() > KEEP {
                    self.lines.pop_front();
                }
            }
            Update::Lag(lag) => self.lag = *lag,
        }
    }

    fn fresh(&self) -> Screen {
        let mut s = self.clone();
        s.alerts.clear();
        s.lines.clear();
        s.ended = None;
        s.notice = None;
        for step in &mut s.checklist {
            step.status = Status::Waiting;
        }
        s
    }

    fn set(&mut self, key: &str, status: Status) {
        for step in self.checklist.iter_mut().filter(|s| s.key == key) {
            // Once met, a late window cannot undo it.
            if step.status != Status::Met {
                step.status = status;
            }
        }
    }

    pub fn draw(&self, frame: &mut Frame<'_>, now: f64) {
        let [top, middle, bottom, help] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(6), Constraint::Length(8), Constraint::Length(1)]).areas(frame.area());
        let [left, right] = Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(middle);
        let lag_style = if self.lag > super::LAG_NOTICE_S { Style::new().fg(Color::Red).add_modifier(Modifier::BOLD) } else { Style::new() };
        let mut head = vec![
            Span::styled(format!(" {} ", self.call), Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(format!(" {}  ", clock(now))),
            Span::styled(format!("lag {:.1} s", self.lag), lag_style),
        ];
        if let Some(n) = self.ended.as_ref().or(self.notice.as_ref()) {
            head.push(Span::raw(format!("  {n}")));
        }
        frame.render_widget(Paragraph::new(Line::from(head)), top);

        let steps: Vec<Line> = self
            .checklist
            .iter()
            .map(|s| {
                let (mark, style) = match s.status {
                    Status::Waiting => ("[ ]", Style::new()),
                    Status::Met => ("[x]", Style::new().fg(Color::Green)),
                    Status::Missing => ("[!]", Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)),
                };
                Line::styled(format!("{mark} {}", s.label), style)
            })
            .collect();
        frame.render_widget(Paragraph::new(steps).wrap(Wrap { trim: true }).block(Block::bordered().title(" Checklist ")), left);

        let mut alerts = Vec::new();
        for a in &self.alerts {
            let colour = if a.alert { Color::Yellow } else { Color::Red };
            if a.withdrawn {
                let line = format!("{} «{}» исправлено", clock(a.at), a.heard);
                alerts.push(Line::styled(line, Style::new().fg(Color::Green).add_modifier(Modifier::DIM)));
                continue;
            }
            alerts.push(Line::from(vec![
                Span::raw(format!("{} ", clock(a.at))),
                Span::styled(format!("«{}» ", a.heard), Style::new().fg(colour).add_modifier(Modifier::BOLD)),
                Span::raw(a.message.clone()),
            ]));
            if !a.suggest.is_empty() {
                alerts.push(Line::styled(format!("      Скажите: «{}»", a.suggest), Style::new().fg(Color::Cyan)));
            }
        }
        frame.render_widget(Paragraph::new(alerts).wrap(Wrap { trim: true }).block(Block::bordered().title(" Alerts ")), right);

        let room = usize::from(bottom.height.saturating_sub(2));
        let lines: Vec<Line> = self
            .lines
            .iter()
            .skip(self.lines.len().saturating_sub(room))
            .map(|l| {
                let line = format!("{} {:<8} {}", clock(l.at), l.speaker.name(), l.text);
                if l.guessed { Line::styled(format!("{line} (?)"), Style::new().add_modifier(Modifier::DIM | Modifier::ITALIC)) } else { Line::from(line) }
            })
            .collect();
        frame.render_widget(Paragraph::new(lines).block(Block::bordered().title(" Transcript ")), bottom);
        frame.render_widget(Paragraph::new(" q quit   n new call").style(Style::new().add_modifier(Modifier::DIM)), help);
    }
}

/// `mm:ss`.
fn clock(t: f64) -> String {
    let s = t.max(0.0) as u64;
    format!("{:02}:{:02}", s / 60, s % 60)
}

/// Runs the screen until `q`, drawing every update and the clock; `n` is
/// sent on as a new call. Restores the terminal however it ends.
pub async fn run(mut screen: Screen, mut updates: mpsc::Receiver<Update>, control: mpsc::Sender<Control>, clock_: Clock) -> std::io::Result<()> {
    let (keys_tx, mut keys) = mpsc::channel(16);
    // Terminal input blocks: it is read on a thread of its own.
    std::thread::spawn(move || {
        while !keys_tx.is_closed() {
            if event::poll(Duration::from_millis(100)).unwrap_or(false)
                && let Ok(Key::Key(k)) = event::read()
                && k.kind == KeyEventKind::Press
                && keys_tx.blocking_send(k).is_err()
            {
                break;
            }
        }
    });
    let mut terminal = ratatui::init();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    let mut open = true;
    let result = loop {
        tokio::select! {
            u = updates.recv(), if open => match u {
                Some(u) => screen.apply(&u),
                None => open = false,
            },
            k = keys.recv() => match k.map(|k| (k.code, k.modifiers.contains(KeyModifiers::CONTROL))) {
                // The terminal is raw: Ctrl-C arrives as a key.
                Some((KeyCode::Char('q'), _) | (KeyCode::Char('c'), true)) | None => break Ok(()),
                Some((KeyCode::Char('n'), _)) => {
                    let _ = control.send(Control::NewCall).await;
                }
                Some(_) => {}
            },
            _ = tick.tick() => {}
        }
        if let Err(e) = terminal.draw(|f| screen.draw(f, clock_.now())) {
            break Err(e);
        }
    };
    ratatui::restore();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use sufler_core::engine::{Flag, Place};
    use sufler_core::rules::Severity;

    fn flag(rule: &str, start: f64, heard: &str) -> Flag {
        let at = Place {
            call: std::sync::Arc::new("call".into()),
            rule: rule.into(),
            element: None,
            category: "banned".into(),
            speaker: Speaker::Operator,
            start,
            end: start + 0.5,
            text: heard.into(),
            matched: Some(sufler_core::rules::Match::Stem),
            confidence: None,
        };
        Flag { at, kind: FlagKind::Banned, alert: false, severity: Severity::Error, weight: 5.0, message: String::new(), suggest: "Уточню".into() }
    }

    /// A screen with no checklist, before any update.
    fn blank() -> Screen {
        Screen { call: "call".into(), checklist: Vec::new(), alerts: VecDeque::new(), lines: VecDeque::new(), lag: 0.0, ended: None, notice: None }
    }

    #[test]
    fn a_withdrawn_flag_is_shown_as_corrected() {
        let mut screen = blank();
        screen.apply(&Update::Event { event: Event::Violation(flag("ne-znayu", 3.0, "не знаю")), emitted_at: 0.0 });
        screen.apply(&Update::Event { event: Event::Violation(flag("ne-znayu", 9.0, "не знаю")), emitted_at: 0.0 });
        screen.apply(&Update::Event { event: Event::Withdrawn(flag("ne-znayu", 9.0, "не знаю")), emitted_at: 0.0 });
        let shown: Vec<(f64, bool)> = screen.alerts.iter().map(|a| (a.at, a.withdrawn)).collect();
        assert_eq!(shown, [(9.0, true), (3.0, false)]);
    }

    #[test]
    fn words_heard_in_a_failed_decoding_are_marked_on_their_line() {
        let mut screen = blank();
        let words = |speaker, start, text: &str, utterance_start, guessed| Update::Words {
            speaker,
            start,
            end: start + 1.0,
            text: text.into(),
            utterance_start,
            guessed,
        };
        screen.apply(&words(Speaker::Operator, 1.0, "Здравствуйте,", true, false));
        screen.apply(&words(Speaker::Operator, 2.0, "компания Ромашка.", false, false));
        screen.apply(&words(Speaker::Client, 4.0, "Собирайся мы", true, false));
        screen.apply(&words(Speaker::Client, 5.0, "позвонили", false, true));
        let backend = ratatui::backend::TestBackend::new(60, 16);
        let mut terminal = ratatui::Terminal::new(backend).unwrap();
        terminal.draw(|f| screen.draw(f, 6.0)).unwrap();
        let buffer = terminal.backend().buffer();
        let rows: Vec<String> =
            (0..buffer.area.height).map(|y| (0..buffer.area.width).map(|x| buffer[(x, y)].symbol()).collect::<String>().trim_end().to_string()).collect();
        let at = |needle: &str| rows.iter().position(|r| r.contains(needle)).unwrap_or_else(|| panic!("{needle:?} not on screen:\n{}", rows.join("\n")));
        let text = |row: usize| rows[row].trim_matches(|c: char| c == '│' || c.is_whitespace()).to_string();
        assert_eq!(text(at("Ромашка")), "00:01 operator Здравствуйте, компания Ромашка.");
        assert_eq!(text(at("позвонили")), "00:04 client   Собирайся мы позвонили (?)");
        let dimmed = |row: usize, word: &str| {
            let col = rows[row][..rows[row].find(word).unwrap()].chars().count() as u16;
            buffer[(col, row as u16)].modifier.contains(Modifier::DIM)
        };
        assert!(dimmed(at("позвонили"), "Собирайся"));
        assert!(!dimmed(at("Ромашка"), "Здравствуйте"));
    }
}
