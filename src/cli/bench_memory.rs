//! `byfeel bench predictor --model memory`: the die's replay memory's planning time per roll
//! (the press embedded, the search up to its horizon), on presses and goals from real
//! episodes.

use std::path::PathBuf;
use std::time::Instant;

use byfeel::agents::memory::MemoryAgent;
use byfeel::gym::{ActionMode, Env, EnvConfig, ObsMode, ResetOptions, Task, TaskEnv};

use super::Error;
use super::bench::median_of as median;

/// Times `plans` plans of the memory at `run` (default: the shipped die agent), each from a
/// fresh episode's first press toward its goal picture.
pub fn run(run: Option<PathBuf>, plans: usize, json: bool) -> Result<(), Error> {
    if plans == 0 {
        return Err("--plans must be positive".into());
    }
    let run = super::demo::model_dir(run.as_deref(), "assets/models/die-roll")?;
    let agent = MemoryAgent::load(&run)?;
    let config = EnvConfig::new(Task::DieRoll)
        .obs_mode(ObsMode::Tactile)
        .action_mode(ActionMode::Roll);
    let mut env = TaskEnv::new(config)?;
    let mut times = Vec::with_capacity(plans);
    for i in 0..plans {
        let (obs, _) = env.reset(Some(1_000_000 + i as u64), &ResetOptions::default())?;
        let now = byfeel::agents::policy::image(&obs, None)?.to_vec();
        let goal = env.goal_image().unwrap_or_default().to_vec();
        let started = Instant::now();
        agent.plan(&now, &goal)?;
        times.push(started.elapsed().as_secs_f64());
    }
    let plan_s = median(times);
    let s = &agent.search;
    if json {
        let out = serde_json::json!({
            "bench": "memory", "run": run, "threads": rayon::current_num_threads(),
            "presses": agent.spec.frames, "rolls": agent.spec.transitions,
            "first": s.first, "horizon": s.horizon, "plans": plans, "plan_s": plan_s,
        });
        println!("{out}");
    } else {
        println!(
            "plan (memory of {} presses and {} rolls; first {}, horizon {}): {:.2} ms, median of {plans}",
            agent.spec.frames,
            agent.spec.transitions,
            s.first,
            s.horizon,
            plan_s * 1e3
        );
    }
    Ok(())
}
