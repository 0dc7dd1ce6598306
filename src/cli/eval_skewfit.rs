//! `byfeel eval RUN` for a door policy run (Skew-Fit or HER): the policy toward fixed goals,
//! each from a shut door; with `--door`, on doors of the door family.

use super::Error;
use super::eval::EvalArgs;

pub fn run(args: &EvalArgs) -> Result<(), Error> {
    let doors: Vec<Option<u64>> = match args.door.is_empty() {
        true => vec![None],
        false => args.door.iter().copied().map(Some).collect(),
    };
    let mut successes = Vec::new();
    for &door in &doors {
        let (md, result) = byfeel::agents::eval_run::evaluate_door_run(
            &args.run,
            args.episodes,
            args.seed,
            args.strips,
            args.robot.as_deref(),
            door,
        )?;
        let on = door.map_or(String::new(), |d| format!("door {d}: "));
        println!(
            "{on}final angle error {:.3} rad (median {:.3}), hand distance {:.3} m, success {:.0}% over {} goals",
            result.angle_error,
            result.median_angle_error,
            result.hand_distance,
            100.0 * result.success,
            args.episodes
        );
        println!("report: {}", md.display());
        successes.push(result.success);
    }
    if doors.len() > 1 {
        let mean = successes.iter().sum::<f64>() / successes.len() as f64;
        println!("mean success over {} doors: {:.0}%", doors.len(), 100.0 * mean);
    }
    Ok(())
}
