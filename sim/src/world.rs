//! The simulated world: a scene's arm and objects in rapier, advanced on a fixed clock.

use crate::arm::{Arm, ArmSettings};
use crate::description::RobotDescription;
use crate::kinematics::{Frame, IkOptions, KinematicChain};
use crate::door::Door;
use crate::objects::{Cup, Die, Draw, Table, place_body, random_yaw};
use crate::physics::Physics;
use crate::scene::{RobotConfig, SceneConfig, TimingConfig};
use crate::{AssetError, SimError};
use glam::{DQuat, DVec3};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rapier3d::prelude::*;
use std::path::{Path, PathBuf};

/// How the scene's ranges are turned into numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Randomization {
    /// Every range at its middle; the die on the scene's face (or face 20).
    Nominal,
    /// Every range drawn from a generator seeded with this value.
    Seeded(u64),
}

/// What is in contact with the gel pad, and the die's faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DieReadout {
    /// The number on the face pointing up.
    pub face_up: u8,
    /// The number on the face pressed against the gel, if the gel touches the die.
    pub face_on_gel: Option<u8>,
}

/// Clock state that is part of a snapshot.
#[derive(Debug, Clone)]
struct Clock {
    time: f64,
    control_steps: u64,
    joint_targets: Vec<f64>,
}

/// A complete copy of the world's changing state; see [`World::snapshot`].
#[derive(Clone)]
pub struct Snapshot {
    physics: Physics,
    clock: Clock,
}

/// Where the centre of the tool's hook prong sits relative to the end effector (the gel pad's
/// surface) while the tool points down as commands hold it: 12 cm ahead along +x, 4.6 cm up
/// (the hook's geometry is in assets/robots/sawyer/sawyer.urdf and assets/README.md).
pub const HOOK_PRONG: DVec3 = DVec3::new(0.12, 0.0, 0.046);

/// A scene's key light as drawn: the direction toward it (world frame) and its brightness
/// (1 the renderer's own).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Light {
    pub direction: [f64; 3],
    pub intensity: f64,
}

/// A scene in simulation: one arm, a table and the scene's objects.
///
/// ```no_run
/// use byfeel_sim::{World, Randomization};
/// let mut world = World::from_scene_file("assets/scenes/door.toml", Randomization::Nominal)?;
/// let q = world.home_joints().to_vec();
/// world.step(&q)?; // one control step (0.1 s by default) holding the home posture
/// println!("door angle {:.3} rad", world.door_angle().unwrap());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct World {
    pub config: SceneConfig,
    pub timing: TimingConfig,
    pub arm: Arm,
    pub table: Table,
    pub door: Option<Door>,
    pub cup: Option<Cup>,
    pub die: Option<Die>,
    /// The key light drawn for this world, where the scene gives one.
    pub light: Option<Light>,
    physics: Physics,
    pipeline: PhysicsPipeline,
    params: IntegrationParameters,
    gravity: Vector,
    clock: Clock,
    home_joints: Vec<f64>,
    rest_joints: Vec<f64>,
    /// End-effector orientation the arm holds: tool pointing down, hook toward +x.
    pub tool_orientation: DQuat,
}

impl World {
    /// Loads a scene file (and the URDF it names) and builds the world.
    pub fn from_scene_file(
        path: impl AsRef<Path>,
        randomization: Randomization,
    ) -> Result<Self, AssetError> {
        let path = path.as_ref();
        let (config, dir) = SceneConfig::from_file(path)?;
        Self::from_config(config, &dir, path, randomization)
    }

