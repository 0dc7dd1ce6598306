//! `byfeel eval` for a VICE run: the policy from a fresh scene, judged by the simulator's truth
//! (which the agent never saw) and by the classifier's reward where it ended. The two disagree
//! where the robot has learned to fool the classifier, so the report shows both, and every
//! episode's last picture.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::store::ModuleRecord;
use byfeel_gym::{Env, ResetOptions, probe_pictures};
use byfeel_render::image::{hstack, save_rgb_png, upscale, vstack};
use serde::Serialize;

use super::classifier::{Classifier, IMAGE_SIDE};
use super::config::ViceConfig;
use super::examples::read_judge;
use super::train::{logits_of, truth_of, vice_env};
use crate::sac::Sac;
use crate::skewfit::train::{embed_one, image};
use crate::skewfit::vae::Vae;
use crate::{AgentError, io_error};

/// How the policy did from `episodes` fresh scenes.
#[derive(Debug, Clone, Serialize)]
pub struct ViceEval {
    /// Episodes run, each from a fresh scene (the door shut, the cup at its start).
    pub episodes: usize,
    /// The first episode's seed; episode i has seed `seed + i`.
    pub seed: u64,
    /// Share of episodes whose last step shows success by the simulator's truth.
    pub success: f64,
    /// Median distance from success at the last step (rad for the door, m for the cup).
    pub median_distance: f64,
    /// Mean classifier logit (the reward the agent saw) of the episodes' last pictures.
    pub final_logit: f64,
    /// Each episode's last step: success, distance, classifier logit.
    pub finals: Vec<(bool, f64, f32)>,
    /// What the classifier rewards: its logit for posed pictures (success; the arm posed as
    /// at success with the task undone; the task done with the arm at home; neither), each
    /// with what it shows.
    pub probes: Vec<(String, f32)>,
}

/// Whether `run` is a VICE run directory.
pub fn is_vice_run(run: &Path) -> bool {
    run.join("vice.json").exists()
}

/// A run's settings (`vice.json`) and its latest classifier (`classifier.bpk`): the reward.
pub fn load_vice(run: &Path) -> Result<(ViceConfig, Classifier), AgentError> {
    let path = run.join("vice.json");
    let text = std::fs::read_to_string(&path).map_err(|e| io_error(&path, e))?;
    let config: ViceConfig = serde_json::from_str(&text).map_err(|e| io_error(&path, e))?;
    let weights = run.join("classifier.bpk");
    let record = ModuleRecord::load(&weights).map_err(|e| io_error(&weights, e))?;
    let classifier = config
        .classifier
        .init(&crate::default_device())
        .load_record(record);
    Ok((config, classifier))
}

/// The run's encoder: `vae.bpk`, or the checkpoint's for runs that kept it only there.
fn load_vae(run: &Path, config: &ViceConfig) -> Result<Vae, AgentError> {
    let path = [run.join("vae.bpk"), run.join("checkpoint").join("vae.bpk")]
        .into_iter()
        .find(|p| p.exists())
        .ok_or_else(|| {
            AgentError::Io(format!(
                "{}: no vae.bpk (has the run finished an epoch?)",
                run.display()
            ))
        })?;
    let record = ModuleRecord::load(&path).map_err(|e| io_error(&path, e))?;
    Ok(config
        .vae
        .init(&crate::default_device())
        .load_record(record))
}

/// Runs the policy of `run` (its mean action) for `episodes` episodes of the run's length from
/// fresh scenes seeded from `seed`, and writes `RUN/eval/report.md`, `report.json` and
/// `final-states.png`; returns the report's path and the result.
pub fn evaluate_vice_run(
    run: &Path,
    episodes: usize,
    seed: u64,
) -> Result<(PathBuf, ViceEval), AgentError> {
    let (config, classifier) = load_vice(run)?;
    let judge = read_judge(run)?.ok_or_else(|| {
        AgentError::Config(format!(
            "{}: no examples.toml, so nothing says what success is (runs write it when their \
             examples' folder has one)",
            run.display()
        ))
    })?;
    let vae = load_vae(run, &config)?;
    let device = crate::default_device();
    let sac = Sac::load_policy(&run.join("sac"), &device)?;
    let mut env = vice_env(&config)?;
    let (mut finals, mut pictures) = (vec![], vec![]);
    for e in 0..episodes {
        let (obs, _) = env
            .reset(Some(seed + e as u64), &ResetOptions { hard_reset: true })
            .map_err(AgentError::from)?;
        let mut frame = image(&obs, "image_observation")?;
        for _ in 0..config.episode_steps {
            let action = sac.act(&embed_one(&vae, &frame, &device), None);
            let t = env.step(&action).map_err(AgentError::from)?;
            frame = image(&t.observation, "image_observation")?;
        }
        let truth = truth_of(&env).ok_or_else(|| {
            AgentError::Config("evaluating needs a simulated arm, to know the truth".into())
        })?;
        finals.push((judge.holds(&truth), judge.distance(&truth).unwrap_or(0.0)));
        pictures.push(frame);
    }
    let frames: Vec<&[u8]> = pictures.iter().map(|p| p.as_slice()).collect();
    let logits = logits_of(&classifier, &frames);
    let probed = probe_pictures(&judge, IMAGE_SIDE as u32).map_err(AgentError::from)?;
    let probe_frames: Vec<&[u8]> = probed.iter().map(|p| p.1.as_slice()).collect();
    let probe_logits = logits_of(&classifier, &probe_frames);
    let mut distances: Vec<f64> = finals.iter().map(|f| f.1).collect();
    distances.sort_by(f64::total_cmp);
    let result = ViceEval {
        episodes,
        seed,
        success: finals.iter().filter(|f| f.0).count() as f64 / episodes.max(1) as f64,
        median_distance: distances.get(distances.len() / 2).copied().unwrap_or(0.0),
        final_logit: logits.iter().map(|&l| l as f64).sum::<f64>() / episodes.max(1) as f64,
        finals: finals
            .iter()
            .zip(&logits)
            .map(|(&(s, d), &l)| (s, d, l))
            .collect(),
        probes: probed
            .iter()
            .zip(&probe_logits)
            .map(|(p, &l)| (p.0.to_string(), l))
            .collect(),
    };
    let out = run.join("eval");
    std::fs::create_dir_all(&out).map_err(|e| io_error(&out, e))?;
    save_sheet(&out.join("final-states.png"), &pictures, &result)?;
    let probe_pictures: Vec<Vec<u8>> = probed.into_iter().map(|p| p.1).collect();
    save_strip(&out.join("probes.png"), &probe_pictures)?;
    let md = write_report(&out, run, &config, &result)?;
    Ok((md, result))
}

