//! The command line's flags (clap), and their resolution, once, into the
//! settings the commands take ([`crate::settings`], [`crate::cmd`]).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use sufler_core::rules::RuleSet;
use sufler_core::scorecard::Scorecard;
use sufler_core::text::Lang;
use sufler_hear::audio::{ChannelMap, RATES};
use sufler_hear::models::whisper::Weights;

use crate::cmd::check::Check;
use crate::cmd::live::{Live, Source};
use crate::cmd::report::Report;
use crate::error::Result;
use crate::report::{Format, Style};
use crate::settings::{self, Hearing, Rules};
use crate::shard::Shard;

#[derive(Parser)]
#[command(name = "sufler", version, about = "Call-script and phrase-compliance checker for call centres")]
pub struct Cli {
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand)]
pub enum Cmd {
    /// Check calls against the rules. Exit code 0: no violations, 1:
    /// violations found, 2: bad input or usage.
    Check(CheckArgs),
    /// Write a QA report from saved results (the JSON lines of `check`):
    /// one HTML page (summary, operators and teams by day, each call's
    /// scorecard, timeline, transcript and recording), and CSV files.
    Report(ReportArgs),
    /// Gather the results of a batch's shares (`check --shard I/N
    /// --results DIR`) into one JSON lines stream, in the batch's order;
    /// exit code 2, with the list, when a call is missing or doubled.
    Merge {
        /// Results folders (one shared folder, or one per share)
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where to write [default: stdout]
        #[arg(short, long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
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
        #[command(flatten)]
        redaction: RedactOpts,
    },
    /// Check a call while it goes on: the operator's screen on a terminal,
    /// else events as JSON lines (with `emitted_at`). Ctrl-C or SIGTERM
    /// ends the call as the end of its audio would, with its summary.
    Live(LiveArgs),
    /// Check many calls at once as they go on, straight from the PBX
    /// (Asterisk AudioSocket, Twilio Media Streams, L16 WebSockets), with
    /// an operator panel in the browser and the calls' events as
    /// Server-Sent Events; SIGTERM stops taking calls and finishes those
    /// in progress. Settings: the flags, else `[serve]` in sufler.toml.
    Serve(ServeArgs),
    /// List the sound inputs `live --mic` can use.
    Devices,
    /// Get and convert speech models (into $SUFLER_MODELS, else
    /// ~/.local/share/sufler/models, unless told otherwise).
    Models {
        #[command(subcommand)]
        cmd: ModelsCmd,
    },
}

