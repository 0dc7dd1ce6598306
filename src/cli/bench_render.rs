//! `byfeel bench render` and `byfeel bench tactile`: frames per second of the scene cameras
//! and of the gel sensor, on whichever adapter the renderer picks (say which in the output).

use super::Error;
use byfeel::gym::scripted::{press_gel, press_point};
use byfeel::gym::{Robot, SafetyLayer, SimRobot};
use byfeel::render::{Camera, GelState, Renderer, SceneGeometry, TactileConfig};
use byfeel::sim::{Randomization, World};
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct RenderBenchArgs {
    /// Square image sizes to measure.
    #[arg(long, value_delimiter = ',', default_values_t = [48u32, 64])]
    pub sizes: Vec<u32>,
    /// Numbers of environments drawn per submission.
    #[arg(long, value_delimiter = ',', default_values_t = [1usize, 16, 64])]
    pub batches: Vec<usize>,
    /// Wall-clock seconds per timed run.
    #[arg(long, default_value_t = 2.0)]
    pub seconds: f64,
    /// Timed runs per case; the median is reported.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct TactileBenchArgs {
    /// Image sizes, WIDTHxHEIGHT (TACTO's default is 120x160).
    #[arg(long, value_delimiter = ',', default_values_t = ["64x48".to_string(), "120x160".to_string()])]
    pub sizes: Vec<String>,
    /// Numbers of gels drawn per submission.
    #[arg(long, value_delimiter = ',', default_values_t = [1usize, 16])]
    pub batches: Vec<usize>,
    #[arg(long, default_value_t = 2.0)]
    pub seconds: f64,
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    #[arg(long)]
    pub json: bool,
}

/// Runs `frame` (which draws `per_call` frames) for `seconds`, `runs` times; returns the median,
/// min and max frames per second.
fn rate(
    seconds: f64,
    runs: usize,
    per_call: usize,
    mut frame: impl FnMut() -> Result<(), Error>,
) -> Result<(f64, f64, f64), Error> {
    if runs == 0 || seconds.is_nan() || seconds <= 0.0 {
        return Err("--runs must be at least 1 and --seconds positive".into());
    }
    for _ in 0..3 {
        frame()?;
    }
    let mut rates = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t0 = Instant::now();
        let mut n = 0usize;
        while t0.elapsed().as_secs_f64() < seconds {
            frame()?;
            n += per_call;
        }
        rates.push(n as f64 / t0.elapsed().as_secs_f64());
    }
    rates.sort_by(|a, b| a.total_cmp(b));
    Ok((rates[rates.len() / 2], rates[0], rates[rates.len() - 1]))
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

