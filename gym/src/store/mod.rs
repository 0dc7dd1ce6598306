//! The experience store: every step of every episode on disk, "kept like movies", in Zarr v3.
//!
//! A store is a directory that zarr-python opens as a group (`zarr.open(path)`):
//!
//! | array | shape | holds |
//! |---|---|---|
//! | one per step field (`camera`, `tactile`, `action`, …) | `[T, …]` | step t of the whole store, episodes one after another |
//! | one per episode field (`scene`, `seed`, …) | `[E, …]` | one row per episode |
//! | `episode_ends` | `[E]` uint64 | where each episode ends: episode e is steps `episode_ends[e-1]..episode_ends[e]` |
//!
//! Chunks run along time and are compressed with zstd (with a checksum, so a damaged chunk is
//! reported, never returned). Image fields are sharded: one compressed step per inner chunk,
//! many steps per shard file, so random batches decode only the frames they draw. The group's `byfeel` attribute names every field, its dtype,
//! per-step shape and column names.
//!
//! **Commit protocol.** [`StoreWriter::append_episode`] writes an episode's chunks, then each
//! array's new length, and last `episode_ends`. Every file is written whole to a temporary name
//! and renamed over the old one, so a file is always either old or new. `episode_ends` is the
//! commit record: steps past its last value belong to an episode that never finished committing
//! (a crash), and the next writer to open the store truncates them and says so
//! ([`StoreWriter::repair_note`]); readers ignore them.
//!
//! A long reset-free run need not wait for its end: append it in segments (each an entry of
//! `episode_ends`), marking where the run really started in a step field of your own (as
//! collection's RLDS `is_first` does).
//!
//! **One writer.** A writer holds an exclusive lock on `DIR/.writer.lock` (released by the OS
//! when the process dies, even by kill -9); a second writer gets [`StoreError::Locked`]. Any
//! number of readers may read while a writer appends; [`StoreReader::refresh`] sees new episodes.
//!
//! ```no_run
//! use byfeel_gym::store::*;
//! let schema = Schema::new()
//!     .step(Field::u8("camera", &[48, 48, 3]))
//!     .step(Field::f32("action", &[3]))
//!     .episode(Field::f32("scene", &[2]));
//! let mut writer = StoreWriter::create("runs/demo.zarr", schema, StoreOptions::default())?;
//! let mut episode = EpisodeBuffer::new(writer.schema());
//! for _ in 0..10 {
//!     episode.push_step(&[("camera", Column::U8(vec![0; 48 * 48 * 3])), ("action", Column::F32(vec![0.0; 3]))])?;
//! }
//! episode.set_episode("scene", Column::F32(vec![0.1, 0.2]))?;
//! writer.append_episode(&episode)?;
//!
//! let reader = StoreReader::open("runs/demo.zarr")?;
//! let batch = reader.sample(&["camera"], 256, &StepSampler::uniform(reader.num_steps()), &mut rand::rng())?;
//! # Ok::<(), StoreError>(())
//! ```

mod atomic_fs;
mod buffer;
mod cache;
mod reader;
mod sampler;
mod schema;
mod shard_reader;
mod writer;

pub use buffer::EpisodeBuffer;
pub use reader::{ReaderOptions, StoreReader};
pub use sampler::{Batch, StepSampler};
pub use schema::{Column, Field, FieldDtype, Schema};
pub use writer::{SHARD_ROW_BYTES, StoreOptions, StoreWriter};

use std::path::PathBuf;

/// Name of the commit-record array.
pub const EPISODE_ENDS: &str = "episode_ends";
/// Version of the layout described above, kept in the group's attributes.
pub const FORMAT_VERSION: u64 = 1;
const LOCK_FILE: &str = ".writer.lock";
const TEMP_MARK: &str = ".tmp-";

/// What can go wrong with a store. Every error leaves the store as it was.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The directory holds no byfeel store.
    #[error("{path}: no byfeel store here ({why})")]
    NotAStore {
        /// The directory.
        path: PathBuf,
        /// What is missing or wrong.
        why: String,
    },
    /// [`StoreWriter::create`] found a store already in this directory.
    #[error("{0}: a store already exists here; open it to append, or choose another directory")]
    Exists(PathBuf),
    /// Another writer holds the store's lock.
    #[error(
        "{path}: another writer ({holder}) has this store open; one writer at a time (readers may share it)"
    )]
    Locked {
        /// The store's directory.
        path: PathBuf,
        /// Who holds the lock, as its lock file names it (`process <pid>`).
        holder: String,
    },
    /// The store's files contradict each other or fail their checksums.
    #[error("{path}: the store is damaged: {why}")]
    Corrupt {
        /// The store's directory.
        path: PathBuf,
        /// What is damaged.
        why: String,
    },
    /// An episode was refused (a missing, unknown, mis-shaped or non-finite value); nothing was
    /// written.
    #[error("bad episode: {0} (nothing was written)")]
    BadEpisode(String),
    /// A request the store cannot answer: an unknown field or episode, a bad schema or weights.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The zarr library failed.
    #[error("zarr: {0}")]
    Zarr(String),
}

fn zarr_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Zarr(e.to_string())
}
