//! byfeel's physics layer: a rapier3d world with a 7-DoF arm (from URDF), a hinged door, a cup
//! and a 20-sided die on a table, stepped on a fixed clock.
//!
//! It knows nothing of rewards, images or learning: it builds worlds from the scene files in
//! `assets/`, steps them deterministically, snapshots and restores them, and reads out the state
//! (joints, end effector, door angle, cup pose, die faces).
//!
//! ```no_run
//! use byfeel_sim::{World, Randomization};
//! let mut world = World::from_scene_file("assets/scenes/die.toml", Randomization::Seeded(7))?;
//! let hold = world.home_joints().to_vec();
//! for _ in 0..10 {
//!     world.step(&hold)?;
//! }
//! println!("face up: {}", world.die_readout().unwrap().face_up);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod arm;
pub mod d20;
pub mod description;
pub mod door;
mod error;
pub mod kinematics;
pub mod objects;
mod physics;
pub mod scene;
mod world;

pub use arm::Arm;
pub use d20::D20;
pub use description::RobotDescription;
pub use error::{AssetError, SimError};
pub use kinematics::{Frame, IkOptions, IkSolution, KinematicChain};
pub use physics::Physics;
pub use scene::{HandleKind, HingeSide, Param, SceneConfig, TimingConfig};
pub use door::{Door, DoorColours, Lever};
pub use world::{DieReadout, HOOK_PRONG, Light, Randomization, Snapshot, World};

pub use rapier3d;

static ASSETS: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Where the assets are when `$BYFEEL_ASSETS` is not set, for a program that ships its own
/// copy (the Python package calls this at import with the copy inside the wheel). The first
/// call wins; returns whether it did.
pub fn set_assets_dir(dir: impl Into<std::path::PathBuf>) -> bool {
    ASSETS.set(dir.into()).is_ok()
}

/// The directory holding byfeel's bundled assets (robots, scenes, shipped models), the first
/// of: `$BYFEEL_ASSETS`; the directory given to [`set_assets_dir`]; `assets/` next to the
/// running executable; the `assets/` folder of the source tree this was built from.
pub fn assets_dir() -> std::path::PathBuf {
    if let Some(dir) = std::env::var_os("BYFEEL_ASSETS") {
        return dir.into();
    }
    if let Some(dir) = ASSETS.get() {
        return dir.clone();
    }
    let next_to_exe = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join("assets")))
        .filter(|d| d.join("scenes").is_dir());
    next_to_exe.unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets"))
}

/// Path of a bundled scene file by short name: `door`, `cup` or `die`.
pub fn scene_path(name: &str) -> std::path::PathBuf {
    assets_dir().join("scenes").join(format!("{name}.toml"))
}
