//! A door on a vertical hinge, opening toward the robot, with a bar, lever or knob handle.
//!
//! The door's frame has its origin on the hinge axis at table height, x pointing away from the
//! robot, and y along the shut door from the hinge toward its free edge times `side` (+1 for a
//! door hinged on the right, −1 on the left), so that one set of numbers describes both: the
//! door turns by `side × angle` about z as it opens toward the robot.

use crate::arm::to_frame;
use crate::objects::{Draw, v3};
use crate::physics::Physics;
use crate::scene::{DoorConfig, HandleKind, HingeSide};
use glam::{DQuat, DVec3};
use rapier3d::prelude::*;

/// A knob's head: a disc this wide (radius, m), which a hook beside the stem catches.
pub const KNOB_HEAD_RADIUS: f64 = 0.03;
/// How far beside a knob's stem (m, stem axis to the prong's middle) the hook's prong sits.
const KNOB_PRONG_BESIDE: f64 = 0.02;
/// How far (m) a hand whose hook's prong sits in a lever's slot goes down to unlatch the door:
/// the hook's bar, 2.6 cm above the prong's middle, meets the lever's top after 1.6 cm and
/// turns it the rest of the way, past `unlatch_deg` for every lever of the family.
pub const LEVER_PRESS: f64 = 0.035;

/// How far (m) below the slot a hand goes before pulling a `kind` handle: a lever is pressed
/// down [`LEVER_PRESS`] first; bars and knobs are pulled from the slot itself.
pub fn press_depth(kind: HandleKind) -> f64 {
    match kind {
        HandleKind::Lever => LEVER_PRESS,
        HandleKind::Bar | HandleKind::Knob => 0.0,
    }
}
/// Dry friction on the hinge while a lever door is latched, N·m: more than the arm can pull.
const LATCH_FRICTION: f64 = 500.0;
/// Below this angle (rad) a shut lever door latches again once its lever is let go.
const LATCH_ANGLE: f64 = 0.03;
/// The lever's return spring, N·m/rad, and how far down it can be pressed.
const LEVER_SPRING: f64 = 0.6;
const LEVER_TRAVEL_DEG: f64 = 45.0;

/// A door as built: its bodies, the handle's parts and what was drawn for it.
#[derive(Debug, Clone)]
pub struct Door {
    pub frame_body: RigidBodyHandle,
    pub body: RigidBodyHandle,
    pub joint: MultibodyJointHandle,
    pub panel: ColliderHandle,
    /// Every collider of the handle (bar and posts, lever and pivot, knob stem and head).
    pub handle: Vec<ColliderHandle>,
    pub kind: HandleKind,
    /// +1 hinged on the right (seen from the robot), −1 on the left.
    pub side: f64,
    /// The handle's middle (a bar's or lever's middle, a knob head's centre), in the door's
    /// frame while shut.
    pub handle_center: DVec3,
    /// Where a hook's prong holds the handle (between it and the door face; beside a knob's
    /// stem), in the door's frame while shut.
    pub slot: DVec3,
    pub hinge: DVec3,
    pub max_angle: f64,
    /// The lever's body and pivot, for a lever door.
    pub lever: Option<Lever>,
    /// The colours drawn for the panel, frame and handle (linear RGB), where the scene gives
    /// them.
    pub colours: DoorColours,
    /// The hinge's own dry friction, N·m (a latch adds to it while shut).
    friction: f64,
    /// The scene parameters drawn for this door (names as in the scene file).
    pub drawn: Vec<(&'static str, f64)>,
}

/// A lever handle's pivot and latch.
#[derive(Debug, Clone, Copy)]
pub struct Lever {
    pub body: RigidBodyHandle,
    pub joint: MultibodyJointHandle,
    /// How far (rad) the lever must be pressed down before the door opens.
    pub unlatch: f64,
}

/// Colours the scene gives the door's parts (linear RGB); `None`: the renderer's own.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DoorColours {
    pub panel: Option<[f32; 3]>,
    pub frame: Option<[f32; 3]>,
    pub handle: Option<[f32; 3]>,
}

