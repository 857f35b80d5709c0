//! A call's score, worked out from its events alone: 100 minus the weights
//! of the violations that stand (a flag withdrawn no longer counts), never
//! below 0. Alerts (the client's words) are counted, never held against
//! the operator. The one place this policy lives; the engine only feeds it.

use crate::engine::Event;

/// Counts a call's flags as its events come.
#[derive(Debug, Clone, Default)]
pub struct Scorer {
    violations: usize,
    alerts: usize,
    deductions: f64,
}

impl Scorer {
    pub fn add(&mut self, event: &Event) {
        match event {
            Event::Violation(f) => {
                self.violations += 1;
                self.deductions += f.weight;
            }
            Event::Alert(_) => self.alerts += 1,
            Event::Withdrawn(f) if f.alert => self.alerts = self.alerts.checked_sub(1).expect("an alert to take back"),
            Event::Withdrawn(f) => {
                self.violations = self.violations.checked_sub(1).expect("a violation to take back");
                self.deductions -= f.weight;
            }
            Event::Met(_) | Event::CallSummary(_) => {}
        }
    }

    /// Violations that stand.
    pub fn violations(&self) -> usize {
        self.violations
    }

    pub fn alerts(&self) -> usize {
        self.alerts
    }

    /// The score, 0 to 100.
    pub fn score(&self) -> f64 {
        (100.0 - self.deductions).clamp(0.0, 100.0)
    }
}
