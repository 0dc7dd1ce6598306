//! CupPush (Visual Foresight): push the cup to where the goal image shows it.
//!
//! As in Visual Foresight's pushing, the arm moves in a plane just above the table: actions
//! move the hand in x and y, and the task holds the gel at pushing height (`PUSH_Z`); the
//! third action number is ignored. Episodes start with the finger near the cup, so random play
//! pushes it (from the arm's home, 25 cm up, random play moved the cup in 0.1 % of episodes).

use super::{Info, InfoValue, TaskLogic, l2};
use crate::{OracleState, Placement, RobotError, RobotSpec, RobotState, SceneGeometry, Simulator};
use glam::DVec3;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::f64::consts::FRAC_PI_2;

pub(super) struct CupPush;

/// Where cups start and goals lie on the table (the scene's own placement range).
const X: (f64, f64) = (0.55, 0.70);
const Y: (f64, f64) = (-0.10, 0.10);
const MIN_PUSH: f64 = 0.05;
const SUCCESS_DISTANCE: f64 = 0.03;
/// The gel's height while pushing: the finger meets the cup low, where it slides rather than
/// tips (the scene's cup tips when pushed above ~6 cm).
pub(super) const PUSH_Z: f64 = 0.03;
/// The hand starts this far (m) from the cup's axis, on its far (+x) side or beside it, so
/// that the hook, 12 cm ahead of the finger along +x, starts clear of the cup.
const START_DISTANCE: (f64, f64) = (0.06, 0.09);
/// Half the finger's thickness (its collision box is 2 × 3 cm).
pub(super) const FINGER_HALF_WIDTH: f64 = 0.015;

/// Where the cup stands now (x, y).
fn cup_at(truth: &OracleState) -> Vec<f32> {
    let p = truth.cup_position.unwrap_or_default();
    vec![p.x as f32, p.y as f32]
}

impl TaskLogic for CupPush {
    /// Hand xyz, cup xy.
    fn state(&self, arm: &RobotState, truth: &OracleState) -> Vec<f32> {
        let h = arm.ee_position;
        let c = cup_at(truth);
        vec![h.x as f32, h.y as f32, h.z as f32, c[0], c[1]]
    }

    /// Goal space: cup xy.
    fn achieved(&self, _arm: &RobotState, truth: &OracleState) -> Vec<f32> {
        cup_at(truth)
    }

    fn reset(
        &self,
        sim: &mut dyn Simulator,
        rng: &mut ChaCha8Rng,
        hard: bool,
    ) -> Result<Vec<f32>, RobotError> {
        if hard {
            let (x, y) = (rng.random_range(X.0..=X.1), rng.random_range(Y.0..=Y.1));
            sim.place(&Placement::Cup { x, y })?;
            let side = rng.random_range(-FRAC_PI_2..=FRAC_PI_2);
            let d = rng.random_range(START_DISTANCE.0..=START_DISTANCE.1);
            let hand = DVec3::new(x + d * side.cos(), y + d * side.sin(), PUSH_Z);
            sim.place(&Placement::Hand(hand))?;
        }
        let start = cup_at(&sim.truth());
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

    /// The cup at the goal, and the finger where a push to it ends: against the cup on the side
    /// it was pushed from. A camera goal image shows the arm too, and the arm covers more of
    /// the picture than the cup: with the arm left where the episode starts, the pixel distance
    /// to the goal picture followed the hand's displacement (correlation 0.57 over random play)
    /// and not the cup's distance to the goal (0.08), so a planner matching the picture kept
    /// the arm still. (The hook clears the cup from every side: its bar passes over the cup's
    /// top and its prong lands beyond the cup's far side.)
    fn pose_goal(&self, sim: &mut dyn Simulator, goal: &[f32]) -> Result<(), RobotError> {
        let start = cup_at(&sim.truth());
        let (gx, gy) = (goal[0] as f64, goal[1] as f64);
        let radius = sim.geometry().cup_radius.unwrap_or(0.04);
        let (dx, dy) = (gx - start[0] as f64, gy - start[1] as f64);
        let len = dx.hypot(dy);
        sim.place(&Placement::Cup { x: gx, y: gy })?;
        // A goal where the cup already is needs no push: the hand stays where it is, so the
        // picture is the observation (and the finger is never drawn inside the cup).
        if len < 1e-3 {
            return Ok(());
        }
        let back = radius + FINGER_HALF_WIDTH + 0.005;
        let hand = DVec3::new(gx - dx / len * back, gy - dy / len * back, PUSH_Z);
        sim.place(&Placement::Hand(hand))
    }

    fn distance(&self, achieved: &[f32], desired: &[f32]) -> f64 {
        l2(achieved, desired)
    }

    fn success(&self, achieved: &[f32], desired: &[f32]) -> bool {
        l2(achieved, desired) < SUCCESS_DISTANCE
    }

    /// Planar: x and y as asked, z back to pushing height.
    fn limit_action(
        &self,
        arm: &RobotState,
        spec: &RobotSpec,
        _scene: Option<&SceneGeometry>,
        delta: DVec3,
    ) -> DVec3 {
        let max = spec.max_ee_step;
        DVec3::new(delta.x, delta.y, (PUSH_Z - arm.ee_position.z).clamp(-max, max))
    }

    fn metrics(&self, _arm: &RobotState, truth: &OracleState, goal: &[f32], info: &mut Info) {
        info.insert(
            crate::info::CUP_DISTANCE.into(),
            InfoValue::Float(l2(&cup_at(truth), goal)),
        );
        let tilt = truth.cup_tilt.unwrap_or(0.0);
        info.insert(crate::info::CUP_TILT.into(), InfoValue::Float(tilt));
    }
}
