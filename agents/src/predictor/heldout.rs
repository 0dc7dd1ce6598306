//! How well a trained model predicts episodes it never trained on: the error at every step of
//! the horizon, against the simplest guess (nothing changes: repeat the last context frame),
//! and example sequences to look at.

use burn::prelude::*;
use byfeel_gym::store::StoreReader;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::data::{SequenceSource, Split};
use super::model::FramePredictor;
use super::train::RunSpec;
use crate::AgentError;
use crate::predictive::to_frames;

/// Held-out prediction error per horizon step (mean squared error, images in [0, 1]).
#[derive(Debug, Clone, Serialize)]
pub struct HeldOutError {
    /// The model's error at step 1, 2, … of the horizon.
    pub model: Vec<f32>,
    /// The error of repeating the last context frame.
    pub copy_last: Vec<f32>,
    /// Sequences averaged over.
    pub sequences: usize,
}

/// One held-out sequence: its context, what the model predicted, what happened (H×W×3 bytes
/// each).
#[derive(Debug, Clone)]
pub struct Example {
    /// The context frames the model was given.
    pub context: Vec<Vec<u8>>,
    /// The frames it predicted, one per action.
    pub predicted: Vec<Vec<u8>>,
    /// The frames that really followed.
    pub actual: Vec<Vec<u8>>,
}

fn floats(t: Tensor<2>) -> Result<Vec<f32>, AgentError> {
    t.into_data()
        .try_to_vec::<f32>()
        .map_err(|e| AgentError::Config(format!("{e:?}")))
}

/// Measures `model` on `batches × batch` sequences of the run's held-out episodes (a fixed
/// draw, the same for every call) and returns `examples` of them to look at.
pub fn held_out(
    model: &FramePredictor,
    spec: &RunSpec,
    reader: &StoreReader,
    batches: usize,
    batch: usize,
    examples: usize,
    device: &Device,
) -> Result<(HeldOutError, Vec<Example>), AgentError> {
    let source = SequenceSource {
        reader,
        field: spec.field.clone(),
        context: spec.model.context,
        horizon: spec.train.horizon,
    };
    measure(&source, spec.train.holdout, (batches, batch), examples, device, |c, a| {
        model.forward(c, a)
    })
}

/// The held-out error per step of any predictor — `predict(context [B, K, 3, H, W], actions
/// [B, T, A])` gives `[B, T, 3, H, W]` — over `batches × batch` fixed draws from every
/// `holdout`-th episode of `source`, and the `examples` sequences where most changed.
pub(crate) fn measure(
    source: &SequenceSource,
    holdout: u64,
    (batches, batch): (usize, usize),
    examples: usize,
    device: &Device,
    predict: impl Fn(Tensor<5>, Tensor<3>) -> Tensor<5>,
) -> Result<(HeldOutError, Vec<Example>), AgentError> {
    let reader = source.reader;
    let split = Split::for_store(reader, holdout)?;
    if split.valid.is_empty() {
        return Err(AgentError::Config(format!(
            "the store has {} episodes: none is held out (every {holdout}-th is)",
            reader.num_episodes(),
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(0x4E1D0);
    let t = source.horizon;
    let mut report = HeldOutError {
        model: vec![0.0; t],
        copy_last: vec![0.0; t],
        sequences: batches * batch,
    };
    let mut shown = Vec::new();
    for b in 0..batches {
        let s = source.batch(&split.valid, batch, &mut rng, device)?;
        let [n, k, c, h, w] = s.context.dims();
        let predicted = predict(s.context.clone(), s.actions);
        let last_frame = s
            .context
            .clone()
            .narrow(1, k - 1, 1)
            .expand([n, t, c, h, w]);
        let per_step = |x: Tensor<5>| {
            floats(
                (x - s.targets.clone())
                    .square()
                    .mean_dims(&[0, 2, 3, 4])
                    .reshape([1, t]),
            )
        };
        for (sum, e) in [
            (&mut report.model, per_step(predicted.clone())?),
            (&mut report.copy_last, per_step(last_frame.clone())?),
        ] {
            for (s, e) in sum.iter_mut().zip(e) {
                *s += e / batches as f32;
            }
        }
        if b == 0 {
            // Show the sequences where most happens (the largest change from the last context
            // frame): a still gel says little about a model.
            let change = floats(
                (last_frame.clone() - s.targets.clone())
                    .square()
                    .mean_dims(&[1, 2, 3, 4])
                    .reshape([1, n]),
            )?;
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| change[b].total_cmp(&change[a]));
            let (ctx, pred, act) = (
                to_frames(s.context)?,
                to_frames(predicted)?,
                to_frames(s.targets.clone())?,
            );
            for &i in order.iter().take(examples) {
                shown.push(Example {
                    context: ctx[i * k..(i + 1) * k].to_vec(),
                    predicted: pred[i * t..(i + 1) * t].to_vec(),
                    actual: act[i * t..(i + 1) * t].to_vec(),
                });
            }
        }
    }
    Ok((report, shown))
}
