//! The reports `byfeel eval` writes into `RUN/eval/`: `report.md` for people and `report.json`
//! for programs, for every kind of run: controllers compared on the same goals (the predictive
//! agents and their baselines), Skew-Fit's and HER's door goals, and the held-out prediction
//! section of a learned model.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use byfeel_render::image::{hstack, save_rgb_png, vstack};
use serde::Serialize;

use crate::eval::EvalReport;
use crate::predictor::{Example, HeldOutError};
use crate::skewfit::{EvalResult, GoalStrip};
use crate::{AgentError, io_error};

fn write(path: &Path, text: &str) -> Result<(), AgentError> {
    std::fs::write(path, text).map_err(|e| io_error(path, e))
}

fn json(value: &impl Serialize) -> Result<String, AgentError> {
    serde_json::to_string_pretty(value).map_err(|e| AgentError::Io(e.to_string()))
}

/// What a comparison of controllers ran on: the run, the task, the episodes and their seeds.
pub struct Comparison<'a> {
    /// The run directory evaluated (its name heads the report).
    pub run: &'a Path,
    /// The task's name.
    pub task: &'a str,
    /// Episodes per controller.
    pub episodes: usize,
    /// The first episode's seed; episode i has seed `seed + i`.
    pub seed: u64,
    /// Strips saved per controller (`CONTROLLER-episode-III.png`, already in `out`).
    pub strips: usize,
}

/// Writes `report.json` (every controller's [`EvalReport`]) and `report.md` (the table, the
/// strips, then `prediction`, a section from [`prediction`] or a note) into `out`; returns the
/// path of `report.md`.
pub fn controllers(
    out: &Path,
    c: &Comparison<'_>,
    reports: &[EvalReport],
    prediction: &str,
) -> Result<PathBuf, AgentError> {
    write(&out.join("report.json"), &json(&reports)?)?;
    let mut md = format!(
        "# {} on {} ({} episodes, seeds {}..)\n\n| controller | success | 95% interval | mean final distance |\n|---|---|---|---|\n",
        c.run.display(),
        c.task,
        c.episodes,
        c.seed
    );
    for r in reports {
        let _ = writeln!(
            md,
            "| {} | {:.0}% | {:.0}–{:.0}% | {:.3} |",
            r.controller,
            100.0 * r.success_rate,
            100.0 * r.success_ci95.0,
            100.0 * r.success_ci95.1,
            r.mean_final_distance
        );
    }
    md.push_str(
        "\nEach strip: the goal, the first frame, then every frame that followed, left to right; \
         for the agent, the row above shows what its first plan predicted.\n\n",
    );
    for r in reports {
        for i in 0..c.strips.min(c.episodes) {
            let _ = writeln!(md, "![{} {i}]({}-episode-{i:03}.png)", r.controller, r.controller);
        }
    }
    md.push('\n');
    md.push_str(prediction);
    let path = out.join("report.md");
    write(&path, &md)?;
    Ok(path)
}

/// Writes the door's report into `out` for a policy run (`run`, evaluated on `goals`, e.g.
/// "goal images", from seed `seed`): `report.json` (the [`EvalResult`]), `report.md` (the
/// summary, a strip per [`GoalStrip`] as `goal-III.png`, and every goal's row); returns the
/// path of `report.md`.
pub fn door(
    out: &Path,
    run: &Path,
    goals: &str,
    seed: u64,
    result: &EvalResult,
    strips: &[GoalStrip],
) -> Result<PathBuf, AgentError> {
    let side = crate::skewfit::vae::IMAGE_SIDE as u32;
    let mut md = format!(
        "# {} on the door ({} {goals}, seeds {seed}..)\n\n\
         | final angle error: mean | median | hand distance | success (0.02 rad and 0.03 m) |\n\
         |---|---|---|---|\n\
         | {:.3} rad | {:.3} rad | {:.3} m | {:.0}% |\n\n",
        run.display(),
        result.goals.len(),
        result.angle_error,
        result.median_angle_error,
        result.hand_distance,
        100.0 * result.success
    );
    if !strips.is_empty() {
        md.push_str(
            "Each strip: the goal image, the last frame, and the VAE's reconstruction of the last frame.\n\n",
        );
    }
    for (i, (s, g)) in strips.iter().zip(&result.goals).enumerate() {
        let images = [
            (side, side, s.goal.as_slice()),
            (side, side, s.last.as_slice()),
            (side, side, s.reconstruction.as_slice()),
        ];
        let (w, h, rgb) = hstack(&images, 2);
        let name = format!("goal-{i:03}.png");
        let png = out.join(&name);
        save_rgb_png(&png, w, h, &rgb).map_err(|e| io_error(&png, e))?;
        let _ = writeln!(
            md,
            "![goal {i}: angle error {:.3} rad, hand {:.3} m]({name})",
            g.angle_error, g.hand_distance
        );
    }
    md.push_str(
        "\n| goal (seed) | goal angle | final angle | angle error | hand distance | success |\n\
         |---|---|---|---|---|---|\n",
    );
    for (i, g) in result.goals.iter().enumerate() {
        let _ = writeln!(
            md,
            "| {} | {:.3} rad | {:.3} rad | {:.3} rad | {:.3} m | {} |",
            seed + i as u64,
            g.goal_angle,
            g.final_angle,
            g.angle_error,
            g.hand_distance,
            if g.success { "yes" } else { "no" }
        );
    }
    write(&out.join("report.json"), &json(result)?)?;
    let path = out.join("report.md");
    write(&path, &md)?;
    Ok(path)
}

/// The held-out prediction section of a learned model's report, with `prediction.png`
/// (predicted over actual frames of `examples`, `h` × `w` each) and `prediction.json` written
/// into `out`.
pub fn prediction(
    err: &HeldOutError,
    examples: &[Example],
    (h, w): (u32, u32),
    out: &Path,
) -> Result<String, AgentError> {
    let mut rows = Vec::new();
    for e in examples {
        for frames in [&e.predicted, &e.actual] {
            let all: Vec<(u32, u32, &[u8])> = e
                .context
                .iter()
                .chain(frames.iter())
                .map(|f| (w, h, f.as_slice()))
                .collect();
            rows.push(hstack(&all, 2));
        }
    }
    let refs: Vec<(u32, u32, &[u8])> = rows.iter().map(|r| (r.0, r.1, r.2.as_slice())).collect();
    let (sw, sh, rgb) = vstack(&refs, 3);
    let png = out.join("prediction.png");
    save_rgb_png(&png, sw, sh, &rgb).map_err(|e| io_error(&png, e))?;
    write(&out.join("prediction.json"), &json(err)?)?;
    let mut md = format!(
        "## Prediction on held-out episodes

Mean squared error per predicted step over {} \
         sequences of episodes the model never trained on (images in [0, 1]), against repeating \
         the last context frame.

| step | model | repeat last frame | ratio |\n|---|---|---|---|\n",
        err.sequences
    );
    for (i, (m, c)) in err.model.iter().zip(&err.copy_last).enumerate() {
        let _ = writeln!(md, "| {} | {m:.5} | {c:.5} | {:.2} |", i + 1, m / c.max(1e-12));
    }
    md.push_str(
        "\n![predicted over actual](prediction.png)\n\nEach pair of rows: the context frames \
         then the model's prediction (above) and what happened (below), for held-out sequences.\n\n",
    );
    Ok(md)
}
