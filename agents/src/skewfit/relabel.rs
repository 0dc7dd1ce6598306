//! Goal relabelling: which goal each transition of an SAC batch is trained toward.
//!
//! Skew-Fit trains on a mix: some transitions keep the goal their rollout chased, some get a
//! goal freshly proposed from the skewed buffer, and some a state the same episode reached
//! later (hindsight: a goal the actions did reach). The reward is then recomputed for the new
//! goal, in the VAE's latent space.

use rand::Rng;
use rand::seq::SliceRandom;

/// Where a transition's goal comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoalSource {
    /// The goal the rollout was chasing.
    Rollout,
    /// A goal proposed from the skewed buffer.
    Proposed,
    /// A state reached later in the same episode.
    Future,
}

/// The mix of goal sources; the defaults are the paper's (0.2 / 0.5 / 0.3).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Relabel {
    /// Share of transitions that keep the goal their rollout chased.
    pub rollout: f64,
    /// Share given a goal freshly proposed from the skewed buffer.
    pub proposed: f64,
    /// Share given a state the same episode reached later.
    pub future: f64,
}

impl Default for Relabel {
    fn default() -> Self {
        Self {
            rollout: 0.2,
            proposed: 0.5,
            future: 0.3,
        }
    }
}

impl Relabel {
    /// Says what is wrong with the mix: the shares must be non-negative and sum to 1.
    pub fn check(&self) -> Result<(), String> {
        let parts = [self.rollout, self.proposed, self.future];
        if parts.iter().any(|p| !p.is_finite() || *p < 0.0)
            || (parts.iter().sum::<f64>() - 1.0).abs() > 1e-6
        {
            return Err(format!(
                "relabel: the goal fractions (rollout, proposed, future) must be non-negative and sum to 1, not {parts:?}"
            ));
        }
        Ok(())
    }

    /// Sources for a batch of `batch` transitions: the fractions' exact shares (rounded), in
    /// shuffled order, so every batch trains on the same mix.
    pub fn sources(&self, batch: usize, rng: &mut impl Rng) -> Vec<GoalSource> {
        let future = (self.future * batch as f64).round() as usize;
        let proposed =
            ((self.proposed * batch as f64).round() as usize).min(batch - future.min(batch));
        let rollout = batch - future.min(batch) - proposed;
        let mut out = Vec::with_capacity(batch);
        out.extend(std::iter::repeat_n(GoalSource::Rollout, rollout));
        out.extend(std::iter::repeat_n(GoalSource::Proposed, proposed));
        out.extend(std::iter::repeat_n(GoalSource::Future, future.min(batch)));
        out.shuffle(rng);
        out
    }
}

/// For the transition from step `t` to `t + 1` of an episode of `len` observations, the index
/// of a later observation to use as its hindsight goal: uniform over `t + 1 ..= len − 1` (the
/// next state included, so the last transition still has one).
pub fn future_index(t: usize, len: usize, rng: &mut impl Rng) -> usize {
    assert!(
        t + 1 < len,
        "step {t} has no later observation in an episode of {len}"
    );
    rng.random_range(t + 1..len)
}

/// Skew-Fit's reward: minus the distance between the reached latent and the goal's.
pub fn latent_reward(z: &[f32], goal: &[f32]) -> f32 {
    debug_assert_eq!(z.len(), goal.len());
    -z.iter()
        .zip(goal)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f32>()
        .sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_batch_mixes_goals_in_the_papers_shares() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let sources = Relabel::default().sources(1024, &mut rng);
        let count = |s| sources.iter().filter(|&&x| x == s).count();
        assert_eq!(sources.len(), 1024);
        assert_eq!(count(GoalSource::Rollout), 205);
        assert_eq!(count(GoalSource::Proposed), 512);
        assert_eq!(count(GoalSource::Future), 307);
        // Shuffled: not three blocks.
        assert!(sources[..205].iter().any(|&s| s != GoalSource::Rollout));
    }

    #[test]
    fn fractions_that_do_not_sum_to_one_are_refused() {
        let bad = Relabel {
            rollout: 0.5,
            proposed: 0.5,
            future: 0.3,
        };
        assert!(bad.check().unwrap_err().contains("sum to 1"));
        assert!(Relabel::default().check().is_ok());
    }

    #[test]
    fn hindsight_goals_come_from_later_in_the_episode() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let picks: Vec<usize> = (0..2000).map(|_| future_index(95, 100, &mut rng)).collect();
        assert!(picks.iter().all(|&i| (96..100).contains(&i)));
        for i in 96..100 {
            assert!(picks.contains(&i), "{i} is never picked");
        }
        assert_eq!(future_index(98, 100, &mut rng), 99);
    }

    #[test]
    fn the_reward_is_highest_at_the_goal() {
        let goal = [0.5, -1.0];
        assert_eq!(latent_reward(&goal, &goal), 0.0);
        let far = latent_reward(&[3.5, 3.0], &goal);
        let near = latent_reward(&[1.5, -1.0], &goal);
        assert!((far + 5.0).abs() < 1e-6, "{far}");
        assert!(near < 0.0 && near > far);
    }
}
