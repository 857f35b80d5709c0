//! The `sufler` command line.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use rayon::prelude::*;
use serde::Deserialize;

use sufler::asr::{self, Recogniser};
use sufler::batch;
use sufler::engine::{Event, Speaker};
use sufler::report::{Format, Sink, sink};
use sufler::rules::{self, RuleSet, Vars};
use sufler::text::Lang;
use sufler::transcript::{self, Transcript};
use sufler::{Diagnostic, Error};

#[derive(Parser)]
#[command(name = "sufler", version, about = "Call-script and phrase-compliance checker for call centres")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Check calls against the rules. Exit code 0: no violations, 1:
    /// violations found, 2: bad input or usage.
    Check(CheckArgs),
    /// Work with rule files.
    Rules {
        #[command(subcommand)]
        cmd: RulesCmd,
    },
    /// Print what the recogniser hears in a recording: the transcript JSON
    /// that `check --transcript` reads (or, with --plain, Whisper's bare
    /// text of the operator's channel).
    Transcribe {
        file: PathBuf,
        #[command(flatten)]
        asr: AsrOpts,
        /// Language (ru, cs)
        #[arg(long, default_value = "ru")]
        lang: Lang,
        /// Whole track through Whisper, no voice detection or guards
        #[arg(long)]
        plain: bool,
    },
    /// Check a call while it goes on: the operator's screen on a terminal,
    /// else events as JSON lines (with `emitted_at`).
    Live(LiveArgs),
    /// List the sound inputs `live --mic` can use.
    Devices,
    /// Get and convert speech models.
    Models {
        #[command(subcommand)]
        cmd: ModelsCmd,
    },
}

#[derive(Subcommand)]
enum ModelsCmd {
    /// Download an official whisper.cpp model (needs access to huggingface.co).
    Fetch {
        /// tiny, base, small, medium or large-v3-turbo
        #[arg(default_value = "base")]
        name: String,
        #[arg(long, default_value = "models")]
        dir: PathBuf,
    },
    /// Convert a faster-whisper (CTranslate2) model directory into ggml.
    Import {
        /// Holds model.bin (or model.bin.part1, ...) and vocabulary.txt
        dir: PathBuf,
        #[arg(long, default_value = "models/ggml-base.bin")]
        out: PathBuf,
        /// Weight matrices: q8_0 (fast on CPUs) or f16 (as published)
        #[arg(long, default_value = "q8_0")]
        weights: sufler::models::whisper::Weights,
    },
    /// Convert Silero VAD's silero_vad_16k.safetensors into ggml.
    ImportVad {
        file: PathBuf,
        #[arg(long, default_value = "models/ggml-silero-vad.bin")]
        out: PathBuf,
    },
}

#[derive(Args)]
struct RuleOpts {
    /// Rule directory [default: rules/<lang>]
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Language of the calls and rules (ru, cs) [default: the one the rules declare, else ru]
    #[arg(long)]
    lang: Option<Lang>,
    /// A template variable, e.g. --var company=Ромашка (repeatable)
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    vars: Vec<(String, String)>,
    /// Deployment settings [default: ./sufler.toml when present]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    rules: RuleOpts,
    /// Recorded calls (WAV, MP3, OGG, FLAC; stereo: one party per channel), or folders of them
    #[arg(value_name = "AUDIO", required_unless_present = "transcripts")]
    audio: Vec<PathBuf>,
    /// Transcripts to check instead (JSON or plain text), or folders of them
    #[arg(long = "transcript", value_name = "FILE", num_args = 1..)]
    transcripts: Vec<PathBuf>,
    #[command(flatten)]
    asr: AsrOpts,
    /// Write each call's transcript (JSON) into this directory
    #[arg(long, value_name = "DIR")]
    save_transcripts: Option<PathBuf>,
    /// Re-score the calls whose transcript the --save-transcripts directory
    /// holds (no older than the recording) instead of hearing them again:
    /// a batch stopped partway goes on where it stopped
    #[arg(long, requires = "save_transcripts")]
    resume: bool,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    #[arg(long, value_enum, default_value_t)]
    color: Color,
}

