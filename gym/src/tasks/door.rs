//! DoorOpen (Skew-Fit's door): hook the handle and swing the door to a goal angle, from
//! images, reset-free: `reset()` proposes a new goal and leaves the arm and door where they are.

use super::{Info, InfoValue, TaskLogic, hand, l2};
use crate::sim_robot::sim_error;
use crate::{Robot, RobotError, SimRobot};
use glam::DVec3;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub(super) struct DoorOpen;

/// Skew-Fit's evaluation thresholds.
const ANGLE_SUCCESS: f64 = 0.02;
const HAND_SUCCESS: f64 = 0.03;

impl TaskLogic for DoorOpen {
    /// Hand xyz, door angle.
    fn state(&self, robot: &SimRobot) -> Vec<f32> {
        let h = hand(robot);
        let a = robot.world().door_angle().unwrap_or(0.0);
        vec![h.x as f32, h.y as f32, h.z as f32, a as f32]
    }

    /// Goal space: door angle, hand xyz.
    fn achieved(&self, robot: &SimRobot) -> Vec<f32> {
        let s = self.state(robot);
        vec![s[3], s[0], s[1], s[2]]
    }

    fn reset(
        &self,
        robot: &mut SimRobot,
        rng: &mut ChaCha8Rng,
        _hard: bool,
    ) -> Result<Vec<f32>, RobotError> {
        // A hard reset has rebuilt the world with the door shut; otherwise it stays as it is.
        let world = robot.world();
        let max = world.door.as_ref().map_or(1.0, |d| d.max_angle);
        let angle = rng.random_range(0.0..=max);
        // The hand as it would be holding the door there: hooked behind the handle.
        let saved = world.snapshot();
        robot.world_mut().set_door_angle(angle).map_err(sim_error)?;
        let handle = robot
            .world()
            .door_handle_position()
            .unwrap_or(DVec3::new(0.6, 0.0, 0.2));
        robot.world_mut().restore(&saved);
        let ws = robot.spec().workspace;
        let h = ws.clamp(handle + DVec3::new(-0.12, 0.0, 0.03));
        Ok(vec![angle as f32, h.x as f32, h.y as f32, h.z as f32])
    }

    fn pose_goal(&self, robot: &mut SimRobot, goal: &[f32]) -> Result<(), RobotError> {
        robot
            .world_mut()
            .set_door_angle(goal[0] as f64)
            .map_err(sim_error)?;
        robot.teleport_hand(DVec3::new(goal[1] as f64, goal[2] as f64, goal[3] as f64))
    }

    fn distance(&self, achieved: &[f32], desired: &[f32]) -> f64 {
        l2(achieved, desired)
    }

    fn success(&self, achieved: &[f32], desired: &[f32]) -> bool {
        ((achieved[0] - desired[0]).abs() as f64) < ANGLE_SUCCESS
            && l2(&achieved[1..], &desired[1..]) < HAND_SUCCESS
    }

    fn metrics(&self, robot: &SimRobot, goal: &[f32], info: &mut Info) {
        let a = self.achieved(robot);
        info.insert("oracle_door_angle".into(), InfoValue::Float(a[0] as f64));
        info.insert(
            "oracle_door_angle_error".into(),
            InfoValue::Float((a[0] - goal[0]).abs() as f64),
        );
        info.insert(
            "oracle_hand_distance".into(),
            InfoValue::Float(l2(&a[1..], &goal[1..])),
        );
    }

    fn terminates(&self) -> bool {
        false
    }
}
