//! Reward from examples: VICE (Singh et al., RSS 2019, "End-to-End Robotic Reinforcement
//! Learning without Reward Engineering"). A classifier learns from a few pictures of success
//! (positives) and from everything the robot does (negatives, as VICE's loss weighs them against
//! the policy); its logit is the reward. With RAQ the robot also asks a labeller about the
//! visited states it rates highest.
//!
//! - [`classifier`]: the reference network, a 48 × 48 image to one logit;
//! - [`loss`]: the plain and VICE losses, and mixup;
//! - [`labels`]: labellers and the labelled pictures;
//! - [`examples`]: folders of example pictures;
//! - [`config`], [`train`](mod@train), [`checkpoint`]: a run's settings, the loop (SAC on the
//!   classifier's reward, through a VAE of the images seen) and its exact resume;
//! - [`eval`](mod@eval): the trained policy judged by the simulator's truth and by the classifier.

pub mod checkpoint;
pub mod classifier;
pub mod config;
pub mod eval;
pub mod examples;
pub mod labels;
pub mod log;
pub mod loss;
pub mod train;

pub use classifier::{Classifier, ClassifierConfig};
pub use config::{ClassifierLoss, RewardSource, ViceConfig};
pub use examples::{load_examples, read_judge, save_examples, write_judge};
pub use labels::{Examples, FnLabeller, Labeller, OracleLabeller, PromptLabeller, Query};
pub use log::ViceEpoch;
pub use loss::{binary_loss, mixup, vice_loss};
pub use eval::{ViceEval, evaluate_vice_run, is_vice_run, load_vice};
pub use train::train_vice;
