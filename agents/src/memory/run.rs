//! A memory run directory: `memory.json` (what it was built from and how it plans) and
//! `memory.bin` (the embedding, the presses, the rolls and their continuations, little-endian).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use byfeel_gym::{ActionMode, Task};

use super::embedding::TouchEmbedding;
use super::model::{MemoryConfig, ReplayMemory, Transition};
use super::search::SearchConfig;
use crate::{AgentError, io_error as io, write_replacing};

/// The spec file of a memory run.
pub const MEMORY_SPEC_FILE: &str = "memory.json";
const DATA_FILE: &str = "memory.bin";
const MAGIC: &[u8; 8] = b"BFMEM001";

/// What a memory run records about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemorySpec {
    /// Task name (`die-roll`).
    pub task: String,
    /// Action mode name (`roll`).
    pub actions: String,
    /// The store it was built from.
    pub store: PathBuf,
    /// How the memory was built.
    pub config: MemoryConfig,
    /// How the agent searches it.
    pub search: SearchConfig,
    /// Gel image height, pixels.
    pub height: usize,
    /// Gel image width, pixels.
    pub width: usize,
    /// Presses stored.
    pub frames: usize,
    /// Rolls stored.
    pub transitions: usize,
}

impl MemorySpec {
    /// The task named in the spec.
    pub fn task(&self) -> Result<Task, AgentError> {
        Task::from_name(&self.task)
            .ok_or_else(|| AgentError::Config(format!("memory.json: unknown task {:?}", self.task)))
    }

    /// The action mode named in the spec.
    pub fn action_mode(&self) -> Result<ActionMode, AgentError> {
        ActionMode::from_name(&self.actions).ok_or_else(|| {
            AgentError::Config(format!("memory.json: unknown actions {:?}", self.actions))
        })
    }
}

/// Whether `run` is a memory run.
pub fn is_memory_run(run: &Path) -> bool {
    run.join(MEMORY_SPEC_FILE).exists()
}

/// Reads a memory run's spec.
pub fn read_memory_spec(run: &Path) -> Result<MemorySpec, AgentError> {
    let path = run.join(MEMORY_SPEC_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| io(&path, e))
}

/// Builds a memory of `task`'s store `reader` (read from `data`, the path the spec records)
/// with `config`, planning with `search`, and saves it into `run`; `progress` hears each stage.
/// Only a die-roll store of roll actions makes a memory.
pub fn build(
    reader: &byfeel_gym::store::StoreReader,
    task: Task,
    data: &Path,
    run: &Path,
    (config, search): (MemoryConfig, SearchConfig),
    progress: impl FnMut(&str),
) -> Result<(MemorySpec, ReplayMemory), AgentError> {
    if task != Task::DieRoll || crate::world_model::store_actions(reader)? != ActionMode::Roll {
        return Err(AgentError::Config(
            "a replay memory is built from a die-roll store of roll actions \
             (`byfeel collect --task die-roll --actions roll`; in Python, collect(..., actions=\"roll\"))"
                .into(),
        ));
    }
    let memory = ReplayMemory::build(reader, &config, progress)?;
    let spec = MemorySpec {
        task: task.name().into(),
        actions: "roll".into(),
        store: data.to_path_buf(),
        config,
        search,
        height: memory.embedding.height,
        width: memory.embedding.width,
        frames: memory.frames.len() / memory.dims(),
        transitions: memory.transitions.len(),
    };
    save(run, &spec, &memory)?;
    Ok((spec, memory))
}

