//! The cross-entropy method over action sequences: sample, keep the best few, refit, repeat —
//! the planner of "Manipulation by Feel" and "Visual Foresight".
//!
//! Actions are chosen in blocks: `actions` distinct actions, each held for `repeat` control
//! steps (5 × 3 = 15 steps by default, 6 × 3 for the die), which keeps the search small while
//! the model looks far enough ahead.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// CEM settings; the defaults are the papers'.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CemConfig {
    /// Sequences sampled per iteration.
    pub samples: usize,
    /// Best sequences kept to refit the distribution.
    pub elites: usize,
    /// Sample–refit rounds per plan.
    pub iterations: usize,
    /// Distinct actions in a sequence.
    pub actions: usize,
    /// Control steps each action is held for.
    pub repeat: usize,
    /// Numbers in one action (Δxyz: 3).
    pub action_dim: usize,
    /// Standard deviation of the first iteration, in action units (actions lie in [-1, 1]).
    pub initial_std: f32,
    /// Per action number, the (low, high) the search stays within; empty: [-1, 1] for all.
    /// The search starts at the box's centre.
    #[serde(default)]
    pub bounds: Vec<(f32, f32)>,
}

impl Default for CemConfig {
    fn default() -> Self {
        Self {
            samples: 200,
            elites: 10,
            iterations: 3,
            actions: 5,
            repeat: 3,
            action_dim: 3,
            initial_std: 1.0,
            bounds: Vec::new(),
        }
    }
}

impl CemConfig {
    /// The papers' settings for a task: 6 held actions for the die, 5 elsewhere.
    ///
    /// On the die the search never lifts the gel (Δz ≤ 0). Touch is all this agent senses, and
    /// to a pixel distance an empty gel looks closer to the goal than any other face pressed
    /// (measured on random play: in 92 % of pairs of pressed frames), so a planner free to
    /// lift would learn to let go rather than roll.
    pub fn for_task(task: byfeel_gym::Task) -> Self {
        let die = task == byfeel_gym::Task::DieRoll;
        Self {
            actions: if die { 6 } else { 5 },
            bounds: if die {
                vec![(-1.0, 1.0), (-1.0, 1.0), (-1.0, 0.0)]
            } else {
                Vec::new()
            },
            ..Self::default()
        }
    }

    /// The planner for `task` acting in `mode`. A roll action is a whole push and the press
    /// after it, so a plan is as many rolls as the goal is away at most: 2 actions, each taken
    /// once; the search is over the square of push directions.
    pub fn for_actions(task: byfeel_gym::Task, mode: byfeel_gym::ActionMode) -> Self {
        match mode {
            byfeel_gym::ActionMode::Hand => Self::for_task(task),
            byfeel_gym::ActionMode::Roll => Self {
                actions: 2,
                repeat: 1,
                action_dim: mode.action_dim(),
                ..Self::default()
            },
        }
    }

    /// The (low, high) of action number `j`.
    pub fn bound(&self, j: usize) -> (f32, f32) {
        self.bounds.get(j).copied().unwrap_or((-1.0, 1.0))
    }

    /// Control steps a sequence covers.
    pub fn horizon(&self) -> usize {
        self.actions * self.repeat
    }

    fn check(&self) -> Result<(), String> {
        if self.samples == 0
            || self.elites == 0
            || self.elites > self.samples
            || self.iterations == 0
            || self.actions == 0
            || self.repeat == 0
            || self.action_dim == 0
            || !(self.initial_std.is_finite() && self.initial_std > 0.0)
            || !(self.bounds.is_empty() || self.bounds.len() == self.action_dim)
            || self
                .bounds
                .iter()
                .any(|&(lo, hi)| !(-1.0 <= lo && lo < hi && hi <= 1.0))
        {
            return Err(format!(
                "CEM settings need 0 < elites <= samples, positive iterations, actions, repeat, action_dim and initial_std, and bounds (one per action number, -1 <= low < high <= 1) or none: {self:?}"
            ));
        }
        Ok(())
    }
}

