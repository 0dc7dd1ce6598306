//! `byfeel eval RUN`: the predictive agent and its baselines on the same goals, with a report.

use std::fmt::Write as _;
use std::path::PathBuf;

use byfeel::agents::eval::{Controller, EvalConfig, EvalReport, evaluate, random};
use byfeel::agents::{CemConfig, PredictiveAgent};
use byfeel::gym::Task;
use indicatif::{ProgressBar, ProgressStyle};

use super::Error;

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// A run directory from `byfeel train predictive`.
    pub run: PathBuf,
    #[arg(long, default_value_t = 50)]
    pub episodes: usize,
    /// Controllers to compare.
    #[arg(long, value_delimiter = ',', default_values_t = ["predictive".to_string(), "random".to_string(), "centroid".to_string()])]
    pub controllers: Vec<String>,
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
}

fn task_of(store: &std::path::Path) -> Result<Task, Error> {
    let reader = byfeel::gym::store::StoreReader::open(store)?;
    let name = reader
        .attributes()
        .get("task")
        .and_then(|t| t.as_str())
        .unwrap_or_default();
    Task::from_name(name)
        .ok_or_else(|| format!("{}: unknown task {name:?}", store.display()).into())
}

pub fn run(args: EvalArgs) -> Result<(), Error> {
    if args.episodes == 0 {
        return Err("--episodes must be at least 1".into());
    }
    let spec: byfeel::agents::predictor::RunSpec =
        serde_json::from_str(&std::fs::read_to_string(args.run.join("run.json"))?)?;
    let task = task_of(&spec.store)?;
    let out = args.run.join("eval");
    std::fs::create_dir_all(&out)?;
    let config = EvalConfig {
        task,
        episodes: args.episodes,
        seed: args.seed,
        strips: args.strips,
    };
    let cem = CemConfig {
        samples: args.samples,
        actions: if task == Task::DieRoll { 6 } else { 5 },
        ..Default::default()
    };
    let mut reports: Vec<EvalReport> = Vec::new();
    for name in &args.controllers {
        let mut controller = match name.as_str() {
            "predictive" => Controller::Predictive(Box::new(PredictiveAgent::load(
                &args.run,
                cem.clone(),
                args.seed,
            )?)),
            "random" => random(args.seed),
            "centroid" => Controller::Centroid,
            other => {
                return Err(format!(
                    "--controllers: unknown {other:?} (predictive, random, centroid)"
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
        let report = evaluate(&mut controller, &config, Some(&out), |i, o| {
            wins += o.success as usize;
            bar.set_position(i as u64 + 1);
            bar.set_message(format!("{wins} successes"));
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
    std::fs::write(
        out.join("report.json"),
        serde_json::to_string_pretty(&reports)?,
    )?;
    let mut md = format!(
        "# {} on {} ({} episodes, seeds {}..)\n\n| controller | success | 95% interval | mean final distance |\n|---|---|---|---|\n",
        args.run.display(),
        task.name(),
        args.episodes,
        args.seed
    );
    for r in &reports {
        writeln!(
            md,
            "| {} | {:.0}% | {:.0}–{:.0}% | {:.3} |",
            r.controller,
            100.0 * r.success_rate,
            100.0 * r.success_ci95.0,
            100.0 * r.success_ci95.1,
            r.mean_final_distance
        )?;
    }
    md.push_str("\nEach strip: the goal, then every frame the controller saw, left to right.\n\n");
    for r in &reports {
        for i in 0..args.strips.min(args.episodes) {
            writeln!(
                md,
                "![{} {i}]({}-episode-{i:03}.png)",
                r.controller, r.controller
            )?;
        }
    }
    std::fs::write(out.join("report.md"), md)?;
    println!("report: {}", out.join("report.md").display());
    Ok(())
}