#[derive(Args)]
struct LiveArgs {
    #[command(flatten)]
    rules: RuleOpts,
    /// Capture the operator from a sound input
    #[arg(long, group = "source")]
    mic: bool,
    /// The operator's sound input [default: the system's default input]
    #[arg(long, value_name = "NAME", requires = "mic")]
    device: Option<String>,
    /// The client's sound input (e.g. a loopback of the softphone's output)
    #[arg(long, value_name = "NAME", requires = "mic")]
    client_device: Option<String>,
    /// Replay a recorded call at real-time speed
    #[arg(long, value_name = "FILE", group = "source")]
    replay: Option<PathBuf>,
    /// Replay speed (2.0: twice real time); times stay in audio seconds
    #[arg(long, default_value_t = 1.0, requires = "replay")]
    speed: f64,
    /// Read raw signed 16-bit little-endian PCM from standard input
    /// (frames of --channels channels)
    #[arg(long, group = "source")]
    stdin: bool,
    /// Sample rate of the PCM on standard input
    #[arg(long, default_value_t = 8000, requires = "stdin")]
    rate: u32,
    /// Call name in events [default: the file name, `mic` or `stdin`]
    #[arg(long)]
    call: Option<String>,
    #[command(flatten)]
    asr: AsrOpts,
    /// Output when stdout is not a terminal, or instead of the screen
    #[arg(long, value_enum)]
    format: Option<Format>,
    #[arg(long, value_enum, default_value_t)]
    color: Color,
}

#[derive(Args)]
struct AsrOpts {
    /// Whisper model (ggml) [default: models/ggml-base.bin]
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
    /// Silero VAD model (ggml) [default: models/ggml-silero-vad.bin]
    #[arg(long, value_name = "FILE")]
    vad_model: Option<PathBuf>,
    /// Which channel holds which party (operator=left,client=right), or
    /// the number of channels (raw PCM), the operator on the first; `auto`:
    /// operator left, but a call whose client said the operator's opening
    /// is checked the other way round
    #[arg(long, value_name = "MAP", default_value = "operator=left,client=right")]
    channels: sufler::audio::ChannelMap,
    /// Threads for speech recognition
    #[arg(long, default_value_t = default_threads())]
    threads: usize,
    /// Speech probability above which audio counts as speech
    #[arg(long, default_value_t = 0.2)]
    vad_threshold: f32,
}

impl AsrOpts {
    fn recogniser(&self, lang: Lang, vocabulary: Vec<String>) -> anyhow::Result<Recogniser> {
        Ok(Recogniser::new(asr::Options {
            model: self.model.clone().unwrap_or_else(|| PathBuf::from("models/ggml-base.bin")),
            vad_model: self.vad_model.clone().unwrap_or_else(|| PathBuf::from("models/ggml-silero-vad.bin")),
            lang,
            threads: self.threads,
            vad_threshold: self.vad_threshold,
            vocabulary,
        })?)
    }
}

fn transcribe(file: &Path, opts: &AsrOpts, lang: Lang, plain: bool) -> anyhow::Result<()> {
    let mut recogniser = opts.recogniser(lang, Vec::new())?;
    if plain {
        let call = sufler::audio::load(file, opts.channels, |s| s == Speaker::Operator)?;
        println!("{}", recogniser.transcribe_plain(&call.operator)?);
        return Ok(());
    }
    let t = recogniser.transcribe(file, opts.channels)?;
    println!("{}", serde_json::to_string_pretty(&t)?);
    Ok(())
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).min(8)
}

#[derive(Subcommand)]
enum RulesCmd {
    /// Run every inline example (tests.hit / tests.miss) and report failures.
    Test {
        /// Rule directory [default: rules/<lang>]
        dir: Option<PathBuf>,
        #[command(flatten)]
        rules: RuleOpts,
    },
    /// Report errors and likely mistakes in rule files.
    Lint {
        /// Rule directory [default: rules/<lang>]
        dir: Option<PathBuf>,
        #[command(flatten)]
        rules: RuleOpts,
    },
}

#[derive(Clone, Copy, Default, ValueEnum)]
enum Color {
    #[default]
    Auto,
    Always,
    Never,
}

impl Color {
    fn enabled(self) -> bool {
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }
}

/// Deployment settings (`sufler.toml`).
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    lang: Option<Lang>,
    rules: Option<PathBuf>,
    #[serde(default)]
    vars: Vars,
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    let (k, v) = s.split_once('=').ok_or_else(|| format!("expected NAME=VALUE, got `{s}`"))?;
    Ok((k.trim().to_string(), v.trim().to_string()))
}

