//! `byfeel demo die-roll`: the shipped die-rolling model plans by touch alone, and the episode
//! is saved as a movie (camera | what the gel feels | the goal's feel).

use std::path::{Path, PathBuf};

use byfeel::agents::eval::image_of;
use byfeel::agents::{CemConfig, PredictiveAgent};
use byfeel::gym::{Env, EnvConfig, InfoValue, ObsMode, ResetOptions, Task, TaskEnv};
use indicatif::{ProgressBar, ProgressStyle};

use super::Error;
use super::movie::{self, Frame};

/// The shipped model, as a path from the repository root.
const DIE_MODEL: &str = "assets/models/die-roll";

/// The episode seed when neither `--seed` nor the model's `demo.json` gives one: the first of
/// `byfeel eval`'s held-out goals.
const DIE_SEED: u64 = 1_000_000;

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum DemoName {
    /// Roll the d20 until the goal face is under the gel, by touch alone.
    DieRoll,
}

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    pub what: DemoName,
    /// A run directory (default: the model shipped in assets/models/die-roll).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The movie: .gif or .png (animated PNG).
    #[arg(long, default_value = "die-roll.gif")]
    pub out: PathBuf,
    /// The episode's seed: it sets the die's start and the goal face (default: the model's
    /// `demo.json` `{"seed": N}`, an episode its makers picked to show, else 1000000).
    #[arg(long)]
    pub seed: Option<u64>,
    /// CEM samples per iteration (the paper's 200).
    #[arg(long, default_value_t = 200)]
    pub samples: usize,
    /// Score every n-th predicted frame (3 plans ~2× faster on a CPU; 1 as the paper).
    #[arg(long, default_value_t = 3)]
    pub score_every: usize,
}

/// The model given, else the shipped one found from here or from where byfeel was built.
fn model_dir(given: Option<&Path>) -> Result<PathBuf, Error> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    let here = PathBuf::from(DIE_MODEL);
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join(DIE_MODEL);
    [here, built]
        .into_iter()
        .find(|p| p.join("model.bpk").exists())
        .ok_or_else(|| {
            format!("no model at {DIE_MODEL}: run from the byfeel checkout, or pass --model RUN")
                .into()
        })
}

/// The seed a model directory's `demo.json` names, else the default.
fn demo_seed(run: &Path) -> Result<u64, Error> {
    let path = run.join("demo.json");
    if !path.exists() {
        return Ok(DIE_SEED);
    }
    let value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    value["seed"]
        .as_u64()
        .ok_or_else(|| format!("{}: give {{\"seed\": N}}", path.display()).into())
}

pub fn run(args: DemoArgs) -> Result<(), Error> {
    let DemoName::DieRoll = args.what;
    movie::check_path(&args.out)?;
    let run = model_dir(args.model.as_deref())?;
    let seed = match args.seed {
        Some(seed) => seed,
        None => demo_seed(&run)?,
    };
    let cem = CemConfig {
        samples: args.samples,
        ..CemConfig::for_task(Task::DieRoll)
    };
    let mut agent = PredictiveAgent::load(&run, cem, seed)?;
    agent.score_every = args.score_every.max(1);
    let config = EnvConfig::new(Task::DieRoll)
        .obs_mode(ObsMode::Tactile)
        .image_size(192, 144);
    let mut env = TaskEnv::new(config)?;
    let (obs, info) = env.reset(Some(seed), &ResetOptions::default())?;
    let face = |info: &byfeel::gym::Info, key: &str| match info.get(key) {
        Some(InfoValue::Int(f)) => *f,
        _ => 0,
    };
    let goal_face = face(&info, "oracle_die_goal_face");
    println!(
        "die-roll: face {} up, goal face {goal_face}; planning by touch with {}",
        face(&info, "oracle_die_face"),
        run.display()
    );
    let goal = env.goal_image().unwrap_or_default().to_vec();
    let k = agent.context_len();
    let mut seen = vec![image_of(&obs)?; k];
    let frame = |env: &mut TaskEnv, gel: &[u8]| -> Result<Frame, Error> {
        let camera = env.camera_image()?;
        Ok(Frame::side_by_side(
            &[([144, 192], &camera), ([48, 64], gel), ([48, 64], &goal)],
            2,
        ))
    };
    let mut frames = vec![frame(&mut env, &seen[0])?];
    let bar = ProgressBar::new(env.config().max_episode_steps as u64).with_style(
        ProgressStyle::with_template("{spinner} planning {bar:30} {pos}/{len} steps · {msg}")
            .expect("a valid template"),
    );
    let mut success;
    loop {
        let context: Vec<&[u8]> = seen[seen.len() - k..].iter().map(Vec::as_slice).collect();
        let action = agent.plan(&context, &goal)?.first(3).to_vec();
        let t = env.step(&action)?;
        seen.push(image_of(&t.observation)?);
        frames.push(frame(&mut env, seen.last().unwrap())?);
        success = matches!(t.info.get("is_success"), Some(InfoValue::Bool(true)));
        bar.inc(1);
        bar.set_message(format!(
            "face {} up (goal {goal_face})",
            face(&t.info, "oracle_die_face")
        ));
        if t.terminated || t.truncated {
            break;
        }
    }
    bar.finish_and_clear();
    movie::write(&args.out, &frames, 5.0)?;
    println!(
        "goal face {goal_face} {} after {} steps; movie (camera | gel | goal's feel): {}",
        if success { "reached" } else { "not reached" },
        frames.len() - 1,
        args.out.display()
    );
    Ok(())
}