/// Writes the memory and its spec into `run` (created if missing), each file replaced whole.
pub fn save(run: &Path, spec: &MemorySpec, memory: &ReplayMemory) -> Result<(), AgentError> {
    std::fs::create_dir_all(run).map_err(|e| io(run, e))?;
    let e = &memory.embedding;
    let mut b = Vec::new();
    b.extend_from_slice(MAGIC);
    for n in [e.pool, e.dims(), memory.frames.len() / e.dims().max(1)] {
        b.extend_from_slice(&(n as u64).to_le_bytes());
    }
    b.extend_from_slice(&(memory.transitions.len() as u64).to_le_bytes());
    b.extend_from_slice(&(memory.neighbours as u64).to_le_bytes());
    let floats = |b: &mut Vec<u8>, v: &[f32]| v.iter().for_each(|x| b.extend_from_slice(&x.to_le_bytes()));
    floats(&mut b, &e.mean);
    floats(&mut b, &e.basis);
    // Presses as 16-bit integers on one scale: half the size, far finer than the distances
    // that separate two presses.
    let scale = memory.frames.iter().fold(0f32, |m, x| m.max(x.abs())).max(1e-6) / 32_000.0;
    floats(&mut b, &[scale]);
    for x in &memory.frames {
        b.extend_from_slice(&((x / scale).round() as i16).to_le_bytes());
    }
    for t in &memory.transitions {
        b.extend_from_slice(&t.start.to_le_bytes());
        b.extend_from_slice(&t.end.to_le_bytes());
        floats(&mut b, &t.action);
    }
    for (u, d) in &memory.continuations {
        b.extend_from_slice(&u.to_le_bytes());
        b.extend_from_slice(&d.to_le_bytes());
    }
    write_replacing(run, DATA_FILE, &b)?;
    let json = serde_json::to_string_pretty(spec).map_err(|e| io(run, e))?;
    write_replacing(run, MEMORY_SPEC_FILE, json.as_bytes())
}

/// Loads a memory run, checking that every index and size in it holds together.
pub fn load(run: &Path) -> Result<(MemorySpec, ReplayMemory), AgentError> {
    let spec = read_memory_spec(run)?;
    let path = run.join(DATA_FILE);
    let bytes = std::fs::read(&path).map_err(|e| io(&path, e))?;
    let bad = |why: &str| io(&path, format!("{why}: the memory is damaged; build it again"));
    let mut r = Reader { bytes: &bytes, at: 0 };
    if r.take(8).ok_or_else(|| bad("too short"))? != MAGIC {
        return Err(bad("not a byfeel memory"));
    }
    let mut header = [0usize; 5];
    for h in &mut header {
        *h = r.u64().ok_or_else(|| bad("too short"))? as usize;
    }
    let [pool, dims, frames, transitions, neighbours] = header;
    if pool == 0 || spec.height % pool != 0 || spec.width % pool != 0 || dims == 0 {
        return Err(bad("its sizes disagree with memory.json"));
    }
    let d = super::embedding::pooled_len(spec.height, spec.width, pool);
    let need = 8 + 40 + 4 * (d + dims * d + 1 + transitions * 4 + transitions * neighbours * 2)
        + 2 * frames * dims;
    if bytes.len() != need || frames != spec.frames || transitions != spec.transitions {
        return Err(bad(&format!("{} bytes where its header says {need}", bytes.len())));
    }
    let mut floats = |n: usize| r.floats(n).ok_or_else(|| bad("too short"));
    let embedding = TouchEmbedding {
        height: spec.height,
        width: spec.width,
        pool,
        mean: floats(d)?,
        basis: floats(dims * d)?,
    };
    let scale = floats(1)?[0];
    let frame_data: Vec<f32> = r
        .take(frames * dims * 2)
        .ok_or_else(|| bad("too short"))?
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]) as f32 * scale)
        .collect();
    let mut list = Vec::with_capacity(transitions);
    for _ in 0..transitions {
        let (start, end) = (r.u32().unwrap_or(u32::MAX), r.u32().unwrap_or(u32::MAX));
        let a = r.floats(2).ok_or_else(|| bad("too short"))?;
        if start as usize >= frames || end as usize >= frames || a.iter().any(|x| !x.is_finite()) {
            return Err(bad("a roll points outside the presses"));
        }
        list.push(Transition {
            start,
            end,
            action: [a[0], a[1]],
        });
    }
    let mut continuations = Vec::with_capacity(transitions * neighbours);
    for _ in 0..transitions * neighbours {
        let u = r.u32().unwrap_or(u32::MAX);
        let hop = r.floats(1).ok_or_else(|| bad("too short"))?[0];
        if u as usize >= transitions || !hop.is_finite() {
            return Err(bad("a continuation points outside the rolls"));
        }
        continuations.push((u, hop));
    }
    if frame_data.iter().chain(&embedding.mean).chain(&embedding.basis).any(|x| !x.is_finite()) {
        return Err(bad("it holds a number that is not finite"));
    }
    let memory = ReplayMemory {
        embedding,
        frames: frame_data,
        transitions: list,
        continuations,
        neighbours,
    };
    Ok((spec, memory))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let s = self.bytes.get(self.at..self.at + n)?;
        self.at += n;
        Some(s)
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn floats(&mut self, n: usize) -> Option<Vec<f32>> {
        let s = self.take(n.checked_mul(4)?)?;
        Some(s.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect())
    }
}