    /// Builds a world from a parsed scene; `dir` resolves relative paths, `file` names errors.
    pub fn from_config(
        config: SceneConfig,
        dir: &Path,
        file: &Path,
        randomization: Randomization,
    ) -> Result<Self, AssetError> {
        let description = robot_description(&config, dir, file)?;

        let mut rng = match randomization {
            Randomization::Nominal => None,
            Randomization::Seeded(seed) => Some(ChaCha8Rng::seed_from_u64(seed)),
        };
        // Drawn first so the sampler below can hold the generator.
        let die_face_yaw = config.die.as_ref().map(|d| match rng.as_mut() {
            Some(r) => (
                d.face_up.unwrap_or_else(|| r.random_range(1..=20)),
                random_yaw(r),
            ),
            None => (d.face_up.unwrap_or(20), 0.0),
        });
        let mut draw = Draw::new(rng);

        let mut physics = Physics::default();
        let r = &config.robot;
        let base = Frame::new(DVec3::from_array(r.base_position), DQuat::IDENTITY);
        let settings = ArmSettings {
            stiffness: r.motor_stiffness,
            damping: r.motor_damping,
            friction: r.friction,
            gel_friction: r.gel_friction,
        };
        let arm = Arm::insert(
            &mut physics,
            description,
            base,
            r.gel_link.as_deref(),
            settings,
        )?;
        let table = Table::insert(&mut physics, &config.table, &mut draw);
        let top = table.top;
        let door = config
            .door
            .as_ref()
            .map(|d| Door::insert(&mut physics, d, top, &mut draw));
        let cup = config
            .cup
            .as_ref()
            .map(|c| Cup::insert(&mut physics, c, top, &mut draw));
        let die = match (&config.die, die_face_yaw) {
            (Some(d), Some((face, yaw))) => {
                Some(Die::insert(&mut physics, d, top, &mut draw, face, yaw))
            }
            _ => None,
        };
        let light = config.light.as_ref().map(|l| Light {
            direction: l.direction.map(|p| draw.param(&p)),
            intensity: draw.param(&l.intensity),
        });

        let chain = &arm.description.chain;
        let rest_joints = rest_joints(r, chain, file)?;
        let (home_joints, tool_orientation) = home(r, chain, base, &rest_joints, file)?;

        let timing = config.timing;
        let mut params = IntegrationParameters::default();
        params.dt = timing.physics_dt() as Real;
        let mut world = Self {
            timing,
            arm,
            table,
            door,
            cup,
            die,
            light,
            physics,
            pipeline: PhysicsPipeline::new(),
            params,
            gravity: Vector::new(0.0, 0.0, -9.81),
            clock: Clock {
                time: 0.0,
                control_steps: 0,
                joint_targets: home_joints.clone(),
            },
            home_joints,
            rest_joints,
            tool_orientation,
            config,
        };
        world.start_at_home();
        Ok(world)
    }

    /// Puts the arm at its home joints with the motors holding them, and the door shut.
    fn start_at_home(&mut self) {
        self.arm
            .teleport(&mut self.physics, &self.home_joints.clone());
        self.arm.set_motor_targets(
            &mut self.physics,
            &self.home_joints,
            &vec![0.0; self.arm.dof()],
        );
        if let Some(door) = &self.door {
            // Places the door's links where its hinge says, so that a picture taken before the
            // first step shows the door where the physics will have it.
            door.teleport(&mut self.physics, 0.0);
        }
        self.sync_colliders();
    }

    /// Advances one control step: the joint motors track targets moving linearly from the last
    /// step's targets to `targets` over `timing.substeps` physics steps.
    ///
    /// A wrong length, a non-finite value or a target outside a joint's limits is refused and
    /// the world is left untouched.
    pub fn step(&mut self, targets: &[f64]) -> Result<(), SimError> {
        self.check_joint_targets(targets)?;
        let n = self.timing.substeps;
        let q0 = self.clock.joint_targets.clone();
        let dt = self.timing.control_dt;
        let velocities: Vec<f64> = targets
            .iter()
            .zip(&q0)
            .map(|(q1, q0)| (q1 - q0) / dt)
            .collect();
        let mut q = vec![0.0; targets.len()];
        for k in 1..=n {
            let s = k as f64 / n as f64;
            for ((qi, a), b) in q.iter_mut().zip(&q0).zip(targets) {
                *qi = a + (b - a) * s;
            }
            self.arm
                .set_motor_targets(&mut self.physics, &q, &velocities);
            if let Some(door) = &self.door {
                door.update_latch(&mut self.physics);
            }
            self.physics
                .step(&mut self.pipeline, self.gravity, &self.params);
        }
        self.clock.joint_targets = targets.to_vec();
        self.clock.control_steps += 1;
        self.clock.time = self.clock.control_steps as f64 * dt;
        Ok(())
    }

    /// Checks joint targets without applying them.
    pub fn check_joint_targets(&self, targets: &[f64]) -> Result<(), SimError> {
        check_limits(&self.arm.description.chain, targets)
    }

    /// Puts the arm at `q` at rest, instantly (a reset, not a motion).
    pub fn set_joint_positions(&mut self, q: &[f64]) -> Result<(), SimError> {
        self.check_joint_targets(q)?;
        self.arm.teleport(&mut self.physics, q);
        self.sync_colliders();
        self.clock.joint_targets = q.to_vec();
        self.arm
            .set_motor_targets(&mut self.physics, q, &vec![0.0; q.len()]);
        Ok(())
    }

