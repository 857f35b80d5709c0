//! The `sufler` command line: flags resolved into settings, the command
//! run, its outcome made an exit code (0: all well, 1: violations found,
//! 2: bad input, usage or a fault).

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::bail;
use clap::Parser;

use sufler::cli::{CheckArgs, Cli, Cmd, DiffFormat, LiveArgs, ModelsCmd, ReportArgs, RulesCmd, ServeArgs};
use sufler::cmd::{self, live::Output};
use sufler::report::sink;
use sufler::settings;
use sufler_hear::asr::Model;

fn main() -> ExitCode {
    // A closed pipe (`sufler rules test | head -1`) ends the program quietly,
    // as it does other Unix tools, instead of a panic in `println!`.
    #[cfg(unix)]
    // SAFETY: at the start of `main`, before any other thread; restores the default action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // whisper.cpp's buffers come from the C allocator (Rust's from
    // mimalloc). glibc gives each recognising thread an arena of its own and
    // keeps what a thread frees there for that thread: as contexts grew
    // and shrank, two workers held ~540 MB at peak on 50-60 s phone-line
    // calls, ~450 MB with one arena (docs/design.md). Few and large, these
    // allocations do not contend. What is freed at the arena's top goes
    // back to the system at once, not past a threshold of glibc's: ~30 MB
    // less at peak.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: at the start of `main`, before any other thread allocates.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 0);
    }
    let result = match Cli::parse().cmd {
        Cmd::Check(args) => check(args),
        Cmd::Report(args) => report(args),
        Cmd::Merge { dirs, out } => merge(&dirs, out.as_deref()),
        Cmd::Live(args) => live(args),
        Cmd::Serve(args) => serve(args),
        Cmd::Devices => devices(),
        Cmd::Rules { cmd } => rules(cmd),
        Cmd::Models { cmd } => models(cmd),
        Cmd::Transcribe { file, asr, lang, plain, redaction } => {
            let hearing = asr.hearing_alone();
            let redact = !redaction.no_redact;
            if plain {
                cmd::transcribe::plain(&file, &hearing, lang, asr.channels, redact).map(|text| println!("{text}"))
            } else {
                cmd::transcribe::transcript(&file, &hearing, lang, asr.channels, redact)
                    .map(|t| println!("{}", serde_json::to_string_pretty(&t).expect("transcripts serialise")))
            }
            .map(|()| ExitCode::SUCCESS)
            .map_err(Into::into)
        }
    };
    result.unwrap_or_else(|e| {
        match e.downcast_ref::<sufler::Error>() {
            // Diagnostics render themselves, `error:` and all.
            Some(sufler::Error::Core(lib @ (sufler_core::Error::Rules(_) | sufler_core::Error::Transcript(_)))) => eprintln!("{lib}"),
            // The library's errors say all there is (their sources included).
            Some(lib) => eprintln!("error: {lib}"),
            None => eprintln!("error: {e:#}"),
        }
        ExitCode::from(2)
    })
}

fn exit_code(flagged: bool) -> ExitCode {
    ExitCode::from(u8::from(flagged))
}

/// The rules for checking calls; those whose examples fail are told of
/// on stderr, and not used.
fn load(rules: &settings::Rules) -> anyhow::Result<sufler_core::rules::RuleSet> {
    let (set, unused) = rules.load()?;
    for d in &unused {
        eprintln!("{d}\n");
    }
    if !unused.is_empty() {
        eprintln!("warning: {} example(s) fail: their rules are not used (`sufler rules test` lists them)", unused.len());
    }
    Ok(set)
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let settings = args.rules.resolve(None)?;
    let mut check = args.resolve(&settings)?;
    let rules = load(&settings)?;
    check.scorecard = args.scorecard(&settings, &rules)?;
    if let Some(s) = check.shard {
        // A worker's log says which share it took (the scheduler may have chosen).
        eprintln!("share {} of {} (shares 0 to {})", s.index, s.count, s.count - 1);
    }
    let mut out = sink(args.style(), Box::new(std::io::BufWriter::new(std::io::stdout().lock())));
    let tally = cmd::check::run(&check, &rules, &mut *out)?;
    if let Some(line) = tally.line() {
        eprintln!("{line}");
    }
    Ok(if tally.failed > 0 { ExitCode::from(2) } else { exit_code(tally.violations > 0) })
}

fn merge(dirs: &[std::path::PathBuf], out: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let outputs = match out {
        Some(path) => {
            let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| sufler_core::Error::io(path, e))?);
            cmd::merge::run(dirs, &mut file)?
        }
        None => cmd::merge::run(dirs, &mut std::io::BufWriter::new(std::io::stdout().lock()))?,
    };
    for line in outputs.told() {
        eprintln!("{line}");
    }
    Ok(if outputs.complete() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

fn report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let report = args.resolve();
    let written = cmd::report::run(&report)?;
    for line in &written.skipped {
        eprintln!("skipped {line}");
    }
    for line in &written.incomplete {
        eprintln!("{line}");
    }
    eprintln!("{}: {} calls, {} operators", report.out.display(), written.calls, written.operators);
    Ok(ExitCode::SUCCESS)
}

