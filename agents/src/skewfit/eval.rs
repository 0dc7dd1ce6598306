//! Skew-Fit's evaluation, as the paper's: a person shows a goal image (the door at some angle,
//! the hand hooked behind its handle), the door starts shut with the hand hooked on it, and
//! after one episode of the policy's mean actions the door's angle error and the hand's
//! distance are measured.
//! Success is the door task's own (`is_success`: within 0.02 rad and 0.03 m).

use burn::prelude::*;
use byfeel_gym::{Info, Robot, TaskEnv};
use serde::{Deserialize, Serialize};

use crate::sac::Sac;
use super::task::SkewFitTask;
use super::train::{embed_one, images_to_tensor};
use super::vae::Vae;
use crate::AgentError;
use crate::policy::{self, Decision, Policy, Seen};

/// Goal seeds start here, far from any training seed.
pub const EVAL_SEED: u64 = 1_000_000;

/// Means over the goals, and each goal's outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvalResult {
    /// Mean |door angle − goal angle| at the episodes' ends, rad.
    pub angle_error: f64,
    /// Mean distance from the hand to where the goal has it at the episodes' ends, m.
    pub hand_distance: f64,
    /// Fraction of goals met (the door task's `is_success`), 0 to 1.
    pub success: f64,
    /// A mean can hide whether most goals are met and a few missed by far; the median tells.
    #[serde(default)]
    pub median_angle_error: f64,
    /// Per goal, in seed order (absent in logs written before it was added).
    #[serde(default)]
    pub goals: Vec<GoalOutcome>,
}

/// Where one evaluation episode ended, against its goal.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GoalOutcome {
    /// The door angle the goal image shows, and the one the episode ended at (rad).
    pub goal_angle: f64,
    /// The door angle the episode ended at, rad.
    pub final_angle: f64,
    /// |final angle − goal angle|, rad.
    pub angle_error: f64,
    /// Distance from the hand to where the goal has it, at the end, m.
    pub hand_distance: f64,
    /// The task's success test at the episode's end (absent in logs written before it was
    /// added).
    #[serde(default)]
    pub success: bool,
}

/// Collects episodes' final door angle errors and hand distances into an [`EvalResult`].
#[derive(Default)]
pub(crate) struct DoorTally {
    goals: Vec<GoalOutcome>,
}

impl DoorTally {
    /// Adds an episode by its last step's `info`.
    pub(crate) fn add(&mut self, info: &Info) -> Result<(), AgentError> {
        use byfeel_gym::info::{self, DOOR_ANGLE, DOOR_ANGLE_ERROR, GOAL_DOOR_ANGLE, HAND_DISTANCE};
        self.goals.push(GoalOutcome {
            goal_angle: info::float(info, GOAL_DOOR_ANGLE)?,
            final_angle: info::float(info, DOOR_ANGLE)?,
            angle_error: info::float(info, DOOR_ANGLE_ERROR)?,
            hand_distance: info::float(info, HAND_DISTANCE)?,
            success: info::success(info)?,
        });
        Ok(())
    }

    pub(crate) fn result(&self) -> EvalResult {
        let n = self.goals.len().max(1) as f64;
        let sum = |f: fn(&GoalOutcome) -> f64| self.goals.iter().map(f).sum::<f64>();
        let met = |g: &GoalOutcome| f64::from(u8::from(g.success));
        let mut angles: Vec<f64> = self.goals.iter().map(|g| g.angle_error).collect();
        angles.sort_by(f64::total_cmp);
        let k = angles.len();
        let median = match k {
            0 => f64::NAN,
            _ if k % 2 == 1 => angles[k / 2],
            _ => 0.5 * (angles[k / 2 - 1] + angles[k / 2]),
        };
        EvalResult {
            angle_error: sum(|g| g.angle_error) / n,
            hand_distance: sum(|g| g.hand_distance) / n,
            success: sum(met) / n,
            median_angle_error: median,
            goals: self.goals.clone(),
        }
    }
}

/// One goal's pictures: what was asked, where the episode ended, and how the VAE sees the end.
/// (Its numbers are the same goal's entry in [`EvalResult::goals`].)
pub struct GoalStrip {
    /// The goal image, 48 × 48 RGB bytes.
    pub goal: Vec<u8>,
    /// The episode's last image, 48 × 48 RGB bytes.
    pub last: Vec<u8>,
    /// The VAE's reconstruction of the last image, 48 × 48 RGB bytes.
    pub reconstruction: Vec<u8>,
}

/// The policy's mean actions toward `goals` goal images drawn from seeds `first_seed …`, each
/// from a freshly reset door; pictures for the first `strips` goals.
pub fn evaluate(
    vae: &Vae,
    sac: &Sac,
    goals: usize,
    first_seed: u64,
    strips: usize,
) -> Result<(EvalResult, Vec<GoalStrip>), AgentError> {
    evaluate_door(vae, sac, None, (goals, first_seed, strips))
}

/// [`evaluate`] on door `door` of the door family ([`byfeel_gym::door_family`]), or on the
/// door scene's door when `None`.
pub fn evaluate_door(
    vae: &Vae,
    sac: &Sac,
    door: Option<u64>,
    (goals, first_seed, strips): (usize, u64, usize),
) -> Result<(EvalResult, Vec<GoalStrip>), AgentError> {
    let mut config = SkewFitTask::door().config();
    if let Some(d) = door {
        config = config.door(d);
    }
    evaluate_on(vae, sac, &mut TaskEnv::new(config)?, (goals, first_seed, strips))
}