/// The door's drawn numbers, before any body exists.
struct Drawn {
    hinge: DVec3,
    damping: f64,
    friction: f64,
    offset: f64,
    height: f64,
    length: f64,
    kind: HandleKind,
    side: f64,
    width: f64,
    tall: f64,
    thickness: f64,
    stiffness: f64,
    colours: DoorColours,
}

fn draw_door(c: &DoorConfig, table_top: f64, draw: &mut Draw) -> Drawn {
    // In the order the single door's records were drawn before there was a family, so that
    // a seed builds the same door of `door.toml` as it always has; family draws come after.
    let edge = DVec3::new(draw.param(&c.hinge[0]), draw.param(&c.hinge[1]), table_top);
    let (damping, friction) = (draw.param(&c.damping), draw.param(&c.friction));
    let (offset, height, length) = (
        draw.param(&c.handle.offset),
        draw.param(&c.handle.height),
        draw.param(&c.handle.length),
    );
    let kind = draw.choice(&c.handle.kind);
    let side = match draw.choice(&c.hinge_side) {
        HingeSide::Right => 1.0,
        HingeSide::Left => -1.0,
    };
    let (width, tall, thickness) = (
        draw.param(&c.width),
        draw.param(&c.height),
        draw.param(&c.thickness),
    );
    let stiffness = draw.param(&c.stiffness);
    let colours = DoorColours {
        panel: draw.colour(&c.color),
        frame: draw.colour(&c.frame_color),
        handle: draw.colour(&c.handle.color),
    };
    // A door hinged on the left covers the same span: its hinge is the other edge.
    let hinge = if side > 0.0 {
        edge
    } else {
        edge + DVec3::new(0.0, width, 0.0)
    };
    Drawn {
        hinge,
        damping,
        friction,
        offset,
        height,
        length,
        kind,
        side,
        width,
        tall,
        thickness,
        stiffness,
        colours,
    }
}

impl Door {
    pub(crate) fn insert(
        physics: &mut Physics,
        c: &DoorConfig,
        table_top: f64,
        draw: &mut Draw,
    ) -> Self {
        let d = draw_door(c, table_top, draw);
        let (s, t, w, h) = (d.side, d.thickness, d.width, d.tall);
        let frame_body = physics
            .bodies
            .insert(RigidBodyBuilder::fixed().translation(d.hinge.as_vec3()));
        // The jamb: a post beside the hinge, clear of the panel at every angle.
        physics.colliders.insert_with_parent(
            ColliderBuilder::cuboid((t / 2.0) as Real, 0.01, (h / 2.0) as Real).translation(v3(
                t / 2.0,
                -0.015 * s,
                c.bottom + h / 2.0,
            )),
            frame_body,
            &mut physics.bodies,
        );
        let body = physics
            .bodies
            .insert(RigidBodyBuilder::dynamic().translation(d.hinge.as_vec3()));
        let panel = physics.colliders.insert_with_parent(
            ColliderBuilder::cuboid((t / 2.0) as Real, (w / 2.0) as Real, (h / 2.0) as Real)
                .translation(v3(t / 2.0, s * w / 2.0, c.bottom + h / 2.0))
                .mass(c.mass as Real),
            body,
            &mut physics.bodies,
        );
        let max_angle = c.max_angle_deg.to_radians();
        let mut hinge = RevoluteJointBuilder::new(Vector::Z * s as Real)
            .limits([0.0, max_angle as Real])
            .contacts_enabled(false);
        let stiffness = d.stiffness;
        if stiffness > 0.0 {
            // A spring toward shut; the hinge's damping stays the multibody's own.
            hinge = hinge.motor_model(MotorModel::ForceBased).motor_position(
                0.0,
                stiffness as Real,
                0.0,
            );
        }
        let joint = physics
            .multibody_joints
            .insert(frame_body, body, hinge, true)
            .expect("door hinge is a valid multibody joint");
        let (mb, link) = physics.multibody_joints.get_mut(joint).expect("door hinge");
        let dof = mb.link(link).expect("door link").assembly_id();
        mb.damping_mut()[dof] = d.damping as Real;
        set_hinge_friction(physics, joint, d.friction);
        let built = match d.kind {
            HandleKind::Bar => bar(physics, body, c, &d),
            HandleKind::Knob => knob(physics, body, c, &d),
            HandleKind::Lever => lever(physics, body, c, &d),
        };
        let reach = c.handle.reach_toward_hinge;
        let family = [
            ("door.width", d.width),
            ("door.height", d.tall),
            ("door.thickness", d.thickness),
            ("door.hinge_side", d.side),
            ("door.handle.kind", d.kind as u8 as f64),
            ("door.stiffness", d.stiffness),
        ];
        let door = Self {
            frame_body,
            body,
            joint,
            panel,
            handle: built.colliders,
            kind: d.kind,
            side: s,
            handle_center: built.center,
            slot: built.slot,
            hinge: d.hinge,
            max_angle,
            lever: built.lever,
            colours: d.colours,
            friction: d.friction,
            drawn: vec![
                ("door.hinge_x", d.hinge.x),
                ("door.hinge_y", d.hinge.y),
                ("door.damping", d.damping),
                ("door.friction", d.friction),
                ("door.handle.offset", d.offset),
                ("door.handle.height", d.height),
                ("door.handle.length", d.length),
            ]
            .into_iter()
            // Listed only where set, so the records of runs on doors without them still match.
            .chain((reach != 0.0).then_some(("door.handle.reach_toward_hinge", reach)))
            .chain(is_family(c).then_some(family).into_iter().flatten())
            .collect(),
        };
        door.update_latch(physics);
        door
    }

