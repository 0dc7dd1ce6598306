//! A reality gap: a simulated arm that differs from the training simulator the way a real one
//! does, to test transfer. [`RealityGap`] says how (physics, actuation, camera, gel, frames);
//! [`GapRobot`] is the arm that has it. `byfeel serve --gap mild|hard|FILE.toml` serves one.
//!
//! ```toml
//! name = "my-lab"
//! seed = 7
//! [physics]
//! mass_scale = 1.2          # door, cup and die masses
//! friction_scale = 0.8      # table, door hinge, cup and die friction
//! damping_scale = 1.5       # door hinge damping
//! hinge_stiffness = 0.1     # N·m/rad pulling the door shut
//! [actuation]
//! latency_steps = 2         # a command takes effect this many control steps late
//! tracking_gain = 0.9       # the hand covers this fraction of each commanded move
//! tracking_noise_m = 0.001  # and misses by this much (standard deviation, per axis)
//! [camera]
//! position_offset_m = [0.01, -0.01, 0.005]
//! look_at_offset_m = [0.005, 0.0, 0.0]
//! colour_gain = [1.1, 1.0, 0.9]
//! brightness = 10.0         # added to every channel, 0–255 scale
//! noise = 5.0               # pixel noise, standard deviation
//! [gel]
//! stiffness_scale = 1.2     # N per mm of indentation
//! light_azimuth_offset_deg = 10.0
//! led_gain = [1.1, 0.9, 0.9]
//! noise = 5.0
//! background = "my-gel.png" # blended over the flat gel (its own size is scaled)
//! background_weight = 0.3
//! [frames]
//! drop_probability = 0.02   # no new frame: the last one again
//! late_probability = 0.05   # the frame of the step before
//! ```

mod robot;

use std::path::PathBuf;

use byfeel_render::TactileConfig;
use byfeel_sim::scene::{Param, SceneConfig};
use serde::{Deserialize, Serialize};

pub use robot::GapRobot;

/// How a simulated arm differs from the training simulator; the default is no difference.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RealityGap {
    /// A name for logs and reports (`mild`, `hard`, or the user's).
    pub name: String,
    /// Seeds the gap's noise, dropped frames and tracking error.
    pub seed: u64,
    /// Masses, friction, damping and the door's spring.
    pub physics: PhysicsGap,
    /// Latency and tracking error of the arm.
    pub actuation: ActuationGap,
    /// Where the cameras are and how their pictures look.
    pub camera: CameraGap,
    /// How the gel feels and looks.
    pub gel: GelGap,
    /// Frames that do not come, or come late.
    pub frames: FrameGap,
}

/// Physical parameters, as factors on the scene's (and a spring the scene lacks).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PhysicsGap {
    /// Factor on the door's, cup's and die's masses.
    pub mass_scale: f64,
    /// Factor on the table's, door hinge's, cup's and die's friction.
    pub friction_scale: f64,
    /// Factor on the door hinge's damping.
    pub damping_scale: f64,
    /// A spring pulling the door shut, N·m/rad.
    pub hinge_stiffness: f64,
}

impl Default for PhysicsGap {
    fn default() -> Self {
        Self {
            mass_scale: 1.0,
            friction_scale: 1.0,
            damping_scale: 1.0,
            hinge_stiffness: 0.0,
        }
    }
}

/// How the arm carries out its commands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActuationGap {
    /// Control steps between a command and its effect (0 to 10).
    pub latency_steps: usize,
    /// Fraction of each commanded hand move the hand covers.
    pub tracking_gain: f64,
    /// Standard deviation of the hand's miss per axis and step, metres.
    pub tracking_noise_m: f64,
}

impl Default for ActuationGap {
    fn default() -> Self {
        Self {
            latency_steps: 0,
            tracking_gain: 1.0,
            tracking_noise_m: 0.0,
        }
    }
}

/// The cameras' pose and picture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CameraGap {
    /// Added to every camera's position, metres.
    pub position_offset_m: [f64; 3],
    /// Added to every camera's look-at point, metres.
    pub look_at_offset_m: [f64; 3],
    /// Factor per colour channel (R, G, B).
    pub colour_gain: [f32; 3],
    /// Added to every channel (0–255 scale): lighting.
    pub brightness: f32,
    /// Pixel noise, standard deviation (0–255 scale).
    pub noise: f32,
}

impl Default for CameraGap {
    fn default() -> Self {
        Self {
            position_offset_m: [0.0; 3],
            look_at_offset_m: [0.0; 3],
            colour_gain: [1.0; 3],
            brightness: 0.0,
            noise: 0.0,
        }
    }
}

/// The gel's feel and look.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GelGap {
    /// Factor on the gel's stiffness (N per mm of indentation).
    pub stiffness_scale: f32,
    /// Turns the gel's lights about its normal, degrees.
    pub light_azimuth_offset_deg: f32,
    /// Factor per colour channel: LEDs of other colours.
    pub led_gain: [f32; 3],
    /// Pixel noise, standard deviation (0–255 scale).
    pub noise: f32,
    /// A picture of a real gel at rest, blended over the image.
    pub background: Option<PathBuf>,
    /// Weight of `background` in the blend, 0 to 1.
    pub background_weight: f32,
}

