//! `sufler check`: a batch of recorded calls and stored transcripts,
//! checked one after another into a sink. A call that cannot be read or
//! heard is an error record in its place; the batch goes on.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use sufler_core::Error as CoreError;
use sufler_core::call::CallMeta;
use sufler_core::engine::{Event, Swapped};
use sufler_core::redact;
use sufler_core::rules::RuleSet;
use sufler_core::scorecard::Scorecard;
use sufler_core::transcript::{self, Redaction, Transcript};
use sufler_hear::asr::Model;
use sufler_hear::audio::ChannelMap;

use crate::batch;
use crate::cmd::transcribe::redaction;
use crate::error::{Error, Result};
use crate::files;
use crate::meta::Meta;
use crate::report::{Sink, Utterance, deliver};
use crate::settings::Hearing;
use crate::shard::{SHARES, Shard, ShareList};

/// What to check, and how.
pub struct Check {
    /// Transcripts (or folders of them), re-scored without audio.
    pub transcripts: Vec<PathBuf>,
    /// Recordings (or folders of them), heard.
    pub audio: Vec<PathBuf>,
    /// Which channel holds which party; `auto` also checks a call the
    /// other way round when its parties look swapped.
    pub channels: ChannelMap,
    pub hearing: Hearing,
    /// Where each call's transcript is saved.
    pub save_transcripts: Option<PathBuf>,
    /// Where a copy of each recording heard is written with what redaction
    /// took out silenced (see [`super::silence`]).
    pub redact_audio: Option<PathBuf>,
    /// Re-score the calls whose transcript is saved instead of hearing them.
    pub resume: bool,
    /// Errors and warnings are also told on stderr (the sink's output is for machines).
    pub echo_errors: bool,
    /// A progress bar on stderr.
    pub progress: bool,
    /// Card and phone numbers taken out of the words before anything is
    /// checked or saved (off: kept as heard, for trusted QA only).
    pub redact: bool,
    /// Who took each call.
    pub meta: Meta,
    /// What each call is scored on, besides the rules' weights.
    pub scorecard: Option<Scorecard>,
    /// This worker's share of the batch (a cluster's job), if not all.
    pub shard: Option<Shard>,
    /// The folder the batch's calls are named below (shares, transcripts
    /// and results files); default: the folder all the inputs share.
    pub root: Option<PathBuf>,
    /// A folder for each call's results as a JSON lines file of its own,
    /// named by the call (`a/1.wav` → `a/1.wav.jsonl`), and each share's
    /// list of calls (`.shards/I-of-N.json`), for `sufler merge`.
    pub results: Option<PathBuf>,
}

impl Check {
    /// Stored transcripts re-scored as `check --transcript` does by
    /// default (redacted, no scorecard, nothing heard or written): a start
    /// for tools and benchmarks, which set what they need beside it.
    pub fn transcripts(transcripts: Vec<PathBuf>) -> Check {
        Check {
            transcripts,
            audio: Vec::new(),
            channels: ChannelMap::default(),
            hearing: Hearing { model: PathBuf::new(), vad_model: PathBuf::new(), threads: 1, vad_threshold: 0.5, vocabulary: Vec::new() },
            save_transcripts: None,
            redact_audio: None,
            resume: false,
            echo_errors: false,
            progress: false,
            redact: true,
            meta: Meta::default(),
            scorecard: None,
            shard: None,
            root: None,
            results: None,
        }
    }
}

/// What the calls of a batch came to.
#[derive(Debug, Default)]
pub struct Tally {
    pub calls: usize,
    pub violations: usize,
    /// Calls with nothing of the operator's to score.
    pub unscored: usize,
    pub swapped: usize,
    pub failed: usize,
}

