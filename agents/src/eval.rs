//! Evaluating a controller on a task, the same way for the agent and its baselines: success
//! rate with a 95 % interval, mean final distance, and an image strip per episode.

use std::path::Path;

use byfeel_gym::{ActionMode, EnvConfig, ObsMode, Robot, Task, TaskEnv};
use byfeel_render::image::{hstack, save_rgb_png, vstack};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::memory::MemoryAgent;
use crate::policy::{self, Decision, Policy, Seen};
use crate::world_model::LatentAgent;
use crate::{AgentError, PredictiveAgent};

/// Who chooses the actions.
pub enum Controller {
    /// The predictive agent: CEM through the learned frame predictor.
    Predictive {
        /// The agent.
        agent: Box<PredictiveAgent>,
        /// The last frames it was shown this episode, oldest first (it plans from several).
        context: Vec<Vec<u8>>,
    },
    /// The predictive agent on the latent world model: CEM in its latent space.
    Latent(Box<LatentAgent>),
    /// The predictive agent on a replay memory: the stored rolls searched.
    Memory(Box<MemoryAgent>),
    /// Uniform random actions, inside the same bounds as the agent's search, each held for
    /// `hold` steps (1: a new action every step; 3: held as the agent's plans hold theirs).
    Random {
        /// Draws the actions; restarted from each episode's seed.
        rng: ChaCha8Rng,
        /// Per action number, the (low, high) drawn from; a missing entry is [-1, 1].
        bounds: Vec<(f32, f32)>,
        /// Numbers in one action.
        dim: usize,
        /// Steps each drawn action is held for.
        hold: usize,
        /// The action being held and the steps it has left.
        held: (Vec<f32>, usize),
    },
    /// The hand-designed baseline of "Manipulation by Feel": move toward the centroid of the
    /// thresholded difference between the current and the goal image.
    Centroid,
    /// DieRoll with roll actions, as an upper reference: the simulator says how the die lies
    /// and the push goes toward the goal face (see `byfeel_gym::scripted::roll_toward`).
    Scripted,
}

impl Controller {
    /// The predictive agent of a run directory, whichever model it holds (a replay memory, the
    /// latent world model, or the pixel-space predictor); the models' planner is the papers'
    /// CEM for its task drawing `samples` sequences an iteration.
    pub fn predictive(run: &Path, samples: usize, seed: u64) -> Result<Self, AgentError> {
        if crate::memory::is_memory_run(run) {
            return Ok(Controller::Memory(Box::new(MemoryAgent::load(run)?)));
        }
        if run.join(crate::world_model::SPEC_FILE).exists() {
            return Ok(Controller::Latent(Box::new(LatentAgent::load_for_task(
                run, samples, seed,
            )?)));
        }
        Ok(Controller::Predictive {
            agent: Box::new(PredictiveAgent::load_for_task(run, samples, seed)?),
            context: Vec::new(),
        })
    }
}

impl Policy for Controller {
    /// `predictive`, `random`, `random-held`, `centroid` or `scripted`.
    fn name(&self) -> &str {
        match self {
            Controller::Predictive { .. } | Controller::Latent(_) | Controller::Memory(_) => {
                "predictive"
            }
            Controller::Random { hold: 1, .. } => "random",
            Controller::Random { .. } => "random-held",
            Controller::Centroid => "centroid",
            Controller::Scripted => "scripted",
        }
    }

    /// Draws the episode's randomness from its seed, so that an episode plays out the same
    /// alone (`byfeel demo`) as in a run.
    fn begin_episode(&mut self, seed: u64, steps: usize) {
        match self {
            Controller::Random { held, rng, .. } => {
                held.1 = 0;
                *rng = ChaCha8Rng::seed_from_u64(seed);
            }
            Controller::Predictive { agent, context } => {
                agent.reseed(seed);
                context.clear();
            }
            Controller::Latent(agent) => agent.reseed(seed),
            Controller::Memory(agent) => agent.begin_episode(Some(steps)),
            Controller::Centroid | Controller::Scripted => {}
        }
    }

