//! `byfeel collect` (random play into an experience store) and `byfeel export` (an episode as a
//! movie to look at).

use std::path::PathBuf;

use byfeel::gym::Task;
use byfeel::gym::collect::{CollectConfig, collect};
use byfeel::gym::store::{Column, StoreReader};
use indicatif::{ProgressBar, ProgressStyle};

use super::Error;

#[derive(clap::Args, Debug)]
pub struct CollectArgs {
    /// Task: door-open, cup-push, die-roll (or reach).
    #[arg(long)]
    pub task: String,
    /// How actions are chosen (only `random` for now).
    #[arg(long, default_value = "random")]
    pub policy: String,
    /// Episodes to add to the store.
    #[arg(long, default_value_t = 10)]
    pub episodes: usize,
    /// Simulated robots stepped in parallel, each in its own randomised scene.
    #[arg(long, default_value_t = 4)]
    pub robots: usize,
    /// The store: created, or reopened and appended to.
    #[arg(long)]
    pub out: PathBuf,
    /// Camera image size, WIDTHxHEIGHT.
    #[arg(long, default_value = "48x48", value_parser = super::image_size_arg)]
    pub image_size: (u32, u32),
    /// Actions per episode (default: the task's).
    #[arg(long)]
    pub max_steps: Option<usize>,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// No progress bar (for logs).
    #[arg(long)]
    pub quiet: bool,
}

pub fn run_collect(args: CollectArgs) -> Result<(), Error> {
    let task = Task::from_name(&args.task).ok_or_else(|| {
        format!(
            "--task {}: use door-open, cup-push, die-roll or reach",
            args.task
        )
    })?;
    if args.policy != "random" {
        return Err(format!("--policy {}: only `random` is available", args.policy).into());
    }
    if args.episodes == 0 || args.robots == 0 {
        return Err("--episodes and --robots must be at least 1".into());
    }
    let mut config = CollectConfig::new(task, args.episodes, args.robots, &args.out);
    config.seed = args.seed;
    config.image_size = args.image_size;
    config.max_episode_steps = args.max_steps;

    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(args.episodes as u64)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} episodes · {msg} (eta {eta})",
        )
        .expect("a valid template"),
    );
    let mut noted = false;
    let done = collect(&config, |p| {
        if let (Some(note), false) = (&p.repair_note, noted) {
            bar.println(format!("note: {note}"));
            noted = true;
        }
        bar.set_position(p.episodes);
        bar.set_message(format!(
            "{:.0} frames/s · {:.1} MB written (with rewrites)",
            p.steps as f64 / p.seconds.max(1e-9),
            p.bytes as f64 / 1e6
        ));
    })?;
    bar.finish_and_clear();
    if let Some(note) = &done.repair_note
        && !noted
    {
        eprintln!("note: {note}");
    }
    let reader = StoreReader::open(&args.out)?;
    println!(
        "{}: +{} episodes, +{} steps in {:.1} s ({:.0} frames/s, {} robots); the store now holds {} episodes, {} steps in {:.1} MB ({:.0} bytes per step)",
        args.out.display(),
        done.episodes,
        done.steps,
        done.seconds,
        done.steps as f64 / done.seconds.max(1e-9),
        args.robots.min(args.episodes),
        reader.num_episodes(),
        reader.num_steps(),
        dir_bytes(&args.out) as f64 / 1e6,
        dir_bytes(&args.out) as f64 / reader.num_steps().max(1) as f64
    );
    Ok(())
}

