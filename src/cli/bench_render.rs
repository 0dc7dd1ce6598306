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

/// Seconds of CPU this process has used (all threads, including the driver's: lavapipe
/// rasterises on several), from /proc; 0 where that is not available.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the ')'.
    (ticks(11) + ticks(12)) / 100.0
}

/// A measured rate: median, min and max per wall second, and per CPU second.
struct Rate {
    median: f64,
    min: f64,
    max: f64,
    per_cpu_s: f64,
}

/// Runs `frame` (which draws `per_call` frames) for `seconds`, `runs` times.
fn rate(
    seconds: f64,
    runs: usize,
    per_call: usize,
    mut frame: impl FnMut() -> Result<(), Error>,
) -> Result<Rate, Error> {
    if runs == 0 || seconds.is_nan() || seconds <= 0.0 {
        return Err("--runs must be at least 1 and --seconds positive".into());
    }
    for _ in 0..3 {
        frame()?;
    }
    let mut rates = Vec::with_capacity(runs);
    let (mut frames, cpu0) = (0usize, cpu_seconds());
    for _ in 0..runs {
        let t0 = Instant::now();
        let mut n = 0usize;
        while t0.elapsed().as_secs_f64() < seconds {
            frame()?;
            n += per_call;
        }
        rates.push(n as f64 / t0.elapsed().as_secs_f64());
        frames += n;
    }
    let cpu = cpu_seconds() - cpu0;
    rates.sort_by(|a, b| a.total_cmp(b));
    Ok(Rate {
        median: rates[rates.len() / 2],
        min: rates[0],
        max: rates[rates.len() - 1],
        per_cpu_s: if cpu > 0.0 { frames as f64 / cpu } else { 0.0 },
    })
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
            let r = rate(args.seconds, args.runs, n, || {
                let geometry: Vec<SceneGeometry> =
                    worlds[..n].iter().map(SceneGeometry::from_world).collect();
                let views: Vec<_> = geometry.iter().zip(&cams).collect();
                renderer.render_cameras(&views)?;
                Ok(())
            })?;
            cases.push(serde_json::json!({
                "size": size, "envs": n, "frames_per_s": r.median, "min": r.min, "max": r.max,
                "frames_per_cpu_s": r.per_cpu_s,
            }));
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
        let r = rate(args.seconds, args.runs, 1, || {
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
        step_render.push(serde_json::json!({"size": size, "steps_per_s": r.median, "steps_per_cpu_s": r.per_cpu_s}));
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
                "  {0}x{0}, {1:>3} envs per submission: {2:>8.0} frames/s ({3:.0} per CPU-s)",
                c["size"],
                c["envs"],
                c["frames_per_s"].as_f64().unwrap(),
                c["frames_per_cpu_s"].as_f64().unwrap()
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
        let (w, h) = super::parse_size(size)
            .ok_or_else(|| format!("--sizes: '{size}' is not WIDTHxHEIGHT"))?;
        renderer.set_tactile_config(TactileConfig::default().with_size(w, h))?;
        for &n in &args.batches {
            let views: Vec<(&SceneGeometry, GelState)> = (0..n).map(|_| (&geometry, gel)).collect();
            let contact = renderer.render_tactile(&views[..1])?[0].contact_pixels();
            let r = rate(args.seconds, args.runs, n, || {
                renderer.render_tactile(&views)?;
                Ok(())
            })?;
            cases.push(serde_json::json!({
                "width": w, "height": h, "sensors": n, "frames_per_s": r.median, "min": r.min, "max": r.max,
                "frames_per_cpu_s": r.per_cpu_s,
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
                "  {}x{}, {:>3} gels per submission: {:>8.0} frames/s ({:.0} per CPU-s)",
                c["width"],
                c["height"],
                c["sensors"],
                c["frames_per_s"].as_f64().unwrap(),
                c["frames_per_cpu_s"].as_f64().unwrap()
            );
        }
    }
    Ok(())
}
