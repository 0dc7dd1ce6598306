//! `byfeel serve`: a scene's simulated arm served over gRPC on the network, guarded on this side
//! (safety layer, watchdog), for agents in other processes or on other machines.

use std::time::Duration;

use byfeel::gym::gap::{GapRobot, RealityGap};
use byfeel::gym::{Robot, SimRobot};
use byfeel::remote::{Clock, ServeOptions, spawn};
use byfeel::sim::Randomization;

use super::{Error, SceneName, scene_arg};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockName {
    /// The arm moves one control step per client `Step`: as fast as training goes, and bit for
    /// bit as in process.
    Lockstep,
    /// The arm steps on its own every control period, as a real arm does.
    RealTime,
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The scene whose arm is served.
    #[arg(long, value_enum, default_value = "door")]
    pub scene: SceneName,
    /// A scene file instead of a bundled scene.
    #[arg(long)]
    pub scene_file: Option<std::path::PathBuf>,
    /// Where to listen, HOST:PORT (port 0: any free port, printed).
    #[arg(long, default_value = "127.0.0.1:50051")]
    pub listen: std::net::SocketAddr,
    /// How the arm's clock runs.
    #[arg(long, value_enum, default_value = "lockstep")]
    pub clock: ClockName,
    /// Seconds of silence from the controller after which the arm holds and its control lease
    /// ends.
    #[arg(long, default_value_t = 1.0)]
    pub watchdog: f64,
    /// Serve an arm across a reality gap: a preset (none, mild, hard) or a TOML file (see
    /// docs/guide/robot-server.md); clients are told the gap, and evaluations record it.
    #[arg(long, value_name = "PRESET|FILE")]
    pub gap: Option<String>,
}

pub fn run(args: ServeArgs) -> Result<(), Error> {
    if !(args.watchdog.is_finite() && args.watchdog > 0.0) {
        return Err(format!(
            "--watchdog {}: give a positive number of seconds",
            args.watchdog
        )
        .into());
    }
    let scene = scene_arg(args.scene, args.scene_file.as_deref());
    let (arm, gap): (Box<dyn Robot + Send>, _) = match &args.gap {
        None => (
            Box::new(SimRobot::from_scene(&scene, Randomization::Nominal)?),
            None,
        ),
        Some(arg) => {
            let gap = RealityGap::from_arg(arg)?;
            (
                Box::new(GapRobot::from_scene(&scene, gap.clone())?),
                Some(gap),
            )
        }
    };
    let options = ServeOptions {
        clock: match args.clock {
            ClockName::Lockstep => Clock::Lockstep,
            ClockName::RealTime => Clock::RealTime,
        },
        watchdog: Duration::from_secs_f64(args.watchdog),
        gap: gap.as_ref().map(RealityGap::to_toml).unwrap_or_default(),
    };
    let server = spawn(arm, args.listen, options)?;
    let across = gap.map_or(String::new(), |g| {
        format!(" across the reality gap {:?}", g.name)
    });
    println!(
        "serving the {scene} scene's arm{across} on {} ({} clock, watchdog {} s); Ctrl-C stops",
        server.addr,
        match args.clock {
            ClockName::Lockstep => "lockstep",
            ClockName::RealTime => "real-time",
        },
        args.watchdog
    );
    server.wait();
    Ok(())
}
