//! `byfeel train predictive`: fit the frame predictor to a store's random play.
//! `byfeel train skewfit`: Skew-Fit on the reset-free door, from images, with self-set goals.

use std::path::PathBuf;

use byfeel::agents::her::{HerConfig, train_her_on};
use byfeel::agents::predictor::{RunSpec, TrainConfig, train};
use byfeel::agents::sac::SacConfig;
use byfeel::agents::settings::layered;
use byfeel::agents::skewfit::{self, SkewFitConfig};
use byfeel::agents::world_model::{
    self, Stage, WorldModelConfig, WorldModelSpec, WorldModelTrainConfig,
};
use byfeel::gym::Task;
use byfeel::gym::store::StoreReader;

use super::Error;

#[derive(clap::Subcommand, Debug)]
pub enum TrainCommand {
    /// The predictive agent's frame predictor ("Manipulation by Feel", "Visual Foresight").
    Predictive(PredictiveArgs),
    /// Skew-Fit: a VAE of the images seen, skewed toward rare ones, proposes goals that SAC
    /// learns to reach (the door, reset-free).
    Skewfit(SkewFitArgs),
    /// The state-input baseline for Skew-Fit's door: SAC with hindsight experience replay on
    /// the hand position and door angle.
    Her(HerArgs),
    /// Reward from examples (VICE): a classifier of pictures of success, trained against what
    /// the robot does, is SAC's reward; `--queries` asks a labeller about what it rates highest.
    Vice(super::train_vice::ViceArgs),
}

/// A trainer's settings beyond its flags, in the schema of the run's own record.
#[derive(clap::Args, Debug)]
pub struct SettingsArgs {
    /// A settings file (TOML or JSON) in the schema of the run's own record: `skewfit.json`,
    /// `her.json`; for `train predictive`, the `model` and `train` tables of `world-model.json`
    /// or `run.json`, or `config` and `search` of `memory.json`. The flags win.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// One setting, `key=value` with dotted keys (`--set sac.batch=256`); wins over the file.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

impl SettingsArgs {
    /// `defaults` with the file and the `--set` overrides laid over them.
    pub(super) fn over<T: serde::Serialize + serde::de::DeserializeOwned>(&self, defaults: &T) -> Result<T, Error> {
        Ok(layered(defaults, self.config.as_deref(), &self.set)?)
    }
}

/// The flags of a run that explores with SAC (Skew-Fit, HER).
#[derive(clap::Args, Debug)]
pub struct SacRunArgs {
    /// Environment steps (default 50 000).
    #[arg(long)]
    pub env_steps: Option<usize>,
    /// Random steps before SAC acts (default 10 000).
    #[arg(long)]
    pub warmup_steps: Option<usize>,
    /// SAC updates per epoch of 500 environment steps (default 1 000).
    #[arg(long)]
    pub updates_per_epoch: Option<usize>,
    /// SAC batch size (default 1 024).
    #[arg(long)]
    pub batch: Option<usize>,
    /// Seeds the networks, the updates and the door (default 0).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Explore with the arm of a robot server (`byfeel serve`) at HOST:PORT instead of a
    /// simulator in this process; evaluations during training stay in this process.
    #[arg(long, value_name = "HOST:PORT")]
    pub robot: Option<String>,
}

impl SacRunArgs {
    /// Writes the flags given over a run's settings.
    fn apply(&self, env_steps: &mut usize, warmup_steps: &mut usize, updates_per_epoch: &mut usize, seed: &mut u64, sac: &mut SacConfig) {
        set(env_steps, self.env_steps);
        set(warmup_steps, self.warmup_steps);
        set(updates_per_epoch, self.updates_per_epoch);
        set(&mut sac.batch, self.batch);
        set(seed, self.seed);
        set(&mut sac.seed, self.seed);
    }
}

#[derive(clap::Args, Debug)]
pub struct HerArgs {
    #[arg(long, value_enum, default_value = "door-open")]
    pub task: super::names::TaskName,
    /// The run directory: created, or resumed from its last epoch if it holds this run (only
    /// --env-steps may differ).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(flatten)]
    pub sac_run: SacRunArgs,
    /// Reward minus the distance to the goal (door angle in rad, hand in m) instead of the
    /// sparse 0 / −1.
    #[arg(long)]
    pub dense: bool,
}

#[derive(clap::Args, Debug)]
pub struct SkewFitArgs {
    /// Only the door for now.
    #[arg(long, value_enum, default_value = "door-open")]
    pub task: super::names::TaskName,
    /// The run directory (created; logs, scalars.csv and the latest networks go here).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(flatten)]
    pub sac_run: SacRunArgs,
    /// The skew α (sampling ∝ q(x)^α): −0.5 for the door (the default), 0 for RIG.
    #[arg(long, allow_hyphen_values = true)]
    pub alpha: Option<f64>,
    /// Goal images evaluated after each epoch (default 10).
    #[arg(long)]
    pub eval_goals: Option<usize>,
    #[arg(long)]
    pub quiet: bool,
}

/// Which predictive model to train.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelKind {
    /// The latent world model: encoder, latent dynamics, decoder; planned in its latent space.
    Latent,
    /// The pixel-space frame predictor (SV2P/SAVP family); planned on decoded frames.
    Pixel,
    /// DieRoll with roll actions: the store itself as the forward model, its rolls searched
    /// for the one that ends nearest the goal (`byfeel_agents::memory`).
    Memory,
}

