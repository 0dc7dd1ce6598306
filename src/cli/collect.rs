//! `byfeel collect` (random play into an experience store) and `byfeel export` (an episode as a
//! movie to look at).

use std::path::PathBuf;

use byfeel::gym::Task;
use byfeel::gym::collect::{CollectConfig, collect};
use byfeel::gym::store::{Column, StoreReader};

use super::Error;
use super::movie::{self, Frame};

#[derive(clap::Args, Debug)]
pub struct CollectArgs {
    #[arg(long, value_enum)]
    pub task: super::names::TaskName,
    /// How actions are chosen: `random` (uniform in [-1, 1]³), `pressing` (the same, but
    /// never lifting the hand: Δz in [-1, 0]) or, for die-roll, `play` (random pushes, each
    /// followed by a return over the die's top face, pressed as in the goal picture).
    #[arg(long, value_enum, default_value = "random")]
    pub policy: super::names::PolicyName,
    /// Hold each random action for this many steps (the predictive agent's planner holds its
    /// actions 3 steps).
    #[arg(long, default_value_t = 1)]
    pub hold: usize,
    /// Play: play each seed this many times, the first push turned a further 360°/N each
    /// time and the gel returned over the die until the 12th action (sibling episodes; the
    /// die's world model learns which face a push brings up by telling siblings' futures apart).
    #[arg(long, default_value_t = 1)]
    pub branches: usize,
    /// Domain randomisation: each episode on an arm across a reality gap drawn between none and
    /// this one (a preset: mild, hard; or a gap file, as `byfeel serve --gap` takes).
    #[arg(long, value_name = "PRESET|FILE")]
    pub gap_range: Option<String>,
    /// door-open only: every episode on this door of the door family (from 1 000 000 on: the
    /// held-out doors) instead of a freshly drawn door each episode.
    #[arg(long)]
    pub door: Option<u64>,
    /// What one action does: `hand` (move the hand by Δxyz) or, for die-roll, `roll` (push the
    /// die over in a direction, then feel for its top face again and press it: 2 numbers).
    #[arg(long, value_enum, default_value = "hand")]
    pub actions: super::names::ActionsName,
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
    let task = Task::from(args.task);
    let policy = byfeel::gym::collect::Policy::from(args.policy);
    if args.episodes == 0 || args.robots == 0 || args.hold == 0 || args.branches == 0 {
        return Err("--episodes, --robots, --hold and --branches must be at least 1".into());
    }
    let mode = byfeel::gym::ActionMode::from(args.actions);
    let mut config = CollectConfig::new(task, args.episodes, args.robots, &args.out);
    config.action_mode = mode;
    config.seed = args.seed;
    config.policy = policy;
    config.hold = args.hold;
    config.branches = args.branches;
    config.image_size = args.image_size;
    config.max_episode_steps = args.max_steps;
    config.gap_range = args
        .gap_range
        .as_deref()
        .map(byfeel::gym::gap::RealityGap::from_arg)
        .transpose()?;
    config.door = args.door;

    let bar = super::progress_bar(args.episodes, "episodes", args.quiet);
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

pub fn run_export(args: ExportArgs) -> Result<(), Error> {
    movie::check_path(&args.out)?;
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
    movie::write(&args.out, &frames, fps)?;
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
    let parts: Vec<([usize; 2], &[u8])> = images
        .iter()
        .zip(columns)
        .map(|((_, [h, w, _]), column)| {
            let bytes = column.as_u8().expect("images are bytes");
            ([*h, *w], &bytes[t * h * w * 3..(t + 1) * h * w * 3])
        })
        .collect();
    Frame::side_by_side(&parts, scale)
}