    fn act(&mut self, seen: &Seen<'_>, foresee: bool) -> Result<Decision, AgentError> {
        let now = policy::image(seen.observation, None)?;
        let goal = seen
            .goal_image
            .ok_or_else(|| AgentError::Config("the task shows no goal image".into()))?;
        Ok(match self {
            Controller::Predictive { agent, context } => {
                // The first frame stands in for the frames before it.
                let k = agent.context_len();
                if context.is_empty() {
                    context.resize(k, now.to_vec());
                } else {
                    context.push(now.to_vec());
                    context.drain(..context.len().saturating_sub(k));
                }
                let frames: Vec<&[u8]> = context.iter().map(Vec::as_slice).collect();
                let plan = agent.plan(&frames, goal)?;
                let foreseen = if foresee {
                    agent.predict(&frames, &plan.actions)?
                } else {
                    Vec::new()
                };
                Decision { action: plan.first(3).to_vec(), foreseen }
            }
            Controller::Latent(agent) => {
                let plan = agent.plan(now, goal)?;
                let foreseen = if foresee {
                    agent.predict(now, &plan.actions)?
                } else {
                    Vec::new()
                };
                Decision { action: plan.first(agent.cem().action_dim).to_vec(), foreseen }
            }
            Controller::Memory(agent) => {
                let plan = agent.act(now, goal)?;
                let foreseen = if foresee {
                    agent.foresee(now, &plan)?
                } else {
                    Vec::new()
                };
                Decision { action: plan.action.to_vec(), foreseen }
            }
            Controller::Random { rng, bounds, dim, hold, held } => {
                if held.1 == 0 {
                    let action = (0..*dim)
                        .map(|j| {
                            let (lo, hi) = bounds.get(j).copied().unwrap_or((-1.0, 1.0));
                            rng.random_range(lo..=hi)
                        })
                        .collect();
                    *held = (action, (*hold).max(1));
                }
                held.1 -= 1;
                Decision::action(held.0.clone())
            }
            Controller::Centroid => {
                let (h, w) = policy::image_size(seen.observation, None)?;
                let mut action = centroid_action(now, goal, h, w);
                // With roll actions, its Δxy is the push's direction.
                action.truncate(seen.action_dim);
                Decision::action(action)
            }
            Controller::Scripted => Decision::action(scripted(seen)?),
        })
    }
}

/// Moves the gel toward the centroid of where the image differs from the goal, pressing
/// lightly. Measured on the gel: with the hand 4 mm further along +x than an object, the
/// object shows about 10 rows lower; 4 mm along +y, about 11 columns further right. So a
/// feature at +rows lies toward -x of the gel, and one at +columns toward -y.
fn centroid_action(current: &[u8], goal: &[u8], h: usize, w: usize) -> Vec<f32> {
    let diff: Vec<f32> = current
        .chunks_exact(3)
        .zip(goal.chunks_exact(3))
        .map(|(a, b)| {
            (0..3)
                .map(|c| (a[c] as f32 - b[c] as f32).abs())
                .sum::<f32>()
        })
        .collect();
    let mean = diff.iter().sum::<f32>() / diff.len() as f32;
    let threshold = mean
        + 2.0 * (diff.iter().map(|d| (d - mean).powi(2)).sum::<f32>() / diff.len() as f32).sqrt();
    let (mut sr, mut sc, mut n) = (0.0, 0.0, 0.0);
    for (i, &d) in diff.iter().enumerate() {
        if d > threshold.max(30.0) {
            sr += (i / w) as f32;
            sc += (i % w) as f32;
            n += 1.0;
        }
    }
    if n == 0.0 {
        return vec![0.0, 0.0, -0.5]; // nothing differs yet: press to feel
    }
    let row = (sr / n - h as f32 / 2.0) / (h as f32 / 2.0);
    let col = (sc / n - w as f32 / 2.0) / (w as f32 / 2.0);
    vec![(-row).clamp(-1.0, 1.0), (-col).clamp(-1.0, 1.0), -0.2]
}

/// How to evaluate.
#[derive(Debug, Clone)]
pub struct EvalConfig {
    /// The task evaluated on.
    pub task: Task,
    /// Episodes to run.
    pub episodes: usize,
    /// Episode i uses seed `seed + i` (the same goals for every controller).
    pub seed: u64,
    /// Image strips saved for the first this-many episodes.
    pub strips: usize,
    /// DieRoll: goals this many rolls away (1 or 2); other tasks ignore it.
    pub die_goal_rolls: u8,
    /// What one action does (DieRoll may roll).
    pub action_mode: ActionMode,
    /// A robot server (`HOST:PORT`) whose arm to evaluate on; `None`: a simulated arm here.
    pub robot: Option<String>,
}

/// One episode's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct EpisodeOutcome {
    /// The episode's seed: it fixes the scene and the goal.
    pub seed: u64,
    /// Whether the last step reached the goal.
    pub success: bool,
    /// Distance to the goal at the end, in the task's goal space (`oracle_goal_distance`).
    pub final_distance: f64,
    /// Actions taken before the episode ended.
    pub steps: usize,
}

