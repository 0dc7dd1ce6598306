//! `byfeel examples`: a folder of pictures of success from the simulator, as a user would
//! photograph them, for reward from examples (VICE).

use std::path::PathBuf;

use super::Error;
use super::names::TaskName;
use byfeel::gym::{Success, success_pictures};

#[derive(clap::Args, Debug)]
pub struct ExamplesArgs {
    /// door-open (the door open to --angle) or cup-push (the cup at --cup).
    #[arg(long, value_enum)]
    pub task: TaskName,
    /// The door's angle in the pictures, rad.
    #[arg(long, default_value_t = 0.6)]
    pub angle: f64,
    /// The pictures spread over --angle ± this, rad.
    #[arg(long, default_value_t = 0.05)]
    pub tolerance: f64,
    /// Where the cup stands in the pictures: X,Y in metres.
    #[arg(long, value_delimiter = ',', num_args = 2, default_values_t = [0.62, 0.0])]
    pub cup: Vec<f64>,
    /// The cup anywhere within this of --cup, m.
    #[arg(long, default_value_t = 0.02)]
    pub radius: f64,
    /// Pictures to make.
    #[arg(long, default_value_t = 20)]
    pub count: usize,
    /// Their side, pixels.
    #[arg(long, default_value_t = 48)]
    pub size: u32,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The folder to write `example-000.png`, … and `examples.toml` (what they show) into.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: ExamplesArgs) -> Result<(), Error> {
    let success = match args.task {
        TaskName::DoorOpen => Success::DoorAngle {
            angle: args.angle,
            tolerance: args.tolerance,
        },
        TaskName::CupPush => Success::CupAt {
            x: args.cup[0],
            y: args.cup[1],
            radius: args.radius,
        },
        other => {
            let name = super::names::name_of(other);
            return Err(
                format!("--task {name}: examples are made for door-open and cup-push").into(),
            );
        }
    };
    if args.count == 0 || !(1..=1024).contains(&args.size) {
        return Err("--count must be at least 1 and --size 1 to 1024".into());
    }
    if args.out.join("examples.toml").exists() {
        return Err(format!(
            "{} already holds examples: choose another --out",
            args.out.display()
        )
        .into());
    }
    let pictures = success_pictures(&success, args.count, args.size, args.seed)?;
    byfeel::agents::vice::save_examples(&args.out, &pictures, args.size)?;
    byfeel::agents::vice::write_judge(&args.out, &success)?;
    println!(
        "{}: {} pictures of {success:?}",
        args.out.display(),
        args.count
    );
    Ok(())
}