/// [`evaluate`] on the arm of the robot server at `robot` (`HOST:PORT`), which must serve the
/// door scene's simulated arm (goals are drawn and the oracle measures them there).
pub fn evaluate_remote(
    vae: &Vae,
    sac: &Sac,
    robot: &str,
    (goals, first_seed, strips): (usize, u64, usize),
) -> Result<(EvalResult, Vec<GoalStrip>), AgentError> {
    let mut env = crate::arm::remote_env(SkewFitTask::door().config(), robot)?;
    evaluate_on(vae, sac, &mut env, (goals, first_seed, strips))
}

fn evaluate_on<R: Robot + Send>(
    vae: &Vae,
    sac: &Sac,
    env: &mut TaskEnv<R>,
    (goals, first_seed, strips): (usize, u64, usize),
) -> Result<(EvalResult, Vec<GoalStrip>), AgentError> {
    let device = vae.devices()[0].clone();
    let mut agent = SkewFitPolicy::new(vae, sac);
    let mut tally = DoorTally::default();
    let mut pictures = Vec::new();
    for g in 0..goals {
        let episode = policy::play(&mut agent, env, first_seed + g as u64, false, policy::unwatched)?;
        tally.add(&episode.info)?;
        if g < strips {
            let first = &episode.observations[0];
            let last = episode.observations.last().expect("the reset's observation");
            let last = policy::image(last, Some("image_observation"))?.to_vec();
            pictures.push(GoalStrip {
                reconstruction: reconstruct(vae, &last, &device),
                goal: policy::image(first, Some("image_desired_goal"))?.to_vec(),
                last,
            });
        }
    }
    Ok((tally.result(), pictures))
}

/// The policy's action for a 48 × 48 RGB `image` and `goal` image: its mean action, or one
/// drawn with `explore` as the seed.
pub fn act(vae: &Vae, sac: &Sac, image: &[u8], goal: &[u8], explore: Option<u64>) -> Vec<f32> {
    let device = vae.devices()[0].clone();
    let mut o = embed_one(vae, image, &device);
    o.extend(embed_one(vae, goal, &device));
    sac.act(&o, explore)
}

/// A Skew-Fit agent as a [`Policy`]: the VAE's latents of the door camera's image and of the
/// goal image (both in the observation) go to the policy, which acts with its mean action.
pub struct SkewFitPolicy<'a> {
    vae: &'a Vae,
    sac: &'a Sac,
    /// The goal image last embedded and its latent: a goal stays for a whole episode.
    goal: Option<(Vec<u8>, Vec<f32>)>,
}

impl<'a> SkewFitPolicy<'a> {
    /// The agent made of a trained VAE and policy (see [`super::load`]).
    pub fn new(vae: &'a Vae, sac: &'a Sac) -> Self {
        Self { vae, sac, goal: None }
    }
}

impl Policy for SkewFitPolicy<'_> {
    fn name(&self) -> &str {
        "skewfit"
    }

    fn act(&mut self, seen: &Seen<'_>, _foresee: bool) -> Result<Decision, AgentError> {
        let device = self.vae.devices()[0].clone();
        let now = policy::image(seen.observation, Some("image_observation"))?;
        let goal = policy::image(seen.observation, Some("image_desired_goal"))?;
        if self.goal.as_ref().is_none_or(|(image, _)| image.as_slice() != goal) {
            self.goal = Some((goal.to_vec(), embed_one(self.vae, goal, &device)));
        }
        let mut o = embed_one(self.vae, now, &device);
        o.extend_from_slice(&self.goal.as_ref().expect("embedded above").1);
        Ok(Decision::action(self.sac.act(&o, None)))
    }
}

/// The VAE's decoding of an image's mean latent, as RGB bytes.
fn reconstruct(vae: &Vae, img: &[u8], device: &Device) -> Vec<u8> {
    let x = vae.decode(vae.embed(images_to_tensor(&[img], device)));
    crate::predictive::to_frames(x.unsqueeze_dim(1))
        .expect("f32 pixels")
        .remove(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use byfeel_gym::InfoValue;

    fn info(angle: f64, hand: f64) -> Info {
        let mut i = Info::new();
        i.insert(byfeel_gym::info::GOAL_DOOR_ANGLE.into(), InfoValue::Float(0.3));
        i.insert(byfeel_gym::info::DOOR_ANGLE.into(), InfoValue::Float(0.3 + angle));
        i.insert(byfeel_gym::info::DOOR_ANGLE_ERROR.into(), InfoValue::Float(angle));
        i.insert(byfeel_gym::info::HAND_DISTANCE.into(), InfoValue::Float(hand));
        // As the door task decides it: within 0.02 rad and 0.03 m.
        i.insert(
            byfeel_gym::info::IS_SUCCESS.into(),
            InfoValue::Bool(angle < 0.02 && hand < 0.03),
        );
        i
    }

    #[test]
    fn one_goal_missed_by_far_moves_the_mean_not_the_median() {
        let mut tally = DoorTally::default();
        for (a, h) in [(0.01, 0.01), (0.6, 0.05), (0.03, 0.02), (0.015, 0.04)] {
            tally.add(&info(a, h)).unwrap();
        }
        let r = tally.result();
        assert!((r.angle_error - 0.16375).abs() < 1e-12);
        assert!((r.median_angle_error - 0.0225).abs() < 1e-12);
        assert!((r.hand_distance - 0.03).abs() < 1e-12);
        // Only the first is within both 0.02 rad and 0.03 m.
        assert!((r.success - 0.25).abs() < 1e-12);
        assert_eq!(r.goals.len(), 4);
        assert_eq!(r.goals[1].angle_error, 0.6);
        assert_eq!(r.goals[1].goal_angle, 0.3);
        assert!((r.goals[1].final_angle - 0.9).abs() < 1e-12);
        assert!(r.goals[0].success && !r.goals[1].success);
    }
}