/// A controller's results.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    /// The controller's name (see [`Policy::name`]).
    pub controller: String,
    /// The task's name.
    pub task: String,
    /// Every episode's outcome, in seed order.
    pub episodes: Vec<EpisodeOutcome>,
    /// Fraction of episodes that succeeded, 0 to 1.
    pub success_rate: f64,
    /// Wilson score interval, 95 %.
    pub success_ci95: (f64, f64),
    /// Mean of the episodes' final distances to the goal, in the task's goal space.
    pub mean_final_distance: f64,
}

/// Wilson's 95 % interval for `k` successes in `n` trials.
pub fn wilson(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (z, n, p) = (1.96f64, n as f64, k as f64 / n as f64);
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / (1.0 + z * z / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// An episode's strip: goal | first frame (the context) | what happened, left to right; for
/// the agent, a row above of goal | first frame | what its first plan predicted.
fn save_strip(
    path: &Path,
    goal: &[u8],
    seen: &[Vec<u8>],
    foreseen: &[Vec<u8>],
    (h, w): (usize, usize),
) -> Result<(), AgentError> {
    let row = |frames: &[Vec<u8>]| {
        let all: Vec<(u32, u32, &[u8])> = [goal, seen[0].as_slice()]
            .into_iter()
            .chain(frames.iter().map(Vec::as_slice))
            .map(|f| (w as u32, h as u32, f))
            .collect();
        hstack(&all, 2)
    };
    let happened = row(&seen[1..]);
    let (sw, sh, rgb) = if foreseen.is_empty() {
        happened
    } else {
        let planned = row(foreseen);
        vstack(
            &[
                (planned.0, planned.1, planned.2.as_slice()),
                (happened.0, happened.1, happened.2.as_slice()),
            ],
            4,
        )
    };
    save_rgb_png(path, sw, sh, &rgb).map_err(|e| AgentError::Io(e.to_string()))
}

/// Runs `config.episodes` episodes of `controller`; strips go to `out` (PNG), if given.
pub fn evaluate(
    controller: &mut dyn Policy,
    config: &EvalConfig,
    out: Option<&Path>,
    on_episode: impl FnMut(usize, &EpisodeOutcome),
) -> Result<EvalReport, AgentError> {
    let env_config = match config.task {
        Task::DieRoll => EnvConfig::new(Task::DieRoll)
            .obs_mode(ObsMode::Tactile)
            .die_goal_rolls(config.die_goal_rolls)
            .action_mode(config.action_mode),
        task => EnvConfig::new(task)
            .obs_mode(ObsMode::Image)
            .image_size(64, 48),
    };
    match &config.robot {
        None => {
            let mut env = TaskEnv::new(env_config)?;
            evaluate_on(controller, &mut env, config, out, on_episode)
        }
        Some(addr) => {
            let mut env = TaskEnv::on_robot(env_config, crate::arm::connect(addr)?)?;
            evaluate_on(controller, &mut env, config, out, on_episode)
        }
    }
}

/// [`evaluate`] in `env`.
fn evaluate_on<R: Robot + Send>(
    controller: &mut dyn Policy,
    env: &mut TaskEnv<R>,
    config: &EvalConfig,
    out: Option<&Path>,
    mut on_episode: impl FnMut(usize, &EpisodeOutcome),
) -> Result<EvalReport, AgentError> {
    let mut outcomes = Vec::with_capacity(config.episodes);
    for i in 0..config.episodes {
        let strip = out.filter(|_| i < config.strips);
        let seed = config.seed + i as u64;
        let episode = policy::play(controller, env, seed, strip.is_some(), policy::unwatched)?;
        if let Some(dir) = strip {
            let frames = episode
                .observations
                .iter()
                .map(|o| policy::image(o, None).map(<[u8]>::to_vec))
                .collect::<Result<Vec<_>, _>>()?;
            let (h, w) = policy::image_size(&episode.observations[0], None)?;
            let path = dir.join(format!("{}-episode-{i:03}.png", controller.name()));
            let goal = episode.goal_image.unwrap_or_default();
            save_strip(&path, &goal, &frames, &episode.foreseen, (h, w))?;
        }
        let outcome = EpisodeOutcome {
            seed,
            success: byfeel_gym::info::success(&episode.info)?,
            final_distance: byfeel_gym::info::float(
                &episode.info,
                byfeel_gym::info::GOAL_DISTANCE,
            )?,
            steps: episode.steps,
        };
        on_episode(i, &outcome);
        outcomes.push(outcome);
    }
    let k_success = outcomes.iter().filter(|o| o.success).count();
    let n = outcomes.len();
    Ok(EvalReport {
        controller: controller.name().into(),
        task: config.task.name().into(),
        success_rate: k_success as f64 / n.max(1) as f64,
        success_ci95: wilson(k_success, n),
        mean_final_distance: outcomes.iter().map(|o| o.final_distance).sum::<f64>()
            / n.max(1) as f64,
        episodes: outcomes,
    })
}

/// The scripted roller's action: toward the goal face, from the simulator's state.
fn scripted(seen: &Seen<'_>) -> Result<Vec<f32>, AgentError> {
    let Some(sim) = &seen.privileged else {
        return Err(AgentError::Config(
            "the scripted roller reads the simulator's state, and this arm is not simulated".into(),
        ));
    };
    let goal = sim
        .goal
        .and_then(|g| g.iter().position(|v| *v > 0.5))
        .map(|i| i as u8 + 1);
    match (sim.action_mode, goal) {
        (ActionMode::Roll, Some(goal)) => {
            let die = sim.truth.die_orientation.ok_or_else(|| {
                AgentError::Config("the scripted roller needs the die's orientation".into())
            })?;
            // A roll gone astray can leave the goal more than two rolls away, where the
            // roller knows no way: it stays, and the episode counts as missed.
            Ok(byfeel_gym::scripted::roll_toward(die, goal).map_or(vec![0.0, 0.0], |a| a.to_vec()))
        }
        _ => Err(AgentError::Config(
            "the scripted controller rolls the die with roll actions only".into(),
        )),
    }
}

/// A fresh random controller, sampling inside `cem`'s bounds (so it lifts the gel off the
/// die no more than the agent may), holding each action `hold` steps.
pub fn random(seed: u64, cem: &crate::CemConfig, hold: usize) -> Controller {
    Controller::Random {
        rng: ChaCha8Rng::seed_from_u64(seed),
        bounds: cem.bounds.clone(),
        dim: cem.action_dim,
        hold: hold.max(1),
        held: (Vec::new(), 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use byfeel_gym::Observation;

    #[test]
    fn wilson_interval_matches_known_values() {
        let (lo, hi) = wilson(5, 50);
        assert!(
            (lo - 0.0435).abs() < 0.002 && (hi - 0.2136).abs() < 0.002,
            "{lo} {hi}"
        );
        assert_eq!(wilson(0, 0), (0.0, 1.0));
    }

    #[test]
    fn held_random_play_keeps_each_action_for_the_plans_hold() {
        let cem = crate::CemConfig::for_task(byfeel_gym::Task::DieRoll);
        let mut held = random(7, &cem, cem.repeat);
        assert_eq!(held.name(), "random-held");
        let image = vec![0u8; 48 * 64 * 3];
        let obs = Observation::Array(byfeel_gym::Array::image(48, 64, image.clone()));
        let seen = Seen {
            observation: &obs,
            goal_image: Some(&image),
            action_dim: 3,
            privileged: None,
        };
        let act = |c: &mut Controller| c.act(&seen, false).unwrap().action;
        let actions: Vec<Vec<f32>> = (0..6).map(|_| act(&mut held)).collect();
        assert!(actions[..3].iter().all(|a| a == &actions[0]));
        assert!(actions[3..].iter().all(|a| a == &actions[3]));
        assert_ne!(actions[0], actions[3]);
        assert!(
            actions.iter().all(|a| a[2] <= 0.0),
            "inside the die's bounds"
        );
        // A new episode starts a new action.
        held.begin_episode(8, 10);
        let next = act(&mut held);
        assert_ne!(next, actions[3]);
        let mut plain = random(7, &cem, 1);
        assert_eq!(plain.name(), "random");
        assert_ne!(act(&mut plain), act(&mut plain));
    }

    #[test]
    fn the_scripted_roller_needs_a_simulator_to_look_inside() {
        let image = vec![0u8; 48 * 64 * 3];
        let obs = Observation::Array(byfeel_gym::Array::image(48, 64, image.clone()));
        let seen = Seen {
            observation: &obs,
            goal_image: Some(&image),
            action_dim: 2,
            privileged: None,
        };
        let err = Controller::Scripted.act(&seen, false).unwrap_err().to_string();
        assert!(err.contains("not simulated"), "{err}");
    }

    #[test]
    fn the_centroid_controller_moves_toward_the_difference() {
        let (h, w) = (48, 64);
        let goal = vec![100u8; h * w * 3];
        let mut current = goal.clone();
        // A difference in the lower right corner lies toward -x and -y of the gel.
        for r in 40..46 {
            for c in 55..62 {
                current[(r * w + c) * 3] = 250;
            }
        }
        let a = centroid_action(&current, &goal, h, w);
        assert!(a[0] < -0.5 && a[1] < -0.5, "{a:?}");
        assert_eq!(centroid_action(&goal, &goal, h, w)[..2], [0.0, 0.0]);
    }
}
