//! Who took each call, for results per operator and team: the call
//! recorder's call id, operator, team, start and free tags. Taken from
//! fixed values in `sufler.toml`, then the recording's path (a pattern
//! such as `{date}/{operator}_{id}.wav`), then a call recorder's export
//! (CSV or JSON) — a later source wins where both say something.
//!
//! A field named `id` or `call_id` is the call's id; `operator` (or
//! `agent`) and `team` are theirs; `start` (or `date` and `time`) is when
//! the call began; every other field is a tag.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;

use sufler_core::call::CallMeta;

use crate::error::{Error, Result};

/// Metadata settings, as `sufler.toml`'s `[meta]` table holds them.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaConfig {
    /// A pattern matched against the end of each recording's path.
    pub pattern: Option<String>,
    /// A call recorder's export (CSV or JSON), relative to the config file.
    pub file: Option<PathBuf>,
    /// Values every call gets unless a pattern or the export says otherwise.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// Where each call's metadata comes from.
#[derive(Debug, Default)]
pub struct Meta {
    fixed: BTreeMap<String, String>,
    pattern: Option<Pattern>,
    export: Option<Export>,
}

impl Meta {
    /// From the flags (`pattern`, `file`), else the config's.
    pub fn load(pattern: Option<&str>, file: Option<&Path>, config: &MetaConfig) -> Result<Meta> {
        let pattern = pattern.or(config.pattern.as_deref()).map(Pattern::parse).transpose()?;
        let export = file.or(config.file.as_deref()).map(Export::read).transpose()?;
        Ok(Meta { fixed: config.fields.clone(), pattern, export })
    }

    /// The metadata of the call recorded (or transcribed) at `path`.
    pub fn of(&self, path: &Path) -> CallMeta {
        let mut fields = self.fixed.clone();
        if let Some(p) = &self.pattern {
            fields.extend(p.fields(path));
        }
        if let Some(row) = self.export.as_ref().and_then(|e| e.row(path, fields.get("id").or(fields.get("call_id")))) {
            // An empty cell says nothing.
            fields.extend(row.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (k.clone(), v.clone())));
        }
        meta(path.display().to_string(), fields)
    }
}

/// A call's metadata from named fields (see the module's docs).
fn meta(id: String, mut fields: BTreeMap<String, String>) -> CallMeta {
    let mut take = |names: &[&str]| names.iter().find_map(|n| fields.remove(*n));
    let call_id = take(&["call_id", "id"]);
    let operator = take(&["operator", "agent"]);
    let team = take(&["team"]);
    let start = take(&["start"]).or_else(|| match (take(&["date"]), take(&["time"])) {
        (Some(d), Some(t)) => Some(format!("{d} {t}")),
        (d, t) => d.or(t),
    });
    CallMeta { id, call_id, operator, team, start, tags: fields }
}

/// A path pattern: `{name}` takes part of one folder or file name, `*`
/// skips part of one; the rest is literal. It is matched against the end
/// of the path.
#[derive(Debug)]
struct Pattern {
    regex: Regex,
}

impl Pattern {
    fn parse(text: &str) -> Result<Pattern> {
        let bad = |message: String| Error::Usage(format!("--meta `{text}`: {message}"));
        let mut re = String::from(r"(?:^|/)");
        let mut rest = text;
        let mut names = Vec::new();
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('{') {
                let end = after.find('}').ok_or_else(|| bad("a `{` without its `}`".into()))?;
                let name = &after[..end];
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(bad(format!("`{{{name}}}`: a field name is letters, digits and `_`")));
                }
                if names.contains(&name) {
                    return Err(bad(format!("`{{{name}}}` is there twice")));
                }
                names.push(name);
                re.push_str(&format!("(?P<{name}>[^/]+?)"));
                rest = &after[end + 1..];
            } else if let Some(after) = rest.strip_prefix('*') {
                re.push_str("[^/]*?");
                rest = after;
            } else {
                let end = rest.find(['{', '*']).unwrap_or(rest.len());
                re.push_str(&regex::escape(&rest[..end]));
                rest = &rest[end..];
            }
        }
        if names.is_empty() {
            return Err(bad("it names no field (write them as `{operator}`)".into()));
        }
        re.push('$');
        Ok(Pattern { regex: Regex::new(&re).map_err(|e| bad(e.to_string()))? })
    }

    /// The fields a path gives (none when it does not match).
    fn fields(&self, path: &Path) -> BTreeMap<String, String> {
        let path = path.to_string_lossy().replace('\\', "/");
        let Some(caps) = self.regex.captures(&path) else { return BTreeMap::new() };
        self.regex.capture_names().flatten().filter_map(|n| Some((n.to_string(), caps.name(n)?.as_str().to_string()))).collect()
    }
}

