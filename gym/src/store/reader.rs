//! Reading a store: whole episodes, or random batches of steps for training, while a writer may
//! be appending.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rand::Rng;
use rayon::prelude::*;
use zarrs::array::Array;
use zarrs::filesystem::FilesystemStore;

use super::cache::{Cached, ChunkCache};
use super::writer::{read_ends, read_schema};
use super::{Column, EPISODE_ENDS, FieldDtype, Schema, StepSampler, StoreError, zarr_err};

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

/// Steps drawn for training: `fields` hold `indices.len()` rows each, in draw order.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Step indices in the store.
    pub indices: Vec<u64>,
    /// The episode each step belongs to.
    pub episodes: Vec<u64>,
    pub fields: Vec<(String, Column)>,
}

impl Batch {
    pub fn get(&self, name: &str) -> Option<&Column> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }
}

/// A read-only view of a store; takes no lock, so it may share the store with its writer.
pub struct StoreReader {
    root: PathBuf,
    storage: Arc<Storage>,
    schema: Schema,
    steps: Vec<Array<Storage>>,
    rows_per_chunk: Vec<u64>,
    episode_rows: Vec<Column>,
    ends: Vec<u64>,
    uncommitted: u64,
    cache: Mutex<ChunkCache>,
}

impl StoreReader {
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, ReaderOptions::default())
    }

    pub fn open_with(path: impl AsRef<Path>, options: ReaderOptions) -> Result<Self, StoreError> {
        let root = path.as_ref().to_path_buf();
        if !root.join("zarr.json").exists() {
            return Err(StoreError::NotAStore {
                path: root,
                why: "no zarr.json".into(),
            });
        }
        let storage = Arc::new(FilesystemStore::new(&root).map_err(zarr_err)?);
        let schema = read_schema(&root, storage.clone())?;
        let mut reader = Self {
            root,
            storage,
            rows_per_chunk: Vec::new(),
            steps: Vec::new(),
            episode_rows: Vec::new(),
            ends: Vec::new(),
            uncommitted: 0,
            cache: Mutex::new(ChunkCache::new(options.cache_bytes)),
            schema,
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
            rows_per_chunk.push(
                array
                    .chunk_shape(&vec![0; array.dimensionality()])
                    .map_err(zarr_err)?[0]
                    .get(),
            );
            steps.push(array);
        }
        let mut episode_rows = Vec::new();
        for f in &self.schema.episodes {
            let array = self.open_array(&f.name)?;
            if array.shape()[0] < e {
                return Err(self.corrupt(format!(
                    "{} holds {} episodes but episode_ends commits {e}",
                    f.name,
                    array.shape()[0]
                )));
            }
            episode_rows.push(read_rows(&array, f.dtype, 0..e).map_err(|err| self.corrupt(err))?);
        }
        let new = e.saturating_sub(self.ends.len() as u64);
        self.steps = steps;
        self.rows_per_chunk = rows_per_chunk;
        self.episode_rows = episode_rows;
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

    pub fn path(&self) -> &Path {
        &self.root
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    pub fn num_steps(&self) -> u64 {
        self.ends.last().copied().unwrap_or(0)
    }

    pub fn num_episodes(&self) -> u64 {
        self.ends.len() as u64
    }

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
        for (f, rows) in self.schema.episodes.iter().zip(&self.episode_rows) {
            let n = f.row_len();
            out.push((f.name.clone(), rows.slice(e as usize * n, n)));
        }
        Ok(out)
    }

    /// Every committed row of an episode field.
    pub fn episode_field(&self, name: &str) -> Result<&Column, StoreError> {
        self.schema
            .episodes
            .iter()
            .position(|f| f.name == name)
            .map(|i| &self.episode_rows[i])
            .ok_or_else(|| StoreError::BadRequest(format!("no episode field {name:?}")))
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
        let row = field.row_len();
        let rows = self.rows_per_chunk[fi];
        let mut out = zeros(field.dtype, indices.len() * row);
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
                    copy_row(&mut out, p * row, chunk, r * row, row);
                }
            }
        }
        Ok(out)
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
        indices[0] = c;
        let column = Arc::new(
            match self.schema.steps[fi].dtype {
                FieldDtype::U8 => array.retrieve_chunk::<Vec<u8>>(&indices).map(Column::U8),
                FieldDtype::F32 => array.retrieve_chunk::<Vec<f32>>(&indices).map(Column::F32),
                FieldDtype::U64 => array.retrieve_chunk::<Vec<u64>>(&indices).map(Column::U64),
            }
            .map_err(|e| self.corrupt(format!("{} chunk {c}: {e}", self.schema.steps[fi].name)))?,
        );
        self.cache.lock().unwrap().insert(
            fi,
            c,
            Cached {
                column: column.clone(),
                valid_rows: valid,
            },
        );
        Ok(column)
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

fn zeros(dtype: FieldDtype, len: usize) -> Column {
    match dtype {
        FieldDtype::U8 => Column::U8(vec![0; len]),
        FieldDtype::F32 => Column::F32(vec![0.0; len]),
        FieldDtype::U64 => Column::U64(vec![0; len]),
    }
}

fn copy_row(dst: &mut Column, at: usize, src: &Column, from: usize, len: usize) {
    match (dst, src) {
        (Column::U8(d), Column::U8(s)) => d[at..at + len].copy_from_slice(&s[from..from + len]),
        (Column::F32(d), Column::F32(s)) => d[at..at + len].copy_from_slice(&s[from..from + len]),
        (Column::U64(d), Column::U64(s)) => d[at..at + len].copy_from_slice(&s[from..from + len]),
        _ => unreachable!("a field's chunks have its dtype"),
    }
}
