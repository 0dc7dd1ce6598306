//! Appending episodes to a store, one writer at a time.

use std::fs::{File, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zarrs::array::codec::ZstdCodec;
use zarrs::array::{Array, ArrayBuilder, data_type};
use zarrs::group::{Group, GroupBuilder};

use super::atomic_fs::{AtomicFilesystemStore, remove_temporaries};
use super::{
    Column, EPISODE_ENDS, EpisodeBuffer, FORMAT_VERSION, Field, FieldDtype, LOCK_FILE, Schema,
    StoreError, zarr_err,
};

type Storage = AtomicFilesystemStore;

/// How a new store lays out its chunks.
///
/// Small per-step fields (actions, rewards, proprioception) are chunked along time, many steps
/// to a chunk. Image-sized fields (a step of at least [`SHARD_ROW_BYTES`]) are sharded: each
/// step is compressed on its own inside a shard file of many steps, so a training batch reads
/// and decodes just the frames it draws, while the number of files stays small.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Uncompressed bytes a chunk (or shard) aims at; steps per chunk is this over a step's
    /// bytes, rounded down to a power of two.
    pub chunk_bytes: usize,
    /// zstd level (1 fastest … 22 smallest).
    pub zstd_level: i32,
    /// Free-form attributes kept in the group (task, seed, command line, …).
    pub attributes: serde_json::Map<String, serde_json::Value>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            chunk_bytes: 1 << 20,
            zstd_level: 3,
            attributes: Default::default(),
        }
    }
}

/// The one writer of a store: appends whole episodes, each committed or not at all.
pub struct StoreWriter {
    root: PathBuf,
    storage: Arc<Storage>,
    schema: Schema,
    steps: Vec<Array<Storage>>,
    episodes: Vec<Array<Storage>>,
    ends: Array<Storage>,
    num_steps: u64,
    num_episodes: u64,
    repair_note: Option<String>,
    /// Test hook: (episode, flag file): pause mid-commit of that episode.
    pause_in_commit: Option<(u64, PathBuf)>,
    _lock: File,
}

impl StoreWriter {
    /// Creates a new store at `path` (a directory that must not hold a store yet).
    pub fn create(
        path: impl AsRef<Path>,
        schema: Schema,
        options: StoreOptions,
    ) -> Result<Self, StoreError> {
        let root = path.as_ref().to_path_buf();
        schema.check()?;
        if options.chunk_bytes == 0 || !(1..=22).contains(&options.zstd_level) {
            return Err(StoreError::BadRequest(format!(
                "chunk_bytes must be positive and zstd_level 1 to 22, got {} and {}",
                options.chunk_bytes, options.zstd_level
            )));
        }
        if root.join("zarr.json").exists() {
            return Err(StoreError::Exists(root));
        }
        std::fs::create_dir_all(&root).map_err(|e| io(&root, e))?;
        let lock = lock(&root)?;
        let storage = Arc::new(Storage::new(&root).map_err(zarr_err)?);

        let mut attributes = options.attributes.clone();
        attributes.insert(
            "byfeel".into(),
            serde_json::json!({ "format": FORMAT_VERSION, "schema": schema }),
        );
        let build = |field: &Field, kind: &str| -> Result<Array<Storage>, StoreError> {
            let layout = Layout::for_field(field, kind, &options);
            new_array(&storage, field, kind, layout, options.zstd_level)
        };
        let steps = schema
            .steps
            .iter()
            .map(|f| build(f, "step"))
            .collect::<Result<Vec<_>, _>>()?;
        let episodes = schema
            .episodes
            .iter()
            .map(|f| build(f, "episode"))
            .collect::<Result<Vec<_>, _>>()?;
        let ends_field = Field::u64(EPISODE_ENDS, &[]);
        let ends = new_array(
            &storage,
            &ends_field,
            "index",
            Layout::Chunked(4096),
            options.zstd_level,
        )?;
        // The group last: a directory without it is not a store yet.
        let mut group = GroupBuilder::new()
            .build(storage.clone(), "/")
            .map_err(zarr_err)?;
        *group.attributes_mut() = attributes;
        group.store_metadata().map_err(zarr_err)?;
        Ok(Self {
            root,
            storage,
            schema,
            steps,
            episodes,
            ends,
            num_steps: 0,
            num_episodes: 0,
            repair_note: None,
            pause_in_commit: pause_hook(),
            _lock: lock,
        })
    }