/// A call recorder's export: one row of fields per call, found by the
/// recording's file name (or path) in a `file`, `path` or `recording`
/// column, else by the call's id.
#[derive(Debug)]
struct Export {
    by_file: HashMap<String, BTreeMap<String, String>>,
    by_id: HashMap<String, BTreeMap<String, String>>,
}

const FILE_COLUMNS: [&str; 3] = ["file", "path", "recording"];

impl Export {
    fn read(path: &Path) -> Result<Export> {
        let text = std::fs::read_to_string(path).map_err(|e| sufler_core::Error::io(path, e))?;
        let bad = |message: String| Error::Core(sufler_core::Error::Input { path: path.to_path_buf(), message });
        let rows =
            if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) { json_rows(&text).map_err(bad)? } else { csv_rows(&text).map_err(bad)? };
        let mut export = Export { by_file: HashMap::new(), by_id: HashMap::new() };
        for mut row in rows {
            let file = FILE_COLUMNS.iter().find_map(|c| row.remove(*c));
            let id = row.get("id").or(row.get("call_id")).cloned();
            if let Some(file) = file {
                export.by_file.insert(file.replace('\\', "/"), row.clone());
            }
            if let Some(id) = id {
                export.by_id.insert(id, row);
            }
        }
        Ok(export)
    }

    /// The row of the recording at `path` (by its path's end, then its file
    /// name), else of the call `id`.
    fn row(&self, path: &Path, id: Option<&String>) -> Option<&BTreeMap<String, String>> {
        let full = path.to_string_lossy().replace('\\', "/");
        let by_path = self.by_file.iter().filter(|(f, _)| full == **f || full.ends_with(&format!("/{f}"))).max_by_key(|(f, _)| f.len()).map(|(_, r)| r);
        by_path.or_else(|| self.by_id.get(id?))
    }
}

fn csv_rows(text: &str) -> std::result::Result<Vec<BTreeMap<String, String>>, String> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> = reader.headers().map_err(|e| e.to_string())?.iter().map(str::to_lowercase).collect();
    check_key(&headers)?;
    reader
        .records()
        .map(|r| {
            let r = r.map_err(|e| format!("line {}: {e}", e.position().map_or(0, |p| p.line())))?;
            Ok(headers.iter().cloned().zip(r.iter().map(str::to_string)).collect())
        })
        .collect()
}

/// An array of objects, or an object of them keyed by file name.
fn json_rows(text: &str) -> std::result::Result<Vec<BTreeMap<String, String>>, String> {
    let value: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| e.to_string())?;
    let scalar = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let row = |o: &serde_json::Map<String, serde_json::Value>| -> BTreeMap<String, String> {
        o.iter().filter_map(|(k, v)| Some((k.to_lowercase(), scalar(v)?))).collect()
    };
    let rows: Vec<BTreeMap<String, String>> = match &value {
        serde_json::Value::Array(items) => {
            items.iter().map(|i| i.as_object().map(row).ok_or("each item must be an object of fields")).collect::<std::result::Result<_, _>>()?
        }
        serde_json::Value::Object(files) => files
            .iter()
            .map(|(file, fields)| {
                let mut r = fields.as_object().map(row).ok_or("each value must be an object of fields")?;
                r.insert("file".into(), file.clone());
                Ok(r)
            })
            .collect::<std::result::Result<_, &str>>()?,
        _ => return Err("expected an array of calls, or an object of them by file name".into()),
    };
    for r in &rows {
        check_key(&r.keys().cloned().collect::<Vec<_>>())?;
    }
    Ok(rows)
}

