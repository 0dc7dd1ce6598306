//! Kinematics of a serial chain read from URDF: forward kinematics, the geometric Jacobian and
//! damped-least-squares inverse kinematics.
//!
//! This is plain math on the description, independent of the physics world, so the same solver
//! turns end-effector commands into joint targets for the simulated arm and for a real one.

use glam::{DQuat, DVec3};
use nalgebra::{DMatrix, DVector};
use std::collections::HashMap;
use urdf_rs::JointType;

/// A rigid transform in f64: rotate, then translate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub translation: DVec3,
    pub rotation: DQuat,
}

impl Frame {
    pub const IDENTITY: Frame = Frame {
        translation: DVec3::ZERO,
        rotation: DQuat::IDENTITY,
    };

    pub fn new(translation: DVec3, rotation: DQuat) -> Self {
        Self {
            translation,
            rotation,
        }
    }

    /// URDF `<origin xyz rpy>`: fixed-axis roll, pitch, yaw, i.e. Rz(yaw)·Ry(pitch)·Rx(roll).
    pub fn from_urdf(xyz: [f64; 3], rpy: [f64; 3]) -> Self {
        let rotation = DQuat::from_rotation_z(rpy[2])
            * DQuat::from_rotation_y(rpy[1])
            * DQuat::from_rotation_x(rpy[0]);
        Self::new(DVec3::from_array(xyz), rotation)
    }

    pub fn transform_point(&self, p: DVec3) -> DVec3 {
        self.rotation * p + self.translation
    }

    pub fn inverse(&self) -> Frame {
        let r = self.rotation.inverse();
        Frame::new(-(r * self.translation), r)
    }
}

impl std::ops::Mul for Frame {
    type Output = Frame;
    fn mul(self, rhs: Frame) -> Frame {
        Frame::new(
            self.rotation * rhs.translation + self.translation,
            (self.rotation * rhs.rotation).normalize(),
        )
    }
}

/// How a joint moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JointKind {
    Revolute,
    Continuous,
    Prismatic,
    Fixed,
}

/// One joint on the path from the root to the end effector.
#[derive(Debug, Clone)]
pub struct ChainJoint {
    pub name: String,
    pub kind: JointKind,
    /// Child frame in the parent frame at zero joint position.
    pub origin: Frame,
    /// Unit axis in the joint frame.
    pub axis: DVec3,
    pub lower: f64,
    pub upper: f64,
    /// Largest speed (rad/s or m/s) and effort (N·m or N) the joint's motor may use.
    pub max_velocity: f64,
    pub max_effort: f64,
    /// Viscous damping and dry friction from `<dynamics>`.
    pub damping: f64,
    pub friction: f64,
}

impl ChainJoint {
    fn motion(&self, q: f64) -> Frame {
        match self.kind {
            JointKind::Revolute | JointKind::Continuous => {
                Frame::new(DVec3::ZERO, DQuat::from_axis_angle(self.axis, q))
            }
            JointKind::Prismatic => Frame::new(self.axis * q, DQuat::IDENTITY),
            JointKind::Fixed => Frame::IDENTITY,
        }
    }
}

/// The joints from a URDF's root link to one end-effector link.
#[derive(Debug, Clone)]
pub struct KinematicChain {
    pub root_link: String,
    pub ee_link: String,
    /// Every joint on the path, fixed ones included, root first.
    pub joints: Vec<ChainJoint>,
    /// Indices into `joints` of the moving ones, in order: the robot's degrees of freedom.
    pub actuated: Vec<usize>,
}

/// Settings of the damped-least-squares solver.
#[derive(Debug, Clone, Copy)]
pub struct IkOptions {
    pub max_iterations: usize,
    /// Stop when the position error is below this (metres)...
    pub position_tolerance: f64,
    /// ...and the orientation error below this (radians).
    pub orientation_tolerance: f64,
    /// Damping λ: trades exactness for staying calm near singular poses.
    pub damping: f64,
    /// Metres of position error one radian of orientation error is worth.
    pub orientation_weight: f64,
    /// Pull toward the rest posture in the null space (redundant arms only).
    pub nullspace_gain: f64,
    /// Largest change of any joint in one iteration.
    pub max_step: f64,
}

impl Default for IkOptions {
    fn default() -> Self {
        Self {
            max_iterations: 200,
            position_tolerance: 1e-5,
            orientation_tolerance: 1e-4,
            damping: 1e-3,
            orientation_weight: 0.3,
            nullspace_gain: 0.05,
            max_step: 0.2,
        }
    }
}

/// The result of an IK solve: the best joint vector found and how far it misses.
#[derive(Debug, Clone)]
pub struct IkSolution {
    pub joints: Vec<f64>,
    pub position_error: f64,
    pub orientation_error: f64,
    pub converged: bool,
}