/// Rule settings resolved from flags, then the config file, then defaults.
struct Resolved {
    dir: PathBuf,
    /// The language asked for; the rules may declare theirs.
    lang: Option<Lang>,
    vars: Vars,
}

impl RuleOpts {
    fn resolve(&self, dir: Option<&Path>) -> anyhow::Result<Resolved> {
        let config = match &self.config {
            Some(path) => read_config(path)?,
            None if Path::new("sufler.toml").exists() => read_config(Path::new("sufler.toml"))?,
            None => Config::default(),
        };
        let lang = self.lang.or(config.lang);
        let dir = dir
            .map(Path::to_path_buf)
            .or_else(|| self.rules.clone())
            .or(config.rules)
            .unwrap_or_else(|| PathBuf::from("rules").join(lang.unwrap_or(Lang::Ru).code()));
        let mut vars = config.vars;
        vars.extend(self.vars.iter().cloned());
        Ok(Resolved { dir, lang, vars })
    }
}

fn read_config(path: &Path) -> anyhow::Result<Config> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read the config file", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        let d = Diagnostic::new(path, &text, e.span().unwrap_or(0..0), e.message().trim_end());
        Error::Rules(vec![d]).into()
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Check(args) => check(args),
        Cmd::Live(args) => live(args),
        Cmd::Devices => devices().map(|()| ExitCode::SUCCESS),
        Cmd::Rules { cmd: RulesCmd::Test { dir, rules } } => rules_test(dir, rules),
        Cmd::Rules { cmd: RulesCmd::Lint { dir, rules } } => rules_lint(dir, rules),
        Cmd::Models { cmd } => models(cmd).map(|()| ExitCode::SUCCESS),
        Cmd::Transcribe { file, asr, lang, plain } => transcribe(&file, &asr, lang, plain).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            match e.downcast_ref::<Error>() {
                Some(lib @ (Error::Rules(_) | Error::Transcript(_))) => eprintln!("{lib}"),
                _ => eprintln!("error: {e:#}"),
            }
            ExitCode::from(2)
        }
    }
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let settings = args.rules.resolve(None)?;
    let rules = RuleSet::load(&settings.dir, settings.lang, &settings.vars)?;
    let color = args.color.enabled();
    let stdout = std::io::stdout().lock();
    let mut out = sink(args.format, Box::new(std::io::BufWriter::new(stdout)), color);
    let mut tally = Tally::default();
    let transcripts = readable(batch::files(&args.transcripts, batch::TRANSCRIPTS), &mut *out, &mut tally, args.format)?;
    let results: Vec<Result<Vec<Event>, Error>> = transcripts
        .par_iter()
        .map(|path| rescore(path, &rules, path, args.asr.channels.auto))
        .collect();
    for (path, result) in transcripts.iter().zip(results) {
        tally.report(&mut *out, path, result, args.format)?;
    }
    let audio = readable(batch::files(&args.audio, batch::AUDIO), &mut *out, &mut tally, args.format)?;
    if !audio.is_empty() {
        check_audio(&args, &audio, &settings, &rules, &mut *out, &mut tally)?;
    }
    out.flush()?;
    tally.print();
    Ok(exit_code(tally.failed > 0, tally.violations > 0))
}

/// The events of a stored transcript, under the name of `call`.
fn rescore(transcript: &Path, rules: &RuleSet, call: &Path, either_way: bool) -> Result<Vec<Event>, Error> {
    let text = transcript::read(transcript)?;
    Ok(score(&Transcript::parse(transcript, &text)?, rules, call, either_way))
}

/// The events of a call's transcript; `either_way`: checked the other way
/// round if the parties look swapped.
fn score(t: &Transcript<'_>, rules: &RuleSet, call: &Path, either_way: bool) -> Vec<Event> {
    let call = call.display().to_string();
    if either_way { t.check_either_way(rules, &call) } else { t.check(rules, &call) }
}

/// The files of a batch that can be tried; the folders that gave none are
/// reported as errors first.
fn readable(files: Vec<Result<PathBuf, Error>>, out: &mut dyn Sink, tally: &mut Tally, format: Format) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::with_capacity(files.len());
    for file in files {
        match file {
            Ok(path) => found.push(path),
            Err(e) => {
                let path = e.path().map(Path::to_path_buf).unwrap_or_default();
                tally.report(out, &path, Err(e), format)?;
            }
        }
    }
    Ok(found)
}

