//! The viewer's camera: orbits a target point, zooms with the wheel.

use glam::Vec3;

use crate::Camera;

#[derive(Clone, Debug)]
pub struct Orbit {
    pub target: Vec3,
    /// Radians around the world z axis, from +x.
    pub azimuth: f32,
    /// Radians above the horizontal.
    pub elevation: f32,
    pub distance: f32,
}

impl Default for Orbit {
    fn default() -> Self {
        // From behind and above the arm's base, looking at the table in front of it.
        Self {
            target: Vec3::new(0.6, 0.0, 0.15),
            azimuth: std::f32::consts::PI + 0.6,
            elevation: 0.5,
            distance: 1.5,
        }
    }
}

impl Orbit {
    /// Turns by a mouse drag of (dx, dy) pixels.
    pub fn drag(&mut self, dx: f32, dy: f32) {
        self.azimuth -= dx * 0.008;
        self.elevation = (self.elevation + dy * 0.008).clamp(-0.2, 1.5);
    }

    /// Zooms by wheel clicks (positive = closer).
    pub fn zoom(&mut self, clicks: f32) {
        self.distance = (self.distance * 0.9f32.powf(clicks)).clamp(0.15, 6.0);
    }

    pub fn camera(&self, width: u32, height: u32) -> Camera {
        let dir = Vec3::new(
            self.elevation.cos() * self.azimuth.cos(),
            self.elevation.cos() * self.azimuth.sin(),
            self.elevation.sin(),
        );
        Camera {
            name: "viewer".into(),
            eye: self.target + dir * self.distance,
            target: self.target,
            up: Vec3::Z,
            fov_y_deg: 45.0,
            width: width.max(1),
            height: height.max(1),
            near: 0.01,
            far: 20.0,
        }
    }
}
