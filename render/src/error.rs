//! Errors from the renderer. Each names what was asked for and what to do about it.

use thiserror::Error;

/// Everything that can go wrong while drawing a picture.
#[derive(Debug, Error)]
pub enum RenderError {
    /// No GPU and no software driver was found, or none that can draw the depth images.
    #[error(
        "no graphics adapter found ({tried}). byfeel renders on any Vulkan driver, or an OpenGL ES \
         one that can draw to R32Float textures; on a machine without a GPU install Mesa's \
         software Vulkan driver (lavapipe): \
         `sudo apt-get install mesa-vulkan-drivers libvulkan1` (Debian/Ubuntu) and run again"
    )]
    NoAdapter { tried: String },
    /// The override in `BYFEEL_GPU_BACKEND` / `BYFEEL_ADAPTER` did not match anything.
    #[error("{0}")]
    BadOverride(String),
    /// The device could not be created or reported an error while working.
    #[error("graphics device error: {0}")]
    Device(String),
    /// The device was lost (driver reset, GPU removed) and could not be recreated.
    #[error("graphics device lost and could not be recreated: {0}")]
    DeviceLost(String),
    /// An image size outside what the renderer supports.
    #[error("{what}: image size {width}x{height} is not supported (each side must be 1..={max})")]
    BadSize {
        what: String,
        width: u32,
        height: u32,
        max: u32,
    },
    /// A camera name that the scene does not define.
    #[error("unknown camera '{name}'; this scene defines: {known}")]
    UnknownCamera { name: String, known: String },
    /// A request that makes no sense (NaN pose, negative force, empty batch ...).
    #[error("{0}")]
    BadRequest(String),
    /// Writing an image file failed.
    #[error("cannot write {path}: {problem}")]
    Write { path: String, problem: String },
}