#[derive(Subcommand)]
pub enum ModelsCmd {
    /// Download an official whisper.cpp model (needs access to huggingface.co).
    Fetch {
        /// tiny, base, small, medium or large-v3-turbo
        #[arg(default_value = "base")]
        name: String,
        /// [default: the models folder]
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Convert a faster-whisper (CTranslate2) model directory into ggml.
    Import {
        /// Holds model.bin (or model.bin.part1, ...) and vocabulary.txt
        dir: PathBuf,
        /// [default: ggml-base.bin in the models folder]
        #[arg(long)]
        out: Option<PathBuf>,
        /// Weight matrices: bf16 (fastest where the CPU has AVX512-BF16), q8_0
        /// (fastest elsewhere), f16 (as published), or auto (bf16 or q8_0,
        /// whichever is faster on this CPU)
        #[arg(long, default_value = "auto")]
        weights: Weights,
    },
    /// Convert Silero VAD's silero_vad_16k.safetensors into ggml.
    ImportVad {
        file: PathBuf,
        /// [default: ggml-silero-vad.bin in the models folder]
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print the model files a command would use, or where they are missing.
    Path {
        #[command(flatten)]
        asr: AsrOpts,
    },
}

#[derive(Subcommand)]
pub enum RulesCmd {
    /// Run every inline example (tests.hit / tests.miss) and report failures.
    Test {
        /// Rule directory [default: the built-in rules of the language]
        dir: Option<PathBuf>,
        #[command(flatten)]
        rules: RuleOpts,
    },
    /// Report errors and likely mistakes in rule files.
    Lint {
        /// Rule directory [default: the built-in rules of the language]
        dir: Option<PathBuf>,
        #[command(flatten)]
        rules: RuleOpts,
    },
    /// Compare two versions of a rule set on stored transcripts: the flags
    /// each rule gains and loses, with a few examples of each.
    Diff {
        /// The rule directory as it was
        old: PathBuf,
        /// The rule directory as it is
        new: PathBuf,
        /// Transcripts (JSON or plain text), or folders of them
        #[arg(long = "transcript", value_name = "FILE", num_args = 1.., required = true)]
        transcripts: Vec<PathBuf>,
        /// Output: text for people, json for tools
        #[arg(long, value_enum, default_value_t)]
        format: DiffFormat,
        #[command(flatten)]
        rules: RuleOpts,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum DiffFormat {
    #[default]
    Text,
    Json,
}

#[derive(Args)]
pub struct RuleOpts {
    /// Rule directory [default: the rules built in for the language]
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

impl RuleOpts {
    /// The rules these flags ask for; `dir` (a positional folder) first.
    pub fn resolve(&self, dir: Option<&Path>) -> Result<Rules> {
        Rules::resolve(dir.or(self.rules.as_deref()), self.lang, &self.vars, self.config.as_deref())
    }
}

#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub rules: RuleOpts,
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
    /// Write a copy of each recording heard (16 kHz, operator left, client
    /// right) with the card and phone numbers, codes and e-mail addresses
    /// that redaction took out silenced, into this directory
    #[arg(long, value_name = "DIR", conflicts_with = "no_redact")]
    redact_audio: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    #[arg(long, value_enum, default_value_t)]
    pub color: Color,
    #[command(flatten)]
    pub redaction: RedactOpts,
    /// Who took each call, from its path: e.g. '{date}/{operator}_{id}.wav'
    /// ({id}, {operator}, {team}, {date}, {time}, {start}; other names are
    /// tags; * skips part of a name) [default: `pattern` in the config's [meta]]
    #[arg(long = "meta", value_name = "PATTERN")]
    meta_pattern: Option<String>,
    /// A call recorder's export (CSV or JSON) with a row per call: its file
    /// (or id), operator, team, date, time, tags [default: `file` in the config's [meta]]
    #[arg(long, value_name = "FILE")]
    meta_file: Option<PathBuf>,
    /// Score each call on this scorecard [default: `scorecard` in the
    /// config, else the one built in for the built-in rules]
    #[arg(long, value_name = "FILE", conflicts_with = "no_scorecard")]
    scorecard: Option<PathBuf>,
    /// Score calls on no scorecard
    #[arg(long)]
    no_scorecard: bool,
    /// Check only share I of N of the batch (a cluster's worker), e.g. 2/8:
    /// each call's share is fixed by its path below --root [default: from
    /// JOB_COMPLETION_INDEX and JOB_COMPLETIONS (Kubernetes), or
    /// SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (Slurm), else all]
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// The folder the calls are named below (shares, saved transcripts,
    /// results files) [default: the folder all the inputs share]; give the
    /// store's folder so that every worker names calls alike
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Also write each call's results into a JSON lines file of its own,
    /// named by the call, whole or not at all (for `sufler merge`)
    #[arg(long, value_name = "DIR")]
    results: Option<PathBuf>,
}

/// Whether card and phone numbers are taken out of what is written.
#[derive(Args)]
pub struct RedactOpts {
    /// Keep card numbers, codes, phone numbers and e-mail addresses as
    /// heard (for trusted QA only; every result says so)
    #[arg(long)]
    pub no_redact: bool,
}

impl CheckArgs {
    pub fn resolve(&self, rules: &Rules) -> Result<Check> {
        Ok(Check {
            transcripts: self.transcripts.clone(),
            audio: self.audio.clone(),
            channels: self.asr.channels,
            hearing: self.asr.hearing(rules),
            save_transcripts: self.save_transcripts.clone(),
            redact_audio: self.redact_audio.clone(),
            resume: self.resume,
            echo_errors: self.format != Format::Text,
            progress: true,
            redact: !self.redaction.no_redact,
            meta: settings::meta(self.meta_pattern.as_deref(), self.meta_file.as_deref(), self.rules.config.as_deref())?,
            scorecard: None,
            shard: match &self.shard {
                Some(text) => Some(Shard::parse(text)?),
                None => Shard::from_env(|name| std::env::var(name).ok())?,
            },
            root: self.root.clone(),
            results: self.results.clone(),
        })
    }

    /// The scorecard asked for, checked against the rules loaded.
    pub fn scorecard(&self, settings: &Rules, rules: &RuleSet) -> Result<Option<Scorecard>> {
        if self.no_scorecard {
            return Ok(None);
        }
        settings::scorecard(self.scorecard.as_deref(), settings, rules, self.rules.config.as_deref())
    }

    pub fn style(&self) -> Style {
        Style { format: self.format, color: self.color.enabled(), unredacted: self.redaction.no_redact }
    }
}

#[derive(Args)]
pub struct ReportArgs {
    /// Results of `check --format jsonl` (files, - for stdin, or the
    /// folders of `check --results`, whose calls are checked for missing
    /// and doubled ones)
    #[arg(value_name = "RESULTS", required = true)]
    results: Vec<PathBuf>,
    /// The HTML page to write
    #[arg(short, long, value_name = "FILE", default_value = "report.html")]
    out: PathBuf,
    /// Also write calls.csv and operators.csv into this folder
    #[arg(long, value_name = "DIR")]
    csv: Option<PathBuf>,
    /// Put the recordings into the page (a page to send on its own; large)
    /// instead of referring to them by path
    #[arg(long)]
    embed_audio: bool,
}

impl ReportArgs {
    pub fn resolve(&self) -> Report {
        Report { results: self.results.clone(), out: self.out.clone(), csv: self.csv.clone(), embed_audio: self.embed_audio }
    }
}

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub rules: RuleOpts,
    #[command(flatten)]
    pub asr: AsrOpts,
    /// HTTP address: the panel, events, WebSocket ingest, /healthz, /metrics [default: 127.0.0.1:8686]
    #[arg(long, value_name = "ADDR")]
    listen: Option<std::net::SocketAddr>,
    /// AudioSocket port of the operators' legs
    #[arg(long, value_name = "ADDR")]
    audiosocket_operator: Option<std::net::SocketAddr>,
    /// AudioSocket port of the clients' legs (same UUID as the operator's: one call)
    #[arg(long, value_name = "ADDR")]
    audiosocket_client: Option<std::net::SocketAddr>,
    /// AudioSocket port of interleaved stereo calls (channels as --channels says)
    #[arg(long, value_name = "ADDR")]
    audiosocket_stereo: Option<std::net::SocketAddr>,
    /// Calls checked at once; more are refused
    #[arg(long, value_name = "N")]
    max_calls: Option<usize>,
    /// Write each finished call's results (JSON lines) into this folder
    #[arg(long, value_name = "DIR")]
    results: Option<PathBuf>,
    /// Seconds the calls in progress at SIGTERM get to end by themselves
    #[arg(long, value_name = "SECONDS")]
    drain: Option<f64>,
    #[command(flatten)]
    pub redaction: RedactOpts,
}

impl ServeArgs {
    /// The flags over the config file's `[serve]`, over the defaults.
    pub fn resolve(&self) -> Result<crate::serve::Config> {
        use crate::serve::config::{self, AudioSocket, Config};
        let (file, base) = settings::serve(self.rules.config.as_deref())?;
        let usage = |m: String| crate::error::Error::Usage(m);
        let max_calls = self.max_calls.or(file.max_calls).unwrap_or(config::MAX_CALLS);
        if max_calls == 0 {
            return Err(usage("--max-calls must be at least 1".into()));
        }
        let drain_s = self.drain.or(file.drain_s).unwrap_or(config::DRAIN_S);
        if !(drain_s >= 0.0 && drain_s.is_finite()) {
            return Err(usage("--drain must be a number of seconds".into()));
        }
        let a = file.audiosocket;
        Ok(Config {
            listen: self.listen.or(file.listen).unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 8686))),
            token: settings::serve_token(file.token)?,
            max_calls,
            results: self.results.clone().or_else(|| file.results.map(|r| base.join(r))),
            drain_s,
            audiosocket: AudioSocket {
                operator: self.audiosocket_operator.or(a.operator),
                client: self.audiosocket_client.or(a.client),
                stereo: self.audiosocket_stereo.or(a.stereo),
                allow: a.allow.unwrap_or_else(|| vec![std::net::IpAddr::from([127, 0, 0, 1])]),
            },
            tracks: file.twilio,
            channels: self.asr.channels,
            redact: !self.redaction.no_redact,
        })
    }
}