impl KinematicChain {
    /// Builds the chain from the URDF root to `ee_link`. Errors are (element, problem).
    pub fn from_urdf(urdf: &urdf_rs::Robot, ee_link: &str) -> Result<Self, (String, String)> {
        if !urdf.links.iter().any(|l| l.name == ee_link) {
            let names: Vec<&str> = urdf.links.iter().map(|l| l.name.as_str()).collect();
            return Err((
                format!("link \"{ee_link}\""),
                format!("the end-effector link is not in the robot; links are {names:?}"),
            ));
        }
        let by_child: HashMap<&str, &urdf_rs::Joint> = urdf
            .joints
            .iter()
            .map(|j| (j.child.link.as_str(), j))
            .collect();
        let mut path = Vec::new();
        let mut link = ee_link;
        while let Some(j) = by_child.get(link) {
            path.push(*j);
            link = &j.parent.link;
        }
        path.reverse();
        let joints: Vec<ChainJoint> = path
            .iter()
            .map(|j| {
                let kind = match j.joint_type {
                    JointType::Revolute => JointKind::Revolute,
                    JointType::Continuous => JointKind::Continuous,
                    JointType::Prismatic => JointKind::Prismatic,
                    _ => JointKind::Fixed,
                };
                let (lower, upper) = match kind {
                    JointKind::Continuous => (f64::NEG_INFINITY, f64::INFINITY),
                    JointKind::Fixed => (0.0, 0.0),
                    _ => (j.limit.lower, j.limit.upper),
                };
                let positive_or = |x: f64, default: f64| if x > 0.0 { x } else { default };
                ChainJoint {
                    name: j.name.clone(),
                    kind,
                    origin: Frame::from_urdf(*j.origin.xyz, *j.origin.rpy),
                    axis: DVec3::from_array(*j.axis.xyz).normalize_or_zero(),
                    lower,
                    upper,
                    // A continuous joint may omit <limit>: be conservative rather than unbounded.
                    max_velocity: positive_or(j.limit.velocity, 1.0),
                    max_effort: positive_or(j.limit.effort, 10.0),
                    damping: j.dynamics.as_ref().map(|d| d.damping).unwrap_or(0.0),
                    friction: j.dynamics.as_ref().map(|d| d.friction).unwrap_or(0.0),
                }
            })
            .collect();
        let actuated: Vec<usize> = joints
            .iter()
            .enumerate()
            .filter(|(_, j)| j.kind != JointKind::Fixed)
            .map(|(i, _)| i)
            .collect();
        if actuated.is_empty() {
            return Err((
                format!("link \"{ee_link}\""),
                "no moving joint between the root and the end-effector link".into(),
            ));
        }
        Ok(Self {
            root_link: link.to_string(),
            ee_link: ee_link.to_string(),
            joints,
            actuated,
        })
    }

    /// Number of degrees of freedom.
    pub fn dof(&self) -> usize {
        self.actuated.len()
    }

    /// The moving joints, in order.
    pub fn actuated_joints(&self) -> impl Iterator<Item = &ChainJoint> {
        self.actuated.iter().map(|&i| &self.joints[i])
    }

    /// End-effector frame in the root frame for joint positions `q` (one per degree of freedom).
    pub fn forward(&self, q: &[f64]) -> Frame {
        self.forward_with_axes(q).0
    }

    /// End-effector frame and, per degree of freedom, the joint's world axis and origin.
    fn forward_with_axes(&self, q: &[f64]) -> (Frame, Vec<(DVec3, DVec3)>) {
        let mut frame = Frame::IDENTITY;
        let mut axes = Vec::with_capacity(self.dof());
        let mut k = 0;
        for joint in &self.joints {
            frame = frame * joint.origin;
            if joint.kind == JointKind::Fixed {
                continue;
            }
            axes.push((frame.rotation * joint.axis, frame.translation));
            frame = frame * joint.motion(q[k]);
            k += 1;
        }
        (frame, axes)
    }

    /// Geometric Jacobian (6 × dof: linear rows, then angular) at `q`.
    pub fn jacobian(&self, q: &[f64]) -> DMatrix<f64> {
        let (ee, axes) = self.forward_with_axes(q);
        self.jacobian_from(&ee, &axes)
    }

    fn jacobian_from(&self, ee: &Frame, axes: &[(DVec3, DVec3)]) -> DMatrix<f64> {
        let mut j = DMatrix::zeros(6, self.dof());
        for (k, (&(axis, origin), &ji)) in axes.iter().zip(&self.actuated).enumerate() {
            let (lin, ang) = match self.joints[ji].kind {
                JointKind::Prismatic => (axis, DVec3::ZERO),
                _ => (axis.cross(ee.translation - origin), axis),
            };
            for r in 0..3 {
                j[(r, k)] = lin[r];
                j[(r + 3, k)] = ang[r];
            }
        }
        j
    }

    /// Clamps joint positions into their limits.
    pub fn clamp(&self, q: &mut [f64]) {
        for (x, j) in q.iter_mut().zip(self.actuated_joints()) {
            *x = x.clamp(j.lower, j.upper);
        }
    }

