//! Pictures of success, for reward from examples (VICE): the task's camera on the scene as it
//! looks when the task is done, varied within what counts as done. They stand in for the photos
//! a user would take of a real arm; an agent trained on them sees only the pictures.

use byfeel_sim::Randomization;
use glam::DVec3;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{cup, door};
use crate::{EnvError, Placement, Robot, SensorKind, SimRobot, Simulator};

/// What success looks like.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Success {
    /// The door open to this angle (rad), give or take `tolerance`, the hand on its handle.
    DoorAngle {
        /// The angle, rad.
        angle: f64,
        /// Pictures spread over `angle ± tolerance`.
        tolerance: f64,
    },
    /// The cup within `radius` (m) of `(x, y)`, the finger against it.
    CupAt {
        /// The region's centre, m.
        x: f64,
        /// The region's centre, m.
        y: f64,
        /// The region's radius, m.
        radius: f64,
    },
}

/// How near the door's angle must come to a [`Success::DoorAngle`] for success, rad.
pub const DOOR_SUCCESS_RAD: f64 = 0.1;

impl Success {
    /// Whether the simulator's truth shows this success: the door within
    /// [`DOOR_SUCCESS_RAD`] of its angle, the cup inside its region. For evaluation only.
    pub fn holds(&self, truth: &crate::OracleState) -> bool {
        match *self {
            Success::DoorAngle { angle, .. } => truth
                .door_angle
                .is_some_and(|a| (a - angle).abs() <= DOOR_SUCCESS_RAD),
            Success::CupAt { x, y, radius } => truth
                .cup_position
                .is_some_and(|p| (p.x - x).hypot(p.y - y) <= radius),
        }
    }

    /// How far the simulator's truth is from this success: the door's angle from its angle
    /// (rad), the cup from the region's centre (m). For evaluation only.
    pub fn distance(&self, truth: &crate::OracleState) -> Option<f64> {
        match *self {
            Success::DoorAngle { angle, .. } => truth.door_angle.map(|a| (a - angle).abs()),
            Success::CupAt { x, y, .. } => truth.cup_position.map(|p| (p.x - x).hypot(p.y - y)),
        }
    }

    /// The task whose success this is: the door opened, the cup pushed.
    pub fn task(&self) -> super::Task {
        match self {
            Success::DoorAngle { .. } => super::Task::DoorOpen,
            Success::CupAt { .. } => super::Task::CupPush,
        }
    }

    /// The scene the pictures are taken in.
    pub fn scene(&self) -> &'static str {
        match self {
            Success::DoorAngle { .. } => "door",
            Success::CupAt { .. } => "cup",
        }
    }
}

/// `count` pictures of `success` from the scene's task camera, `side` × `side` RGB, drawn from
/// `seed`. A success the scene cannot show (an angle past the door's stop, a cup off the table)
/// is refused by name.
pub fn success_pictures(
    success: &Success,
    count: usize,
    side: u32,
    seed: u64,
) -> Result<Vec<Vec<u8>>, EnvError> {
    let (mut arm, camera) = posing_arm(success, side)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut pictures = Vec::with_capacity(count);
    for _ in 0..count {
        pose(&mut arm, success, &mut rng)?;
        pictures.push(arm.read_sensor(&camera)?.rgb);
    }
    Ok(pictures)
}

