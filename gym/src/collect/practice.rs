//! One robot practising, reset-free, on a door of the door family, kept open between calls:
//! what a fleet's robot runs. Its scene, renderer and store are set up once; each
//! [`Practice::run`] plays whole episodes toward goals an [`Explorer`] chooses and commits each
//! to the robot's own store before the next begins, so a robot killed mid-episode loses only
//! that episode.
//!
//! Episodes are recorded as [`collect`](super::collect) records them (the same schema, RLDS
//! steps). Reset-free: an episode starts where the last one left the arm and the door, only its
//! goal is new; the first episode of a [`Practice`] starts from a fresh world.

use std::path::PathBuf;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::worker::{push_step, sense, set_episode_fields};
use super::{CollectError, episode_config, schema_of};
use crate::store::{EpisodeBuffer, StoreOptions, StoreWriter};
use crate::{ActionMode, Env, Observation, ResetOptions, Task, TaskEnv};

/// What chooses a practising robot's goals and actions.
pub trait Explorer {
    /// The goal picture for the episode about to start (as the observations' images), given
    /// the robot's observation at its start; `None` keeps the goal the env drew.
    fn goal(&mut self, first: &Observation, rng: &mut ChaCha8Rng) -> Option<Vec<u8>>;

    /// The action to take on `observation`, whose `image_desired_goal` is the episode's goal.
    fn act(&mut self, observation: &Observation, rng: &mut ChaCha8Rng) -> Vec<f32>;
}

/// Uniform actions in the action box toward the goals the env draws.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomExplorer;

impl Explorer for RandomExplorer {
    fn goal(&mut self, _first: &Observation, _rng: &mut ChaCha8Rng) -> Option<Vec<u8>> {
        None
    }

    fn act(&mut self, _observation: &Observation, rng: &mut ChaCha8Rng) -> Vec<f32> {
        (0..3).map(|_| rng.random_range(-1.0..=1.0)).collect()
    }
}

/// Where a robot practises and how it records.
#[derive(Debug, Clone)]
pub struct PracticeConfig {
    /// The door of the family ([`crate::door_family`]) the robot stands in front of.
    pub door: u64,
    /// The robot's number, stored with each episode.
    pub robot: u64,
    /// Seeds the first world and the robot's random stream.
    pub seed: u64,
    /// The robot's store: created, or reopened and appended to.
    pub out: PathBuf,
    /// Camera image (width, height).
    pub image_size: (u32, u32),
}

impl PracticeConfig {
    /// Robot `robot` on family door `door`, recording into `out`: seed 0, 48 × 48 images.
    pub fn new(door: u64, robot: u64, out: impl Into<PathBuf>) -> Self {
        Self {
            door,
            robot,
            seed: 0,
            out: out.into(),
            image_size: (48, 48),
        }
    }
}

/// What one [`Practice::run`] added to the store.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PracticeReport {
    /// Episodes committed.
    pub episodes: u64,
    /// Steps in them (L + 1 for an episode of L actions).
    pub steps: u64,
    /// Actions taken.
    pub actions: u64,
}

/// See the module docs.
pub struct Practice {
    env: TaskEnv,
    writer: StoreWriter,
    rng: ChaCha8Rng,
    robot: u64,
    /// Whether the world has been made (by the first episode's seeded reset).
    started: bool,
}