fn live(args: LiveArgs) -> anyhow::Result<ExitCode> {
    let live = args.resolve().map_err(anyhow::Error::msg)?;
    let rules = args.rules.resolve(None)?;
    let hearing = args.asr.hearing(&rules);
    let rules = Arc::new(load(&rules)?);
    let model = Arc::new(Model::load(hearing.options(rules.lang))?);
    let output = if args.screen() {
        Output::Screen
    } else {
        let stdout = std::io::LineWriter::new(std::io::stdout().lock());
        Output::Sink(sink(args.style(), Box::new(stdout)))
    };
    let outcome = cmd::live::run(&live, rules, &model, output, cmd::live::interrupted())?;
    Ok(exit_code(outcome.violations > 0))
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = args.resolve()?;
    let rules = args.rules.resolve(None)?;
    let hearing = args.asr.hearing(&rules);
    let rules = Arc::new(load(&rules)?);
    let model = Arc::new(Model::load(hearing.options(rules.lang))?);
    sufler::serve::run(config, rules, &model, cmd::live::interrupted())?;
    Ok(ExitCode::SUCCESS)
}

fn devices() -> anyhow::Result<ExitCode> {
    let devices = cmd::live::devices()?;
    if devices.is_empty() {
        eprintln!("no sound inputs found");
    }
    for d in devices {
        println!("{d}");
    }
    Ok(ExitCode::SUCCESS)
}

fn rules(command: RulesCmd) -> anyhow::Result<ExitCode> {
    match command {
        RulesCmd::Test { dir, rules } => {
            let t = cmd::rules::test(&rules.resolve(dir.as_deref())?)?;
            for d in &t.failures {
                println!("{d}\n");
            }
            let verdict = if t.failures.is_empty() { "ok".to_string() } else { format!("{} failed", t.failures.len()) };
            println!("{} files, {} rules, {} examples: {verdict}", t.files, t.rules, t.examples);
            Ok(exit_code(!t.failures.is_empty()))
        }
        RulesCmd::Diff { old, new, transcripts, format, rules } => {
            let d = cmd::rules::diff(&rules.resolve(Some(&old))?, &rules.resolve(Some(&new))?, &transcripts)?;
            for w in &d.dropped {
                eprintln!("{w}\n");
            }
            for e in &d.unread {
                eprintln!("{e}");
            }
            match format {
                DiffFormat::Json => println!("{}", serde_json::to_string_pretty(&d)?),
                DiffFormat::Text => print!("{}", diff_text(&d)),
            }
            Ok(exit_code(!d.rules.is_empty()))
        }
        RulesCmd::Lint { dir, rules } => {
            let rules = rules.resolve(dir.as_deref())?;
            let (errors, warnings) = cmd::rules::lint(&rules)?;
            for d in errors.iter().chain(&warnings) {
                println!("{d}\n");
            }
            println!("{} errors, {} warnings", errors.len(), warnings.len());
            if !errors.is_empty() {
                bail!("{} has errors", rules.name());
            }
            Ok(exit_code(!warnings.is_empty()))
        }
    }
}

/// A diff of two rule-set versions, for people.
fn diff_text(d: &cmd::rules::Diff) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let width = d.rules.iter().map(|r| r.rule.chars().count()).max().unwrap_or(4).max(4);
    let _ = writeln!(out, "{:width$}  {:>5}  {:>5}  {:>6}  {:>5}", "rule", "old", "new", "gained", "lost");
    for r in &d.rules {
        let _ = writeln!(out, "{:width$}  {:>5}  {:>5}  {:>6}  {:>5}", r.rule, r.old, r.new, format!("+{}", r.gained), format!("-{}", r.lost));
        for (sign, examples) in [("+", &r.gained_examples), ("-", &r.lost_examples)] {
            for e in examples {
                let said = if e.text.is_empty() { format!("({})", e.kind) } else { format!("«{}»", e.text) };
                let _ = writeln!(out, "  {sign} {} {} {said}", e.call, sufler_core::transcript::clock(e.start));
            }
        }
    }
    let (gained, lost) = d.rules.iter().fold((0, 0), |(g, l), r| (g + r.gained, l + r.lost));
    let _ = writeln!(out, "{} transcripts: {gained} flags gained, {lost} lost, in {} rules", d.transcripts, d.rules.len());
    out
}

fn models(command: ModelsCmd) -> anyhow::Result<ExitCode> {
    let home = settings::models_home();
    match command {
        ModelsCmd::Fetch { name, dir } => eprintln!("{}", cmd::models::fetch(&name, &dir.unwrap_or(home))?.display()),
        ModelsCmd::Import { dir, out, weights } => {
            eprintln!("{}", cmd::models::import(&dir, weights, &out.unwrap_or_else(|| home.join(settings::WHISPER_MODEL)))?)
        }
        ModelsCmd::ImportVad { file, out } => eprintln!("{}", cmd::models::import_vad(&file, &out.unwrap_or_else(|| home.join(settings::VAD_MODEL)))?),
        ModelsCmd::Path { asr } => {
            let hearing = asr.hearing_alone();
            let mut missing = false;
            for path in [hearing.model, hearing.vad_model] {
                missing |= !path.is_file();
                println!("{}{}", path.display(), if path.is_file() { "" } else { " (missing)" });
            }
            return Ok(exit_code(missing));
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
