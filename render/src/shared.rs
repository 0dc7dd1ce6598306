//! One renderer per process, shared by every simulated robot that reads a camera or the gel:
//! one device, one set of pipelines, however many environments.

use std::sync::{Arc, Mutex, OnceLock};

use crate::{RenderError, Renderer};

/// A renderer several owners draw with, one at a time.
pub type SharedRenderer = Arc<Mutex<Renderer>>;

static SHARED: OnceLock<Mutex<Option<SharedRenderer>>> = OnceLock::new();

/// The process's renderer, created on first use (see [`crate::GpuOptions`] for which adapter).
/// A failure is returned, not remembered: the next call tries again.
pub fn shared_renderer() -> Result<SharedRenderer, RenderError> {
    let slot = SHARED.get_or_init(|| Mutex::new(None));
    let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(r) = slot.as_ref() {
        return Ok(r.clone());
    }
    let r = Arc::new(Mutex::new(Renderer::new()?));
    *slot = Some(r.clone());
    Ok(r)
}
