//! `byfeel demo die-roll` / `cup-push` / `door-open`: a shipped agent works toward a goal
//! picture (the die by touch alone, the cup and the door by camera), and the episode is saved
//! as a movie (scene camera | what the agent senses | the goal picture).

use std::path::{Path, PathBuf};

use byfeel::agents::arm::remote_env;
use byfeel::agents::eval::Controller;
use byfeel::agents::policy::{self, Policy};
use byfeel::agents::skewfit::{self, SkewFitPolicy, SkewFitTask};
use byfeel::gym::{ActionMode, EnvConfig, Info, ObsMode, Robot, Task, TaskEnv, info};
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
    /// Play on the arm of a robot server (`byfeel serve`, of the demo's scene) at HOST:PORT
    /// instead of a simulated arm here.
    #[arg(long, value_name = "HOST:PORT")]
    pub robot: Option<String>,
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
        if args.out.is_some() || args.model.is_some() || args.seed.is_some() || args.robot.is_some() {
            return Err("--out, --model, --seed and --robot are for one demo: name it (byfeel demo die-roll …)".into());
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
        let (_, vae, sac) = skewfit::load(&run)?;
        let config = SkewFitTask::door().config();
        println!(
            "DoorOpen: the door shut, a goal image to reach (seed {seed}); acting with {}",
            run.display()
        );
        let door = |info: &Info| -> Result<String, Error> {
            Ok(format!("door at {:.3} rad", info::float(info, info::DOOR_ANGLE)?))
        };
        let shown = Shown { sensed: Some("image_observation"), goal: Some("image_desired_goal"), fps: 10.0 };
        let agent = &mut SkewFitPolicy::new(&vae, &sac);
        let (last, steps) = match &args.robot {
            None => film(agent, &mut TaskEnv::new(config)?, seed, &shown, &door, &out)?,
            Some(addr) => film(agent, &mut remote_env(config, addr)?, seed, &shown, &door, &out)?,
        };
        let (angle, wanted) = (
            info::float(&last, info::DOOR_ANGLE)?,
            info::float(&last, info::GOAL_DOOR_ANGLE)?,
        );
        return report(
            info::success(&last)?,
            &format!("{steps} steps: the door at {angle:.3} rad, the goal's {wanted:.3} rad (within 0.02 rad and the hand within 3 cm counts)"),
            "door camera",
            &out,
        );
    }
    let mut agent = Controller::predictive(&run, args.samples, seed)?;
    let spec = run.join(byfeel::agents::world_model::SPEC_FILE);
    let actions = if byfeel::agents::memory::is_memory_run(&run) {
        byfeel::agents::memory::read_memory_spec(&run)?.action_mode()?
    } else if spec.exists() {
        byfeel::agents::world_model::read_spec(&run)?.action_mode()?
    } else {
        ActionMode::Hand
    };
    let config = match task {
        Task::DieRoll => EnvConfig::new(task)
            .obs_mode(ObsMode::Tactile)
            .action_mode(actions),
        _ => EnvConfig::new(task)
            .obs_mode(ObsMode::Image)
            .image_size(64, 48),
    };
    let state = |info: &Info| -> Result<String, Error> {
        Ok(match task {
            Task::DieRoll => format!(
                "face {} up (goal {})",
                info::int(info, info::DIE_FACE)?,
                info::int(info, info::DIE_GOAL_FACE)?
            ),
            _ => format!("{:.3} m from the goal", info::float(info, info::GOAL_DISTANCE)?),
        })
    };
    println!("{}: planning with {}", task.name(), run.display());
    // A roll action is a whole push and press: one frame a second shows each.
    let fps = if actions == ActionMode::Roll { 1.0 } else { 5.0 };
    let shown = Shown { sensed: None, goal: None, fps };
    let (last, steps) = match &args.robot {
        None => film(&mut agent, &mut TaskEnv::new(config)?, seed, &shown, &state, &out)?,
        Some(addr) => film(&mut agent, &mut remote_env(config, addr)?, seed, &shown, &state, &out)?,
    };
    let sensed = if task == Task::DieRoll { "gel" } else { "task camera" };
    report(info::success(&last)?, &format!("{steps} steps: {}", state(&last)?), sensed, &out)
}

/// What a demo's movie shows beside the scene camera.
struct Shown {
    /// The observation's image the agent senses (`None`: the observation is that image).
    sensed: Option<&'static str>,
    /// The observation's goal image (`None`: the task's goal picture).
    goal: Option<&'static str>,
    /// Frames per second of the movie.
    fps: f64,
}

/// Plays `agent` from `seed` into the movie `out` (scene camera | what the agent senses | the
/// goal), the progress bar saying `describe` of each step; returns the last info and the steps.
fn film<R: Robot + Send>(
    agent: &mut dyn Policy,
    env: &mut TaskEnv<R>,
    seed: u64,
    shown: &Shown,
    describe: &dyn Fn(&Info) -> Result<String, Error>,
    out: &Path,
) -> Result<(Info, usize), Error> {
    let bar = ProgressBar::new(env.config().max_episode_steps as u64).with_style(
        ProgressStyle::with_template("{spinner} acting {bar:30} {pos}/{len} steps · {msg}")
            .expect("a valid template"),
    );
    let mut frames = Vec::new();
    let mut goal = None;
    let episode = policy::play(agent, env, seed, false, |env, obs, info| -> Result<(), Error> {
        let sensed = policy::image(obs, shown.sensed)?;
        if goal.is_none() {
            goal = Some(match shown.goal {
                Some(key) => policy::image(obs, Some(key))?.to_vec(),
                None => env.goal_image().unwrap_or_default().to_vec(),
            });
        }
        let camera = env.camera_image_sized(192, 144)?;
        let (rows, columns) = policy::image_size(obs, shown.sensed)?;
        let side = [rows, columns];
        let goal = goal.as_deref().unwrap_or_default();
        frames.push(Frame::side_by_side(&[([144, 192], &camera), (side, sensed), (side, goal)], 2));
        if frames.len() > 1 {
            bar.inc(1);
        }
        bar.set_message(describe(info)?);
        Ok(())
    })?;
    bar.finish_and_clear();
    movie::write(out, &frames, shown.fps)?;
    Ok((episode.info, episode.steps))
}

/// Says whether the goal was reached, how, and where the movie is.
fn report(success: bool, how: &str, sensed: &str, out: &Path) -> Result<(), Error> {
    let said = if success { "goal reached" } else { "goal not reached" };
    println!("{said} after {how}; movie (camera | {sensed} | goal): {}", out.display());
    Ok(())
}