    /// Swings the door to `angle` radians (0 shut, up to its maximum), at rest, instantly.
    pub fn set_door_angle(&mut self, angle: f64) -> Result<(), SimError> {
        let door = self
            .door
            .as_ref()
            .ok_or_else(|| SimError::BadPlacement("this scene has no door".into()))?;
        if !angle.is_finite() || angle < 0.0 || angle > door.max_angle + 1e-9 {
            return Err(SimError::BadPlacement(format!(
                "door angle {angle} rad is outside [0, {:.4}]",
                door.max_angle
            )));
        }
        door.teleport(&mut self.physics, angle);
        self.sync_colliders();
        Ok(())
    }

    /// Stands the cup upright at rest with its bottom centre at (x, y) on the table.
    pub fn place_cup(&mut self, x: f64, y: f64) -> Result<(), SimError> {
        let top = self.table.top;
        let cup = self
            .cup
            .as_ref()
            .ok_or_else(|| SimError::BadPlacement("this scene has no cup".into()))?;
        if !(x.is_finite() && y.is_finite()) {
            return Err(SimError::BadPlacement(format!(
                "cup position ({x}, {y}) is not finite"
            )));
        }
        let pose = Frame::new(DVec3::new(x, y, top), DQuat::IDENTITY);
        place_body(&mut self.physics, cup.body, &pose);
        self.sync_colliders();
        Ok(())
    }

    /// Lays the die at rest at (x, y) with `face_up` (1-20) up, turned `yaw` about z.
    pub fn place_die(&mut self, x: f64, y: f64, face_up: u8, yaw: f64) -> Result<(), SimError> {
        let die = self
            .die
            .as_ref()
            .ok_or_else(|| SimError::BadPlacement("this scene has no die".into()))?;
        let rotation = die
            .geometry
            .orientation_with_face_up(face_up, yaw)
            .ok_or_else(|| {
                SimError::BadPlacement(format!("a d20 has no face {face_up}; faces are 1 to 20"))
            })?;
        if !yaw.is_finite() {
            return Err(SimError::BadPlacement(format!(
                "die yaw {yaw} is not finite"
            )));
        }
        self.place_die_turned(x, y, rotation)
    }

    /// Lays the die at rest on the table at (`x`, `y`), turned by `rotation`, which must lay a
    /// face flat (as [`D20::orientation_with_face_up`](crate::D20::orientation_with_face_up)
    /// and [`D20::rolled_up`](crate::D20::rolled_up) give).
    pub fn place_die_turned(&mut self, x: f64, y: f64, rotation: DQuat) -> Result<(), SimError> {
        let top = self.table.top;
        let die = self
            .die
            .as_ref()
            .ok_or_else(|| SimError::BadPlacement("this scene has no die".into()))?;
        if !(x.is_finite() && y.is_finite() && rotation.is_finite()) {
            return Err(SimError::BadPlacement(format!(
                "die position ({x}, {y}) or turn {rotation} is not finite"
            )));
        }
        let up = die.geometry.face_toward(rotation, DVec3::Z);
        let flat = die.geometry.normals[die.geometry.face_index(up).expect("a face")];
        if (rotation * flat).z < 1.0 - 1e-6 {
            return Err(SimError::BadPlacement(format!(
                "turn {rotation} does not lay a face of the die flat"
            )));
        }
        let z = top + die.circumradius * crate::D20::INRADIUS_RATIO + 1e-4;
        place_body(
            &mut self.physics,
            die.body,
            &Frame::new(DVec3::new(x, y, z), rotation),
        );
        self.sync_colliders();
        Ok(())
    }

    /// Moves every collider to its body's pose now, so pictures taken right after a teleport
    /// (no physics step in between) show the new state.
    fn sync_colliders(&mut self) {
        let Physics {
            bodies, colliders, ..
        } = &mut self.physics;
        bodies.propagate_modified_body_positions_to_colliders(colliders);
    }

    /// Simulated seconds since the world was built.
    pub fn time(&self) -> f64 {
        self.clock.time
    }

    /// Control steps taken since the world was built.
    pub fn control_steps(&self) -> u64 {
        self.clock.control_steps
    }

    /// The joint targets the motors are tracking.
    pub fn joint_targets(&self) -> &[f64] {
        &self.clock.joint_targets
    }

    /// The joint posture that puts the end effector at the scene's home position, tool down.
    pub fn home_joints(&self) -> &[f64] {
        &self.home_joints
    }

    /// The posture IK prefers among equivalent solutions.
    pub fn rest_joints(&self) -> &[f64] {
        &self.rest_joints
    }

    pub fn joint_positions(&self) -> Vec<f64> {
        self.arm.joint_positions(&self.physics)
    }

    pub fn joint_velocities(&self) -> Vec<f64> {
        self.arm.joint_velocities(&self.physics)
    }

