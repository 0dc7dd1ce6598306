//! The safety layer: one wrapper that guards every backend the same way, simulated or real.
//!
//! - every command is checked ([`Command::validate`]): bad numbers, names and limits are
//!   refused and the arm keeps doing what it did;
//! - end-effector targets are clipped into the workspace box, and a joint-space step that would
//!   carry the hand out of it (or farther out) is not taken: the arm holds (the arm's forward
//!   kinematics, [`Robot::hand_at`], tells where the step leads; an arm without them has
//!   joint-space commands refused);
//! - motion per control step is limited: end-effector by [`RobotSpec::max_ee_step`] per axis,
//!   joints by their velocity limits;
//! - a command whose deadline has passed is not executed: the arm holds still instead.

use crate::oracle::{Oracle, OracleState};
use crate::robot::*;
use crate::simulator::Simulator;
use glam::DVec3;

/// How far outside `workspace` the hand strays on the straight joint-space path from `from` to
/// `to` (sampled, ends included; the path bows between them), by the arm's forward kinematics.
pub(crate) fn path_outside<R: Robot + ?Sized>(
    arm: &R,
    workspace: &Workspace,
    from: &[f64],
    to: &[f64],
) -> Option<f64> {
    let mut worst = 0.0f64;
    for s in [0.25, 0.5, 0.75, 1.0] {
        let q: Vec<f64> = from.iter().zip(to).map(|(a, b)| a + s * (b - a)).collect();
        worst = worst.max(workspace.outside(arm.hand_at(&q)?));
    }
    Some(worst)
}

/// Wraps a [`Robot`] and enforces the limits above on everything sent to it.
pub struct SafetyLayer<R: Robot> {
    inner: R,
    active: Command,
    holding: bool,
    stopped: bool,
}

impl<R: Robot> SafetyLayer<R> {
    /// Wraps `inner`; until the first command the arm holds still.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            active: Command::new(CommandMode::Hold),
            holding: false,
            stopped: false,
        }
    }

    /// The guarded robot.
    pub fn inner(&self) -> &R {
        &self.inner
    }

    /// The guarded robot, for backend-specific calls (resets, snapshots). Commands sent here
    /// bypass the safety checks.
    pub fn inner_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// This step's joint targets toward `targets`: within the joints' velocity limits, moving
    /// the hand no more than an end-effector command may, and never out of the workspace (or
    /// farther out), shortened as far as needed; `None` where no such step exists (the arm
    /// holds).
    fn joint_step(&self, state: &RobotState, targets: &[f64]) -> Option<Vec<f64>> {
        let spec = self.inner.spec();
        let from = &state.joint_positions;
        let hand = self.inner.hand_at(from)?;
        let full = spec.joint_step(from, targets);
        let toward = |share: f64| -> Vec<f64> {
            from.iter()
                .zip(&full)
                .zip(&spec.joints)
                .map(|((a, b), j)| (a + share * (b - a)).clamp(j.lower, j.upper))
                .collect()
        };
        // Shorten the step until the hand moves within the per-step limit (the kinematics are
        // not linear, so halve past the first linear guess)...
        let moved = (self.inner.hand_at(&full)? - hand).abs().max_element();
        let mut share = (spec.max_ee_step / moved.max(1e-12)).min(1.0);
        let mut next = toward(share);
        for _ in 0..8 {
            let moved = (self.inner.hand_at(&next)? - hand).abs().max_element();
            if moved <= spec.max_ee_step * 1.001 {
                break;
            }
            share *= 0.5;
            next = toward(share);
        }
        // ...then until its path stays in the box. A hand outside it (carried there by its own
        // momentum or a push) may only be brought back toward it.
        let (ws, out) = (&spec.workspace, spec.workspace.outside(hand));
        for _ in 0..12 {
            let strays = path_outside(&self.inner, ws, from, &next)?;
            let fine = if out <= 1e-9 {
                strays <= 1e-9
            } else {
                strays <= out && ws.outside(self.inner.hand_at(&next)?) < out
            };
            if fine {
                return Some(next);
            }
            share *= 0.5;
            next = toward(share);
        }
        None
    }

    /// The command as it will reach the backend this step: clipped and rate-limited.
    fn safe_command(&self, state: &RobotState) -> Command {
        let spec = self.inner.spec();
        let step = DVec3::splat(spec.max_ee_step);
        let ee_toward = |target: DVec3| {
            let target = spec.workspace.clamp(target);
            // Rate-limit from inside the box, so an arm that starts outside is brought in.
            let from = spec.workspace.clamp(state.ee_position);
            let next = from + (target - from).clamp(-step, step);
            CommandMode::EndEffectorPosition(next)
        };
        let joints_toward = |targets: Vec<f64>| match self.joint_step(state, &targets) {
            Some(next) => CommandMode::JointPositions(next),
            None => CommandMode::Hold,
        };
        let mode = match &self.active.mode {
            CommandMode::Hold => CommandMode::Hold,
            CommandMode::EndEffectorDelta(d) => ee_toward(state.ee_position + *d),
            CommandMode::EndEffectorPosition(p) => ee_toward(*p),
            CommandMode::JointPositions(q) => joints_toward(q.clone()),
            CommandMode::NamedJointPositions(pairs) => {
                let mut q = state.joint_positions.clone();
                for (name, v) in pairs {
                    if let Some(i) = spec.joint_index(name) {
                        q[i] = *v;
                    }
                }
                joints_toward(q)
            }
        };
        Command::new(mode)
    }
}

