//! Settings resolved once, from flags, then `sufler.toml`, then defaults:
//! which rules (a trainer's folder, else the set built into the binary),
//! their language and variables, and where the models are.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use sufler_core::Diagnostic;
use sufler_core::rules::{self, RuleSet, Source, TestReport, Vars};
use sufler_core::scorecard::Scorecard;
use sufler_core::text::Lang;
use sufler_hear::asr;

use crate::error::{Error, Result};
use crate::meta::{Meta, MetaConfig};

/// The rule sets built into the binary, so that it checks calls from any
/// folder: each language's files, by name.
const BUNDLED: &[(Lang, &str, &str)] = &[
    (Lang::Ru, "banned.toml", include_str!("../rules/ru/banned.toml")),
    (Lang::Ru, "client.toml", include_str!("../rules/ru/client.toml")),
    (Lang::Ru, "closing.toml", include_str!("../rules/ru/closing.toml")),
    (Lang::Ru, "conflict.toml", include_str!("../rules/ru/conflict.toml")),
    (Lang::Ru, "greeting.toml", include_str!("../rules/ru/greeting.toml")),
    (Lang::Cs, "banned.toml", include_str!("../rules/cs/banned.toml")),
    (Lang::Cs, "client.toml", include_str!("../rules/cs/client.toml")),
    (Lang::Cs, "closing.toml", include_str!("../rules/cs/closing.toml")),
    (Lang::Cs, "conflict.toml", include_str!("../rules/cs/conflict.toml")),
    (Lang::Cs, "greeting.toml", include_str!("../rules/cs/greeting.toml")),
];

/// The scorecards built in, one per built-in rule set.
const BUNDLED_CARDS: &[(Lang, &str)] = &[(Lang::Ru, include_str!("../scorecards/ru.toml")), (Lang::Cs, include_str!("../scorecards/cs.toml"))];

/// The model files' names, looked for in [`model_dirs`].
pub const WHISPER_MODEL: &str = "ggml-base.bin";
pub const VAD_MODEL: &str = "ggml-silero-vad.bin";

/// How calls are heard.
#[derive(Debug, Clone)]
pub struct Hearing {
    pub model: PathBuf,
    pub vad_model: PathBuf,
    /// Threads for speech recognition.
    pub threads: usize,
    /// Speech probability above which audio counts as speech.
    pub vad_threshold: f32,
    /// Words the calls are likely to hold (the rules' variables: the
    /// company's and the operator's names), for Whisper to spell as written.
    pub vocabulary: Vec<String>,
}

impl Hearing {
    /// The recogniser's options for calls in `lang`.
    pub fn options(&self, lang: Lang) -> asr::Options {
        asr::Options {
            model: self.model.clone(),
            vad_model: self.vad_model.clone(),
            lang,
            threads: self.threads,
            vad_threshold: self.vad_threshold,
            vocabulary: self.vocabulary.clone(),
        }
    }
}

/// Deployment settings (`sufler.toml`).
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    lang: Option<Lang>,
    /// A rule folder, relative to the file.
    rules: Option<PathBuf>,
    #[serde(default)]
    vars: Vars,
    /// Where each call's metadata comes from.
    #[serde(default)]
    meta: MetaConfig,
    /// A scorecard, relative to the file.
    scorecard: Option<PathBuf>,
    /// `sufler serve`'s settings.
    #[serde(default)]
    serve: crate::serve::config::ServeConfig,
}

/// What the rules are: where from, in what language, with what variables.
#[derive(Debug, Clone)]
pub struct Rules {
    /// A trainer's folder; `None`: the set built in.
    pub dir: Option<PathBuf>,
    /// The language asked for; the rules may declare theirs.
    pub lang: Option<Lang>,
    pub vars: Vars,
}

