//! Random-play collection: K simulated robots, each in its own randomised scene, stepping in
//! parallel while finished episodes are appended to an experience store on another thread.
//!
//! Steps follow RLDS's convention: step t holds the observation at t, the action taken then
//! and the reward that followed; an episode of L actions has L + 1 steps, the last one with
//! `is_last` set, a zero action and reward 0.

mod arm;
mod play;
mod practice;
mod worker;

pub use practice::{Explorer, Practice, PracticeConfig, PracticeReport, RandomExplorer};

use arm::CollectArm;
use worker::Worker;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use crate::store::{EpisodeBuffer, Field, Schema, StoreError, StoreOptions, StoreWriter};
use crate::{
    ActionMode, Env, EnvConfig, EnvError, ObsMode, OracleState, ResetOptions, Robot, Task, TaskEnv,
};

/// With branches, play returns over the die after the first push until this many actions
/// have been taken: the siblings' frames there differ only by the face up (12 is the fourth
/// frame the world model's second stage compares, one every third step).
pub const SIBLINGS_CENTRED_AT: usize = 12;

/// How actions are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Uniform in the action box.
    Random,
    /// Uniform, but never lifting the hand (Δz in [-1, 0]): random play that keeps the gel on
    /// what it touches, the box the die's planner searches.
    Pressing,
    /// The die only: pushes in random directions, each followed by a return over the die's top
    /// face to press it as the goal picture does.
    Play,
}

impl Policy {
    /// The policy's name: `random`, `pressing` or `play`.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Random => "random",
            Policy::Pressing => "pressing",
            Policy::Play => "play",
        }
    }

    /// The policy called `name` (lower case, as [`Policy::name`] spells it).
    pub fn from_name(name: &str) -> Option<Self> {
        [Policy::Random, Policy::Pressing, Policy::Play]
            .into_iter()
            .find(|p| p.name() == name)
    }
}

/// What to collect, and where.
#[derive(Debug, Clone)]
pub struct CollectConfig {
    /// The task whose scene and env are played.
    pub task: Task,
    /// Episodes to collect in this run.
    pub episodes: usize,
    /// Robots stepped in parallel, each with its own randomised scene.
    pub robots: usize,
    /// Base seed; each episode's seed is derived from it and the episode's number in the store.
    pub seed: u64,
    /// The store's directory: created, or reopened and appended to.
    pub out: PathBuf,
    /// Camera image (width, height).
    pub image_size: (u32, u32),
    /// Actions per episode; the task's default if `None`.
    pub max_episode_steps: Option<usize>,
    /// How actions are chosen.
    pub policy: Policy,
    /// Each random action is held for this many steps (at least 1). The predictive agent's
    /// planner holds its actions 3 steps; play held the same way pushes as far as a plan does.
    pub hold: usize,
    /// Play only: each seed is played this many times (sibling episodes: they share the stored
    /// `seed` and carry their `branch`), the first push turned by a further 2π/branches each
    /// time, the return after it held until [`SIBLINGS_CENTRED_AT`] actions, and everything
    /// else the same. Siblings start from the same frame and, at that step, differ only by
    /// where the push rolled the die, so a model that must tell their futures apart there has
    /// to know which face comes up.
    pub branches: usize,
    /// What one stored action does (DieRoll may roll: see [`ActionMode::Roll`]); random
    /// roll actions are uniform over the square of push directions.
    pub action_mode: ActionMode,
    /// How the store is written (chunking, compression, attributes).
    pub store: StoreOptions,
    /// Append to the store; `false` steps and renders the same but drops the episodes (to
    /// measure what writing costs).
    pub write: bool,
    /// Domain randomisation: each episode on an arm across a reality gap drawn between none
    /// and this one ([`RealityGap::draw`](crate::gap::RealityGap::draw)); `None`: the
    /// simulator as it is.
    pub gap_range: Option<crate::gap::RealityGap>,
    /// DoorOpen only: every episode on this door of the door family
    /// ([`crate::door_family`]) instead of a freshly drawn door each episode.
    pub door: Option<u64>,
}

