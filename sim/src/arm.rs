//! The arm in the physics world: a rapier multibody built from the URDF by rapier3d-urdf, with a
//! position motor on every moving joint.
//!
//! The links ignore gravity: real arms like the Sawyer run a gravity-compensating controller
//! under their joint-position loop, and leaving it out would only add a sag the motors must fight.

use crate::AssetError;
use crate::description::RobotDescription;
use crate::kinematics::{Frame, JointKind};
use crate::physics::Physics;
use rapier3d::prelude::*;
use rapier3d_urdf::{UrdfLoaderOptions, UrdfMultibodyOptions, UrdfRobot};
use std::collections::HashMap;

/// Handles of the arm inside the physics world.
#[derive(Debug, Clone)]
pub struct Arm {
    pub description: RobotDescription,
    /// Per degree of freedom: the multibody joint that drives it and the rapier axis it moves on.
    joints: Vec<(MultibodyJointHandle, JointAxis)>,
    /// Rigid body carrying the end-effector link, and the end-effector frame in that body.
    ee_body: RigidBodyHandle,
    ee_offset: Frame,
    /// Colliders of the gel pad (empty if the scene names no gel link).
    pub gel_colliders: Vec<ColliderHandle>,
    /// Every rigid body of the arm, root first.
    pub bodies: Vec<RigidBodyHandle>,
    /// World frame of the URDF root.
    pub base: Frame,
    stiffness: Real,
    damping: Real,
}

/// Motor and surface settings applied when the arm is inserted.
#[derive(Debug, Clone, Copy)]
pub struct ArmSettings {
    pub stiffness: f64,
    pub damping: f64,
    pub friction: f64,
    pub gel_friction: f64,
}

impl Arm {
    /// Inserts the robot at `base` (world frame of its root link). The root is fixed.
    pub fn insert(
        physics: &mut Physics,
        description: RobotDescription,
        base: Frame,
        gel_link: Option<&str>,
        settings: ArmSettings,
    ) -> Result<Self, AssetError> {
        let options = UrdfLoaderOptions {
            make_roots_fixed: true,
            shift: to_pose(&base),
            rigid_body_blueprint: RigidBodyBuilder::dynamic()
                .gravity_scale(0.0)
                .can_sleep(false),
            collider_blueprint: ColliderBuilder::default()
                .density(0.0)
                .friction(settings.friction as Real),
            ..Default::default()
        };
        // Meshes were resolved to full paths when the description was checked.
        let robot = UrdfRobot::from_robot(&description.urdf, options, std::path::Path::new(""));
        let link_index: Vec<usize> = robot.links.iter().map(|l| l.urdf_link_index).collect();
        let joint_source: Vec<usize> = robot
            .joints
            .iter()
            .map(|j| j.source_urdf_joint_index())
            .collect();
        let handles = robot.insert_using_multibody_joints(
            &mut physics.bodies,
            &mut physics.colliders,
            &mut physics.multibody_joints,
            UrdfMultibodyOptions::DISABLE_SELF_CONTACTS,
        );

        let urdf = &description.urdf;
        let body_of_link: HashMap<&str, RigidBodyHandle> = link_index
            .iter()
            .zip(&handles.links)
            .map(|(&i, h)| (urdf.links[i].name.as_str(), h.body))
            .collect();
        let chain = &description.chain;
        let joints = chain
            .actuated_joints()
            .map(|cj| {
                let handle = joint_source
                    .iter()
                    .position(|&src| urdf.joints[src].name == cj.name)
                    .and_then(|k| handles.joints[k].joint)
                    .ok_or_else(|| {
                        // rapier3d-urdf drops joints that lead to links with nothing in them.
                        AssetError::invalid(
                            &description.file,
                            format!("joint \"{}\"", cj.name),
                            "moves a link with no <inertial>, <collision> or <visual>; give it an <inertial>",
                        )
                    })?;
                let axis = match cj.kind {
                    JointKind::Prismatic => JointAxis::LinX,
                    _ => JointAxis::AngX,
                };
                Ok((handle, axis))
            })
            .collect::<Result<Vec<_>, AssetError>>()?;

        // The end-effector link may have been merged into an ancestor if it has no geometry:
        // walk up the chain to the nearest link with a body, collecting the fixed offsets.
        let mut ee_offset = Frame::IDENTITY;
        let mut ee_body = body_of_link.get(chain.ee_link.as_str()).copied();
        if ee_body.is_none() {
            for j in chain.joints.iter().rev() {
                ee_offset = j.origin * ee_offset;
                let parent = &urdf
                    .joints
                    .iter()
                    .find(|u| u.name == j.name)
                    .expect("chain joint")
                    .parent
                    .link;
                if let Some(b) = body_of_link.get(parent.as_str()) {
                    ee_body = Some(*b);
                    break;
                }
            }
        }
        let ee_body = ee_body.ok_or_else(|| {
            AssetError::invalid(
                &description.file,
                format!("link \"{}\"", chain.ee_link),
                "no link on its chain has a body",
            )
        })?;

        let gel_colliders = gel_link
            .and_then(|g| body_of_link.get(g))
            .map(|b| physics.bodies[*b].colliders().to_vec())
            .unwrap_or_default();
        for c in &gel_colliders {
            let col = &mut physics.colliders[*c];
            col.set_friction(settings.gel_friction as Real);
            // A gel grips: its friction wins over the other surface's.
            col.set_friction_combine_rule(CoefficientCombineRule::Max);
        }

        let mut arm = Self {
            joints,
            ee_body,
            ee_offset,
            gel_colliders,
            bodies: handles.links.iter().map(|l| l.body).collect(),
            base,
            stiffness: settings.stiffness as Real,
            damping: settings.damping as Real,
            description,
        };
        arm.configure_motors(physics);
        Ok(arm)
    }

