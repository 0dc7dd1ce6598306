//! The names of `info`'s entries, written once, and readers that fail loudly when an entry a
//! caller relies on is missing or of another type (a missing metric must not read as NaN).

use crate::env::{Info, InfoValue};

/// Whether the step reached the goal (every task).
pub const IS_SUCCESS: &str = "is_success";
/// Hand steps a roll action took (DieRoll with roll actions).
pub const HAND_STEPS: &str = "hand_steps";
/// Distance to the goal in the task's goal space (every task).
pub const GOAL_DISTANCE: &str = "oracle_goal_distance";
/// Distance from the hand to where the goal wants it, m (Reach, DoorOpen).
pub const HAND_DISTANCE: &str = "oracle_hand_distance";
/// The door's angle, rad.
pub const DOOR_ANGLE: &str = "oracle_door_angle";
/// The goal's door angle, rad.
pub const GOAL_DOOR_ANGLE: &str = "oracle_goal_door_angle";
/// |door angle − goal angle|, rad.
pub const DOOR_ANGLE_ERROR: &str = "oracle_door_angle_error";
/// The cup's distance from its goal, m.
pub const CUP_DISTANCE: &str = "oracle_cup_distance";
/// The cup's tilt from upright, rad.
pub const CUP_TILT: &str = "oracle_cup_tilt";
/// The die's face up (1–20).
pub const DIE_FACE: &str = "oracle_die_face";
/// The goal's face (1–20).
pub const DIE_GOAL_FACE: &str = "oracle_die_goal_face";

/// An `info` entry that is missing or not of the type asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingInfo {
    /// The entry's key.
    pub key: &'static str,
    /// The type asked for: "float", "integer" or "bool".
    pub wanted: &'static str,
    /// The value found under the key, printed; `None` if the key was absent.
    pub found: Option<String>,
}

impl std::fmt::Display for MissingInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.found {
            None => write!(f, "info has no {:?} (a {} was expected)", self.key, self.wanted),
            Some(v) => write!(f, "info {:?} is {v}, not a {}", self.key, self.wanted),
        }
    }
}

impl std::error::Error for MissingInfo {}

fn read<T>(
    info: &Info,
    key: &'static str,
    wanted: &'static str,
    pick: impl Fn(&InfoValue) -> Option<T>,
) -> Result<T, MissingInfo> {
    let value = info.get(key);
    value.and_then(pick).ok_or_else(|| MissingInfo {
        key,
        wanted,
        found: value.map(|v| format!("{v:?}")),
    })
}

/// The float under `key`.
pub fn float(info: &Info, key: &'static str) -> Result<f64, MissingInfo> {
    read(info, key, "float", |v| match v {
        InfoValue::Float(x) => Some(*x),
        _ => None,
    })
}

/// The integer under `key`.
pub fn int(info: &Info, key: &'static str) -> Result<i64, MissingInfo> {
    read(info, key, "integer", |v| match v {
        InfoValue::Int(x) => Some(*x),
        _ => None,
    })
}

/// `is_success`, which every task's step reports.
pub fn success(info: &Info) -> Result<bool, MissingInfo> {
    read(info, IS_SUCCESS, "bool", |v| match v {
        InfoValue::Bool(x) => Some(*x),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_mistyped_entry_is_an_error_naming_it() {
        let mut info = Info::new();
        info.insert(DOOR_ANGLE.into(), InfoValue::Float(0.25));
        info.insert(DIE_FACE.into(), InfoValue::Int(7));
        assert_eq!(float(&info, DOOR_ANGLE), Ok(0.25));
        assert_eq!(int(&info, DIE_FACE), Ok(7));
        let e = float(&info, HAND_DISTANCE).unwrap_err();
        assert!(e.to_string().contains("oracle_hand_distance"), "{e}");
        let e = float(&info, DIE_FACE).unwrap_err();
        assert!(e.to_string().contains("Int(7)"), "{e}");
        assert!(success(&info).is_err());
    }
}