/// What the calls of a batch came to.
#[derive(Default)]
struct Tally {
    calls: usize,
    violations: usize,
    /// Calls with nothing of the operator's to score.
    unscored: usize,
    swapped: usize,
    failed: usize,
}

impl Tally {
    fn report(&mut self, out: &mut dyn Sink, path: &Path, result: Result<Vec<Event>, Error>, format: Format) -> anyhow::Result<()> {
        match result {
            Ok(events) => {
                self.calls += 1;
                for e in &events {
                    self.violations += usize::from(matches!(e, Event::Violation(_)));
                    if let Event::CallSummary(s) = e {
                        self.unscored += usize::from(!s.scored);
                        self.swapped += usize::from(s.swapped != sufler::engine::Swapped::No);
                    }
                    out.event(e)?;
                }
            }
            Err(e) => {
                self.calls += 1;
                self.failed += 1;
                let message = e.to_string();
                out.error(&path.display().to_string(), &message)?;
                if format != Format::Text {
                    eprintln!("{message}");
                }
            }
        }
        Ok(())
    }

    /// What the batch came to, on stderr, when there was more to it than
    /// one call with a summary of its own.
    fn print(&self) {
        if self.calls > 1 || self.unscored + self.swapped > 0 {
            let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
            eprintln!(
                "{}: {} not scored (no operator speech), {} with swapped channels, {}",
                plural(self.calls, "call", "calls"),
                self.unscored,
                self.swapped,
                plural(self.failed, "error", "errors")
            );
        }
    }
}

fn check_audio(args: &CheckArgs, audio: &[PathBuf], settings: &Resolved, rules: &RuleSet, out: &mut dyn Sink, tally: &mut Tally) -> anyhow::Result<()> {
    let opts = &args.asr;
    if let Some(dir) = &args.save_transcripts {
        std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create the directory", dir.display()))?;
    }
    let names = batch::transcript_names(audio);
    let saved: Vec<Option<PathBuf>> = match (&args.save_transcripts, args.resume) {
        (Some(dir), true) => audio.iter().zip(&names).map(|(path, name)| resumable(&dir.join(name), path)).collect(),
        _ => vec![None; audio.len()],
    };
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(audio.len() as u64);
        bar.set_style(indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} calls, {elapsed} elapsed, ~{eta} left  {msg}").expect("valid template"));
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    // Names the call whose report comes next (the one after it is read ahead).
    let show = |i: usize| {
        if let Some(path) = audio.get(i) {
            bar.set_message(path.display().to_string());
        }
    };
    show(0);
    let mut one = |i: usize, result: Result<Vec<Event>, Error>| -> anyhow::Result<()> {
        bar.suspend(|| tally.report(out, &audio[i], result, args.format))?;
        out.flush()?;
        bar.inc(1);
        show(bar.position() as usize);
        Ok(())
    };
    // Reports the calls up to `upto`, the re-scored ones in their place
    // among those heard.
    let mut next = 0;
    let mut report = |upto: usize, heard: Option<Result<Vec<Event>, Error>>| -> anyhow::Result<()> {
        for i in next..upto {
            one(i, rescore(saved[i].as_deref().expect("only re-scored calls are skipped"), rules, &audio[i], opts.channels.auto))?;
        }
        next = upto;
        if let Some(result) = heard {
            one(upto, result)?;
            next += 1;
        }
        Ok(())
    };
    let heard: Vec<usize> = (0..audio.len()).filter(|&i| saved[i].is_none()).collect();
    if !heard.is_empty() {
        let recogniser = opts.recogniser(rules.lang, settings.vars.values().cloned().collect())?;
        let calls = heard.into_iter().map(|i| (i, audio[i].as_path()));
        recogniser.transcribe_calls(calls, opts.channels, |s| rules.listens_to(s), |i, transcript| {
            let result = transcript.and_then(|t| {
                if let Some(dir) = &args.save_transcripts {
                    save_transcript(&dir.join(&names[i]), &t)?;
                }
                Ok(score(&t, rules, &audio[i], opts.channels.auto))
            });
            report(i, Some(result))
        })?;
    }
    report(audio.len(), None)?;
    bar.finish_and_clear();
    Ok(())
}

