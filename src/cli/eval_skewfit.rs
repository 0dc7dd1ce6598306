//! `byfeel eval RUN` for a door policy run (Skew-Fit or HER): the policy toward fixed goals,
//! each from a shut door.

use super::Error;
use super::eval::EvalArgs;

pub fn run(args: &EvalArgs) -> Result<(), Error> {
    let (md, result) = byfeel::agents::eval_run::evaluate_door_run(
        &args.run,
        args.episodes,
        args.seed,
        args.strips,
        args.robot.as_deref(),
    )?;
    println!(
        "final angle error {:.3} rad (median {:.3}), hand distance {:.3} m, success {:.0}% over {} goals",
        result.angle_error,
        result.median_angle_error,
        result.hand_distance,
        100.0 * result.success,
        args.episodes
    );
    println!("report: {}", md.display());
    Ok(())
}