/// Pictures that tell what a success classifier rewards, each with what it shows: success
/// itself; the arm posed as at success with the task undone (the door shut, the cup
/// elsewhere), which a classifier that learned the arm rather than the door or cup rates high;
/// the task done with the arm away at home; and the task undone with the arm at home.
pub fn probe_pictures(
    success: &Success,
    side: u32,
) -> Result<Vec<(&'static str, Vec<u8>)>, EnvError> {
    let (mut arm, camera) = posing_arm(success, side)?;
    let scene = arm.geometry();
    let (done, undone, at_success): (Placement, Placement, DVec3) = match *success {
        Success::DoorAngle { angle, .. } => (
            Placement::DoorAngle(angle),
            Placement::DoorAngle(0.0),
            door::goal_hand(&scene, angle),
        ),
        Success::CupAt { x, y, .. } => {
            let back = scene.cup_radius.unwrap_or(0.04) + cup::FINGER_HALF_WIDTH + 0.005;
            // Elsewhere: 12 cm across the table from the goal, within the workspace.
            let ws = scene.workspace;
            let away = if y > (ws.min.y + ws.max.y) / 2.0 {
                y - 0.12
            } else {
                y + 0.12
            };
            (
                Placement::Cup { x, y },
                Placement::Cup { x, y: away },
                DVec3::new(x - back, y, cup::PUSH_Z),
            )
        }
    };
    let shoot =
        |arm: &mut SimRobot, task: &Placement, hand: Option<DVec3>| -> Result<Vec<u8>, EnvError> {
            arm.home()?;
            arm.place(task)?;
            if let Some(h) = hand {
                arm.place(&Placement::Hand(h))?;
            }
            Ok(arm.read_sensor(&camera)?.rgb)
        };
    Ok(vec![
        (
            "success: the task done, the arm as in the pictures",
            shoot(&mut arm, &done, Some(at_success))?,
        ),
        (
            "the arm as in the pictures, the task undone",
            shoot(&mut arm, &undone, Some(at_success))?,
        ),
        (
            "the task done, the arm at home",
            shoot(&mut arm, &done, None)?,
        ),
        (
            "the task undone, the arm at home",
            shoot(&mut arm, &undone, None)?,
        ),
    ])
}

/// A nominal arm in the scene `success` is pictured in, and the name of its task camera, set
/// to `side` × `side` pixels.
fn posing_arm(success: &Success, side: u32) -> Result<(SimRobot, String), EnvError> {
    let mut arm = SimRobot::from_scene(success.scene(), Randomization::Nominal)
        .map_err(|e| EnvError::Setup(e.to_string()))?;
    let camera = arm
        .spec()
        .sensors
        .iter()
        .find(|s| s.kind == SensorKind::Camera)
        .map(|s| s.name.clone())
        .ok_or_else(|| EnvError::Setup(format!("the {} scene has no camera", success.scene())))?;
    arm.set_sensor_size(&camera, side, side)?;
    Ok((arm, camera))
}

fn pose(arm: &mut SimRobot, success: &Success, rng: &mut ChaCha8Rng) -> Result<(), EnvError> {
    let scene = arm.geometry();
    match *success {
        Success::DoorAngle { angle, tolerance } => {
            let max = scene.door.as_ref().map_or(0.0, |d| d.max_angle);
            if !(0.0..=max).contains(&angle) || !(tolerance >= 0.0) {
                return Err(EnvError::Setup(format!(
                    "door angle {angle} ± {tolerance}: the door opens from 0 to {max:.2} rad"
                )));
            }
            let a = (angle + rng.random_range(-1.0..=1.0) * tolerance).clamp(0.0, max);
            arm.place(&Placement::DoorAngle(a))?;
            arm.place(&Placement::Hand(door::goal_hand(&scene, a)))?;
        }
        Success::CupAt { x, y, radius } => {
            let ws = scene.workspace;
            if !(radius >= 0.0) || x < ws.min.x || x > ws.max.x || y < ws.min.y || y > ws.max.y {
                return Err(EnvError::Setup(format!(
                    "cup at ({x}, {y}) ± {radius} m: the region must lie on the table, x {:.2} to \
                     {:.2}, y {:.2} to {:.2}",
                    ws.min.x, ws.max.x, ws.min.y, ws.max.y
                )));
            }
            let (r, t) = (
                radius * rng.random::<f64>().sqrt(),
                rng.random_range(0.0..std::f64::consts::TAU),
            );
            let (cx, cy) = (x + r * t.cos(), y + r * t.sin());
            arm.place(&Placement::Cup { x: cx, y: cy })?;
            // The finger against the cup, on a side a push toward +x would have come from.
            let side = rng.random_range(-std::f64::consts::FRAC_PI_2..=std::f64::consts::FRAC_PI_2);
            let back = scene.cup_radius.unwrap_or(0.04) + cup::FINGER_HALF_WIDTH + 0.005;
            let hand = DVec3::new(cx - back * side.cos(), cy - back * side.sin(), cup::PUSH_Z);
            arm.place(&Placement::Hand(hand))?;
        }
    }
    Ok(())
}