    /// Opens an existing store to append to it, repairing the tail a crash left (see
    /// [`repair_note`](Self::repair_note)).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let root = path.as_ref().to_path_buf();
        if !root.join("zarr.json").exists() {
            return Err(StoreError::NotAStore {
                path: root,
                why: "no zarr.json".into(),
            });
        }
        let lock = lock(&root)?;
        let storage = Arc::new(Storage::new(&root).map_err(zarr_err)?);
        let (schema, _) = read_schema(&root, storage.clone())?;
        let open = |name: &str| {
            Array::open(storage.clone(), &format!("/{name}")).map_err(|e| StoreError::Corrupt {
                path: root.clone(),
                why: format!("array {name}: {e}"),
            })
        };
        let mut steps = schema
            .steps
            .iter()
            .map(|f| open(&f.name))
            .collect::<Result<Vec<_>, _>>()?;
        let mut episodes = schema
            .episodes
            .iter()
            .map(|f| open(&f.name))
            .collect::<Result<Vec<_>, _>>()?;
        let ends = open(EPISODE_ENDS)?;
        let ends_values = read_ends(&root, &ends)?;
        let num_episodes = ends_values.len() as u64;
        let num_steps = ends_values.last().copied().unwrap_or(0);

        let mut notes = Vec::new();
        let mut dropped_steps = 0;
        for (array, committed, what) in steps
            .iter_mut()
            .map(|a| (a, num_steps, "steps"))
            .chain(episodes.iter_mut().map(|a| (a, num_episodes, "episodes")))
        {
            let len = array.shape()[0];
            if len < committed {
                return Err(StoreError::Corrupt {
                    path: root,
                    why: format!(
                        "{} holds {len} {what} but episode_ends commits {committed}",
                        array.path()
                    ),
                });
            }
            if len > committed {
                if what == "steps" {
                    dropped_steps = dropped_steps.max(len - committed);
                }
                truncate(array, committed)?;
            }
        }
        if dropped_steps > 0 {
            notes.push(format!(
                "dropped {dropped_steps} steps of an episode whose commit was interrupted"
            ));
        }
        let temporaries = remove_temporaries(&root).map_err(|e| io(&root, e))?;
        if temporaries > 0 {
            notes.push(format!(
                "removed {temporaries} half-written temporary files"
            ));
        }
        let repair_note = (!notes.is_empty()).then(|| {
            format!(
                "{}: repaired after an interrupted write: {}; all {num_episodes} committed episodes are intact",
                root.display(),
                notes.join("; ")
            )
        });
        Ok(Self {
            root,
            storage,
            schema,
            steps,
            episodes,
            ends,
            num_steps,
            num_episodes,
            repair_note,
            pause_in_commit: pause_hook(),
            _lock: lock,
        })
    }

    /// Opens the store at `path` if there is one (its schema must be `schema`), else creates it.
    pub fn open_or_create(
        path: impl AsRef<Path>,
        schema: Schema,
        options: StoreOptions,
    ) -> Result<Self, StoreError> {
        if !path.as_ref().join("zarr.json").exists() {
            return Self::create(path, schema, options);
        }
        let writer = Self::open(path)?;
        if writer.schema != schema {
            return Err(StoreError::BadRequest(format!(
                "{} holds other fields than this run records: stored {:?}, new {:?}",
                writer.root.display(),
                names(&writer.schema),
                names(&schema)
            )));
        }
        Ok(writer)
    }

    /// What opening repaired, if the last writer was interrupted mid-commit.
    pub fn repair_note(&self) -> Option<&str> {
        self.repair_note.as_deref()
    }

    /// The fields the store holds.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The store's directory.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// Steps committed to the store, earlier writers' included.
    pub fn num_steps(&self) -> u64 {
        self.num_steps
    }

    /// Episodes committed to the store, earlier writers' included.
    pub fn num_episodes(&self) -> u64 {
        self.num_episodes
    }

    /// Bytes this writer has written to disk (compressed chunks and metadata).
    pub fn bytes_written(&self) -> u64 {
        self.storage.bytes_written()
    }

    /// Appends `episode` and commits it; returns its index. On error nothing is committed and
    /// the store reads as before.
    pub fn append_episode(&mut self, episode: &EpisodeBuffer) -> Result<u64, StoreError> {
        if episode.schema() != &self.schema {
            return Err(StoreError::BadEpisode(
                "the episode was recorded for another store's fields".into(),
            ));
        }
        if episode.is_empty() {
            return Err(StoreError::BadEpisode(
                "an episode needs at least one step".into(),
            ));
        }
        let n = episode.len() as u64;
        let (t0, e0) = (self.num_steps, self.num_episodes);
        // Data first, then lengths, then the commit record: a crash anywhere before the last
        // write leaves the store as it was (plus a tail the next writer truncates).
        for (array, column) in self.steps.iter_mut().zip(&episode.steps) {
            append_rows(array, t0, n, column)?;
        }
        for (i, array) in self.episodes.iter_mut().enumerate() {
            append_rows(array, e0, 1, &episode.episode_row(i))?;
        }
        for array in self.steps.iter().chain(&self.episodes) {
            array.store_metadata().map_err(zarr_err)?;
        }
        if let Some((at, flag)) = &self.pause_in_commit
            && *at == e0
        {
            // A crash test kills the process here, between the data and the commit record.
            let _ = std::fs::write(flag, format!("{e0}"));
            std::thread::sleep(std::time::Duration::from_secs(600));
        }
        append_rows(&mut self.ends, e0, 1, &Column::U64(vec![t0 + n]))?;
        self.ends.store_metadata().map_err(zarr_err)?;
        self.num_steps = t0 + n;
        self.num_episodes = e0 + 1;
        Ok(e0)
    }
}

