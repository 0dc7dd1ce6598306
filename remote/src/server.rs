//! The robot server: one [`Robot`] served over gRPC behind a [`SafetyLayer`] and a watchdog,
//! so that the arm is safe whatever its clients do.
//!
//! One client controls the arm at a time (it holds the lease `Acquire` gives);
//! any number may watch (state, sensors, the oracle). The watchdog: when the controller sends
//! nothing for `watchdog` (1 s by default, as Polymetis and deoxys), its lease ends and the
//! arm holds still; a real-time arm also holds when a command outlives its deadline.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use byfeel_gym::{Command, CommandMode, Randomization, Robot, RobotError, SafetyLayer};
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status};

use crate::convert;
use crate::proto::{self as pb, robot_server::RobotServer as GrpcServer};

/// How the served arm's clock runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The arm moves one control step each time its controller calls `Step`: a simulator
    /// training as fast as it can, and bit for bit as it would in process.
    Lockstep,
    /// The arm steps on its own every control period, as a real arm does; `Step` waits for
    /// the next one.
    RealTime,
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Lockstep (default) or real time.
    pub clock: Clock,
    /// Silence from the controller after which its lease ends and the arm holds.
    pub watchdog: Duration,
    /// The reality gap the served simulator runs with, as TOML ("" for none), told to clients.
    pub gap: String,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            clock: Clock::Lockstep,
            watchdog: Duration::from_secs(1),
            gap: String::new(),
        }
    }
}

/// A served arm: the robot, who controls it, and since when.
struct Served {
    robot: SafetyLayer<Box<dyn Robot + Send>>,
    lease: Option<(String, Instant)>,
    /// Leases the watchdog ended, so their holders are told so (and may ask again).
    expired: Vec<String>,
    watchdog: Duration,
}

impl Served {
    /// Ends a silent controller's lease, holding the arm.
    fn watch(&mut self) {
        if let Some((token, seen)) = &self.lease
            && seen.elapsed() > self.watchdog
        {
            self.expired.push(token.clone());
            if self.expired.len() > 16 {
                self.expired.remove(0);
            }
            self.lease = None;
            let _ = self.robot.command(Command::new(CommandMode::Hold));
        }
    }

    /// Checks that `lease` is the controller's, and notes that it spoke.
    fn control(&mut self, lease: Option<&pb::Lease>) -> Result<(), Status> {
        self.watch();
        let token = lease.map(|l| l.token.as_str()).unwrap_or_default();
        match &mut self.lease {
            Some((held, seen)) if held == token => {
                *seen = Instant::now();
                Ok(())
            }
            _ if self.expired.iter().any(|t| t == token) => Err(Status::unauthenticated(
                "the lease ended: nothing came from it within the watchdog period, and the arm held",
            )),
            Some(_) => Err(Status::permission_denied("another client controls the arm")),
            None if !token.is_empty() => Err(Status::unauthenticated(
                "this server gave no such lease (it may have restarted): acquire control again",
            )),
            None => Err(Status::permission_denied(
                "acquire control of the arm first",
            )),
        }
    }
}

/// The gRPC service over a served arm.
pub struct RobotServer {
    served: Arc<Mutex<Served>>,
    states: broadcast::Sender<pb::State>,
    clock: Clock,
    /// Whether the served arm offers the simulator's privileges.
    simulated: bool,
    /// The reality gap the served simulator runs with, as TOML.
    gap: String,
}

fn refused(e: RobotError) -> Status {
    match e {
        RobotError::Stopped => Status::failed_precondition(e.to_string()),
        RobotError::SensorUnavailable { .. } | RobotError::Unreachable(_) => {
            Status::failed_precondition(e.to_string())
        }
        _ => Status::invalid_argument(e.to_string()),
    }
}

fn malformed(what: String) -> Status {
    Status::invalid_argument(what)
}

fn not_simulated() -> Status {
    Status::failed_precondition("the served arm is not simulated")
}

