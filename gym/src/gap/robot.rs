//! [`GapRobot`]: a simulated arm with a [`RealityGap`].

use std::collections::{HashMap, VecDeque};

use byfeel_sim::Randomization;
use glam::DVec3;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::RealityGap;
use crate::robot::*;
use crate::simulator::{Placement, SceneGeometry, Simulator};
use crate::{OracleState, SimRobot};

/// A simulated arm that differs from the training simulator as its [`RealityGap`] says: its
/// scene and gel are built with the gap's physics, camera poses and gel settings; commands
/// arrive late and are tracked imperfectly; pictures are coloured, lit and noisy; frames are
/// now and then dropped or late. Its [`Simulator`] privileges are the simulator's own, so
/// resets, goals and the oracle work as on any simulated arm.
pub struct GapRobot {
    inner: SimRobot,
    gap: RealityGap,
    /// The gap the scene is rebuilt with (what `set_gap` changes).
    rebuilt_with: std::sync::Arc<std::sync::Mutex<RealityGap>>,
    /// The arm's own renderer, whose gel settings the gap changes, and the gel's own settings.
    renderer: byfeel_render::SharedRenderer,
    gel: byfeel_render::TactileConfig,
    rng: ChaCha8Rng,
    /// Commands given and not yet in force, oldest first.
    pending: VecDeque<Command>,
    /// Each sensor's last fresh frame, and whether the arm stepped since it was read.
    frames: HashMap<String, (Image, bool)>,
    /// The gap's gel background, at the gel's size.
    background: Option<Vec<u8>>,
}

impl GapRobot {
    /// The scene `scene` (a bundled name or a scene file) with `gap`.
    pub fn from_scene(scene: &str, gap: RealityGap) -> Result<Self, String> {
        gap.check()?;
        let rebuilt_with = std::sync::Arc::new(std::sync::Mutex::new(gap.clone()));
        let edit = {
            let gap = rebuilt_with.clone();
            std::sync::Arc::new(move |c: &mut byfeel_sim::scene::SceneConfig| {
                gap.lock().unwrap_or_else(|p| p.into_inner()).edit_scene(c)
            })
        };
        let mut renderer = byfeel_render::Renderer::new().map_err(|e| e.to_string())?;
        let plain = renderer.tactile_config().clone();
        let mut gel = plain.clone();
        gap.edit_gel(&mut gel);
        renderer.set_tactile_config(gel).map_err(|e| e.to_string())?;
        let renderer = std::sync::Arc::new(std::sync::Mutex::new(renderer));
        let inner = SimRobot::from_scene_edited(scene, Randomization::Nominal, edit)
            .map_err(|e| e.to_string())?
            .with_renderer(renderer.clone());
        let background = match &gap.gel.background {
            Some(path) => Some(gel_background(path, &inner)?),
            None => None,
        };
        Ok(Self {
            rng: ChaCha8Rng::seed_from_u64(gap.seed),
            inner,
            gap,
            rebuilt_with,
            renderer,
            gel: plain,
            pending: VecDeque::new(),
            frames: HashMap::new(),
            background,
        })
    }

    /// The gap in force.
    pub fn gap(&self) -> &RealityGap {
        &self.gap
    }

    /// Puts `gap` in force: at once for actuation, pictures, frames and the gel; the scene's
    /// physics and cameras from the next rebuild (a seeded reset). The gel background stays.
    pub fn set_gap(&mut self, gap: RealityGap) -> Result<(), String> {
        gap.check()?;
        let mut gel = self.gel.clone();
        gap.edit_gel(&mut gel);
        let mut renderer = self.renderer.lock().unwrap_or_else(|p| p.into_inner());
        renderer.set_tactile_config(gel).map_err(|e| e.to_string())?;
        drop(renderer);
        *self.rebuilt_with.lock().unwrap_or_else(|p| p.into_inner()) = gap.clone();
        self.rng = ChaCha8Rng::seed_from_u64(gap.seed);
        self.gap = gap;
        self.forget();
        Ok(())
    }

    /// The simulated arm inside, as the training simulator would see it.
    pub fn inner(&self) -> &SimRobot {
        &self.inner
    }


    /// The command as this arm carries it out: hand moves short by the tracking gain and off
    /// by the tracking noise.
    fn tracked(&mut self, command: Command) -> Command {
        let a = self.gap.actuation.clone();
        let here = self.inner.state().ee_position;
        let miss =
            |s: &mut Self| DVec3::new(normal(&mut s.rng), normal(&mut s.rng), normal(&mut s.rng)) * a.tracking_noise_m;
        let mode = match command.mode {
            CommandMode::EndEffectorDelta(d) => {
                CommandMode::EndEffectorDelta(d * a.tracking_gain + miss(self))
            }
            CommandMode::EndEffectorPosition(p) => {
                CommandMode::EndEffectorPosition(here + (p - here) * a.tracking_gain + miss(self))
            }
            other => other,
        };
        Command { mode, ..command }
    }

