//! `byfeel eval RUN`: the predictive agent and its baselines on the same goals, with a report.

use std::path::PathBuf;

use byfeel::agents::eval::{Controller, EvalConfig, EvalReport, evaluate, random};
use byfeel::agents::world_model::LatentAgent;
use byfeel::agents::{CemConfig, PredictiveAgent};
use indicatif::{ProgressBar, ProgressStyle};

use super::Error;

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// A run directory from `byfeel train predictive` or `byfeel train skewfit`.
    pub run: PathBuf,
    /// Episodes (for Skew-Fit: goal images, each from a shut door).
    #[arg(long, default_value_t = 50)]
    pub episodes: usize,
    /// Controllers to compare: predictive, random (a new action every step), random-held
    /// (each action held as the agent's plans hold theirs), centroid (hand-designed), and for
    /// a die model with roll actions scripted (the simulator's roller, an upper reference).
    /// Default: all of them (for roll actions, random-held is random and is left out).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub controllers: Option<Vec<super::names::ControllerName>>,
    /// First episode seed (goals differ from the training data's).
    #[arg(long, default_value_t = 1_000_000)]
    pub seed: u64,
    /// CEM samples per iteration (the papers' 200).
    #[arg(long, default_value_t = 200)]
    pub samples: usize,
    /// Score every n-th predicted frame (1 = every frame, as the papers; 3 = where held
    /// actions change, faster on a CPU).
    #[arg(long, default_value_t = 1)]
    pub score_every: usize,
    /// Image strips saved per controller.
    #[arg(long, default_value_t = 10)]
    pub strips: usize,
    /// Held-out sequences the prediction error is averaged over (0 skips it).
    #[arg(long, default_value_t = 128)]
    pub held_out: usize,
    /// DieRoll: goals this many rolls away, 1 or 2 (two rolls get 40-step episodes).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    pub goal_rolls: u8,
}

/// Held-out prediction error per horizon step, and `prediction.png`: predicted over actual
/// frames for a few held-out sequences.
fn prediction_section(args: &EvalArgs, out: &std::path::Path) -> Result<String, Error> {
    use byfeel::agents::world_model;
    let device = byfeel::agents::default_device();
    let batch = 16;
    let batches = args.held_out.div_ceil(batch);
    let (err, examples, (h, w)) = if args.run.join(world_model::SPEC_FILE).exists() {
        let (spec, model) = world_model::load(&args.run, &device)?;
        let reader = byfeel::gym::store::StoreReader::open(&spec.store)?;
        let horizon = CemConfig::for_actions(spec.task()?, spec.action_mode()?)
            .horizon()
            .max(spec.train.horizon);
        let (err, examples) =
            world_model::held_out(&model, &spec, &reader, (batches, batch, horizon), 4)?;
        (err, examples, (spec.model.height, spec.model.width))
    } else {
        let (spec, model) = byfeel::agents::predictor::load(&args.run, &device)?;
        let reader = byfeel::gym::store::StoreReader::open(&spec.store)?;
        let (err, examples) = byfeel::agents::predictor::held_out(
            &model, &spec, &reader, batches, batch, 4, &device,
        )?;
        (err, examples, (spec.model.height, spec.model.width))
    };
    Ok(byfeel::agents::report::prediction(&err, &examples, (h as u32, w as u32), out)?)
}

