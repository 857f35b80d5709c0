//! Structured logs: one JSON object per line on stderr, with the time
//! (Unix seconds), the level, what happened, and its fields.

use std::io::Write;

use serde_json::{Map, Value};

fn line(level: &str, msg: &str, fields: Value) {
    let mut record = Map::new();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
    record.insert("ts".into(), Value::from((now * 1000.0).round() / 1000.0));
    record.insert("level".into(), level.into());
    record.insert("msg".into(), msg.into());
    if let Value::Object(fields) = fields {
        record.extend(fields);
    }
    let mut text = Value::Object(record).to_string();
    text.push('\n');
    // A log nobody reads (stderr closed) is no reason to stop serving.
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

pub fn info(msg: &str, fields: Value) {
    line("info", msg, fields);
}

pub fn warn(msg: &str, fields: Value) {
    line("warn", msg, fields);
}

pub fn error(msg: &str, fields: Value) {
    line("error", msg, fields);
}
