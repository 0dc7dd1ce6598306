//! How well the world model predicts episodes it never trained on: the decoded frames' error
//! at every step ahead, against repeating the last frame, and examples to look at.

use burn::prelude::*;
use byfeel_gym::store::StoreReader;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::model::WorldModel;
use super::train::WorldModelSpec;
use crate::AgentError;
use crate::predictive::to_frames;
use crate::predictor::{Example, HeldOutError, SequenceSource, Split};

fn floats(t: Tensor<2>) -> Result<Vec<f32>, AgentError> {
    t.into_data()
        .try_to_vec::<f32>()
        .map_err(|e| AgentError::Config(format!("{e:?}")))
}

/// Measures `model` on `batches × batch` sequences of `horizon` steps from the run's held-out
/// episodes (a fixed draw) and returns the `examples` where most changed.
pub fn held_out(
    model: &WorldModel,
    spec: &WorldModelSpec,
    reader: &StoreReader,
    (batches, batch, horizon): (usize, usize, usize),
    examples: usize,
) -> Result<(HeldOutError, Vec<Example>), AgentError> {
    let device = model.devices()[0].clone();
    let source = SequenceSource {
        reader,
        field: spec.field.clone(),
        context: 1,
        horizon,
    };
    let split = Split::every(reader.num_episodes(), spec.train.holdout);
    if split.valid.is_empty() {
        return Err(AgentError::Config(format!(
            "the store has {} episodes: none is held out (every {}-th is)",
            reader.num_episodes(),
            spec.train.holdout
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(0x4E1D0);
    let t = horizon;
    let mut report = HeldOutError {
        model: vec![0.0; t],
        copy_last: vec![0.0; t],
        sequences: batches * batch,
    };
    let mut shown = Vec::new();
    for b in 0..batches {
        let s = source.batch(&split.valid, batch, &mut rng, &device)?;
        let [n, _, c, h, w] = s.context.dims();
        let first = s.context.clone().reshape([n, c, h, w]);
        let predicted = model.predict(first, s.actions);
        let last_frame = s.context.clone().expand([n, t, c, h, w]);
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
            let change = floats(
                (last_frame - s.targets.clone())
                    .square()
                    .mean_dims(&[1, 2, 3, 4])
                    .reshape([1, n]),
            )?;
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| change[b].total_cmp(&change[a]));
            let (ctx, pred, act) = (
                to_frames(s.context)?,
                to_frames(predicted)?,
                to_frames(s.targets)?,
            );
            for &i in order.iter().take(examples) {
                shown.push(Example {
                    context: vec![ctx[i].clone()],
                    predicted: pred[i * t..(i + 1) * t].to_vec(),
                    actual: act[i * t..(i + 1) * t].to_vec(),
                });
            }
        }
    }
    Ok((report, shown))
}
