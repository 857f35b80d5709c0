//! `/metrics` in Prometheus' text format.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use super::hub::Hub;

pub fn render(hub: &Hub) -> String {
    let c = &hub.counters;
    let calls = hub.in_progress();
    let lag = calls.iter().map(|c| c.lag).fold(0.0, f64::max);
    let worst = c.worst_lag_ms.swap((lag * 1000.0) as u64, Ordering::Relaxed) as f64 / 1000.0;
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, samples: &[(&str, f64)]| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    let n = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed) as f64;
    metric("sufler_calls_in_progress", "gauge", "Calls being checked now.", &[("", calls.len() as f64)]);
    metric("sufler_calls_limit", "gauge", "Calls checked at once at most.", &[("", hub.config.max_calls as f64)]);
    metric("sufler_calls_total", "counter", "Calls taken.", &[("", n(&c.calls))]);
    metric(
        "sufler_calls_refused_total",
        "counter",
        "Calls refused, by reason.",
        &[("{reason=\"limit\"}", n(&c.refused_limit)), ("{reason=\"shutting_down\"}", n(&c.refused_shutting_down))],
    );
    metric("sufler_lag_seconds", "gauge", "The largest recognition lag of the calls in progress.", &[("", lag)]);
    metric("sufler_lag_worst_seconds", "gauge", "The largest recognition lag of any call since the last scrape.", &[("", worst.max(lag))]);
    metric("sufler_passes_total", "counter", "Whisper passes made (rate: passes per second).", &[("", n(&hub.passes))]);
    metric("sufler_audio_dropped_total", "counter", "Audio blocks dropped because recognition was far behind.", &[("", n(&c.blocks_dropped))]);
    metric("sufler_connections_closed_total", "counter", "Ingest connections closed for what they sent.", &[("", n(&c.connections_closed))]);
    metric("sufler_flags_total", "counter", "Flags raised.", &[("{kind=\"violation\"}", n(&c.violations)), ("{kind=\"alert\"}", n(&c.alerts))]);
    out
}