    /// The picture as this arm's sensor gives it: colours, lighting, background and noise.
    fn looks(&mut self, kind: SensorKind, mut image: Image) -> Image {
        let (gain, brightness, noise) = match kind {
            SensorKind::Camera => {
                let c = &self.gap.camera;
                (c.colour_gain, c.brightness, c.noise)
            }
            SensorKind::Tactile => (self.gap.gel.led_gain, 0.0, self.gap.gel.noise),
        };
        let blend = match (kind, &self.background) {
            (SensorKind::Tactile, Some(bg)) if bg.len() == image.rgb.len() => {
                Some((bg.as_slice(), self.gap.gel.background_weight))
            }
            _ => None,
        };
        for (i, px) in image.rgb.iter_mut().enumerate() {
            let mut v = *px as f32 * gain[i % 3] + brightness;
            if let Some((bg, w)) = blend {
                v = v * (1.0 - w) + bg[i] as f32 * w;
            }
            if noise > 0.0 {
                v += noise * normal(&mut self.rng) as f32;
            }
            *px = v.round().clamp(0.0, 255.0) as u8;
        }
        image
    }

    fn forget(&mut self) {
        self.pending.clear();
        self.frames.clear();
    }
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let (u, v): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random());
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// The gap's gel background picture, at the gel's image size.
fn gel_background(path: &std::path::Path, arm: &SimRobot) -> Result<Vec<u8>, String> {
    let gel = arm
        .spec()
        .sensors
        .iter()
        .find(|s| s.kind == SensorKind::Tactile)
        .ok_or("a gel background was given, and this arm has no gel")?;
    let (w, h, rgb) = byfeel_render::image::load_rgb_png(path)
        .map_err(|e| format!("gel background {}: {e}", path.display()))?;
    Ok(byfeel_render::image::resize_nearest(
        &rgb,
        (w, h),
        (gel.width, gel.height),
    ))
}

impl Robot for GapRobot {
    fn spec(&self) -> &RobotSpec {
        self.inner.spec()
    }

    fn state(&self) -> RobotState {
        self.inner.state()
    }

    fn command(&mut self, command: Command) -> Result<(), RobotError> {
        command.validate(self.inner.spec())?;
        self.pending.push_back(command);
        Ok(())
    }

    fn step(&mut self) -> Result<RobotState, RobotError> {
        while self.pending.len() > self.gap.actuation.latency_steps {
            let command = self.pending.pop_front().expect("not empty");
            let command = self.tracked(command);
            self.inner.command(command)?;
        }
        for (_, stepped) in self.frames.values_mut() {
            *stepped = true;
        }
        self.inner.step()
    }

    fn read_sensor(&mut self, name: &str) -> Result<Image, RobotError> {
        let kind = self
            .inner
            .spec()
            .sensors
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.kind);
        let fresh = self.inner.read_sensor(name)?;
        let fresh = self.looks(kind.unwrap_or(SensorKind::Camera), fresh);
        let f = self.gap.frames.clone();
        let draw: f64 = self.rng.random();
        match self.frames.get(name) {
            // No frame came since the last step: the last one again, and it stays the last.
            Some((last, true)) if draw < f.drop_probability => Ok(last.clone()),
            // A late frame: the step before's now, this step's next time.
            Some((last, true)) if draw < f.drop_probability + f.late_probability => {
                let shown = last.clone();
                self.frames.insert(name.into(), (fresh, false));
                Ok(shown)
            }
            _ => {
                self.frames.insert(name.into(), (fresh.clone(), false));
                Ok(fresh)
            }
        }
    }

    fn home(&mut self) -> Result<RobotState, RobotError> {
        self.forget();
        self.inner.home()
    }

    fn stop(&mut self) {
        self.pending.clear();
        self.inner.stop()
    }

    fn set_sensor_size(&mut self, name: &str, width: u32, height: u32) -> Result<(), RobotError> {
        self.frames.remove(name);
        self.inner.set_sensor_size(name, width, height)
    }

    /// The arm's own kinematics: the gap perturbs how it tracks, not where joints put the hand.
    fn hand_at(&self, joints: &[f64]) -> Option<DVec3> {
        self.inner.hand_at(joints)
    }

    fn simulator(&self) -> Option<&dyn Simulator> {
        Some(self)
    }

    fn simulator_mut(&mut self) -> Option<&mut dyn Simulator> {
        Some(self)
    }
}

impl Simulator for GapRobot {
    fn rebuild(&mut self, randomization: Randomization) -> Result<(), RobotError> {
        self.forget();
        let salt = match randomization {
            Randomization::Nominal => 0,
            Randomization::Seeded(s) => s,
        };
        self.rng = ChaCha8Rng::seed_from_u64(self.gap.seed ^ salt.rotate_left(17));
        self.inner.rebuild(randomization)
    }

    fn place(&mut self, placement: &Placement) -> Result<(), RobotError> {
        self.forget();
        self.inner.place(placement)
    }

    fn truth(&self) -> OracleState {
        self.inner.truth()
    }

    fn geometry(&self) -> SceneGeometry {
        self.inner.geometry()
    }

    fn save(&mut self) -> Result<(), RobotError> {
        Simulator::save(&mut self.inner)
    }

    fn restore(&mut self) -> Result<(), RobotError> {
        self.forget();
        Simulator::restore(&mut self.inner)
    }
}
