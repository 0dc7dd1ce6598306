//! Oracle state: what the simulator knows and a real robot would not (door angle, cup pose, die
//! face). For evaluation and dense rewards in simulation only; agents must not learn from it.

use glam::{DQuat, DVec3};

/// Ground truth about the objects in the scene at one moment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OracleState {
    /// Simulated seconds.
    pub time: f64,
    /// Door hinge angle (rad), 0 = shut.
    pub door_angle: Option<f64>,
    /// World position of the middle of the door handle's bar.
    pub door_handle: Option<DVec3>,
    /// Cup bottom-centre position and orientation.
    pub cup_position: Option<DVec3>,
    /// Cup orientation in the world frame.
    pub cup_orientation: Option<DQuat>,
    /// Cup tilt from upright (rad).
    pub cup_tilt: Option<f64>,
    /// Die centre position.
    pub die_position: Option<DVec3>,
    /// Die orientation in the world frame.
    pub die_orientation: Option<DQuat>,
    /// Number on the die face pointing up.
    pub die_face_up: Option<u8>,
    /// Number on the die face pressed against the gel, when the gel touches the die.
    pub die_face_on_gel: Option<u8>,
    /// True if the gel pad touches anything.
    pub gel_in_contact: bool,
}

/// A robot backend that can report ground truth (simulators).
pub trait Oracle {
    /// Ground truth about the scene now.
    fn oracle(&self) -> OracleState;
}
