//! Pinhole cameras: where a scene camera sits, what it sees, and where a world point lands in
//! its image.

use byfeel_sim::scene::CameraConfig;
use glam::{DVec3, Mat4, Vec3, Vec4};

use crate::RenderError;

/// Largest image side the renderer accepts (1024×768 is the largest size the gym uses).
pub const MAX_IMAGE_SIDE: u32 = 4096;

/// Checks an image size, naming `what` in the error.
pub fn check_size(what: &str, width: u32, height: u32) -> Result<(), RenderError> {
    if width == 0 || height == 0 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
        return Err(RenderError::BadSize {
            what: what.to_string(),
            width,
            height,
            max: MAX_IMAGE_SIDE,
        });
    }
    Ok(())
}

/// A perspective camera. Image rows go down, columns go right; depth is metres along the view
/// axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Camera {
    pub name: String,
    pub eye: Vec3,
    pub target: Vec3,
    pub up: Vec3,
    /// Vertical field of view, degrees.
    pub fov_y_deg: f32,
    pub width: u32,
    pub height: u32,
    pub near: f32,
    pub far: f32,
}

impl Camera {
    /// A camera from a scene file's `[[camera]]` entry.
    pub fn from_config(c: &CameraConfig) -> Self {
        let v = |a: [f64; 3]| DVec3::from_array(a).as_vec3();
        Self {
            name: c.name.clone(),
            eye: v(c.position),
            target: v(c.look_at),
            up: v(c.up),
            fov_y_deg: c.fov_deg as f32,
            width: c.width,
            height: c.height,
            near: 0.01,
            far: 10.0,
        }
    }

    /// The same camera at another image size.
    pub fn with_size(mut self, width: u32, height: u32) -> Self {
        self.width = width;
        self.height = height;
        self
    }

    /// Checks size, pose and field of view.
    pub fn validate(&self) -> Result<(), RenderError> {
        check_size(&format!("camera '{}'", self.name), self.width, self.height)?;
        let finite = self.eye.is_finite() && self.target.is_finite() && self.up.is_finite();
        let dir = self.target - self.eye;
        if !finite || dir.length() < 1e-6 || dir.cross(self.up).length() < 1e-6 * dir.length() {
            return Err(RenderError::BadRequest(format!(
                "camera '{}': eye {:?}, target {:?} and up {:?} do not make a view",
                self.name, self.eye, self.target, self.up
            )));
        }
        if !(self.fov_y_deg > 0.5 && self.fov_y_deg < 179.0) {
            return Err(RenderError::BadRequest(format!(
                "camera '{}': field of view {} degrees is outside (0.5, 179)",
                self.name, self.fov_y_deg
            )));
        }
        Ok(())
    }

    pub fn view(&self) -> Mat4 {
        glam::camera::rh::view::look_at_mat4(self.eye, self.target, self.up)
    }

    /// Projection to wgpu's clip space (depth 0..1).
    pub fn projection(&self) -> Mat4 {
        glam::camera::rh::proj::directx::perspective(
            self.fov_y_deg.to_radians(),
            self.width as f32 / self.height as f32,
            self.near,
            self.far,
        )
    }

    pub fn view_projection(&self) -> Mat4 {
        self.projection() * self.view()
    }

    /// Pixel coordinates (column, row; the centre of pixel (0, 0) is (0.5, 0.5)) and depth along
    /// the view axis of a world point, or `None` if it is behind the camera.
    pub fn project(&self, p: Vec3) -> Option<(f32, f32, f32)> {
        let clip = self.view_projection() * Vec4::new(p.x, p.y, p.z, 1.0);
        if clip.w <= 0.0 {
            return None;
        }
        let ndc = clip.truncate() / clip.w;
        let col = (ndc.x + 1.0) * 0.5 * self.width as f32;
        let row = (1.0 - ndc.y) * 0.5 * self.height as f32;
        Some((col, row, clip.w))
    }
}
