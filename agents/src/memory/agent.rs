//! The memory agent: embeds what the gel feels now and the goal picture, and searches the
//! replay memory for the roll to take.

use std::path::Path;

use super::model::ReplayMemory;
use super::run::{MemorySpec, load};
use super::search::{MemoryPlan, SearchConfig, search};
use crate::AgentError;

/// Plans rolls by searching a replay memory.
pub struct MemoryAgent {
    /// What the memory run records about itself.
    pub spec: MemorySpec,
    /// The stored presses and rolls searched.
    pub memory: ReplayMemory,
    /// How the memory is searched; the run's settings at first.
    pub search: SearchConfig,
    /// Rolls left in this episode, when the caller said how many it has: the search never
    /// plans past the episode's end (a two-roll path whose first roll lands off the goal
    /// is no plan for the last roll).
    rolls_left: Option<usize>,
}

impl MemoryAgent {
    /// The agent of a memory run, planning as the run says.
    pub fn load(run: &Path) -> Result<Self, AgentError> {
        let (spec, memory) = load(run)?;
        let search = spec.search.clone();
        Ok(Self {
            spec,
            memory,
            search,
            rolls_left: None,
        })
    }

    /// Starts an episode of `rolls` actions (`None`: as many as it takes).
    pub fn begin_episode(&mut self, rolls: Option<usize>) {
        self.rolls_left = rolls;
    }

    /// The plan for the next action of the episode, counting it against the rolls left.
    pub fn act(&mut self, now: &[u8], goal: &[u8]) -> Result<MemoryPlan, AgentError> {
        let plan = self.plan(now, goal)?;
        if let Some(n) = self.rolls_left.as_mut() {
            *n = n.saturating_sub(1);
        }
        Ok(plan)
    }

    /// The plan from the gel image `now` toward the gel image `goal`.
    pub fn plan(&self, now: &[u8], goal: &[u8]) -> Result<MemoryPlan, AgentError> {
        let e = &self.memory.embedding;
        let mut config = self.search.clone();
        if let Some(n) = self.rolls_left {
            config.horizon = config.horizon.min(n.max(1));
        }
        Ok(search(&self.memory, &config, &e.embed(now)?, &e.embed(goal)?))
    }

    /// The presses the memory expects after `actions` (2 numbers each) from the press `now`:
    /// each the press stored after the most similar action from the press nearest the one
    /// before (see [`predict`](super::predict)).
    pub fn predict(&self, now: &[u8], actions: &[f32]) -> Result<Vec<Vec<u8>>, AgentError> {
        if actions.is_empty() || actions.len() % 2 != 0 || actions.iter().any(|a| !a.is_finite()) {
            return Err(AgentError::Config(format!(
                "actions: {} numbers; roll actions are finite pairs",
                actions.len()
            )));
        }
        let e = &self.memory.embedding;
        let mut z = e.embed(now)?;
        let mut out = Vec::new();
        for a in actions.chunks_exact(2) {
            if let Some(j) = super::predict(&self.memory, self.search.first, &z, [a[0], a[1]]) {
                z = self.memory.frame(self.memory.transitions[j].end).to_vec();
            }
            out.push(e.picture(&z));
        }
        Ok(out)
    }

    /// The presses the plan expects, drawn from the embedding (see
    /// [`TouchEmbedding::picture`](super::TouchEmbedding::picture)); for staying, the press
    /// felt now.
    pub fn foresee(&self, now: &[u8], plan: &MemoryPlan) -> Result<Vec<Vec<u8>>, AgentError> {
        let e = &self.memory.embedding;
        if plan.path.is_empty() {
            return Ok(vec![e.picture(&e.embed(now)?)]);
        }
        Ok(plan
            .path
            .iter()
            .map(|&j| e.picture(self.memory.frame(self.memory.transitions[j].end)))
            .collect())
    }
}
