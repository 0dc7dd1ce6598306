//! What only a simulator can do: rebuild its scene, place things in it (to start an episode,
//! or to pose a goal for its picture), and tell the truth about it (the oracle).
//!
//! Tasks run over any [`Robot`](crate::Robot) and use these privileges only where
//! [`Robot::simulator`](crate::Robot::simulator) offers them. Every operation takes and gives
//! plain data, so a simulator behind a network connection can offer them too.

use glam::{DQuat, DVec3};

use crate::oracle::OracleState;
use crate::robot::{RobotError, Workspace};

pub use byfeel_sim::Randomization;

/// A change to the scene that no motion makes: a reset's set-up, or a goal posed for its
/// picture.
#[derive(Debug, Clone, PartialEq)]
pub enum Placement {
    /// The hand at this point (metres, world frame), tool down, held there.
    Hand(DVec3),
    /// The door at this hinge angle (rad), at rest.
    DoorAngle(f64),
    /// The cup upright at rest at (x, y) on the table.
    Cup {
        /// World x of the cup's bottom centre, metres.
        x: f64,
        /// World y of the cup's bottom centre, metres.
        y: f64,
    },
    /// The die at rest at (x, y) on the table with `face` up, turned `yaw` about the vertical.
    Die {
        /// World x of the die's centre, metres.
        x: f64,
        /// World y of the die's centre, metres.
        y: f64,
        /// The number on the face up, 1 to 20.
        face: u8,
        /// Turn about the vertical, rad.
        yaw: f64,
    },
    /// The die at rest at (x, y) on the table, turned by `rotation` (which should leave a face
    /// flat on the table).
    DieTurned {
        /// World x of the die's centre, metres.
        x: f64,
        /// World y of the die's centre, metres.
        y: f64,
        /// The die's orientation in the world frame.
        rotation: DQuat,
    },
}

/// The door's fixed geometry (drawn once per scene build).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DoorGeometry {
    /// A point on the hinge axis at table height, world frame.
    pub hinge: DVec3,
    /// The middle of the handle (a bar's or lever's middle, a knob's head), in the hinge's
    /// frame with the door shut.
    pub handle_center: DVec3,
    /// Where a hook's prong holds the handle (between it and the door's face; beside a knob's
    /// stem), in the hinge's frame with the door shut.
    pub slot: DVec3,
    /// +1 for a door hinged on the right (seen from the robot), −1 on the left: the door turns
    /// by `side × angle` about z as it opens.
    pub side: f64,
    /// The widest the door opens, rad.
    pub max_angle: f64,
    /// What the hook pulls: a bar, a lever (pressed down first) or a knob.
    pub handle: byfeel_sim::HandleKind,
}

impl DoorGeometry {
    /// World position of the handle's slot were the door at `angle`: where a hook's prong
    /// holds the door there.
    pub fn slot_position(&self, angle: f64) -> DVec3 {
        self.hinge + DQuat::from_rotation_z(self.side * angle) * self.slot
    }
}

/// The scene's fixed geometry that tasks plan resets, goals and action limits with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SceneGeometry {
    /// The box the scene lets the hand move in.
    pub workspace: Workspace,
    /// Height of the table top, metres.
    pub table_top: f64,
    /// The door, if the scene has one.
    pub door: Option<DoorGeometry>,
    /// The cup's radius, metres, if the scene has a cup.
    pub cup_radius: Option<f64>,
    /// The die's circumradius, metres, if the scene has a die.
    pub die_circumradius: Option<f64>,
}

/// A simulator's privileges over its scene; see the module documentation.
pub trait Simulator {
    /// The scene built afresh (objects where the scene file puts them, the arm at home, the
    /// clock at zero), nominal or with its ranges drawn from a seed.
    fn rebuild(&mut self, randomization: Randomization) -> Result<(), RobotError>;
    /// Makes `placement` true at once; the arm then holds where it is.
    fn place(&mut self, placement: &Placement) -> Result<(), RobotError>;
    /// Ground truth about the scene now.
    fn truth(&self) -> OracleState;
    /// The scene's fixed geometry.
    fn geometry(&self) -> SceneGeometry;
    /// Saves the whole simulated state on a stack, for [`Simulator::restore`].
    fn save(&mut self) -> Result<(), RobotError>;
    /// Puts back the state last saved (and takes it off the stack).
    fn restore(&mut self) -> Result<(), RobotError>;
}