fn names(schema: &Schema) -> Vec<&str> {
    schema
        .steps
        .iter()
        .chain(&schema.episodes)
        .map(|f| f.name.as_str())
        .collect()
}

/// `BYFEEL_STORE_TEST_PAUSE_IN_COMMIT=EPISODE:FLAG_FILE`, for crash tests only.
fn pause_hook() -> Option<(u64, PathBuf)> {
    let v = std::env::var("BYFEEL_STORE_TEST_PAUSE_IN_COMMIT").ok()?;
    let (at, flag) = v.split_once(':')?;
    Some((at.parse().ok()?, PathBuf::from(flag)))
}

fn io(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Takes the writer lock, or says who holds it.
fn lock(root: &Path) -> Result<File, StoreError> {
    let path = root.join(LOCK_FILE);
    let mut file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| io(&path, e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            return Err(StoreError::Locked {
                path: root.to_path_buf(),
                holder: if holder.trim().is_empty() {
                    "another process".into()
                } else {
                    holder.trim().to_string()
                },
            });
        }
        Err(TryLockError::Error(e)) => return Err(io(&path, e)),
    }
    let _ = file.set_len(0);
    let _ = file.rewind();
    let _ = write!(file, "process {}", std::process::id());
    Ok(file)
}

/// The store's schema and its group attributes.
pub(crate) fn read_schema<S: ?Sized + zarrs::storage::ReadableStorageTraits + 'static>(
    root: &Path,
    storage: Arc<S>,
) -> Result<(Schema, serde_json::Map<String, serde_json::Value>), StoreError> {
    let not_store = |why: String| StoreError::NotAStore {
        path: root.to_path_buf(),
        why,
    };
    let group = Group::open(storage, "/").map_err(|e| not_store(e.to_string()))?;
    let byfeel = group
        .attributes()
        .get("byfeel")
        .ok_or_else(|| not_store("the group has no \"byfeel\" attribute".into()))?;
    let format = byfeel.get("format").and_then(|f| f.as_u64());
    if format != Some(FORMAT_VERSION) {
        return Err(not_store(format!(
            "layout version {format:?}; this byfeel reads version {FORMAT_VERSION}"
        )));
    }
    let schema: Schema = serde_json::from_value(byfeel["schema"].clone())
        .map_err(|e| not_store(format!("bad schema attribute: {e}")))?;
    schema.check().map_err(|e| not_store(e.to_string()))?;
    Ok((schema, group.attributes().clone()))
}