    fn configure_motors(&mut self, physics: &mut Physics) {
        let chain = self.description.chain.clone();
        for ((handle, axis), cj) in self.joints.iter().zip(chain.actuated_joints()) {
            let (mb, link_id) = physics
                .multibody_joints
                .get_mut(*handle)
                .expect("arm joint");
            let dof = mb.link(link_id).expect("link").assembly_id();
            mb.damping_mut()[dof] = cj.damping as Real;
            let data = &mut mb.link_mut(link_id).expect("link").joint.data;
            data.set_motor_model(*axis, MotorModel::AccelerationBased);
            data.set_motor(*axis, 0.0, 0.0, self.stiffness, self.damping);
            data.set_motor_max_force(*axis, cj.max_effort as Real);
        }
    }

    /// Number of degrees of freedom.
    pub fn dof(&self) -> usize {
        self.joints.len()
    }

    /// Joint positions (rad or m), one per degree of freedom.
    pub fn joint_positions(&self, physics: &Physics) -> Vec<f64> {
        self.joints
            .iter()
            .map(|(h, axis)| {
                let (mb, link) = physics.multibody_joints.get(*h).expect("arm joint");
                mb.link(link).expect("link").joint().coords()[*axis as usize] as f64
            })
            .collect()
    }

    /// Joint velocities (rad/s or m/s).
    pub fn joint_velocities(&self, physics: &Physics) -> Vec<f64> {
        self.joints
            .iter()
            .map(|(h, _)| {
                let (mb, link) = physics.multibody_joints.get(*h).expect("arm joint");
                mb.joint_velocity(mb.link(link).expect("link"))[0] as f64
            })
            .collect()
    }

    /// Drives every joint motor toward `targets` at feed-forward speeds `velocities`.
    pub(crate) fn set_motor_targets(
        &self,
        physics: &mut Physics,
        targets: &[f64],
        velocities: &[f64],
    ) {
        for (((h, axis), q), v) in self.joints.iter().zip(targets).zip(velocities) {
            let (mb, link) = physics.multibody_joints.get_mut(*h).expect("arm joint");
            mb.link_mut(link).expect("link").joint.data.set_motor(
                *axis,
                *q as Real,
                *v as Real,
                self.stiffness,
                self.damping,
            );
        }
    }

    /// Places the joints at `q` at rest, without simulating the motion (for resets).
    pub(crate) fn teleport(&self, physics: &mut Physics, q: &[f64]) {
        let current = self.joint_positions(physics);
        let dofs: Vec<usize> = self
            .joints
            .iter()
            .map(|(h, _)| {
                let (mb, link) = physics.multibody_joints.get(*h).expect("arm joint");
                mb.link(link).expect("link").assembly_id()
            })
            .collect();
        let (mb, _) = physics
            .multibody_joints
            .get_mut(self.joints[0].0)
            .expect("arm joint");
        let mut disp = vec![0.0 as Real; mb.ndofs()];
        for ((dof, want), have) in dofs.iter().zip(q).zip(&current) {
            disp[*dof] = (*want - *have) as Real;
        }
        mb.apply_displacements(&disp);
        mb.generalized_velocity_mut().fill(0.0);
        // Take the root pose from the base body: the arm's base need not be at the origin.
        mb.forward_kinematics(&physics.bodies, true);
        mb.update_rigid_bodies(&mut physics.bodies, true);
        for b in &self.bodies {
            if let Some(rb) = physics.bodies.get_mut(*b) {
                rb.set_linvel(Vector::ZERO, true);
                rb.set_angvel(Vector::ZERO, true);
            }
        }
    }

    /// World frame of the end effector as simulated (not as commanded).
    pub fn ee_frame(&self, physics: &Physics) -> Frame {
        to_frame(physics.bodies[self.ee_body].position()) * self.ee_offset
    }
}

pub(crate) fn to_pose(f: &Frame) -> Pose {
    Pose::from_parts(f.translation.as_vec3(), f.rotation.as_quat())
}

pub(crate) fn to_frame(p: &Pose) -> Frame {
    Frame::new(p.translation.as_dvec3(), p.rotation.as_dquat().normalize())
}