    /// Damped-least-squares IK toward `target` (root frame), starting at `seed`, preferring
    /// postures near `rest` in the null space. Always returns the best joints found, within limits.
    pub fn solve_ik(
        &self,
        target: &Frame,
        seed: &[f64],
        rest: &[f64],
        opts: &IkOptions,
    ) -> IkSolution {
        let n = self.dof();
        let mut q = seed.to_vec();
        self.clamp(&mut q);
        let w = opts.orientation_weight;
        let lambda2 = opts.damping * opts.damping;
        let mut best = (f64::INFINITY, q.clone(), f64::INFINITY, f64::INFINITY);
        for _ in 0..=opts.max_iterations {
            let (ee, axes) = self.forward_with_axes(&q);
            let ep = target.translation - ee.translation;
            let er = rotation_error(&target.rotation, &ee.rotation);
            let (pe, oe) = (ep.length(), er.length());
            let score = pe + w * oe;
            if score < best.0 {
                best = (score, q.clone(), pe, oe);
            }
            if pe < opts.position_tolerance && oe < opts.orientation_tolerance {
                break;
            }
            let mut j = self.jacobian_from(&ee, &axes);
            for c in 0..n {
                for r in 3..6 {
                    j[(r, c)] *= w;
                }
            }
            let e = DVector::from_vec(vec![ep.x, ep.y, ep.z, w * er.x, w * er.y, w * er.z]);
            let jt = j.transpose();
            let jjt = &j * &jt + DMatrix::identity(6, 6) * lambda2;
            let Some(inv) = jjt.try_inverse() else { break };
            let pinv = &jt * inv;
            let mut dq = &pinv * e;
            if opts.nullspace_gain > 0.0 && rest.len() == n {
                let pull = DVector::from_iterator(
                    n,
                    q.iter()
                        .zip(rest)
                        .map(|(a, b)| (b - a) * opts.nullspace_gain),
                );
                let proj = DMatrix::identity(n, n) - &pinv * &j;
                dq += proj * pull;
            }
            let biggest = dq.amax();
            if biggest > opts.max_step {
                dq *= opts.max_step / biggest;
            }
            for (x, d) in q.iter_mut().zip(dq.iter()) {
                *x += d;
            }
            self.clamp(&mut q);
        }
        let (_, joints, position_error, orientation_error) = best;
        IkSolution {
            converged: position_error < opts.position_tolerance * 10.0
                && orientation_error < opts.orientation_tolerance * 10.0,
            joints,
            position_error,
            orientation_error,
        }
    }
}

/// Rotation vector (axis × angle) taking `current` to `target`, the short way round.
pub fn rotation_error(target: &DQuat, current: &DQuat) -> DVec3 {
    let mut d = *target * current.inverse();
    if d.w < 0.0 {
        d = -d;
    }
    d.to_scaled_axis()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RobotDescription;

    fn sawyer() -> KinematicChain {
        let path = crate::assets_dir().join("robots/sawyer/sawyer.urdf");
        RobotDescription::from_file(path, None, "right_gel")
            .unwrap()
            .chain
    }

    #[test]
    fn sawyer_chain_has_seven_joints_and_its_published_reach() {
        let c = sawyer();
        assert_eq!(c.dof(), 7);
        assert_eq!(c.root_link, "base");
        // Straight up at zero: flange and tool stack above the shoulder, about 1.3 m in all.
        let up = c.forward(&[0.0; 7]).translation.length();
        assert!((1.0..1.5).contains(&up), "reach at zero {up}");
    }

    #[test]
    fn jacobian_matches_finite_differences() {
        let c = sawyer();
        let q = [0.1, -0.9, 0.3, 1.7, -0.2, 0.8, 2.0];
        let j = c.jacobian(&q);
        let h = 1e-6;
        for k in 0..7 {
            let mut qp = q;
            qp[k] += h;
            let dp = (c.forward(&qp).translation - c.forward(&q).translation) / h;
            let dr = rotation_error(&c.forward(&qp).rotation, &c.forward(&q).rotation) / h;
            for r in 0..3 {
                assert!((j[(r, k)] - dp[r]).abs() < 1e-5, "linear row {r} joint {k}");
                assert!(
                    (j[(r + 3, k)] - dr[r]).abs() < 1e-5,
                    "angular row {r} joint {k}"
                );
            }
        }
    }

    #[test]
    fn ik_recovers_poses_of_random_postures() {
        let c = sawyer();
        let rest = [0.0, -1.18, 0.0, 2.18, 0.0, 0.57, 3.3161];
        let mut state = 12345u64;
        let mut rand = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        for _ in 0..20 {
            let q: Vec<f64> = rest.iter().map(|r| r + 0.8 * rand()).collect();
            let target = c.forward(&q);
            let sol = c.solve_ik(&target, &rest, &rest, &IkOptions::default());
            assert!(
                sol.converged,
                "IK missed by {} m, {} rad",
                sol.position_error, sol.orientation_error
            );
            let got = c.forward(&sol.joints);
            assert!((got.translation - target.translation).length() < 1e-4);
        }
    }
}