impl CollectConfig {
    /// `episodes` episodes of `task` by `robots` robots into `out`: seed 0, 48×48 images, the
    /// task's episode length, random actions held 1 step, no branches, hand actions.
    pub fn new(task: Task, episodes: usize, robots: usize, out: impl Into<PathBuf>) -> Self {
        Self {
            task,
            episodes,
            robots,
            seed: 0,
            out: out.into(),
            image_size: (48, 48),
            max_episode_steps: None,
            policy: Policy::Random,
            hold: 1,
            branches: 1,
            action_mode: ActionMode::Hand,
            store: StoreOptions::default(),
            write: true,
            gap_range: None,
            door: None,
        }
    }
}

/// Where a collection run stands (passed to the progress callback).
#[derive(Debug, Clone, Default)]
pub struct CollectProgress {
    /// Episodes finished so far (stored, unless writing is off).
    pub episodes: u64,
    /// Steps in those episodes (L + 1 for an episode of L actions).
    pub steps: u64,
    /// Bytes the store's writer has written to disk so far.
    pub bytes: u64,
    /// Seconds since the robots started stepping.
    pub seconds: f64,
    /// What reopening the store repaired, if anything.
    pub repair_note: Option<String>,
}

/// Why a collection run stopped.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The environment refused a setting or a step.
    #[error(transparent)]
    Env(#[from] EnvError),
    /// The store could not be opened or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A setting that makes no sense (no robots, play off the die, ...), or an env that lacked an
    /// entry collection records.
    #[error("{0}")]
    Config(String),
}

/// The fields collection records for `task` (camera, tactile, proprioception, action, reward,
/// RLDS flags, goal, oracle state; per episode the robot, seed, goal picture and drawn scene,
/// and with `branches` > 1 the episode's branch). A family `door`'s scene records more
/// parameters than the single door's.
pub fn collect_schema(
    task: Task,
    image_size: (u32, u32),
    branches: usize,
    mode: ActionMode,
    door: Option<u64>,
) -> Result<Schema, CollectError> {
    let mut env = TaskEnv::new(episode_config(task, image_size, None, mode, door))?;
    schema_of(&mut env, task, image_size, branches, mode)
}

/// [`collect_schema`] for an env already built with [`episode_config`] (a robot that keeps its
/// env builds one scene, not two). Resets `env` at seed 0 to size the goal; an episode's own
/// seeded reset makes its world afresh.
pub(crate) fn schema_of(
    env: &mut TaskEnv,
    task: Task,
    image_size: (u32, u32),
    branches: usize,
    mode: ActionMode,
) -> Result<Schema, CollectError> {
    let (w, h) = (image_size.0 as usize, image_size.1 as usize);
    env.reset(Some(0), &ResetOptions::default())?;
    let gel = byfeel_render::TactileConfig::default();
    let (gh, gw) = (gel.height as usize, gel.width as usize);
    let goal_len = env.goal().map_or(0, |g| g.len());
    let goal_image: [usize; 3] = if env.observes_gel() {
        [gh, gw, 3]
    } else {
        [h, w, 3]
    };
    let dof = env.robot().spec().joints.len();
    let proprio: Vec<String> = (0..dof)
        .map(|i| format!("joint{i}"))
        .chain(["hand_x", "hand_y", "hand_z"].map(String::from))
        .collect();
    let oracle = oracle_columns(task);
    let scene: Vec<&str> = env
        .robot()
        .inner()
        .world()
        .scene_parameters()
        .iter()
        .map(|(n, _)| *n)
        .collect();
    let mut schema = Schema::new()
        .step(Field::u8("camera", &[h, w, 3]))
        .step(Field::u8("tactile", &[gh, gw, 3]))
        .step(
            Field::f32("proprio", &[proprio.len()])
                .with_columns(&proprio.iter().map(String::as_str).collect::<Vec<_>>()),
        )
        .step(match mode {
            ActionMode::Hand => Field::f32("action", &[3]).with_columns(&["dx", "dy", "dz"]),
            ActionMode::Roll => Field::f32("action", &[2]).with_columns(&["push_x", "push_y"]),
        })
        .step(Field::f32("reward", &[]))
        .step(Field::u8("is_first", &[]))
        .step(Field::u8("is_last", &[]))
        .step(Field::u8("is_terminal", &[]))
        .step(Field::f32("goal", &[goal_len]))
        .step(Field::f32("oracle", &[oracle.len()]).with_columns(&oracle))
        .episode(Field::u64("robot", &[]))
        .episode(Field::u64("seed", &[]))
        .episode(Field::u8("goal_image", &goal_image));
    if !scene.is_empty() {
        schema = schema.episode(Field::f32("scene", &[scene.len()]).with_columns(&scene));
    }
    if branches > 1 {
        schema = schema.episode(Field::u64("branch", &[]));
    }
    Ok(schema)
}