impl Rules {
    /// Resolves the rules from the flags given (`dir`, `lang`, `vars`) and
    /// the config file (`config`, else `./sufler.toml` when there is one).
    pub fn resolve(dir: Option<&Path>, lang: Option<Lang>, vars: &[(String, String)], config: Option<&Path>) -> Result<Rules> {
        let (config, base) = find_config(config)?;
        let dir = dir.map(Path::to_path_buf).or_else(|| config.rules.map(|r| base.join(r)));
        let mut all = config.vars;
        all.extend(vars.iter().cloned());
        Ok(Rules { dir, lang: lang.or(config.lang), vars: all })
    }

    /// The rule files: the folder's, or the built-in set of the language
    /// asked for (Russian by default).
    pub fn sources(&self) -> Result<Vec<Source>> {
        match &self.dir {
            Some(dir) => Ok(rules::read_dir(dir)?),
            None => Ok(bundled(self.lang.unwrap_or(Lang::Ru))),
        }
    }

    /// The rules compiled for checking calls, each checked against its
    /// examples: those whose examples fail are left out, and their
    /// failures given back as warnings (see [`RuleSet::in_use`]).
    pub fn load(&self) -> Result<(RuleSet, Vec<Diagnostic>)> {
        Ok(RuleSet::in_use(&self.sources()?, self.lang, &self.vars)?)
    }

    /// Every problem of the rules, their examples run.
    pub fn test(&self) -> Result<(Vec<Source>, TestReport)> {
        let sources = self.sources()?;
        let report = RuleSet::test(&sources, self.lang, &self.vars)?;
        Ok((sources, report))
    }

    /// What the rules are called in messages: their folder, or `rules/<lang>`
    /// for the built-in set.
    pub fn name(&self) -> String {
        match &self.dir {
            Some(dir) => dir.display().to_string(),
            None => format!("rules/{} (built in)", self.lang.unwrap_or(Lang::Ru).code()),
        }
    }
}

/// A language's built-in rule files, named as in the repository.
pub fn bundled(lang: Lang) -> Vec<Source> {
    BUNDLED
        .iter()
        .filter(|(l, _, _)| *l == lang)
        .map(|(_, name, text)| Source { path: Path::new("rules").join(lang.code()).join(name), text: text.to_string() })
        .collect()
}

/// The scorecard calls are scored on: the one given, else the config's,
/// else the one built in for the built-in rules (none for a trainer's
/// rules, whose ids it would not know).
pub fn scorecard(given: Option<&Path>, settings: &Rules, rules: &RuleSet, config: Option<&Path>) -> Result<Option<Scorecard>> {
    let (config, base) = find_config(config)?;
    let source = match given.map(Path::to_path_buf).or_else(|| config.scorecard.map(|c| base.join(c))) {
        Some(path) => {
            let text = std::fs::read_to_string(&path).map_err(|e| sufler_core::Error::io(&path, e))?;
            Source { path, text }
        }
        None if settings.dir.is_none() => {
            let Some((_, text)) = BUNDLED_CARDS.iter().find(|(l, _)| *l == rules.lang) else { return Ok(None) };
            Source { path: Path::new("scorecards").join(format!("{}.toml", rules.lang.code())), text: text.to_string() }
        }
        None => return Ok(None),
    };
    Ok(Some(Scorecard::parse(&source, rules)?))
}

/// Where each call's metadata comes from: the flags (`pattern`, `file`),
/// else the config file's `[meta]` (its `file` relative to the config).
pub fn meta(pattern: Option<&str>, file: Option<&Path>, config: Option<&Path>) -> Result<Meta> {
    let (config, base) = find_config(config)?;
    let mut settings = config.meta;
    settings.file = settings.file.map(|f| base.join(f));
    Meta::load(pattern, file, &settings)
}

/// `sufler serve`'s settings from the config file, and the folder its
/// paths are relative to.
pub fn serve(config: Option<&Path>) -> Result<(crate::serve::config::ServeConfig, PathBuf)> {
    let (config, base) = find_config(config)?;
    Ok((config.serve, base))
}

