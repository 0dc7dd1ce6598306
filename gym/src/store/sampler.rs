//! Which steps a batch is drawn from: uniformly, or in proportion to given weights (Skew-Fit
//! draws rare states more often by weighting every step of the buffer).

use rand::Rng;

use super::{Column, StoreError};

/// Draws step indices in `0..len`.
#[derive(Debug, Clone)]
pub enum StepSampler {
    /// Every step equally likely.
    Uniform {
        /// Steps to draw from: indices `0..len`.
        len: u64,
    },
    /// Running sums of the weights; a draw is a binary search, O(log T).
    Weighted {
        /// `cumulative[t]` is the sum of the weights of steps `0..=t`.
        cumulative: Vec<f64>,
    },
}

impl StepSampler {
    /// Draws each of steps `0..len` equally often.
    pub fn uniform(len: u64) -> Self {
        StepSampler::Uniform { len }
    }

    /// Draws step t with probability `weights[t] / sum(weights)`. Weights must be finite and
    /// non-negative with a positive sum.
    pub fn weighted(weights: &[f64]) -> Result<Self, StoreError> {
        let mut cumulative = Vec::with_capacity(weights.len());
        let mut total = 0.0;
        for (i, &w) in weights.iter().enumerate() {
            if !w.is_finite() || w < 0.0 {
                return Err(StoreError::BadRequest(format!(
                    "weight {i} is {w}: weights must be finite and not negative"
                )));
            }
            total += w;
            cumulative.push(total);
        }
        if total <= 0.0 || !total.is_finite() {
            return Err(StoreError::BadRequest(format!(
                "the {} weights sum to {total}: at least one must be positive",
                weights.len()
            )));
        }
        Ok(StepSampler::Weighted { cumulative })
    }

    /// Steps this sampler draws from.
    pub fn len(&self) -> u64 {
        match self {
            StepSampler::Uniform { len } => *len,
            StepSampler::Weighted { cumulative } => cumulative.len() as u64,
        }
    }

    /// Whether there is no step to draw.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One step index.
    pub fn draw(&self, rng: &mut impl Rng) -> u64 {
        match self {
            StepSampler::Uniform { len } => rng.random_range(0..*len),
            StepSampler::Weighted { cumulative } => {
                let total = *cumulative.last().unwrap();
                let x = rng.random::<f64>() * total;
                // The first running sum above x: zero-weight steps (equal sums) are never hit.
                let i = cumulative.partition_point(|&c| c <= x);
                i.min(cumulative.len() - 1) as u64
            }
        }
    }
}

/// Steps drawn for training: `fields` hold `indices.len()` rows each, in draw order.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Step indices in the store.
    pub indices: Vec<u64>,
    /// The episode each step belongs to.
    pub episodes: Vec<u64>,
    /// Each requested field's rows for the drawn steps, by field name.
    pub fields: Vec<(String, Column)>,
}

impl Batch {
    /// The rows of the field called `name`, if it was requested.
    pub fn get(&self, name: &str) -> Option<&Column> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }
}

/// Windows of consecutive steps, each inside one episode (what a frame predictor trains on).
impl super::StoreReader {
    /// Draws `n` windows of `len` consecutive steps, uniformly over every window that fits in
    /// an episode, and gathers `fields` for them: each field holds `n × len` rows, window by
    /// window. `Batch::indices` are the windows' first steps.
    pub fn sample_windows(
        &self,
        fields: &[&str],
        n: usize,
        len: usize,
        rng: &mut impl Rng,
    ) -> Result<Batch, StoreError> {
        let all: Vec<u64> = (0..self.num_episodes()).collect();
        self.sample_windows_from(&all, fields, n, len, rng)
    }

    /// [`sample_windows`](Self::sample_windows) from the given episodes only (a training or a
    /// held-out split).
    pub fn sample_windows_from(
        &self,
        episodes: &[u64],
        fields: &[&str],
        n: usize,
        len: usize,
        rng: &mut impl Rng,
    ) -> Result<Batch, StoreError> {
        if len == 0 {
            return Err(StoreError::BadRequest(
                "a window needs at least one step".into(),
            ));
        }
        let ends = self.episode_ends();
        if let Some(bad) = episodes.iter().find(|&&e| e >= ends.len() as u64) {
            return Err(StoreError::BadRequest(format!(
                "episode {bad} does not exist: the store holds {}",
                ends.len()
            )));
        }
        let mut fits = vec![0.0; ends.len()];
        for &e in episodes {
            let e = e as usize;
            let start = if e == 0 { 0 } else { ends[e - 1] };
            fits[e] = (ends[e] - start).saturating_sub(len as u64 - 1) as f64;
        }
        if fits.iter().all(|&f| f == 0.0) {
            return Err(StoreError::BadRequest(format!(
                "none of the {} episodes to draw from has {len} steps",
                episodes.len()
            )));
        }
        // An episode in proportion to its windows, then a window in it: every window equally.
        let episodes = StepSampler::weighted(&fits)?;
        let mut starts = Vec::with_capacity(n);
        let mut steps = Vec::with_capacity(n * len);
        let mut episode_of = Vec::with_capacity(n);
        for _ in 0..n {
            let e = episodes.draw(rng) as usize;
            let first = if e == 0 { 0 } else { ends[e - 1] };
            let start = first + rng.random_range(0..fits[e] as u64);
            starts.push(start);
            episode_of.push(e as u64);
            steps.extend(start..start + len as u64);
        }
        let fields = fields
            .iter()
            .map(|name| Ok((name.to_string(), self.gather(name, &steps)?)))
            .collect::<Result<_, StoreError>>()?;
        Ok(Batch {
            indices: starts,
            episodes: episode_of,
            fields,
        })
    }
}
