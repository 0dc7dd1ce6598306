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
        hard: bool,
    ) -> Result<Vec<f32>, RobotError> {
        // A hard reset has rebuilt the world with the door shut; the hand starts above the
        // middle of its box, clear of the handle. Otherwise both stay as they are.
        let max = robot.world().door.as_ref().map_or(1.0, |d| d.max_angle);
        if hard {
            let (lo, hi) = hand_box(robot);
            let start = DVec3::new((lo.x + hi.x) / 2.0, (lo.y + hi.y) / 2.0, hi.z);
            robot.teleport_hand(start)?;
        }
        let angle = rng.random_range(0.0..=max);
        let h = goal_hand(robot, angle)?;
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

    /// The hand stays in its box (and moves at most a full step toward it from outside).
    fn limit_action(&self, robot: &SimRobot, delta: DVec3) -> DVec3 {
        let (lo, hi) = hand_box(robot);
        let max = robot.spec().max_ee_step;
        let hand = hand(robot);
        ((hand + delta).clamp(lo, hi) - hand).clamp(DVec3::splat(-max), DVec3::splat(max))
    }
}

/// Where a goal puts the hand with the door at `angle`: just over the handle, the hook's prong
/// 7.6 cm above the bar (lifted out of the slot behind it, where pulling hooks the bar).
fn goal_hand(robot: &mut SimRobot, angle: f64) -> Result<DVec3, RobotError> {
    let saved = robot.world().snapshot();
    robot.world_mut().set_door_angle(angle).map_err(sim_error)?;
    let handle = robot
        .world()
        .door_handle_position()
        .unwrap_or(DVec3::new(0.6, 0.0, 0.2));
    robot.world_mut().restore(&saved);
    Ok(robot.spec().workspace.clamp(handle + GOAL_OFFSET))
}

/// The hand's box, as in Skew-Fit's door (a 15 × 20 × 15 cm box around the handle's path
/// there): every goal position from shut to fully open, with room around it to hook the bar
/// from above, to lift the hook over it, and to push the door shut again.
/// Without it the hand roams the arm's whole 95-litre workspace and random exploration
/// almost never finds the handle.
fn hand_box(robot: &SimRobot) -> (DVec3, DVec3) {
    let world = robot.world();
    let ws = robot.spec().workspace;
    let Some(door) = world.door.as_ref() else {
        return (ws.min, ws.max);
    };
    // The handle's path is an arc about the vertical hinge; its bounding box from samples.
    let rest = world.door_handle_position().unwrap_or(DVec3::ZERO);
    let hinge = door.hinge;
    let (mut lo, mut hi) = (DVec3::splat(f64::INFINITY), DVec3::splat(f64::NEG_INFINITY));
    let now = world.door_angle().unwrap_or(0.0);
    for k in 0..=8 {
        let angle = door.max_angle * k as f64 / 8.0;
        let p = hinge + glam::DQuat::from_rotation_z(angle - now) * (rest - hinge) + GOAL_OFFSET;
        lo = lo.min(p);
        hi = hi.max(p);
    }
    (
        ws.clamp(lo - BOX_MARGIN_BELOW),
        ws.clamp(hi + BOX_MARGIN_ABOVE),
    )
}

/// The end effector's place relative to the handle in a goal.
const GOAL_OFFSET: DVec3 = DVec3::new(-0.12, 0.0, 0.03);
/// Room around the goals' path: 3 cm either side in x and y; 10 cm below (the hook's prong sits
/// 4.6 cm above the end effector, so hooking the bar takes the hand ~7.6 cm below a goal's
/// height) and 5 cm above (to lift the prong over the bar).
const BOX_MARGIN_BELOW: DVec3 = DVec3::new(0.03, 0.03, 0.10);
const BOX_MARGIN_ABOVE: DVec3 = DVec3::new(0.03, 0.03, 0.05);
