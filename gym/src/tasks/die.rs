//! DieRoll ("Manipulation by Feel"): roll the d20 under the gel until the goal face is up, seen
//! only through the gel. The goal is given as the gel image of the goal face, a face one roll
//! (one edge) away from the face up at the start, or two rolls away
//! ([`EnvConfig::die_goal_rolls`](super::EnvConfig)).

use super::{Info, InfoValue, TaskLogic};
use crate::{OracleState, Placement, RobotError, RobotSpec, RobotState, SceneGeometry, Simulator};
use byfeel_sim::D20;
use glam::DVec3;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub(super) struct DieRoll {
    /// How many rolls away goals are drawn: 1 or 2.
    pub rolls: u8,
}

/// The faces exactly two rolls from `face` (six on a d20: the face graph has no 4-cycles, so
/// each is reached by one path only), each with the face the roll passes through.
fn two_rolls_away(d20: &D20, face: u8) -> Vec<(u8, u8)> {
    let first = d20.neighbours(face).unwrap_or_default();
    let mut out = Vec::new();
    for mid in first {
        for far in d20.neighbours(mid).unwrap_or_default() {
            if far != face && !first.contains(&far) {
                out.push((far, mid));
            }
        }
    }
    out
}

/// Pressing harder than this stops downward motion: it protects the gel.
const MAX_PRESS_N: f64 = 4.0;

/// Height of the top face of the die resting on the table.
pub(crate) fn die_top(scene: &SceneGeometry) -> f64 {
    let r = scene.die_circumradius.unwrap_or(0.014);
    scene.table_top + 2.0 * r * D20::INRADIUS_RATIO
}

/// How deep the gel presses into the die's top, at the start and in the goal picture (m).
pub(crate) const PRESS: f64 = 0.001;

/// The die is small: a unit action moves the gel this far (m) per step, not the arm's 2 cm.
pub(crate) const STEP_XY: f64 = 0.004;
pub(crate) const STEP_Z: f64 = 0.002;

fn face_up(truth: &OracleState) -> u8 {
    truth.die_face_up.unwrap_or(1)
}

impl TaskLogic for DieRoll {
    /// Hand xyz, die centre xyz.
    fn state(&self, arm: &RobotState, truth: &OracleState) -> Vec<f32> {
        let h = arm.ee_position;
        let d = truth.die_position.unwrap_or_default();
        [h, d]
            .iter()
            .flat_map(|v| [v.x as f32, v.y as f32, v.z as f32])
            .collect()
    }

    /// Goal space: the face up, one-hot over 1..=20.
    fn achieved(&self, _arm: &RobotState, truth: &OracleState) -> Vec<f32> {
        let mut v = vec![0.0; 20];
        v[face_up(truth) as usize - 1] = 1.0;
        v
    }

    fn state_bounds(&self) -> (f32, f32) {
        (-2.0, 2.0)
    }

    fn reset(
        &self,
        sim: &mut dyn Simulator,
        rng: &mut ChaCha8Rng,
        hard: bool,
    ) -> Result<Vec<f32>, RobotError> {
        if hard {
            let (x, y) = (
                rng.random_range(0.58..=0.62),
                rng.random_range(-0.02..=0.02),
            );
            let face = rng.random_range(1..=20u8);
            let yaw = rng.random_range(0.0..std::f64::consts::TAU);
            sim.place(&Placement::Die { x, y, face, yaw })?;
            // As in "Manipulation by Feel", an episode starts with the gel resting on the die,
            // pressed in as deep as the goal picture (1 mm): the first frame already shows
            // the face up, and every action is felt. (From a gel hovering off the die, the
            // first frames are blank and the model cannot tell where the die is.)
            let (dx, dy) = (
                rng.random_range(-0.003..=0.003),
                rng.random_range(-0.003..=0.003),
            );
            let top = die_top(&sim.geometry());
            sim.place(&Placement::Hand(DVec3::new(x + dx, y + dy, top - PRESS)))?;
        }
        // The goal is one roll away (a face sharing an edge with the face up): what 20 steps
        // can reach (random play rolls the die in 30 % of episodes, rarely twice) and what the
        // planner's 18-step horizon sees. Or two rolls away, where no one push gets there.
        let now = face_up(&sim.truth());
        let d20 = D20::new();
        let goal = if self.rolls == 2 {
            let far = two_rolls_away(&d20, now);
            far[rng.random_range(0..far.len())].0
        } else {
            d20.neighbours(now)
                .map_or(now % 20 + 1, |n| n[rng.random_range(0..3)])
        };
        let mut v = vec![0.0; 20];
        v[goal as usize - 1] = 1.0;
        Ok(v)
    }

