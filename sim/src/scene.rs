//! Scene files: what is on the table, with ranges for randomisation.
//!
//! A scene is a TOML file in `assets/scenes/` (see the README there). Any number may be given as a
//! fixed value (`damping = 0.1`) or as a range sampled on each randomised build
//! (`damping = { min = 0.05, max = 0.2 }`). Paths inside a scene are relative to the scene file.

mod door;

pub use door::{Choice, DoorConfig, HandleConfig, HandleKind, HingeSide};

use crate::AssetError;
use door::check_door;
use rand::Rng;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A number that is either fixed or drawn uniformly from `[min, max]` when the scene is randomised.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Param {
    Value(f64),
    Range { min: f64, max: f64 },
}

impl Param {
    /// The value for an unrandomised build: the fixed value, or the middle of the range.
    pub fn nominal(&self) -> f64 {
        match *self {
            Param::Value(v) => v,
            Param::Range { min, max } => 0.5 * (min + max),
        }
    }

    /// Draws a value: fixed values stay fixed, ranges are sampled uniformly.
    pub fn sample(&self, rng: &mut impl Rng) -> f64 {
        match *self {
            Param::Value(v) => v,
            Param::Range { min, max } if max > min => rng.random_range(min..=max),
            Param::Range { min, .. } => min,
        }
    }

    fn bounds(&self) -> (f64, f64) {
        match *self {
            Param::Value(v) => (v, v),
            Param::Range { min, max } => (min, max),
        }
    }
}

impl From<f64> for Param {
    fn from(v: f64) -> Self {
        Param::Value(v)
    }
}

/// The whole scene file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneConfig {
    /// Short name (`door`, `cup`, `die`).
    pub name: String,
    pub robot: RobotConfig,
    #[serde(default)]
    pub timing: TimingConfig,
    pub table: TableConfig,
    pub door: Option<DoorConfig>,
    pub cup: Option<CupConfig>,
    pub die: Option<DieConfig>,
    /// Named cameras; the renderer draws them.
    #[serde(default, rename = "camera")]
    pub cameras: Vec<CameraConfig>,
    /// The key light; absent: the renderer's.
    pub light: Option<LightConfig>,
}

/// The scene's key light, for cameras (the gel has its own lights).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LightConfig {
    /// Toward the light, world frame (any length; numbers or ranges per axis).
    pub direction: [Param; 3],
    /// How bright, 1 the renderer's own.
    pub intensity: Param,
}

/// The arm: which URDF, where it stands, how it is controlled.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RobotConfig {
    /// URDF file, relative to the scene file.
    pub urdf: PathBuf,
    /// Mesh directory for the URDF, relative to the scene file (default: the URDF's directory).
    pub mesh_dir: Option<PathBuf>,
    /// Link whose origin is the end effector (the gel surface for byfeel's tool).
    pub ee_link: String,
    /// Link carrying the gel pad (used for tactile readouts and grippy friction).
    pub gel_link: Option<String>,
    /// Where the root link of the URDF stands in the world (metres).
    #[serde(default)]
    pub base_position: [f64; 3],
    /// End-effector position the arm starts at and returns to on `home()`; solved by IK with the
    /// tool pointing down. Give this or `home_joints`.
    pub home_position: Option<[f64; 3]>,
    /// Joint positions to start at instead, for arms that cannot point a tool down; end-effector
    /// commands then hold the tool orientation of this posture.
    pub home_joints: Option<Vec<f64>>,
    /// Posture IK starts from and prefers among equivalent solutions (default: mid-range).
    pub rest_joints: Option<Vec<f64>>,
    /// The box end-effector targets are clipped to.
    pub workspace_min: [f64; 3],
    pub workspace_max: [f64; 3],
    /// Largest end-effector motion per control step, per axis (metres).
    #[serde(default = "default_max_ee_step")]
    pub max_ee_step: f64,
    /// Joint motor gains, mass-independent (acceleration per radian of error, per rad/s).
    #[serde(default = "default_motor_stiffness")]
    pub motor_stiffness: f64,
    #[serde(default = "default_motor_damping")]
    pub motor_damping: f64,
    /// Friction coefficient of the arm's surfaces; the gel pad has its own.
    #[serde(default = "default_arm_friction")]
    pub friction: f64,
    #[serde(default = "default_gel_friction")]
    pub gel_friction: f64,
}

fn default_max_ee_step() -> f64 {
    0.02
}
fn default_motor_stiffness() -> f64 {
    2500.0
}
fn default_motor_damping() -> f64 {
    100.0
}
fn default_arm_friction() -> f64 {
    0.5
}
fn default_gel_friction() -> f64 {
    1.5
}