    /// Hinge angle in radians: 0 shut, growing as the door swings toward the robot.
    pub fn angle(&self, physics: &Physics) -> f64 {
        joint_angle(physics, self.joint)
    }

    /// How far the lever is pressed down (rad), for a lever door.
    pub fn lever_angle(&self, physics: &Physics) -> Option<f64> {
        self.lever.map(|l| joint_angle(physics, l.joint))
    }

    /// Whether the latch holds the door shut now (only lever doors latch).
    pub fn latched(&self, physics: &Physics) -> bool {
        match (self.lever, self.lever_angle(physics)) {
            (Some(l), Some(pressed)) => self.angle(physics) < LATCH_ANGLE && pressed < l.unlatch,
            _ => false,
        }
    }

    /// Holds a shut lever door while its lever is up: the latch is a hinge friction beyond
    /// what the arm can pull, lifted once the lever is pressed down far enough.
    pub(crate) fn update_latch(&self, physics: &mut Physics) {
        if self.lever.is_none() {
            return;
        }
        let friction = if self.latched(physics) {
            LATCH_FRICTION
        } else {
            self.friction
        };
        set_hinge_friction(physics, self.joint, friction);
    }

    /// Sets the hinge to `angle` at rest (a reset, not a motion); a lever springs back up.
    pub(crate) fn teleport(&self, physics: &mut Physics, angle: f64) {
        let lever_link = self.lever.map(|l| {
            let (_, link) = physics.multibody_joints.get(l.joint).expect("lever pivot");
            link
        });
        let (mb, link) = physics
            .multibody_joints
            .get_mut(self.joint)
            .expect("door hinge");
        let coord =
            |link| mb.link(link).expect("door link").joint().coords()[JointAxis::AngX as usize];
        let dof = mb.link(link).expect("door link").assembly_id();
        let mut disp = vec![0.0 as Real; mb.ndofs()];
        disp[dof] = angle as Real - coord(link);
        if let Some(lever) = lever_link {
            disp[mb.link(lever).expect("lever link").assembly_id()] = -coord(lever);
        }
        mb.apply_displacements(&disp);
        mb.generalized_velocity_mut().fill(0.0);
        // The root is the fixed door frame: take its pose from its body.
        mb.forward_kinematics(&physics.bodies, true);
        mb.update_rigid_bodies(&mut physics.bodies, true);
        for b in std::iter::once(self.body).chain(self.lever.map(|l| l.body)) {
            if let Some(rb) = physics.bodies.get_mut(b) {
                rb.set_linvel(Vector::ZERO, true);
                rb.set_angvel(Vector::ZERO, true);
            }
        }
        self.update_latch(physics);
    }

