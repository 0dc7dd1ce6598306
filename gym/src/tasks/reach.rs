//! Reach: move the hand to a goal position. The simplest sanity task.

use super::{Info, InfoValue, TaskLogic, l2};
use crate::{OracleState, Placement, RobotError, RobotState, Simulator};
use glam::DVec3;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub(super) struct Reach;

/// Goals lie in this box above the table (clear of the cup, which is 10 cm tall).
const GOAL_MIN: DVec3 = DVec3::new(0.45, -0.2, 0.15);
const GOAL_MAX: DVec3 = DVec3::new(0.75, 0.2, 0.30);
const SUCCESS_DISTANCE: f64 = 0.03;

impl TaskLogic for Reach {
    fn state(&self, arm: &RobotState, _truth: &OracleState) -> Vec<f32> {
        arm.ee_position.as_vec3().to_array().to_vec()
    }

    fn achieved(&self, arm: &RobotState, truth: &OracleState) -> Vec<f32> {
        self.state(arm, truth)
    }

    fn reset(
        &self,
        _sim: &mut dyn Simulator,
        rng: &mut ChaCha8Rng,
        _hard: bool,
    ) -> Result<Vec<f32>, RobotError> {
        let g = DVec3::new(
            rng.random_range(GOAL_MIN.x..=GOAL_MAX.x),
            rng.random_range(GOAL_MIN.y..=GOAL_MAX.y),
            rng.random_range(GOAL_MIN.z..=GOAL_MAX.z),
        );
        Ok(g.as_vec3().to_array().to_vec())
    }

    fn pose_goal(&self, sim: &mut dyn Simulator, goal: &[f32]) -> Result<(), RobotError> {
        sim.place(&Placement::Hand(DVec3::new(goal[0] as f64, goal[1] as f64, goal[2] as f64)))
    }

    fn distance(&self, achieved: &[f32], desired: &[f32]) -> f64 {
        l2(achieved, desired)
    }

    fn success(&self, achieved: &[f32], desired: &[f32]) -> bool {
        l2(achieved, desired) < SUCCESS_DISTANCE
    }

    fn metrics(&self, arm: &RobotState, truth: &OracleState, goal: &[f32], info: &mut Info) {
        let d = l2(&self.achieved(arm, truth), goal);
        info.insert(crate::info::HAND_DISTANCE.into(), InfoValue::Float(d));
    }
}