#[derive(Args)]
pub struct LiveArgs {
    #[command(flatten)]
    pub rules: RuleOpts,
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
    #[arg(long, default_value_t = 8000, requires = "stdin", value_parser = clap::value_parser!(u32).range(i64::from(*RATES.start())..=i64::from(*RATES.end())))]
    rate: u32,
    /// Call name in events [default: the file name, `mic` or `stdin`]
    #[arg(long)]
    call: Option<String>,
    #[command(flatten)]
    pub asr: AsrOpts,
    /// Output when stdout is not a terminal, or instead of the screen
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    #[arg(long, value_enum, default_value_t)]
    pub color: Color,
    #[command(flatten)]
    pub redaction: RedactOpts,
}

impl LiveArgs {
    /// The call these flags describe, or what is wrong with them.
    pub fn resolve(&self) -> std::result::Result<Live, &'static str> {
        if !(self.speed > 0.0 && self.speed.is_finite()) {
            return Err("--speed must be a positive number");
        }
        let source = match (&self.replay, self.stdin, self.mic) {
            (Some(path), _, _) => Source::Replay { path: path.clone(), speed: self.speed },
            (None, true, _) => Source::Stdin { rate: self.rate },
            (None, false, true) => Source::Mic { device: self.device.clone(), client_device: self.client_device.clone() },
            (None, false, false) => return Err("say where the audio comes from: --mic, --replay FILE or --stdin"),
        };
        let call = self.call.clone().unwrap_or_else(|| Live::default_name(&source));
        Ok(Live { source, channels: self.asr.channels, call, redact: !self.redaction.no_redact })
    }

    /// How results are written when there is no screen (JSON lines by default).
    pub fn style(&self) -> Style {
        Style { format: self.format.unwrap_or(Format::Jsonl), color: self.color.enabled(), unredacted: self.redaction.no_redact }
    }

    /// Whether the operator's screen is shown (no format asked for, and a
    /// terminal to show it on).
    pub fn screen(&self) -> bool {
        self.format.is_none() && std::io::stdout().is_terminal()
    }
}

