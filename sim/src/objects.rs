//! The things on the table: the table itself, a hinged door, a cup and a d20.
//!
//! Each is built from its scene-file section with every range already sampled, and reads out
//! its oracle state (door angle, cup pose, die face) for evaluation.

use crate::arm::{to_frame, to_pose};
use crate::d20::D20;
use crate::kinematics::Frame;
use crate::physics::Physics;
use crate::scene::{CupConfig, DieConfig, DoorConfig, TableConfig};
use glam::{DQuat, DVec3};
use rapier3d::prelude::*;

/// Samples a [`crate::scene::Param`]: either its nominal value or a random draw.
pub(crate) type Sampler<'a> = dyn FnMut(&crate::scene::Param) -> f64 + 'a;

fn v3(x: f64, y: f64, z: f64) -> Vector {
    Vector::new(x as Real, y as Real, z as Real)
}

/// A fixed table whose top is at `top` metres.
#[derive(Debug, Clone)]
pub struct Table {
    pub body: RigidBodyHandle,
    pub collider: ColliderHandle,
    pub top: f64,
}

impl Table {
    pub(crate) fn insert(physics: &mut Physics, c: &TableConfig, sample: &mut Sampler) -> Self {
        let [sx, sy, sz] = c.size;
        let body = physics
            .bodies
            .insert(RigidBodyBuilder::fixed().translation(v3(
                c.center[0],
                c.center[1],
                c.top_height - sz / 2.0,
            )));
        let collider = physics.colliders.insert_with_parent(
            ColliderBuilder::cuboid((sx / 2.0) as Real, (sy / 2.0) as Real, (sz / 2.0) as Real)
                .friction(sample(&c.friction) as Real),
            body,
            &mut physics.bodies,
        );
        Self {
            body,
            collider,
            top: c.top_height,
        }
    }
}

/// A door on a vertical hinge at its `y`-low edge, opening toward the robot (−x) as the angle
/// grows. Its frame: origin on the hinge axis at table height, x pointing away from the robot.
#[derive(Debug, Clone)]
pub struct Door {
    pub frame_body: RigidBodyHandle,
    pub body: RigidBodyHandle,
    pub joint: MultibodyJointHandle,
    pub panel: ColliderHandle,
    pub handle: Vec<ColliderHandle>,
    /// Hinge-frame position of the middle of the handle bar.
    pub handle_center: DVec3,
    pub hinge: DVec3,
    pub max_angle: f64,
    /// The scene parameters drawn for this door (names as in the scene file).
    pub drawn: Vec<(&'static str, f64)>,
}

impl Door {
    pub(crate) fn insert(
        physics: &mut Physics,
        c: &DoorConfig,
        table_top: f64,
        sample: &mut Sampler,
    ) -> Self {
        let hinge = DVec3::new(sample(&c.hinge[0]), sample(&c.hinge[1]), table_top);
        let (damping, friction) = (sample(&c.damping), sample(&c.friction));
        let (offset, height, length) = (
            sample(&c.handle.offset),
            sample(&c.handle.height),
            sample(&c.handle.length),
        );
        let (t, w, h, r, s) = (
            c.thickness,
            c.width,
            c.height,
            c.handle.radius,
            c.handle.standoff,
        );
        let frame_body = physics
            .bodies
            .insert(RigidBodyBuilder::fixed().translation(hinge.as_vec3()));
        // The jamb: a post beside the hinge, clear of the panel at every angle.
        physics.colliders.insert_with_parent(
            ColliderBuilder::cuboid((t / 2.0) as Real, 0.01, (h / 2.0) as Real).translation(v3(
                t / 2.0,
                -0.015,
                c.bottom + h / 2.0,
            )),
            frame_body,
            &mut physics.bodies,
        );
        let body = physics
            .bodies
            .insert(RigidBodyBuilder::dynamic().translation(hinge.as_vec3()));
        let panel = physics.colliders.insert_with_parent(
            ColliderBuilder::cuboid((t / 2.0) as Real, (w / 2.0) as Real, (h / 2.0) as Real)
                .translation(v3(t / 2.0, w / 2.0, c.bottom + h / 2.0))
                .mass(c.mass as Real),
            body,
            &mut physics.bodies,
        );
        // The hook's place stays at `offset`; a bar reaching toward the hinge only moves its
        // hinge-side end (and post) out there.
        let handle_center = DVec3::new(-s, offset, height);
        let reach = c.handle.reach_toward_hinge;
        let (bar_middle, bar_length) = (offset - reach / 2.0, length + reach);
        let handle_mass = 0.05;
        let mut handle = vec![
            physics.colliders.insert_with_parent(
                ColliderBuilder::cuboid(r as Real, (bar_length / 2.0) as Real, r as Real)
                    .translation(v3(-s, bar_middle, height))
                    .mass(handle_mass),
                body,
                &mut physics.bodies,
            ),
        ];
        for side in [-1.0, 1.0] {
            handle.push(
                physics.colliders.insert_with_parent(
                    ColliderBuilder::cuboid((s / 2.0) as Real, r as Real, r as Real)
                        .translation(v3(
                            -s / 2.0,
                            bar_middle + side * (bar_length / 2.0 - r),
                            height,
                        ))
                        .mass(handle_mass / 2.0),
                    body,
                    &mut physics.bodies,
                ),
            );
        }
        let max_angle = c.max_angle_deg.to_radians();
        let mut joint = RevoluteJointBuilder::new(Vector::Z)
            .limits([0.0, max_angle as Real])
            .contacts_enabled(false);
        let stiffness = c.stiffness.nominal();
        if stiffness > 0.0 {
            // A spring toward shut; the hinge's damping stays the multibody's own.
            joint = joint
                .motor_model(MotorModel::ForceBased)
                .motor_position(0.0, stiffness as Real, 0.0);
        }
        let joint = physics
            .multibody_joints
            .insert(frame_body, body, joint, true)
            .expect("door hinge is a valid multibody joint");
        let (mb, link) = physics.multibody_joints.get_mut(joint).expect("door hinge");
        let dof = mb.link(link).expect("door link").assembly_id();
        mb.damping_mut()[dof] = damping as Real;
        mb.frictions_mut()[dof] = friction as Real;
        Self {
            frame_body,
            body,
            joint,
            panel,
            handle,
            handle_center,
            hinge,
            max_angle,
            drawn: vec![
                ("door.hinge_x", hinge.x),
                ("door.hinge_y", hinge.y),
                ("door.damping", damping),
                ("door.friction", friction),
                ("door.handle.offset", offset),
                ("door.handle.height", height),
                ("door.handle.length", length),
            ]
            .into_iter()
            // Listed only where set, so the records of runs on doors without it still match.
            .chain((reach != 0.0).then_some(("door.handle.reach_toward_hinge", reach)))
            .collect(),
        }
    }

