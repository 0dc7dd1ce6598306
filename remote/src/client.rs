//! [`RemoteRobot`]: an arm behind a byfeel robot server, as a [`Robot`] (and, where the server's
//! arm is simulated, a [`Simulator`]), so that tasks and agents run on it unchanged.

use std::sync::{Arc, Mutex};

use byfeel_gym::{
    Command, Image, OracleState, Placement, Randomization, Robot, RobotError, RobotSpec,
    RobotState, SceneGeometry, Simulator,
};
use tonic::transport::Channel;

use crate::convert;
use crate::proto::{self as pb, robot_client::RobotClient};

/// A connection to a robot server that controls its arm (or only watches it).
pub struct RemoteRobot {
    rt: Arc<tokio::runtime::Runtime>,
    client: RobotClient<Channel>,
    spec: RobotSpec,
    simulated: bool,
    gap: String,
    /// The control lease; `None` for a watcher.
    lease: Option<pb::Lease>,
    /// The last state the server sent, for `state()` when it cannot answer.
    last: Mutex<Option<RobotState>>,
    geometry: Option<SceneGeometry>,
}

fn remote(e: tonic::Status) -> RobotError {
    RobotError::Remote(format!("{}: {}", code_name(e.code()), e.message()))
}

fn code_name(code: tonic::Code) -> &'static str {
    match code {
        tonic::Code::InvalidArgument => "refused",
        tonic::Code::FailedPrecondition => "not now",
        tonic::Code::PermissionDenied => "not the controller",
        tonic::Code::Unauthenticated => "lease ended",
        tonic::Code::Unavailable => "server unreachable",
        _ => "server error",
    }
}

fn malformed(what: String) -> RobotError {
    RobotError::Remote(format!("the server sent a malformed message: {what}"))
}

impl RemoteRobot {
    /// Connects to the server at `addr` (`HOST:PORT`) and takes control of its arm.
    pub fn connect(addr: &str) -> Result<Self, RobotError> {
        let mut robot = Self::watch(addr)?;
        robot.acquire()?;
        Ok(robot)
    }

    /// Connects to the server at `addr` to watch: state, sensors and the oracle, no control.
    pub fn watch(addr: &str) -> Result<Self, RobotError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| RobotError::Remote(format!("cannot start a client runtime: {e}")))?;
        let url = if addr.contains("://") {
            addr.to_string()
        } else {
            format!("http://{addr}")
        };
        let endpoint = Channel::from_shared(url)
            .map_err(|e| RobotError::Remote(format!("{addr:?} is no robot server address: {e}")))?
            .connect_timeout(std::time::Duration::from_secs(5));
        let channel = rt.block_on(endpoint.connect()).map_err(|e| {
            RobotError::Remote(format!("cannot reach a robot server at {addr}: {e}"))
        })?;
        let mut client = RobotClient::new(channel).max_decoding_message_size(64 << 20);
        let spec = rt
            .block_on(client.get_spec(pb::Empty {}))
            .map_err(remote)?
            .into_inner();
        let (simulated, gap) = (spec.simulated, spec.gap.clone());
        let spec = convert::robot_spec(&spec).map_err(malformed)?;
        let mut robot = Self {
            rt: Arc::new(rt),
            client,
            spec,
            simulated,
            gap,
            lease: None,
            last: Mutex::new(None),
            geometry: None,
        };
        if simulated {
            robot.geometry = Some(robot.fetch_geometry()?);
        }
        // A state from the start, so that `state()` always has a real one to fall back on.
        let first = robot
            .rt
            .block_on(robot.client.clone().get_state(pb::Empty {}));
        robot.remember(first.map_err(remote)?.into_inner())?;
        Ok(robot)
    }

    /// The reality gap the server's simulator runs with, as TOML (empty for none).
    pub fn gap(&self) -> &str {
        &self.gap
    }

    /// Whether this connection controls the arm.
    pub fn controls(&self) -> bool {
        self.lease.is_some()
    }

    fn acquire(&mut self) -> Result<(), RobotError> {
        let lease = self
            .rt
            .block_on(self.client.clone().acquire(pb::Empty {}))
            .map_err(remote)?;
        self.lease = Some(lease.into_inner());
        Ok(())
    }

    fn lease(&self) -> Result<pb::Lease, RobotError> {
        self.lease.clone().ok_or_else(|| {
            RobotError::Remote("this connection only watches: connect to control the arm".into())
        })
    }

    /// Runs a controller's call; when the watchdog ended the lease (the arm held meanwhile)
    /// and nobody else took control, takes it again and retries once.
    fn controlled<T, F>(&mut self, call: F) -> Result<T, RobotError>
    where
        F: Fn(&mut RobotClient<Channel>, pb::Lease) -> Result<T, tonic::Status>,
    {
        let first = call(&mut self.client.clone(), self.lease()?);
        match first {
            Err(e) if e.code() == tonic::Code::Unauthenticated => {
                self.acquire()?;
                call(&mut self.client.clone(), self.lease()?).map_err(remote)
            }
            other => other.map_err(remote),
        }
    }

    fn remember(&self, state: pb::State) -> Result<RobotState, RobotError> {
        let state = convert::robot_state(&state).map_err(malformed)?;
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(state.clone());
        Ok(state)
    }

    fn fetch_geometry(&self) -> Result<SceneGeometry, RobotError> {
        let g = self
            .rt
            .block_on(self.client.clone().geometry(pb::Empty {}))
            .map_err(remote)?;
        convert::scene_geometry(&g.into_inner()).map_err(malformed)
    }
}