pub fn run(args: EvalArgs) -> Result<(), Error> {
    if args.episodes == 0 {
        return Err("--episodes must be at least 1".into());
    }
    if args.run.join("skewfit.json").exists() {
        return super::eval_skewfit::run(&args);
    }
    if args.run.join("her.json").exists() {
        return super::eval_skewfit::run_her(&args);
    }
    let latent = args
        .run
        .join(byfeel::agents::world_model::SPEC_FILE)
        .exists();
    let memory = byfeel::agents::memory::is_memory_run(&args.run);
    let task = if memory {
        byfeel::agents::memory::read_memory_spec(&args.run)?.task()?
    } else if latent {
        byfeel::agents::world_model::read_spec(&args.run)?.task()?
    } else if args.run.join("run.json").exists() {
        let spec: byfeel::agents::predictor::RunSpec =
            serde_json::from_str(&std::fs::read_to_string(args.run.join("run.json"))?)?;
        spec.task()?
    } else {
        return Err(format!(
            "{}: not a run directory (none of memory.json, world-model.json, run.json, skewfit.json, her.json)",
            args.run.display()
        )
        .into());
    };
    let out = args.run.join(if args.goal_rolls == 2 {
        "eval-two-rolls"
    } else {
        "eval"
    });
    std::fs::create_dir_all(&out)?;
    let actions = if memory {
        byfeel::agents::memory::read_memory_spec(&args.run)?.action_mode()?
    } else if latent {
        byfeel::agents::world_model::read_spec(&args.run)?.action_mode()?
    } else {
        byfeel::gym::ActionMode::Hand
    };
    let config = EvalConfig {
        task,
        action_mode: actions,
        episodes: args.episodes,
        seed: args.seed,
        strips: args.strips,
        die_goal_rolls: args.goal_rolls,
    };
    let cem = CemConfig {
        samples: args.samples,
        ..CemConfig::for_actions(task, actions)
    };
    let prediction = if args.held_out > 0 && memory {
        super::eval_memory::prediction_section(&args.run, args.held_out)?
    } else if args.held_out > 0 {
        prediction_section(&args, &out)?
    } else {
        String::new()
    };
    let mut reports: Vec<EvalReport> = Vec::new();
    // A roll action is taken once, so held random play is plain random play there.
    let controllers: Vec<String> = match actions {
        byfeel::gym::ActionMode::Hand => vec!["predictive", "random", "random-held", "centroid"],
        byfeel::gym::ActionMode::Roll => vec!["predictive", "random", "centroid", "scripted"],
    }
    .into_iter()
    .map(String::from)
    .collect();
    let chosen: Option<Vec<String>> = args
        .controllers
        .as_ref()
        .map(|c| c.iter().map(|&n| super::names::name_of(n)).collect());
    for name in chosen.as_ref().unwrap_or(&controllers) {
        let mut controller = match name.as_str() {
            "predictive" if memory => Controller::predictive(&args.run, args.samples, args.seed)?,
            "predictive" if latent => Controller::Latent(Box::new(LatentAgent::load_for_task(
                &args.run,
                args.samples,
                args.seed,
            )?)),
            "predictive" => Controller::Predictive(Box::new(PredictiveAgent::load(
                &args.run,
                cem.clone(),
                args.seed,
            )?)),
            "random" => random(args.seed, &cem, 1),
            // Held as long as the agent's plans hold each action.
            "random-held" => random(args.seed, &cem, cem.repeat),
            "centroid" => Controller::Centroid,
            "scripted" if actions == byfeel::gym::ActionMode::Roll => Controller::Scripted,
            other => {
                return Err(format!(
                    "--controllers: {other} is not for this run (scripted: die models with roll actions only)"
                )
                .into());
            }
        };
        let bar = ProgressBar::new(args.episodes as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {prefix} {bar:30} {pos}/{len} episodes · {msg} (eta {eta})",
            )
            .expect("a valid template"),
        );
        bar.set_prefix(name.clone());
        let mut wins = 0;
        // Each episode's outcome as it ends, so a long evaluation can be followed (and a
        // killed one still says what it saw).
        let mut episodes = std::fs::File::create(out.join(format!("{name}-episodes.jsonl")))?;
        let report = evaluate(&mut controller, &config, Some(&out), |i, o| {
            wins += o.success as usize;
            bar.set_position(i as u64 + 1);
            bar.set_message(format!("{wins} successes"));
            let line = serde_json::to_string(o).unwrap_or_default();
            let _ = std::io::Write::write_all(&mut episodes, format!("{line}\n").as_bytes());
        })?;
        bar.finish_and_clear();
        println!(
            "{name}: success {:.0}% [{:.0}%, {:.0}%] over {} episodes, mean final distance {:.3}",
            100.0 * report.success_rate,
            100.0 * report.success_ci95.0,
            100.0 * report.success_ci95.1,
            args.episodes,
            report.mean_final_distance
        );
        reports.push(report);
    }
    let comparison = byfeel::agents::report::Comparison {
        run: &args.run,
        task: task.name(),
        episodes: args.episodes,
        seed: args.seed,
        strips: args.strips,
    };
    let md = byfeel::agents::report::controllers(&out, &comparison, &reports, &prediction)?;
    println!("report: {}", md.display());
    Ok(())
}
