//! What a VICE run logs each epoch (`log.jsonl`, `scalars.csv`, TensorBoard).

use serde::{Deserialize, Serialize};

use crate::metrics::{Metric, listed, plotted};
use crate::sac::SacStats;

/// One epoch, as logged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ViceEpoch {
    /// The epoch just finished (0-based).
    pub epoch: usize,
    /// Environment steps so far.
    pub env_steps: usize,
    /// The classifier's loss on its last batch.
    pub classifier_loss: f32,
    /// Mean classifier logit of the examples (the reward there).
    pub example_logit: f32,
    /// Mean classifier logit of this epoch's visited states.
    pub visited_logit: f32,
    /// The epoch's last SAC update; `None` during warm-up.
    pub sac: Option<SacStats>,
    /// Share of this epoch's steps that showed success by the simulator's truth (`None`
    /// without a judge or a simulator): what the agent never sees.
    pub success: Option<f64>,
    /// The nearest this epoch came to success by the simulator's truth (the door's angle from
    /// the examples' in rad, the cup from their region's centre in m).
    pub closest: Option<f64>,
    /// Questions asked so far, and how many were answered "yes".
    pub queries: usize,
    /// "Yes" answers so far.
    pub yes: usize,
    /// Seconds since the run began, resumed runs counting their earlier time.
    pub seconds: f64,
}

pub(super) const METRICS: &[Metric] = &[
    listed("epoch"),
    listed("env_steps"),
    plotted("classifier_loss", "vice/classifier_loss"),
    plotted("example_logit", "vice/example_logit"),
    plotted("visited_logit", "vice/visited_logit"),
    plotted("q_loss", "sac/q_loss"),
    plotted("policy_loss", "sac/policy_loss"),
    plotted("success", "oracle/success"),
    plotted("closest", "oracle/closest"),
    listed("queries"),
    listed("seconds"),
];

pub(super) fn metric_values(e: &ViceEpoch) -> Vec<Option<f64>> {
    let s = e.sac.as_ref();
    vec![
        Some(e.epoch as f64),
        Some(e.env_steps as f64),
        Some(e.classifier_loss as f64),
        Some(e.example_logit as f64),
        Some(e.visited_logit as f64),
        s.map(|s| s.q_loss as f64),
        s.map(|s| s.policy_loss as f64),
        e.success,
        e.closest,
        Some(e.queries as f64),
        Some((e.seconds * 10.0).round() / 10.0),
    ]
}