/// A call's saved transcript, to re-score instead of hearing the call
/// again (`--resume`): one no older than the recording (a recording
/// replaced since is heard again). One that does not read as a transcript
/// is an error of its call, not heard over: it was written after the
/// recording, by hand perhaps.
fn resumable(transcript: &Path, recording: &Path) -> Option<PathBuf> {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    (modified(transcript)? >= modified(recording)?).then(|| transcript.to_path_buf())
}

/// Writes a transcript whole or not at all (a batch stopped mid-write
/// leaves no half a transcript for `--resume` to find).
fn save_transcript(path: &Path, t: &Transcript<'_>) -> Result<(), Error> {
    let json = serde_json::to_string_pretty(t).expect("transcripts serialise");
    let parent = path.parent().unwrap_or(Path::new(""));
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    std::fs::create_dir_all(parent)
        .and_then(|()| std::fs::write(&partial, json))
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|e| Error::Input { path: path.to_path_buf(), message: format!("cannot write the transcript: {e}") })
}

fn devices() -> anyhow::Result<()> {
    let devices = sufler::live::source::devices()?;
    if devices.is_empty() {
        eprintln!("no sound inputs found");
    }
    for d in devices {
        println!("{d}");
    }
    Ok(())
}

fn live(args: LiveArgs) -> anyhow::Result<ExitCode> {
    use sufler::live::{self, Clock, Update, recognise, screen, source};
    use tokio::sync::mpsc;
    if !(args.speed > 0.0 && args.speed.is_finite()) {
        bail!("--speed must be a positive number");
    }
    if !(args.mic || args.stdin || args.replay.is_some()) {
        bail!("say where the audio comes from: --mic, --replay FILE or --stdin");
    }
    let settings = args.rules.resolve(None)?;
    let rules = std::sync::Arc::new(RuleSet::load(&settings.dir, settings.lang, &settings.vars)?);
    // The parties the rules listen to and the source carries: a party with
    // no audio would hold the clock of the rule engine back.
    let mut speakers: Vec<Speaker> = Speaker::ALL.into_iter().filter(|&s| rules.listens_to(s)).collect();
    let mut replay = args.replay.as_deref().map(|p| sufler::audio::Reader::open(p, args.asr.channels, |s| speakers.contains(&s))).transpose()?;
    let replayed = replay.as_mut().map(sufler::audio::Reader::parties).transpose()?;
    speakers.retain(|&s| match (&replayed, s) {
        (Some(parties), _) => parties.contains(&s),
        (None, Speaker::Operator) => true,
        (None, Speaker::Client) if args.mic => args.client_device.is_some(),
        (None, Speaker::Client) => args.asr.channels.client.is_some(),
    });
    let name = args.call.clone().unwrap_or_else(|| match &args.replay {
        Some(p) => p.display().to_string(),
        None if args.stdin => "stdin".into(),
        None => "mic".into(),
    });
    let recogniser = args.asr.recogniser(rules.lang, settings.vars.values().cloned().collect())?;
    let screen = args.format.is_none() && std::io::stdout().is_terminal();
    let format = args.format.unwrap_or(Format::Jsonl);
    let color = args.color.enabled();
    let clock = Clock::new(if replay.is_some() { args.speed } else { 1.0 });
    let (audio_tx, audio_rx) = mpsc::channel(live::AUDIO_QUEUE);
    let (heard_tx, heard_rx) = mpsc::channel(256);
    let (control_tx, control_rx) = mpsc::channel(4);
    let (update_tx, mut update_rx) = mpsc::channel(256);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let recognition = {
        let speakers = speakers.clone();
        std::thread::spawn(move || recognise::run(recogniser, &speakers, audio_rx, heard_tx))
    };
    let mut replaying = None;
    let capture = {
        let (speakers, clock, map) = (speakers.clone(), clock.clone(), args.asr.channels);
        match replay {
            Some(reader) => {
                replaying = Some(runtime.spawn(source::replay(reader, speakers, args.speed, audio_tx, clock)));
                None
            }
            None if args.stdin => Some(std::thread::spawn(move || source::stdin(args.rate, map, speakers, audio_tx, clock))),
            None => {
                let (device, client) = (args.device.clone(), args.client_device.clone());
                Some(std::thread::spawn(move || source::microphone(device, client, speakers, audio_tx, clock)))
            }
        }
    };
    runtime.spawn(live::judge(rules.clone(), name.clone(), heard_rx, control_rx, update_tx, clock.clone()));
    let mut violations = 0;
    if screen {
        runtime.block_on(screen::run(screen::Screen::new(&rules, &name), update_rx, control_tx, clock))?;
        // The operator quit: whatever is still being recognised is dropped.
        return Ok(ExitCode::SUCCESS);
    }
    runtime.block_on(async {
        let stdout = std::io::stdout().lock();
        let mut out = sink(format, Box::new(std::io::LineWriter::new(stdout)), color);
        while let Some(update) = update_rx.recv().await {
            match update {
                Update::Event(e) => {
                    // Flags may be withdrawn: the calls' summaries count what stands.
                    if let Event::CallSummary(s) = &e {
                        violations += s.violations;
                    }
                    out.event(&e)?;
                }
                Update::Notice(n) if format == Format::Jsonl => {
                    out.flush()?;
                    println!("{}", serde_json::to_string(&n)?);
                }
                Update::Notice(n) => eprintln!("{}", serde_json::to_string(&n)?),
                Update::Words { .. } | Update::Lag(_) => {}
            }
        }
        out.flush()?;
        anyhow::Ok(())
    })?;
    drop(control_tx);
    recognition.join().map_err(|_| anyhow::anyhow!("the recognition thread failed"))??;
    if let Some(capture) = capture {
        capture.join().map_err(|_| anyhow::anyhow!("the capture thread failed"))??;
    }
    if let Some(replay) = replaying {
        runtime.block_on(replay).map_err(|_| anyhow::anyhow!("the replay failed"))??;
    }
    Ok(exit_code(false, violations > 0))
}

