//! `byfeel eval` on a memory run: the held-out prediction section of the report.

use std::path::Path;

use byfeel::agents::memory::{self, MemoryAgent};
use byfeel::gym::store::StoreReader;

use super::Error;

/// The memory's held-out prediction of the next press, as a report section.
pub fn prediction_section(run: &Path, limit: usize) -> Result<String, Error> {
    let agent = MemoryAgent::load(run)?;
    if agent.spec.config.holdout == 0 {
        println!("held-out prediction skipped: the memory was built from every episode (--holdout 0)");
        return Ok("## Prediction\n\nNot measured: the memory was built from every episode of its store \
                   (`--holdout 0`), so none is left to predict.\n\n"
            .into());
    }
    let reader = match StoreReader::open(&agent.spec.store) {
        Ok(reader) => reader,
        Err(e) => {
            // A shipped memory travels without its store; the plans do not need it.
            println!(
                "held-out prediction skipped: the store this memory was built from ({}) is not here ({e})",
                agent.spec.store.display()
            );
            return Ok(format!(
                "## Prediction

Not measured: the store this memory was built from (`{}`) is not here.

",
                agent.spec.store.display()
            ));
        }
    };
    let h = memory::held_out(&agent.memory, &agent.spec.config, agent.search.first, &reader, limit)?;
    println!(
        "held-out prediction over {} rolls: embedding error {:.0} (repeating the press: {:.0}); predicted press shows the next face {} of {} ({} of {} rolls that changed it)",
        h.transitions, h.error, h.repeat_error, h.face_right, h.transitions, h.rolled_right, h.rolled
    );
    Ok(format!(
        "## Prediction (held-out episodes)\n\n\
         | rolls | embedding error | repeating the press | predicted press shows the next face | of the rolls that changed it |\n\
         |---|---|---|---|---|\n\
         | {} | {:.0} | {:.0} | {} of {} | {} of {} |\n\n\
         The memory predicts a roll's outcome as the press stored after the nearest stored press's \
         most similar action; faces come from the simulator, for this measurement only.\n\n",
        h.transitions, h.error, h.repeat_error, h.face_right, h.transitions, h.rolled_right, h.rolled
    ))
}
