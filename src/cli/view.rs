//! `byfeel view`: the scene in a window, driven from the keyboard.

use super::{Error, SceneName};
use byfeel::gym::{Command, Oracle, Robot, SafetyLayer, SimRobot};
use byfeel::render::viewer::{self, ViewerModel, ViewerOptions};
use byfeel::render::{Camera, GelState, SceneGeometry};
use byfeel::sim::Randomization;
use glam::Vec3;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ViewArgs {
    /// Which bundled scene to open.
    #[arg(long, value_enum, default_value_t = SceneName::Door)]
    pub scene: SceneName,
    /// Open this scene file instead.
    #[arg(long, conflicts_with = "scene")]
    pub scene_file: Option<PathBuf>,
    /// Draw the scene's ranges from this seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Window size, WIDTHxHEIGHT.
    #[arg(long, default_value = "1024x720")]
    pub size: String,
    /// Close after this many frames (for scripted checks).
    #[arg(long)]
    pub frames: Option<u64>,
    /// Save the last frame to this PNG file (needs --frames).
    #[arg(long, requires = "frames")]
    pub screenshot: Option<PathBuf>,
    /// Start paused.
    #[arg(long)]
    pub paused: bool,
}

struct SceneView {
    scene: String,
    randomization: Randomization,
    robot: SafetyLayer<SimRobot>,
}

impl SceneView {
    fn load(scene: &str, randomization: Randomization) -> Result<SafetyLayer<SimRobot>, String> {
        SimRobot::from_scene(scene, randomization)
            .map(SafetyLayer::new)
            .map_err(|e| e.to_string())
    }
}

impl ViewerModel for SceneView {
    fn title(&self) -> String {
        self.scene.clone()
    }

    fn geometry(&self) -> SceneGeometry {
        SceneGeometry::from_world(self.robot.inner().world())
    }

    fn task_camera(&self) -> Option<Camera> {
        self.robot.inner().task_camera().ok()
    }

    fn gel(&self) -> Option<GelState> {
        GelState::from_world(self.robot.inner().world())
    }

    fn control_dt(&self) -> f64 {
        self.robot.spec().control_dt
    }

    fn step(&mut self, teleop: Vec3) -> Result<(), String> {
        let s = self.robot.spec().max_ee_step;
        let d = teleop.as_dvec3() * s;
        self.robot
            .command(Command::ee_delta(d.x, d.y, d.z))
            .map_err(|e| e.to_string())?;
        self.robot.step().map(|_| ()).map_err(|e| e.to_string())
    }

    fn reset(&mut self) -> Result<(), String> {
        self.robot = Self::load(&self.scene, self.randomization)?;
        Ok(())
    }

    fn status(&self) -> String {
        let o = self.robot.oracle();
        let mut parts = vec![format!("t {:.1} s", o.time)];
        if let Some(a) = o.door_angle {
            parts.push(format!("door {:.1}°", a.to_degrees()));
        }
        if let Some(c) = o.cup_position {
            parts.push(format!("cup ({:.2}, {:.2})", c.x, c.y));
        }
        if let Some(f) = o.die_face_up {
            parts.push(format!("die {f} up"));
        }
        if o.gel_in_contact {
            parts.push("touching".into());
        }
        parts.join(" | ")
    }
}

pub fn run(args: ViewArgs) -> Result<(), Error> {
    let randomization = args
        .seed
        .map_or(Randomization::Nominal, Randomization::Seeded);
    let scene = super::scene_arg(args.scene, args.scene_file.as_deref());
    let (width, height) = super::parse_size(&args.size)
        .filter(|(w, h)| (64..=8192).contains(w) && (64..=8192).contains(h))
        .ok_or_else(|| format!("--size {}: give WIDTHxHEIGHT, each 64 to 8192", args.size))?;
    if args.frames == Some(0) {
        return Err("--frames must be at least 1".into());
    }
    let robot = SceneView::load(&scene, randomization)?;
    let model = SceneView {
        scene,
        randomization,
        robot,
    };
    let report = viewer::run(
        Box::new(model),
        ViewerOptions {
            width,
            height,
            frames: args.frames,
            screenshot: args.screenshot.clone(),
            start_paused: args.paused,
            ..Default::default()
        },
    )?;
    if args.frames.is_some() {
        println!(
            "{} frames in {:.2} s ({:.0} fps) on {}, {} control steps{}",
            report.frames,
            report.seconds,
            report.frames as f64 / report.seconds.max(1e-9),
            report.adapter,
            report.control_steps,
            args.screenshot
                .as_ref()
                .map(|p| format!(", screenshot {}", p.display()))
                .unwrap_or_default()
        );
    }
    Ok(())
}