/// What the planner chose.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The best sequence found, one action per control step (`horizon × action_dim`).
    pub actions: Vec<f32>,
    /// Its cost.
    pub cost: f32,
}

impl Plan {
    /// The action to execute now.
    pub fn first(&self, action_dim: usize) -> &[f32] {
        &self.actions[..action_dim]
    }
}

/// A CEM planner with its own random stream.
pub struct Cem {
    /// The settings it plans with.
    pub config: CemConfig,
    rng: ChaCha8Rng,
}

impl Cem {
    /// A planner whose random stream starts from `seed`; refuses settings that make no sense
    /// (no elites, more elites than samples, bounds outside [-1, 1], ...).
    pub fn new(config: CemConfig, seed: u64) -> Result<Self, String> {
        config.check()?;
        Ok(Self {
            config,
            rng: ChaCha8Rng::seed_from_u64(seed),
        })
    }

    /// Restarts the random stream from `seed`.
    pub fn reseed(&mut self, seed: u64) {
        self.rng = ChaCha8Rng::seed_from_u64(seed);
    }

    /// Searches for the sequence of least cost. `cost` gets every sample of an iteration as
    /// one batch — `samples × horizon × action_dim` numbers, each block action repeated — and
    /// returns one cost per sample (a model evaluates them together).
    pub fn plan<E>(
        &mut self,
        mut cost: impl FnMut(&[f32], usize) -> Result<Vec<f32>, E>,
    ) -> Result<Plan, E> {
        let c = &self.config;
        let n = c.actions * c.action_dim;
        let bound = |i: usize| c.bound(i % c.action_dim);
        let mut mean: Vec<f32> = (0..n)
            .map(|i| {
                let (lo, hi) = bound(i);
                (lo + hi) / 2.0
            })
            .collect();
        let mut std = vec![c.initial_std; n];
        let mut best = Plan {
            actions: Vec::new(),
            cost: f32::INFINITY,
        };
        for _ in 0..c.iterations {
            let blocks: Vec<f32> = (0..c.samples * n)
                .map(|i| {
                    let z = standard_normal(&mut self.rng);
                    let (lo, hi) = bound(i % n);
                    (mean[i % n] + std[i % n] * z).clamp(lo, hi)
                })
                .collect();
            let sequences = expand(&blocks, c.samples, c.actions, c.repeat, c.action_dim);
            let costs = cost(&sequences, c.samples)?;
            assert_eq!(costs.len(), c.samples, "one cost per sample");
            let mut order: Vec<usize> = (0..c.samples).collect();
            order.sort_by(|&a, &b| costs[a].total_cmp(&costs[b]));
            let elites = &order[..c.elites];
            if costs[elites[0]] < best.cost {
                let h = c.horizon() * c.action_dim;
                best = Plan {
                    actions: sequences[elites[0] * h..(elites[0] + 1) * h].to_vec(),
                    cost: costs[elites[0]],
                };
            }
            for j in 0..n {
                let values = elites.iter().map(|&e| blocks[e * n + j]);
                let m = values.clone().sum::<f32>() / c.elites as f32;
                let var = values.map(|v| (v - m).powi(2)).sum::<f32>() / c.elites as f32;
                mean[j] = m;
                std[j] = var.sqrt().max(1e-3);
            }
        }
        Ok(best)
    }
}

