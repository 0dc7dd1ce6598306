//! `byfeel eval RUN` for a Skew-Fit run: the policy toward fixed goal images, from a shut door.

use std::fmt::Write as _;

use byfeel::agents::skewfit;
use byfeel::render::image::{hstack, save_rgb_png};

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

/// Writes `eval/report.md` and `eval/report.json` and says where.
fn report(
    args: &EvalArgs,
    goals: &str,
    result: &skewfit::EvalResult,
    strips: &[skewfit::GoalStrip],
) -> Result<(), Error> {
    let out = args.run.join("eval");
    std::fs::create_dir_all(&out)?;
    let side = skewfit::vae::IMAGE_SIDE as u32;
    let mut md = format!(
        "# {} on the door ({} {goals}, seeds {}..)\n\n\
         | final angle error: mean | median | hand distance | success (0.02 rad and 0.03 m) |\n\
         |---|---|---|---|\n\
         | {:.3} rad | {:.3} rad | {:.3} m | {:.0}% |\n\n",
        args.run.display(),
        args.episodes,
        args.seed,
        result.angle_error,
        result.median_angle_error,
        result.hand_distance,
        100.0 * result.success
    );
    if !strips.is_empty() {
        md.push_str(
            "Each strip: the goal image, the last frame, and the VAE's reconstruction of the last frame.\n\n",
        );
    }
    for (i, (s, g)) in strips.iter().zip(&result.goals).enumerate() {
        let (w, h, rgb) = hstack(
            &[
                (side, side, s.goal.as_slice()),
                (side, side, s.last.as_slice()),
                (side, side, s.reconstruction.as_slice()),
            ],
            2,
        );
        let name = format!("goal-{i:03}.png");
        save_rgb_png(&out.join(&name), w, h, &rgb)?;
        writeln!(
            md,
            "![goal {i}: angle error {:.3} rad, hand {:.3} m]({name})",
            g.angle_error, g.hand_distance
        )?;
    }
    md.push_str(
        "\n| goal (seed) | goal angle | final angle | angle error | hand distance | success |\n\
         |---|---|---|---|---|---|\n",
    );
    for (i, g) in result.goals.iter().enumerate() {
        writeln!(
            md,
            "| {} | {:.3} rad | {:.3} rad | {:.3} rad | {:.3} m | {} |",
            args.seed + i as u64,
            g.goal_angle,
            g.final_angle,
            g.angle_error,
            g.hand_distance,
            if g.success { "yes" } else { "no" }
        )?;
    }
    std::fs::write(
        out.join("report.json"),
        serde_json::to_string_pretty(&result)?,
    )?;
    std::fs::write(out.join("report.md"), md)?;
    println!(
        "final angle error {:.3} rad (median {:.3}), hand distance {:.3} m, success {:.0}% over {} goals",
        result.angle_error,
        result.median_angle_error,
        result.hand_distance,
        100.0 * result.success,
        args.episodes
    );
    println!("report: {}", out.join("report.md").display());
    Ok(())
}
