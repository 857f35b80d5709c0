//! The `sufler` command line.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use rayon::prelude::*;
use serde::Deserialize;

use sufler::engine::Event;
use sufler::report::{Format, sink};
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
}

#[derive(Args)]
struct RuleOpts {
    /// Rule directory [default: rules/<lang>]
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Language of the calls and rules (ru, cs) [default: ru]
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
    /// Transcripts to check (JSON or plain text)
    #[arg(long = "transcript", value_name = "FILE", num_args = 1.., required = true)]
    transcripts: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    #[arg(long, value_enum, default_value_t)]
    color: Color,
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
    lang: Lang,
    vars: Vars,
}

impl RuleOpts {
    fn resolve(&self, dir: Option<&Path>) -> anyhow::Result<Resolved> {
        let config = match &self.config {
            Some(path) => read_config(path)?,
            None if Path::new("sufler.toml").exists() => read_config(Path::new("sufler.toml"))?,
            None => Config::default(),
        };
        let lang = self.lang.or(config.lang).unwrap_or(Lang::Ru);
        let dir = dir
            .map(Path::to_path_buf)
            .or_else(|| self.rules.clone())
            .or(config.rules)
            .unwrap_or_else(|| PathBuf::from("rules").join(lang.code()));
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
        Cmd::Rules { cmd: RulesCmd::Test { dir, rules } } => rules_test(dir, rules),
        Cmd::Rules { cmd: RulesCmd::Lint { dir, rules } } => rules_lint(dir, rules),
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
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let results: Vec<Result<Vec<Event>, Error>> = args
        .transcripts
        .par_iter()
        .map(|path| {
            let text = transcript::read(path)?;
            let t = Transcript::parse(path, &text)?;
            Ok(t.check(&rules, &path.display().to_string()))
        })
        .collect();
    let stdout = std::io::stdout().lock();
    let mut out = sink(args.format, Box::new(std::io::BufWriter::new(stdout)), color);
    let (mut violations, mut failed) = (0, 0);
    for (path, result) in args.transcripts.iter().zip(results) {
        match result {
            Ok(events) => {
                for e in &events {
                    violations += usize::from(matches!(e, Event::Violation(_)));
                    out.event(e)?;
                }
            }
            Err(e) => {
                failed += 1;
                let message = e.to_string();
                out.error(&path.display().to_string(), &message)?;
                if args.format != Format::Text {
                    eprintln!("{message}");
                }
            }
        }
    }
    out.flush()?;
    Ok(exit_code(failed > 0, violations > 0))
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
    let warnings = rules::lint(&sources, settings.lang);
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