/// A standard normal draw (Box–Muller).
fn standard_normal(rng: &mut impl Rng) -> f32 {
    let u1: f32 = rng.random::<f32>().max(f32::MIN_POSITIVE);
    let u2: f32 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// Block actions (`samples × actions × dim`) held for `repeat` steps each.
fn expand(blocks: &[f32], samples: usize, actions: usize, repeat: usize, dim: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(samples * actions * repeat * dim);
    for s in 0..samples {
        for a in 0..actions {
            let block = &blocks[(s * actions + a) * dim..(s * actions + a + 1) * dim];
            for _ in 0..repeat {
                out.extend_from_slice(block);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cost whose minimum is a known sequence: the planner must find it.
    #[test]
    fn cem_finds_the_sequence_a_cost_prefers() {
        let config = CemConfig {
            iterations: 6,
            ..Default::default()
        };
        let h = config.horizon();
        let target: Vec<f32> = (0..h * 3)
            .map(|i| ((i / 9) as f32 * 0.3 - 0.6).clamp(-1.0, 1.0))
            .collect();
        let mut cem = Cem::new(config.clone(), 1).unwrap();
        let plan = cem
            .plan(|seqs, n| {
                Ok::<_, ()>(
                    (0..n)
                        .map(|s| {
                            seqs[s * h * 3..(s + 1) * h * 3]
                                .iter()
                                .zip(&target)
                                .map(|(a, b)| (a - b).powi(2))
                                .sum()
                        })
                        .collect(),
                )
            })
            .unwrap();
        assert_eq!(plan.actions.len(), h * 3);
        let err: f32 = plan
            .actions
            .iter()
            .zip(&target)
            .map(|(a, b)| (a - b).abs())
            .sum::<f32>()
            / (h * 3) as f32;
        assert!(err < 0.08, "mean error {err}");
        // Every action is held for `repeat` steps.
        assert_eq!(&plan.actions[0..3], &plan.actions[3..6]);
        assert!(plan.actions.iter().all(|a| (-1.0..=1.0).contains(a)));
        // A random sequence costs far more.
        assert!(plan.cost < 0.05 * h as f32 * 3.0 * 0.3);
    }

    /// The die's planner never lifts the gel, even when the cost would reward it.
    #[test]
    fn the_search_stays_inside_its_bounds() {
        let config = CemConfig {
            iterations: 6,
            ..CemConfig::for_task(byfeel_gym::Task::DieRoll)
        };
        let h = config.horizon();
        let mut cem = Cem::new(config, 3).unwrap();
        let mut sampled_z = Vec::new();
        let plan = cem
            .plan(|seqs, n| {
                sampled_z.extend(seqs.iter().skip(2).step_by(3).copied());
                // Cheapest with the gel lifted (z = +1) and moved along +x.
                Ok::<_, ()>(
                    (0..n)
                        .map(|s| {
                            seqs[s * h * 3..(s + 1) * h * 3]
                                .chunks(3)
                                .map(|a| (a[0] - 1.0).powi(2) + (a[2] - 1.0).powi(2))
                                .sum()
                        })
                        .collect(),
                )
            })
            .unwrap();
        assert!(sampled_z.iter().all(|z| (-1.0..=0.0).contains(z)));
        assert!(sampled_z.iter().any(|z| *z < -0.5), "the box is searched");
        for a in plan.actions.chunks(3) {
            assert!(a[2] <= 0.0 && a[2] > -0.3, "z as high as allowed: {a:?}");
        }
        let mean_x = plan.actions.iter().step_by(3).sum::<f32>() / h as f32;
        assert!(mean_x > 0.6, "x free to follow the cost: {mean_x}");
    }

    #[test]
    fn bad_settings_are_refused() {
        for bad in [
            CemConfig {
                elites: 0,
                ..Default::default()
            },
            CemConfig {
                elites: 300,
                ..Default::default()
            },
            CemConfig {
                initial_std: f32::NAN,
                ..Default::default()
            },
            CemConfig {
                bounds: vec![(-1.0, 1.0)],
                ..Default::default()
            },
            CemConfig {
                bounds: vec![(-1.0, 1.0), (0.5, 0.5), (-1.0, 0.0)],
                ..Default::default()
            },
        ] {
            assert!(Cem::new(bad, 0).is_err());
        }
    }
}
