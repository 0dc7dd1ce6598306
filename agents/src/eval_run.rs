//! A predictive run evaluated as `byfeel eval` evaluates it, for any front end: the agent and
//! its baselines on the same goals, each episode's outcome as it ends, the held-out prediction
//! section, and the report in `RUN/eval/` (or `RUN/eval-two-rolls/`).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use byfeel_gym::store::StoreReader;
use byfeel_gym::{ActionMode, Task};

use crate::eval::{Controller, EpisodeOutcome, EvalConfig, EvalReport, evaluate, random};
use crate::report::{self, Comparison};
use crate::{AgentError, CemConfig, io_error, memory, predictor, world_model};

/// How a run is evaluated; the defaults are `byfeel eval`'s.
#[derive(Debug, Clone, PartialEq)]
pub struct RunEval {
    /// Episodes per controller.
    pub episodes: usize,
    /// The first episode's seed (goals differ from the training data's from 1 000 000 on).
    pub seed: u64,
    /// CEM samples per iteration.
    pub samples: usize,
    /// Pixel model: score every n-th predicted frame.
    pub score_every: usize,
    /// Image strips saved per controller.
    pub strips: usize,
    /// Held-out sequences the prediction error is averaged over (0: no prediction section).
    pub held_out: usize,
    /// DieRoll: goals this many rolls away, 1 or 2.
    pub goal_rolls: u8,
    /// Controllers by name (`predictive`, `random`, `random-held`, `centroid`, `scripted`);
    /// `None`: [`default_controllers`].
    pub controllers: Option<Vec<String>>,
    /// A robot server (`HOST:PORT`, `byfeel serve`) whose arm to evaluate on; `None`: a
    /// simulated arm in this process.
    pub robot: Option<String>,
}

impl Default for RunEval {
    fn default() -> Self {
        Self {
            episodes: 50,
            seed: 1_000_000,
            samples: 200,
            score_every: 1,
            strips: 10,
            held_out: 128,
            goal_rolls: 1,
            controllers: None,
            robot: None,
        }
    }
}

/// What kind of predictive model a run directory holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// A replay memory (`memory.json`).
    Memory,
    /// A latent world model (`world-model.json`).
    Latent,
    /// A pixel-space frame predictor (`run.json`).
    Pixel,
}

/// A predictive run's kind, task and actions, or an error saying it is no such run.
pub fn inspect(run: &Path) -> Result<(RunKind, Task, ActionMode), AgentError> {
    if memory::is_memory_run(run) {
        let spec = memory::read_memory_spec(run)?;
        return Ok((RunKind::Memory, spec.task()?, spec.action_mode()?));
    }
    if run.join(world_model::SPEC_FILE).exists() {
        let spec = world_model::read_spec(run)?;
        return Ok((RunKind::Latent, spec.task()?, spec.action_mode()?));
    }
    if run.join("run.json").exists() {
        let text = std::fs::read_to_string(run.join("run.json")).map_err(|e| io_error(run, e))?;
        let spec: predictor::RunSpec =
            serde_json::from_str(&text).map_err(|e| io_error(&run.join("run.json"), e))?;
        return Ok((RunKind::Pixel, spec.task()?, ActionMode::Hand));
    }
    Err(AgentError::Config(format!(
        "{}: not a predictive run (none of memory.json, world-model.json, run.json)",
        run.display()
    )))
}

/// The controllers compared by default: the agent, random actions, random actions held as the
/// agent's plans hold theirs (not for roll actions, taken once), the hand-designed centroid
/// controller and, for roll actions, the simulator's scripted roller (an upper reference).
pub fn default_controllers(actions: ActionMode) -> Vec<String> {
    let names: &[&str] = match actions {
        ActionMode::Hand => &["predictive", "random", "random-held", "centroid"],
        ActionMode::Roll => &["predictive", "random", "centroid", "scripted"],
    };
    names.iter().map(|s| s.to_string()).collect()
}

