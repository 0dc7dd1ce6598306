//! Skew-Fit's evaluation, as the paper's: a person shows a goal image (the door at some angle,
//! the hand hooked behind its handle), the door starts shut with the hand hooked on it, and
//! after one episode of the policy's mean actions the door's angle error and the hand's
//! distance are measured.
//! Success: within 0.02 rad and 0.03 m.

use burn::prelude::*;
use byfeel_gym::{Env, Info, InfoValue, ResetOptions};
use serde::{Deserialize, Serialize};

use super::sac::Sac;
use super::train::{door_env, embed_one, image, images_to_tensor};
use super::vae::Vae;
use crate::AgentError;

/// Goal seeds start here, far from any training seed.
pub const EVAL_SEED: u64 = 1_000_000;

/// Means over the goals.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvalResult {
    pub angle_error: f64,
    pub hand_distance: f64,
    pub success: f64,
}

/// Sums episodes' final door angle errors and hand distances into an [`EvalResult`].
#[derive(Default)]
pub(crate) struct DoorTally {
    angle: f64,
    hand: f64,
    success: f64,
    episodes: usize,
}

impl DoorTally {
    /// Adds an episode by its last step's `info`; returns its (angle error, hand distance).
    pub(crate) fn add(&mut self, info: &Info) -> (f64, f64) {
        let get = |k: &str| match info.get(k) {
            Some(InfoValue::Float(v)) => *v,
            _ => f64::NAN,
        };
        let (a, h) = (get("oracle_door_angle_error"), get("oracle_hand_distance"));
        self.angle += a;
        self.hand += h;
        self.success += f64::from(u8::from(a < ANGLE_SUCCESS && h < HAND_SUCCESS));
        self.episodes += 1;
        (a, h)
    }

    pub(crate) fn result(&self) -> EvalResult {
        let n = self.episodes.max(1) as f64;
        EvalResult {
            angle_error: self.angle / n,
            hand_distance: self.hand / n,
            success: self.success / n,
        }
    }
}

/// Skew-Fit's success thresholds on the door.
const ANGLE_SUCCESS: f64 = 0.02;
const HAND_SUCCESS: f64 = 0.03;

/// One goal's pictures: what was asked, where the episode ended, and how the VAE sees the end.
pub struct GoalStrip {
    pub goal: Vec<u8>,
    pub last: Vec<u8>,
    pub reconstruction: Vec<u8>,
    pub angle_error: f64,
    pub hand_distance: f64,
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
    let err = |e: byfeel_gym::EnvError| AgentError::Config(e.to_string());
    let device = vae.devices()[0].clone();
    let mut env = door_env()?;
    let mut tally = DoorTally::default();
    let mut pictures = Vec::new();
    for g in 0..goals {
        let (obs, _) = env
            .reset(Some(first_seed + g as u64), &ResetOptions::default())
            .map_err(err)?;
        let goal_image = image(&obs, "image_desired_goal")?;
        let goal = embed_one(vae, &goal_image, &device);
        let mut now = image(&obs, "image_observation")?;
        let mut info = Default::default();
        for _ in 0..env.spec().max_episode_steps {
            let mut o = embed_one(vae, &now, &device);
            o.extend_from_slice(&goal);
            let t = env.step(&sac.act(&o, None)).map_err(err)?;
            now = image(&t.observation, "image_observation")?;
            info = t.info;
        }
        let (a, h) = tally.add(&info);
        if g < strips {
            pictures.push(GoalStrip {
                reconstruction: reconstruct(vae, &now, &device),
                goal: goal_image,
                last: now,
                angle_error: a,
                hand_distance: h,
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

/// The VAE's decoding of an image's mean latent, as RGB bytes.
fn reconstruct(vae: &Vae, img: &[u8], device: &Device) -> Vec<u8> {
    let x = vae.decode(vae.embed(images_to_tensor(&[img], device)));
    crate::predictive::to_frames(x.unsqueeze_dim(1))
        .expect("f32 pixels")
        .remove(0)
}
