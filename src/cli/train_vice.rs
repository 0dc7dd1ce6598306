//! `byfeel train vice`: reward from examples (VICE, or a plain classifier), with questions to a
//! labeller (RAQ).

use std::path::PathBuf;

use byfeel::agents::AgentError;
use byfeel::agents::vice::labels::OracleLabeller;
use byfeel::agents::vice::{
    ClassifierLoss, FnLabeller, Labeller, PromptLabeller, RewardSource, ViceConfig, load_examples,
    read_judge, train_vice,
};
use byfeel::gym::Task;
use byfeel::render::GpuOptions;
use byfeel::render::viewer::AskWindow;

use super::Error;
use super::train::SettingsArgs;

/// Who answers the classifier's questions.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queries {
    /// Nobody: VICE without questions.
    None,
    /// The simulator's truth, by what the examples' folder says they show (a stand-in for a
    /// person, for benchmarks; logged as such).
    Oracle,
    /// You, at this terminal: each picture is saved under RUN/queries/ and you answer y or n.
    Prompt,
    /// You, in a window that shows each picture: press Y or N.
    Viewer,
}

#[derive(clap::Args, Debug)]
pub struct ViceArgs {
    /// door-open (reset-free) or cup-push; by default the task the examples' folder says they
    /// show (examples.toml), else door-open.
    #[arg(long, value_enum)]
    pub task: Option<super::names::TaskName>,
    /// A folder of PNG pictures of success (`byfeel examples` makes one from the simulator).
    #[arg(long)]
    pub examples: PathBuf,
    /// The run directory: created, or resumed from its last epoch if it holds this run.
    #[arg(long)]
    pub out: PathBuf,
    /// vice (every visited state a negative, weighed against the policy) or binary (a plain
    /// classifier with negatives fixed up front, the warm-up's random states: the one a robot
    /// learns to fool).
    #[arg(long, value_enum, default_value = "vice")]
    pub loss: LossName,
    /// What SAC is rewarded with: the classifier's logit, or (a baseline) the simulator's
    /// distance to what the examples show, negated.
    #[arg(long, value_enum, default_value = "classifier")]
    pub reward: RewardName,
    /// Who answers the classifier's questions.
    #[arg(long, value_enum, default_value = "none")]
    pub queries: Queries,
    /// Epochs between questions (default 10 with --queries).
    #[arg(long)]
    pub query_every: Option<usize>,
    /// Environment steps (default 30 000).
    #[arg(long)]
    pub env_steps: Option<usize>,
    /// Seeds the scene, the networks and the draws (default 0).
    #[arg(long)]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// One JSON line per epoch instead of a progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// SAC's reward, by name.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RewardName {
    Classifier,
    Oracle,
}

/// The classifier's loss, by name.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LossName {
    Vice,
    Binary,
}

pub fn run(args: ViceArgs) -> Result<(), Error> {
    let mut config: ViceConfig = args.settings.over(&ViceConfig::default())?;
    let judge = read_judge(&args.examples)?;
    let task = match (args.task, judge) {
        (Some(t), _) => Task::from(t),
        (None, Some(j)) => j.task(),
        (None, None) => Task::DoorOpen,
    };
    config.task = task.name().into();
    config.loss = match args.loss {
        LossName::Vice => ClassifierLoss::Vice,
        LossName::Binary => ClassifierLoss::Binary,
    };
    config.reward = match args.reward {
        RewardName::Classifier => RewardSource::Classifier,
        RewardName::Oracle => RewardSource::Oracle,
    };
    if args.queries != Queries::None {
        config.query_every = args.query_every.unwrap_or(10).max(1);
    }
    config.env_steps = args.env_steps.unwrap_or(config.env_steps);
    config.seed = args.seed.unwrap_or(config.seed);
    config.check()?;
    let positives = load_examples(&args.examples)?;
    let mut oracle =
        judge.map(|j| OracleLabeller::new(move |t: &byfeel::gym::OracleState| j.holds(t)));
    let stdin = std::io::stdin();
    let mut prompt = PromptLabeller::new(args.out.join("queries"), stdin.lock(), std::io::stderr());
    let mut window = match args.queries {
        Queries::Viewer => Some(AskWindow::new(GpuOptions::from_env())?),
        _ => None,
    };
    let mut viewer = FnLabeller::new("a person at the window (Y or N)", |image: &[u8]| {
        let side = byfeel::agents::vice::classifier::IMAGE_SIDE as u32;
        let window = window
            .as_mut()
            .expect("the window opens with --queries viewer");
        window
            .ask("does this show success?", side, side, image)
            .map_err(|e| AgentError::Io(e.to_string()))
    });
    let labeller: Option<&mut dyn Labeller> = match (args.queries, oracle.as_mut()) {
        (Queries::None, _) => None,
        (Queries::Prompt, _) => Some(&mut prompt),
        (Queries::Viewer, _) => Some(&mut viewer),
        (Queries::Oracle, Some(o)) => Some(o),
        (Queries::Oracle, None) => {
            return Err(format!(
                "--queries oracle answers from what the pictures show, and {} does not say \
                 (no examples.toml; `byfeel examples` writes one)",
                args.examples.display()
            )
            .into());
        }
    };
    if let Some(l) = &labeller {
        eprintln!("questions answered by: {}", l.name());
    }
    let bar = super::progress_bar(config.env_steps, "env steps", args.quiet);
    super::train::resuming(&args.out, &bar);
    train_vice(&config, positives, &args.out, judge, labeller, |e| {
        bar.set_position(e.env_steps as u64);
        let success = e
            .success
            .map_or("-".into(), |s| format!("{:.0} %", s * 100.0));
        bar.set_message(format!(
            "epoch {} · logit examples {:.2}, visited {:.2} · success {success} · {} asked",
            e.epoch, e.example_logit, e.visited_logit, e.queries
        ));
        if args.quiet {
            println!("{}", serde_json::to_string(e).unwrap_or_default());
        }
    })?;
    bar.finish_and_clear();
    println!(
        "{}: scalars.csv, log.jsonl, classifier.bpk, vae.bpk and sac/; `byfeel eval` runs it",
        args.out.display()
    );
    Ok(())
}
