//! Which steps a batch is drawn from: uniformly, or in proportion to given weights (Skew-Fit
//! draws rare states more often by weighting every step of the buffer).

use rand::Rng;

use super::{Column, StoreError};

/// Draws step indices in `0..len`.
#[derive(Debug, Clone)]
pub enum StepSampler {
    Uniform {
        len: u64,
    },
    /// Running sums of the weights; a draw is a binary search, O(log T).
    Weighted {
        cumulative: Vec<f64>,
    },
}

impl StepSampler {
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
    pub fields: Vec<(String, Column)>,
}

impl Batch {
    pub fn get(&self, name: &str) -> Option<&Column> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }
}
