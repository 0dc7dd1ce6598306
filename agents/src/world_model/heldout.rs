//! How well the world model predicts episodes it never trained on: the decoded frames' error
//! at every step ahead, against repeating the last frame, and examples to look at.

use burn::prelude::*;
use byfeel_gym::store::StoreReader;

use super::model::WorldModel;
use super::train::WorldModelSpec;
use crate::AgentError;
use crate::predictor::heldout::measure;
use crate::predictor::{Example, HeldOutError, SequenceSource};

/// Measures `model` on `batches × batch` sequences of `horizon` steps from the run's held-out
/// episodes (a fixed draw) and returns the `examples` where most changed.
pub fn held_out(
    model: &WorldModel,
    spec: &WorldModelSpec,
    reader: &StoreReader,
    (batches, batch, horizon): (usize, usize, usize),
    examples: usize,
) -> Result<(HeldOutError, Vec<Example>), AgentError> {
    let source = SequenceSource {
        reader,
        field: spec.field.clone(),
        context: 1,
        horizon,
    };
    let device = model.devices()[0].clone();
    measure(&source, spec.train.holdout, (batches, batch), examples, &device, |context, actions| {
        let [n, _, c, h, w] = context.dims();
        model.predict(context.reshape([n, c, h, w]), actions)
    })
}