    /// World position of the handle's middle.
    pub fn handle_position(&self, physics: &Physics) -> DVec3 {
        to_frame(physics.bodies[self.body].position()).transform_point(self.handle_center)
    }

    /// World position of the handle's slot, were the door at `angle`: where a hook's prong
    /// holds the door there.
    pub fn slot_position(&self, angle: f64) -> DVec3 {
        self.hinge + DQuat::from_rotation_z(self.side * angle) * self.slot
    }
}

/// A family door's file gives its size as ranges, or more than one handle or hinge side.
fn is_family(c: &DoorConfig) -> bool {
    use crate::scene::{Choice, Param};
    fn many<T>(c: &Choice<T>) -> bool {
        matches!(c, Choice::AnyOf(v) if v.len() > 1)
    }
    let range = |p: &Param| matches!(p, Param::Range { .. });
    range(&c.width)
        || range(&c.height)
        || range(&c.thickness)
        || many(&c.handle.kind)
        || many(&c.hinge_side)
        || c.handle.kind.nominal() != Some(HandleKind::Bar)
        || c.hinge_side.nominal() != Some(HingeSide::Right)
}

/// Sets the hinge's dry friction, N·m.
fn set_hinge_friction(physics: &mut Physics, joint: MultibodyJointHandle, friction: f64) {
    let (mb, link) = physics.multibody_joints.get_mut(joint).expect("door hinge");
    let dof = mb.link(link).expect("door link").assembly_id();
    mb.frictions_mut()[dof] = friction as Real;
}

fn joint_angle(physics: &Physics, joint: MultibodyJointHandle) -> f64 {
    let (mb, link) = physics.multibody_joints.get(joint).expect("door joint");
    mb.link(link).expect("door link").joint().coords()[JointAxis::AngX as usize] as f64
}

/// A handle as built: its colliders, middle, slot and (for a lever) pivot.
struct Built {
    colliders: Vec<ColliderHandle>,
    center: DVec3,
    slot: DVec3,
    lever: Option<Lever>,
}

fn cuboid(
    physics: &mut Physics,
    body: RigidBodyHandle,
    half: DVec3,
    at: DVec3,
    mass: f64,
) -> ColliderHandle {
    physics.colliders.insert_with_parent(
        ColliderBuilder::cuboid(half.x as Real, half.y as Real, half.z as Real)
            .translation(at.as_vec3())
            .mass(mass as Real),
        body,
        &mut physics.bodies,
    )
}

/// A bar on two posts. The hook's place stays at `offset`; a bar reaching toward the hinge
/// only moves its hinge-side end (and post) out there.
fn bar(physics: &mut Physics, body: RigidBodyHandle, c: &DoorConfig, d: &Drawn) -> Built {
    let (r, st, s) = (c.handle.radius, c.handle.standoff, d.side);
    let reach = c.handle.reach_toward_hinge;
    let (middle, length) = (d.offset - reach / 2.0, d.length + reach);
    let mass = 0.05;
    let mut colliders = vec![cuboid(
        physics,
        body,
        DVec3::new(r, length / 2.0, r),
        DVec3::new(-st, s * middle, d.height),
        mass,
    )];
    for end in [-1.0, 1.0] {
        let y = middle + end * (length / 2.0 - r);
        colliders.push(cuboid(
            physics,
            body,
            DVec3::new(st / 2.0, r, r),
            DVec3::new(-st / 2.0, s * y, d.height),
            mass / 2.0,
        ));
    }
    let center = DVec3::new(-st, s * d.offset, d.height);
    Built {
        colliders,
        center,
        slot: DVec3::new(center.x / 2.0, center.y, center.z),
        lever: None,
    }
}

