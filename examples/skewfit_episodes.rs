//! What happened in a Skew-Fit run's episodes, by the door angle its goal asked for. Whole runs'
//! coverage is set mostly by how long the door sits shut while the hand is off the bar
//! (reset-free, nothing puts it back), so this asks which goals the run was chasing when that
//! happened. It loads a run's checkpoint, replays its stored actions to learn the door angle and
//! hand position after every step and the state each episode's goal image shows, and prints,
//! for the policy's episodes (after the random warm-up) per band of goal door angle: how many
//! episodes, how many moved the door at all (by more than 0.02 rad), how many ended with the
//! door shut (below 0.05 rad), the mean final door-angle error, how many ended with the hand
//! within 2 cm of the lowest height it reached in the run (hooked on the bar, or lowered to it),
//! and how many started with the door shut and did not move it.
//!
//! Run: `cargo run --release --example skewfit_episodes -- RUN`

use byfeel::agents::skewfit::{checkpoint, read_config};

/// Door angle, hand x, y, z after a step.
type State = [f32; 4];

#[derive(Default)]
struct Band {
    episodes: usize,
    moved: usize,
    shut_at_end: usize,
    angle_error: f64,
    hand_low_at_end: usize,
    stayed_shut: usize,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let run = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: skewfit_episodes RUN")?,
    );
    let config = read_config(&run)?;
    let device = byfeel::agents::default_device();
    let (resumed, after_step) = checkpoint::load_with_states(&run, &config, &device.autodiff())?
        .ok_or("the run has no checkpoint yet")?;
    let replay = &resumed.replay;
    let mut state_of_frame: Vec<Option<State>> = vec![None; replay.num_frames()];
    for (s, st) in after_step.iter().enumerate() {
        state_of_frame[replay.step_frames(s).1] = Some(*st);
    }
    let lowest = after_step
        .iter()
        .map(|s| s[3])
        .fold(f32::INFINITY, f32::min);

    let bands = [(0.0, 0.05), (0.05, 0.3), (0.3, 0.6), (0.6, 1.1)];
    let mut table: Vec<Band> = bands.iter().map(|_| Band::default()).collect();
    let mut first_step = 0;
    for ep in &replay.episodes {
        let steps = first_step..first_step + ep.steps;
        first_step += ep.steps;
        if steps.start < config.warmup_steps || ep.steps == 0 {
            continue;
        }
        let (Some(goal), Some(start)) = (state_of_frame[ep.goal], state_of_frame[ep.first]) else {
            continue;
        };
        let end = after_step[steps.end - 1];
        let (lo, hi) = after_step[steps]
            .iter()
            .fold((start[0], start[0]), |(lo, hi), s| {
                (lo.min(s[0]), hi.max(s[0]))
            });
        let Some(k) = bands
            .iter()
            .position(|&(l, h)| (l..h).contains(&goal[0].max(0.0)))
        else {
            continue;
        };
        let b = &mut table[k];
        b.episodes += 1;
        let moved = hi - lo > 0.02;
        b.moved += moved as usize;
        b.shut_at_end += (end[0] < 0.05) as usize;
        b.angle_error += (end[0] - goal[0]).abs() as f64;
        b.hand_low_at_end += (end[3] < lowest + 0.02) as usize;
        b.stayed_shut += (start[0] < 0.05 && !moved) as usize;
    }

    let total: usize = table.iter().map(|b| b.episodes).sum();
    println!(
        "{}: the policy's {total} episodes (after {} warm-up steps), by the goal's door angle",
        run.display(),
        config.warmup_steps
    );
    println!(
        "\n| goal door angle (rad) | episodes | moved the door | door shut at the end | \
         final angle error | hand low at the end | started shut, never moved it |"
    );
    println!("|---|---|---|---|---|---|---|");
    let pct = |n: usize, of: usize| 100.0 * n as f64 / of.max(1) as f64;
    for (&(lo, hi), b) in bands.iter().zip(&table) {
        println!(
            "| {lo:.2}–{hi:.2} | {} ({:.0} %) | {:.0} % | {:.0} % | {:.3} rad | {:.0} % | {:.0} % |",
            b.episodes,
            pct(b.episodes, total),
            pct(b.moved, b.episodes),
            pct(b.shut_at_end, b.episodes),
            b.angle_error / b.episodes.max(1) as f64,
            pct(b.hand_low_at_end, b.episodes),
            pct(b.stayed_shut, b.episodes),
        );
    }
    let sum = |f: &dyn Fn(&Band) -> usize| table.iter().map(f).sum::<usize>();
    println!(
        "| all | {total} | {:.0} % | {:.0} % | {:.3} rad | {:.0} % | {:.0} % |",
        pct(sum(&|b| b.moved), total),
        pct(sum(&|b| b.shut_at_end), total),
        table.iter().map(|b| b.angle_error).sum::<f64>() / total.max(1) as f64,
        pct(sum(&|b| b.hand_low_at_end), total),
        pct(sum(&|b| b.stayed_shut), total),
    );
    Ok(())
}