/// Bytes of the files under `path`.
pub fn dir_bytes(path: &std::path::Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![path.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => stack.push(e.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The store.
    pub store: PathBuf,
    /// Which episode (0 is the first; negative counts from the end).
    #[arg(long, allow_hyphen_values = true, default_value_t = 0)]
    pub episode: i64,
    /// The movie: .gif (animated GIF) or .png (animated PNG).
    #[arg(long)]
    pub out: PathBuf,
    /// Each pixel becomes SCALE×SCALE.
    #[arg(long, default_value_t = 4)]
    pub scale: u32,
    /// Frames per second (default: real time, from the control rate).
    #[arg(long)]
    pub fps: Option<f64>,
}

/// One movie frame: the camera and the gel side by side.
struct Frame {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

pub fn run_export(args: ExportArgs) -> Result<(), Error> {
    let ext = args
        .out
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ext == "mp4" {
        return Err("mp4 is not written: no pure-Rust H.264/AV1 encoder is both practical and light to build (less-avc writes lossless I-frames only; rav1e adds minutes of compile time). Write --out ep.gif or ep.png (animated PNG) instead.".into());
    }
    if ext != "gif" && ext != "png" {
        return Err(format!("--out {}: use a .gif or .png file", args.out.display()).into());
    }
    if !(1..=16).contains(&args.scale) {
        return Err("--scale must be 1 to 16".into());
    }
    let reader = StoreReader::open(&args.store)?;
    let n = reader.num_episodes() as i64;
    let e = if args.episode < 0 {
        n + args.episode
    } else {
        args.episode
    };
    if e < 0 || e >= n {
        return Err(format!("--episode {}: the store holds {n} episodes", args.episode).into());
    }
    let range = reader.episode_range(e as u64)?;
    let images: Vec<(&str, [usize; 3])> = ["camera", "tactile"]
        .into_iter()
        .filter_map(|name| {
            let f = reader.schema().step_field(name)?;
            (f.shape.len() == 3 && f.shape[2] == 3).then(|| (name, [f.shape[0], f.shape[1], 3]))
        })
        .collect();
    if images.is_empty() {
        return Err("the store has no camera or tactile images to show".into());
    }
    let columns = images
        .iter()
        .map(|(name, _)| reader.read_steps(name, range.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let steps = (range.end - range.start) as usize;
    let frames: Vec<Frame> = (0..steps)
        .map(|t| compose(&images, &columns, t, args.scale as usize))
        .collect();
    let fps = args.fps.unwrap_or_else(|| {
        reader
            .attributes()
            .get("step_seconds")
            .and_then(|s| s.as_f64())
            .map_or(10.0, |s| 1.0 / s)
    });
    if !(fps.is_finite() && fps > 0.0) {
        return Err("--fps must be positive".into());
    }
    let file = std::fs::File::create(&args.out)?;
    let mut w = std::io::BufWriter::new(file);
    if ext == "gif" {
        write_gif(&mut w, &frames, fps)?;
    } else {
        write_apng(&mut w, &frames, fps)?;
    }
    println!(
        "{}: episode {e}, {steps} frames at {fps:.1} fps ({} × {} pixels: {})",
        args.out.display(),
        frames[0].width,
        frames[0].height,
        images
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(" | ")
    );
    Ok(())
}

/// The images of step `t`, each scaled to the tallest one's height, side by side.
fn compose(images: &[(&str, [usize; 3])], columns: &[Column], t: usize, scale: usize) -> Frame {
    let height = images.iter().map(|(_, s)| s[0]).max().unwrap() * scale;
    let widths: Vec<usize> = images.iter().map(|(_, s)| s[1] * height / s[0]).collect();
    let width = widths.iter().sum::<usize>();
    let mut rgb = vec![0u8; width * height * 3];
    let mut x0 = 0;
    for (((_, shape), column), &w) in images.iter().zip(columns).zip(&widths) {
        let [h, iw, _] = *shape;
        let data = &column.as_u8().expect("images are bytes")[t * h * iw * 3..(t + 1) * h * iw * 3];
        for y in 0..height {
            let sy = y * h / height;
            for x in 0..w {
                let sx = x * iw / w;
                let src = (sy * iw + sx) * 3;
                let dst = (y * width + x0 + x) * 3;
                rgb[dst..dst + 3].copy_from_slice(&data[src..src + 3]);
            }
        }
        x0 += w;
    }
    Frame { width, height, rgb }
}

fn write_gif(w: &mut impl std::io::Write, frames: &[Frame], fps: f64) -> Result<(), Error> {
    let (width, height) = (frames[0].width as u16, frames[0].height as u16);
    let mut encoder = gif::Encoder::new(w, width, height, &[])?;
    encoder.set_repeat(gif::Repeat::Infinite)?;
    let delay = (100.0 / fps).round().clamp(2.0, 65535.0) as u16;
    for f in frames {
        let mut frame = gif::Frame::from_rgb_speed(width, height, &f.rgb, 10);
        frame.delay = delay;
        encoder.write_frame(&frame)?;
    }
    Ok(())
}

fn write_apng(w: &mut impl std::io::Write, frames: &[Frame], fps: f64) -> Result<(), Error> {
    let mut encoder = png::Encoder::new(w, frames[0].width as u32, frames[0].height as u32);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_animated(frames.len() as u32, 0)?;
    let ms = (1000.0 / fps).round().clamp(1.0, 65535.0) as u16;
    encoder.set_frame_delay(ms, 1000)?;
    let mut writer = encoder.write_header()?;
    for f in frames {
        writer.write_image_data(&f.rgb)?;
    }
    writer.finish()?;
    Ok(())
}
