//! The predictive agent's model: learn what the sensor will see next from random play
//! ("Manipulation by Feel", "Visual Foresight").

pub mod data;
pub mod heldout;
pub mod latent;
pub mod model;
pub mod train;

pub use data::{SequenceSource, Sequences, Split};
pub use heldout::{Example, HeldOutError, held_out};
pub use model::{Encoded, FramePredictor, PredictorConfig};
pub use train::{
    RunSpec, TrainConfig, TrainProgress, batch_gradients, load, store_task, train, validate,
};
