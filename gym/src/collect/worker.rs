//! One collecting robot: its env, its random stream, and the episode it is recording.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::arm::CollectArm;
use super::{
    CollectConfig, CollectError, Policy, SIBLINGS_CENTRED_AT, episode_config, oracle_row, play,
};
use crate::store::{Column, EpisodeBuffer, Schema};
use crate::{Env, Observation, Oracle, ResetOptions, Robot, Task, TaskEnv};

/// One robot: its env, its own random stream, and the episode it is recording.
pub(super) struct Worker<R: CollectArm> {
    index: u64,
    env: TaskEnv<R>,
    rng: ChaCha8Rng,
    episode: EpisodeBuffer,
    /// The observation the env returned last (its image is the task's sensor).
    last: Option<Observation>,
    policy: Policy,
    hold: usize,
    /// The action being held, and for how many more steps.
    held: (Vec<f32>, usize),
    action_dim: usize,
    play: play::DiePlay,
    branches: usize,
}

impl<R: CollectArm> Worker<R> {
    /// Seconds one step of this robot's env takes.
    pub(super) fn step_seconds(&self) -> f64 {
        self.env.spec().step_seconds
    }

    pub(super) fn new(
        index: u64,
        config: &CollectConfig,
        schema: &Schema,
    ) -> Result<Self, CollectError> {
        let env = TaskEnv::on_robot(
            episode_config(
                config.task,
                config.image_size,
                config.max_episode_steps,
                config.action_mode,
                config.door,
            ),
            R::build(config)?,
        )?;
        Ok(Self {
            index,
            env,
            rng: ChaCha8Rng::seed_from_u64(0),
            episode: EpisodeBuffer::new(schema),
            last: None,
            policy: config.policy,
            hold: config.hold.max(1),
            held: (Vec::new(), 0),
            action_dim: config.action_mode.action_dim(),
            play: play::DiePlay::default(),
            branches: config.branches.max(1),
        })
    }

    fn sense(&mut self, task: Task) -> Result<Sensed, CollectError> {
        let obs = self.last.as_ref().expect("sensed after a reset");
        sense(&mut self.env, obs, task)
    }

    fn push(
        &mut self,
        s: Sensed,
        action: Vec<f32>,
        reward: f32,
        flags: [bool; 3],
    ) -> Result<(), CollectError> {
        push_step(&mut self.episode, s, action, reward, flags)
    }

    /// Starts episode `(seed, branch)`: a fresh world whose scene, goal and random actions all
    /// come from the seed (and play's first push from the branch too), so the seed stored with
    /// the episode, and its place in the store, reproduce it.
    pub(super) fn begin(
        &mut self,
        config: &CollectConfig,
        seed: u64,
        branch: usize,
    ) -> Result<(), CollectError> {
        self.episode.clear();
        self.env
            .robot_mut_for_tests()
            .inner_mut()
            .begin_episode(config, seed)?;
        self.rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5EED_AC71_0000_0000);
        self.held = (Vec::new(), 0);
        self.play = if self.branches > 1 {
            let turn = std::f32::consts::TAU * branch as f32 / self.branches as f32;
            play::DiePlay::branched(turn, SIBLINGS_CENTRED_AT)
        } else {
            play::DiePlay::default()
        };
        let (obs, _) = self.env.reset(Some(seed), &ResetOptions::default())?;
        let scene = self.env.robot().inner().sim().world().scene_parameters();
        set_episode_fields(&mut self.episode, &obs, self.index, seed, &scene)?;
        self.last = Some(obs);
        if self.branches > 1 {
            self.episode
                .set_episode("branch", Column::U64(vec![branch as u64]))?;
        }
        Ok(())
    }

    /// Takes one random action; returns the episode when this step ended it.
    pub(super) fn step(&mut self, task: Task) -> Result<Option<EpisodeBuffer>, CollectError> {
        let first = self.episode.is_empty();
        let before = self.sense(task)?;
        let action = if self.policy == Policy::Play {
            self.play
                .act(self.env.robot().inner().sim(), &mut self.rng)
                .to_vec()
        } else {
            let top = if self.policy == Policy::Pressing {
                0.0
            } else {
                1.0
            };
            if self.held.1 == 0 {
                let action: Vec<f32> = (0..self.action_dim)
                    .map(|j| self.rng.random_range(-1.0..=if j == 2 { top } else { 1.0 }))
                    .collect();
                self.held = (action, self.hold);
            }
            self.held.1 -= 1;
            self.held.0.clone()
        };
        let t = self.env.step(&action)?;
        self.last = Some(t.observation);
        self.push(before, action, t.reward as f32, [first, false, false])?;
        let rest = vec![0.0; self.action_dim];
        if !(t.terminated || t.truncated) {
            return Ok(None);
        }
        let after = self.sense(task)?;
        self.push(after, rest, 0.0, [false, true, t.terminated])?;
        let schema = self.episode.schema().clone();
        Ok(Some(std::mem::replace(
            &mut self.episode,
            EpisodeBuffer::new(&schema),
        )))
    }
}

