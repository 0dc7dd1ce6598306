//! `byfeel bench`: speed measurements, printed for people or as JSON.

use super::{Error, SceneName, random_ee_delta};
use byfeel::gym::{Robot, SafetyLayer, SimRobot};
use byfeel::sim::Randomization;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

#[derive(clap::Subcommand, Debug)]
pub enum BenchCommand {
    /// Control steps per second under random end-effector actions, on one core.
    Physics(PhysicsArgs),
    /// Scene camera frames per second for 1, 16 and 64 environments per submission.
    Render(super::bench_render::RenderBenchArgs),
    /// Gel tactile frames per second at 64x48 and TACTO's 120x160.
    Tactile(super::bench_render::TactileBenchArgs),
    /// Environment steps per second through the gym API, 1 and many environments.
    Env(super::bench_env::EnvBenchArgs),
    /// Experience store: frames written and sampled per second, bytes per frame, memory, and
    /// what writing costs collection.
    Store(super::bench_store::StoreBenchArgs),
    /// The predictive agent: frame-predictor training steps/s and CEM planning time.
    Predictor(super::bench_predictor::PredictorBenchArgs),
    /// The Skew-Fit agent: one SAC update, one VAE update and the density estimate.
    Skewfit(super::bench_skewfit::SkewFitBenchArgs),
    /// VICE's success classifier: one update and the reward of a batch of images.
    Vice(super::bench_vice::ViceBenchArgs),
    /// One control step over a robot server on loopback against the same step in process.
    Remote(super::bench_remote::RemoteBenchArgs),
}

#[derive(clap::Args, Debug)]
pub struct PhysicsArgs {
    #[arg(long, value_enum, default_value_t = SceneName::Door)]
    pub scene: SceneName,
    /// Wall-clock seconds per timed run.
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// Timed runs; the median is reported.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub fn run(what: BenchCommand) -> Result<(), Error> {
    match what {
        BenchCommand::Physics(args) => physics(args),
        BenchCommand::Render(args) => super::bench_render::render(args),
        BenchCommand::Tactile(args) => super::bench_render::tactile(args),
        BenchCommand::Env(args) => super::bench_env::run(args),
        BenchCommand::Store(args) => super::bench_store::run(args),
        BenchCommand::Predictor(args) => super::bench_predictor::run(args),
        BenchCommand::Skewfit(args) => super::bench_skewfit::run(args),
        BenchCommand::Vice(args) => super::bench_vice::run(args),
        BenchCommand::Remote(args) => super::bench_remote::run(args),
    }
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// The middle of timed runs.
pub fn median_of(mut xs: Vec<f64>) -> f64 {
    median(&mut xs)
}

/// Steps one robot with random actions; the episode restarts from home every 100 steps so the
/// arm keeps moving through the scene rather than pinning itself in a corner of the workspace.
fn physics(args: PhysicsArgs) -> Result<(), Error> {
    if args.runs == 0 || args.seconds.is_nan() || args.seconds <= 0.0 {
        return Err("--runs must be at least 1 and --seconds positive".into());
    }
    let mut robot = SafetyLayer::new(SimRobot::from_scene(
        args.scene.as_str(),
        Randomization::Nominal,
    )?);
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let spec = robot.spec().clone();
    let substeps = robot.inner().world().timing.substeps;
    let mut step = |robot: &mut SafetyLayer<SimRobot>, k: u64| -> Result<(), Error> {
        if k % 100 == 0 {
            robot.home()?;
        }
        robot.command(random_ee_delta(&mut rng, spec.max_ee_step))?;
        robot.step()?;
        Ok(())
    };
    // Warm-up: caches, first contacts.
    for k in 1..=20 {
        step(&mut robot, k)?;
    }
    let mut rates = Vec::with_capacity(args.runs);
    let mut total_steps = 0u64;
    for _ in 0..args.runs {
        let t0 = Instant::now();
        let mut n = 0u64;
        while t0.elapsed().as_secs_f64() < args.seconds {
            for _ in 0..10 {
                n += 1;
                step(&mut robot, n)?;
            }
        }
        rates.push(n as f64 / t0.elapsed().as_secs_f64());
        total_steps += n;
    }
    let min = rates.iter().cloned().fold(f64::INFINITY, f64::min);
    let max = rates.iter().cloned().fold(0.0, f64::max);
    let control = median(&mut rates);
    let sim_seconds = control * spec.control_dt;
    if args.json {
        let json = serde_json::json!({
            "scene": args.scene.as_str(),
            "control_steps_per_s": control,
            "sim_seconds_per_s": sim_seconds,
            "physics_steps_per_s": control * substeps as f64,
            "control_steps_per_s_min": min,
            "control_steps_per_s_max": max,
            "control_dt": spec.control_dt,
            "substeps": substeps,
            "runs": args.runs,
            "steps_timed": total_steps,
            "threads": 1,
        });
        println!("{json}");
    } else {
        println!(
            "{} scene, random end-effector actions, 1 thread, median of {} runs of {} s:",
            args.scene.as_str(),
            args.runs,
            args.seconds
        );
        println!("  {control:.0} control steps/s [{min:.0}-{max:.0}]");
        println!(
            "  {sim_seconds:.1} simulated seconds per second ({} physics steps of {:.4} s per control step)",
            substeps,
            spec.control_dt / substeps as f64
        );
    }
    Ok(())
}

/// The median seconds of `n` timed calls of `f`, after two untimed ones (caches, allocations).
pub fn timed(n: usize, mut f: impl FnMut()) -> f64 {
    f();
    f();
    median_of(
        (0..n.max(1))
            .map(|_| {
                let clock = std::time::Instant::now();
                f();
                clock.elapsed().as_secs_f64()
            })
            .collect(),
    )
}