/// Every episode's last picture, 10 to a row, framed green where it shows success and red
/// where not.
fn save_sheet(path: &Path, pictures: &[Vec<u8>], result: &ViceEval) -> Result<(), AgentError> {
    let side = IMAGE_SIDE as u32;
    let framed: Vec<(u32, u32, Vec<u8>)> = pictures
        .iter()
        .zip(&result.finals)
        .map(|(p, f)| {
            let (w, h, big) = upscale(side, side, p, 2);
            frame_in(w, h, &big, if f.0 { [40, 200, 60] } else { [220, 40, 40] })
        })
        .collect();
    let rows: Vec<(u32, u32, Vec<u8>)> = framed
        .chunks(10)
        .map(|row| {
            let parts: Vec<(u32, u32, &[u8])> =
                row.iter().map(|(w, h, p)| (*w, *h, p.as_slice())).collect();
            hstack(&parts, 2)
        })
        .collect();
    let parts: Vec<(u32, u32, &[u8])> = rows
        .iter()
        .map(|(w, h, p)| (*w, *h, p.as_slice()))
        .collect();
    let (w, h, sheet) = vstack(&parts, 2);
    save_rgb_png(path, w, h, &sheet).map_err(|e| io_error(path, e))
}

/// Pictures side by side, each twice its size.
fn save_strip(path: &Path, pictures: &[Vec<u8>]) -> Result<(), AgentError> {
    let side = IMAGE_SIDE as u32;
    let big: Vec<(u32, u32, Vec<u8>)> =
        pictures.iter().map(|p| upscale(side, side, p, 2)).collect();
    let parts: Vec<(u32, u32, &[u8])> =
        big.iter().map(|(w, h, p)| (*w, *h, p.as_slice())).collect();
    let (w, h, strip) = hstack(&parts, 2);
    save_rgb_png(path, w, h, &strip).map_err(|e| io_error(path, e))
}

/// `rgb` with a 3-pixel border of `colour` around it.
fn frame_in(w: u32, h: u32, rgb: &[u8], colour: [u8; 3]) -> (u32, u32, Vec<u8>) {
    let b = 3;
    let (fw, fh) = (w + 2 * b, h + 2 * b);
    let mut out: Vec<u8> = colour.repeat((fw * fh) as usize);
    for y in 0..h {
        let from = (y * w * 3) as usize;
        let to = (((y + b) * fw + b) * 3) as usize;
        out[to..to + (w * 3) as usize].copy_from_slice(&rgb[from..from + (w * 3) as usize]);
    }
    (fw, fh, out)
}

fn write_report(
    out: &Path,
    run: &Path,
    config: &ViceConfig,
    r: &ViceEval,
) -> Result<PathBuf, AgentError> {
    let json = serde_json::to_string_pretty(r).map_err(|e| AgentError::Io(e.to_string()))?;
    let json_path = out.join("report.json");
    std::fs::write(&json_path, json).map_err(|e| io_error(&json_path, e))?;
    let unit = if config.task == "DoorOpen" {
        "rad"
    } else {
        "m"
    };
    let mut md = String::new();
    let _ = writeln!(md, "# {} — VICE evaluation\n", run.display());
    let _ = writeln!(
        md,
        "Task {}, reward {:?}, classifier loss {:?}; {} episodes of {} steps from fresh scenes \
         (seeds {}…), the policy's mean action. Success is judged by the simulator's truth, \
         which the agent never saw.\n",
        config.task, config.reward, config.loss, r.episodes, config.episode_steps, r.seed
    );
    let _ = writeln!(
        md,
        "| success | median distance at the end | classifier logit at the end |"
    );
    let _ = writeln!(md, "|---|---|---|");
    let _ = writeln!(
        md,
        "| {:.0} % | {:.3} {unit} | {:.2} |\n",
        100.0 * r.success,
        r.median_distance,
        r.final_logit
    );
    let _ = writeln!(
        md,
        "A high logit with low success means the robot found pictures that fool the classifier.\n\n\
         ![last picture of every episode: green where it shows success](final-states.png)\n"
    );
    let _ = writeln!(
        md,
        "## What the classifier rewards\n\nIts logit for posed pictures (left to right in \
         probes.png). A classifier that rates the arm posed as at success with the task undone \
         near success itself has learned the arm, not the door or cup: a robot can score there \
         without doing the task.\n\n| picture | logit |\n|---|---|"
    );
    for (what, logit) in &r.probes {
        let _ = writeln!(md, "| {what} | {logit:.2} |");
    }
    let _ = writeln!(md, "\n![the posed pictures](probes.png)");
    let path = out.join("report.md");
    std::fs::write(&path, md).map_err(|e| io_error(&path, e))?;
    Ok(path)
}