    /// Hinge angle in radians: 0 shut, growing as the door swings toward the robot.
    pub fn angle(&self, physics: &Physics) -> f64 {
        let (mb, link) = physics
            .multibody_joints
            .get(self.joint)
            .expect("door hinge");
        mb.link(link).expect("door link").joint().coords()[JointAxis::AngX as usize] as f64
    }

    /// Sets the hinge to `angle` at rest (a reset, not a motion).
    pub(crate) fn teleport(&self, physics: &mut Physics, angle: f64) {
        let (mb, link) = physics
            .multibody_joints
            .get_mut(self.joint)
            .expect("door hinge");
        let dof = mb.link(link).expect("door link").assembly_id();
        let now = mb.link(link).expect("door link").joint().coords()[JointAxis::AngX as usize];
        let mut disp = vec![0.0 as Real; mb.ndofs()];
        disp[dof] = angle as Real - now;
        mb.apply_displacements(&disp);
        mb.generalized_velocity_mut().fill(0.0);
        // The root is the fixed door frame: take its pose from its body.
        mb.forward_kinematics(&physics.bodies, true);
        mb.update_rigid_bodies(&mut physics.bodies, true);
        for b in [self.body] {
            if let Some(rb) = physics.bodies.get_mut(b) {
                rb.set_linvel(Vector::ZERO, true);
                rb.set_angvel(Vector::ZERO, true);
            }
        }
    }

    /// World position of the middle of the handle bar.
    pub fn handle_position(&self, physics: &Physics) -> DVec3 {
        to_frame(physics.bodies[self.body].position()).transform_point(self.handle_center)
    }