fn models(cmd: ModelsCmd) -> anyhow::Result<()> {
    let create = |out: &Path| -> anyhow::Result<std::fs::File> {
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::File::create(out).with_context(|| format!("{}: cannot create", out.display()))
    };
    match cmd {
        ModelsCmd::Fetch { name, dir } => sufler::models::fetch(&name, &dir).map(|p| eprintln!("{}", p.display()))?,
        ModelsCmd::Import { dir, out, weights } => {
            let s = sufler::models::whisper::convert(&dir, weights, create(&out)?).map_err(|m| anyhow::anyhow!("{}: {m}", dir.display()))?;
            eprintln!("{}: {} tensors, {} + {} layers, vocabulary {}", out.display(), s.tensors, s.n_audio_layer, s.n_text_layer, s.n_vocab);
        }
        ModelsCmd::ImportVad { file, out } => {
            let bytes = std::fs::read(&file).with_context(|| format!("{}: cannot read", file.display()))?;
            let n = sufler::models::silero::convert(&bytes, create(&out)?).map_err(|m| anyhow::anyhow!("{}: {m}", file.display()))?;
            eprintln!("{}: {n} tensors", out.display());
        }
    }
    Ok(())
}

fn exit_code(failed: bool, flagged: bool) -> ExitCode {
    ExitCode::from(if failed { 2 } else { u8::from(flagged) })
}

fn rules_test(dir: Option<PathBuf>, opts: RuleOpts) -> anyhow::Result<ExitCode> {
    let settings = opts.resolve(dir.as_deref())?;
    let sources = rules::read_dir(&settings.dir)?;
    let report = RuleSet::test(&sources, settings.lang, &settings.vars)?;
    for d in &report.failures {
        println!("{d}\n");
    }
    println!(
        "{} files, {} rules, {} examples: {}",
        report.files,
        report.rules,
        report.examples,
        if report.failures.is_empty() { "ok".to_string() } else { format!("{} failed", report.failures.len()) }
    );
    Ok(exit_code(false, !report.failures.is_empty()))
}

fn rules_lint(dir: Option<PathBuf>, opts: RuleOpts) -> anyhow::Result<ExitCode> {
    let settings = opts.resolve(dir.as_deref())?;
    let sources = rules::read_dir(&settings.dir)?;
    let report = RuleSet::test(&sources, settings.lang, &settings.vars)?;
    let warnings = rules::lint(&sources, report.lang.or(settings.lang).unwrap_or(Lang::Ru));
    for d in report.failures.iter().chain(&warnings) {
        println!("{d}\n");
    }
    println!("{} errors, {} warnings", report.failures.len(), warnings.len());
    if report.failures.is_empty() && warnings.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    if report.failures.is_empty() { Ok(ExitCode::from(1)) } else { bail!("{} has errors", settings.dir.display()) }
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