/// The token of `sufler serve`: the one configured, else
/// `$SUFLER_SERVE_TOKEN`, else the one generated at the first start and
/// kept (owner-only) in the user's data folder, where it is printed.
pub fn serve_token(configured: Option<String>) -> Result<String> {
    if let Some(t) = configured.or_else(|| std::env::var("SUFLER_SERVE_TOKEN").ok()).filter(|t| !t.is_empty()) {
        return Ok(t);
    }
    let home = data_dir().and_then(|d| d.parent().map(Path::to_path_buf)).unwrap_or_else(|| PathBuf::from("."));
    let file = home.join("serve-token");
    if let Ok(t) = std::fs::read_to_string(&file) {
        return Ok(t.trim().to_string());
    }
    let mut bytes = [0u8; 24];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom").map_err(|e| sufler_core::Error::io(Path::new("/dev/urandom"), e))?, &mut bytes)
        .map_err(|e| sufler_core::Error::io(Path::new("/dev/urandom"), e))?;
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    crate::files::write_bytes(&file, format!("{token}\n").as_bytes()).map_err(|e| sufler_core::Error::io(&file, e))?;
    eprintln!("a token for sufler serve was generated and kept in {}: {token}", file.display());
    Ok(token)
}

/// The config file given, else `./sufler.toml` when there is one, and the
/// folder its paths are relative to.
fn find_config(config: Option<&Path>) -> Result<(Config, PathBuf)> {
    Ok(match config {
        Some(path) => (read_config(path)?, path.parent().map(Path::to_path_buf).unwrap_or_default()),
        None if Path::new("sufler.toml").exists() => (read_config(Path::new("sufler.toml"))?, PathBuf::new()),
        None => (Config::default(), PathBuf::new()),
    })
}

fn read_config(path: &Path) -> Result<Config> {
    let text = std::fs::read_to_string(path).map_err(|e| sufler_core::Error::io(path, e))?;
    toml::from_str(&text).map_err(|e| {
        let d = Diagnostic::new(path, &text, e.span().unwrap_or(0..0), e.message().trim_end());
        Error::Core(sufler_core::Error::Rules(vec![d]))
    })
}

/// Where models are looked for, in order: `$SUFLER_MODELS`, the user's data
/// folder (`$XDG_DATA_HOME/sufler/models`, else
/// `~/.local/share/sufler/models`), then `./models`.
pub fn model_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("SUFLER_MODELS").filter(|d| !d.is_empty()).map(PathBuf::from).into_iter().collect();
    dirs.extend(data_dir());
    dirs.push(PathBuf::from("models"));
    dirs
}

/// Where `sufler models` writes: `$SUFLER_MODELS`, else the user's data
/// folder (else `./models`, on a machine with no home).
pub fn models_home() -> PathBuf {
    model_dirs().into_iter().next().expect("./models at least")
}

fn data_dir() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()).map(PathBuf::from);
    let data = xdg.or_else(|| std::env::var_os("HOME").filter(|d| !d.is_empty()).map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(data.join("sufler").join("models"))
}

/// A model file: the one given, else the first of [`model_dirs`] that has
/// `name` (else where it would be in the first, for the error to name).
pub fn model(given: Option<&Path>, name: &str) -> PathBuf {
    if let Some(path) = given {
        return path.to_path_buf();
    }
    let dirs = model_dirs();
    dirs.iter().map(|d| d.join(name)).find(|p| p.is_file()).unwrap_or_else(|| dirs[0].join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rule file of the repository is built in, and nothing else.
    #[test]
    fn the_built_in_rules_are_the_repositorys() {
        for lang in [Lang::Ru, Lang::Cs] {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules").join(lang.code());
            let on_disk = rules::read_dir(&dir).unwrap();
            let built_in = bundled(lang);
            let names = |s: &[Source]| s.iter().map(|s| s.path.file_name().unwrap().to_owned()).collect::<Vec<_>>();
            assert_eq!(names(&built_in), names(&on_disk), "{lang}");
            assert!(built_in.iter().zip(&on_disk).all(|(a, b)| a.text == b.text));
        }
    }
}