#[derive(clap::Args, Debug)]
pub struct PredictiveArgs {
    /// die-roll learns the gel's images; cup-push and door-open the camera's.
    #[arg(long, value_enum)]
    pub task: super::names::TaskName,
    #[arg(long, value_enum, default_value_t = ModelKind::Latent)]
    pub model: ModelKind,
    /// The experience store (from `byfeel collect`).
    #[arg(long)]
    pub data: PathBuf,
    /// The run directory: created, or resumed if it holds this run.
    #[arg(long)]
    pub out: PathBuf,
    /// Pixel model: training steps (default 2 000).
    #[arg(long)]
    pub steps: Option<usize>,
    /// Memory: every n-th episode is left out of the memory so that `byfeel eval` can measure
    /// its prediction on them (default 10); 0 keeps every episode (for a memory to deploy).
    #[arg(long)]
    pub holdout: Option<u64>,
    /// Latent model: autoencoder steps (batches of single frames; default 2 000 for the die,
    /// 3 000 otherwise).
    #[arg(long)]
    pub ae_steps: Option<usize>,
    /// Latent model: prediction steps (batches of windows, predicted from their first frame).
    /// (Default: 2 000 for the die, through the encoder; 10 000 on cached latents otherwise.)
    #[arg(long)]
    pub dynamics_steps: Option<usize>,
    /// Latent model: assign the first stage's embedding to this many prototypes (SwAV's
    /// swapped prediction) instead of telling frames apart (InfoNCE); 0 (the default): InfoNCE.
    #[arg(long)]
    pub prototypes: Option<usize>,
    /// Latent model: numbers in the latent state (default 64).
    #[arg(long)]
    pub latent_size: Option<usize>,
    /// Latent model: weight of the contrastive losses (a frame's near future told from other
    /// episodes' frames; a window's real outcome told from the other windows' outcomes) beside
    /// the reconstruction and latent errors (0: none, planned on the latent). Default: 1, or
    /// 0 on a store of roll actions.
    #[arg(long)]
    pub contrastive_weight: Option<f64>,
    /// Latent model: weight of an inverse model's error (the action told from the latents
    /// before and after it), trained through the encoder in the second stage (0: no inverse
    /// model, the default). Needs `--train-encoder true`.
    #[arg(long)]
    pub inverse_weight: Option<f64>,
    /// Latent model: shift the first stage's frames by up to this many pixels, so the
    /// embedding matches frames by what the sensor touches rather than where (default: 6 for
    /// the die's gel, 0 for cameras).
    #[arg(long)]
    pub shift: Option<usize>,
    /// Latent model: turn the first stage's frames at random, so the embedding matches frames
    /// by what the sensor touches whatever its turn (default: on for the die's gel only).
    #[arg(long)]
    pub rotate: Option<bool>,
    /// Latent model: windows per prediction step (default: 256 on cached latents, 64 when
    /// the encoder trains too).
    #[arg(long)]
    pub dynamics_batch: Option<usize>,
    /// Latent model: train the encoder through the prediction in the second stage too
    /// (several times slower; otherwise the dynamics learn on the fixed encoder's latents).
    /// Default: on for the die, off for camera tasks.
    #[arg(long)]
    pub train_encoder: Option<bool>,
    /// Pixel model: sequences per batch (default 16).
    #[arg(long)]
    pub batch: Option<usize>,
    /// Steps predicted ahead per sequence (default: 15 for the pixel model, 18 for the latent).
    #[arg(long)]
    pub horizon: Option<usize>,
    /// Context frames (default: 3 for the die, 2 otherwise, as in the paper).
    #[arg(long)]
    pub context: Option<usize>,
    /// Copy pixels from the last context frame through a predicted flow field (SV2P's
    /// pixel-transformation path; measured on the die: no better than without, see agents/README.md).
    #[arg(long)]
    pub warp: bool,
    /// Numbers in SV2P's stochastic latent (0: a deterministic model). The planner then scores
    /// each candidate on one sampled future instead of their average. Default 0.
    #[arg(long)]
    pub latent: Option<usize>,
    /// What one nat of the latent's KL divergence costs, in mean squared pixel error.
    #[arg(long)]
    pub kl_weight: Option<f64>,
    /// Learning rate (default 1e-3).
    #[arg(long)]
    pub lr: Option<f64>,
    /// Seeds the weights and the batches (default 0).
    #[arg(long)]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(what: TrainCommand) -> Result<(), Error> {
    let args = match what {
        TrainCommand::Predictive(args) => args,
        TrainCommand::Skewfit(args) => return skewfit(args),
        TrainCommand::Her(args) => return her(args),
        TrainCommand::Vice(args) => return super::train_vice::run(args),
    };
    let task = Task::from(args.task);
    let reader = StoreReader::open(&args.data)?;
    match args.model {
        ModelKind::Latent => return train_latent(args, task, &reader),
        ModelKind::Memory => return train_memory(args, task, &reader),
        ModelKind::Pixel => {}
    }
    let mut spec = RunSpec::for_task(task, &args.data, &reader, args.context, TrainConfig::default())?;
    let layered_spec: PixelSettings = args.settings.over(&PixelSettings {
        model: spec.model.clone(),
        train: spec.train.clone(),
    })?;
    (spec.model, spec.train) = (layered_spec.model, layered_spec.train);
    set(&mut spec.train.steps, args.steps);
    set(&mut spec.train.batch, args.batch);
    set(&mut spec.train.horizon, args.horizon);
    set(&mut spec.train.learning_rate, args.lr);
    set(&mut spec.train.seed, args.seed);
    set(&mut spec.train.kl_weight, args.kl_weight);
    set(&mut spec.model.latent, args.latent);
    spec.model.warp |= args.warp;
    let bar = super::progress_bar(spec.train.steps, "steps", args.quiet);
    let mut valid = None;
    let done = train(&reader, &spec, &args.out, |p| {
        if let Some(v) = p.valid_loss {
            valid = Some(v);
        }
        bar.set_position(p.step as u64);
        bar.set_message(format!(
            "loss {:.5} · held-out {} · {:.1} steps/s",
            p.train_loss,
            valid.map_or("-".into(), |v| format!("{v:.5}")),
            p.steps_per_s
        ));
    })?;
    bar.finish_and_clear();
    println!(
        "{}: {} steps, training loss {:.5}, held-out loss {} ({} episodes of {} held out), {:.1} steps/s",
        args.out.display(),
        done.step,
        done.train_loss,
        valid.map_or("-".into(), |v| format!("{v:.5}")),
        reader.num_episodes() / spec.train.holdout,
        reader.num_episodes(),
        done.steps_per_s
    );
    Ok(())
}