pub fn render(args: RenderBenchArgs) -> Result<(), Error> {
    let mut renderer = Renderer::new()?;
    let adapter = renderer.gpu().describe();
    let worlds: Vec<World> = (0..args.batches.iter().copied().max().unwrap_or(1))
        .map(|i| {
            World::from_scene_file(
                byfeel::sim::scene_path("door"),
                Randomization::Seeded(i as u64),
            )
        })
        .collect::<Result<_, _>>()?;
    let mut cases = Vec::new();
    for &size in &args.sizes {
        for &n in &args.batches {
            let cams: Vec<Camera> = worlds[..n]
                .iter()
                .map(|w| Camera::from_config(&w.config.cameras[0]).with_size(size, size))
                .collect();
            // Geometry is read from the worlds every frame: that is part of the cost.
            let (fps, lo, hi) = rate(args.seconds, args.runs, n, || {
                let geometry: Vec<SceneGeometry> =
                    worlds[..n].iter().map(SceneGeometry::from_world).collect();
                let views: Vec<_> = geometry.iter().zip(&cams).collect();
                renderer.render_cameras(&views)?;
                Ok(())
            })?;
            cases.push(serde_json::json!({"size": size, "envs": n, "frames_per_s": fps, "min": lo, "max": hi}));
        }
    }
    // One environment stepping and rendering, as MuJoCo's "step + render" measures.
    let mut robot = SafetyLayer::new(SimRobot::from_scene("door", Randomization::Nominal)?);
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0);
    let max_step = robot.spec().max_ee_step;
    let mut step_render = Vec::new();
    for &size in &args.sizes {
        let cam = robot.inner().camera("door_top")?.with_size(size, size);
        let mut k = 0u64;
        let (fps, _, _) = rate(args.seconds, args.runs, 1, || {
            k += 1;
            if k % 100 == 0 {
                robot.home()?;
            }
            robot.command(super::random_ee_delta(&mut rng, max_step))?;
            robot.step()?;
            let g = SceneGeometry::from_world(robot.inner().world());
            renderer.render_cameras(&[(&g, &cam)])?;
            Ok(())
        })?;
        step_render.push(serde_json::json!({"size": size, "steps_per_s": fps}));
    }
    let out = serde_json::json!({
        "bench": "render", "scene": "door", "camera": "door_top", "adapter": adapter,
        "render": cases, "step_and_render": step_render, "load": load(),
    });
    if args.json {
        println!("{out}");
    } else {
        println!("camera frames/s on {adapter} (door scene, geometry read + draw + readback):");
        for c in out["render"].as_array().unwrap() {
            println!(
                "  {0}x{0}, {1:>3} envs per submission: {2:>8.0} frames/s",
                c["size"],
                c["envs"],
                c["frames_per_s"].as_f64().unwrap()
            );
        }
        for c in out["step_and_render"].as_array().unwrap() {
            println!(
                "  {0}x{0}, 1 env, physics step + render: {1:.0} steps/s",
                c["size"],
                c["steps_per_s"].as_f64().unwrap()
            );
        }
    }
    Ok(())
}

pub fn tactile(args: TactileBenchArgs) -> Result<(), Error> {
    let mut renderer = Renderer::new()?;
    let adapter = renderer.gpu().describe();
    // The gel pressed on the die, as in TACTO's "render in contact".
    let mut robot = SafetyLayer::new(SimRobot::from_scene("die", Randomization::Nominal)?);
    let at = press_point(robot.inner().world()).ok_or("the die scene has no die")?;
    press_gel(&mut robot, at, 0.0015)?;
    let world = robot.inner().world();
    let gel = GelState::from_world(world).ok_or("the arm has no gel")?;
    let geometry = SceneGeometry::from_world(world);
    let mut cases = Vec::new();
    for size in &args.sizes {
        let (w, h) = size
            .split_once('x')
            .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
            .ok_or_else(|| format!("--sizes: '{size}' is not WIDTHxHEIGHT"))?;
        renderer.set_tactile_config(TactileConfig::default().with_size(w, h))?;
        for &n in &args.batches {
            let views: Vec<(&SceneGeometry, GelState)> = (0..n).map(|_| (&geometry, gel)).collect();
            let contact = renderer.render_tactile(&views[..1])?[0].contact_pixels();
            let (fps, lo, hi) = rate(args.seconds, args.runs, n, || {
                renderer.render_tactile(&views)?;
                Ok(())
            })?;
            cases.push(serde_json::json!({
                "width": w, "height": h, "sensors": n, "frames_per_s": fps, "min": lo, "max": hi,
                "contact_pixels": contact,
            }));
        }
    }
    let out = serde_json::json!({
        "bench": "tactile", "scene": "die", "adapter": adapter, "force_n": gel.force_n,
        "tactile": cases, "load": load(),
    });
    if args.json {
        println!("{out}");
    } else {
        println!(
            "tactile frames/s on {adapter} (gel pressed on the die, {:.2} N):",
            gel.force_n
        );
        for c in out["tactile"].as_array().unwrap() {
            println!(
                "  {}x{}, {:>3} gels per submission: {:>8.0} frames/s",
                c["width"],
                c["height"],
                c["sensors"],
                c["frames_per_s"].as_f64().unwrap()
            );
        }
    }
    Ok(())
}
