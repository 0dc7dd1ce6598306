//! One interface for whatever chooses the arm's actions: the agents of every run kind (the
//! predictive agent on any of its models, Skew-Fit, HER) and the baselines (random, centroid,
//! the scripted roller). Evaluation and `byfeel demo` play any [`Policy`] through [`play`], so
//! an episode runs the same way whoever acts in it.

use byfeel_gym::{ActionMode, Env, Info, Observation, OracleState, ResetOptions, Robot, TaskEnv};

use crate::AgentError;

/// What a policy is shown before it acts.
pub struct Seen<'a> {
    /// The env's observation: an image, a state vector, or named arrays.
    pub observation: &'a Observation,
    /// The task's goal picture, where the task shows one outside the observation (the
    /// predictive tasks); Skew-Fit finds its goal image inside the observation instead.
    pub goal_image: Option<&'a [u8]>,
    /// Numbers in one action of this env.
    pub action_dim: usize,
    /// What only a simulator can tell (the scripted reference reads it); `None` on an arm
    /// that is not simulated, so no agent may rely on it.
    pub privileged: Option<Privileged<'a>>,
}

/// A simulator's inside view, for reference controllers that are not agents.
pub struct Privileged<'a> {
    /// The simulator's truth about the scene now.
    pub truth: OracleState,
    /// The goal as the task states it (for DieRoll, one-hot over the faces).
    pub goal: Option<&'a [f32]>,
    /// What one action does.
    pub action_mode: ActionMode,
}

/// A policy's choice: the action, and what it expects its plan to bring when asked.
#[derive(Debug, Clone, Default)]
pub struct Decision {
    /// The action to take now, `action_dim` numbers.
    pub action: Vec<f32>,
    /// The frames the policy expects its current plan to show (agents that predict, when
    /// `foresee` was asked); empty otherwise.
    pub foreseen: Vec<Vec<u8>>,
}

impl Decision {
    /// A decision that foresees nothing.
    pub fn action(action: Vec<f32>) -> Self {
        Self {
            action,
            foreseen: Vec::new(),
        }
    }
}

/// Anything that acts on what an env shows.
pub trait Policy {
    /// The name reports and strip files use (`predictive`, `skewfit`, `her`, `random`, …).
    fn name(&self) -> &str;
    /// Forgets the last episode and draws this one's randomness from `seed`; `steps` is the
    /// episode's length (a planner that knows the deadline does not plan past it).
    fn begin_episode(&mut self, seed: u64, steps: usize) {
        let _ = (seed, steps);
    }
    /// The action for what is `seen`; with `foresee`, also the frames the plan should bring.
    fn act(&mut self, seen: &Seen<'_>, foresee: bool) -> Result<Decision, AgentError>;
}

/// One played episode.
#[derive(Debug, Clone)]
pub struct Episode {
    /// The episode's seed: it fixes the scene and the goal.
    pub seed: u64,
    /// The goal picture the task showed (predictive tasks), if any.
    pub goal_image: Option<Vec<u8>>,
    /// The observation after the reset, then after every step.
    pub observations: Vec<Observation>,
    /// What the first decision foresaw (when asked).
    pub foreseen: Vec<Vec<u8>>,
    /// The last step's `info` (success and distances are read from it).
    pub info: Info,
    /// Actions taken.
    pub steps: usize,
}

/// Plays one episode of `policy` in `env` from `seed`, until the env ends it; `on_step` sees
/// the env, the observation and the info after the reset and after every step (to film the
/// episode, or report progress). With `foresee`, the first decision's foreseen frames are kept
/// in the episode.
pub fn play<R: Robot + Send, E: From<AgentError>>(
    policy: &mut dyn Policy,
    env: &mut TaskEnv<R>,
    seed: u64,
    foresee: bool,
    mut on_step: impl FnMut(&mut TaskEnv<R>, &Observation, &Info) -> Result<(), E>,
) -> Result<Episode, E> {
    let (obs, info) = env
        .reset(Some(seed), &ResetOptions::default())
        .map_err(AgentError::from)?;
    on_step(env, &obs, &info)?;
    policy.begin_episode(seed, env.config().max_episode_steps);
    let goal_image = env.goal_image().map(<[u8]>::to_vec);
    let action_dim = env.config().action_mode.action_dim();
    let mut episode = Episode {
        seed,
        goal_image,
        observations: vec![obs],
        foreseen: Vec::new(),
        info: Info::new(),
        steps: 0,
    };
    loop {
        let decision = {
            let seen = Seen {
                observation: episode
                    .observations
                    .last()
                    .expect("the reset's observation"),
                goal_image: episode.goal_image.as_deref(),
                action_dim,
                privileged: env.robot().simulator().map(|sim| Privileged {
                    truth: sim.truth(),
                    goal: env.goal(),
                    action_mode: env.config().action_mode,
                }),
            };
            policy.act(&seen, foresee && episode.steps == 0)?
        };
        if episode.steps == 0 {
            episode.foreseen = decision.foreseen;
        }
        let t = env.step(&decision.action).map_err(AgentError::from)?;
        episode.steps += 1;
        on_step(env, &t.observation, &t.info)?;
        let done = t.terminated || t.truncated;
        episode.observations.push(t.observation);
        episode.info = t.info;
        if done {
            return Ok(episode);
        }
    }
}

/// The bytes of the image array called `key` of a dict observation, or of the observation
/// itself when `key` is `None` (an image observation).
pub fn image<'a>(obs: &'a Observation, key: Option<&str>) -> Result<&'a [u8], AgentError> {
    image_array(obs, key)
        .and_then(|a| a.as_u8())
        .ok_or_else(|| no_image(key))
}

