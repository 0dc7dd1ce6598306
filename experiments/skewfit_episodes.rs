//! What happened in a Skew-Fit run's episodes, by the door angle its goal asked for. Whole runs'
//! coverage is set mostly by how long the door sits shut while the hand is off the bar
//! (reset-free, nothing puts it back), so this asks which goals the run was chasing when that
//! happened. It loads a run's checkpoint, replays its stored actions to learn the door angle and
//! hand position after every step and the state each episode's goal image shows, and prints,
//! for the policy's episodes (after the random warm-up) per band of goal door angle: how many
//! episodes, how many moved the door at all (by more than 0.02 rad), how many ended with the
//! door shut (below 0.05 rad), the mean final door-angle error, how many ended with the hand
//! within 2 cm of the lowest height it reached in the run (hooked on the bar, or lowered to it),
//! and how many started with the door shut and did not move it. A second table says where the
//! hand was at the end of those last episodes (door shut, never moved), in the door's frame
//! relative to where a hard reset hooks it: out past the bar, lifted over the slot, or off
//! toward the hinge past the bar's end, the places a hook cannot pull the door from.
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
    // Where the hand ended in the episodes that started shut and never moved the door.
    let mut stuck_ends: Vec<State> = Vec::new();
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
        let stayed_shut = start[0] < 0.05 && !moved;
        b.stayed_shut += stayed_shut as usize;
        if stayed_shut {
            stuck_ends.push(end);
        }
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
    stuck_hands(&run, &stuck_ends, &after_step[0])?;
    Ok(())
}

/// Where the hand sat at the end of the policy's episodes that started with the door shut and
/// never moved it, relative to where a goal with the door shut puts it (hooked: the prong in the
/// slot between bar and door), in the door's frame: `out` is toward the robot, away from the
/// door's face (a hand out past the bar cannot pull the door), `up` is height. A run stuck with
/// the door shut says here why.
fn stuck_hands(
    run: &std::path::Path,
    stuck_ends: &[State],
    first_step: &State,
) -> Result<(), Box<dyn std::error::Error>> {
    let scene: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("scene.json"))?)?;
    let scene_file = scene["scene"]
        .as_str()
        .ok_or("scene.json names no scene file")?;
    // Training builds the nominal door (resume refuses any other), so this is the run's door.
    let world =
        byfeel::sim::World::from_scene_file(scene_file, byfeel::sim::Randomization::Nominal)?;
    let door = world.door.as_ref().ok_or("the run's scene has no door")?;
    let (hx, hy) = (door.hinge.x, door.hinge.y);
    let hooked = door.slot_position(0.0) - byfeel::sim::HOOK_PRONG;
    // The door swings toward the robot about a vertical hinge: its face's outward normal is
    // (-cos θ, -sin θ) and its length runs along (-sin θ, cos θ).
    let door_frame = |a: f64, x: f64, y: f64, z: f64| {
        let (dx, dy) = (x - hx, y - hy);
        (
            -dx * a.sin() + dy * a.cos(),
            -dx * a.cos() - dy * a.sin(),
            z,
        )
    };
    let (along0, out0, up0) = door_frame(0.0, hooked.x, hooked.y, hooked.z);
    // The bar's ends, along the door from the hooked place (its hinge-side end may reach farther).
    let handle = &world
        .config
        .door
        .as_ref()
        .ok_or("the run's scene has no door")?
        .handle;
    let half = handle.length.nominal() / 2.0;
    let (bar_hinge_end, bar_free_end) = (-(half + handle.reach_toward_hinge), half);
    let door_frame = |s: &State| door_frame(s[0] as f64, s[1] as f64, s[2] as f64, s[3] as f64);
    let mut counts = [0usize; 5];
    let names = [
        "hooked: within 1.5 cm of the hooked place out and 2 cm up",
        "over the slot, lifted 2 cm or more",
        "out past the bar (1.5 cm or more toward the robot), at the bar's height or below",
        "out past the bar and lifted",
        "beyond the bar's ends (along the door, past where the bar ends)",
    ];
    for end in stuck_ends {
        let (along, out, up) = door_frame(end);
        let (d_along, d_out, d_up) = (along - along0, out - out0, up - up0);
        let k = if d_along < bar_hinge_end || d_along > bar_free_end {
            4
        } else if d_out >= 0.015 {
            if d_up >= 0.02 { 3 } else { 2 }
        } else if d_up >= 0.02 {
            1
        } else {
            0
        };
        counts[k] += 1;
    }
    let n: usize = counts.iter().sum();
    let first = door_frame(first_step);
    println!(
        "\nWhere the hand was at the end of the {n} episodes that started shut and never moved the door \
         (relative to the hooked place of a goal with the door shut; the run's first step ended \
         {:.1} cm along, {:.1} cm out and {:.1} cm up from it):\n",
        100.0 * (first.0 - along0),
        100.0 * (first.1 - out0),
        100.0 * (first.2 - up0),
    );
    println!("| hand | episodes |");
    println!("|---|---|");
    for (name, c) in names.iter().zip(counts) {
        println!(
            "| {name} | {c} ({:.0} %) |",
            100.0 * c as f64 / n.max(1) as f64
        );
    }
    Ok(())
}
