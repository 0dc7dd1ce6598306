//! The things on the table: the table itself, a cup and a d20 (the door has its own module).
//!
//! Each is built from its scene-file section with every range already sampled, and reads out
//! its oracle state (door angle, cup pose, die face) for evaluation.

use crate::arm::{to_frame, to_pose};
use crate::d20::D20;
use crate::kinematics::Frame;
use crate::physics::Physics;
use crate::scene::{Choice, CupConfig, DieConfig, Param, TableConfig};
use glam::DVec3;
use rand_chacha::ChaCha8Rng;
use rapier3d::prelude::*;

/// Draws a scene's ranges and choices: their nominal values, or from a seeded generator.
pub(crate) struct Draw {
    rng: Option<ChaCha8Rng>,
}

impl Draw {
    pub(crate) fn new(rng: Option<ChaCha8Rng>) -> Self {
        Self { rng }
    }

    pub(crate) fn param(&mut self, p: &Param) -> f64 {
        match self.rng.as_mut() {
            Some(r) => p.sample(r),
            None => p.nominal(),
        }
    }

    /// One of a (checked, non-empty) choice.
    pub(crate) fn choice<T: Copy>(&mut self, c: &Choice<T>) -> T {
        let drawn = match self.rng.as_mut() {
            Some(r) => c.sample(r),
            None => c.nominal(),
        };
        drawn.expect("scene files are checked to give every choice an option")
    }

    /// A colour given per channel, if given.
    pub(crate) fn colour(&mut self, c: &Option<[Param; 3]>) -> Option<[f32; 3]> {
        c.as_ref().map(|c| c.map(|p| self.param(&p) as f32))
    }
}

pub(crate) fn v3(x: f64, y: f64, z: f64) -> Vector {
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
    pub(crate) fn insert(physics: &mut Physics, c: &TableConfig, draw: &mut Draw) -> Self {
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
                .friction(draw.param(&c.friction) as Real),
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
        draw: &mut Draw,
    ) -> Self {
        let (x, y) = (draw.param(&c.position[0]), draw.param(&c.position[1]));
        let (mass, friction) = (draw.param(&c.mass), draw.param(&c.friction));
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
        draw: &mut Draw,
        face_up: u8,
        yaw: f64,
    ) -> Self {
        let geometry = D20::new();
        let (x, y) = (draw.param(&c.position[0]), draw.param(&c.position[1]));
        let friction = draw.param(&c.friction);
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