impl Practice {
    /// Builds the robot's scene and opens (or creates) its store; the world is made when the
    /// first episode starts. A store of another door or schema is refused.
    pub fn open(config: &PracticeConfig) -> Result<Self, CollectError> {
        let task = Task::DoorOpen;
        let door = Some(config.door);
        let mut env =
            TaskEnv::new(episode_config(task, config.image_size, None, ActionMode::Hand, door))?;
        let schema = schema_of(&mut env, task, config.image_size, 1, ActionMode::Hand)?;
        let mut options = StoreOptions::default();
        for (key, value) in [
            ("task", serde_json::Value::from(task.name())),
            ("policy", "practice".into()),
            ("door", config.door.into()),
            ("step_seconds", env.spec().step_seconds.into()),
        ] {
            options.attributes.insert(key.into(), value);
        }
        if let Some(stored) = stored_door(&config.out) {
            if stored != config.door {
                return Err(CollectError::Config(format!(
                    "{} holds door {stored}'s practice, not door {}'s",
                    config.out.display(),
                    config.door
                )));
            }
        }
        let writer = StoreWriter::open_or_create(&config.out, schema, options)?;
        // A reopened store continues the stream where its episodes stop, so no world repeats.
        let seed = config.seed.wrapping_mul(1_000_003).wrapping_add(writer.num_episodes());
        Ok(Self {
            env,
            writer,
            rng: ChaCha8Rng::seed_from_u64(seed),
            robot: config.robot,
            started: false,
        })
    }

    /// Committed episodes in the robot's store.
    pub fn num_episodes(&self) -> u64 {
        self.writer.num_episodes()
    }

    /// Committed steps in the robot's store.
    pub fn num_steps(&self) -> u64 {
        self.writer.num_steps()
    }

    /// The env the robot practises in (its task, its door).
    pub fn env(&self) -> &TaskEnv {
        &self.env
    }

    /// Plays `episodes` whole episodes with `explorer`, committing each.
    pub fn run(
        &mut self,
        episodes: usize,
        explorer: &mut dyn Explorer,
    ) -> Result<PracticeReport, CollectError> {
        let mut report = PracticeReport::default();
        for _ in 0..episodes {
            let episode = self.play(explorer)?;
            report.steps += episode.len() as u64;
            report.actions += episode.len().saturating_sub(1) as u64;
            self.writer.append_episode(&episode)?;
            report.episodes += 1;
        }
        Ok(report)
    }

    /// One episode, recorded: a new goal (the world where the last episode left it), then
    /// the explorer's actions until the env's step limit.
    fn play(&mut self, explorer: &mut dyn Explorer) -> Result<EpisodeBuffer, CollectError> {
        let task = Task::DoorOpen;
        let seed = self.rng.random::<u64>();
        // Only the first episode makes a world; later ones go on from where the last one ended.
        let fresh = (!self.started).then_some(seed);
        let (mut obs, _) = self.env.reset(fresh, &ResetOptions::default())?;
        if let Some(goal) = explorer.goal(&obs, &mut self.rng) {
            self.env.set_goal_image(&goal)?;
            set_goal_picture(&mut obs, goal);
        }
        let mut episode = EpisodeBuffer::new(self.writer.schema());
        let scene = self.env.robot().inner().world().scene_parameters();
        set_episode_fields(&mut episode, &obs, self.robot, seed, &scene)?;
        let limit = self.env.spec().max_episode_steps;
        for t in 0..limit {
            let before = sense(&mut self.env, &obs, task)?;
            let action = explorer.act(&obs, &mut self.rng);
            let step = self.env.step(&action)?;
            push_step(&mut episode, before, action, step.reward as f32, [t == 0, false, false])?;
            obs = step.observation;
            if step.terminated || step.truncated {
                break;
            }
        }
        let after = sense(&mut self.env, &obs, task)?;
        push_step(&mut episode, after, vec![0.0; 3], 0.0, [false, true, false])?;
        self.started = true;
        Ok(episode)
    }
}

/// The door the store at `path` holds practice on, if it exists and says.
fn stored_door(path: &std::path::Path) -> Option<u64> {
    let reader = crate::store::StoreReader::open(path).ok()?;
    reader.attributes().get("door").and_then(|d| d.as_u64())
}

/// Puts the explorer's goal into the observation the first action sees, as later
/// observations carry it.
fn set_goal_picture(obs: &mut Observation, goal: Vec<u8>) {
    if let Observation::Dict(items) = obs {
        for (key, array) in items.iter_mut() {
            if key == "image_desired_goal" {
                array.data = crate::spaces::ArrayData::U8(goal.clone());
            }
        }
    }
}
