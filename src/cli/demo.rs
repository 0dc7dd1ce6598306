//! `byfeel demo die-roll` / `cup-push` / `door-open`: a shipped agent works toward a goal
//! picture (the die by touch alone, the cup and the door by camera), and the episode is saved
//! as a movie (scene camera | what the agent senses | the goal picture).

use std::path::{Path, PathBuf};

use byfeel::agents::eval::{Controller, image_of};
use byfeel::gym::{Env, EnvConfig, ObsMode, ResetOptions, Task, TaskEnv};
use indicatif::{ProgressBar, ProgressStyle};

use super::Error;
use super::movie::{self, Frame};

/// The episode seed when neither `--seed` nor the model's `demo.json` gives one: the first of
/// `byfeel eval`'s held-out goals.
const DEMO_SEED: u64 = 1_000_000;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DemoName {
    /// Roll the d20 until the goal face is under the gel, by touch alone.
    DieRoll,
    /// Push the cup to where the goal picture shows it, by camera.
    CupPush,
    /// Pull the door to the angle a goal image shows, by camera (Skew-Fit).
    DoorOpen,
}

impl DemoName {
    fn task(self) -> Task {
        match self {
            DemoName::DieRoll => Task::DieRoll,
            DemoName::CupPush => Task::CupPush,
            DemoName::DoorOpen => Task::DoorOpen,
        }
    }

    /// The shipped model, as a path from the repository root.
    fn model(self) -> &'static str {
        match self {
            DemoName::DieRoll => "assets/models/die-roll",
            DemoName::CupPush => "assets/models/cup-push",
            DemoName::DoorOpen => "assets/models/door-skewfit",
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Which demo; none: every one, each into its own movie.
    pub what: Option<DemoName>,
    /// A run directory (default: the model shipped in assets/models/die-roll or cup-push).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The movie: .gif or .png (animated PNG); default: die-roll.gif or cup-push.gif.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The episode's seed: it sets the start and the goal (default: the model's `demo.json`
    /// `{"seed": N}`, an episode its makers picked to show, else 1000000).
    #[arg(long)]
    pub seed: Option<u64>,
    /// CEM samples per iteration (the paper's 200).
    #[arg(long, default_value_t = 200)]
    pub samples: usize,
}

/// The model given, else the shipped one found from here or from where byfeel was built.
pub(super) fn model_dir(given: Option<&Path>, shipped: &str) -> Result<PathBuf, Error> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    let here = PathBuf::from(shipped);
    let bundled = byfeel::sim::assets_dir().join(shipped.trim_start_matches("assets/"));
    [here, bundled]
        .into_iter()
        .find(|p| {
            p.join("model.bpk").exists()
                || p.join("skewfit.json").exists()
                || byfeel::agents::memory::is_memory_run(p)
        })
        .ok_or_else(|| {
            format!(
                "no model at {shipped} (nor in {}): set BYFEEL_ASSETS to byfeel's assets folder, \
                 or train one (byfeel train predictive --task ... --out RUN) and pass --model RUN",
                byfeel::sim::assets_dir().display()
            )
            .into()
        })
}

/// The seed a model directory's `demo.json` names, else the default.
fn demo_seed(run: &Path) -> Result<u64, Error> {
    let path = run.join("demo.json");
    if !path.exists() {
        return Ok(DEMO_SEED);
    }
    let value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    value["seed"]
        .as_u64()
        .ok_or_else(|| format!("{}: give {{\"seed\": N}}", path.display()).into())
}

pub fn run(args: DemoArgs) -> Result<(), Error> {
    let Some(what) = args.what else {
        if args.out.is_some() || args.model.is_some() || args.seed.is_some() {
            return Err("--out, --model and --seed are for one demo: name it (byfeel demo die-roll …)".into());
        }
        println!("byfeel's shipped agents, each planning toward a goal picture it was given:");
        for what in [DemoName::DieRoll, DemoName::CupPush, DemoName::DoorOpen] {
            println!();
            one(what, &args)?;
        }
        return Ok(());
    };
    one(what, &args)
}

