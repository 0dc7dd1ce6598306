//! `byfeel bench env`: environment steps per second through the gym API (random actions),
//! one environment and batches stepped in parallel.

use super::Error;
use byfeel::gym::{AutoReset, Env, EnvConfig, ObsMode, ResetOptions, Task, TaskEnv, VecEnv};
use rand::{Rng, SeedableRng};
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct EnvBenchArgs {
    #[arg(long, value_enum, default_value = "door-open")]
    pub task: super::names::TaskName,
    #[arg(long, value_enum, default_value = "image")]
    pub obs: super::names::ObsName,
    /// Batch sizes to measure.
    #[arg(long, value_delimiter = ',', default_values_t = [1usize, 4, 16])]
    pub num_envs: Vec<usize>,
    /// Wall-clock seconds per timed run.
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: EnvBenchArgs) -> Result<(), Error> {
    let (task, mode) = (Task::from(args.task), ObsMode::from(args.obs));
    if args.num_envs.contains(&0) || args.seconds.is_nan() || args.seconds <= 0.0 {
        return Err("--num-envs must be at least 1 and --seconds positive".into());
    }
    let config = EnvConfig::new(task).obs_mode(mode);
    let threads = rayon::current_num_threads();
    let mut rows = Vec::new();
    for &n in &args.num_envs {
        let envs = (0..n)
            .map(|_| TaskEnv::new(config.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        let mut v = VecEnv::new(envs, AutoReset::NextStep)?;
        v.reset(Some(0), &ResetOptions::default())?;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let mut actions = vec![0f32; 3 * n];
        let mut step = |v: &mut VecEnv<TaskEnv>| -> Result<(), Error> {
            actions
                .iter_mut()
                .for_each(|a| *a = rng.random_range(-1.0..=1.0));
            v.step(&actions)?;
            Ok(())
        };
        for _ in 0..5 {
            step(&mut v)?;
        }
        let t0 = Instant::now();
        let mut calls = 0usize;
        while t0.elapsed().as_secs_f64() < args.seconds {
            step(&mut v)?;
            calls += 1;
        }
        let rate = (calls * n) as f64 / t0.elapsed().as_secs_f64();
        rows.push(serde_json::json!({"num_envs": n, "steps_per_s": rate}));
    }
    let spec = TaskEnv::new(config)?.spec().clone();
    let out = serde_json::json!({
        "bench": "env", "task": task.name(), "obs": super::names::name_of(args.obs), "step_seconds": spec.step_seconds,
        "threads": threads, "results": rows,
    });
    if args.json {
        println!("{out}");
    } else {
        println!(
            "{} ({} observations), random actions, {threads} threads:",
            task.name(),
            super::names::name_of(args.obs)
        );
        for r in &rows {
            println!(
                "  {:>3} envs: {:>8.0} env steps/s",
                r["num_envs"],
                r["steps_per_s"].as_f64().unwrap_or(0.0)
            );
        }
    }
    Ok(())
}
