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
    /// Index of the episode's first frame.
    pub first: usize,
    /// Actions taken in the episode.
    pub steps: usize,
    /// The frame whose image was the rollout's goal.
    pub goal: usize,
}

/// See the module docs.
pub struct Replay {
    /// Bytes in one image (48 × 48 × 3 for the door).
    pub image_len: usize,
    /// Numbers in one action.
    pub action_dim: usize,
    /// `[frames, image_len]` RGB bytes.
    pub frames: Vec<u8>,
    /// `[steps, action_dim]` actions, in the order taken.
    pub actions: Vec<f32>,
    /// For every action: (episode, step in it).
    pub steps: Vec<(usize, usize)>,
    /// Every episode, in order.
    pub episodes: Vec<Episode>,
    /// Frames added as goals only (a person's goal image), never sampled as states.
    goal_only: Vec<bool>,
    /// The other frames' indices, kept as frames arrive: every goal and VAE batch draws from
    /// them, so they are not recounted per draw.
    states: Vec<usize>,
    /// `[frames, latent]`, the VAE's mean, as of the last refresh.
    pub latents: Vec<f32>,
    /// Numbers in one latent.
    pub latent_dim: usize,
    /// The skewed weights over `state_frames()` and their sampler (none: uniform).
    weights: Option<Vec<f64>>,
    sampler: Option<StepSampler>,
}

impl Replay {
    /// An empty replay for images of `image_len` bytes, actions of `action_dim` numbers and
    /// latents of `latent_dim`.
    pub fn new(image_len: usize, action_dim: usize, latent_dim: usize) -> Self {
        Self {
            image_len,
            action_dim,
            frames: Vec::new(),
            actions: Vec::new(),
            steps: Vec::new(),
            episodes: Vec::new(),
            goal_only: Vec::new(),
            states: Vec::new(),
            latents: Vec::new(),
            latent_dim,
            weights: None,
            sampler: None,
        }
    }

    /// Frames stored, goal-only frames included.
    pub fn num_frames(&self) -> usize {
        self.goal_only.len()
    }

    /// Actions stored.
    pub fn num_steps(&self) -> usize {
        self.steps.len()
    }

    /// The RGB bytes of frame `i`.
    pub fn frame(&self, i: usize) -> &[u8] {
        &self.frames[i * self.image_len..(i + 1) * self.image_len]
    }

    /// Frame `i`'s latent as of the last refresh (zeros before its first).
    pub fn latent(&self, i: usize) -> &[f32] {
        &self.latents[i * self.latent_dim..(i + 1) * self.latent_dim]
    }

