//! A fleet robot's Skew-Fit: chase goal pictures of its own door, proposed by the learner,
//! with the learner's latest policy.

use burn::module::Module;
use byfeel_gym::Observation;
use byfeel_gym::collect::{Explorer, RandomExplorer};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::PolicyBundle;
use crate::AgentError;
use crate::sac::Sac;
use crate::skewfit::Vae;
use crate::skewfit::train::embed_one;

/// See the module docs. Before its first bundle it acts at random toward the env's goals, as
/// Skew-Fit's warm-up does.
pub struct SkewFitExplorer {
    robot: usize,
    version: Option<u64>,
    networks: Option<(Vae, Sac)>,
    goals: Vec<Vec<u8>>,
    /// The episode's goal picture and its latent.
    goal: Option<(Vec<u8>, Vec<f32>)>,
}

impl SkewFitExplorer {
    /// The explorer of robot `robot` (its goals are the bundle's `goals[robot]`).
    pub fn new(robot: usize) -> Self {
        Self { robot, version: None, networks: None, goals: Vec::new(), goal: None }
    }

    /// The version of the bundle it acts with, if any.
    pub fn version(&self) -> Option<u64> {
        self.version
    }

    /// Takes `bundle` (bytes of a [`PolicyBundle`]) if it is newer than the one held; returns
    /// whether it did. A bundle made for fewer robots is refused, the old one kept. While the
    /// learner has no pictures of this robot's door yet, the robot chases the env's goals.
    pub fn load(&mut self, bundle: &[u8]) -> Result<bool, AgentError> {
        let bundle = PolicyBundle::from_bytes(bundle)?;
        if self.version.is_some_and(|v| v >= bundle.version) {
            return Ok(false);
        }
        let goals = bundle.goals.get(self.robot).ok_or_else(|| {
            AgentError::Config(format!(
                "the bundle is for {} robots; this is robot {}",
                bundle.goals.len(),
                self.robot
            ))
        })?;
        let networks = bundle.networks(&crate::default_device())?;
        self.goals = goals.clone();
        self.networks = Some(networks);
        self.version = Some(bundle.version);
        self.goal = None;
        Ok(true)
    }
}

impl Explorer for SkewFitExplorer {
    fn goal(&mut self, first: &Observation, rng: &mut ChaCha8Rng) -> Option<Vec<u8>> {
        if self.networks.is_none() || self.goals.is_empty() {
            return RandomExplorer.goal(first, rng);
        }
        Some(self.goals[rng.random_range(0..self.goals.len())].clone())
    }

    fn act(&mut self, observation: &Observation, rng: &mut ChaCha8Rng) -> Vec<f32> {
        let Some((vae, sac)) = &self.networks else {
            return RandomExplorer.act(observation, rng);
        };
        let image = |key: &str| {
            observation
                .get(key)
                .and_then(|a| a.as_u8())
                .expect("the door env observes 48 × 48 images and their goal")
        };
        let device = vae.devices()[0].clone();
        let goal = image("image_desired_goal");
        if self.goal.as_ref().is_none_or(|(g, _)| g.as_slice() != goal) {
            self.goal = Some((goal.to_vec(), embed_one(vae, goal, &device)));
        }
        let mut o = embed_one(vae, image("image_observation"), &device);
        o.extend_from_slice(&self.goal.as_ref().expect("embedded above").1);
        sac.act(&o, Some(rng.random()))
    }
}