/// The committed `episode_ends`, checked to rise.
pub(crate) fn read_ends<S: ?Sized + zarrs::storage::ReadableStorageTraits + 'static>(
    root: &Path,
    ends: &Array<S>,
) -> Result<Vec<u64>, StoreError> {
    let e = ends.shape()[0];
    let values: Vec<u64> = if e == 0 {
        Vec::new()
    } else {
        ends.retrieve_array_subset::<Vec<u64>>(&[0..e])
            .map_err(|err| StoreError::Corrupt {
                path: root.to_path_buf(),
                why: format!("episode_ends: {err}"),
            })?
    };
    if values.windows(2).any(|w| w[1] <= w[0]) || values.first() == Some(&0) {
        return Err(StoreError::Corrupt {
            path: root.to_path_buf(),
            why: "episode_ends does not rise".into(),
        });
    }
    Ok(values)
}

/// Steps of at least this many bytes are stored one compressed step per inner chunk.
pub const SHARD_ROW_BYTES: usize = 1024;

/// How one array is cut along time.
#[derive(Debug, Clone, Copy)]
enum Layout {
    /// Rows per chunk.
    Chunked(u64),
    /// Rows per shard, one row per inner chunk.
    Sharded(u64),
}

impl Layout {
    fn for_field(field: &Field, kind: &str, options: &StoreOptions) -> Self {
        let rows = (options.chunk_bytes / field.row_bytes()).max(1);
        let rows = (1u64 << rows.ilog2()).min(1 << 16);
        if kind == "step" && field.row_bytes() >= SHARD_ROW_BYTES && rows > 1 {
            Layout::Sharded(rows)
        } else {
            Layout::Chunked(rows)
        }
    }
}

fn new_array(
    storage: &Arc<Storage>,
    field: &Field,
    kind: &str,
    layout: Layout,
    level: i32,
) -> Result<Array<Storage>, StoreError> {
    let mut shape = vec![0u64];
    shape.extend(field.shape.iter().map(|&d| d as u64));
    let (Layout::Chunked(rows) | Layout::Sharded(rows)) = layout;
    let mut chunk = vec![rows];
    chunk.extend(field.shape.iter().map(|&d| d as u64));
    let mut builder = match field.dtype {
        FieldDtype::U8 => ArrayBuilder::new(shape, chunk, data_type::uint8(), 0u8),
        FieldDtype::F32 => ArrayBuilder::new(shape, chunk, data_type::float32(), 0f32),
        FieldDtype::U64 => ArrayBuilder::new(shape, chunk, data_type::uint64(), 0u64),
    };
    let mut dims = vec![if kind == "episode" { "episode" } else { "step" }.to_string()];
    dims.extend((1..=field.shape.len()).map(|i| format!("axis{i}")));
    builder
        .bytes_to_bytes_codecs(vec![Arc::new(ZstdCodec::new(level, true))])
        .dimension_names(Some(dims));
    if let Layout::Sharded(_) = layout {
        let mut inner = vec![1u64];
        inner.extend(field.shape.iter().map(|&d| d as u64));
        builder.subchunk_shape(inner);
    }
    let mut attributes = serde_json::Map::new();
    attributes.insert("kind".into(), kind.into());
    if !field.columns.is_empty() {
        attributes.insert("columns".into(), serde_json::json!(field.columns));
    }
    builder.attributes(attributes);
    let array = builder
        .build(storage.clone(), &format!("/{}", field.name))
        .map_err(zarr_err)?;
    array.store_metadata().map_err(zarr_err)?;
    Ok(array)
}

/// Writes `n` rows at `start`, growing the array (in memory: the caller stores the metadata).
fn append_rows(
    array: &mut Array<Storage>,
    start: u64,
    n: u64,
    column: &Column,
) -> Result<(), StoreError> {
    let mut shape = array.shape().to_vec();
    shape[0] = start + n;
    array.set_shape(shape.clone()).map_err(zarr_err)?;
    let mut subset = vec![start..start + n];
    subset.extend(shape[1..].iter().map(|&d| 0..d));
    match column {
        Column::U8(v) => array.store_array_subset(&subset, v.as_slice()),
        Column::F32(v) => array.store_array_subset(&subset, v.as_slice()),
        Column::U64(v) => array.store_array_subset(&subset, v.as_slice()),
    }
    .map_err(zarr_err)
}

/// Cuts an array back to `len` rows (rows past it are an interrupted commit's).
fn truncate(array: &mut Array<Storage>, len: u64) -> Result<(), StoreError> {
    let mut shape = array.shape().to_vec();
    shape[0] = len;
    array.set_shape(shape).map_err(zarr_err)?;
    array.store_metadata().map_err(zarr_err)
}
