//! Subcommands of the `byfeel` tool.

mod bench;
mod bench_env;
mod bench_predictor;
mod bench_remote;
mod bench_render;
mod bench_skewfit;
mod bench_vice;
mod bench_memory;
mod bench_world_model;
mod bench_store;
mod collect;
mod demo;
mod eval;
mod eval_skewfit;
mod eval_vice;
mod examples;
mod movie;
mod names;
mod probe;
mod render;
mod serve;
mod sim;
mod train;
mod train_vice;
mod view;

use byfeel::gym::Command;
use clap::{Parser, Subcommand, ValueEnum};
use rand::Rng;

/// byfeel: a robot simulator and learning gym (arm, door, cup, 20-sided die, gel fingertip).
#[derive(Parser, Debug)]
#[command(name = "byfeel", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Commands,
}

#[derive(Subcommand, Debug)]
pub enum Commands {
    /// Run a scene with random end-effector actions and report what happened.
    Sim(sim::SimArgs),
    /// Write a camera image or the gel's tactile image of a scene to a PNG file.
    Render(render::RenderArgs),
    /// Open a scene in a window: orbit/zoom with the mouse, WASD/EQ move the hand, Space
    /// pauses, N steps, R resets.
    View(view::ViewArgs),
    /// Run simulated robots with a policy and append every step to an experience store.
    Collect(collect::CollectArgs),
    /// Turn an episode of a store into a movie (animated GIF or PNG).
    Export(collect::ExportArgs),
    /// Make a folder of pictures of success from the simulator (for reward from examples).
    Examples(examples::ExamplesArgs),
    /// Train an agent's model on an experience store.
    Train {
        /// Serve a live view of the run for a browser at HOST:PORT (port 0 picks a free one;
        /// the address is printed): every robot's camera and gel pictures as they happen, the
        /// goal, and the training curves.
        #[arg(long, global = true, value_name = "HOST:PORT")]
        watch: Option<String>,
        #[command(subcommand)]
        what: train::TrainCommand,
    },
    /// Evaluate a trained agent and its baselines on the same goals, with a report.
    Eval(eval::EvalArgs),
    /// Watch a shipped agent at work, saved as a movie (`byfeel demo die-roll`).
    Demo(demo::DemoArgs),
    /// Measure how fast parts of byfeel run.
    Bench {
        #[command(subcommand)]
        what: bench::BenchCommand,
    },
    /// Serve a scene's arm over the network (gRPC), guarded on this side, for agents elsewhere
    /// (`byfeel serve --scene door --listen 127.0.0.1:50051`).
    Serve(serve::ServeArgs),
    /// Check what a sensor can tell (`byfeel probe die-faces`: the die's faces by touch).
    Probe {
        #[command(subcommand)]
        what: probe::ProbeCommand,
    },
}

/// A bundled scene.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SceneName {
    Door,
    Cup,
    Die,
}

impl SceneName {
    pub fn as_str(self) -> &'static str {
        match self {
            SceneName::Door => "door",
            SceneName::Cup => "cup",
            SceneName::Die => "die",
        }
    }
}

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The scene a command runs: the file given with --scene-file, else the bundled scene's name.
pub fn scene_arg(scene: SceneName, file: Option<&std::path::Path>) -> String {
    match file {
        Some(path) => path.to_string_lossy().into_owned(),
        None => scene.as_str().to_string(),
    }
}

/// "WIDTHxHEIGHT" as two numbers.
pub fn parse_size(text: &str) -> Option<(u32, u32)> {
    let (w, h) = text.split_once('x')?;
    Some((w.trim().parse().ok()?, h.trim().parse().ok()?))
}

/// `parse_size` for clap: 1 to 1024 per side.
pub fn image_size_arg(text: &str) -> Result<(u32, u32), String> {
    match parse_size(text) {
        Some((w, h)) if (1..=1024).contains(&w) && (1..=1024).contains(&h) => Ok((w, h)),
        _ => Err(format!(
            "{text:?}: give WIDTHxHEIGHT, each 1 to 1024 (e.g. 48x48)"
        )),
    }
}

pub fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Commands::Sim(args) => sim::run(args),
        Commands::Render(args) => render::run(args),
        Commands::View(args) => view::run(args),
        Commands::Collect(args) => collect::run_collect(args),
        Commands::Export(args) => collect::run_export(args),
        Commands::Examples(args) => examples::run(args),
        Commands::Train { watch, what } => {
            if let Some(addr) = watch {
                watch_at(&addr)?;
            }
            train::run(what)
        }
        Commands::Eval(args) => eval::run(args),
        Commands::Demo(args) => demo::run(args),
        Commands::Bench { what } => bench::run(what),
        Commands::Probe { what } => probe::run(what),
        Commands::Serve(args) => serve::run(args),
    }
}

/// A uniformly random end-effector delta in [-1, 1]³ × `max_step` metres: the random policy.
/// A bar counting `len` `unit` with elapsed time, a message and an estimate of the time left;
/// hidden when `quiet`.
pub fn progress_bar(len: usize, unit: &str, quiet: bool) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    indicatif::ProgressBar::new(len as u64).with_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{spinner}} [{{elapsed_precise}}] {{bar:30}} {{pos}}/{{len}} {unit} · {{msg}} (eta {{eta}})"
        ))
        .expect("a valid template"),
    )
}

pub fn random_ee_delta(rng: &mut impl Rng, max_step: f64) -> Command {
    let mut d = || rng.random_range(-1.0..=1.0) * max_step;
    Command::ee_delta(d(), d(), d())
}

/// Serves this process's watch page at `addr` and says where.
fn watch_at(addr: &str) -> Result<(), Error> {
    let watch = byfeel::render::watch::Watch::serve(addr)
        .map_err(|e| format!("--watch {addr}: {e}"))?;
    let command: Vec<String> = std::env::args().skip(1).collect();
    watch.set_title(&format!("byfeel {}", command.join(" ")));
    eprintln!("watch this run at {}", watch.url());
    byfeel::render::watch::install(watch);
    Ok(())
}
