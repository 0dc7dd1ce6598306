//! Many environments stepped in parallel (rayon) into contiguous batch arrays.
//!
//! Autoreset (what happens after an episode ends), as Gymnasium 1.x names it:
//! - [`AutoReset::NextStep`] (Gymnasium's default): the step that ends an episode returns its
//!   last observation; the *next* `step` resets that environment instead of stepping it (its
//!   action is ignored) and returns the first observation with reward 0 and no done flags.
//! - [`AutoReset::SameStep`]: the ending step resets at once and returns the new episode's first
//!   observation; the ending observation is in [`VecTransition::final_observations`].
//! - [`AutoReset::Disabled`]: nothing is reset; call [`VecEnv::reset_one`] yourself. Stepping an
//!   environment whose episode ended is an error.

use rayon::prelude::*;

use crate::env::{Env, EnvError, Info, ResetOptions, Transition};
use crate::spaces::{Array, ArrayData, Observation};

/// What a [`VecEnv`] does with an environment whose episode ended (Gymnasium 1.x autoreset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoReset {
    /// The next `step` resets the environment instead of stepping it (Gymnasium's default).
    NextStep,
    /// The ending step resets at once; its last observation goes to `final_observations`.
    SameStep,
    /// Nothing is reset: call [`VecEnv::reset_one`]; stepping an ended environment is an error.
    Disabled,
}

/// The result of stepping every environment: observations stacked along a first axis of
/// length N, and per-environment rewards, flags and infos.
#[derive(Debug, Clone, PartialEq)]
pub struct VecTransition {
    /// Every environment's observation, stacked along a first axis of length N.
    pub observations: Observation,
    /// Each environment's reward.
    pub rewards: Vec<f64>,
    /// Whether each environment's task ended.
    pub terminated: Vec<bool>,
    /// Whether each environment hit its step limit.
    pub truncated: Vec<bool>,
    /// Each environment's diagnostics.
    pub infos: Vec<Info>,
    /// With [`AutoReset::SameStep`]: the last observation of each episode that ended here.
    pub final_observations: Vec<Option<Observation>>,
}

/// N environments of one kind.
pub struct VecEnv<E: Env> {
    envs: Vec<E>,
    mode: AutoReset,
    ended: Vec<bool>,
}

impl<E: Env> VecEnv<E> {
    /// Groups `envs` (at least one) under one autoreset mode.
    pub fn new(envs: Vec<E>, mode: AutoReset) -> Result<Self, EnvError> {
        if envs.is_empty() {
            return Err(EnvError::Setup(
                "a VecEnv needs at least one environment".into(),
            ));
        }
        let n = envs.len();
        Ok(Self {
            envs,
            mode,
            ended: vec![false; n],
        })
    }

    /// Number of environments, N.
    pub fn len(&self) -> usize {
        self.envs.len()
    }

    /// Whether there are no environments (never, once built).
    pub fn is_empty(&self) -> bool {
        self.envs.is_empty()
    }

    /// What happens after an episode ends.
    pub fn mode(&self) -> AutoReset {
        self.mode
    }

    /// The environments, in batch order.
    pub fn envs(&self) -> &[E] {
        &self.envs
    }

    /// The environments, mutable, in batch order.
    pub fn envs_mut(&mut self) -> &mut [E] {
        &mut self.envs
    }

    /// Resets every environment; environment i gets seed `seed + i`.
    pub fn reset(
        &mut self,
        seed: Option<u64>,
        options: &ResetOptions,
    ) -> Result<(Observation, Vec<Info>), EnvError> {
        let results: Vec<_> = self
            .envs
            .par_iter_mut()
            .enumerate()
            .map(|(i, e)| e.reset(seed.map(|s| s + i as u64), options))
            .collect();
        let mut obs = Vec::with_capacity(results.len());
        let mut infos = Vec::with_capacity(results.len());
        for r in results {
            let (o, i) = r?;
            obs.push(o);
            infos.push(i);
        }
        self.ended.iter_mut().for_each(|e| *e = false);
        Ok((stack(&obs), infos))
    }

    /// Resets environment `i` alone (for [`AutoReset::Disabled`]).
    pub fn reset_one(
        &mut self,
        i: usize,
        seed: Option<u64>,
        options: &ResetOptions,
    ) -> Result<(Observation, Info), EnvError> {
        let n = self.envs.len();
        let env = self.envs.get_mut(i).ok_or_else(|| {
            EnvError::Setup(format!("environment {i} does not exist (there are {n})"))
        })?;
        let out = env.reset(seed, options)?;
        self.ended[i] = false;
        Ok(out)
    }

