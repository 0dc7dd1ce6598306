//! What every training run's directory shares: logs that a resume continues without repeats,
//! and a `checkpoint/` that is swapped in whole, so a run killed at any moment keeps one.

use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{AgentError, io_error as io};

/// The random stream of one epoch. Each epoch draws from its own seed, so a resumed run draws
/// exactly what an unbroken one would.
pub(crate) fn epoch_rng(seed: u64, epoch: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ (epoch as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// Keeps the first `keep` lines of the log at `path` (writing `header` into an empty one) and
/// opens it for appending: a resumed run rewrites the epochs its checkpoint does not cover.
pub(crate) fn reopen_log(
    path: &Path,
    keep: usize,
    header: Option<&str>,
) -> Result<std::fs::File, AgentError> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let mut text: String = old.lines().take(keep).map(|l| format!("{l}\n")).collect();
    if text.is_empty() {
        if let Some(h) = header {
            text = format!("{h}\n");
        }
    }
    std::fs::write(path, text).map_err(|e| io(path, e))?;
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| io(path, e))
}

/// An empty `run/checkpoint.tmp/` to write a new checkpoint into before
/// [`commit_checkpoint`] swaps it in.
pub(crate) fn begin_checkpoint(run: &Path) -> Result<PathBuf, AgentError> {
    let tmp = run.join("checkpoint.tmp");
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| io(&tmp, e))?;
    }
    std::fs::create_dir_all(&tmp).map_err(|e| io(&tmp, e))?;
    Ok(tmp)
}

/// Writes the loop's `state` into `checkpoint.tmp/` (last, as the mark of a whole checkpoint)
/// and makes it the run's `checkpoint/`. The previous one is kept as `checkpoint.old/` until the
/// new one is in place.
pub(crate) fn commit_checkpoint(run: &Path, state: &impl Serialize) -> Result<(), AgentError> {
    let tmp = run.join("checkpoint.tmp");
    let json = serde_json::to_string_pretty(state).map_err(|e| io(&tmp, e))?;
    write(&tmp, "state.json", json.as_bytes())?;
    let (current, old) = (run.join("checkpoint"), run.join("checkpoint.old"));
    if current.exists() {
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(|e| io(&old, e))?;
        }
        std::fs::rename(&current, &old).map_err(|e| io(&current, e))?;
    }
    std::fs::rename(&tmp, &current).map_err(|e| io(&tmp, e))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|e| io(&old, e))?;
    }
    Ok(())
}

/// The checkpoint to resume from, if the run has one, with its `state.json` read:
/// `checkpoint/`, or `checkpoint.old/` when a save was cut short between its two renames. A
/// checkpoint counts once its `state.json`, written last, is there.
pub(crate) fn open_checkpoint<S: DeserializeOwned>(
    run: &Path,
) -> Result<Option<(PathBuf, S)>, AgentError> {
    let Some(dir) = ["checkpoint", "checkpoint.old"]
        .iter()
        .map(|n| run.join(n))
        .find(|p| p.join("state.json").exists())
    else {
        return Ok(None);
    };
    let state = serde_json::from_slice(&read(&dir, "state.json")?)
        .map_err(|e| io(&dir.join("state.json"), e))?;
    Ok(Some((dir, state)))
}

/// The environment steps a run's checkpoint holds (None if it has none yet): where training
/// into `run` would resume from.
pub fn checkpoint_steps(run: &Path) -> Option<usize> {
    let (_, state) = open_checkpoint::<serde_json::Value>(run).ok()??;
    state.get("env_steps")?.as_u64().map(|n| n as usize)
}

/// The bytes of `dir/name`, an error naming the file if they cannot be read.
pub(crate) fn read(dir: &Path, name: &str) -> Result<Vec<u8>, AgentError> {
    let p = dir.join(name);
    std::fs::read(&p).map_err(|e| io(&p, e))
}

/// Writes `bytes` to `dir/name`, an error naming the file if they cannot be written.
pub(crate) fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), AgentError> {
    let p = dir.join(name);
    std::fs::write(&p, bytes).map_err(|e| io(&p, e))
}

/// Refuses to go on with `run` under settings other than the ones in its `file` (when it has
/// one): only the run's length, which `same_length` copies over, may change on resume.
pub(crate) fn refuse_other_settings<C: PartialEq + DeserializeOwned>(
    run: &Path,
    file: &str,
    config: &C,
    same_length: impl FnOnce(C) -> C,
) -> Result<(), AgentError> {
    let path = run.join(file);
    if !path.exists() {
        return Ok(());
    }
    let old: C = serde_json::from_slice(&read(run, file)?).map_err(|e| io(&path, e))?;
    if same_length(old) != *config {
        return Err(AgentError::Config(format!(
            "{} holds a run with other settings (only --env-steps may change on resume); choose a new run directory",
            run.display()
        )));
    }
    Ok(())
}
