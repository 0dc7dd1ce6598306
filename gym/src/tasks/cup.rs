//! CupPush (Visual Foresight): push the cup to where the goal image shows it.

use super::{Info, InfoValue, TaskLogic, hand, l2};
use crate::sim_robot::sim_error;
use crate::{RobotError, SimRobot};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub(super) struct CupPush;

/// Where cups start and goals lie on the table (the scene's own placement range).
const X: (f64, f64) = (0.55, 0.70);
const Y: (f64, f64) = (-0.10, 0.10);
const MIN_PUSH: f64 = 0.05;
const SUCCESS_DISTANCE: f64 = 0.03;

fn place(robot: &mut SimRobot, x: f64, y: f64) -> Result<(), RobotError> {
    robot.world_mut().place_cup(x, y).map_err(sim_error)
}

impl TaskLogic for CupPush {
    /// Hand xyz, cup xy.
    fn state(&self, robot: &SimRobot) -> Vec<f32> {
        let h = hand(robot);
        let c = self.achieved(robot);
        vec![h.x as f32, h.y as f32, h.z as f32, c[0], c[1]]
    }

    /// Goal space: cup xy.
    fn achieved(&self, robot: &SimRobot) -> Vec<f32> {
        let p = robot
            .world()
            .cup_pose()
            .map(|f| f.translation)
            .unwrap_or_default();
        vec![p.x as f32, p.y as f32]
    }

    fn reset(
        &self,
        robot: &mut SimRobot,
        rng: &mut ChaCha8Rng,
        hard: bool,
    ) -> Result<Vec<f32>, RobotError> {
        if hard {
            place(
                robot,
                rng.random_range(X.0..=X.1),
                rng.random_range(Y.0..=Y.1),
            )?;
        }
        let start = self.achieved(robot);
        loop {
            let g = [
                rng.random_range(X.0..=X.1) as f32,
                rng.random_range(Y.0..=Y.1) as f32,
            ];
            if l2(&g, &start) >= MIN_PUSH {
                return Ok(g.to_vec());
            }
        }
    }

    fn pose_goal(&self, robot: &mut SimRobot, goal: &[f32]) -> Result<(), RobotError> {
        place(robot, goal[0] as f64, goal[1] as f64)
    }

    fn distance(&self, achieved: &[f32], desired: &[f32]) -> f64 {
        l2(achieved, desired)
    }

    fn success(&self, achieved: &[f32], desired: &[f32]) -> bool {
        l2(achieved, desired) < SUCCESS_DISTANCE
    }

    fn metrics(&self, robot: &SimRobot, goal: &[f32], info: &mut Info) {
        info.insert(
            "oracle_cup_distance".into(),
            InfoValue::Float(l2(&self.achieved(robot), goal)),
        );
        let tilt = robot.world().cup_tilt().unwrap_or(0.0);
        info.insert("oracle_cup_tilt".into(), InfoValue::Float(tilt));
    }
}