/// The fixed-step clock: one control step is `substeps` physics steps.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimingConfig {
    /// Seconds of simulated time per control step.
    pub control_dt: f64,
    /// Physics steps per control step.
    pub substeps: u32,
}

impl Default for TimingConfig {
    fn default() -> Self {
        Self {
            control_dt: 0.1,
            substeps: 20,
        }
    }
}

impl TimingConfig {
    /// Seconds of simulated time per physics step.
    pub fn physics_dt(&self) -> f64 {
        self.control_dt / self.substeps as f64
    }
}

/// A fixed table whose top surface is at `top_height`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableConfig {
    /// Centre of the table top in x, y (metres).
    pub center: [f64; 2],
    pub top_height: f64,
    /// Full size x, y, thickness (metres).
    pub size: [f64; 3],
    pub friction: Param,
}

/// A cup standing on the table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CupConfig {
    pub position: [Param; 2],
    pub radius: f64,
    pub height: f64,
    pub mass: Param,
    pub friction: Param,
    /// Height of the centre of mass as a fraction of the cup height (a cup is bottom-heavy).
    pub com_fraction: f64,
}

/// A regular icosahedron die (d20) resting on the table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DieConfig {
    pub position: [Param; 2],
    /// Distance from the centre to a vertex (metres).
    pub circumradius: f64,
    pub mass: f64,
    pub friction: Param,
    pub restitution: f64,
    /// Face up at the start (1-20); drawn at random when randomised if absent.
    pub face_up: Option<u8>,
}

/// A camera looking at the scene.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CameraConfig {
    pub name: String,
    pub position: [f64; 3],
    pub look_at: [f64; 3],
    #[serde(default = "default_up")]
    pub up: [f64; 3],
    pub fov_deg: f64,
    pub width: u32,
    pub height: u32,
}

fn default_up() -> [f64; 3] {
    [0.0, 0.0, 1.0]
}

impl SceneConfig {
    /// Reads and checks a scene file. Errors name the file, the element and the problem.
    pub fn from_file(path: impl AsRef<Path>) -> Result<(Self, PathBuf), AssetError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| AssetError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        let config = Self::from_toml(&text, path)?;
        let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        Ok((config, dir))
    }

    /// Parses scene TOML; `file` is only used to name the source in errors.
    pub fn from_toml(text: &str, file: &Path) -> Result<Self, AssetError> {
        let config: SceneConfig = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
        config.validate(file)?;
        Ok(config)
    }

    fn validate(&self, file: &Path) -> Result<(), AssetError> {
        let mut v = Checker { file, err: None };
        check_robot(&mut v, &self.robot);
        v.positive("timing.control_dt", self.timing.control_dt);
        if self.timing.substeps == 0 {
            v.fail("timing.substeps", "must be at least 1".into());
        }
        v.finite("table.top_height", self.table.top_height);
        for (i, s) in self.table.size.iter().enumerate() {
            v.positive(&format!("table.size[{i}]"), *s);
        }
        v.param("table.friction", &self.table.friction, 0.0);
        if let Some(d) = &self.door {
            check_door(&mut v, d);
        }
        if let Some(c) = &self.cup {
            check_cup(&mut v, c);
        }
        if let Some(d) = &self.die {
            check_die(&mut v, d);
        }
        for (i, c) in self.cameras.iter().enumerate() {
            check_camera(&mut v, i, c);
        }
        if let Some(l) = &self.light {
            for (i, p) in l.direction.iter().enumerate() {
                v.param(&format!("light.direction[{i}]"), p, f64::NEG_INFINITY);
            }
            if l.direction[2].bounds().0 <= 0.0 {
                v.fail("light.direction[2]", "the light must be above the table (z > 0)".into());
            }
            v.param("light.intensity", &l.intensity, 0.0);
        }
        match v.err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
/// The arm's placement, home, workspace box, step limit, motors and friction.
fn check_robot(v: &mut Checker<'_>, r: &RobotConfig) {
    v.finite3("robot.base_position", &r.base_position);
    match (&r.home_position, &r.home_joints) {
        (Some(p), None) => v.finite3("robot.home_position", p),
        (None, Some(q)) => {
            if q.iter().any(|x| !x.is_finite()) {
                v.fail(
                    "robot.home_joints",
                    format!("must be finite numbers, got {q:?}"),
                );
            }
        }
        _ => v.fail(
            "robot",
            "give exactly one of home_position and home_joints".into(),
        ),
    }
    v.finite3("robot.workspace_min", &r.workspace_min);
    v.finite3("robot.workspace_max", &r.workspace_max);
    for i in 0..3 {
        if r.workspace_min[i] >= r.workspace_max[i] {
            v.fail(
                "robot.workspace_min",
                format!(
                    "must be below workspace_max on every axis (axis {i}: {} >= {})",
                    r.workspace_min[i], r.workspace_max[i]
                ),
            );
        }
    }
    v.positive("robot.max_ee_step", r.max_ee_step);
    v.positive("robot.motor_stiffness", r.motor_stiffness);
    v.non_negative("robot.motor_damping", r.motor_damping);
    v.non_negative("robot.friction", r.friction);
    v.non_negative("robot.gel_friction", r.gel_friction);
}

/// The cup's place, size, mass, friction and centre of mass.
fn check_cup(v: &mut Checker<'_>, c: &CupConfig) {
    v.param("cup.position[0]", &c.position[0], f64::NEG_INFINITY);
    v.param("cup.position[1]", &c.position[1], f64::NEG_INFINITY);
    v.positive("cup.radius", c.radius);
    v.positive("cup.height", c.height);
    v.param("cup.mass", &c.mass, 1e-6);
    v.param("cup.friction", &c.friction, 0.0);
    if !(c.com_fraction > 0.0 && c.com_fraction < 1.0) {
        v.fail(
            "cup.com_fraction",
            format!("must be in (0, 1), got {}", c.com_fraction),
        );
    }
}

/// The die's place, size, mass, friction, bounce and face up.
fn check_die(v: &mut Checker<'_>, d: &DieConfig) {
    v.param("die.position[0]", &d.position[0], f64::NEG_INFINITY);
    v.param("die.position[1]", &d.position[1], f64::NEG_INFINITY);
    v.positive("die.circumradius", d.circumradius);
    v.positive("die.mass", d.mass);
    v.param("die.friction", &d.friction, 0.0);
    v.non_negative("die.restitution", d.restitution);
    if let Some(f) = d.face_up
        && !(1..=20).contains(&f)
    {
        v.fail(
            "die.face_up",
            format!("must be a face number 1-20, got {f}"),
        );
    }
}

/// Camera `i`'s pose, field of view and size.
fn check_camera(v: &mut Checker<'_>, i: usize, c: &CameraConfig) {
    let el = format!("camera[{i}] ({})", c.name);
    v.finite3(&format!("{el}.position"), &c.position);
    v.finite3(&format!("{el}.look_at"), &c.look_at);
    if !(c.fov_deg > 0.0 && c.fov_deg < 180.0) {
        v.fail(
            &format!("{el}.fov_deg"),
            format!("must be in (0, 180), got {}", c.fov_deg),
        );
    }
    if c.width == 0 || c.height == 0 {
        v.fail(
            &format!("{el}.width"),
            "width and height must be at least 1".into(),
        );
    }
}

/// Collects the first problem found while checking a scene.
struct Checker<'a> {
    file: &'a Path,
    err: Option<AssetError>,
}