    /// Adds a frame; its latent is zero until the next refresh.
    pub fn push_frame(&mut self, image: &[u8], goal_only: bool) -> usize {
        assert_eq!(image.len(), self.image_len, "an image of the wrong size");
        self.frames.extend_from_slice(image);
        if !goal_only {
            self.states.push(self.goal_only.len());
        }
        self.goal_only.push(goal_only);
        self.latents
            .extend(std::iter::repeat_n(0.0, self.latent_dim));
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
    pub fn state_frames(&self) -> &[usize] {
        &self.states
    }

    /// The skewed weights over `state_frames()` (same order) as of the last refresh; `None`:
    /// uniform.
    pub fn state_weights(&self) -> Option<&[f64]> {
        self.weights.as_deref()
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
        self.sampler = match weights {
            None => None,
            Some(w) => Some(StepSampler::weighted(w).map_err(|e| e.to_string())?),
        };
        self.latents = latents;
        self.weights = weights.map(<[f64]>::to_vec);
        Ok(())
    }

    /// A state frame, drawn by the skewed weights (uniformly before any).
    ///
    /// The weights cover the states there were at the last `refresh`; states pushed since wait
    /// for the next one, as in the reference's buffer. (Falling back to uniform draws once a
    /// state arrived would skew only the first goal of each epoch and none of the VAE's batches,
    /// which are drawn after the epoch's exploration.)
    pub fn draw_frame(&self, rng: &mut impl Rng) -> usize {
        let states = &self.states;
        let k = match &self.sampler {
            Some(s) if s.len() as usize <= states.len() => s.draw(rng) as usize,
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

const MAGIC: &[u8; 8] = b"BFSKREP1";

/// What a walk through a stored run shows as it goes (see [`Replay::walk`]).
#[derive(Clone, Copy)]
pub enum Replayed<'a> {
    /// Episode `.0` (after the first) began with this observation.
    Reset(usize, &'a byfeel_gym::Observation),
    /// Stored step `.0` led to this observation.
    Step(usize, &'a byfeel_gym::Observation),
}

impl Replay {
    /// Walks `env`, already reset as the run began, through the stored episodes again: each
    /// episode after the first begins with `env.reset(None, next)`, then its actions are taken
    /// in order. `seen` hears every observation. A deterministic simulator ends where the run
    /// left it, which is how runs resume.
    pub fn walk(
        &self,
        env: &mut crate::arm::ArmEnv,
        next: &byfeel_gym::ResetOptions,
        mut seen: impl FnMut(&crate::arm::ArmEnv, Replayed) -> Result<(), crate::AgentError>,
    ) -> Result<(), crate::AgentError> {
        use byfeel_gym::Env;
        for (i, episode) in self.episodes.iter().enumerate() {
            if i > 0 {
                let (obs, _) = env.reset(None, next).map_err(crate::AgentError::Env)?;
                seen(env, Replayed::Reset(i, &obs))?;
            }
            let first_step = self.steps.partition_point(|&(e, _)| e < i);
            for s in first_step..first_step + episode.steps {
                let a = &self.actions[s * self.action_dim..(s + 1) * self.action_dim];
                let obs = env.step(a).map_err(crate::AgentError::Env)?.observation;
                seen(env, Replayed::Step(s, &obs))?;
            }
        }
        Ok(())
    }
}

impl Replay {
    /// Everything, as bytes for a checkpoint (little-endian, with a header of lengths).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.frames.len() + 64 + self.latents.len() * 4);
        out.extend_from_slice(MAGIC);
        let weights = self.weights.as_deref().unwrap_or(&[]);
        for n in [
            self.image_len,
            self.action_dim,
            self.latent_dim,
            self.num_frames(),
            self.num_steps(),
            self.episodes.len(),
            usize::from(self.weights.is_some()),
            weights.len(),
        ] {
            out.extend_from_slice(&(n as u64).to_le_bytes());
        }
        out.extend_from_slice(&self.frames);
        out.extend(self.goal_only.iter().map(|&g| g as u8));
        out.extend(self.latents.iter().flat_map(|v| v.to_le_bytes()));
        out.extend(self.actions.iter().flat_map(|v| v.to_le_bytes()));
        for &(e, t) in &self.steps {
            out.extend_from_slice(&(e as u64).to_le_bytes());
            out.extend_from_slice(&(t as u64).to_le_bytes());
        }
        for e in &self.episodes {
            for n in [e.first, e.steps, e.goal] {
                out.extend_from_slice(&(n as u64).to_le_bytes());
            }
        }
        out.extend(weights.iter().flat_map(|v| v.to_le_bytes()));
        out
    }

    /// Reads what [`to_bytes`](Self::to_bytes) wrote; a truncated or altered file is refused
    /// with what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let bad = |what: &str| format!("the replay checkpoint is corrupt: {what}");
        if bytes.len() < 72 || &bytes[..8] != MAGIC {
            return Err(bad("no replay header"));
        }
        let word = |i: usize| {
            u64::from_le_bytes(bytes[8 + 8 * i..16 + 8 * i].try_into().unwrap()) as usize
        };
        let (image_len, action_dim, latent_dim) = (word(0), word(1), word(2));
        let (frames, steps, episodes, has_weights, n_weights) =
            (word(3), word(4), word(5), word(6), word(7));
        let sizes = [
            frames.checked_mul(image_len),
            Some(frames),
            frames
                .checked_mul(latent_dim)
                .and_then(|n| n.checked_mul(4)),
            steps.checked_mul(action_dim).and_then(|n| n.checked_mul(4)),
            steps.checked_mul(16),
            episodes.checked_mul(24),
            n_weights.checked_mul(8),
        ];
        let Some(expected) = sizes
            .iter()
            .try_fold(72usize, |acc, s| s.and_then(|s| acc.checked_add(s)))
        else {
            return Err(bad("impossible lengths"));
        };
        if bytes.len() != expected {
            return Err(bad(&format!(
                "{} bytes where its header says {expected}",
                bytes.len()
            )));
        }
        let mut at = 72;
        let mut take = |n: usize| {
            let part = &bytes[at..at + n];
            at += n;
            part
        };
        let f32s = |b: &[u8]| -> Vec<f32> {
            b.chunks(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                .collect()
        };
        let u64s = |b: &[u8]| -> Vec<usize> {
            b.chunks(8)
                .map(|c| u64::from_le_bytes(c.try_into().unwrap()) as usize)
                .collect()
        };
        let frame_bytes = take(frames * image_len).to_vec();
        let goal_only: Vec<bool> = take(frames).iter().map(|&b| b != 0).collect();
        let latents = f32s(take(frames * latent_dim * 4));
        let actions = f32s(take(steps * action_dim * 4));
        let step_list: Vec<(usize, usize)> = u64s(take(steps * 16))
            .chunks(2)
            .map(|c| (c[0], c[1]))
            .collect();
        let episode_list: Vec<Episode> = u64s(take(episodes * 24))
            .chunks(3)
            .map(|c| Episode {
                first: c[0],
                steps: c[1],
                goal: c[2],
            })
            .collect();
        let weights: Vec<f64> = take(n_weights * 8)
            .chunks(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        if episode_list
            .iter()
            .any(|e| e.first + e.steps >= frames.max(1) || e.goal >= frames)
            || step_list
                .iter()
                .any(|&(e, t)| e >= episodes || t >= episode_list[e].steps)
        {
            return Err(bad("episodes point outside the frames"));
        }
        let mut replay = Replay {
            image_len,
            action_dim,
            frames: frame_bytes,
            actions,
            steps: step_list,
            episodes: episode_list,
            states: (0..frames).filter(|&i| !goal_only[i]).collect(),
            goal_only,
            latents: Vec::new(),
            latent_dim,
            weights: None,
            sampler: None,
        };
        let w = (has_weights == 1).then_some(weights);
        replay.refresh(latents, w.as_deref()).map_err(|e| bad(&e))?;
        Ok(replay)
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

    #[test]
    fn the_skew_holds_while_an_epoch_adds_states() {
        // Training refreshes the weights once an epoch, then explores (adding states) and fits
        // the VAE: both draw while the buffer holds states the weights have not seen yet.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let mut r = Replay::new(1, 1, 1);
        let first = r.push_frame(&[0], false);
        r.begin_episode(first, first);
        for i in 1..4u8 {
            r.push_step(&[0.0], &[i]);
        }
        r.refresh(vec![0.0; 4], Some(&[0.0, 0.0, 0.0, 1.0]))
            .unwrap();
        for i in 4..40u8 {
            r.push_step(&[0.0], &[i]);
        }
        // Every draw is the one weighted state, never uniform over the 40 now held.
        assert!((0..200).all(|_| r.draw_frame(&mut rng) == 3));
        // The next refresh takes the new states in.
        let mut w = vec![0.0; 40];
        w[39] = 1.0;
        r.refresh(vec![0.0; 40], Some(&w)).unwrap();
        assert!((0..200).all(|_| r.draw_frame(&mut rng) == 39));
    }

    #[test]
    fn a_replay_round_trips_and_a_damaged_one_is_refused() {
        let mut r = Replay::new(2, 1, 1);
        let first = r.push_frame(&[1, 2], false);
        r.begin_episode(first, first);
        r.push_step(&[0.5], &[3, 4]);
        r.push_step(&[-0.25], &[5, 6]);
        r.refresh(vec![0.1, 0.2, 0.3], Some(&[0.2, 0.3, 0.5]))
            .unwrap();
        let bytes = r.to_bytes();
        let back = Replay::from_bytes(&bytes).unwrap();
        assert_eq!(back.to_bytes(), bytes);
        assert_eq!(back.frame(2), &[5, 6]);
        assert_eq!(back.actions, vec![0.5, -0.25]);
        let short = Replay::from_bytes(&bytes[..bytes.len() - 3])
            .err()
            .expect("refused");
        assert!(
            short.contains("corrupt") && short.contains("header says"),
            "{short}"
        );
        let mut wrong = bytes.clone();
        wrong[0] = b'X';
        assert!(
            Replay::from_bytes(&wrong)
                .err()
                .expect("refused")
                .contains("no replay header")
        );
    }
}