/// Checks the batch (or this worker's share of it) into `out`.
pub fn run(check: &Check, rules: &RuleSet, out: &mut dyn Sink) -> Result<Tally> {
    let transcripts = batch::files(&check.transcripts, batch::TRANSCRIPTS);
    let audio = batch::files(&check.audio, batch::AUDIO);
    let path_of = |r: &Result<PathBuf>| match r {
        Ok(p) => p.clone(),
        Err(e) => e.path().map(Path::to_path_buf).unwrap_or_default(),
    };
    let all: Vec<PathBuf> = transcripts.iter().chain(&audio).map(path_of).collect();
    let root = check.root.clone().unwrap_or_else(|| batch::common_root(&all));
    let names: Vec<String> = all.iter().map(|p| batch::name_below(&root, p)).collect();
    // Saved transcripts are named over the whole batch: the same in every share.
    let recordings: Vec<PathBuf> = audio.iter().filter_map(|r| r.as_ref().ok().cloned()).collect();
    let mut saved_as = batch::transcript_names(&recordings, check.root.as_deref()).into_iter();
    let mut mine = names.iter().map(|n| check.shard.is_none_or(|s| s.owns(n)));
    let transcripts: Vec<Result<PathBuf>> = transcripts.into_iter().filter(|_| mine.next() == Some(true)).collect();
    let mut audio_mine = Vec::new();
    let mut audio_names = Vec::new();
    for r in audio {
        let name = r.is_ok().then(|| saved_as.next().expect("a name per recording"));
        if mine.next() == Some(true) {
            audio_names.extend(name);
            audio_mine.push(r);
        }
    }
    let record = check.results.as_ref().map(|dir| Record { dir: dir.clone(), root: root.clone(), unredacted: !check.redact });
    let mut batch = Batch { out, tally: Tally::default(), echo_errors: check.echo_errors, record };
    let transcripts = batch.readable(transcripts)?;
    let results: Vec<Result<Checked>> = transcripts.par_iter().map(|path| rescore(path, rules, path, check)).collect();
    for (path, result) in transcripts.iter().zip(results) {
        batch.report(path, result)?;
    }
    let audio = batch.readable(audio_mine)?;
    if !audio.is_empty() {
        hear(check, &audio, &audio_names, rules, &mut batch)?;
    }
    batch.out.flush()?;
    if let Some(record) = &batch.record {
        let shard = check.shard.unwrap_or(Shard { index: 0, count: 1 });
        let calls = names.iter().filter(|n| shard.owns(n)).cloned().collect();
        record.share(shard, names, calls)?;
    }
    Ok(batch.tally)
}

/// Where each call's results are kept, one file per call.
struct Record {
    dir: PathBuf,
    root: PathBuf,
    unredacted: bool,
}

impl Record {
    /// Writes a call's records (as `write` puts them into a sink) to its
    /// own file, whole or not at all.
    fn call(&self, path: &Path, write: impl FnOnce(&mut dyn Sink) -> std::io::Result<()>) -> Result<()> {
        let bytes = crate::report::jsonl(self.unredacted, write)?;
        let file = self.dir.join(format!("{}.jsonl", batch::name_below(&self.root, path)));
        files::write_bytes(&file, &bytes).map_err(|e| Error::Core(CoreError::io(&file, e)))
    }

    /// Writes which calls the batch has, and which were this share's.
    fn share(&self, shard: Shard, batch: Vec<String>, calls: Vec<String>) -> Result<()> {
        let list = ShareList { shard: shard.index, of: shard.count, root: self.root.display().to_string(), batch, calls };
        let json = serde_json::to_vec_pretty(&list).expect("a list serialises");
        let file = self.dir.join(SHARES).join(format!("{}-of-{}.json", shard.index, shard.count));
        files::write_bytes(&file, &json).map_err(|e| Error::Core(CoreError::io(&file, e)))
    }
}

/// A batch's sink and tally.
struct Batch<'o, 'w> {
    out: &'o mut (dyn Sink + 'w),
    tally: Tally,
    echo_errors: bool,
    record: Option<Record>,
}

impl Batch<'_, '_> {
    /// The files of a batch that can be tried; the folders that gave none
    /// are reported as errors first.
    fn readable(&mut self, files: Vec<Result<PathBuf>>) -> Result<Vec<PathBuf>> {
        let mut found = Vec::with_capacity(files.len());
        for file in files {
            match file {
                Ok(path) => found.push(path),
                Err(e) => {
                    let path = e.path().map(Path::to_path_buf).unwrap_or_default();
                    self.tally.calls += 1;
                    self.failed(&path, e)?;
                }
            }
        }
        Ok(found)
    }