    /// World position of the middle of the handle's slot (halfway from the bar's axis to the
    /// door's face, at the bar's height), were the door at `angle`: where a hook's prong holds
    /// the door there.
    pub fn slot_position(&self, angle: f64) -> DVec3 {
        let c = self.handle_center;
        self.hinge + DQuat::from_rotation_z(angle) * DVec3::new(c.x / 2.0, c.y, c.z)
    }
}

/// A cup: a bottom-heavy cylinder standing on the table. Its frame: bottom centre, z up.
#[derive(Debug, Clone)]
pub struct Cup {
    pub body: RigidBodyHandle,
    pub collider: ColliderHandle,
    pub radius: f64,
    pub height: f64,
    /// The scene parameters drawn for this cup.
    pub drawn: Vec<(&'static str, f64)>,
}

impl Cup {
    pub(crate) fn insert(
        physics: &mut Physics,
        c: &CupConfig,
        table_top: f64,
        sample: &mut Sampler,
    ) -> Self {
        let (x, y) = (sample(&c.position[0]), sample(&c.position[1]));
        let (mass, friction) = (sample(&c.mass), sample(&c.friction));
        let (r, h) = (c.radius, c.height);
        let izz = 0.5 * mass * r * r;
        let ixx = mass * (3.0 * r * r + h * h) / 12.0;
        let body = physics.bodies.insert(
            RigidBodyBuilder::dynamic()
                .translation(v3(x, y, table_top))
                .additional_mass_properties(MassProperties::new(
                    v3(0.0, 0.0, c.com_fraction * h),
                    mass as Real,
                    v3(ixx, ixx, izz),
                )),
        );
        // rapier's cylinders stand along y: turn it upright.
        let upright = Pose::from_parts(
            v3(0.0, 0.0, h / 2.0),
            Rotation::from_rotation_x(std::f32::consts::FRAC_PI_2),
        );
        let collider = physics.colliders.insert_with_parent(
            ColliderBuilder::cylinder((h / 2.0) as Real, r as Real)
                .position(upright)
                .density(0.0)
                .friction(friction as Real),
            body,
            &mut physics.bodies,
        );
        Self {
            body,
            collider,
            radius: r,
            height: h,
            drawn: vec![
                ("cup.x", x),
                ("cup.y", y),
                ("cup.mass", mass),
                ("cup.friction", friction),
            ],
        }
    }

    /// World frame of the cup's bottom centre.
    pub fn pose(&self, physics: &Physics) -> Frame {
        to_frame(physics.bodies[self.body].position())
    }

    /// Angle between the cup's axis and the vertical, radians (over ~1.2 it lies on its side).
    pub fn tilt(&self, physics: &Physics) -> f64 {
        let up = self.pose(physics).rotation * DVec3::Z;
        up.z.clamp(-1.0, 1.0).acos()
    }
}

/// A 20-sided die.
#[derive(Debug, Clone)]
pub struct Die {
    pub body: RigidBodyHandle,
    pub collider: ColliderHandle,
    pub circumradius: f64,
    pub geometry: D20,
    /// The scene parameters drawn for this die.
    pub drawn: Vec<(&'static str, f64)>,
}

impl Die {
    pub(crate) fn insert(
        physics: &mut Physics,
        c: &DieConfig,
        table_top: f64,
        sample: &mut Sampler,
        face_up: u8,
        yaw: f64,
    ) -> Self {
        let geometry = D20::new();
        let (x, y) = (sample(&c.position[0]), sample(&c.position[1]));
        let friction = sample(&c.friction);
        let r = c.circumradius;
        let rotation = geometry
            .orientation_with_face_up(face_up, yaw)
            .expect("face number checked when the scene was read");
        // Rest it on a face, a hair above the table so it starts out of contact.
        let z = table_top + r * D20::INRADIUS_RATIO + 1e-4;
        let body = physics.bodies.insert(
            RigidBodyBuilder::dynamic().pose(to_pose(&Frame::new(DVec3::new(x, y, z), rotation))),
        );
        let points: Vec<Vector> = geometry
            .vertices
            .iter()
            .map(|v| (*v * r).as_vec3())
            .collect();
        let collider = physics.colliders.insert_with_parent(
            ColliderBuilder::convex_hull(&points)
                .expect("an icosahedron is a valid convex hull")
                .mass(c.mass as Real)
                .friction(friction as Real)
                .restitution(c.restitution as Real),
            body,
            &mut physics.bodies,
        );
        Self {
            body,
            collider,
            circumradius: r,
            geometry,
            drawn: vec![
                ("die.x", x),
                ("die.y", y),
                ("die.face_up", face_up as f64),
                ("die.yaw", yaw),
                ("die.friction", friction),
            ],
        }
    }

    /// World frame of the die's centre.
    pub fn pose(&self, physics: &Physics) -> Frame {
        to_frame(physics.bodies[self.body].position())
    }

    /// The number on the face pointing up.
    pub fn face_up(&self, physics: &Physics) -> u8 {
        self.geometry
            .face_toward(self.pose(physics).rotation, DVec3::Z)
    }

    /// The number on the face that looks along `direction` (e.g. toward the gel).
    pub fn face_toward(&self, physics: &Physics, direction: DVec3) -> u8 {
        self.geometry
            .face_toward(self.pose(physics).rotation, direction)
    }
}

/// Random yaw for objects that get one.
pub(crate) fn random_yaw(rng: &mut impl rand::Rng) -> f64 {
    rng.random_range(-std::f64::consts::PI..std::f64::consts::PI)
}

/// Puts a free body at `pose`, at rest, awake.
pub(crate) fn place_body(physics: &mut Physics, body: RigidBodyHandle, pose: &Frame) {
    if let Some(rb) = physics.bodies.get_mut(body) {
        rb.set_position(to_pose(pose), true);
        rb.set_linvel(Vector::ZERO, true);
        rb.set_angvel(Vector::ZERO, true);
    }
}