/// What a robot senses at one moment.
pub(super) struct Sensed {
    camera: Vec<u8>,
    tactile: Vec<u8>,
    proprio: Vec<f32>,
    goal: Vec<f32>,
    oracle: Vec<f32>,
}

/// What `env` senses now, `obs` being its last observation: the observation's image is one
/// sensor; the other is rendered here.
pub(super) fn sense<R: Robot + Send>(
    env: &mut TaskEnv<R>,
    obs: &Observation,
    task: Task,
) -> Result<Sensed, CollectError> {
    let seen = image(obs, "image_observation")?;
    let (camera, tactile) = if env.observes_gel() {
        (env.camera_image()?, seen)
    } else {
        (seen, env.tactile_image()?)
    };
    let state = env.robot().state();
    let proprio = state
        .joint_positions
        .iter()
        .map(|&q| q as f32)
        .chain(state.ee_position.as_vec3().to_array())
        .collect();
    Ok(Sensed {
        camera,
        tactile,
        proprio,
        goal: env.goal().unwrap_or_default().to_vec(),
        oracle: oracle_row(task, &env.oracle()),
    })
}

/// The bytes of the observation's picture `key`.
pub(super) fn image(obs: &Observation, key: &str) -> Result<Vec<u8>, CollectError> {
    obs.get(key)
        .and_then(|a| a.as_u8())
        .map(<[u8]>::to_vec)
        .ok_or_else(|| CollectError::Config(format!("the env gave no {key}")))
}

/// Sets what every recorded episode carries: the goal's picture from `first`, the episode's
/// first observation (the goal holds for the whole episode, so its picture is kept once), the
/// robot, the seed and the drawn scene's parameters.
pub(super) fn set_episode_fields(
    episode: &mut EpisodeBuffer,
    first: &Observation,
    robot: u64,
    seed: u64,
    scene: &[(&str, f64)],
) -> Result<(), CollectError> {
    episode.set_episode("goal_image", Column::U8(image(first, "image_desired_goal")?))?;
    episode.set_episode("robot", Column::U64(vec![robot]))?;
    episode.set_episode("seed", Column::U64(vec![seed]))?;
    if !scene.is_empty() {
        let values = scene.iter().map(|(_, v)| *v as f32).collect();
        episode.set_episode("scene", Column::F32(values))?;
    }
    Ok(())
}

/// Appends one step to `episode`: what was sensed, the action taken then, the reward that
/// followed and the RLDS flags (first, last, terminal).
pub(super) fn push_step(
    episode: &mut EpisodeBuffer,
    s: Sensed,
    action: Vec<f32>,
    reward: f32,
    flags: [bool; 3],
) -> Result<(), CollectError> {
    let flag = |b: bool| Column::U8(vec![b as u8]);
    episode.push_step(&[
        ("camera", Column::U8(s.camera)),
        ("tactile", Column::U8(s.tactile)),
        ("proprio", Column::F32(s.proprio)),
        ("action", Column::F32(action)),
        ("reward", Column::F32(vec![reward])),
        ("is_first", flag(flags[0])),
        ("is_last", flag(flags[1])),
        ("is_terminal", flag(flags[2])),
        ("goal", Column::F32(s.goal)),
        ("oracle", Column::F32(s.oracle)),
    ])?;
    Ok(())
}
