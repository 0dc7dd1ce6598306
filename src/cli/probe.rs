//! `byfeel probe die-faces`: can touch tell the die's faces apart? A small classifier learns
//! the face up from gel images (labels from the simulator's oracle, for this check only) and
//! is scored on held-out centred, partial, tilted and rolling presses.

use byfeel::agents::face_probe::{ProbeConfig, ProbeReport, Score, probe_latent, run_probe};

use super::{Error, progress_bar};

#[derive(clap::Subcommand, Debug)]
pub enum ProbeCommand {
    /// Face accuracy of a classifier on held-out gel presses of the die.
    DieFaces(DieFacesArgs),
    /// How often a latent model's plan opens with the push that rolls the die to its goal.
    RollDirection(RollDirectionArgs),
}

#[derive(clap::Args, Debug)]
pub struct RollDirectionArgs {
    /// A run of `byfeel train predictive --model latent` on the die.
    pub run: std::path::PathBuf,
    #[arg(long, default_value_t = 30)]
    pub episodes: usize,
    /// First episode seed (1000000 and up: goals no training episode used).
    #[arg(long, default_value_t = 1_000_000)]
    pub seed: u64,
    #[arg(long, default_value_t = 200)]
    pub samples: usize,
    /// Ask the model's inverse model for the push (current frame and goal in) instead of the
    /// planner (a run trained with `--inverse-weight`).
    #[arg(long)]
    pub inverse: bool,
}

#[derive(clap::Args, Debug)]
pub struct DieFacesArgs {
    /// Settled presses (within 5 mm of the face's centre) to learn from.
    #[arg(long, default_value_t = 6000)]
    pub train: usize,
    /// Push episodes (8 frames each, the die tipping and rolling) to learn from.
    #[arg(long, default_value_t = 500)]
    pub train_pushes: usize,
    /// Held-out settled presses of each kind.
    #[arg(long, default_value_t = 1000)]
    pub test: usize,
    /// Held-out push episodes.
    #[arg(long, default_value_t = 150)]
    pub test_pushes: usize,
    /// Classifier training steps (batches of 64).
    #[arg(long, default_value_t = 1500)]
    pub steps: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Probe what a world model's latent keeps instead: a small classifier on the latents of
    /// this run's encoder (`byfeel train predictive --model latent`).
    #[arg(long)]
    pub model: Option<std::path::PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub fn run(what: ProbeCommand) -> Result<(), Error> {
    match what {
        ProbeCommand::DieFaces(args) => die_faces(args),
        ProbeCommand::RollDirection(args) => roll_direction(args),
    }
}

fn roll_direction(args: RollDirectionArgs) -> Result<(), Error> {
    use byfeel::agents::world_model::{
        LatentAgent, inverse_directions, planned_roll_directions, roll_directions,
    };
    let seeds = args.seed..args.seed + args.episodes as u64;
    let memory = byfeel::agents::memory::is_memory_run(&args.run);
    if memory && args.inverse {
        return Err("--inverse: a memory run has no inverse model".into());
    }
    let right = if memory {
        let agent = byfeel::agents::memory::MemoryAgent::load(&args.run)?;
        planned_roll_directions(seeds, |_, now, goal| Ok(agent.plan(now, goal)?.action.to_vec()))?
    } else if args.inverse {
        let mut agent = LatentAgent::load_for_task(&args.run, args.samples, args.seed)?;
        inverse_directions(&mut agent, seeds)?
    } else {
        let mut agent = LatentAgent::load_for_task(&args.run, args.samples, args.seed)?;
        roll_directions(&mut agent, seeds)?
    };
    let k = right.iter().filter(|r| **r).count();
    let (lo, hi) = byfeel::agents::eval::wilson(k, right.len());
    println!(
        "the {} opens toward the goal's roll in {k} of {} episodes ({:.0} %, 95 % interval {:.0}-{:.0} %; chance 33 %)",
        if args.inverse {
            "inverse model's push"
        } else {
            "plan"
        },
        right.len(),
        100.0 * k as f64 / right.len().max(1) as f64,
        100.0 * lo,
        100.0 * hi
    );
    Ok(())
}

fn die_faces(args: DieFacesArgs) -> Result<(), Error> {
    let config = ProbeConfig {
        train_settled: args.train,
        train_pushes: args.train_pushes,
        test_settled: args.test,
        test_pushes: args.test_pushes,
        steps: args.steps,
        seed: args.seed,
    };
    if !args.json {
        eprintln!(
            "rendering {} settled presses and {} pushes, then training ...",
            args.train, args.train_pushes
        );
    }
    let report = if let Some(run) = &args.model {
        let device = byfeel::agents::default_device();
        let (_, model) = byfeel::agents::world_model::load(run, &device)?;
        probe_latent(&model.encoder, &config)?
    } else {
        let bar = progress_bar(args.steps, "steps", args.json);
        let report = run_probe(&config, |_, loss| {
            bar.inc(1);
            bar.set_message(format!("loss {loss:.3}"));
        })?;
        bar.finish_and_clear();
        report
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_report(&report);
    }
    Ok(())
}

fn print_report(r: &ProbeReport) {
    println!(
        "face accuracy on held-out gel presses ({} presses learned from, {} steps; chance 5 %):",
        r.train_presses, r.steps
    );
    let line = |name: &str, s: &Score| {
        let (lo, hi) = s.ci95();
        println!(
            "  {name:<44} {:>5.1} %  ({}/{}, 95 % interval {:.1}–{:.1} %)",
            100.0 * s.accuracy(),
            s.correct,
            s.total,
            100.0 * lo,
            100.0 * hi
        );
    };
    line("centred (at rest, within 1 mm of centre)", &r.centred);
    line("partial (at rest, 1-5 mm off centre)", &r.partial);
    line("tilted (pushed, face tipped 3-15 deg)", &r.tilted);
    line("rolling (pushed, tipped over 15 deg)", &r.rolling);
}
