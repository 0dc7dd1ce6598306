//! What does a Skew-Fit run's skew favour? Skew-Fit explores by proposing the images its VAE
//! finds rare; on the door that helps only if the rare images are the ones with the door open.
//! This loads a run's checkpoint, replays its stored actions to learn each frame's door angle
//! and hand position (the replay keeps only images), estimates every frame's density with the
//! run's VAE, and reports, per band of door angle and of hand height, the share of frames
//! against the share of the skewed sampling weight (q̂^α) they get. Its last line is the
//! coverage of the goals each proposer would practise on this buffer: the evenness of the
//! door-angle histogram (the bins training's coverage uses) under uniform draws, which is
//! what RIG (α = 0) proposes from, and under the skewed draws.
//!
//! Run: `cargo run --release --example skewfit_rarity -- RUN [ALPHA]`
//! (ALPHA defaults to the run's own; pass −0.5 to ask what the skew would favour in a RIG run).

use burn::prelude::*;
use byfeel::agents::skewfit::coverage::{ANGLE_BINS, ANGLE_RANGE, angle_bin, coverage};
use byfeel::agents::skewfit::read_config;
use byfeel::agents::skewfit::train::log_densities;
use byfeel::agents::skewfit::{checkpoint, skew_weights};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let run = std::path::PathBuf::from(args.next().ok_or("usage: skewfit_rarity RUN [ALPHA]")?);
    let config = read_config(&run)?;
    let alpha: f64 = match args.next() {
        Some(a) => a.parse().map_err(|e| format!("ALPHA is {a:?}: {e}"))?,
        None => config.alpha,
    };
    let device = byfeel::agents::default_device();
    // What the simulator says of the frame after each stored step: angle, hand x, y, z.
    let (resumed, after_step) = checkpoint::load_with_states(&run, &config, &device.autodiff())?
        .ok_or("the run has no checkpoint yet")?;
    let replay = &resumed.replay;
    let mut state_of_frame = vec![None; replay.num_frames()];
    for (s, st) in after_step.iter().enumerate() {
        state_of_frame[replay.step_frames(s).1] = Some(*st);
    }

    let vae = resumed.vae.valid();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let known: Vec<usize> = replay
        .state_frames()
        .iter()
        .copied()
        .filter(|&f| state_of_frame[f].is_some())
        .collect();
    let log_q = log_densities(&vae, replay, &known, config.density_samples, &mut rng);
    let states: Vec<[f32; 4]> = known.iter().map(|&f| state_of_frame[f].unwrap()).collect();
    let w = skew_weights(&log_q, alpha)?;
    println!(
        "{}: {} frames, α {alpha}; log q̂ from {:.0} to {:.0} nats",
        run.display(),
        states.len(),
        log_q.iter().cloned().fold(f64::INFINITY, f64::min),
        log_q.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
    );
    let table = |title: &str, bands: &[(f32, f32)], value: &dyn Fn(&[f32; 4]) -> f32| {
        println!("\n| {title} | share of frames | share of skewed weight | mean log q̂ |");
        println!("|---|---|---|---|");
        for &(lo, hi) in bands {
            let pick: Vec<usize> = (0..states.len())
                .filter(|&i| (lo..hi).contains(&value(&states[i])))
                .collect();
            let n = pick.len() as f64;
            let mean = pick.iter().map(|&i| log_q[i]).sum::<f64>() / n.max(1.0);
            let band = if lo < 0.0 {
                format!("below {hi:.2}")
            } else {
                format!("{lo:.2}–{hi:.2}")
            };
            let weight: f64 = pick.iter().map(|&i| w[i]).sum();
            println!(
                "| {band} | {:.1} % | {:.1} % | {} |",
                100.0 * n / states.len() as f64,
                100.0 * weight.abs(),
                if pick.is_empty() {
                    "—".into()
                } else {
                    format!("{mean:.0}")
                }
            );
        }
    };
    let angle_bands = [
        (-1.0, 0.05),
        (0.05, 0.1),
        (0.1, 0.3),
        (0.3, 0.6),
        (0.6, 1.1),
    ];
    table("door angle (rad)", &angle_bands, &|s| s[0]);
    // The hand's box differs per scene draw: five equal bands over the heights it reached.
    let (lo, hi) = states
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), s| {
            (lo.min(s[3]), hi.max(s[3]))
        });
    let step = (hi - lo) / 5.0;
    let heights: Vec<(f32, f32)> = (0..5)
        .map(|k| {
            (
                lo + step * k as f32,
                lo + step * (k + 1) as f32 + if k == 4 { 1e-4 } else { 0.0 },
            )
        })
        .collect();
    table("hand height (m)", &heights, &|s| s[3]);

    let goal_coverage = |weight: &dyn Fn(usize) -> f64| {
        let mut bins = vec![0.0; ANGLE_BINS];
        for (i, s) in states.iter().enumerate() {
            bins[angle_bin(s[0] as f64)] += weight(i);
        }
        coverage(&bins)
    };
    println!(
        "\ncoverage of proposed goals' door angles ({ANGLE_BINS} bins, 0–{ANGLE_RANGE} rad): \
         uniform draws (RIG) {:.3}, skewed draws (α {alpha}) {:.3}",
        goal_coverage(&|_| 1.0),
        goal_coverage(&|i| w[i])
    );
    Ok(())
}
