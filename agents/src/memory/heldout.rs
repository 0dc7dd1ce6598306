//! The memory as a forward model, measured on held-out episodes: for a press and an action,
//! the press stored after the nearest stored press's most similar action.

use byfeel_gym::STAY;
use byfeel_gym::store::{Column, StoreReader};
use serde::Serialize;

use super::model::{MemoryConfig, ReplayMemory, distance, held_out_transitions};
use crate::AgentError;

/// Column of the store's die oracle that holds the face up.
const FACE_UP_COLUMN: usize = 5;

/// The transition whose outcome the memory predicts for `action` from the press `z`: among the
/// `first` stored rolls that begin nearest `z`, the one whose action is most like `action`
/// (for a push, the nearest in direction; for no push, one that pushed nothing). `None` if
/// none of them acted alike.
pub fn predict(memory: &ReplayMemory, first: usize, z: &[f32], action: [f32; 2]) -> Option<usize> {
    let starts = memory.start_distances(z);
    let mut order: Vec<usize> = (0..starts.len()).collect();
    let first = first.clamp(1, order.len());
    order.select_nth_unstable_by(first - 1, |&a, &b| starts[a].total_cmp(&starts[b]));
    order.truncate(first);
    let length = |a: [f32; 2]| (a[0] * a[0] + a[1] * a[1]).sqrt();
    let pushes = length(action) >= STAY;
    let angle = |a: [f32; 2]| a[1].atan2(a[0]);
    let turn = |a: [f32; 2]| {
        let d = (angle(a) - angle(action)).rem_euclid(std::f32::consts::TAU);
        d.min(std::f32::consts::TAU - d)
    };
    order
        .into_iter()
        .filter(|&j| (length(memory.transitions[j].action) >= STAY) == pushes)
        .min_by(|&a, &b| {
            let key = |j: usize| {
                let t = memory.transitions[j].action;
                if pushes { turn(t) } else { starts[j] }
            };
            key(a).total_cmp(&key(b))
        })
}

/// Held-out prediction of the next press.
#[derive(Debug, Clone, Serialize)]
pub struct MemoryHeldOut {
    /// Held-out rolls measured.
    pub transitions: usize,
    /// Mean squared embedding distance from the predicted to the actual next press.
    pub error: f64,
    /// The same for repeating the press before the action.
    pub repeat_error: f64,
    /// Predicted presses that show the face the die really showed next (simulator oracle,
    /// for measurement only), and those of pushes that changed the face.
    pub face_right: usize,
    /// Held-out rolls after which the face up had changed.
    pub rolled: usize,
    /// Of those, predictions that showed the new face.
    pub rolled_right: usize,
}

/// Measures [`predict`] on up to `limit` transitions of the episodes `config.holdout` left out
/// of the memory (the store must be the one it was built from).
pub fn held_out(
    memory: &ReplayMemory,
    config: &MemoryConfig,
    first: usize,
    reader: &StoreReader,
    limit: usize,
) -> Result<MemoryHeldOut, AgentError> {
    let ends = reader.episode_ends().to_vec();
    let steps = ends.last().copied().unwrap_or(0);
    let Column::F32(actions) = reader.read_steps("action", 0..steps)? else {
        return Err(AgentError::Config("the store's actions are not f32".into()));
    };
    let Column::F32(oracle) = reader.read_steps("oracle", 0..steps)? else {
        return Err(AgentError::Config("the store has no f32 oracle".into()));
    };
    let width = oracle.len() / (steps as usize).max(1);
    let face = |t: u32| oracle[t as usize * width + FACE_UP_COLUMN].round() as i32;
    let mut list = held_out_transitions(&ends, &actions, config.holdout);
    let stride = (list.len() / limit.max(1)).max(1);
    list = list.into_iter().step_by(stride).take(limit).collect();
    let e = &memory.embedding;
    let image = |t: u32| -> Result<Vec<u8>, AgentError> {
        match reader.read_steps("tactile", t as u64..t as u64 + 1)? {
            Column::U8(v) => Ok(v),
            _ => Err(AgentError::Config("the store's gel images are not u8".into())),
        }
    };
    let mut out = MemoryHeldOut {
        transitions: 0,
        error: 0.0,
        repeat_error: 0.0,
        face_right: 0,
        rolled: 0,
        rolled_right: 0,
    };
    for t in &list {
        let (z, next) = (e.embed(&image(t.start)?)?, e.embed(&image(t.end)?)?);
        let predicted = predict(memory, first, &z, t.action)
            .map(|j| memory.transitions[j].end)
            .map(|f| (memory.frame(f).to_vec(), Some(f)))
            .unwrap_or((z.clone(), None));
        out.transitions += 1;
        out.error += distance(&predicted.0, &next) as f64;
        out.repeat_error += distance(&z, &next) as f64;
        let right = match predicted.1 {
            Some(f) => memory_face(reader, f, width)? == face(t.end),
            None => face(t.start) == face(t.end),
        };
        out.face_right += right as usize;
        if face(t.start) != face(t.end) {
            out.rolled += 1;
            out.rolled_right += right as usize;
        }
    }
    let n = out.transitions.max(1) as f64;
    out.error /= n;
    out.repeat_error /= n;
    Ok(out)
}

/// The face up at stored press `f` (memory frames are the store's steps, in order).
fn memory_face(reader: &StoreReader, f: u32, width: usize) -> Result<i32, AgentError> {
    match reader.read_steps("oracle", f as u64..f as u64 + 1)? {
        Column::F32(v) if v.len() == width => Ok(v[FACE_UP_COLUMN].round() as i32),
        _ => Err(AgentError::Config("the store's oracle changed shape".into())),
    }
}
