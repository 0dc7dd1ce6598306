//! The door family (`assets/scenes/door-family.toml`) and its fixed split: door `N` is the
//! family's scene built with seed `N`. Seeds below [`HELD_OUT_FROM`] are training doors;
//! seeds from it on are held out, for evaluation only: training entry points refuse them, so
//! that a result on held-out doors is a result on doors the agent never practised on.

/// The family's scene file, by name (`assets/scenes/door-family.toml`).
pub const FAMILY_SCENE: &str = "door-family";

/// The first held-out door. Held-out evaluations use [`held_out_doors`].
pub const HELD_OUT_FROM: u64 = 1_000_000;

/// Whether door `seed` is held out from training.
pub fn is_held_out(seed: u64) -> bool {
    seed >= HELD_OUT_FROM
}

/// The first `count` training doors: seeds 0, 1, 2, ….
pub fn training_doors(count: usize) -> Vec<u64> {
    (0..count as u64).collect()
}

/// The first `count` held-out doors: seeds 1 000 000, 1 000 001, ….
pub fn held_out_doors(count: usize) -> Vec<u64> {
    (HELD_OUT_FROM..HELD_OUT_FROM + count as u64).collect()
}

/// Refuses held-out doors for training, naming them.
pub fn check_training_doors(doors: &[u64]) -> Result<(), String> {
    let held: Vec<u64> = doors.iter().copied().filter(|&d| is_held_out(d)).collect();
    if held.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "doors {held:?} are held out (seeds from {HELD_OUT_FROM} on are for evaluation \
             only): train on doors below {HELD_OUT_FROM}"
        ))
    }
}
