//! Arms behind a robot server (`byfeel serve`): `byfeel.RemoteRobot`, and the task env over
//! either a simulated arm here or a served one.

use byfeel_gym::{Command, CommandMode, Env, EnvConfig, EnvError, Robot, RobotError, TaskEnv};
use byfeel_remote::RemoteRobot;
use glam::DVec3;
use numpy::PyArray1;
use pyo3::exceptions::{PyConnectionError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// A task env on whichever arm: what `byfeel._native.Env` needs of it.
pub(crate) trait AnyTaskEnv: Env + Sync {
    fn config(&self) -> &EnvConfig;
    fn goal(&self) -> Option<&[f32]>;
    fn goal_image(&self) -> Option<&[u8]>;
    fn set_goal_image(&mut self, rgb: &[u8]) -> Result<(), EnvError>;
}

impl<R: Robot + Send + Sync> AnyTaskEnv for TaskEnv<R> {
    fn config(&self) -> &EnvConfig {
        TaskEnv::config(self)
    }
    fn goal(&self) -> Option<&[f32]> {
        TaskEnv::goal(self)
    }
    fn goal_image(&self) -> Option<&[u8]> {
        TaskEnv::goal_image(self)
    }
    fn set_goal_image(&mut self, rgb: &[u8]) -> Result<(), EnvError> {
        TaskEnv::set_goal_image(self, rgb)
    }
}

/// The task of `config` on the arm of the robot server at `robot`, or on a simulated arm here.
pub(crate) fn task_env(
    config: EnvConfig,
    robot: Option<&str>,
) -> Result<Box<dyn AnyTaskEnv>, EnvError> {
    Ok(match robot {
        None => Box::new(TaskEnv::new(config)?),
        Some(addr) => Box::new(TaskEnv::on_robot(config, RemoteRobot::connect(addr)?)?),
    })
}

fn robot_error(e: RobotError) -> PyErr {
    match e {
        RobotError::Remote(m) if m.contains("cannot reach") => PyConnectionError::new_err(m),
        other => PyValueError::new_err(other.to_string()),
    }
}

/// An arm behind a robot server (`byfeel serve`), driven as byfeel's `Robot`: commands are
/// checked and guarded on the server's side, one client controls while others watch.
///
/// ```python
/// robot = byfeel.RemoteRobot("127.0.0.1:50051")
/// robot.move_hand(0.0, 0.0, 0.01)      # 1 cm up per control step, until told otherwise
/// state = robot.step()                 # one control step
/// image = robot.read_sensor("gel")     # H x W x 3 uint8
/// ```
#[pyclass(name = "RemoteRobot", module = "byfeel._native")]
pub(crate) struct PyRemoteRobot {
    robot: RemoteRobot,
}

fn state_dict<'py>(py: Python<'py>, s: &byfeel_gym::RobotState) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("time", s.time)?;
    d.set_item(
        "joint_positions",
        PyArray1::from_vec(py, s.joint_positions.clone()),
    )?;
    d.set_item(
        "joint_velocities",
        PyArray1::from_vec(py, s.joint_velocities.clone()),
    )?;
    d.set_item(
        "ee_position",
        PyArray1::from_vec(py, s.ee_position.to_array().to_vec()),
    )?;
    let q = s.ee_orientation;
    d.set_item(
        "ee_orientation",
        PyArray1::from_vec(py, vec![q.x, q.y, q.z, q.w]),
    )?;
    d.set_item("holding", s.holding)?;
    d.set_item("contact_force", s.contact_force)?;
    Ok(d)
}

#[pymethods]
impl PyRemoteRobot {
    /// Connects to `address` (`"HOST:PORT"`); takes control of the arm unless `watch`.
    #[new]
    #[pyo3(signature = (address, watch=false))]
    fn new(py: Python<'_>, address: &str, watch: bool) -> PyResult<Self> {
        let robot = py
            .detach(|| {
                if watch {
                    RemoteRobot::watch(address)
                } else {
                    RemoteRobot::connect(address)
                }
            })
            .map_err(robot_error)?;
        Ok(Self { robot })
    }