/// Plays the demo `what` into its movie.
fn one(what: DemoName, args: &DemoArgs) -> Result<(), Error> {
    let task = what.task();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.gif", super::names::name_of(what))));
    movie::check_path(&out)?;
    let run = model_dir(args.model.as_deref(), what.model())?;
    let seed = match args.seed {
        Some(seed) => seed,
        None => demo_seed(&run)?,
    };
    if what == DemoName::DoorOpen {
        return super::demo_door::play(&run, seed, &out);
    }
    let mut agent = Controller::predictive(&run, args.samples, seed)?;
    agent.begin_episode(seed);
    let spec = run.join(byfeel::agents::world_model::SPEC_FILE);
    let actions = if byfeel::agents::memory::is_memory_run(&run) {
        byfeel::agents::memory::read_memory_spec(&run)?.action_mode()?
    } else if spec.exists() {
        byfeel::agents::world_model::read_spec(&run)?.action_mode()?
    } else {
        byfeel::gym::ActionMode::Hand
    };
    let config = match task {
        Task::DieRoll => EnvConfig::new(task)
            .obs_mode(ObsMode::Tactile)
            .action_mode(actions),
        _ => EnvConfig::new(task)
            .obs_mode(ObsMode::Image)
            .image_size(64, 48),
    };
    let mut env = TaskEnv::new(config)?;
    agent.episode_steps(env.config().max_episode_steps);
    let (obs, info) = env.reset(Some(seed), &ResetOptions::default())?;
    let state = |info: &byfeel::gym::Info| -> Result<String, Error> {
        use byfeel::gym::info::{self, DIE_FACE, DIE_GOAL_FACE, GOAL_DISTANCE};
        Ok(match task {
            Task::DieRoll => format!(
                "face {} up (goal {})",
                info::int(info, DIE_FACE)?,
                info::int(info, DIE_GOAL_FACE)?
            ),
            _ => format!("{:.3} m from the goal", info::float(info, GOAL_DISTANCE)?),
        })
    };
    println!(
        "{}: {}; planning with {}",
        task.name(),
        state(&info)?,
        run.display()
    );
    let goal = env.goal_image().unwrap_or_default().to_vec();
    let k = agent.context_len();
    let mut seen = vec![image_of(&obs)?; k];
    let frame = |env: &mut TaskEnv, sensed: &[u8]| -> Result<Frame, Error> {
        let camera = env.camera_image_sized(192, 144)?;
        Ok(Frame::side_by_side(
            &[([144, 192], &camera), ([48, 64], sensed), ([48, 64], &goal)],
            2,
        ))
    };
    let mut frames = vec![frame(&mut env, &seen[0])?];
    let bar = ProgressBar::new(env.config().max_episode_steps as u64).with_style(
        ProgressStyle::with_template("{spinner} planning {bar:30} {pos}/{len} steps · {msg}")
            .expect("a valid template"),
    );
    let (success, last) = loop {
        let context: Vec<&[u8]> = seen[seen.len() - k..].iter().map(Vec::as_slice).collect();
        let (action, _) = agent.act(&context, &goal, (48, 64), false)?;
        let t = env.step(&action)?;
        seen.push(image_of(&t.observation)?);
        frames.push(frame(&mut env, seen.last().unwrap())?);
        bar.inc(1);
        bar.set_message(state(&t.info)?);
        if t.terminated || t.truncated {
            let success = byfeel::gym::info::success(&t.info)?;
            break (success, t.info);
        }
    };
    bar.finish_and_clear();
    // A roll action is a whole push and press: one frame a second shows each.
    let fps = if actions == byfeel::gym::ActionMode::Roll {
        1.0
    } else {
        5.0
    };
    movie::write(&out, &frames, fps)?;
    println!(
        "{} after {} steps: {}; movie (camera | {} | goal): {}",
        if success {
            "goal reached"
        } else {
            "goal not reached"
        },
        frames.len() - 1,
        state(&last)?,
        if task == Task::DieRoll {
            "gel"
        } else {
            "task camera"
        },
        out.display()
    );
    Ok(())
}