/// Builds a replay memory: no gradient steps, so nothing to resume; an existing run is
/// replaced whole.
fn train_memory(args: PredictiveArgs, task: Task, reader: &StoreReader) -> Result<(), Error> {
    use byfeel::agents::memory::{self, MemoryConfig, SearchConfig};
    let settings: MemorySettings = args.settings.over(&MemorySettings {
        config: MemoryConfig::default(),
        search: SearchConfig::default(),
    })?;
    let (mut config, search) = (settings.config, settings.search);
    set(&mut config.holdout, args.holdout);
    let started = std::time::Instant::now();
    let bar = super::progress_bar(3, "stages", args.quiet);
    let (spec, memory) = memory::build(reader, task, &args.data, &args.out, (config, search), |stage| {
        bar.inc(1);
        bar.set_message(stage.to_string());
    })?;
    bar.finish_and_clear();
    println!(
        "{}: a memory of {} presses and {} rolls ({} numbers each) in {:.0} s",
        args.out.display(),
        spec.frames,
        spec.transitions,
        memory.dims(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn train_latent(args: PredictiveArgs, task: Task, reader: &StoreReader) -> Result<(), Error> {
    let defaults = WorldModelTrainConfig::for_actions(task, world_model::store_actions(reader)?);
    let defaults = match args.train_encoder {
        Some(on) => defaults.training_encoder(on),
        None => defaults,
    };
    let settings: LatentSettings = args.settings.over(&LatentSettings {
        model: WorldModelConfig::default(),
        train: defaults,
    })?;
    let (mut model, mut config) = (settings.model, settings.train);
    set(&mut config.ae_steps, args.ae_steps);
    set(&mut config.dynamics_steps, args.dynamics_steps);
    set(&mut config.horizon, args.horizon);
    set(&mut config.learning_rate, args.lr);
    set(&mut config.seed, args.seed);
    set(&mut config.contrastive_weight, args.contrastive_weight);
    set(&mut config.inverse_weight, args.inverse_weight);
    set(&mut config.shift, args.shift);
    set(&mut config.rotate, args.rotate);
    set(&mut config.dynamics_batch, args.dynamics_batch);
    set(&mut model.latent, args.latent_size);
    set(&mut model.prototypes, args.prototypes);
    model.inverse |= config.inverse_weight > 0.0;
    if config.inverse_weight > 0.0 && !config.train_encoder {
        return Err("--inverse-weight trains the encoder through the inverse model: give --train-encoder true".into());
    }
    let spec = WorldModelSpec::for_task(task, &args.data, reader, model, config)?;
    let mut bar: Option<(Stage, indicatif::ProgressBar)> = None;
    let mut valid = None;
    let done = world_model::train(reader, &spec, &args.out, |p| {
        if bar.as_ref().is_none_or(|(stage, _)| *stage != p.stage) {
            if let Some((_, old)) = bar.take() {
                old.finish();
            }
            let unit = match p.stage {
                Stage::Autoencoder => "autoencoder steps",
                _ => "dynamics steps",
            };
            let fresh = super::progress_bar(p.steps, unit, args.quiet);
            bar = Some((p.stage, fresh));
            valid = None;
        }
        let (_, b) = bar.as_ref().expect("a bar");
        if let Some(v) = p.valid_loss {
            valid = Some(v);
        }
        b.set_position(p.step as u64);
        b.set_message(format!(
            "loss {:.5} · held-out {} · {:.1} steps/s",
            p.train_loss,
            valid.map_or("-".into(), |v| format!("{v:.5}")),
            p.steps_per_s
        ));
    })?;
    if let Some((_, b)) = bar {
        b.finish();
    }
    println!(
        "{}: latent world model trained ({} autoencoder steps, {} dynamics steps; {} episodes of {} held out); log in {}",
        args.out.display(),
        spec.train.ae_steps,
        spec.train.dynamics_steps,
        reader.num_episodes() / spec.train.holdout,
        reader.num_episodes(),
        args.out.join("log.jsonl").display()
    );
    let _ = done;
    Ok(())
}

/// A latent run's settings, as its `world-model.json` records them.
#[derive(serde::Serialize, serde::Deserialize)]
struct LatentSettings {
    model: WorldModelConfig,
    train: WorldModelTrainConfig,
}

/// A pixel run's settings, as its `run.json` records them.
#[derive(serde::Serialize, serde::Deserialize)]
struct PixelSettings {
    model: byfeel::agents::predictor::PredictorConfig,
    train: TrainConfig,
}

/// A memory's settings, as its `memory.json` records them.
#[derive(serde::Serialize, serde::Deserialize)]
struct MemorySettings {
    config: byfeel::agents::memory::MemoryConfig,
    search: byfeel::agents::memory::SearchConfig,
}

/// A flag given on the command line wins over the settings file and `--set`.
fn set<T>(setting: &mut T, flag: Option<T>) {
    if let Some(v) = flag {
        *setting = v;
    }
}

/// Notes in the run directory which served arm the run explored with (`arm.toml`).
fn record_arm(robot: Option<&str>, out: &std::path::Path) -> Result<(), Error> {
    if let Some(addr) = robot {
        std::fs::create_dir_all(out)?;
        byfeel::agents::arm::record(addr, out)?;
    }
    Ok(())
}

fn skewfit(args: SkewFitArgs) -> Result<(), Error> {
    if args.task != super::names::TaskName::DoorOpen {
        return Err(format!(
            "--task {}: Skew-Fit runs on the door (door-open)",
            super::names::name_of(args.task)
        )
        .into());
    }
    let mut config: SkewFitConfig = args.settings.over(&SkewFitConfig::default())?;
    let c = &mut config;
    args.sac_run.apply(&mut c.env_steps, &mut c.warmup_steps, &mut c.updates_per_epoch, &mut c.seed, &mut c.sac);
    set(&mut config.alpha, args.alpha);
    set(&mut config.eval_goals, args.eval_goals);
    config.check()?;
    let bar = super::progress_bar(config.env_steps, "env steps", args.quiet);
    resuming(&args.out, &bar);
    let robot = args.sac_run.robot.as_deref();
    record_arm(robot, &args.out)?;
    skewfit::train_on(&config, &args.out, robot, |e| {
        bar.set_position(e.env_steps as u64);
        let eval = e.eval.as_ref().map_or("-".into(), |v| {
            format!(
                "angle error {:.3} rad, hand {:.3} m",
                v.angle_error, v.hand_distance
            )
        });
        bar.set_message(format!(
            "epoch {} · coverage {:.2} · max angle {:.2} · {eval}",
            e.epoch, e.angle_coverage, e.max_angle
        ));
        if args.quiet {
            println!("{}", serde_json::to_string(e).unwrap_or_default());
        }
    })?;
    bar.finish_and_clear();
    println!(
        "{}: scalars.csv, log.jsonl, vae.bpk and sac/",
        args.out.display()
    );
    Ok(())
}

fn her(args: HerArgs) -> Result<(), Error> {
    if args.task != super::names::TaskName::DoorOpen {
        return Err(format!(
            "--task {}: the HER baseline runs on the door (door-open)",
            super::names::name_of(args.task)
        )
        .into());
    }
    let mut config: HerConfig = args.settings.over(&HerConfig::default())?;
    let c = &mut config;
    args.sac_run.apply(&mut c.env_steps, &mut c.warmup_steps, &mut c.updates_per_epoch, &mut c.seed, &mut c.sac);
    config.dense_reward |= args.dense;
    config.check()?;
    let bar = super::progress_bar(config.env_steps, "env steps", false);
    resuming(&args.out, &bar);
    let robot = args.sac_run.robot.as_deref();
    record_arm(robot, &args.out)?;
    train_her_on(&config, &args.out, robot, |e| {
        bar.set_position(e.env_steps as u64);
        if let Some(v) = &e.eval {
            bar.set_message(format!(
                "angle error {:.3} rad, hand {:.3} m",
                v.angle_error, v.hand_distance
            ));
        }
    })?;
    bar.finish_and_clear();
    println!("{}: scalars.csv, log.jsonl and sac/", args.out.display());
    Ok(())
}

/// Says so when `run` will be resumed, and starts the bar where it stopped.
pub(super) fn resuming(run: &std::path::Path, bar: &indicatif::ProgressBar) {
    if let Some(steps) = byfeel::agents::checkpoint_steps(run) {
        eprintln!(
            "{}: resuming from its checkpoint at {steps} env steps",
            run.display()
        );
        bar.set_position(steps as u64);
    }
    bar.tick();
}
