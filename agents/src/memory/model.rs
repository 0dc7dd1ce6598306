//! The replay memory: every press of an experience store in the touch embedding, every roll
//! between two presses with its action, and, for every roll, the rolls that begin nearest to
//! where it ended (the edges a two-roll plan walks).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use byfeel_gym::store::{Column, StoreReader};

use super::embedding::{TouchEmbedding, pooled, pooled_len};
use crate::AgentError;

/// How to build a memory; the defaults are what the die was measured with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryConfig {
    /// Gel pixels averaged into one (per side).
    pub pool: usize,
    /// Numbers in the embedding (principal components kept).
    pub dims: usize,
    /// Rolls kept as the continuations of each roll.
    pub neighbours: usize,
    /// Every `holdout`-th episode is left out (0: none), to measure prediction on.
    pub holdout: u64,
}

impl Default for MemoryConfig {
    fn default() -> Self {
        Self {
            pool: 4,
            dims: 64,
            neighbours: 8,
            holdout: 10,
        }
    }
}

/// One stored action: the press before it, the press after it (indices into the frames) and
/// what was done.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition {
    /// The press before the action: a step of the store.
    pub start: u32,
    /// The press after the action: the next step of the store.
    pub end: u32,
    /// The roll action: the push's direction in the world's xy, each number in [-1, 1].
    pub action: [f32; 2],
}

/// Presses, the rolls between them, and each roll's continuations.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayMemory {
    /// The touch embedding presses are compared in.
    pub embedding: TouchEmbedding,
    /// `n × dims` embedded presses.
    pub frames: Vec<f32>,
    /// Every stored roll.
    pub transitions: Vec<Transition>,
    /// Per transition, `neighbours` (transition, squared distance from its end to that
    /// transition's start), nearest first.
    pub continuations: Vec<(u32, f32)>,
    /// Continuations kept per roll.
    pub neighbours: usize,
}

impl ReplayMemory {
    /// Embeds the gel frames of `reader` (a store of 2-number roll actions) and links its rolls.
    pub fn build(
        reader: &StoreReader,
        config: &MemoryConfig,
        mut progress: impl FnMut(&str),
    ) -> Result<Self, AgentError> {
        let field = reader
            .schema()
            .step_field("tactile")
            .filter(|f| f.shape.len() == 3 && f.shape[2] == 3)
            .ok_or_else(|| AgentError::Config("the store has no gel images (field \"tactile\")".into()))?;
        let (height, width) = (field.shape[0], field.shape[1]);
        if config.pool == 0 || height % config.pool != 0 || width % config.pool != 0 {
            return Err(AgentError::Config(format!(
                "pool {} does not divide the {height}×{width} gel image",
                config.pool
            )));
        }
        let ends = reader.episode_ends().to_vec();
        let steps = ends.last().copied().unwrap_or(0) as usize;
        let Column::U8(images) = reader.read_steps("tactile", 0..steps as u64)? else {
            return Err(AgentError::Config("the store's gel images are not u8".into()));
        };
        let Column::F32(actions) = reader.read_steps("action", 0..steps as u64)? else {
            return Err(AgentError::Config("the store's actions are not f32".into()));
        };
        if steps == 0 || actions.len() != steps * 2 {
            return Err(AgentError::Config(format!(
                "the memory needs roll actions (2 numbers a step; `byfeel collect --actions roll`); the store has {} numbers over {steps} steps",
                actions.len()
            )));
        }
        progress("pooling frames");
        let frame = height * width * 3;
        let d = pooled_len(height, width, config.pool);
        let pooled_frames: Vec<f32> = images
            .par_chunks_exact(frame)
            .flat_map_iter(|img| pooled(img, height, width, config.pool))
            .collect();
        progress("fitting the embedding");
        let embedding =
            TouchEmbedding::fit((height, width, config.pool), &pooled_frames, config.dims)?;
        let frames: Vec<f32> = pooled_frames
            .par_chunks_exact(d)
            .flat_map_iter(|p| embedding.project(p))
            .collect();
        let transitions = transitions(&ends, &actions, config.holdout);
        if transitions.is_empty() {
            return Err(AgentError::Config("the store holds no step with a next frame".into()));
        }
        progress("linking rolls");
        let mut memory = Self {
            embedding,
            frames,
            transitions,
            continuations: Vec::new(),
            neighbours: config.neighbours.max(1),
        };
        memory.continuations = memory.link();
        Ok(memory)
    }

    /// Numbers in one embedded press.
    pub fn dims(&self) -> usize {
        self.embedding.dims()
    }

    /// Embedded press `i`.
    pub fn frame(&self, i: u32) -> &[f32] {
        let k = self.dims();
        &self.frames[i as usize * k..(i as usize + 1) * k]
    }

    /// Squared distance from `z` to the start of every transition.
    pub fn start_distances(&self, z: &[f32]) -> Vec<f32> {
        self.transitions
            .par_iter()
            .map(|t| distance(self.frame(t.start), z))
            .collect()
    }

    /// The continuations of transition `j`: (transition, squared hop distance).
    pub fn continuations_of(&self, j: usize) -> &[(u32, f32)] {
        &self.continuations[j * self.neighbours..(j + 1) * self.neighbours]
    }

    /// For every transition, the `neighbours` transitions whose start lies nearest its end.
    fn link(&self) -> Vec<(u32, f32)> {
        let k = self.neighbours.min(self.transitions.len());
        self.transitions
            .par_iter()
            .flat_map_iter(|t| {
                let mut d: Vec<(u32, f32)> = self
                    .transitions
                    .iter()
                    .enumerate()
                    .map(|(u, s)| (u as u32, distance(self.frame(s.start), self.frame(t.end))))
                    .collect();
                d.select_nth_unstable_by(k - 1, |a, b| a.1.total_cmp(&b.1));
                d.truncate(k);
                d.sort_by(|a, b| a.1.total_cmp(&b.1));
                // Pad a tiny memory by repeating its farthest continuation.
                while d.len() < self.neighbours {
                    d.push(d[d.len() - 1]);
                }
                d
            })
            .collect()
    }
}

/// The steps that have a next frame in the same episode, skipping held-out episodes.
fn transitions(ends: &[u64], actions: &[f32], holdout: u64) -> Vec<Transition> {
    let mut out = Vec::new();
    let mut begin = 0u64;
    for (e, &end) in ends.iter().enumerate() {
        let held = holdout > 0 && e as u64 % holdout == 0;
        if !held {
            for t in begin..end.saturating_sub(1) {
                let a = &actions[t as usize * 2..t as usize * 2 + 2];
                out.push(Transition {
                    start: t as u32,
                    end: t as u32 + 1,
                    action: [a[0], a[1]],
                });
            }
        }
        begin = end;
    }
    out
}

/// Squared Euclidean distance.
pub fn distance(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The held-out episodes' steps of a store with a next frame, for measuring prediction.
pub fn held_out_transitions(ends: &[u64], actions: &[f32], holdout: u64) -> Vec<Transition> {
    if holdout == 0 {
        return Vec::new();
    }
    let all = transitions(ends, actions, 0);
    let kept: std::collections::HashSet<u32> = transitions(ends, actions, holdout)
        .iter()
        .map(|t| t.start)
        .collect();
    all.into_iter().filter(|t| !kept.contains(&t.start)).collect()
}
