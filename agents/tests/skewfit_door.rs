//! A Skew-Fit run on the door, shrunk to seconds: it explores, fits the VAE, switches the
//! skew on, trains SAC and writes what a researcher reads (scalars.csv, log.jsonl, networks).

mod common;

use byfeel_agents::skewfit::{EpochLog, train};
use common::shrunk;

#[test]
fn a_short_door_run_explores_skews_and_logs_every_epoch() {
    let config = shrunk();
    let tmp = tempfile::Builder::new()
        .prefix("byfeel-skewfit-door-")
        .tempdir()
        .unwrap();
    let run = tmp.path();
    let mut epochs: Vec<EpochLog> = vec![];
    train(&config, run, |e| epochs.push(e.clone())).unwrap();

    assert_eq!(epochs.len(), 3);
    assert_eq!(epochs.last().unwrap().env_steps, 300);
    // Before the skew every state weighs the same; with it, they differ.
    assert_eq!(epochs[0].skew_evenness, 1.0);
    assert!(epochs[2].skew_evenness < 1.0, "{}", epochs[2].skew_evenness);
    // Every step's door angle is counted, so any stretch's coverage is a difference of rows.
    for e in &epochs {
        assert_eq!(e.angle_counts.len(), 20);
        assert_eq!(e.angle_counts.iter().sum::<usize>(), e.env_steps);
    }
    // SAC learns only after the warm-up.
    assert!(epochs[0].sac.is_none() && epochs[2].sac.is_some());
    let eval = epochs[2].eval.as_ref().unwrap();
    assert!(eval.angle_error.is_finite() && eval.hand_distance.is_finite());
    let csv = std::fs::read_to_string(run.join("scalars.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4, "a header and a row per epoch");
    for file in ["vae.bpk", "log.jsonl", "skewfit.json", "sac/sac.json"] {
        assert!(run.join(file).exists(), "{file}");
    }
}

#[test]
fn the_state_baseline_relabels_and_trains_on_the_door() {
    use byfeel_agents::her::train_her;
    let config = common::her_shrunk();
    let tmp = tempfile::Builder::new()
        .prefix("byfeel-her-door-")
        .tempdir()
        .unwrap();
    let run = tmp.path();
    let mut epochs = vec![];
    train_her(&config, run, |e| epochs.push(e.clone())).unwrap();
    assert_eq!(epochs.len(), 3);
    assert!(epochs[0].sac.is_none() && epochs[2].sac.is_some());
    let eval = epochs[2].eval.as_ref().unwrap();
    assert!(eval.angle_error.is_finite() && (0.0..=1.0).contains(&eval.success));
    let csv = std::fs::read_to_string(run.join("scalars.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4);
    assert!(csv.starts_with("epoch,env_steps,q_loss"), "{csv}");
    // The same logs as Skew-Fit's, TensorBoard's included, so the two plot side by side.
    let events = std::fs::read_dir(run)
        .unwrap()
        .filter(|f| f.as_ref().unwrap().file_name().to_string_lossy().starts_with("events.out.tfevents"))
        .count();
    assert_eq!(events, 1, "one TensorBoard event file");
    assert_eq!(std::fs::read_to_string(run.join("log.jsonl")).unwrap().lines().count(), 3);
}
