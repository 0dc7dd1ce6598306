//! One logger for every trainer's epochs: `scalars.csv` (a row of named numbers), `log.jsonl`
//! (the whole entry) and TensorBoard events, reopened where a resumed run continues.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::tensorboard::EventWriter;
use crate::{AgentError, io_error, run_dir};

/// A number an epoch reports: its `scalars.csv` column and, if plotted, its TensorBoard tag.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    /// Its column in `scalars.csv`.
    pub column: &'static str,
    /// Its TensorBoard tag; `None`: not plotted.
    pub tag: Option<&'static str>,
}

/// A metric with a TensorBoard tag.
pub const fn plotted(column: &'static str, tag: &'static str) -> Metric {
    Metric { column, tag: Some(tag) }
}

/// A metric kept in `scalars.csv` only (the epoch, the step count, the clock).
pub const fn listed(column: &'static str) -> Metric {
    Metric { column, tag: None }
}

/// The open logs of one run.
pub struct MetricsLog {
    metrics: &'static [Metric],
    csv: std::fs::File,
    jsonl: std::fs::File,
    board: EventWriter,
    run: std::path::PathBuf,
}

impl MetricsLog {
    /// Opens `run`'s logs keeping the first `epochs_done` epochs (a fresh run: 0), so a resumed
    /// run rewrites the epochs its checkpoint does not cover.
    pub fn open(run: &Path, epochs_done: usize, metrics: &'static [Metric]) -> Result<Self, AgentError> {
        let header: Vec<&str> = metrics.iter().map(|m| m.column).collect();
        let csv = run_dir::reopen_log(&run.join("scalars.csv"), 1 + epochs_done, Some(&header.join(",")))?;
        let jsonl = run_dir::reopen_log(&run.join("log.jsonl"), epochs_done, None)?;
        let board = EventWriter::create(run).map_err(|e| io_error(run, e))?;
        Ok(Self { metrics, csv, jsonl, board, run: run.to_path_buf() })
    }

    /// Writes one epoch: `entry` whole to `log.jsonl`, `values` (one per metric, in order;
    /// `None` where the epoch did not measure it) to `scalars.csv` and, under their tags, to
    /// TensorBoard at `env_steps`.
    pub fn write(&mut self, entry: &impl Serialize, env_steps: usize, values: &[Option<f64>]) -> Result<(), AgentError> {
        assert_eq!(values.len(), self.metrics.len(), "one value per metric");
        let io = |e: std::io::Error| io_error(&self.run, e);
        let row: Vec<String> = values.iter().map(|v| v.map_or(String::new(), |v| v.to_string())).collect();
        writeln!(self.csv, "{}", row.join(",")).map_err(io)?;
        let json = serde_json::to_string(entry).map_err(|e| io_error(&self.run, e))?;
        writeln!(self.jsonl, "{json}").map_err(io)?;
        let scalars: Vec<(&str, f64)> = self
            .metrics
            .iter()
            .zip(values)
            .filter_map(|(m, v)| Some((m.tag?, (*v)?)))
            .collect();
        if let Some(watch) = byfeel_render::watch::current() {
            for (tag, value) in &scalars {
                watch.point(tag, env_steps as f64, *value);
            }
        }
        self.board.scalars(env_steps as i64, &scalars).map_err(io)
    }
}