impl<R: Robot> Robot for SafetyLayer<R> {
    fn spec(&self) -> &RobotSpec {
        self.inner.spec()
    }

    fn state(&self) -> RobotState {
        let mut s = self.inner.state();
        s.holding = self.holding;
        s
    }

    fn command(&mut self, command: Command) -> Result<(), RobotError> {
        command.validate(self.inner.spec())?;
        let joint_space = matches!(
            command.mode,
            CommandMode::JointPositions(_) | CommandMode::NamedJointPositions(_)
        );
        if joint_space
            && self
                .inner
                .hand_at(&self.inner.state().joint_positions)
                .is_none()
        {
            return Err(RobotError::Unsafe(
                "this arm does not give its forward kinematics (Robot::hand_at), so joint \
                 targets cannot be kept inside the workspace; command the hand instead"
                    .into(),
            ));
        }
        if self.stopped && command.mode != CommandMode::Hold {
            return Err(RobotError::Stopped);
        }
        self.active = command;
        Ok(())
    }

    fn step(&mut self) -> Result<RobotState, RobotError> {
        let state = self.inner.state();
        let expired = self.active.deadline.is_some_and(|d| state.time > d);
        let command = if expired || self.stopped {
            Command::new(CommandMode::Hold)
        } else {
            self.safe_command(&state)
        };
        self.holding = expired;
        self.inner.command(command)?;
        let mut s = self.inner.step()?;
        s.holding = self.holding;
        Ok(s)
    }

    fn read_sensor(&mut self, name: &str) -> Result<Image, RobotError> {
        self.inner.read_sensor(name)
    }

    fn home(&mut self) -> Result<RobotState, RobotError> {
        let s = self.inner.home()?;
        self.active = Command::new(CommandMode::Hold);
        self.stopped = false;
        self.holding = false;
        Ok(s)
    }

    fn stop(&mut self) {
        self.inner.stop();
        self.active = Command::new(CommandMode::Hold);
        self.stopped = true;
    }

    fn set_sensor_size(&mut self, name: &str, width: u32, height: u32) -> Result<(), RobotError> {
        self.inner.set_sensor_size(name, width, height)
    }

    fn hand_at(&self, joints: &[f64]) -> Option<DVec3> {
        self.inner.hand_at(joints)
    }

    fn simulator(&self) -> Option<&dyn Simulator> {
        self.inner.simulator()
    }

    /// The simulator's privileges change the scene, not the arm's motion: they pass the
    /// guard, which forgets the command in force (a rebuilt or re-placed scene starts still).
    fn simulator_mut(&mut self) -> Option<&mut dyn Simulator> {
        self.active = Command::new(CommandMode::Hold);
        self.holding = false;
        self.inner.simulator_mut()
    }
}

impl<R: Robot + Oracle> Oracle for SafetyLayer<R> {
    fn oracle(&self) -> OracleState {
        self.inner.oracle()
    }
}