fn episode_config(
    task: Task,
    image_size: (u32, u32),
    steps: Option<usize>,
    mode: ActionMode,
    door: Option<u64>,
) -> EnvConfig {
    let mut config = EnvConfig::new(task)
        .obs_mode(ObsMode::Goal)
        .image_size(image_size.0, image_size.1)
        .action_mode(mode);
    config.door = door;
    config.randomize_scene = door.is_none();
    if let Some(s) = steps {
        config.max_episode_steps = s;
    }
    config
}

fn oracle_columns(task: Task) -> Vec<&'static str> {
    let mut c = vec!["time", "gel_in_contact"];
    match task {
        Task::DoorOpen => c.extend(["door_angle", "handle_x", "handle_y", "handle_z"]),
        Task::Reach | Task::CupPush => c.extend(["cup_x", "cup_y", "cup_z", "cup_tilt"]),
        Task::DieRoll => c.extend(["die_x", "die_y", "die_z", "die_face_up", "die_face_on_gel"]),
    }
    c
}

fn oracle_row(task: Task, o: &OracleState) -> Vec<f32> {
    let v3 = |p: Option<glam::DVec3>| p.map_or([0.0; 3], |p| p.as_vec3().to_array());
    let mut row = vec![o.time as f32, o.gel_in_contact as u8 as f32];
    match task {
        Task::DoorOpen => {
            row.push(o.door_angle.unwrap_or(0.0) as f32);
            row.extend(v3(o.door_handle));
        }
        Task::Reach | Task::CupPush => {
            row.extend(v3(o.cup_position));
            row.push(o.cup_tilt.unwrap_or(0.0) as f32);
        }
        Task::DieRoll => {
            row.extend(v3(o.die_position));
            row.push(o.die_face_up.unwrap_or(0) as f32);
            row.push(o.die_face_on_gel.unwrap_or(0) as f32);
        }
    }
    row
}

/// Collects `config.episodes` episodes into `config.out` (created, or reopened and appended
/// to), calling `on_progress` after every committed episode.
pub fn collect(
    config: &CollectConfig,
    on_progress: impl FnMut(&CollectProgress) + Send,
) -> Result<CollectProgress, CollectError> {
    if config.robots == 0 || config.episodes == 0 {
        return Err(CollectError::Config(
            "collect needs at least one robot and one episode".into(),
        ));
    }
    if config.policy == Policy::Play && config.task != Task::DieRoll {
        return Err(CollectError::Config(format!(
            "the play policy rolls the die; for {} use random or pressing",
            config.task.name()
        )));
    }
    if config.branches > 1 && config.policy != Policy::Play {
        return Err(CollectError::Config(
            "branches turn play's first push; use them with the play policy".into(),
        ));
    }
    if config.action_mode == ActionMode::Roll && config.policy != Policy::Random {
        return Err(CollectError::Config(format!(
            "roll actions are collected with the random policy (each is a whole push), not {}",
            config.policy.name()
        )));
    }
    if let Some(door) = config.door {
        if config.task != Task::DoorOpen || config.gap_range.is_some() {
            return Err(CollectError::Config(format!(
                "door {door}: family doors are collected on DoorOpen in the simulator as it is \
                 (no reality gap)"
            )));
        }
    }
    match &config.gap_range {
        None => collect_on::<crate::SimRobot>(config, on_progress),
        Some(range) => {
            range.check().map_err(CollectError::Config)?;
            collect_on::<crate::gap::GapRobot>(config, on_progress)
        }
    }
}

