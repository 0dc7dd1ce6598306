//! `byfeel eval RUN` for a Skew-Fit run: the policy toward fixed goal images, from a shut door.

use byfeel::agents::skewfit;

use super::Error;
use super::eval::EvalArgs;

pub fn run(args: &EvalArgs) -> Result<(), Error> {
    let (_, vae, sac) = skewfit::load(&args.run)?;
    let (result, strips) = skewfit::evaluate(&vae, &sac, args.episodes, args.seed, args.strips)?;
    report(args, "goal images", &result, &strips)
}

/// `byfeel eval RUN` for a `byfeel train her` run: the state policy toward the goals Skew-Fit
/// is evaluated on (the same seeds give the same goals), from a shut door.
pub fn run_her(args: &EvalArgs) -> Result<(), Error> {
    let (_, sac) = byfeel::agents::her::load_her(&args.run)?;
    let result = byfeel::agents::her::evaluate_her(&sac, args.episodes, args.seed)?;
    report(args, "goals, as states", &result, &[])
}

/// Writes the door's report and says what it found.
fn report(
    args: &EvalArgs,
    goals: &str,
    result: &skewfit::EvalResult,
    strips: &[skewfit::GoalStrip],
) -> Result<(), Error> {
    let out = args.run.join("eval");
    std::fs::create_dir_all(&out)?;
    let md = byfeel::agents::report::door(&out, &args.run, goals, args.seed, result, strips)?;
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
