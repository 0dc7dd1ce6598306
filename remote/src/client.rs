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
    /// Whether the arm moves only when stepped (then its readings keep until it moves).
    lockstep: bool,
    seen: Mutex<Seen>,
}

/// What the controller of a lockstep arm has read since the arm last moved. Nothing can change
/// those readings until the controller moves the arm again, so they are answered here without
/// a round trip, and the next step brings back the same readings in its reply: a control step
/// (step, images, state, truth) costs one round trip, not one per reading.
#[derive(Default)]
struct Seen {
    state: Option<RobotState>,
    images: Vec<(String, Image)>,
    truth: Option<OracleState>,
    /// Sensors read since the last step, in the order first read.
    read: Vec<String>,
    read_truth: bool,
}

impl Seen {
    /// Notes that sensor `name` was read since the last step, so the next step brings it back.
    fn note_read(&mut self, name: &str) {
        if !self.read.iter().any(|n| n == name) {
            self.read.push(name.into());
        }
    }

    /// Forgets the readings (the arm or its sensors changed), not what was read.
    fn forget(&mut self) {
        self.state = None;
        self.images.clear();
        self.truth = None;
    }
}

fn remote(e: tonic::Status) -> RobotError {
    // A connection that broke mid-call comes back as an unknown transport error.
    let lost = e.code() == tonic::Code::Unknown && e.message().contains("transport error");
    if lost {
        return RobotError::Remote(format!(
            "server unreachable: the connection broke ({}); calls reconnect when it is back",
            e.message()
        ));
    }
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
        let (simulated, gap, lockstep) = (spec.simulated, spec.gap.clone(), spec.lockstep);
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
            lockstep,
            seen: Mutex::new(Seen::default()),
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
        self.seen().forget();
        Ok(())
    }

    /// Takes control again after the lease ended (the watchdog, or a server restarted), and
    /// sizes the sensors as this client had them: a restarted server starts from its own.
    fn reacquire(&mut self) -> Result<(), RobotError> {
        self.acquire()?;
        let lease = self.lease()?;
        for s in &self.spec.sensors {
            let r = sensor_size(lease.clone(), &s.name, s.width, s.height);
            self.rt
                .block_on(self.client.clone().set_sensor_size(r))
                .map_err(remote)?;
        }
        Ok(())
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether readings keep until the next step: this client alone moves a lockstep arm.
    fn keeps_readings(&self) -> bool {
        self.lockstep && self.lease.is_some()
    }

    /// Steps a lockstep arm and brings back what was read after the last step.
    fn step_and_read(&mut self) -> Result<RobotState, RobotError> {
        let (sensors, truth) = {
            let mut seen = self.seen();
            seen.forget();
            (
                std::mem::take(&mut seen.read),
                std::mem::take(&mut seen.read_truth),
            )
        };
        let rt = self.rt.clone();
        let reply = self.controlled(|c, lease| {
            let r = pb::StepRequest {
                lease: Some(lease),
                sensors: sensors.clone(),
                truth,
            };
            rt.block_on(c.step_and_read(r)).map(|r| r.into_inner())
        })?;
        let state = reply
            .state
            .ok_or_else(|| malformed("a step without a state".into()))?;
        let state = self.remember(state)?;
        if reply.images.len() != sensors.len() {
            return Err(malformed(format!(
                "{} images for {} sensors",
                reply.images.len(),
                sensors.len()
            )));
        }
        let mut images = Vec::with_capacity(sensors.len());
        for (name, image) in sensors.into_iter().zip(reply.images) {
            images.push((name, convert::from_image(image).map_err(malformed)?));
        }
        let mut seen = self.seen();
        seen.state = Some(state.clone());
        seen.images = images;
        seen.truth = reply.truth.map(|t| convert::oracle(&t));
        Ok(state)
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
                self.reacquire()?;
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
        if let Some(state) = self.seen().state.clone() {
            return state;
        }
        let asked = self
            .rt
            .block_on(self.client.clone().get_state(pb::Empty {}));
        match asked.map(|r| self.remember(r.into_inner())) {
            Ok(Ok(state)) => {
                if self.keeps_readings() {
                    self.seen().state = Some(state.clone());
                }
                state
            }
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
        self.seen().forget();
        let rt = self.rt.clone();
        self.controlled(|c, lease| {
            rt.block_on(c.send_command(convert::command_request(&command, lease)))
                .map(|_| ())
        })
    }

    fn step(&mut self) -> Result<RobotState, RobotError> {
        if self.keeps_readings() {
            return self.step_and_read();
        }
        let rt = self.rt.clone();
        let state =
            self.controlled(|c, lease| rt.block_on(c.step(lease)).map(|r| r.into_inner()))?;
        self.remember(state)
    }

    fn read_sensor(&mut self, name: &str) -> Result<Image, RobotError> {
        let keeps = self.keeps_readings();
        if keeps {
            let mut seen = self.seen();
            if let Some(i) = seen.images.iter().position(|(n, _)| n == name) {
                let image = seen.images[i].1.clone();
                seen.note_read(name);
                return Ok(image);
            }
        }
        let request = pb::SensorRequest { name: name.into() };
        let image = self
            .rt
            .block_on(self.client.clone().read_sensor(request))
            .map_err(remote)?;
        let image = convert::from_image(image.into_inner()).map_err(malformed)?;
        if keeps {
            let mut seen = self.seen();
            seen.note_read(name);
            seen.images.push((name.into(), image.clone()));
        }
        Ok(image)
    }

    fn home(&mut self) -> Result<RobotState, RobotError> {
        self.seen().forget();
        let rt = self.rt.clone();
        let state =
            self.controlled(|c, lease| rt.block_on(c.home(lease)).map(|r| r.into_inner()))?;
        self.remember(state)
    }

    fn stop(&mut self) {
        self.seen().forget();
        let _ = self.rt.block_on(self.client.clone().stop(pb::Empty {}));
    }

    fn set_sensor_size(&mut self, name: &str, width: u32, height: u32) -> Result<(), RobotError> {
        self.seen().forget();
        let rt = self.rt.clone();
        self.controlled(|c, lease| {
            let r = sensor_size(lease, name, width, height);
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
        self.seen().forget();
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
        self.seen().forget();
        let rt = self.rt.clone();
        self.controlled(|c, lease| {
            rt.block_on(c.place(convert::place_request(placement, lease)))
                .map(|_| ())
        })
    }

    /// The server's truth; empty if it cannot answer now.
    fn truth(&self) -> OracleState {
        if self.keeps_readings() {
            let mut seen = self.seen();
            seen.read_truth = true;
            if let Some(truth) = seen.truth.clone() {
                return truth;
            }
        }
        let truth = self
            .rt
            .block_on(self.client.clone().truth(pb::Empty {}))
            .map(|t| convert::oracle(&t.into_inner()));
        match truth {
            Ok(truth) => {
                if self.keeps_readings() {
                    self.seen().truth = Some(truth.clone());
                }
                truth
            }
            Err(_) => OracleState::default(),
        }
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
        self.seen().forget();
        let rt = self.rt.clone();
        self.controlled(|c, lease| rt.block_on(c.restore(lease)).map(|_| ()))
    }
}

/// A request to draw sensor `name` at `width` × `height`, under `lease`.
fn sensor_size(lease: pb::Lease, name: &str, width: u32, height: u32) -> pb::SensorSizeRequest {
    pb::SensorSizeRequest {
        lease: Some(lease),
        name: name.into(),
        width,
        height,
    }
}
