//! Reading a store: whole episodes, or random batches of steps for training, while a writer may
//! be appending.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rand::Rng;
use rayon::prelude::*;
use zarrs::array::{
    Array, ArrayBytes, ArrayShardedExt, ArrayShardedReadableExt, ArrayShardedReadableExtCache,
    CodecOptions,
};
use zarrs::filesystem::{FilesystemStore, FilesystemStoreOptions};

use super::cache::{Cached, ChunkCache};
use super::shard_reader::{ShardReader, open_files_to_keep};
use super::writer::{read_ends, read_schema};
use super::{Batch, Column, EPISODE_ENDS, FieldDtype, Schema, StepSampler, StoreError, zarr_err};

type Storage = FilesystemStore;

/// How a reader reads.
#[derive(Debug, Clone)]
pub struct ReaderOptions {
    /// Decoded chunks kept in memory, in bytes: the bound on a reader's memory.
    pub cache_bytes: usize,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        Self {
            cache_bytes: 256 << 20,
        }
    }
}

/// A sharded field's fast path: shards that are complete never change, so their files stay
/// open and their indexes are kept.
struct Sharded {
    array: Array<Storage>,
    index: ArrayShardedReadableExtCache,
    shard_rows: u64,
    /// byfeel's own shard layout, read without zarrs (see `shard_reader`).
    fast: Option<ShardReader>,
}

/// Shard indexes kept before the index cache starts over (about 1 KiB each).
const MAX_SHARD_INDEXES: usize = 4096;

/// A read-only view of a store; takes no lock, so it may share the store with its writer.
pub struct StoreReader {
    root: PathBuf,
    /// Opens every file afresh: the writer replaces files that are still growing.
    storage: Arc<Storage>,
    /// Keeps files open: only for shards that are complete.
    handles: Arc<Storage>,
    schema: Schema,
    attributes: serde_json::Map<String, serde_json::Value>,
    steps: Vec<Array<Storage>>,
    sharded: Vec<Option<Sharded>>,
    /// Rows per cached unit: a chunk's rows, or 1 for sharded fields.
    rows_per_chunk: Vec<u64>,
    /// Small episode fields, all rows in memory; large ones (pictures) are read on demand.
    episode_rows: Vec<Option<Column>>,
    episode_arrays: Vec<Array<Storage>>,
    ends: Vec<u64>,
    uncommitted: u64,
    cache: Mutex<ChunkCache>,
}