    /// Steps every environment with its row of `actions` (N × action size, row-major). All
    /// actions are checked first: one bad row refuses the whole step and nothing moves.
    pub fn step(&mut self, actions: &[f32]) -> Result<VecTransition, EnvError> {
        let n = self.envs.len();
        let space = self.envs[0].spec().action_space.clone();
        let k = space.len();
        if actions.len() != n * k {
            return Err(EnvError::BadAction(format!(
                "{} action values for {n} environments of {k} each (expected {})",
                actions.len(),
                n * k
            )));
        }
        for (i, a) in actions.chunks(k).enumerate() {
            space
                .check(&format!("action of environment {i}"), a)
                .map_err(EnvError::BadAction)?;
        }
        if self.mode == AutoReset::Disabled
            && let Some(i) = self.ended.iter().position(|e| *e)
        {
            return Err(EnvError::Setup(format!(
                "environment {i} ended its episode; reset it (autoreset is disabled)"
            )));
        }
        let mode = self.mode;
        let results: Vec<Result<(Transition, Option<Observation>), EnvError>> = self
            .envs
            .par_iter_mut()
            .zip(actions.par_chunks(k))
            .zip(self.ended.par_iter())
            .map(|((env, a), &ended)| {
                if ended && mode == AutoReset::NextStep {
                    let (observation, info) = env.reset(None, &ResetOptions::default())?;
                    let t = Transition {
                        observation,
                        reward: 0.0,
                        terminated: false,
                        truncated: false,
                        info,
                    };
                    return Ok((t, None));
                }
                let t = env.step(a)?;
                if (t.terminated || t.truncated) && mode == AutoReset::SameStep {
                    // Reward, flags and info of the ending step; the new episode's first view.
                    let (first, _) = env.reset(None, &ResetOptions::default())?;
                    let Transition {
                        observation: last,
                        reward,
                        terminated,
                        truncated,
                        info,
                    } = t;
                    let t = Transition {
                        observation: first,
                        reward,
                        terminated,
                        truncated,
                        info,
                    };
                    return Ok((t, Some(last)));
                }
                Ok((t, None))
            })
            .collect();
        let mut out = VecTransition {
            observations: Observation::Array(Array::f32(Vec::new())),
            rewards: Vec::with_capacity(n),
            terminated: Vec::with_capacity(n),
            truncated: Vec::with_capacity(n),
            infos: Vec::with_capacity(n),
            final_observations: Vec::with_capacity(n),
        };
        let mut obs = Vec::with_capacity(n);
        for (i, r) in results.into_iter().enumerate() {
            let (t, fin) = r?;
            self.ended[i] = (t.terminated || t.truncated) && mode != AutoReset::SameStep;
            obs.push(t.observation);
            out.rewards.push(t.reward);
            out.terminated.push(t.terminated);
            out.truncated.push(t.truncated);
            out.infos.push(t.info);
            out.final_observations.push(fin);
        }
        out.observations = stack(&obs);
        Ok(out)
    }
}

/// Stacks per-environment observations along a new first axis.
pub fn stack(obs: &[Observation]) -> Observation {
    fn stack_arrays(arrays: Vec<&Array>) -> Array {
        let mut shape = vec![arrays.len()];
        shape.extend_from_slice(&arrays[0].shape);
        let data = match &arrays[0].data {
            ArrayData::F32(_) => ArrayData::F32(
                arrays
                    .iter()
                    .flat_map(|a| a.as_f32().unwrap_or(&[]).iter().copied())
                    .collect(),
            ),
            ArrayData::U8(_) => ArrayData::U8(
                arrays
                    .iter()
                    .flat_map(|a| a.as_u8().unwrap_or(&[]).iter().copied())
                    .collect(),
            ),
        };
        Array { shape, data }
    }
    match &obs[0] {
        Observation::Array(_) => Observation::Array(stack_arrays(
            obs.iter()
                .filter_map(|o| match o {
                    Observation::Array(a) => Some(a),
                    Observation::Dict(_) => None,
                })
                .collect(),
        )),
        Observation::Dict(items) => Observation::Dict(
            items
                .iter()
                .map(|(key, _)| {
                    (
                        key.clone(),
                        stack_arrays(obs.iter().filter_map(|o| o.get(key)).collect()),
                    )
                })
                .collect(),
        ),
    }
}
