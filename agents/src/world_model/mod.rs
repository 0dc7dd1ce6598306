//! The latent predictive model ("Manipulation by Feel" and "Visual Foresight" planned in a
//! learned latent space, as PlaNet and TD-MPC2 plan): an encoder from the sensor image to a
//! short vector, action-conditioned dynamics on that vector, a decoder back to the image, and
//! CEM toward the goal image's latent.

pub mod agent;
pub mod direction;
pub mod frames;
pub mod heldout;
pub mod latents;
pub mod model;
pub mod prediction;
pub mod prototypes;
pub mod spec;
pub mod train;

pub use agent::LatentAgent;
pub use direction::{inverse_directions, planned_roll_directions, roll_directions};
pub use heldout::held_out;
pub use latents::Latents;
pub use model::{WorldModel, WorldModelConfig};
pub use train::{
    SPEC_FILE, Stage, WorldModelProgress, WorldModelSpec, WorldModelTrainConfig, info_nce, load,
    read_spec, store_actions, train,
};