    /// The goal face up under the gel, pressed 1 mm in, with the die turned the least way
    /// that brings that face up: for a neighbour, the roll over the shared edge. The picture
    /// shows the face as a push would leave it, turned in the plane as it will be felt. (A
    /// fixed turn instead, the same for every start, shows the face at an angle the die
    /// never reaches, and no plan can match the picture.)
    fn pose_goal(&self, sim: &mut dyn Simulator, goal: &[f32]) -> Result<(), RobotError> {
        let face = goal
            .iter()
            .position(|g| *g > 0.5)
            .map_or(1, |i| i as u8 + 1);
        let truth = sim.truth();
        let (Some(at), Some(rotation)) = (truth.die_position, truth.die_orientation) else {
            return Err(RobotError::Unreachable("this scene has no die".into()));
        };
        let d20 = D20::new();
        let now = d20.face_toward(rotation, DVec3::Z);
        // Two rolls away: the turn the two rolls leave, through the one face between.
        let start = match two_rolls_away(&d20, now)
            .iter()
            .find(|(far, _)| *far == face)
        {
            Some(&(_, mid)) => d20.rolled_up(rotation, mid).unwrap_or(rotation),
            None => rotation,
        };
        let turned = d20
            .rolled_up(start, face)
            .ok_or_else(|| RobotError::Unreachable(format!("a d20 has no face {face}")))?;
        let top = die_top(&sim.geometry());
        sim.place(&Placement::DieTurned { x: at.x, y: at.y, rotation: turned })?;
        sim.place(&Placement::Hand(DVec3::new(at.x, at.y, top - PRESS)))
    }

    fn distance(&self, achieved: &[f32], desired: &[f32]) -> f64 {
        1.0 - achieved
            .iter()
            .zip(desired)
            .map(|(a, b)| (a * b) as f64)
            .sum::<f64>()
    }

    fn success(&self, achieved: &[f32], desired: &[f32]) -> bool {
        self.distance(achieved, desired) < 0.5
    }

    fn metrics(&self, arm: &RobotState, truth: &OracleState, goal: &[f32], info: &mut Info) {
        info.insert(
            crate::info::DIE_FACE.into(),
            InfoValue::Int(face_up(truth) as i64),
        );
        let g = goal.iter().position(|g| *g > 0.5).map_or(0, |i| i + 1);
        info.insert(crate::info::DIE_GOAL_FACE.into(), InfoValue::Int(g as i64));
        info.insert(
            "gel_force".into(),
            InfoValue::Float(arm.contact_force.unwrap_or(0.0)),
        );
    }

    /// Success is the goal face up when the episode ends, not passing over it on the way: a
    /// controller has rolled the die to a face only if it leaves it there. (Ending the episode
    /// on the first touch of the goal credits random play with every face it rolls across.)
    fn terminates(&self) -> bool {
        false
    }

    fn limit_action(
        &self,
        arm: &RobotState,
        spec: &RobotSpec,
        _scene: Option<&SceneGeometry>,
        delta: DVec3,
    ) -> DVec3 {
        let max = spec.max_ee_step;
        let delta = DVec3::new(
            delta.x / max * STEP_XY,
            delta.y / max * STEP_XY,
            delta.z / max * STEP_Z,
        );
        guard_press(arm, delta)
    }
}

/// `delta` with no downward part while the gel presses harder than it may.
pub(crate) fn guard_press(arm: &RobotState, mut delta: DVec3) -> DVec3 {
    if arm.contact_force.is_some_and(|f| f > MAX_PRESS_N) {
        delta.z = delta.z.max(0.0);
    }
    delta
}
