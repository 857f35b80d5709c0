//! What QA staff read: saved results ([`results`]) regrouped by call,
//! worked out per operator, team and day ([`stats`]), and written as one
//! self-contained HTML page ([`page`]) and CSV files for spreadsheets
//! ([`export`]). `sufler report` ([`crate::cmd::report`]) drives it.

pub mod export;
pub mod page;
pub mod results;
pub mod stats;