#[derive(Args)]
pub struct AsrOpts {
    /// Whisper model (ggml) [default: ggml-base.bin in $SUFLER_MODELS, ~/.local/share/sufler/models or ./models]
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
    /// Silero VAD model (ggml) [default: ggml-silero-vad.bin, looked for as the Whisper model]
    #[arg(long, value_name = "FILE")]
    vad_model: Option<PathBuf>,
    /// Which channel holds which party (operator=left,client=right), or
    /// the number of channels (raw PCM), the operator on the first; `auto`:
    /// operator left, but a call whose client said the operator's opening
    /// is checked the other way round
    #[arg(long, value_name = "MAP", default_value = "operator=left,client=right")]
    pub channels: ChannelMap,
    /// Threads for speech recognition
    #[arg(long, default_value_t = default_threads())]
    threads: usize,
    /// Speech probability above which audio counts as speech
    #[arg(long, default_value_t = DEFAULT_VAD_THRESHOLD)]
    vad_threshold: f32,
}

impl AsrOpts {
    /// How calls are heard when no flag says otherwise, on `threads` threads.
    pub fn default_hearing(rules: &Rules, threads: usize) -> Hearing {
        let opts = AsrOpts { model: None, vad_model: None, channels: ChannelMap::default(), threads, vad_threshold: DEFAULT_VAD_THRESHOLD };
        opts.hearing(rules)
    }

    /// How calls are heard, with the rules' variables as vocabulary.
    pub fn hearing(&self, rules: &Rules) -> Hearing {
        Hearing { vocabulary: rules.vars.values().cloned().collect(), ..self.hearing_alone() }
    }

    /// How calls are heard, without a vocabulary.
    pub fn hearing_alone(&self) -> Hearing {
        Hearing {
            model: settings::model(self.model.as_deref(), settings::WHISPER_MODEL),
            vad_model: settings::model(self.vad_model.as_deref(), settings::VAD_MODEL),
            threads: self.threads,
            vad_threshold: self.vad_threshold,
            vocabulary: Vec::new(),
        }
    }
}

/// Speech probability above which audio counts as speech, by default.
const DEFAULT_VAD_THRESHOLD: f32 = 0.2;

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).min(8)
}

fn parse_var(s: &str) -> std::result::Result<(String, String), String> {
    let (k, v) = s.split_once('=').ok_or_else(|| format!("expected NAME=VALUE, got `{s}`"))?;
    Ok((k.trim().to_string(), v.trim().to_string()))
}

#[derive(Clone, Copy, Default, ValueEnum)]
pub enum Color {
    #[default]
    Auto,
    Always,
    Never,
}

impl Color {
    pub fn enabled(self) -> bool {
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }
}