impl Checker<'_> {
    fn fail(&mut self, element: &str, problem: String) {
        if self.err.is_none() {
            self.err = Some(AssetError::invalid(self.file, element, problem));
        }
    }
    fn finite(&mut self, element: &str, x: f64) {
        if !x.is_finite() {
            self.fail(element, format!("must be a finite number, got {x}"));
        }
    }
    fn finite3(&mut self, element: &str, x: &[f64; 3]) {
        if x.iter().any(|v| !v.is_finite()) {
            self.fail(element, format!("must be finite numbers, got {x:?}"));
        }
    }
    fn positive(&mut self, element: &str, x: f64) {
        if !(x.is_finite() && x > 0.0) {
            self.fail(element, format!("must be a positive number, got {x}"));
        }
    }
    fn non_negative(&mut self, element: &str, x: f64) {
        if !(x.is_finite() && x >= 0.0) {
            self.fail(element, format!("must be a number >= 0, got {x}"));
        }
    }
    fn param(&mut self, element: &str, p: &Param, lowest: f64) {
        let (lo, hi) = p.bounds();
        if !lo.is_finite() || !hi.is_finite() {
            self.fail(element, format!("must be finite, got {p:?}"));
        } else if lo > hi {
            self.fail(element, format!("range min {lo} is above max {hi}"));
        } else if lo < lowest {
            self.fail(element, format!("must be at least {lowest}, got {lo}"));
        }
    }
}

/// Turns a TOML error into one that quotes the offending line.
fn toml_error(file: &Path, text: &str, e: &toml::de::Error) -> AssetError {
    let message = e.message().trim().to_string();
    let element = match e.span() {
        Some(span) => {
            let line_no = text[..span.start.min(text.len())].matches('\n').count() + 1;
            let line = text.lines().nth(line_no - 1).unwrap_or("").trim();
            format!("line {line_no} `{line}`")
        }
        None => "document".to_string(),
    };
    AssetError::invalid(file, element, message)
}