    /// End-effector frame in the world, as simulated.
    pub fn ee_frame(&self) -> Frame {
        self.arm.ee_frame(&self.physics)
    }

    /// The scene parameters drawn when this world was built (door handle, hinge damping, cup
    /// mass and friction, die placement, …), named, in a fixed order per scene.
    pub fn scene_parameters(&self) -> Vec<(&'static str, f64)> {
        let mut out = Vec::new();
        for drawn in [
            self.door.as_ref().map(|d| &d.drawn),
            self.cup.as_ref().map(|c| &c.drawn),
            self.die.as_ref().map(|d| &d.drawn),
        ]
        .into_iter()
        .flatten()
        {
            out.extend(drawn.iter().copied());
        }
        out
    }

    /// Door hinge angle (radians), if the scene has a door.
    pub fn door_angle(&self) -> Option<f64> {
        self.door.as_ref().map(|d| d.angle(&self.physics))
    }

    /// World position of the door handle's bar centre, if the scene has a door.
    pub fn door_handle_position(&self) -> Option<DVec3> {
        self.door.as_ref().map(|d| d.handle_position(&self.physics))
    }

    /// Cup frame (bottom centre) in the world, if the scene has a cup.
    pub fn cup_pose(&self) -> Option<Frame> {
        self.cup.as_ref().map(|c| c.pose(&self.physics))
    }

    /// Cup tilt from upright (radians), if the scene has a cup.
    pub fn cup_tilt(&self) -> Option<f64> {
        self.cup.as_ref().map(|c| c.tilt(&self.physics))
    }

    /// Die centre frame, if the scene has a die.
    pub fn die_pose(&self) -> Option<Frame> {
        self.die.as_ref().map(|d| d.pose(&self.physics))
    }

    /// Which die face is up, and which one the gel presses on.
    pub fn die_readout(&self) -> Option<DieReadout> {
        let die = self.die.as_ref()?;
        let on_gel = self
            .physics
            .touching(&self.arm.gel_colliders, &[die.collider])
            .then(|| {
                // The face touching the gel looks back along the gel's outward normal.
                let gel_normal = self.ee_frame().rotation * DVec3::Z;
                die.face_toward(&self.physics, -gel_normal)
            });
        Some(DieReadout {
            face_up: die.face_up(&self.physics),
            face_on_gel: on_gel,
        })
    }

    /// True if the gel pad touches anything.
    pub fn gel_in_contact(&self) -> bool {
        self.arm.gel_colliders.iter().any(|g| {
            self.physics
                .narrow_phase
                .contact_pairs_with(*g)
                .any(|p| self.physics.pair_touches(p))
        })
    }

    /// Normal force on the gel pad over the last physics substep, in newtons: the contact
    /// impulses rapier applied to the pad divided by the substep. This is what indents the gel
    /// in the tactile image.
    pub fn gel_normal_force(&self) -> f64 {
        let impulse: f64 = self
            .arm
            .gel_colliders
            .iter()
            .flat_map(|g| self.physics.narrow_phase.contact_pairs_with(*g))
            .map(|p| p.total_impulse_magnitude() as f64)
            .sum();
        impulse / self.params.dt as f64
    }

    /// World frame of the gel pad's contact surface (z out of the pad) and the pad's half size
    /// in x and y, or `None` if the robot has no gel.
    pub fn gel_pad(&self) -> Option<(Frame, [f64; 2])> {
        let c = self
            .physics
            .colliders
            .get(*self.arm.gel_colliders.first()?)?;
        let body = self.physics.bodies.get(c.parent()?)?;
        let half = c.shape().as_cuboid()?.half_extents;
        Some((
            crate::arm::to_frame(body.position()),
            [half.x as f64, half.y as f64],
        ))
    }

    /// Read access to the rapier state (for renderers and tests).
    pub fn physics(&self) -> &Physics {
        &self.physics
    }

    /// Write access to the rapier state, for tools and experiments that push bodies around
    /// directly (impulses, teleports). Nothing here is checked.
    pub fn physics_mut(&mut self) -> &mut Physics {
        &mut self.physics
    }

    /// A copy of everything that changes as the world steps.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            physics: self.physics.clone(),
            clock: self.clock.clone(),
        }
    }

    /// Returns the world to a snapshot taken from it; stepping on from there repeats exactly what
    /// happened after the snapshot was taken.
    pub fn restore(&mut self, snapshot: &Snapshot) {
        self.physics = snapshot.physics.clone();
        self.clock = snapshot.clock.clone();
    }

    /// Every rigid body's position and velocity as raw numbers, for exact comparisons.
    pub fn state_vector(&self) -> Vec<f32> {
        let mut out = Vec::new();
        for (_, b) in self.physics.bodies.iter() {
            let p = b.position();
            out.extend(p.translation.to_array());
            out.extend(p.rotation.to_array());
            out.extend(b.linvel().to_array());
            out.extend(b.angvel().to_array());
        }
        out
    }
}

