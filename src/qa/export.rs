//! The report's numbers for spreadsheets: a row per call, a row per
//! operator.

use std::path::Path;

use super::results::Call;
use super::stats::Stats;
use crate::error::{Error, Result};

/// Writes `calls.csv` and `operators.csv` into `dir`.
pub fn write(dir: &Path, calls: &[Call], stats: &Stats) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| sufler_core::Error::io(dir, e))?;
    let open = |name: &str| {
        let path = dir.join(name);
        csv::Writer::from_path(&path).map_err(|e| Error::Core(sufler_core::Error::Input { path, message: e.to_string() }))
    };
    let fail = |name: &str, e: csv::Error| Error::Core(sufler_core::Error::Input { path: dir.join(name), message: e.to_string() });
    let opt = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
    let mut w = open("calls.csv")?;
    let head = [
        "call",
        "call_id",
        "operator",
        "team",
        "start",
        "score",
        "passed",
        "violations",
        "alerts",
        "duration_s",
        "operator_talk_share",
        "operator_wpm",
        "client_wpm",
        "longest_dead_air_s",
        "overtalk_s",
        "top_violations",
        "error",
    ];
    w.write_record(head).map_err(|e| fail("calls.csv", e))?;
    for c in calls {
        let s = c.summary.as_ref();
        let f = |p: &str| s.and_then(|s| s.pointer(p)).and_then(serde_json::Value::as_f64);
        // The lengths of a metric's periods.
        let lengths = |p: &str| -> Option<Vec<f64>> {
            let ps = s?.pointer(p)?.as_array()?;
            Some(ps.iter().map(|p| p["end"].as_f64().unwrap_or(0.0) - p["start"].as_f64().unwrap_or(0.0)).collect())
        };
        let dead_air = lengths("/metrics/dead_air").map(|l| l.into_iter().fold(0.0, f64::max));
        let overtalk = lengths("/metrics/overtalk").map(|l| l.into_iter().fold(0.0, |a, b| a + b));
        let round = |x: Option<f64>| x.map(|x| (x * 1000.0).round() / 1000.0);
        let row = [
            c.call.clone(),
            c.call_id.clone().unwrap_or_default(),
            c.operator.clone().unwrap_or_default(),
            c.team.clone().unwrap_or_default(),
            c.start.clone().unwrap_or_default(),
            opt(c.score()),
            c.passed().map(|p| p.to_string()).unwrap_or_default(),
            opt(f("/violations")),
            opt(f("/alerts")),
            opt(f("/duration")),
            opt(f("/metrics/talk_share/operator")),
            opt(f("/metrics/wpm/operator")),
            opt(f("/metrics/wpm/client")),
            opt(round(dead_air)),
            opt(round(overtalk)),
            c.violations().collect::<Vec<_>>().join(" "),
            c.errors.join("; "),
        ];
        w.write_record(&row).map_err(|e| fail("calls.csv", e))?;
    }
    w.flush().map_err(|e| sufler_core::Error::io(&dir.join("calls.csv"), e))?;
    let mut w = open("operators.csv")?;
    w.write_record(["operator", "team", "calls", "scored", "mean_score", "pass_rate", "violations", "top_violations"]).map_err(|e| fail("operators.csv", e))?;
    for g in &stats.operators {
        let top = g.top.iter().map(|(n, k)| format!("{n} ({k})")).collect::<Vec<_>>().join(", ");
        let row = [
            g.name.clone(),
            g.team.clone().unwrap_or_default(),
            g.calls.to_string(),
            g.scored.to_string(),
            opt(g.mean_score),
            opt(g.pass_rate),
            g.violations.to_string(),
            top,
        ];
        w.write_record(&row).map_err(|e| fail("operators.csv", e))?;
    }
    w.flush().map_err(|e| sufler_core::Error::io(&dir.join("operators.csv"), e))?;
    Ok(())
}
