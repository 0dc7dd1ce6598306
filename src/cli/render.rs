//! `byfeel render`: write a scene camera image or the gel's tactile image to a PNG file.

use super::{Error, SceneName};
use byfeel::gym::scripted::{press_gel, press_point};
use byfeel::gym::{SafetyLayer, SimRobot};
use byfeel::render::{TactileConfig, shared_renderer};
use byfeel::sim::Randomization;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct RenderArgs {
    /// Which bundled scene to draw.
    #[arg(long, value_enum, default_value_t = SceneName::Door)]
    pub scene: SceneName,
    /// Draw this scene file instead.
    #[arg(long, conflicts_with = "scene")]
    pub scene_file: Option<PathBuf>,
    /// Camera to draw (as named in the scene file); the scene's first camera if not given.
    #[arg(long, conflicts_with = "tactile")]
    pub camera: Option<String>,
    /// Draw the gel's tactile image instead of a camera.
    #[arg(long)]
    pub tactile: bool,
    /// Image width in pixels (default: the camera's own, or 64 for the gel).
    #[arg(long)]
    pub width: Option<u32>,
    /// Image height in pixels (default: the camera's own, or 48 for the gel).
    #[arg(long)]
    pub height: Option<u32>,
    /// Before drawing, lower the gel onto the die / cup rim / door handle and press this many
    /// millimetres in (default 1.5 with --tactile, none for cameras).
    #[arg(long)]
    pub press: Option<f64>,
    /// Draw the scene's ranges from this seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output PNG file.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: RenderArgs) -> Result<(), Error> {
    let randomization = args
        .seed
        .map_or(Randomization::Nominal, Randomization::Seeded);
    let scene = super::scene_arg(args.scene, args.scene_file.as_deref());
    let mut robot = SafetyLayer::new(SimRobot::from_scene(&scene, randomization)?);
    let press = args.press.unwrap_or(if args.tactile { 1.5 } else { 0.0 });
    if press.is_nan() || !(0.0..=20.0).contains(&press) {
        return Err(format!("--press {press}: give 0 to 20 millimetres").into());
    }
    if args.press.is_some() || args.tactile {
        let Some(at) = press_point(robot.inner().world()) else {
            return Err(format!("scene {scene} has nothing to press the gel on").into());
        };
        if !press_gel(&mut robot, at, press / 1000.0)? {
            eprintln!("note: the gel did not reach anything at {at:?}; drawing it untouched");
        }
    }
    if args.tactile {
        let renderer = shared_renderer()?;
        let mut r = renderer.lock().unwrap_or_else(|p| p.into_inner());
        let config = r.tactile_config().clone();
        let (w, h) = (
            args.width.unwrap_or(config.width),
            args.height.unwrap_or(config.height),
        );
        r.set_tactile_config(TactileConfig {
            width: w,
            height: h,
            ..config
        })?;
        drop(r);
        let image = robot.inner_mut().render_tactile()?;
        image.save_png(&args.out)?;
        println!(
            "wrote {} ({}x{} tactile, {:.2} N on the gel, {:.2} mm deepest, {} pixels in contact)",
            args.out.display(),
            image.width,
            image.height,
            image.force_n,
            image.max_indentation_mm(),
            image.contact_pixels()
        );
    } else {
        let sim = robot.inner_mut();
        let camera = match &args.camera {
            Some(name) => sim.camera(name)?,
            None => sim.task_camera()?,
        };
        let name = camera.name.clone();
        let (w, h) = (
            args.width.unwrap_or(camera.width),
            args.height.unwrap_or(camera.height),
        );
        let image = sim.render_view(&camera.with_size(w, h))?;
        image.save_png(&args.out)?;
        println!(
            "wrote {} ({}x{} from camera '{}')",
            args.out.display(),
            image.width,
            image.height,
            name
        );
    }
    Ok(())
}