/// Checks a joint vector's length, finiteness and limits against the chain.
fn check_limits(chain: &KinematicChain, targets: &[f64]) -> Result<(), SimError> {
    if targets.len() != chain.dof() {
        return Err(SimError::WrongLength {
            expected: chain.dof(),
            got: targets.len(),
        });
    }
    for (q, j) in targets.iter().zip(chain.actuated_joints()) {
        if !q.is_finite() {
            return Err(SimError::NonFinite {
                joint: j.name.clone(),
                value: *q,
            });
        }
        if *q < j.lower - 1e-9 || *q > j.upper + 1e-9 {
            return Err(SimError::OutOfLimits {
                joint: j.name.clone(),
                value: *q,
                lower: j.lower,
                upper: j.upper,
            });
        }
    }
    Ok(())
}

/// The scene's robot read from its URDF, with the gel link checked to be one of its links.
fn robot_description(
    config: &SceneConfig,
    dir: &Path,
    file: &Path,
) -> Result<RobotDescription, AssetError> {
    let urdf_path: PathBuf = dir.join(&config.robot.urdf);
    let mesh_dir = config.robot.mesh_dir.as_ref().map(|m| dir.join(m));
    let description =
        RobotDescription::from_file(&urdf_path, mesh_dir.as_deref(), &config.robot.ee_link)?;
    if let Some(gel) = &config.robot.gel_link
        && !description.urdf.links.iter().any(|l| &l.name == gel)
    {
        return Err(AssetError::invalid(
            file,
            "robot.gel_link",
            format!("link \"{gel}\" is not in {}", urdf_path.display()),
        ));
    }
    Ok(description)
}

/// The joints IK starts from: the scene's `rest_joints`, else the middle of each joint's range.
fn rest_joints(
    r: &RobotConfig,
    chain: &KinematicChain,
    file: &Path,
) -> Result<Vec<f64>, AssetError> {
    Ok(match &r.rest_joints {
        Some(q) if q.len() == chain.dof() => q.clone(),
        Some(q) => {
            return Err(AssetError::invalid(
                file,
                "robot.rest_joints",
                format!(
                    "has {} values but the arm has {} joints",
                    q.len(),
                    chain.dof()
                ),
            ));
        }
        None => chain
            .actuated_joints()
            .map(|j| {
                if j.lower.is_finite() {
                    0.5 * (j.lower + j.upper)
                } else {
                    0.0
                }
            })
            .collect(),
    })
}

/// The home joints and the tool orientation end-effector commands hold: the scene's
/// `home_joints`, or IK to `home_position` with the tool pointing down.
fn home(
    r: &RobotConfig,
    chain: &KinematicChain,
    base: Frame,
    rest_joints: &[f64],
    file: &Path,
) -> Result<(Vec<f64>, DQuat), AssetError> {
    Ok(match (&r.home_joints, r.home_position) {
        (Some(q), _) => {
            if q.len() != chain.dof() {
                return Err(AssetError::invalid(
                    file,
                    "robot.home_joints",
                    format!(
                        "has {} values but the arm has {} joints",
                        q.len(),
                        chain.dof()
                    ),
                ));
            }
            if let Err(e) = check_limits(chain, q) {
                return Err(AssetError::invalid(
                    file,
                    "robot.home_joints",
                    e.to_string(),
                ));
            }
            (q.clone(), chain.forward(q).rotation)
        }
        (None, Some(home)) => {
            // Tool down, hook toward +x: a half turn about x.
            let down = DQuat::from_rotation_x(std::f64::consts::PI);
            let target = Frame::new(DVec3::from_array(home) - base.translation, down);
            let ik = chain.solve_ik(&target, &rest_joints, &rest_joints, &IkOptions::default());
            if ik.position_error > 1e-3 || ik.orientation_error > 1e-2 {
                return Err(AssetError::invalid(
                    file,
                    "robot.home_position",
                    format!(
                        "the arm cannot reach {home:?} with the tool pointing down (misses by {:.1} mm, {:.2} rad)",
                        ik.position_error * 1e3,
                        ik.orientation_error
                    ),
                ));
            }
            (ik.joints, down)
        }
        (None, None) => unreachable!("scene validation requires a home"),
    })
}
