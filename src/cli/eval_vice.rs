//! `byfeel eval RUN` for a VICE run: the policy from fresh scenes, judged by the simulator's
//! truth and by the classifier's reward.

use super::Error;
use super::eval::EvalArgs;

pub fn run(args: &EvalArgs) -> Result<(), Error> {
    let (md, r) = byfeel::agents::vice::evaluate_vice_run(&args.run, args.episodes, args.seed)?;
    println!(
        "success {:.0}% over {} episodes, median distance at the end {:.3}, classifier logit \
         at the end {:.2}",
        100.0 * r.success,
        r.episodes,
        r.median_distance,
        r.final_logit
    );
    println!("report: {}", md.display());
    Ok(())
}