impl Default for GelGap {
    fn default() -> Self {
        Self {
            stiffness_scale: 1.0,
            light_azimuth_offset_deg: 0.0,
            led_gain: [1.0; 3],
            noise: 0.0,
            background: None,
            background_weight: 0.0,
        }
    }
}

/// Sensor frames that do not arrive on time.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FrameGap {
    /// Chance that a step brings no new frame (the last one is read again).
    pub drop_probability: f64,
    /// Chance that a step's frame is the step before's.
    pub late_probability: f64,
}

impl RealityGap {
    /// The named presets: `none`, `mild` and `hard`.
    pub const PRESETS: &'static str = "none, mild, hard";

    /// A preset by name, or `None`.
    pub fn preset(name: &str) -> Option<Self> {
        let mild = RealityGap {
            name: "mild".into(),
            seed: 1,
            physics: PhysicsGap {
                mass_scale: 1.1,
                friction_scale: 0.9,
                damping_scale: 1.2,
                hinge_stiffness: 0.2,
            },
            actuation: ActuationGap {
                latency_steps: 1,
                tracking_gain: 0.95,
                tracking_noise_m: 0.0005,
            },
            camera: CameraGap {
                position_offset_m: [0.005, -0.005, 0.003],
                look_at_offset_m: [0.003, 0.0, 0.0],
                colour_gain: [1.04, 1.0, 0.96],
                brightness: 5.0,
                noise: 3.0,
            },
            gel: GelGap {
                stiffness_scale: 1.1,
                light_azimuth_offset_deg: 5.0,
                led_gain: [1.05, 1.0, 0.95],
                noise: 3.0,
                background: None,
                background_weight: 0.0,
            },
            frames: FrameGap {
                drop_probability: 0.01,
                late_probability: 0.02,
            },
        };
        match name {
            "none" => Some(RealityGap {
                name: "none".into(),
                ..RealityGap::default()
            }),
            "mild" => Some(mild),
            "hard" => Some(RealityGap {
                name: "hard".into(),
                seed: 2,
                physics: PhysicsGap {
                    mass_scale: 1.3,
                    friction_scale: 0.7,
                    damping_scale: 1.6,
                    hinge_stiffness: 0.6,
                },
                actuation: ActuationGap {
                    latency_steps: 2,
                    tracking_gain: 0.85,
                    tracking_noise_m: 0.0015,
                },
                camera: CameraGap {
                    position_offset_m: [0.015, -0.012, 0.01],
                    look_at_offset_m: [0.01, 0.005, 0.0],
                    colour_gain: [1.12, 0.95, 0.85],
                    brightness: 15.0,
                    noise: 8.0,
                },
                gel: GelGap {
                    stiffness_scale: 1.3,
                    light_azimuth_offset_deg: 15.0,
                    led_gain: [1.15, 0.9, 0.85],
                    noise: 8.0,
                    background: None,
                    background_weight: 0.0,
                },
                frames: FrameGap {
                    drop_probability: 0.05,
                    late_probability: 0.1,
                },
            }),
            _ => None,
        }
    }

    /// A preset's name or a TOML file's path, read and checked.
    pub fn from_arg(arg: &str) -> Result<Self, String> {
        if let Some(gap) = Self::preset(arg) {
            return Ok(gap);
        }
        let text = std::fs::read_to_string(arg).map_err(|e| {
            format!(
                "--gap {arg:?}: neither a preset ({}) nor a readable file: {e}",
                Self::PRESETS
            )
        })?;
        let mut gap: RealityGap = toml::from_str(&text).map_err(|e| format!("{arg}: {e}"))?;
        if gap.name.is_empty() {
            gap.name = arg.into();
        }
        gap.check().map_err(|e| format!("{arg}: {e}"))?;
        Ok(gap)
    }

    /// A gap drawn between none and this one, every setting uniformly (latency a whole number
    /// of steps, the background picture kept): domain randomisation over this gap's parameters.
    pub fn draw(&self, rng: &mut impl rand::Rng) -> RealityGap {
        let mut u = |none: f64, most: f64| none + (most - none) * rng.random::<f64>();
        let p = &self.physics;
        let physics = PhysicsGap {
            mass_scale: u(1.0, p.mass_scale),
            friction_scale: u(1.0, p.friction_scale),
            damping_scale: u(1.0, p.damping_scale),
            hinge_stiffness: u(0.0, p.hinge_stiffness),
        };
        let a = &self.actuation;
        let latency = (u(0.0, a.latency_steps as f64 + 1.0).floor() as usize).min(a.latency_steps);
        let actuation = ActuationGap {
            latency_steps: latency,
            tracking_gain: u(1.0, a.tracking_gain),
            tracking_noise_m: u(0.0, a.tracking_noise_m),
        };
        let c = &self.camera;
        let mut v3 = |v: [f64; 3]| v.map(|x| u(0.0, x));
        let (position_offset_m, look_at_offset_m) = (v3(c.position_offset_m), v3(c.look_at_offset_m));
        let mut gains = |g: [f32; 3]| g.map(|x| u(1.0, x as f64) as f32);
        let (colour_gain, led_gain) = (gains(c.colour_gain), gains(self.gel.led_gain));
        let camera = CameraGap {
            position_offset_m,
            look_at_offset_m,
            colour_gain,
            brightness: u(0.0, c.brightness as f64) as f32,
            noise: u(0.0, c.noise as f64) as f32,
        };
        let g = &self.gel;
        let gel = GelGap {
            stiffness_scale: u(1.0, g.stiffness_scale as f64) as f32,
            light_azimuth_offset_deg: u(0.0, g.light_azimuth_offset_deg as f64) as f32,
            led_gain,
            noise: u(0.0, g.noise as f64) as f32,
            background: g.background.clone(),
            background_weight: u(0.0, g.background_weight as f64) as f32,
        };
        let f = &self.frames;
        let frames = FrameGap {
            drop_probability: u(0.0, f.drop_probability),
            late_probability: u(0.0, f.late_probability),
        };
        RealityGap {
            name: format!("{} (drawn)", self.name),
            seed: rng.random(),
            physics,
            actuation,
            camera,
            gel,
            frames,
        }
    }

