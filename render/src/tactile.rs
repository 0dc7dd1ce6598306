//! The gel tactile sensor (GelSight-style): what it is, what it reports.
//!
//! The model, step by step (each a GPU pass, see `tactile_pass.rs`):
//! 1. An orthographic camera inside the pad renders the distance `h` from the gel surface to
//!    whatever is in front of it, out to `reach_mm` (the robot's own links are not seen).
//! 2. The indentation depth `d` comes from the physics: the normal force on the pad divided by
//!    the gel's stiffness, capped at `max_indent_mm`. Where the geometry already overlaps the pad
//!    (fast motion, or a contact the solver has not caught yet) the overlap is used instead if
//!    it is deeper, so such frames are never blank.
//! 3. The object is pressed `d` into the gel from its nearest point: the imprint is
//!    `p = max(0, d - (h - h_min))`. A sphere of radius R gives a disc of radius √(2Rd − d²).
//! 4. The gel around the imprint is smoothed like an elastic membrane: a pyramid of Gaussian
//!    blurs, coarse to fine, with the contact region held after each (as in Taxim): the
//!    membrane is never shallower than the object, `g = max(blur(g), p)`.
//! 5. The membrane's normals are shaded by three coloured lights (red, green, blue) from three
//!    sides over a no-contact background, as GelSight's camera sees it.

use byfeel_sim::World;
use glam::{DMat4, Mat4, Quat, Vec3};

use crate::camera::check_size;
use crate::{RenderError, image};

/// Settings of the gel sensor. `Default` is the learning size, 64 wide × 48 high (the input
/// size of "Manipulation by Feel").
#[derive(Clone, Debug, PartialEq)]
pub struct TactileConfig {
    pub width: u32,
    pub height: u32,
    /// Normal force that indents the gel by 1 mm, N/mm.
    pub stiffness_n_per_mm: f32,
    /// Deepest indentation, mm (half the 4 mm pad).
    pub max_indent_mm: f32,
    /// A surface this close to the pad counts as touching, mm.
    pub touch_tolerance_mm: f32,
    /// How far in front of the pad the sensor looks, mm.
    pub reach_mm: f32,
    /// Blur widths (Gaussian σ, mm) of the membrane pyramid, coarse to fine.
    pub smoothing_mm: Vec<f32>,
    /// Light elevation above the gel plane, degrees.
    pub light_elevation_deg: f32,
    /// Azimuths of the red, green and blue lights in the sensor plane, degrees (TACTO's
    /// 30/150/270).
    pub light_azimuth_deg: [f32; 3],
    /// How strongly a slope changes the colour.
    pub gain: f32,
    /// Colour of the flat gel (linear 0–1).
    pub background: [f32; 3],
}

impl Default for TactileConfig {
    fn default() -> Self {
        Self {
            width: 64,
            height: 48,
            stiffness_n_per_mm: 2.0,
            max_indent_mm: 2.0,
            touch_tolerance_mm: 0.3,
            reach_mm: 5.0,
            smoothing_mm: vec![0.5, 0.25, 0.12],
            light_elevation_deg: 30.0,
            light_azimuth_deg: [30.0, 150.0, 270.0],
            gain: 1.2,
            background: [0.42, 0.40, 0.44],
        }
    }
}

impl TactileConfig {
    /// The same sensor at another image size.
    pub fn with_size(mut self, width: u32, height: u32) -> Self {
        self.width = width;
        self.height = height;
        self
    }

    pub fn validate(&self) -> Result<(), RenderError> {
        check_size("tactile sensor", self.width, self.height)?;
        let positive = [
            ("stiffness_n_per_mm", self.stiffness_n_per_mm),
            ("max_indent_mm", self.max_indent_mm),
            ("reach_mm", self.reach_mm),
        ];
        for (name, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return Err(RenderError::BadRequest(format!(
                    "tactile {name} = {v} must be > 0"
                )));
            }
        }
        if !(self.touch_tolerance_mm.is_finite() && self.touch_tolerance_mm >= 0.0) {
            return Err(RenderError::BadRequest(format!(
                "tactile touch_tolerance_mm = {} must be >= 0",
                self.touch_tolerance_mm
            )));
        }
        if self
            .smoothing_mm
            .iter()
            .any(|s| !(s.is_finite() && *s > 0.0))
            || self.smoothing_mm.len() > 8
        {
            return Err(RenderError::BadRequest(format!(
                "tactile smoothing_mm {:?}: up to 8 widths, each > 0",
                self.smoothing_mm
            )));
        }
        Ok(())
    }

    /// Size of the sensed window on a pad of half size `half` (m), and the pixel size (m).
    /// Columns run along the pad's long side when the image is wider than high. Pixels are
    /// square; the window is the largest with the image's shape that fits the pad.
    pub fn window(&self, half: [f32; 2]) -> (f32, f32, f32) {
        let (long, short) = (2.0 * half[0].max(half[1]), 2.0 * half[0].min(half[1]));
        let (along_cols, along_rows) = if self.width >= self.height {
            (long, short)
        } else {
            (short, long)
        };
        let aspect = self.width as f32 / self.height as f32;
        let w = along_cols.min(along_rows * aspect);
        let h = w / aspect;
        (w, h, w / self.width as f32)
    }
}

