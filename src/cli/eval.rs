//! `byfeel eval RUN`: the predictive agent and its baselines on the same goals, with a report.

use std::path::PathBuf;

use byfeel::agents::eval_run::{Progress, RunEval, evaluate_run};
use indicatif::{ProgressBar, ProgressStyle};

use super::Error;

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// A run directory from `byfeel train predictive`, `skewfit`, `her` or `vice`.
    pub run: PathBuf,
    /// Episodes (for Skew-Fit: goal images, each from a shut door; for VICE: fresh scenes).
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
    /// Evaluate on the arm of a robot server (`byfeel serve`) at HOST:PORT instead of a
    /// simulated arm here.
    #[arg(long, value_name = "HOST:PORT")]
    pub robot: Option<String>,
    /// Door policies (Skew-Fit, HER, a fleet's learner): evaluate on these doors of the door
    /// family instead of the door scene's (held-out doors are 1000000 on), e.g.
    /// `--door 1000000,1000001`; each door's report goes to RUN/eval-door-N.
    #[arg(long, value_delimiter = ',', value_name = "N")]
    pub door: Vec<u64>,
}

pub fn run(args: EvalArgs) -> Result<(), Error> {
    if args.episodes == 0 {
        return Err("--episodes must be at least 1".into());
    }
    if byfeel::agents::vice::is_vice_run(&args.run) {
        if args.robot.is_some() {
            return Err("--robot: a VICE run is evaluated on the simulated arm, whose truth \
                        judges it"
                .into());
        }
        if !args.door.is_empty() {
            return Err("--door: a VICE run is evaluated on the task it trained on".into());
        }
        return super::eval_vice::run(&args);
    }
    if byfeel::agents::eval_run::is_door_run(&args.run) {
        return super::eval_skewfit::run(&args);
    }
    if !args.door.is_empty() {
        return Err(format!(
            "--door: {} is not a door policy run (Skew-Fit, HER or a fleet's learner)",
            args.run.display()
        )
        .into());
    }
    if byfeel::agents::eval_run::inspect(&args.run).is_err() {
        return Err(format!(
            "{}: not a run directory (none of memory.json, world-model.json, run.json, skewfit.json, her.json, vice.json)",
            args.run.display()
        )
        .into());
    }
    let opts = RunEval {
        episodes: args.episodes,
        seed: args.seed,
        samples: args.samples,
        score_every: args.score_every,
        strips: args.strips,
        held_out: args.held_out,
        goal_rolls: args.goal_rolls,
        controllers: args
            .controllers
            .as_ref()
            .map(|c| c.iter().map(|&n| super::names::name_of(n)).collect()),
        robot: args.robot.clone(),
    };
    let style = ProgressStyle::with_template(
        "{spinner} {prefix} {bar:30} {pos}/{len} episodes · {msg} (eta {eta})",
    )
    .expect("a valid template");
    let mut bar = ProgressBar::hidden();
    let mut wins = 0;
    let (md, _) = evaluate_run(&args.run, &opts, |p| match p {
        Progress::Prediction(said) => println!("{said}"),
        Progress::Controller(name) => {
            bar = ProgressBar::new(args.episodes as u64).with_style(style.clone());
            bar.set_prefix(name.to_string());
            wins = 0;
        }
        Progress::Episode(i, o) => {
            wins += o.success as usize;
            bar.set_position(i as u64 + 1);
            bar.set_message(format!("{wins} successes"));
        }
        Progress::Done(r) => {
            bar.finish_and_clear();
            println!(
                "{}: success {:.0}% [{:.0}%, {:.0}%] over {} episodes, mean final distance {:.3}",
                r.controller,
                100.0 * r.success_rate,
                100.0 * r.success_ci95.0,
                100.0 * r.success_ci95.1,
                args.episodes,
                r.mean_final_distance
            );
        }
    })?;
    println!("report: {}", md.display());
    Ok(())
}