    /// One call's events (or why it failed), into the sink and the tally.
    /// Gives back a failure beside its events that every call after it
    /// would share (no room to save transcripts), to stop the batch.
    fn report(&mut self, path: &Path, result: Result<Checked>) -> Result<Option<Error>> {
        self.tally.calls += 1;
        let checked = match result {
            Ok(checked) => checked,
            Err(e) => return self.failed(path, e).map(|()| None),
        };
        let call = path.display().to_string();
        if self.echo_errors {
            for warning in &checked.warnings {
                eprintln!("{call}: {warning}");
            }
        }
        for e in &checked.events {
            self.tally.violations += usize::from(matches!(e, Event::Violation(_)));
            if let Event::CallSummary(s) = e {
                self.tally.unscored += usize::from(!s.scored);
                self.tally.swapped += usize::from(s.swapped != Swapped::No);
            }
        }
        let (stop, unsaved) = match checked.unsaved {
            // No room left: every call after this one would fail the same way.
            Some(e) if out_of_room(&e) => (Some(e), None),
            // A failure beside the call's events: a record of its own.
            Some(e) => (None, Some(e.to_string())),
            None => (None, None),
        };
        let write = |out: &mut dyn Sink| -> std::io::Result<()> {
            if let Some(first) = checked.events.first() {
                out.begin_call(first.call())?;
                out.transcript(first.call(), &checked.utterances)?;
            }
            for warning in &checked.warnings {
                out.warning(&call, warning)?;
            }
            for e in &checked.events {
                deliver(out, e, None)?;
            }
            if let Some(message) = &unsaved {
                out.error(&call, message)?;
            }
            Ok(())
        };
        write(self.out)?;
        if let Some(record) = &self.record {
            record.call(path, write)?;
        }
        if let Some(message) = &unsaved {
            self.tally.failed += 1;
            if self.echo_errors {
                eprintln!("{message}");
            }
        }
        Ok(stop)
    }

    fn failed(&mut self, path: &Path, e: Error) -> Result<()> {
        self.tally.failed += 1;
        let message = e.to_string();
        let call = path.display().to_string();
        self.out.error(&call, &message)?;
        if let Some(record) = &self.record {
            record.call(path, |out| out.error(&call, &message))?;
        }
        if self.echo_errors {
            eprintln!("{message}");
        }
        Ok(())
    }
}

/// What checking a call came to.
struct Checked {
    events: Vec<Event>,
    /// What redaction took out of its words.
    redacted: Vec<Redaction>,
    /// Its words, utterance by utterance.
    utterances: Vec<Utterance>,
    /// What went wrong in reading its recording.
    warnings: Vec<String>,
    /// Why its transcript could not be saved.
    unsaved: Option<Error>,
}

impl Checked {
    /// A transcript's events, under the name of `call`; `either_way`:
    /// checked the other way round if the parties look swapped.
    fn of(t: &Transcript<'_>, rules: &RuleSet, call: CallMeta, check: &Check) -> Checked {
        let mut events = if check.channels.auto { t.check_either_way(rules, call) } else { t.check(rules, call) };
        if let Some(card) = &check.scorecard {
            card.apply(&mut events);
        }
        let utterances = t
            .segments
            .iter()
            .map(|s| Utterance { speaker: s.speaker, start: s.start, end: s.end, text: s.text.to_string(), guessed: s.words.iter().any(|w| w.guessed) })
            .collect();
        Checked { events, utterances, redacted: t.redacted.clone(), warnings: t.warnings.clone(), unsaved: None }
    }
}

impl Tally {
    /// What the batch came to, in a line for stderr, when there was more
    /// to it than one call with a summary of its own.
    pub fn line(&self) -> Option<String> {
        if self.calls <= 1 && self.unscored + self.swapped == 0 {
            return None;
        }
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        Some(format!(
            "{}: {} not scored (no operator speech), {} with swapped channels, {}",
            plural(self.calls, "call", "calls"),
            self.unscored,
            self.swapped,
            plural(self.failed, "error", "errors")
        ))
    }
}

/// What a stored transcript comes to, under the name of `call`.
fn rescore(transcript: &Path, rules: &RuleSet, call: &Path, check: &Check) -> Result<Checked> {
    let text = transcript::read(transcript)?;
    let mut t = Transcript::parse(transcript, &text)?;
    if check.redact {
        redact::transcript(rules.lang, &mut t);
    }
    let meta = check.meta.of(call);
    let meta = match &t.call {
        Some(saved) => meta.or(saved),
        None => meta,
    };
    Ok(Checked::of(&t, rules, meta, check))
}