impl RobotServer {
    /// Serves `robot` (guarded here by a safety layer) as `options` say.
    pub fn new(robot: Box<dyn Robot + Send>, options: &ServeOptions) -> Self {
        let simulated = robot.simulator().is_some();
        let served = Served {
            robot: SafetyLayer::new(robot),
            lease: None,
            expired: Vec::new(),
            watchdog: options.watchdog,
        };
        let (states, _) = broadcast::channel(64);
        Self {
            served: Arc::new(Mutex::new(served)),
            states,
            clock: options.clock,
            simulated,
            gap: options.gap.clone(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Served> {
        self.served.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A real-time arm's control loop: a step every control period, the watchdog before each.
    fn run_clock(served: Arc<Mutex<Served>>, states: broadcast::Sender<pb::State>, dt: f64) {
        let period = Duration::from_secs_f64(dt.max(1e-3));
        let mut next = Instant::now() + period;
        loop {
            std::thread::sleep(next.saturating_duration_since(Instant::now()));
            next += period;
            let mut s = served.lock().unwrap_or_else(|p| p.into_inner());
            s.watch();
            if let Ok(state) = s.robot.step() {
                let _ = states.send(convert::state(&state));
            }
            if Arc::strong_count(&served) == 1 {
                return; // the server is gone
            }
        }
    }

    fn simulated<T>(
        &self,
        lease: Option<&pb::Lease>,
        act: impl FnOnce(&mut dyn byfeel_gym::Simulator) -> Result<T, RobotError>,
    ) -> Result<T, Status> {
        let mut s = self.lock();
        s.control(lease)?;
        let sim = s.robot.simulator_mut().ok_or_else(not_simulated)?;
        act(sim).map_err(refused)
    }
}

type States = std::pin::Pin<Box<dyn Stream<Item = Result<pb::State, Status>> + Send>>;

#[tonic::async_trait]
impl pb::robot_server::Robot for RobotServer {
    type WatchStateStream = States;

    async fn get_spec(&self, _: Request<pb::Empty>) -> Result<Response<pb::Spec>, Status> {
        // Read now: sensor sizes change at clients' request.
        let lockstep = self.clock == Clock::Lockstep;
        let spec = convert::spec(
            self.lock().robot.spec(),
            self.simulated,
            lockstep,
            &self.gap,
        );
        Ok(Response::new(spec))
    }

    async fn get_state(&self, _: Request<pb::Empty>) -> Result<Response<pb::State>, Status> {
        Ok(Response::new(convert::state(&self.lock().robot.state())))
    }

    async fn watch_state(&self, _: Request<pb::Empty>) -> Result<Response<States>, Status> {
        let stream = BroadcastStream::new(self.states.subscribe()).filter_map(|s| s.ok().map(Ok));
        Ok(Response::new(Box::pin(stream)))
    }

    async fn acquire(&self, _: Request<pb::Empty>) -> Result<Response<pb::Lease>, Status> {
        let mut s = self.lock();
        s.watch();
        if s.lease.is_some() {
            return Err(Status::permission_denied("another client controls the arm"));
        }
        let token = format!("{:032x}", rand::random::<u128>());
        s.lease = Some((token.clone(), Instant::now()));
        Ok(Response::new(pb::Lease { token }))
    }

    async fn release(&self, r: Request<pb::Lease>) -> Result<Response<pb::Empty>, Status> {
        let mut s = self.lock();
        s.control(Some(r.get_ref()))?;
        s.lease = None;
        s.robot
            .command(Command::new(CommandMode::Hold))
            .map_err(refused)?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn send_command(
        &self,
        r: Request<pb::CommandRequest>,
    ) -> Result<Response<pb::Empty>, Status> {
        let command = convert::command(r.get_ref()).map_err(malformed)?;
        let mut s = self.lock();
        s.control(r.get_ref().lease.as_ref())?;
        s.robot.command(command).map_err(refused)?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn step(&self, r: Request<pb::Lease>) -> Result<Response<pb::State>, Status> {
        if self.clock == Clock::RealTime {
            let mut next = self.states.subscribe();
            self.lock().control(Some(r.get_ref()))?;
            let state = next
                .recv()
                .await
                .map_err(|e| Status::unavailable(e.to_string()))?;
            return Ok(Response::new(state));
        }
        let mut s = self.lock();
        s.control(Some(r.get_ref()))?;
        let state = convert::state(&s.robot.step().map_err(refused)?);
        let _ = self.states.send(state.clone());
        Ok(Response::new(state))
    }

    async fn step_and_read(
        &self,
        r: Request<pb::StepRequest>,
    ) -> Result<Response<pb::StepReply>, Status> {
        let r = r.into_inner();
        let lease = r.lease.unwrap_or_default();
        let state = self.step(Request::new(lease)).await?.into_inner();
        let mut s = self.lock();
        let mut images = Vec::with_capacity(r.sensors.len());
        for name in &r.sensors {
            images.push(convert::image(s.robot.read_sensor(name).map_err(refused)?));
        }
        // Read through `simulator()`: the mutable view would end the command in force.
        let truth = match (r.truth, s.robot.simulator()) {
            (false, _) => None,
            (true, Some(sim)) => Some(convert::truth(&sim.truth())),
            (true, None) => return Err(not_simulated()),
        };
        Ok(Response::new(pb::StepReply {
            state: Some(state),
            images,
            truth,
        }))
    }

    async fn read_sensor(
        &self,
        r: Request<pb::SensorRequest>,
    ) -> Result<Response<pb::ImageReply>, Status> {
        let image = self
            .lock()
            .robot
            .read_sensor(&r.get_ref().name)
            .map_err(refused)?;
        Ok(Response::new(convert::image(image)))
    }

    async fn set_sensor_size(
        &self,
        r: Request<pb::SensorSizeRequest>,
    ) -> Result<Response<pb::Empty>, Status> {
        let r = r.get_ref();
        let mut s = self.lock();
        s.control(r.lease.as_ref())?;
        s.robot
            .set_sensor_size(&r.name, r.width, r.height)
            .map_err(refused)?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn home(&self, r: Request<pb::Lease>) -> Result<Response<pb::State>, Status> {
        let mut s = self.lock();
        s.control(Some(r.get_ref()))?;
        Ok(Response::new(convert::state(
            &s.robot.home().map_err(refused)?,
        )))
    }

    async fn stop(&self, _: Request<pb::Empty>) -> Result<Response<pb::Empty>, Status> {
        self.lock().robot.stop();
        Ok(Response::new(pb::Empty {}))
    }

    async fn rebuild(&self, r: Request<pb::RebuildRequest>) -> Result<Response<pb::Empty>, Status> {
        let r = r.get_ref();
        let randomization = r.seed.map_or(Randomization::Nominal, Randomization::Seeded);
        self.simulated(r.lease.as_ref(), |sim| sim.rebuild(randomization))?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn place(&self, r: Request<pb::PlaceRequest>) -> Result<Response<pb::Empty>, Status> {
        let placement = convert::placement(r.get_ref()).map_err(malformed)?;
        self.simulated(r.get_ref().lease.as_ref(), |sim| sim.place(&placement))?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn truth(&self, _: Request<pb::Empty>) -> Result<Response<pb::TruthReply>, Status> {
        let s = self.lock();
        let sim = s.robot.simulator().ok_or_else(not_simulated)?;
        Ok(Response::new(convert::truth(&sim.truth())))
    }

    async fn geometry(&self, _: Request<pb::Empty>) -> Result<Response<pb::GeometryReply>, Status> {
        let s = self.lock();
        let sim = s.robot.simulator().ok_or_else(not_simulated)?;
        Ok(Response::new(convert::geometry(&sim.geometry())))
    }

    async fn save(&self, r: Request<pb::Lease>) -> Result<Response<pb::Empty>, Status> {
        self.simulated(Some(r.get_ref()), |sim| sim.save())?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn restore(&self, r: Request<pb::Lease>) -> Result<Response<pb::Empty>, Status> {
        self.simulated(Some(r.get_ref()), |sim| sim.restore())?;
        Ok(Response::new(pb::Empty {}))
    }
}

/// How long a stopping server waits for its clients to hang up.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address could not be listened on.
    #[error("cannot listen on {addr}: {why}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's reason.
        why: String,
    },
    /// The server's runtime could not start.
    #[error("the server could not start: {0}")]
    Runtime(String),
}

/// A running server; dropping it (or [`ServerHandle::shutdown`]) stops it.
pub struct ServerHandle {
    /// The address it listens on (the port chosen, when port 0 was asked for).
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ServerHandle {
    /// Stops the server and waits for it to end.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    /// Waits until the server ends (it runs until shut down).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// Serves `robot` on `addr` from a thread of its own; returns once it listens.
pub fn spawn(
    robot: Box<dyn Robot + Send>,
    addr: SocketAddr,
    options: ServeOptions,
) -> Result<ServerHandle, ServeError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ServeError::Runtime(e.to_string()))?;
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(addr))
        .map_err(|e| ServeError::Listen {
            addr,
            why: e.to_string(),
        })?;
    let bound = listener.local_addr().map_err(|e| ServeError::Listen {
        addr,
        why: e.to_string(),
    })?;
    let dt = robot.spec().control_dt;
    let server = RobotServer::new(robot, &options);
    if options.clock == Clock::RealTime {
        let (served, states) = (server.served.clone(), server.states.clone());
        std::thread::spawn(move || RobotServer::run_clock(served, states, dt));
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        // Replies go out at once: small messages held back for Nagle's algorithm would cost
        // every call a delayed acknowledgement.
        let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener).map(|s| {
            s.inspect(|s| {
                let _ = s.set_nodelay(true);
            })
        });
        let (grace, graced) = tokio::sync::oneshot::channel::<()>();
        let serving = tonic::transport::Server::builder()
            .add_service(GrpcServer::new(server))
            .serve_with_incoming_shutdown(incoming, async {
                let _ = stopped.await;
                let _ = grace.send(());
            });
        // A graceful shutdown waits for every client to hang up; clients that stay connected
        // get a second, then the server closes on them.
        let served = rt.block_on(async {
            tokio::select! {
                served = serving => served,
                _ = async {
                    let _ = graced.await;
                    tokio::time::sleep(SHUTDOWN_GRACE).await;
                } => Ok(()),
            }
        });
        if let Err(e) = served {
            eprintln!("byfeel serve: {e}");
        }
    });
    Ok(ServerHandle {
        addr: bound,
        stop: Some(stop),
        thread: Some(thread),
    })
}