    /// The arm's name, joints (name, lower, upper, max_velocity), control period, workspace
    /// and sensors (name, kind, width, height).
    #[getter]
    fn spec<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.robot.spec();
        let d = PyDict::new(py);
        d.set_item("name", &s.name)?;
        let joints: Vec<_> = s
            .joints
            .iter()
            .map(|j| (j.name.clone(), j.lower, j.upper, j.max_velocity))
            .collect();
        d.set_item("joints", joints)?;
        d.set_item("control_dt", s.control_dt)?;
        d.set_item(
            "workspace",
            (s.workspace.min.to_array(), s.workspace.max.to_array()),
        )?;
        d.set_item("max_ee_step", s.max_ee_step)?;
        let sensors: Vec<_> = s
            .sensors
            .iter()
            .map(|x| {
                (
                    x.name.clone(),
                    format!("{:?}", x.kind).to_lowercase(),
                    x.width,
                    x.height,
                )
            })
            .collect();
        d.set_item("sensors", sensors)?;
        d.set_item("simulated", self.robot.simulator().is_some())?;
        Ok(d)
    }

    /// The reality gap the server's simulator runs with, as TOML ("" for none).
    #[getter]
    fn gap(&self) -> &str {
        self.robot.gap()
    }

    /// The arm's state now: time, joint positions and velocities, hand position and
    /// orientation (x, y, z, w), holding, contact force.
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = py.detach(|| self.robot.state());
        state_dict(py, &s)
    }

    /// Moves the hand by (dx, dy, dz) metres per control step, until told otherwise or until
    /// robot-clock time `deadline`.
    #[pyo3(signature = (dx, dy, dz, deadline=None))]
    fn move_hand(
        &mut self,
        py: Python<'_>,
        dx: f64,
        dy: f64,
        dz: f64,
        deadline: Option<f64>,
    ) -> PyResult<()> {
        self.send(
            py,
            CommandMode::EndEffectorDelta(DVec3::new(dx, dy, dz)),
            deadline,
        )
    }

    /// Moves the hand toward (x, y, z), metres in the world frame.
    #[pyo3(signature = (x, y, z, deadline=None))]
    fn move_hand_to(
        &mut self,
        py: Python<'_>,
        x: f64,
        y: f64,
        z: f64,
        deadline: Option<f64>,
    ) -> PyResult<()> {
        self.send(
            py,
            CommandMode::EndEffectorPosition(DVec3::new(x, y, z)),
            deadline,
        )
    }

    /// Moves every joint toward `targets` (rad or m, in the spec's order).
    #[pyo3(signature = (targets, deadline=None))]
    fn move_joints(
        &mut self,
        py: Python<'_>,
        targets: Vec<f64>,
        deadline: Option<f64>,
    ) -> PyResult<()> {
        self.send(py, CommandMode::JointPositions(targets), deadline)
    }

    /// Holds the arm still.
    fn hold(&mut self, py: Python<'_>) -> PyResult<()> {
        self.send(py, CommandMode::Hold, None)
    }

    /// One control step (or, on a real-time server, the next one); the state after it.
    fn step<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let robot = &mut self.robot;
        let s = py.detach(|| robot.step()).map_err(robot_error)?;
        state_dict(py, &s)
    }

    /// An image from the sensor `name` (see `spec["sensors"]`): H x W x 3 uint8.
    fn read_sensor<'py>(&mut self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let robot = &mut self.robot;
        let image = py.detach(|| robot.read_sensor(name)).map_err(robot_error)?;
        crate::array(
            py,
            byfeel_gym::Array::image(image.height, image.width, image.rgb),
        )
    }

    /// Back to the home posture; clears a stop.
    fn home<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let robot = &mut self.robot;
        let s = py.detach(|| robot.home()).map_err(robot_error)?;
        state_dict(py, &s)
    }

    /// Holds still and refuses motion until `home()`.
    fn stop(&mut self) {
        self.robot.stop();
    }
}

impl PyRemoteRobot {
    fn send(&mut self, py: Python<'_>, mode: CommandMode, deadline: Option<f64>) -> PyResult<()> {
        let robot = &mut self.robot;
        py.detach(|| robot.command(Command { mode, deadline }))
            .map_err(robot_error)
    }
}

/// A robot server running in this process (`byfeel.serve`); `close()` stops it.
#[pyclass(name = "Server", module = "byfeel._native")]
pub(crate) struct PyServer {
    handle: Option<byfeel_remote::ServerHandle>,
    address: String,
}

#[pymethods]
impl PyServer {
    /// `HOST:PORT` the server listens on.
    #[getter]
    fn address(&self) -> &str {
        &self.address
    }

    /// Stops the server.
    fn close(&mut self, py: Python<'_>) {
        if let Some(h) = self.handle.take() {
            py.detach(|| h.shutdown());
        }
    }
}

/// Serves a scene's simulated arm (`"door"`, `"cup"`, `"die"` or a scene file) on `listen`
/// (port 0: any free port), as `byfeel serve` does; `gap` (`"mild"`, `"hard"` or a TOML file)
/// serves it across a reality gap.
#[pyfunction]
#[pyo3(signature = (scene="door", listen="127.0.0.1:0", clock="lockstep", watchdog=1.0, gap=None))]
pub(crate) fn serve(
    py: Python<'_>,
    scene: &str,
    listen: &str,
    clock: &str,
    watchdog: f64,
    gap: Option<&str>,
) -> PyResult<PyServer> {
    use byfeel_remote::{Clock, ServeOptions};
    let addr: std::net::SocketAddr = listen
        .parse()
        .map_err(|e| PyValueError::new_err(format!("listen {listen:?}: give HOST:PORT ({e})")))?;
    let clock = match clock {
        "lockstep" => Clock::Lockstep,
        "real-time" | "realtime" => Clock::RealTime,
        other => {
            return Err(PyValueError::new_err(format!(
                "clock {other:?}: lockstep or real-time"
            )));
        }
    };
    if !(watchdog.is_finite() && watchdog > 0.0) {
        return Err(PyValueError::new_err(
            "watchdog: a positive number of seconds",
        ));
    }
    let gap = gap
        .map(byfeel_gym::gap::RealityGap::from_arg)
        .transpose()
        .map_err(PyValueError::new_err)?;
    let options = ServeOptions {
        clock,
        watchdog: std::time::Duration::from_secs_f64(watchdog),
        gap: gap.as_ref().map(|g| g.to_toml()).unwrap_or_default(),
    };
    let handle = py
        .detach(|| -> Result<_, String> {
            let arm: Box<dyn Robot + Send> = match gap {
                None => Box::new(
                    byfeel_gym::SimRobot::from_scene(scene, byfeel_sim::Randomization::Nominal)
                        .map_err(|e| e.to_string())?,
                ),
                Some(gap) => Box::new(byfeel_gym::gap::GapRobot::from_scene(scene, gap)?),
            };
            byfeel_remote::spawn(arm, addr, options).map_err(|e| e.to_string())
        })
        .map_err(PyValueError::new_err)?;
    Ok(PyServer {
        address: handle.addr.to_string(),
        handle: Some(handle),
    })
}