/// Rows and columns of the image [`image`] finds.
pub fn image_size(obs: &Observation, key: Option<&str>) -> Result<(usize, usize), AgentError> {
    match image_array(obs, key) {
        Some(a) if a.shape.len() == 3 => Ok((a.shape[0], a.shape[1])),
        _ => Err(no_image(key)),
    }
}

fn image_array<'a>(obs: &'a Observation, key: Option<&str>) -> Option<&'a byfeel_gym::Array> {
    match (obs, key) {
        (Observation::Array(a), None) => Some(a),
        (obs, Some(key)) => obs.get(key),
        (Observation::Dict(_), None) => None,
    }
}

fn no_image(key: Option<&str>) -> AgentError {
    AgentError::Config(match key {
        Some(key) => format!("the env gave no image called {key:?}"),
        None => "the env gave no image observation".into(),
    })
}

/// An `on_step` for [`play`] that watches nothing.
pub fn unwatched<R: Robot>(
    _: &mut TaskEnv<R>,
    _: &Observation,
    _: &Info,
) -> Result<(), AgentError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use byfeel_gym::{EnvConfig, ObsMode, Task};

    /// Holds the arm still, counting what it is told.
    struct Still {
        episodes: Vec<(u64, usize)>,
        seen: usize,
    }

    impl Policy for Still {
        fn name(&self) -> &str {
            "still"
        }
        fn begin_episode(&mut self, seed: u64, steps: usize) {
            self.episodes.push((seed, steps));
        }
        fn act(&mut self, seen: &Seen<'_>, _foresee: bool) -> Result<Decision, AgentError> {
            assert!(
                seen.privileged.is_some(),
                "a simulated arm shows its inside view"
            );
            self.seen += 1;
            Ok(Decision::action(vec![0.0; seen.action_dim]))
        }
    }

    #[test]
    fn an_episode_is_played_to_its_end_and_watched_at_every_step() {
        let config = EnvConfig::new(Task::Reach)
            .obs_mode(ObsMode::State)
            .max_episode_steps(7);
        let mut env = TaskEnv::new(config).unwrap();
        let mut still = Still {
            episodes: Vec::new(),
            seen: 0,
        };
        let mut watched = 0;
        let episode = play(&mut still, &mut env, 42, false, |_, _, _| {
            watched += 1;
            Ok::<_, AgentError>(())
        })
        .unwrap();
        assert_eq!(episode.steps, 7);
        assert_eq!(
            episode.observations.len(),
            8,
            "the reset's and every step's"
        );
        assert_eq!(watched, 8);
        assert_eq!(still.episodes, vec![(42, 7)]);
        assert_eq!(still.seen, 7);
        assert!(
            byfeel_gym::info::success(&episode.info).is_ok(),
            "the last info is kept"
        );
    }

    #[test]
    fn a_wrong_action_from_a_policy_is_an_error_not_a_step() {
        struct TooLong;
        impl Policy for TooLong {
            fn name(&self) -> &str {
                "too-long"
            }
            fn act(&mut self, seen: &Seen<'_>, _: bool) -> Result<Decision, AgentError> {
                Ok(Decision::action(vec![0.0; seen.action_dim + 1]))
            }
        }
        let mut env = TaskEnv::new(EnvConfig::new(Task::Reach).obs_mode(ObsMode::State)).unwrap();
        let err = play(&mut TooLong, &mut env, 1, false, unwatched).unwrap_err();
        assert!(matches!(err, AgentError::Env(_)), "{err}");
    }
}