/// [`collect`] on arms of kind `R`.
fn collect_on<R: CollectArm>(
    config: &CollectConfig,
    mut on_progress: impl FnMut(&CollectProgress) + Send,
) -> Result<CollectProgress, CollectError> {
    let branches = config.branches.max(1);
    let schema = collect_schema(
        config.task,
        config.image_size,
        branches,
        config.action_mode,
        config.door,
    )?;
    let robots = config.robots.min(config.episodes);
    let mut workers = (0..robots as u64)
        .map(|k| Worker::<R>::new(k, config, &schema))
        .collect::<Result<Vec<_>, _>>()?;
    let mut options = config.store.clone();
    let attributes = &mut options.attributes;
    attributes.insert("task".into(), config.task.name().into());
    attributes.insert("policy".into(), config.policy.name().into());
    attributes.insert("hold".into(), config.hold.max(1).into());
    attributes.insert("branches".into(), branches.into());
    attributes.insert("action_mode".into(), config.action_mode.name().into());
    if let Some(range) = &config.gap_range {
        // Domain randomisation: the range each episode's reality gap was drawn from.
        attributes.insert("gap_range".into(), range.to_toml().into());
    }
    attributes.insert(
        "step_seconds".into(),
        workers[0].step_seconds().into(),
    );
    let mut writer = if config.write {
        Some(StoreWriter::open_or_create(
            &config.out,
            schema.clone(),
            options,
        )?)
    } else {
        None
    };
    let mut progress = CollectProgress {
        repair_note: writer
            .as_ref()
            .and_then(|w| w.repair_note().map(String::from)),
        ..Default::default()
    };
    // Seeds continue where an earlier run on this store stopped, so no episode repeats; with
    // branches, the e-th episode started is branch e % branches of seed e / branches.
    let first_episode = writer.as_ref().map_or(0, |w| w.num_episodes());
    let episode_seed = |n: u64| {
        let e = first_episode + n;
        let seed = config
            .seed
            .wrapping_mul(1_000_003)
            .wrapping_add(e / branches as u64);
        (seed, (e % branches as u64) as usize)
    };
    let started = AtomicUsize::new(0);
    for w in &mut workers {
        let n = started.fetch_add(1, Ordering::Relaxed) as u64;
        let (seed, branch) = episode_seed(n);
        w.begin(config, seed, branch)?;
    }

    // The writer compresses and writes on its own thread while the robots step.
    let (send, receive) = mpsc::sync_channel::<EpisodeBuffer>(2 * robots);
    let clock = Instant::now();
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| -> Result<CollectProgress, CollectError> {
        let writing = scope.spawn(move || -> Result<CollectProgress, CollectError> {
            for episode in receive {
                if let Some(writer) = writer.as_mut() {
                    writer.append_episode(&episode)?;
                    progress.bytes = writer.bytes_written();
                }
                progress.episodes += 1;
                progress.steps += episode.len() as u64;
                progress.seconds = clock.elapsed().as_secs_f64();
                on_progress(&progress);
            }
            progress.seconds = clock.elapsed().as_secs_f64();
            Ok(progress)
        });
        // Each robot runs on its own thread, never waiting for the others: a robot delayed
        // (by the writer, by a longer episode) holds up no one else.
        let robots: Vec<_> = workers
            .iter_mut()
            .map(|w| {
                let (send, started, stop) = (send.clone(), &started, &stop);
                let episode_seed = &episode_seed;
                scope.spawn(move || -> Result<(), CollectError> {
                    while !stop.load(Ordering::Relaxed) {
                        let Some(episode) = w.step(config.task).inspect_err(|_| {
                            stop.store(true, Ordering::Relaxed);
                        })?
                        else {
                            continue;
                        };
                        if send.send(episode).is_err() {
                            return Ok(()); // the writer failed: its error is reported
                        }
                        let n = started.fetch_add(1, Ordering::Relaxed);
                        if n >= config.episodes {
                            return Ok(());
                        }
                        let (seed, branch) = episode_seed(n as u64);
                        w.begin(config, seed, branch)?;
                    }
                    Ok(())
                })
            })
            .collect();
        drop(send);
        let mut failed = None;
        for robot in robots {
            if let Err(e) = robot.join().expect("a robot thread panicked") {
                failed.get_or_insert(e);
            }
        }
        let written = writing.join().expect("the store writer panicked");
        match failed {
            Some(e) => Err(e),
            None => written,
        }
    })
}