impl Drop for RemoteRobot {
    fn drop(&mut self) {
        if let Some(lease) = self.lease.take() {
            let _ = self.rt.block_on(self.client.clone().release(lease));
        }
    }
}

impl Robot for RemoteRobot {
    fn spec(&self) -> &RobotSpec {
        &self.spec
    }

    /// The arm's state, asked of the server; the last one it sent if it cannot answer now.
    fn state(&self) -> RobotState {
        let asked = self
            .rt
            .block_on(self.client.clone().get_state(pb::Empty {}));
        match asked.map(|r| self.remember(r.into_inner())) {
            Ok(Ok(state)) => state,
            _ => self
                .last
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
                .expect("a state is fetched on connecting"),
        }
    }

    fn command(&mut self, command: Command) -> Result<(), RobotError> {
        // Checked here too, so that a bad command is refused without a round trip.
        command.validate(&self.spec)?;
        let rt = self.rt.clone();
        self.controlled(|c, lease| {
            rt.block_on(c.send_command(convert::command_request(&command, lease)))
                .map(|_| ())
        })
    }

    fn step(&mut self) -> Result<RobotState, RobotError> {
        let rt = self.rt.clone();
        let state =
            self.controlled(|c, lease| rt.block_on(c.step(lease)).map(|r| r.into_inner()))?;
        self.remember(state)
    }

    fn read_sensor(&mut self, name: &str) -> Result<Image, RobotError> {
        let request = pb::SensorRequest { name: name.into() };
        let image = self
            .rt
            .block_on(self.client.clone().read_sensor(request))
            .map_err(remote)?;
        convert::from_image(image.into_inner()).map_err(malformed)
    }

    fn home(&mut self) -> Result<RobotState, RobotError> {
        let rt = self.rt.clone();
        let state =
            self.controlled(|c, lease| rt.block_on(c.home(lease)).map(|r| r.into_inner()))?;
        self.remember(state)
    }

    fn stop(&mut self) {
        let _ = self.rt.block_on(self.client.clone().stop(pb::Empty {}));
    }

    fn set_sensor_size(&mut self, name: &str, width: u32, height: u32) -> Result<(), RobotError> {
        let rt = self.rt.clone();
        self.controlled(|c, lease| {
            let r = pb::SensorSizeRequest {
                lease: Some(lease),
                name: name.into(),
                width,
                height,
            };
            rt.block_on(c.set_sensor_size(r)).map(|_| ())
        })?;
        if let Some(s) = self.spec.sensors.iter_mut().find(|s| s.name == name) {
            (s.width, s.height) = (width, height);
        }
        Ok(())
    }

    fn simulator(&self) -> Option<&dyn Simulator> {
        self.simulated.then_some(self as &dyn Simulator)
    }

    fn simulator_mut(&mut self) -> Option<&mut dyn Simulator> {
        if self.simulated { Some(self) } else { None }
    }
}

impl Simulator for RemoteRobot {
    fn rebuild(&mut self, randomization: Randomization) -> Result<(), RobotError> {
        let seed = match randomization {
            Randomization::Nominal => None,
            Randomization::Seeded(s) => Some(s),
        };
        let rt = self.rt.clone();
        self.controlled(|c, lease| {
            rt.block_on(c.rebuild(pb::RebuildRequest {
                lease: Some(lease),
                seed,
            }))
            .map(|_| ())
        })?;
        self.geometry = Some(self.fetch_geometry()?);
        Ok(())
    }

    fn place(&mut self, placement: &Placement) -> Result<(), RobotError> {
        let rt = self.rt.clone();
        self.controlled(|c, lease| {
            rt.block_on(c.place(convert::place_request(placement, lease)))
                .map(|_| ())
        })
    }

    /// The server's truth; empty if it cannot answer now.
    fn truth(&self) -> OracleState {
        self.rt
            .block_on(self.client.clone().truth(pb::Empty {}))
            .map(|t| convert::oracle(&t.into_inner()))
            .unwrap_or_default()
    }

    fn geometry(&self) -> SceneGeometry {
        self.geometry
            .expect("a simulated server's geometry is fetched on connecting")
    }

    fn save(&mut self) -> Result<(), RobotError> {
        let rt = self.rt.clone();
        self.controlled(|c, lease| rt.block_on(c.save(lease)).map(|_| ()))
    }

    fn restore(&mut self) -> Result<(), RobotError> {
        let rt = self.rt.clone();
        self.controlled(|c, lease| rt.block_on(c.restore(lease)).map(|_| ()))
    }
}
