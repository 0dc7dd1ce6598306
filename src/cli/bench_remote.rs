//! `byfeel bench remote`: one control step (a command in; the state, a camera image and a gel
//! image out) over a robot server on loopback against the same step in process, in one run.

use super::Error;
use byfeel::gym::{Command, Robot, SafetyLayer, SensorKind, SimRobot};
use byfeel::remote::{RemoteRobot, ServeOptions, spawn};
use byfeel::sim::Randomization;
use rand::{Rng, SeedableRng};
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct RemoteBenchArgs {
    /// The scene the arm works in.
    #[arg(long, value_enum, default_value_t = super::SceneName::Door)]
    pub scene: super::SceneName,
    /// The camera image's width and height (the gel's size is fixed by the sensor).
    #[arg(long, default_value_t = 48)]
    pub camera: u32,
    /// Wall-clock seconds per timed run; in process and served runs alternate, three each.
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Steps per second of `robot` driven through `command`, `step` and both sensor reads.
fn rate(robot: &mut dyn Robot, sensors: &[String], seconds: f64) -> Result<f64, Error> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let reach = robot.spec().max_ee_step * 0.5;
    let mut one = |robot: &mut dyn Robot| -> Result<(), Error> {
        let mut d = || rng.random_range(-reach..=reach);
        robot.command(Command::ee_delta(d(), d(), d()))?;
        robot.step()?;
        for name in sensors {
            robot.read_sensor(name)?;
        }
        Ok(())
    };
    for _ in 0..5 {
        one(robot)?;
    }
    let (t0, mut steps) = (Instant::now(), 0usize);
    while t0.elapsed().as_secs_f64() < seconds {
        one(robot)?;
        steps += 1;
    }
    Ok(steps as f64 / t0.elapsed().as_secs_f64())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

pub fn run(args: RemoteBenchArgs) -> Result<(), Error> {
    if args.seconds.is_nan() || args.seconds <= 0.0 || !(1..=1024).contains(&args.camera) {
        return Err("--seconds must be positive and --camera 1 to 1024".into());
    }
    let scene = args.scene.as_str();
    let arm = || -> Result<SimRobot, Error> {
        let mut arm = SimRobot::from_scene(scene, Randomization::Nominal)?;
        let camera = arm
            .spec()
            .sensors
            .iter()
            .find(|s| s.kind == SensorKind::Camera);
        if let Some(camera) = camera.map(|s| s.name.clone()) {
            arm.set_sensor_size(&camera, args.camera, args.camera)?;
        }
        Ok(arm)
    };
    let mut here = SafetyLayer::new(arm()?);
    let server = spawn(
        Box::new(arm()?),
        "127.0.0.1:0".parse()?,
        ServeOptions::default(),
    )?;
    let mut there = RemoteRobot::connect(&server.addr.to_string())?;
    let spec = here.spec().clone();
    let sensors: Vec<String> = spec.sensors.iter().map(|s| s.name.clone()).collect();
    let (mut local, mut served) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        local.push(rate(&mut here, &sensors, args.seconds)?);
        served.push(rate(&mut there, &sensors, args.seconds)?);
    }
    let (local, served) = (median(local), median(served));
    // What the network adds to each step, as a share of one control period of the arm.
    let added = (1.0 / served - 1.0 / local).max(0.0);
    let share = added / spec.control_dt;
    let images: Vec<String> = spec
        .sensors
        .iter()
        .map(|s| format!("{} {}x{}", s.name, s.width, s.height))
        .collect();
    if args.json {
        let out = serde_json::json!({
            "bench": "remote", "scene": scene, "images": images,
            "in_process_steps_per_s": local, "loopback_steps_per_s": served,
            "ratio": served / local, "added_ms_per_step": added * 1e3,
            "control_dt": spec.control_dt, "share_of_control_period": share,
        });
        println!("{out}");
    } else {
        println!(
            "{scene}: command, step and {} per control step, median of 3 × {} s:",
            images.join(" + "),
            args.seconds
        );
        println!("  in process: {local:>8.0} steps/s");
        println!(
            "  loopback:   {served:>8.0} steps/s ({:.2}× in process)",
            served / local
        );
        println!(
            "  the network adds {:.3} ms per step: {:.2} % of the {:.0} Hz control period",
            added * 1e3,
            share * 100.0,
            1.0 / spec.control_dt
        );
    }
    Ok(())
}