/// What an evaluation reports as it goes.
pub enum Progress<'a> {
    /// The held-out prediction was measured (or skipped): one line saying what was found.
    Prediction(&'a str),
    /// A controller starts its episodes.
    Controller(&'a str),
    /// Episode `index` of the current controller ended.
    Episode(usize, &'a EpisodeOutcome),
    /// The current controller's episodes are all done.
    Done(&'a EvalReport),
}

/// Evaluates the predictive run `run`; returns the path of `report.md` and every controller's
/// report. Each controller's episodes are also appended, as they end, to
/// `CONTROLLER-episodes.jsonl` beside the report, so a long evaluation can be followed.
pub fn evaluate_run(
    run: &Path,
    opts: &RunEval,
    mut progress: impl FnMut(Progress<'_>),
) -> Result<(PathBuf, Vec<EvalReport>), AgentError> {
    if opts.episodes == 0 || opts.samples == 0 || opts.score_every == 0 {
        return Err(AgentError::Config("episodes, samples and score_every must be at least 1".into()));
    }
    let (kind, task, actions) = inspect(run)?;
    let out = run.join(if opts.goal_rolls == 2 { "eval-two-rolls" } else { "eval" });
    std::fs::create_dir_all(&out).map_err(|e| io_error(&out, e))?;
    let (prediction, said) = prediction_section(run, kind, opts.held_out, &out)?;
    progress(Progress::Prediction(&said));
    let config = EvalConfig {
        task,
        action_mode: actions,
        episodes: opts.episodes,
        seed: opts.seed,
        strips: opts.strips,
        die_goal_rolls: opts.goal_rolls,
        robot: opts.robot.clone(),
    };
    let cem = CemConfig {
        samples: opts.samples,
        ..CemConfig::for_actions(task, actions)
    };
    let names = opts.controllers.clone().unwrap_or_else(|| default_controllers(actions));
    let mut reports = Vec::new();
    for name in &names {
        let mut controller = match name.as_str() {
            "predictive" => {
                let mut c = Controller::predictive(run, opts.samples, opts.seed)?;
                if let Controller::Predictive { agent, .. } = &mut c {
                    agent.score_every = opts.score_every;
                }
                c
            }
            "random" => random(opts.seed, &cem, 1),
            // Held as long as the agent's plans hold each action.
            "random-held" => random(opts.seed, &cem, cem.repeat),
            "centroid" => Controller::Centroid,
            "scripted" if actions == ActionMode::Roll => Controller::Scripted,
            other => {
                return Err(AgentError::Config(format!(
                    "controller {other:?} is not for this run (predictive, random, random-held, centroid; scripted for a die model with roll actions)"
                )));
            }
        };
        progress(Progress::Controller(name));
        let path = out.join(format!("{name}-episodes.jsonl"));
        let mut episodes = std::fs::File::create(&path).map_err(|e| io_error(&path, e))?;
        let report = evaluate(&mut controller, &config, Some(&out), |i, o| {
            let line = serde_json::to_string(o).unwrap_or_default();
            let _ = writeln!(episodes, "{line}");
            progress(Progress::Episode(i, o));
        })?;
        progress(Progress::Done(&report));
        reports.push(report);
    }
    let comparison = Comparison {
        run,
        task: task.name(),
        episodes: opts.episodes,
        seed: opts.seed,
        strips: opts.strips,
    };
    let arm = match &opts.robot {
        Some(addr) => crate::arm::record(addr, &out)?,
        None => String::new(),
    };
    let md = report::controllers(&out, &comparison, &reports, &format!("{arm}{prediction}"))?;
    Ok((md, reports))
}

/// The report's prediction section and a line saying what it found.
fn prediction_section(
    run: &Path,
    kind: RunKind,
    held_out: usize,
    out: &Path,
) -> Result<(String, String), AgentError> {
    if held_out == 0 {
        return Ok((String::new(), "held-out prediction not asked for".into()));
    }
    if kind == RunKind::Memory {
        return memory_prediction(run, held_out);
    }
    let device = crate::default_device();
    let batch = 16;
    let batches = held_out.div_ceil(batch);
    let (err, examples, (h, w)) = if kind == RunKind::Latent {
        let (spec, model) = world_model::load(run, &device)?;
        let reader = StoreReader::open(&spec.store)?;
        let horizon = CemConfig::for_actions(spec.task()?, spec.action_mode()?)
            .horizon()
            .max(spec.train.horizon);
        let (err, examples) =
            world_model::held_out(&model, &spec, &reader, (batches, batch, horizon), 4)?;
        (err, examples, (spec.model.height, spec.model.width))
    } else {
        let (spec, model) = predictor::load(run, &device)?;
        let reader = StoreReader::open(&spec.store)?;
        let (err, examples) =
            predictor::held_out(&model, &spec, &reader, batches, batch, 4, &device)?;
        (err, examples, (spec.model.height, spec.model.width))
    };
    let said = format!(
        "held-out prediction over {} sequences: first step {:.5} (repeating the last frame {:.5})",
        err.sequences,
        err.model.first().copied().unwrap_or(f32::NAN),
        err.copy_last.first().copied().unwrap_or(f32::NAN)
    );
    Ok((report::prediction(&err, &examples, (h as u32, w as u32), out)?, said))
}

/// A memory's held-out prediction of the next press; skipped, with a note, when the memory was
/// built from every episode or its store is not here (a shipped memory travels without it).
fn memory_prediction(run: &Path, limit: usize) -> Result<(String, String), AgentError> {
    let agent = memory::MemoryAgent::load(run)?;
    if agent.spec.config.holdout == 0 {
        return Ok((
            "## Prediction\n\nNot measured: the memory was built from every episode of its store \
             (`--holdout 0`), so none is left to predict.\n\n"
                .into(),
            "held-out prediction skipped: the memory was built from every episode (--holdout 0)".into(),
        ));
    }
    let reader = match StoreReader::open(&agent.spec.store) {
        Ok(reader) => reader,
        Err(e) => {
            let store = agent.spec.store.display();
            return Ok((
                format!("## Prediction\n\nNot measured: the store this memory was built from (`{store}`) is not here.\n\n"),
                format!("held-out prediction skipped: the store this memory was built from ({store}) is not here ({e})"),
            ));
        }
    };
    let h = memory::held_out(&agent.memory, &agent.spec.config, agent.search.first, &reader, limit)?;
    let said = format!(
        "held-out prediction over {} rolls: embedding error {:.0} (repeating the press: {:.0}); predicted press shows the next face {} of {} ({} of {} rolls that changed it)",
        h.transitions, h.error, h.repeat_error, h.face_right, h.transitions, h.rolled_right, h.rolled
    );
    let md = format!(
        "## Prediction (held-out episodes)\n\n\
         | rolls | embedding error | repeating the press | predicted press shows the next face | of the rolls that changed it |\n\
         |---|---|---|---|---|\n\
         | {} | {:.0} | {:.0} | {} of {} | {} of {} |\n\n\
         The memory predicts a roll's outcome as the press stored after the nearest stored press's \
         most similar action; faces come from the simulator, for this measurement only.\n\n",
        h.transitions, h.error, h.repeat_error, h.face_right, h.transitions, h.rolled_right, h.rolled
    );
    Ok((md, said))
}

/// Whether `run` is a door policy run (`byfeel train skewfit` or `byfeel train her`).
pub fn is_door_run(run: &Path) -> bool {
    run.join("skewfit.json").exists() || run.join("her.json").exists()
}

/// Evaluates a door policy run (Skew-Fit from goal images, HER from goal states) on `goals`
/// goals from seed `seed`, each from a shut door, and writes its report into `RUN/eval/` with
/// `strips` goal strips (Skew-Fit only); returns the path of `report.md` and the result. With
/// `robot` (`HOST:PORT`), on the arm of that robot server.
pub fn evaluate_door_run(
    run: &Path,
    goals: usize,
    seed: u64,
    strips: usize,
    robot: Option<&str>,
    door: Option<u64>,
) -> Result<(PathBuf, crate::skewfit::EvalResult), AgentError> {
    if goals == 0 {
        return Err(AgentError::Config("goals must be at least 1".into()));
    }
    if door.is_some() && robot.is_some() {
        return Err(AgentError::Config(
            "a family door is simulated here: evaluate on a door or on a robot server's arm, \
             not both"
                .into(),
        ));
    }
    let (result, pictures, kind) = if run.join("skewfit.json").exists() {
        let (_, vae, sac) = crate::skewfit::load(run)?;
        let (result, pictures) = match robot {
            None => crate::skewfit::eval::evaluate_door(&vae, &sac, door, (goals, seed, strips))?,
            Some(addr) => {
                crate::skewfit::eval::evaluate_remote(&vae, &sac, addr, (goals, seed, strips))?
            }
        };
        (result, pictures, "goal images")
    } else if run.join("her.json").exists() {
        let (_, sac) = crate::her::load_her(run)?;
        let result = match robot {
            None => crate::her::evaluate_her_door(&sac, door, goals, seed)?,
            Some(addr) => crate::her::evaluate_her_remote(&sac, addr, goals, seed)?,
        };
        (result, Vec::new(), "goals, as states")
    } else {
        return Err(AgentError::Config(format!(
            "{}: not a door policy run (no skewfit.json or her.json)",
            run.display()
        )));
    };
    // Each door's report goes to its own folder, so held-out evaluations sit side by side.
    let out = match door {
        None => run.join("eval"),
        Some(d) => run.join(format!("eval-door-{d}")),
    };
    std::fs::create_dir_all(&out).map_err(|e| io_error(&out, e))?;
    let md = report::door(&out, run, kind, seed, &result, &pictures)?;
    if let Some(addr) = robot {
        let arm = crate::arm::record(addr, &out)?;
        let text = std::fs::read_to_string(&md).map_err(|e| io_error(&md, e))?;
        std::fs::write(&md, format!("{text}\n{arm}")).map_err(|e| io_error(&md, e))?;
    }
    Ok((md, result))
}
