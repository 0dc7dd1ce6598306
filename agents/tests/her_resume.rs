//! A stopped run of the state baseline (SAC + HER) continues exactly as if it had never
//! stopped. In its own test binary: burn draws initial weights from one process-wide generator,
//! so a test training beside it would take draws from the same stream.

mod common;

use byfeel_agents::her::{HerConfig, train_her};
use common::her_shrunk;

#[test]
fn a_stopped_baseline_run_resumes_exactly_where_it_stopped() {
    let base = tempfile::Builder::new()
        .prefix("byfeel-her-resume-")
        .tempdir()
        .unwrap();
    let (whole, split) = (base.path().join("whole"), base.path().join("split"));
    let config = her_shrunk();
    let mut unbroken = vec![];
    let sac_a = train_her(&config, &whole, |e| unbroken.push(e.clone())).unwrap();

    // The same run stopped after two epochs (the second one already training), then started
    // again with the full length.
    let first_part = HerConfig {
        env_steps: 200,
        ..config.clone()
    };
    assert_eq!(byfeel_agents::checkpoint_steps(&split), None);
    train_her(&first_part, &split, |_| {}).unwrap();
    assert_eq!(byfeel_agents::checkpoint_steps(&split), Some(200));
    let mut resumed = vec![];
    let sac_b = train_her(&config, &split, |e| resumed.push(e.clone())).unwrap();
    assert_eq!(resumed.len(), 1, "only the third epoch is left");
    let (a, b) = (&unbroken[2], &resumed[0]);
    assert_eq!((a.epoch, a.env_steps), (b.epoch, b.env_steps));
    let (sa, sb) = (a.sac.unwrap(), b.sac.unwrap());
    assert_eq!(
        (sa.q_loss, sa.policy_loss, sa.alpha),
        (sb.q_loss, sb.policy_loss, sb.alpha)
    );
    let (ea, eb) = (a.eval.as_ref().unwrap(), b.eval.as_ref().unwrap());
    assert_eq!(
        (ea.angle_error, ea.hand_distance),
        (eb.angle_error, eb.hand_distance)
    );
    let probe: Vec<f32> = (0..8).map(|i| (i as f32 * 0.37).sin()).collect();
    assert_eq!(sac_a.act(&probe, None), sac_b.act(&probe, None));
    assert_eq!(
        common::csv_rows(&split),
        4,
        "the log continues, without repeats"
    );

    // Other settings in the same directory are refused, not mixed in.
    let other = HerConfig {
        future_fraction: 0.5,
        ..config.clone()
    };
    let err = refused(&other, &split);
    assert!(err.contains("other settings"), "{err}");

    // A door that moved differently since (changed assets, say) is found out, not trained on.
    let state_file = split.join("checkpoint/state.json");
    let saved = std::fs::read_to_string(&state_file).unwrap();
    let mut state: serde_json::Value = serde_json::from_str(&saved).unwrap();
    state["state"][3] = (state["state"][3].as_f64().unwrap() + 0.1).into();
    std::fs::write(&state_file, state.to_string()).unwrap();
    let longer = HerConfig {
        env_steps: 400,
        ..config.clone()
    };
    let err = refused(&longer, &split);
    assert!(err.contains("did not reach the stored state"), "{err}");
    std::fs::write(&state_file, saved).unwrap();

    // A damaged checkpoint is named, and the run is left as it was.
    let actions = split.join("checkpoint/actions.bin");
    let bytes = std::fs::read(&actions).unwrap();
    std::fs::write(&actions, &bytes[..bytes.len() - 12]).unwrap();
    let before = std::fs::read_to_string(split.join("her.json")).unwrap();
    let err = refused(&longer, &split);
    assert!(err.contains("actions.bin"), "{err}");
    assert_eq!(
        std::fs::read_to_string(split.join("her.json")).unwrap(),
        before
    );
    assert_eq!(common::csv_rows(&split), 4, "the logs are untouched");
}

fn refused(config: &HerConfig, run: &std::path::Path) -> String {
    match train_her(config, run, |_| {}) {
        Ok(_) => panic!("{} was trained on, not refused", run.display()),
        Err(e) => e.to_string(),
    }
}
