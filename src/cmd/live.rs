//! `sufler live`: one call checked while it goes on, from a sound card, a
//! recording replayed at its own pace, or raw PCM on standard input, onto
//! the operator's screen or into a sink. The pipeline is a library
//! function: a source, a session on a shared model, and an output.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::mpsc;

use sufler_core::call::Speaker;
use sufler_core::engine::Event;
use sufler_core::rules::RuleSet;
use sufler_hear::asr::Model;
use sufler_hear::audio::{ChannelMap, Reader};

use crate::error::{Error, Result};
use crate::live::{self, Clock, Notice, Update, recognise, screen, source};
use crate::report::{Sink, deliver};

/// Where the call's audio comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Sound inputs: the operator's (the system's default when `None`), and
    /// the client's when there is one (a loopback of the softphone's output).
    Mic { device: Option<String>, client_device: Option<String> },
    /// A recording replayed at `speed` times real time.
    Replay { path: std::path::PathBuf, speed: f64 },
    /// Raw signed 16-bit little-endian PCM at `rate` on standard input.
    Stdin { rate: u32 },
}

/// A live call to check.
pub struct Live {
    pub source: Source,
    /// Which channel holds which party.
    pub channels: ChannelMap,
    /// The call's name in events.
    pub call: String,
    /// Card and phone numbers taken out of the words before anything sees
    /// them (off: kept as heard, for trusted QA only).
    pub redact: bool,
}

/// Where the results go.
pub enum Output<'w> {
    /// The operator's screen on this terminal; the operator may quit.
    Screen,
    /// A sink: JSON lines, text or CSV.
    Sink(Box<dyn Sink + 'w>),
}

/// What a live call came to.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Violations that stand, over all calls (the operator may start new ones).
    pub violations: usize,
}

impl Live {
    /// The name a call gets by default: the file replayed, `stdin` or `mic`.
    pub fn default_name(source: &Source) -> String {
        match source {
            Source::Replay { path, .. } => path.display().to_string(),
            Source::Stdin { .. } => "stdin".into(),
            Source::Mic { .. } => "mic".into(),
        }
    }
}

/// Runs the call until its audio ends, the operator quits the screen, or
/// `shutdown` completes (Ctrl-C, SIGTERM): then the call ends as when its
/// audio does, what is pending decided and the summary given.
pub fn run(live: &Live, rules: Arc<RuleSet>, model: &Arc<Model>, output: Output<'_>, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<Outcome> {
    // The parties the rules listen to and the source carries: a party with
    // no audio would hold the clock of the rule engine back.
    let mut speakers: Vec<Speaker> = Speaker::ALL.into_iter().filter(|&s| rules.listens_to(s)).collect();
    let mut replay = match &live.source {
        Source::Replay { path, speed } => Some((Reader::open(path, live.channels, |s| speakers.contains(&s))?, *speed)),
        _ => None,
    };
    let replayed = replay.as_mut().map(|(r, _)| r.parties()).transpose()?;
    speakers.retain(|&s| match (&replayed, s, &live.source) {
        (Some(parties), _, _) => parties.contains(&s),
        (None, Speaker::Operator, _) => true,
        (None, Speaker::Client, Source::Mic { client_device, .. }) => client_device.is_some(),
        (None, Speaker::Client, _) => live.channels.client.is_some(),
    });
    let session = model.session()?;
    let clock = Clock::new(replay.as_ref().map_or(1.0, |(_, speed)| *speed));
    let (source_tx, mut source_rx) = mpsc::channel::<live::Block>(live::AUDIO_QUEUE);
    let (heard_tx, heard_rx) = mpsc::channel(256);
    let (control_tx, control_rx) = mpsc::channel(4);
    let (update_tx, mut update_rx) = mpsc::channel(256);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().map_err(Error::Runtime)?;
    let recognition = recognise::Recogniser::start(session);
    let feed = recognition.open(&speakers, heard_tx);
    // The source's audio passes on until it ends or the call is stopped:
    // either way the recogniser sees the end of the stream.
    runtime.spawn(async move {
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                block = source_rx.recv() => match block {
                    Some(block) => if feed.try_send(block).is_err() && feed.is_closed() { break },
                    None => break,
                },
                () = &mut shutdown => break,
            }
        }
    });
    let mut replaying = None;
    let capture = {
        let (speakers, clock, map) = (speakers.clone(), clock.clone(), live.channels);
        match (replay, &live.source) {
            (Some((reader, speed)), _) => {
                replaying = Some(runtime.spawn(source::replay(reader, speakers, speed, source_tx, clock)));
                None
            }
            (None, Source::Stdin { rate }) => {
                let rate = *rate;
                Some(std::thread::spawn(move || source::stdin(rate, map, speakers, source_tx, clock)))
            }
            (None, Source::Mic { device, client_device }) => {
                let (device, client) = (device.clone(), client_device.clone());
                Some(std::thread::spawn(move || source::microphone(device, client, speakers, source_tx, clock)))
            }
            (None, Source::Replay { .. }) => unreachable!("a replay has its reader"),
        }
    };
    runtime.spawn(live::judge(rules.clone(), live.call.as_str().into(), live.redact, heard_rx, control_rx, update_tx, clock.clone()));
    let mut sink = match output {
        Output::Screen => {
            runtime.block_on(screen::run(screen::Screen::new(&rules, &live.call), update_rx, control_tx, clock)).map_err(Error::Output)?;
            // The operator quit: whatever is still being recognised is dropped.
            return Ok(Outcome::default());
        }
        Output::Sink(sink) => sink,
    };
    let mut outcome = Outcome::default();
    sink.begin_call(&live.call.as_str().into())?;
    runtime.block_on(async {
        while let Some(update) = update_rx.recv().await {
            match update {
                Update::Event { event, emitted_at } => {
                    // Flags may be withdrawn: the calls' summaries count what stands.
                    if let Event::CallSummary(s) = &event {
                        outcome.violations += s.violations;
                    }
                    deliver(&mut *sink, &event, Some(emitted_at))?;
                }
                Update::Notice(n) => {
                    sink.notice(&n)?;
                    if let Notice::NewCall { call, .. } = &n {
                        sink.begin_call(&call.as_str().into())?;
                    }
                }
                Update::Words { .. } | Update::Lag(_) => {}
            }
        }
        sink.flush()
    })?;
    drop(control_tx);
    recognition.join()?;
    if let Some(capture) = capture {
        // A source still blocked on its input (standard input, after a
        // Ctrl-C) is left to end with the process.
        if capture.is_finished() {
            capture.join().map_err(|_| Error::Thread("capture"))??;
        }
    }
    if let Some(replay) = replaying {
        runtime.block_on(replay).map_err(|_| Error::Thread("replay"))??;
    }
    runtime.shutdown_background();
    Ok(outcome)
}

/// Ctrl-C or SIGTERM, whichever comes first.
pub async fn interrupted() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("a SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// The sound inputs `--mic` can use.
pub fn devices() -> Result<Vec<String>> {
    source::devices()
}
