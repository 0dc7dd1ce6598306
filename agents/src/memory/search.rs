//! Planning over the replay memory ("Search on the Replay Buffer", Eysenbach et al. 2019; the
//! nonparametric forward model of "Semi-Parametric Topological Memory", Savinov et al. 2018).
//!
//! The forward model: from a press like the one felt now, a stored roll's action led to the
//! press stored after it. The plan is the cheapest of
//! - staying: the cost is how far the press felt now is from the goal's;
//! - one roll among those that began nearest the press felt now: how far its end is from the
//!   goal;
//! - several rolls, each a stored continuation of the one before: the hops between them plus
//!   how far the last one's end is from the goal.
//!
//! The first roll is chosen among the `first` nearest starts and then by its end alone, rather
//! than by a sum of start and end distances: a sum lets a roll from another face win by ending
//! nearer the goal, and ranking by start only among near starts keeps the face the one felt.

use serde::{Deserialize, Serialize};

use super::model::{ReplayMemory, distance};

/// How to search; the defaults are what the die was measured with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchConfig {
    /// Stored rolls considered as the first: those whose start is nearest the press felt now.
    pub first: usize,
    /// Rolls planned ahead: each after the first is one of the previous roll's stored
    /// continuations.
    pub horizon: usize,
}

impl Default for SearchConfig {
    fn default() -> Self {
        Self {
            first: 32,
            horizon: 3,
        }
    }
}

/// What the search chose.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryPlan {
    /// The action to take now: the first stored roll's, or no push (zeros) to stay.
    pub action: [f32; 2],
    /// The transitions of the chosen path (empty to stay).
    pub path: Vec<usize>,
    /// Its cost, in squared embedding distance.
    pub cost: f32,
}

/// Searches the memory from the press `now` toward `goal` (both embedded).
pub fn search(memory: &ReplayMemory, config: &SearchConfig, now: &[f32], goal: &[f32]) -> MemoryPlan {
    let mut best = MemoryPlan {
        action: [0.0, 0.0],
        path: Vec::new(),
        cost: distance(now, goal),
    };
    let starts = memory.start_distances(now);
    let mut order: Vec<usize> = (0..starts.len()).collect();
    let first = config.first.clamp(1, order.len());
    order.select_nth_unstable_by(first - 1, |&a, &b| starts[a].total_cmp(&starts[b]));
    order.truncate(first);
    order.sort_by(|&a, &b| starts[a].total_cmp(&starts[b]));
    for &j in &order {
        walk(memory, goal, config.horizon.max(1), &mut vec![j], 0.0, &mut best);
    }
    best
}

/// Scores the path `path` (its hops cost `hops`) and every continuation of it up to `horizon`
/// rolls, keeping the cheapest in `best`.
fn walk(
    memory: &ReplayMemory,
    goal: &[f32],
    horizon: usize,
    path: &mut Vec<usize>,
    hops: f32,
    best: &mut MemoryPlan,
) {
    let last = *path.last().expect("a path has a roll");
    let cost = hops + distance(memory.frame(memory.transitions[last].end), goal);
    if cost < best.cost {
        *best = MemoryPlan {
            action: memory.transitions[path[0]].action,
            path: path.clone(),
            cost,
        };
    }
    if path.len() >= horizon {
        return;
    }
    for &(u, hop) in memory.continuations_of(last) {
        path.push(u as usize);
        walk(memory, goal, horizon, path, hops + hop, best);
        path.pop();
    }
}