/// Hears the recordings (or re-scores those with a saved transcript, with
/// `--resume`), reporting each in its place.
fn hear(check: &Check, audio: &[PathBuf], names: &[PathBuf], rules: &RuleSet, batch: &mut Batch<'_, '_>) -> Result<()> {
    if let Some(dir) = &check.save_transcripts {
        std::fs::create_dir_all(dir).map_err(|e| CoreError::Input { path: dir.clone(), message: format!("cannot create the folder: {e}") })?;
    }
    let saved: Vec<Option<PathBuf>> = match (&check.save_transcripts, check.resume) {
        (Some(dir), true) => audio.iter().zip(names).map(|(path, name)| resumable(&dir.join(name), path)).collect(),
        _ => vec![None; audio.len()],
    };
    let bar = if check.progress && std::io::stderr().is_terminal() {
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
    let mut one = |i: usize, result: Result<Checked>| -> Result<()> {
        let stop = bar.suspend(|| batch.report(&audio[i], result))?;
        if let Some(e) = stop {
            batch.out.flush()?;
            return Err(Error::Stopped { after: i + 1, of: audio.len(), why: Box::new(e) });
        }
        batch.out.flush()?;
        bar.inc(1);
        show(bar.position() as usize);
        Ok(())
    };
    // Reports the calls up to `upto`, the re-scored ones in their place
    // among those heard.
    let mut next = 0;
    let mut report = |upto: usize, heard: Option<Result<Checked>>| -> Result<()> {
        for i in next..upto {
            let result = rescore(saved[i].as_deref().expect("only re-scored calls are skipped"), rules, &audio[i], check);
            // A call stopped between its transcript and its copy gets the copy now.
            let result = result.map(|c| match silenced_copy(check, &audio[i], &names[i], &c.redacted, false) {
                Ok(()) => c,
                Err(e) => Checked { unsaved: Some(e), ..c },
            });
            one(i, result)?;
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
        let model = Model::load(check.hearing.options(rules.lang))?;
        let calls = heard.into_iter().map(|i| (i, audio[i].as_path()));
        model.transcribe_calls(
            calls,
            check.channels,
            |s| rules.listens_to(s),
            |i, transcript| {
                // The call's events stand whatever becomes of its transcript.
                let result = transcript.map_err(Error::from).map(|mut t| {
                    redaction(rules.lang, &mut t, check.redact);
                    let meta = check.meta.of(&audio[i]);
                    t.call = Some(meta.clone());
                    let unsaved = check.save_transcripts.as_ref().and_then(|dir| save_transcript(&dir.join(&names[i]), &t).err());
                    let unsaved = unsaved.or_else(|| silenced_copy(check, &audio[i], &names[i], &t.redacted, true).err());
                    Checked { unsaved, ..Checked::of(&t, rules, meta, check) }
                });
                report(i, Some(result))
            },
        )?;
    }
    report(audio.len(), None)?;
    bar.finish_and_clear();
    Ok(())
}

/// Writes the recording's silenced copy (`--redact-audio`), named as its
/// transcript is; `again`: over one already there.
fn silenced_copy(check: &Check, recording: &Path, name: &Path, taken: &[Redaction], again: bool) -> Result<()> {
    let Some(dir) = &check.redact_audio else { return Ok(()) };
    let to = dir.join(name).with_extension("wav");
    if !again && to.exists() {
        return Ok(());
    }
    super::silence::write(recording, check.channels, taken, &to)
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
/// leaves no half a transcript for `--resume` to find, and a write that
/// fails leaves nothing).
fn save_transcript(path: &Path, t: &Transcript<'_>) -> Result<()> {
    let json = serde_json::to_string_pretty(t).expect("transcripts serialise");
    files::write_bytes(path, json.as_bytes()).map_err(|e| Error::Unsaved { path: path.to_path_buf(), source: e })
}

/// Whether a write failed for want of room (a full disk, a quota): the
/// same for every write after it.
fn out_of_room(e: &Error) -> bool {
    use std::io::ErrorKind::{QuotaExceeded, ReadOnlyFilesystem, StorageFull};
    matches!(e, Error::Unsaved { source, .. } if matches!(source.kind(), StorageFull | QuotaExceeded | ReadOnlyFilesystem))
}