impl StoreReader {
    /// Opens the store at `path` for reading, with the default 256 MiB chunk cache.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, ReaderOptions::default())
    }

    /// Opens the store at `path` for reading, with `options`.
    pub fn open_with(path: impl AsRef<Path>, options: ReaderOptions) -> Result<Self, StoreError> {
        let root = path.as_ref().to_path_buf();
        if !root.join("zarr.json").exists() {
            return Err(StoreError::NotAStore {
                path: root,
                why: "no zarr.json".into(),
            });
        }
        let storage = Arc::new(FilesystemStore::new(&root).map_err(zarr_err)?);
        let mut keep_open = FilesystemStoreOptions::default();
        keep_open.file_handle_cache_size(open_files_to_keep());
        let handles =
            Arc::new(FilesystemStore::new_with_options(&root, keep_open).map_err(zarr_err)?);
        let (schema, attributes) = read_schema(&root, storage.clone())?;
        let mut reader = Self {
            root,
            storage,
            handles,
            rows_per_chunk: Vec::new(),
            steps: Vec::new(),
            sharded: Vec::new(),
            episode_rows: Vec::new(),
            episode_arrays: Vec::new(),
            ends: Vec::new(),
            uncommitted: 0,
            cache: Mutex::new(ChunkCache::new(options.cache_bytes)),
            schema,
            attributes,
        };
        reader.refresh()?;
        Ok(reader)
    }

    /// Reads what the writer has committed since; returns how many episodes are new.
    pub fn refresh(&mut self) -> Result<u64, StoreError> {
        let ends_array = self.open_array(EPISODE_ENDS)?;
        let ends = read_ends(&self.root, &ends_array)?;
        let t = ends.last().copied().unwrap_or(0);
        let e = ends.len() as u64;
        let mut steps = Vec::with_capacity(self.schema.steps.len());
        let mut rows_per_chunk = Vec::new();
        let mut sharded = Vec::new();
        let mut uncommitted = 0;
        for f in &self.schema.steps {
            let array = self.open_array(&f.name)?;
            let len = array.shape()[0];
            if len < t {
                return Err(self.corrupt(format!(
                    "{} holds {len} steps but episode_ends commits {t}",
                    f.name
                )));
            }
            uncommitted = uncommitted.max(len - t);
            let chunk_rows = array
                .chunk_shape(&vec![0; array.dimensionality()])
                .map_err(zarr_err)?[0]
                .get();
            if array.is_sharded() && array.subchunk_shape().is_some_and(|s| s[0].get() == 1) {
                let fast = Array::open(self.handles.clone(), &format!("/{}", f.name))
                    .map_err(|e| self.corrupt(format!("array {}: {e}", f.name)))?;
                let reader = ShardReader::open(self.handles.clone(), &fast, f.row_bytes());
                sharded.push(Some(Sharded {
                    index: ArrayShardedReadableExtCache::new(&fast),
                    fast: reader,
                    array: fast,
                    shard_rows: chunk_rows,
                }));
                rows_per_chunk.push(1);
            } else {
                sharded.push(None);
                rows_per_chunk.push(chunk_rows);
            }
            steps.push(array);
        }
        let mut episode_rows = Vec::new();
        let mut episode_arrays = Vec::new();
        for f in &self.schema.episodes {
            let array = self.open_array(&f.name)?;
            if array.shape()[0] < e {
                return Err(self.corrupt(format!(
                    "{} holds {} episodes but episode_ends commits {e}",
                    f.name,
                    array.shape()[0]
                )));
            }
            episode_rows.push(if f.row_bytes() < super::SHARD_ROW_BYTES {
                // Committed rows never change: read only the new ones.
                let i = episode_rows.len();
                let known = (self.ends.len() as u64).min(e);
                let mut rows = match self.episode_rows.get(i) {
                    Some(Some(old)) => old.slice(0, known as usize * f.row_len()),
                    _ => Column::zeros(f.dtype, 0),
                };
                let start = if rows.is_empty() { 0 } else { known };
                if start < e {
                    let new =
                        read_rows(&array, f.dtype, start..e).map_err(|err| self.corrupt(err))?;
                    rows.extend(&new);
                }
                Some(rows)
            } else {
                None
            });
            episode_arrays.push(array);
        }
        let new = e.saturating_sub(self.ends.len() as u64);
        self.steps = steps;
        self.sharded = sharded;
        self.rows_per_chunk = rows_per_chunk;
        self.episode_rows = episode_rows;
        self.episode_arrays = episode_arrays;
        self.ends = ends;
        self.uncommitted = uncommitted;
        Ok(new)
    }

    fn open_array(&self, name: &str) -> Result<Array<Storage>, StoreError> {
        Array::open(self.storage.clone(), &format!("/{name}"))
            .map_err(|e| self.corrupt(format!("array {name}: {e}")))
    }

    fn corrupt(&self, why: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            path: self.root.clone(),
            why: why.into(),
        }
    }

    /// The store's directory.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The fields the store holds.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The group's attributes: what wrote the store (`task`, `step_seconds`, …) and `byfeel`.
    pub fn attributes(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.attributes
    }

    /// Steps in the committed episodes.
    pub fn num_steps(&self) -> u64 {
        self.ends.last().copied().unwrap_or(0)
    }

    /// Committed episodes.
    pub fn num_episodes(&self) -> u64 {
        self.ends.len() as u64
    }

    /// Where each committed episode ends: episode e is steps `ends[e-1]..ends[e]`.
    pub fn episode_ends(&self) -> &[u64] {
        &self.ends
    }

    /// Steps past the last committed episode, which this reader ignores: an episode being
    /// written, or one a crash interrupted.
    pub fn uncommitted_steps(&self) -> u64 {
        self.uncommitted
    }

    /// Steps of episode `e`.
    pub fn episode_range(&self, e: u64) -> Result<Range<u64>, StoreError> {
        if e >= self.num_episodes() {
            return Err(StoreError::BadRequest(format!(
                "episode {e} does not exist: the store holds {} episodes",
                self.num_episodes()
            )));
        }
        let start = if e == 0 { 0 } else { self.ends[e as usize - 1] };
        Ok(start..self.ends[e as usize])
    }

    /// The episode step `t` belongs to.
    pub fn episode_of(&self, t: u64) -> u64 {
        self.ends.partition_point(|&end| end <= t) as u64
    }

    /// Every field of episode `e`: step fields with a first axis of its length, then episode
    /// fields.
    pub fn episode(&self, e: u64) -> Result<Vec<(String, Column)>, StoreError> {
        let range = self.episode_range(e)?;
        let mut out = Vec::new();
        for f in &self.schema.steps {
            out.push((f.name.clone(), self.read_steps(&f.name, range.clone())?));
        }
        for (i, f) in self.schema.episodes.iter().enumerate() {
            let n = f.row_len();
            let row = match &self.episode_rows[i] {
                Some(rows) => rows.slice(e as usize * n, n),
                None => read_rows(&self.episode_arrays[i], f.dtype, e..e + 1)
                    .map_err(|err| self.corrupt(err))?,
            };
            out.push((f.name.clone(), row));
        }
        Ok(out)
    }

    /// Every committed row of an episode field.
    pub fn episode_field(&self, name: &str) -> Result<Column, StoreError> {
        let i = self
            .schema
            .episodes
            .iter()
            .position(|f| f.name == name)
            .ok_or_else(|| StoreError::BadRequest(format!("no episode field {name:?}")))?;
        match &self.episode_rows[i] {
            Some(rows) => Ok(rows.clone()),
            None => read_rows(
                &self.episode_arrays[i],
                self.schema.episodes[i].dtype,
                0..self.num_episodes(),
            )
            .map_err(|err| self.corrupt(err)),
        }
    }

    /// Consecutive steps of one field, straight from disk (not cached).
    pub fn read_steps(&self, name: &str, range: Range<u64>) -> Result<Column, StoreError> {
        let i = self.step_index(name)?;
        if range.end > self.num_steps() || range.start > range.end {
            return Err(StoreError::BadRequest(format!(
                "steps {range:?} are outside the {} committed steps",
                self.num_steps()
            )));
        }
        read_rows(&self.steps[i], self.schema.steps[i].dtype, range).map_err(|e| self.corrupt(e))
    }

    fn step_index(&self, name: &str) -> Result<usize, StoreError> {
        self.schema
            .steps
            .iter()
            .position(|f| f.name == name)
            .ok_or_else(|| {
                StoreError::BadRequest(format!(
                    "no step field {name:?}; the store has {:?}",
                    self.schema
                        .steps
                        .iter()
                        .map(|f| &f.name)
                        .collect::<Vec<_>>()
                ))
            })
    }

    /// Rows of one field at any steps, through the chunk cache; chunks are decoded in
    /// parallel, a bounded number at a time.
    pub fn gather(&self, name: &str, indices: &[u64]) -> Result<Column, StoreError> {
        let fi = self.step_index(name)?;
        let t = self.num_steps();
        if let Some(bad) = indices.iter().find(|&&i| i >= t) {
            return Err(StoreError::BadRequest(format!(
                "step {bad} is outside the {t} committed steps"
            )));
        }
        let field = &self.schema.steps[fi];
        if let Some(Sharded {
            fast: Some(fast),
            shard_rows,
            ..
        }) = &self.sharded[fi]
        {
            return self.gather_fast(fi, fast, *shard_rows, indices, t);
        }
        let row = field.row_len();
        let rows = self.rows_per_chunk[fi];
        let mut out = Column::zeros(field.dtype, indices.len() * row);
        // Positions grouped by chunk, so each chunk is decoded once per batch.
        let mut order: Vec<usize> = (0..indices.len()).collect();
        order.sort_unstable_by_key(|&p| indices[p]);
        let mut groups: Vec<(u64, Vec<usize>)> = Vec::new();
        for p in order {
            let c = indices[p] / rows;
            match groups.last_mut() {
                Some((last, ps)) if *last == c => ps.push(p),
                _ => groups.push((c, vec![p])),
            }
        }
        const AT_ONCE: usize = 128;
        for batch in groups.chunks(AT_ONCE) {
            let chunks: Vec<Arc<Column>> = batch
                .par_iter()
                .map(|(c, _)| self.chunk(fi, *c, t))
                .collect::<Result<_, _>>()?;
            for ((c, positions), chunk) in batch.iter().zip(&chunks) {
                for &p in positions {
                    let r = (indices[p] - c * rows) as usize;
                    out.copy_rows(p * row, chunk, r * row, row);
                }
            }
        }
        Ok(out)
    }

    /// Steps of complete shards are decoded straight into the batch, in parallel; steps of
    /// the last, growing shard go through the cache.
    fn gather_fast(
        &self,
        fi: usize,
        fast: &ShardReader,
        shard_rows: u64,
        indices: &[u64],
        t: u64,
    ) -> Result<Column, StoreError> {
        let field = &self.schema.steps[fi];
        let bytes = field.row_bytes();
        let complete = t / shard_rows * shard_rows;
        let mut raw = vec![0u8; indices.len() * bytes];
        raw.par_chunks_mut(bytes)
            .zip(indices.par_iter())
            .try_for_each(|(out, &i)| {
                if i < complete {
                    fast.read(i, out)
                        .map_err(|e| self.corrupt(format!("{} step {i}: {e}", field.name)))
                } else {
                    let column = self.chunk(fi, i, t)?;
                    out.copy_from_slice(&column.to_bytes());
                    Ok(())
                }
            })?;
        Ok(Column::from_bytes_owned(field.dtype, raw))
    }

    fn chunk(&self, fi: usize, c: u64, t: u64) -> Result<Arc<Column>, StoreError> {
        let rows = self.rows_per_chunk[fi];
        let valid = rows.min(t - c * rows);
        if let Some(hit) = self.cache.lock().unwrap().get(fi, c)
            && hit.valid_rows >= valid
        {
            return Ok(hit.column);
        }
        let array = &self.steps[fi];
        let mut indices = vec![0u64; array.dimensionality()];
        // Chunks are decoded in parallel already: one thread each.
        let one = CodecOptions::default().with_concurrent_target(1);
        let dtype = self.schema.steps[fi].dtype;
        let name = &self.schema.steps[fi].name;
        let keep = |column: &Arc<Column>, unit: u64, valid_rows: u64| {
            let cached = Cached {
                column: column.clone(),
                valid_rows,
            };
            self.cache.lock().unwrap().insert(fi, unit, cached);
        };
        let Some(sharded) = &self.sharded[fi] else {
            indices[0] = c;
            let column = Arc::new(
                decode(dtype, array.retrieve_chunk_opt(&indices, &one))
                    .map_err(|e| self.corrupt(format!("{name} chunk {c}: {e}")))?,
            );
            keep(&column, c, valid);
            return Ok(column);
        };
        // Sharded: c is a step.
        let shard = c / sharded.shard_rows;
        let start = shard * sharded.shard_rows;
        if start + sharded.shard_rows <= t {
            // A complete shard never changes: read just this step through its kept index.
            if sharded.index.len() > MAX_SHARD_INDEXES {
                sharded.index.clear();
            }
            indices[0] = c;
            let field = &self.schema.steps[fi];
            let column = if let Some(fast) = &sharded.fast {
                let mut raw = vec![0u8; field.row_bytes()];
                fast.read(c, &mut raw)
                    .map(|_| Column::from_bytes(dtype, &raw))
            } else {
                decode(
                    dtype,
                    sharded
                        .array
                        .retrieve_subchunk_opt(&sharded.index, &indices, &one),
                )
            };
            let column =
                Arc::new(column.map_err(|e| self.corrupt(format!("{name} step {c}: {e}")))?);
            keep(&column, c, 1);
            return Ok(column);
        }
        // The last shard may be replaced while we read: read it whole, in one go, and keep its
        // committed steps.
        indices[0] = shard;
        let whole = decode(dtype, array.retrieve_chunk_opt(&indices, &one))
            .map_err(|e| self.corrupt(format!("{name} shard {shard}: {e}")))?;
        let row = self.schema.steps[fi].row_len();
        let mut wanted = None;
        for step in start..t.min(start + sharded.shard_rows) {
            let column = Arc::new(whole.slice((step - start) as usize * row, row));
            keep(&column, step, 1);
            if step == c {
                wanted = Some(column);
            }
        }
        Ok(wanted.expect("c is a committed step of this shard"))
    }

    /// Bytes of decoded chunks held in memory now.
    pub fn cached_bytes(&self) -> usize {
        self.cache.lock().unwrap().bytes()
    }

    /// Draws `n` steps with `sampler` and gathers `fields` for them.
    pub fn sample(
        &self,
        fields: &[&str],
        n: usize,
        sampler: &StepSampler,
        rng: &mut impl Rng,
    ) -> Result<Batch, StoreError> {
        if sampler.len() != self.num_steps() {
            return Err(StoreError::BadRequest(format!(
                "the sampler covers {} steps but the store holds {} (make it again after refresh)",
                sampler.len(),
                self.num_steps()
            )));
        }
        if sampler.is_empty() {
            return Err(StoreError::BadRequest(
                "the store holds no steps yet".into(),
            ));
        }
        let indices: Vec<u64> = (0..n).map(|_| sampler.draw(rng)).collect();
        let episodes = indices.iter().map(|&t| self.episode_of(t)).collect();
        let fields = fields
            .iter()
            .map(|name| Ok((name.to_string(), self.gather(name, &indices)?)))
            .collect::<Result<_, StoreError>>()?;
        Ok(Batch {
            indices,
            episodes,
            fields,
        })
    }
}

fn read_rows(
    array: &Array<Storage>,
    dtype: FieldDtype,
    range: Range<u64>,
) -> Result<Column, String> {
    let mut subset = vec![range];
    subset.extend(array.shape()[1..].iter().map(|&d| 0..d));
    match dtype {
        FieldDtype::U8 => array
            .retrieve_array_subset::<Vec<u8>>(&subset)
            .map(Column::U8),
        FieldDtype::F32 => array
            .retrieve_array_subset::<Vec<f32>>(&subset)
            .map(Column::F32),
        FieldDtype::U64 => array
            .retrieve_array_subset::<Vec<u64>>(&subset)
            .map(Column::U64),
    }
    .map_err(|e| format!("{}: {e}", array.path()))
}

/// A zarrs retrieval as a column of the field's element type.
fn decode(
    dtype: FieldDtype,
    bytes: Result<ArrayBytes<'static>, zarrs::array::ArrayError>,
) -> Result<Column, String> {
    let bytes = bytes.map_err(|e| e.to_string())?;
    let raw = bytes.into_fixed().map_err(|e| e.to_string())?;
    Ok(Column::from_bytes(dtype, &raw))
}