/// Where the gel is and how hard it is pressed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GelState {
    /// World frame of the pad's contact surface, z out of the pad.
    pub frame: Mat4,
    /// Half size of the pad in its x and y, metres.
    pub half_size: [f32; 2],
    /// Normal force on the pad, N.
    pub force_n: f32,
}

impl GelState {
    /// The gel of `world`'s robot, or `None` if it has none.
    pub fn from_world(world: &World) -> Option<Self> {
        let (frame, half) = world.gel_pad()?;
        let m = DMat4::from_rotation_translation(frame.rotation, frame.translation).as_mat4();
        Some(Self {
            frame: m,
            half_size: [half[0] as f32, half[1] as f32],
            force_n: world.gel_normal_force() as f32,
        })
    }

    /// World-from-sensor: the pad frame turned so that image columns run along sensor x and
    /// rows along sensor y (column = +x, row = +y, both from the image's top-left corner).
    pub fn sensor_frame(&self, config: &TactileConfig) -> Mat4 {
        let long_is_y = self.half_size[1] > self.half_size[0];
        let cols_along_long = config.width >= config.height;
        if long_is_y == cols_along_long {
            // Columns along the pad's y.
            self.frame * Mat4::from_quat(Quat::from_rotation_z(std::f32::consts::FRAC_PI_2))
        } else {
            self.frame
        }
    }

    pub(crate) fn check(&self) -> Result<(), RenderError> {
        let ok = self.frame.is_finite()
            && self.half_size.iter().all(|h| h.is_finite() && *h > 0.0)
            && self.force_n.is_finite()
            && self.force_n >= 0.0;
        if ok {
            Ok(())
        } else {
            Err(RenderError::BadRequest(format!(
                "gel state is not usable: half size {:?} m, force {} N (need finite, positive)",
                self.half_size, self.force_n
            )))
        }
    }

    /// The world point seen by pixel (col, row) on the gel surface.
    pub fn pixel_to_world(&self, config: &TactileConfig, col: f32, row: f32) -> Vec3 {
        let (w, h, _) = config.window(self.half_size);
        let x = (col + 0.5) / config.width as f32 * w - w / 2.0;
        let y = (row + 0.5) / config.height as f32 * h - h / 2.0;
        self.sensor_frame(config)
            .transform_point3(Vec3::new(x, y, 0.0))
    }
}

/// One tactile frame.
#[derive(Clone, Debug, PartialEq)]
pub struct TactileImage {
    pub width: u32,
    pub height: u32,
    /// The sensor's camera image, RGB, row-major.
    pub rgb: Vec<u8>,
    /// How far the gel surface is pushed in, mm, per pixel.
    pub indentation_mm: Vec<f32>,
    /// 1 where the object touches the gel, else 0.
    pub contact: Vec<u8>,
    /// Size of one pixel on the gel, mm.
    pub pixel_mm: f32,
    /// Force that made this frame, N.
    pub force_n: f32,
}

impl TactileImage {
    pub fn pixel(&self, col: u32, row: u32) -> [u8; 3] {
        let i = 3 * (row * self.width + col) as usize;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// Deepest indentation, mm.
    pub fn max_indentation_mm(&self) -> f32 {
        self.indentation_mm.iter().copied().fold(0.0, f32::max)
    }

    /// Number of pixels in contact.
    pub fn contact_pixels(&self) -> usize {
        self.contact.iter().filter(|&&c| c > 0).count()
    }

    pub fn in_contact(&self) -> bool {
        self.contact_pixels() > 0
    }

    /// Writes the RGB image as a PNG file.
    pub fn save_png(&self, path: impl AsRef<std::path::Path>) -> Result<(), RenderError> {
        image::save_rgb_png(path.as_ref(), self.width, self.height, &self.rgb)
    }
}
