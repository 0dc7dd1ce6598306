//! Skew-Fit's replay: every image seen, in episode order, with the VAE's view of each (its
//! latent and its estimated density, refreshed after each VAE round) and the skewed weights
//! that goals and VAE batches are drawn by.
//!
//! Observations are kept once per step (the next observation is the following frame), so a
//! reset-free 50 000-step door run holds ~350 MB of 48 × 48 images.

use byfeel_gym::store::StepSampler;
use rand::Rng;

use super::relabel::{GoalSource, future_index};

/// One episode: its frames are `first ..= first + steps` (one more frame than actions).
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Episode {
    pub first: usize,
    pub steps: usize,
    /// The frame whose image was the rollout's goal.
    pub goal: usize,
}

/// See the module docs.
pub struct Replay {
    pub image_len: usize,
    pub action_dim: usize,
    /// `[frames, image_len]` RGB bytes.
    pub frames: Vec<u8>,
    pub actions: Vec<f32>,
    /// For every action: (episode, step in it).
    pub steps: Vec<(usize, usize)>,
    pub episodes: Vec<Episode>,
    /// Frames added as goals only (a person's goal image), never sampled as states.
    goal_only: Vec<bool>,
    /// `[frames, latent]`, the VAE's mean, as of the last refresh.
    pub latents: Vec<f32>,
    pub latent_dim: usize,
    /// Skewed sampling over frames (uniform before the first refresh).
    sampler: Option<StepSampler>,
}

impl Replay {
    pub fn new(image_len: usize, action_dim: usize, latent_dim: usize) -> Self {
        Self {
            image_len,
            action_dim,
            frames: Vec::new(),
            actions: Vec::new(),
            steps: Vec::new(),
            episodes: Vec::new(),
            goal_only: Vec::new(),
            latents: Vec::new(),
            latent_dim,
            sampler: None,
        }
    }

    pub fn num_frames(&self) -> usize {
        self.goal_only.len()
    }

    pub fn num_steps(&self) -> usize {
        self.steps.len()
    }

    pub fn frame(&self, i: usize) -> &[u8] {
        &self.frames[i * self.image_len..(i + 1) * self.image_len]
    }

    pub fn latent(&self, i: usize) -> &[f32] {
        &self.latents[i * self.latent_dim..(i + 1) * self.latent_dim]
    }

    /// Adds a frame; its latent is zero until the next refresh.
    pub fn push_frame(&mut self, image: &[u8], goal_only: bool) -> usize {
        assert_eq!(image.len(), self.image_len, "an image of the wrong size");
        self.frames.extend_from_slice(image);
        self.goal_only.push(goal_only);
        self.latents.extend(std::iter::repeat_n(0.0, self.latent_dim));
        self.goal_only.len() - 1
    }

    /// Starts an episode at frame `first` (already pushed) chasing the goal in frame `goal`.
    pub fn begin_episode(&mut self, first: usize, goal: usize) {
        self.episodes.push(Episode {
            first,
            steps: 0,
            goal,
        });
    }

    /// Records an action of the current episode and the frame that followed it.
    pub fn push_step(&mut self, action: &[f32], next: &[u8]) {
        let e = self.episodes.len() - 1;
        let t = self.episodes[e].steps;
        assert_eq!(
            self.episodes[e].first + t + 1,
            self.num_frames(),
            "steps follow their episode's frames"
        );
        self.push_frame(next, false);
        self.actions.extend_from_slice(action);
        self.steps.push((e, t));
        self.episodes[e].steps += 1;
    }

    /// Frames that are states (not only goals) — what densities and skew are computed over.
    pub fn state_frames(&self) -> Vec<usize> {
        (0..self.num_frames()).filter(|&i| !self.goal_only[i]).collect()
    }

    /// New latents for every frame, and skew weights over `state_frames()` (same order).
    pub fn refresh(&mut self, latents: Vec<f32>, weights: Option<&[f64]>) -> Result<(), String> {
        if latents.len() != self.num_frames() * self.latent_dim {
            return Err(format!(
                "{} latent numbers for {} frames of {}",
                latents.len(),
                self.num_frames(),
                self.latent_dim
            ));
        }
        self.latents = latents;
        self.sampler = match weights {
            None => None,
            Some(w) => Some(StepSampler::weighted(w).map_err(|e| e.to_string())?),
        };
        Ok(())
    }

    /// A state frame, drawn by the skewed weights (uniformly before any).
    pub fn draw_frame(&self, rng: &mut impl Rng) -> usize {
        let states = self.state_frames();
        let k = match &self.sampler {
            Some(s) if s.len() as usize == states.len() => s.draw(rng) as usize,
            _ => rng.random_range(0..states.len()),
        };
        states[k]
    }

    /// The frame of the goal for step `s` from `source`.
    pub fn goal_frame(&self, s: usize, source: GoalSource, rng: &mut impl Rng) -> usize {
        let (e, t) = self.steps[s];
        let ep = self.episodes[e];
        match source {
            GoalSource::Rollout => ep.goal,
            GoalSource::Proposed => self.draw_frame(rng),
            // Frames of the episode after o_t: o_{t+1} ..= o_steps.
            GoalSource::Future => ep.first + future_index(t, ep.steps + 1, rng),
        }
    }

    /// The frames before and after step `s`.
    pub fn step_frames(&self, s: usize) -> (usize, usize) {
        let (e, t) = self.steps[s];
        let first = self.episodes[e].first;
        (first + t, first + t + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn hindsight_goals_are_later_frames_of_the_same_episode() {
        let mut r = Replay::new(1, 1, 1);
        for e in 0..2u8 {
            let first = r.push_frame(&[10 * e], false);
            r.begin_episode(first, first);
            for t in 1..=4 {
                r.push_step(&[0.0], &[10 * e + t]);
            }
        }
        assert_eq!(r.num_frames(), 10);
        assert_eq!(r.num_steps(), 8);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        // Step 5 is episode 1's second action: from frame 6 to 7; later frames are 7 ..= 9.
        assert_eq!(r.step_frames(5), (6, 7));
        for _ in 0..100 {
            let g = r.goal_frame(5, GoalSource::Future, &mut rng);
            assert!((7..=9).contains(&g), "{g}");
        }
        assert_eq!(r.goal_frame(5, GoalSource::Rollout, &mut rng), 5);
    }

    #[test]
    fn goal_only_frames_are_never_drawn_as_states() {
        let mut r = Replay::new(1, 1, 1);
        let first = r.push_frame(&[0], false);
        let goal = r.push_frame(&[9], true);
        r.begin_episode(first, goal);
        // The episode's frames must follow on: a goal frame in between is refused.
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            r.push_step(&[0.0], &[1]);
        }));
        assert!(caught.is_err());
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let mut r = Replay::new(1, 1, 1);
        let goal = r.push_frame(&[9], true);
        let first = r.push_frame(&[0], false);
        r.begin_episode(first, goal);
        r.push_step(&[0.0], &[1]);
        assert_eq!(r.state_frames(), vec![1, 2]);
        assert!((0..100).all(|_| r.draw_frame(&mut rng) != goal));
        // Skewed weights steer the draws.
        r.refresh(vec![0.0; 3], Some(&[0.0, 1.0])).unwrap();
        assert!((0..100).all(|_| r.draw_frame(&mut rng) == 2));
    }
}