    /// The gap as TOML, for logs and reports.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// Says which setting is out of range.
    pub fn check(&self) -> Result<(), String> {
        let positive = |what: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(format!("{what} = {v}: must be a positive number"))
            }
        };
        let at_least_0 = |what: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(format!("{what} = {v}: must be 0 or more"))
            }
        };
        let chance = |what: &str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(format!("{what} = {v}: must be 0 to 1"))
            }
        };
        let p = &self.physics;
        positive("physics.mass_scale", p.mass_scale)?;
        positive("physics.friction_scale", p.friction_scale)?;
        positive("physics.damping_scale", p.damping_scale)?;
        at_least_0("physics.hinge_stiffness", p.hinge_stiffness)?;
        let a = &self.actuation;
        if a.latency_steps > 10 {
            return Err(format!(
                "actuation.latency_steps = {}: at most 10",
                a.latency_steps
            ));
        }
        positive("actuation.tracking_gain", a.tracking_gain)?;
        at_least_0("actuation.tracking_noise_m", a.tracking_noise_m)?;
        let c = &self.camera;
        for v in c.position_offset_m.iter().chain(&c.look_at_offset_m) {
            if !v.is_finite() || v.abs() > 0.2 {
                return Err(format!("camera offsets: {v} m is not within ±0.2 m"));
            }
        }
        for (what, gains) in [
            ("camera.colour_gain", c.colour_gain),
            ("gel.led_gain", self.gel.led_gain),
        ] {
            for g in gains {
                at_least_0(what, g as f64)?;
            }
        }
        at_least_0("camera.noise", c.noise as f64)?;
        if !c.brightness.is_finite() {
            return Err("camera.brightness must be a number".into());
        }
        let g = &self.gel;
        positive("gel.stiffness_scale", g.stiffness_scale as f64)?;
        at_least_0("gel.noise", g.noise as f64)?;
        chance("gel.background_weight", g.background_weight as f64)?;
        if !g.light_azimuth_offset_deg.is_finite() {
            return Err("gel.light_azimuth_offset_deg must be a number".into());
        }
        chance("frames.drop_probability", self.frames.drop_probability)?;
        chance("frames.late_probability", self.frames.late_probability)?;
        chance(
            "frames.drop_probability + frames.late_probability",
            self.frames.drop_probability + self.frames.late_probability,
        )
    }

    /// The scene as this gap has it: masses, friction, damping and the door's spring; the
    /// cameras moved.
    pub fn edit_scene(&self, c: &mut SceneConfig) {
        let p = &self.physics;
        let scale = |param: &mut Param, s: f64| {
            *param = match *param {
                Param::Value(v) => Param::Value(v * s),
                Param::Range { min, max } => Param::Range {
                    min: min * s,
                    max: max * s,
                },
            }
        };
        scale(&mut c.table.friction, p.friction_scale);
        if let Some(door) = &mut c.door {
            door.mass *= p.mass_scale;
            scale(&mut door.friction, p.friction_scale);
            scale(&mut door.damping, p.damping_scale);
            door.stiffness = Param::Value(p.hinge_stiffness);
        }
        if let Some(cup) = &mut c.cup {
            scale(&mut cup.mass, p.mass_scale);
            scale(&mut cup.friction, p.friction_scale);
        }
        if let Some(die) = &mut c.die {
            die.mass *= p.mass_scale;
            scale(&mut die.friction, p.friction_scale);
        }
        for camera in &mut c.cameras {
            for i in 0..3 {
                camera.position[i] += self.camera.position_offset_m[i];
                camera.look_at[i] += self.camera.look_at_offset_m[i];
            }
        }
    }

    /// The gel as this gap has it: stiffness and lights.
    pub fn edit_gel(&self, t: &mut TactileConfig) {
        t.stiffness_n_per_mm *= self.gel.stiffness_scale;
        for a in &mut t.light_azimuth_deg {
            *a += self.gel.light_azimuth_offset_deg;
        }
    }
}
