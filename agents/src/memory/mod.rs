//! A nonparametric predictive agent for the die: the experience store itself is the forward
//! model, and planning searches it.
//!
//! Every press of a store of roll actions is embedded ([`TouchEmbedding`]: centred on the
//! contact, pooled, projected on principal components), and every roll between two presses is
//! kept with its action ([`ReplayMemory`]). What a push will bring is what it brought from the
//! nearest stored presses; [`search`] picks the stored roll (or pair of rolls) whose outcome
//! lies nearest the goal picture, or stays when the press felt now is nearer still.
//!
//! Why not only the learned latent model ([`crate::world_model`]): on the die, every learned
//! latent tried kept the face up in at most a fifth of presses, while the nearest stored press
//! in pixels shows the same face in nineteen of twenty. The transition is nearly deterministic
//! once face and turn are known, so looking it up beats learning it from this much data.
//! `agents/README.md` has the measurements.

mod agent;
mod embedding;
mod heldout;
mod model;
mod run;
mod search;

pub use agent::MemoryAgent;
pub use embedding::{TouchEmbedding, pooled, pooled_len};
pub use heldout::{MemoryHeldOut, held_out, predict};
pub use model::{MemoryConfig, ReplayMemory, Transition, distance, held_out_transitions};
pub use run::{MEMORY_SPEC_FILE, MemorySpec, build, is_memory_run, load, read_memory_spec, save};
pub use search::{MemoryPlan, SearchConfig, search};
