//! `byfeel sim`: run a scene under the random policy and say what happened.

use super::{Error, SceneName, random_ee_delta};
use byfeel::gym::{Oracle, OracleState, Robot, SafetyLayer, SimRobot};
use byfeel::sim::Randomization;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[derive(clap::Args, Debug)]
pub struct SimArgs {
    /// Which bundled scene to run.
    #[arg(long, value_enum, default_value_t = SceneName::Door)]
    pub scene: SceneName,
    /// Run this scene file instead (e.g. a copy of assets/scenes/door.toml with your own arm).
    #[arg(long, conflicts_with = "scene")]
    pub scene_file: Option<std::path::PathBuf>,
    /// Control steps to run (0.1 s each by default).
    #[arg(long, default_value_t = 100)]
    pub steps: u64,
    /// Seed for the random actions (and for the scene, with --randomize).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Draw the scene's ranges (door handle, damping, cup mass, die placement...) from the seed.
    #[arg(long)]
    pub randomize: bool,
    /// Print one JSON object at the end instead of a report.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: SimArgs) -> Result<(), Error> {
    let randomization = if args.randomize {
        Randomization::Seeded(args.seed)
    } else {
        Randomization::Nominal
    };
    let scene = super::scene_arg(args.scene, args.scene_file.as_deref());
    let mut robot = SafetyLayer::new(SimRobot::from_scene(&scene, randomization)?);
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let max_step = robot.spec().max_ee_step;
    let start = robot.oracle();
    let report_every = (args.steps / 10).max(1);
    if !args.json {
        println!(
            "scene {scene} ({} joints, control step {} s), random end-effector actions, seed {}",
            robot.spec().joints.len(),
            robot.spec().control_dt,
            args.seed
        );
        println!("start: {}", describe(&start));
    }
    let mut state = robot.state();
    for step in 1..=args.steps {
        robot.command(random_ee_delta(&mut rng, max_step))?;
        state = robot.step()?;
        if !args.json && step % report_every == 0 {
            let p = state.ee_position;
            println!(
                "t={:6.1}s hand=({:.3}, {:.3}, {:.3})  {}",
                state.time,
                p.x,
                p.y,
                p.z,
                describe(&robot.oracle())
            );
        }
    }
    let end = robot.oracle();
    if args.json {
        let json = serde_json::json!({
            "scene": scene,
            "steps": args.steps,
            "seed": args.seed,
            "sim_seconds": state.time,
            "hand": state.ee_position.to_array(),
            "door_angle": end.door_angle,
            "cup_position": end.cup_position.map(|p| p.to_array()),
            "cup_tilt": end.cup_tilt,
            "die_face_up": end.die_face_up,
            "die_face_on_gel": end.die_face_on_gel,
        });
        println!("{json}");
    } else {
        println!("end:   {}", describe(&end));
        println!("{}", summary(&start, &end));
    }
    Ok(())
}

/// One line of oracle state for people.
fn describe(o: &OracleState) -> String {
    let mut parts = Vec::new();
    if let Some(a) = o.door_angle {
        parts.push(format!("door angle {:.3} rad ({:.1}°)", a, a.to_degrees()));
    }
    if let (Some(p), Some(t)) = (o.cup_position, o.cup_tilt) {
        parts.push(format!(
            "cup at ({:.3}, {:.3}) tilt {:.1}°",
            p.x,
            p.y,
            t.to_degrees()
        ));
    }
    if let Some(f) = o.die_face_up {
        let gel = o
            .die_face_on_gel
            .map(|g| g.to_string())
            .unwrap_or_else(|| "none".into());
        parts.push(format!("die face up {f}, face on gel {gel}"));
    }
    parts.join(", ")
}

fn summary(start: &OracleState, end: &OracleState) -> String {
    let mut parts = Vec::new();
    if let (Some(a), Some(b)) = (start.door_angle, end.door_angle) {
        parts.push(format!("the door moved {:+.1}°", (b - a).to_degrees()));
    }
    if let (Some(a), Some(b)) = (start.cup_position, end.cup_position) {
        let tipped = if end.cup_tilt.unwrap_or(0.0) > 1.0 {
            " and tipped over"
        } else {
            ""
        };
        parts.push(format!(
            "the cup moved {:.1} cm{tipped}",
            (b - a).truncate().length() * 100.0
        ));
    }
    if let (Some(a), Some(b)) = (start.die_face_up, end.die_face_up) {
        parts.push(if a == b {
            format!("the die still shows {b}")
        } else {
            format!("the die rolled from {a} to {b}")
        });
    }
    format!("so: {}", parts.join("; "))
}
