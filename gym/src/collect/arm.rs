//! The arms collection records with: a simulated arm as the scene file has it, or one across a
//! reality gap drawn afresh for every episode (domain randomisation).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{CollectConfig, CollectError};
use crate::gap::GapRobot;
use crate::{Robot, SimRobot};
use byfeel_sim::Randomization;

/// A simulated arm collection can record with.
pub(super) trait CollectArm: Robot + Send + Sized {
    /// The arm of `config`'s task's scene.
    fn build(config: &CollectConfig) -> Result<Self, CollectError>;
    /// Readies the arm for the episode of `seed`, before its reset.
    fn begin_episode(&mut self, _config: &CollectConfig, _seed: u64) -> Result<(), CollectError> {
        Ok(())
    }
    /// The simulated arm inside.
    fn sim(&self) -> &SimRobot;
}

impl CollectArm for SimRobot {
    fn build(config: &CollectConfig) -> Result<Self, CollectError> {
        let (scene, build) = match config.door {
            Some(door) => (crate::door_family::FAMILY_SCENE, Randomization::Seeded(door)),
            None => (config.task.scene(), Randomization::Nominal),
        };
        SimRobot::from_scene(scene, build)
            .map_err(|e| CollectError::Config(e.to_string()))
    }

    fn sim(&self) -> &SimRobot {
        self
    }
}

impl CollectArm for GapRobot {
    fn build(config: &CollectConfig) -> Result<Self, CollectError> {
        let range = config.gap_range.clone().unwrap_or_default();
        GapRobot::from_scene(config.task.scene(), range).map_err(CollectError::Config)
    }

    /// Draws the episode's gap from its seed, between none and the configured range.
    fn begin_episode(&mut self, config: &CollectConfig, seed: u64) -> Result<(), CollectError> {
        let range = config.gap_range.as_ref().expect("a gap range was given");
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6A9_0000_0000);
        self.set_gap(range.draw(&mut rng)).map_err(CollectError::Config)
    }

    fn sim(&self) -> &SimRobot {
        self.inner()
    }
}
