//! Skew-Fit ("Skew-Fit: State-Covering Self-Supervised RL", Pong et al. 2020): the robot sets
//! its own goals from a VAE of the images it has seen, skewed toward the rare ones, and
//! goal-conditioned SAC learns to reach them in the VAE's latent space.
//!
//! The pieces, each in its own module:
//! - [`vae`]: the reference 48 × 48 VAE, its loss and its importance-sampled density q̂(x).
//! - [`skew`]: sampling weights ∝ q̂(x)^α over the whole buffer (α = 0 is RIG).
//! - [`relabel`]: the goal mix of an SAC batch (0.2 rollout, 0.5 proposed, 0.3 hindsight) and
//!   the latent reward −‖z − z_goal‖.
//! - [`coverage`]: how evenly the door angles reached (or proposed as goals) spread.
//! - [`replay`]: every image seen, with its latent and skewed weight.
//! - [`config`]: a run's settings, the paper's door settings by default.
//! - [`train`](mod@train): the loop that ties them together (with [`crate::sac`]) on the
//!   reset-free door.
//! - [`scene`]: the door a run trained on, checked when it is resumed or evaluated.
//! - [`fleet`]: the learning half on many robots' stores, and a robot's half with its policy.

pub mod checkpoint;
pub mod config;
pub mod coverage;
pub mod eval;
pub mod fleet;
pub mod relabel;
pub mod replay;
pub mod scene;
pub mod skew;
pub mod task;
pub mod train;
pub mod vae;

pub use config::{SkewFitConfig, read_config};
pub use eval::{EVAL_SEED, EvalResult, GoalOutcome, GoalStrip, SkewFitPolicy, act, evaluate};
pub use relabel::{GoalSource, Relabel, future_index, latent_reward};
pub use skew::{skew_weights, weight_evenness};
pub use task::{GoalCoverage, SkewFitTask};
pub use train::{EpochLog, load, train, train_on};
pub use vae::{Vae, VaeConfig, VaeLoss};