/// A knob: a stem of the handle's radius out from the door, a disc head on it.
fn knob(physics: &mut Physics, body: RigidBodyHandle, c: &DoorConfig, d: &Drawn) -> Built {
    let (r, st, s) = (c.handle.radius, c.handle.standoff, d.side);
    let y = s * d.offset;
    let stem = physics.colliders.insert_with_parent(
        ColliderBuilder::cylinder((st / 2.0) as Real, r as Real)
            .rotation(Vector::new(0.0, 0.0, std::f32::consts::FRAC_PI_2))
            .translation(v3(-st / 2.0, y, d.height))
            .mass(0.03),
        body,
        &mut physics.bodies,
    );
    let head = physics.colliders.insert_with_parent(
        ColliderBuilder::cylinder(r as Real, KNOB_HEAD_RADIUS as Real)
            .rotation(Vector::new(0.0, 0.0, std::f32::consts::FRAC_PI_2))
            .translation(v3(-st, y, d.height))
            .mass(0.05),
        body,
        &mut physics.bodies,
    );
    let center = DVec3::new(-st, y, d.height);
    // Beside the stem on the free edge's side, behind the head.
    let slot = DVec3::new((-st + r) / 2.0, y + s * KNOB_PRONG_BESIDE, d.height);
    Built {
        colliders: vec![stem, head],
        center,
        slot,
        lever: None,
    }
}

/// A lever: a bar half the handle's length along the door, on a pivot at its free-edge end,
/// which turns down against a spring; the door is latched until it is pressed down far enough.
fn lever(physics: &mut Physics, body: RigidBodyHandle, c: &DoorConfig, d: &Drawn) -> Built {
    let (r, st, s) = (c.handle.radius, c.handle.standoff, d.side);
    // The lever is half the handle's length, centred on `offset` like a bar.
    let half = d.length / 4.0;
    // The pivot: a post out from the door at the lever's free-edge end.
    let pivot_y = d.offset + half;
    let post = cuboid(
        physics,
        body,
        DVec3::new(st / 2.0, r, r),
        DVec3::new(-st / 2.0, s * pivot_y, d.height),
        0.025,
    );
    let pivot = DVec3::new(-st, s * pivot_y, d.height);
    let lever_body = physics
        .bodies
        .insert(RigidBodyBuilder::dynamic().translation((d.hinge + pivot).as_vec3()));
    // The lever runs from the pivot toward the hinge, in the lever body's frame.
    let arm = physics.colliders.insert_with_parent(
        ColliderBuilder::cuboid(r as Real, half as Real, r as Real)
            .translation(v3(0.0, -s * half, 0.0))
            .mass(0.05),
        lever_body,
        &mut physics.bodies,
    );
    let joint = RevoluteJointBuilder::new(Vector::X * s as Real)
        .local_anchor1(pivot.as_vec3())
        .local_anchor2(Vector::ZERO)
        .limits([0.0, LEVER_TRAVEL_DEG.to_radians() as Real])
        .motor_model(MotorModel::ForceBased)
        .motor_position(0.0, LEVER_SPRING as Real, 0.02)
        .contacts_enabled(false);
    let joint = physics
        .multibody_joints
        .insert(body, lever_body, joint, true)
        .expect("lever pivot is a valid multibody joint");
    let center = DVec3::new(-st, s * d.offset, d.height);
    Built {
        colliders: vec![post, arm],
        center,
        slot: DVec3::new(center.x / 2.0, center.y, center.z),
        lever: Some(Lever {
            body: lever_body,
            joint,
            unlatch: c.handle.unlatch_deg.to_radians(),
        }),
    }
}
