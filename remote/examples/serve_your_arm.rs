//! What you write to put your own arm behind byfeel: a `Robot` implementation over your arm's
//! driver, served with `byfeel_remote::spawn`. byfeel's agents, `byfeel eval --robot`,
//! `byfeel train ... --robot` and `gym.make(..., robot=...)` then drive it like any other arm.
//!
//! The arm here is a stand-in so that the example runs anywhere: a three-axis gantry whose
//! joints are the hand's x, y and z, "driven" by moving straight to each target. Each place
//! that would call a real arm's SDK says so.
//!
//! ```sh
//! cargo run --release -p byfeel-remote --example serve_your_arm
//! byfeel eval my-run --robot 127.0.0.1:50061      # from another terminal
//! ```

use byfeel_gym::{
    Command, CommandMode, Image, JointSpec, Robot, RobotError, RobotSpec, RobotState, SensorKind,
    SensorSpec, Workspace,
};
use byfeel_remote::{Clock, ServeOptions, spawn};
use glam::{DQuat, DVec3};

/// Your arm: its driver's handle and what the `Robot` contract needs to remember.
pub struct YourArm {
    spec: RobotSpec,
    /// The command in force (the safety layer on the server has already checked it).
    command: Command,
    /// Stand-in for the driver: where the gantry is.
    joints: Vec<f64>,
    time: f64,
    camera: (u32, u32),
}

impl YourArm {
    pub fn connect() -> Self {
        let axis = |name: &str, lower: f64, upper: f64| JointSpec {
            name: name.into(),
            lower,
            upper,
            max_velocity: 0.5,
        };
        Self {
            spec: RobotSpec {
                name: "gantry".into(),
                joints: vec![
                    axis("x", 0.3, 0.8),
                    axis("y", -0.3, 0.3),
                    axis("z", 0.0, 0.5),
                ],
                control_dt: 0.1,
                // The box the hand must stay in: the server's safety layer enforces it.
                workspace: Workspace {
                    min: DVec3::new(0.35, -0.25, 0.05),
                    max: DVec3::new(0.78, 0.25, 0.45),
                },
                max_ee_step: 0.05,
                sensors: vec![SensorSpec {
                    name: "wrist".into(),
                    kind: SensorKind::Camera,
                    width: 64,
                    height: 48,
                }],
            },
            command: Command::new(CommandMode::Hold),
            joints: vec![0.55, 0.0, 0.25],
            time: 0.0,
            camera: (64, 48),
        }
    }
}

impl Robot for YourArm {
    fn spec(&self) -> &RobotSpec {
        &self.spec
    }

    fn state(&self) -> RobotState {
        // SDK: read joint positions and velocities, and the hand's pose from the arm.
        RobotState {
            time: self.time,
            joint_positions: self.joints.clone(),
            joint_velocities: vec![0.0; 3],
            ee_position: self.hand_at(&self.joints).expect("three joints"),
            ee_orientation: DQuat::IDENTITY,
            holding: false,
            contact_force: None, // a wrist force sensor's normal force, if the arm has one
        }
    }

    fn command(&mut self, command: Command) -> Result<(), RobotError> {
        command.validate(&self.spec)?;
        self.command = command;
        Ok(())
    }

    fn step(&mut self) -> Result<RobotState, RobotError> {
        // The safety layer hands on hand targets and joint targets already clipped to the box
        // and limited to one step's motion; Hold keeps the arm where it is.
        match &self.command.mode {
            CommandMode::Hold => {}
            // SDK: send the joint targets (or the hand target to the arm's own Cartesian
            // controller), then wait for the control period to end.
            CommandMode::JointPositions(q) => self.joints = q.clone(),
            CommandMode::EndEffectorPosition(p) => self.joints = p.to_array().to_vec(),
            other => {
                return Err(RobotError::Unsafe(format!(
                    "{other:?} reaches the arm only through the safety layer"
                )));
            }
        }
        self.time += self.spec.control_dt;
        Ok(self.state())
    }

    fn read_sensor(&mut self, name: &str) -> Result<Image, RobotError> {
        if name != "wrist" {
            return Err(RobotError::UnknownSensor {
                name: name.into(),
                known: vec!["wrist".into()],
            });
        }
        // SDK: grab a frame and scale it to the size asked for.
        let (width, height) = self.camera;
        let shade = (self.joints[2] * 400.0) as u8;
        let rgb = vec![shade; (width * height * 3) as usize];
        Ok(Image { width, height, rgb })
    }

    fn home(&mut self) -> Result<RobotState, RobotError> {
        // SDK: move to the home posture (slowly) and clear any stop.
        self.joints = vec![0.55, 0.0, 0.25];
        self.command = Command::new(CommandMode::Hold);
        Ok(self.state())
    }

    fn stop(&mut self) {
        // SDK: brake or switch to the arm's hold controller.
        self.command = Command::new(CommandMode::Hold);
    }

    fn set_sensor_size(&mut self, name: &str, width: u32, height: u32) -> Result<(), RobotError> {
        self.read_sensor(name)?;
        self.camera = (width, height);
        if let Some(s) = self.spec.sensors.iter_mut().find(|s| s.name == name) {
            (s.width, s.height) = (width, height);
        }
        Ok(())
    }

    /// Forward kinematics, so that the safety layer can keep joint targets inside the box (the
    /// SDK or the arm's URDF gives them).
    fn hand_at(&self, joints: &[f64]) -> Option<DVec3> {
        (joints.len() == 3).then(|| DVec3::new(joints[0], joints[1], joints[2]))
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = ServeOptions {
        // A real arm keeps its own time: it steps every control period whatever clients do.
        clock: Clock::RealTime,
        ..ServeOptions::default()
    };
    let server = spawn(
        Box::new(YourArm::connect()),
        "127.0.0.1:50061".parse()?,
        options,
    )?;
    println!("serving the gantry on {}; Ctrl-C stops", server.addr);
    server.wait();
    Ok(())
}