/// A row must say which call it is.
fn check_key(columns: &[String]) -> std::result::Result<(), String> {
    let keys = ["file", "path", "recording", "id", "call_id"];
    if columns.iter().any(|c| keys.contains(&c.as_str())) { Ok(()) } else { Err(format!("no column says which call a row is: name one {}", keys.join(", "))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta_of(pattern: Option<&str>, export: Option<(&str, &str)>, path: &str) -> CallMeta {
        let dir = std::env::temp_dir().join(format!("sufler-meta-{}-{}", std::process::id(), path.len()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = export.map(|(name, text)| {
            let f = dir.join(name);
            std::fs::write(&f, text).unwrap();
            f
        });
        let config = MetaConfig { fields: [("queue".to_string(), "продажи".to_string())].into(), ..MetaConfig::default() };
        Meta::load(pattern, file.as_deref(), &config).unwrap().of(Path::new(path))
    }

    #[test]
    fn metadata_from_a_path_pattern() {
        let m = meta_of(Some("{date}/{operator}_{id}.wav"), None, "/calls/2026-11-30/Анна_7781.wav");
        assert_eq!(m.call_id.as_deref(), Some("7781"));
        assert_eq!(m.operator.as_deref(), Some("Анна"));
        assert_eq!(m.start.as_deref(), Some("2026-11-30"));
        assert_eq!(m.tags, [("queue".to_string(), "продажи".to_string())].into());
        // A path the pattern does not fit keeps the fixed fields alone.
        let m = meta_of(Some("{date}/{operator}_{id}.wav"), None, "other.wav");
        assert_eq!((m.operator, m.id.as_str()), (None, "other.wav"));
    }

    #[test]
    fn metadata_from_a_recorders_export() {
        let csv = "File,Operator,Team,Date,Time,Queue\n2026-11-30/a.wav,Анна,Б2,2026-11-30,09:15,возвраты\nb.wav,Petr,C1,2026-12-01,10:00,\n";
        let m = meta_of(None, Some(("export.csv", csv)), "/calls/2026-11-30/a.wav");
        assert_eq!((m.operator.as_deref(), m.team.as_deref(), m.start.as_deref()), (Some("Анна"), Some("Б2"), Some("2026-11-30 09:15")));
        assert_eq!(m.tags["queue"], "возвраты");
        // An empty cell leaves the fixed value alone.
        assert_eq!(meta_of(None, Some(("export.csv", csv)), "x/b.wav").tags["queue"], "продажи");
        // Keyed by the id a pattern found.
        let json = r#"[{"id": "7781", "operator": "Анна", "team": "Б2"}]"#;
        let m = meta_of(Some("{id}.wav"), Some(("export.json", json)), "calls/7781.wav");
        assert_eq!((m.call_id.as_deref(), m.team.as_deref()), (Some("7781"), Some("Б2")));
    }

    #[test]
    fn mistakes_are_named() {
        let errors = [
            ("{date/{id}.wav", "--meta `{date/{id}.wav`: `{date/{id}`: a field name is letters, digits and `_`"),
            ("calls/*.wav", "--meta `calls/*.wav`: it names no field (write them as `{operator}`)"),
            ("{id}_{id}.wav", "--meta `{id}_{id}.wav`: `{id}` is there twice"),
        ];
        for (pattern, message) in errors {
            assert_eq!(Pattern::parse(pattern).unwrap_err().to_string(), message);
        }
        let e = csv_rows("operator,team\nАнна,Б2\n").unwrap_err();
        assert_eq!(e, "no column says which call a row is: name one file, path, recording, id, call_id");
    }
}
