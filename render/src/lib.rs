//! byfeel's pictures: scene cameras (RGB + depth) and the gel tactile sensor, drawn with wgpu
//! on any GPU or, with no GPU, on the CPU through Vulkan's lavapipe; and the viewer window.
//!
//! Everything here takes poses and shapes from [`byfeel_sim::World`] through
//! [`SceneGeometry`]; nothing here changes the world.
//!
//! ```no_run
//! use byfeel_render::{Renderer, SceneGeometry, GelState};
//! use byfeel_sim::{World, Randomization};
//! let world = World::from_scene_file("assets/scenes/die.toml", Randomization::Nominal)?;
//! let mut renderer = Renderer::new()?;
//! let geometry = SceneGeometry::from_world(&world);
//! let gel = GelState::from_world(&world).expect("the arm has a gel");
//! let touch = renderer.render_tactile(&[(&geometry, gel)])?;
//! touch[0].save_png("touch.png")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod camera;
mod camera_pass;
mod error;
pub mod geometry;
pub mod gpu;
pub mod image;
mod layers;
pub mod mesh;
mod renderer;
mod shared;
pub mod tactile;
mod tactile_pass;
pub mod viewer;
pub mod watch;

pub use camera::Camera;
pub use camera_pass::CameraImage;
pub use error::RenderError;
pub use geometry::{Part, SceneGeometry};
pub use gpu::{Gpu, GpuOptions};
pub use renderer::Renderer;
pub use shared::{SharedRenderer, shared_renderer};
pub use tactile::{GelState, TactileConfig, TactileImage};
