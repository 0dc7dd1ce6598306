//! A stopped Skew-Fit run continues exactly as if it had never stopped. In its own test binary:
//! burn draws initial weights from one process-wide generator, so a test training beside it
//! would take draws from the same stream.

mod common;

use byfeel_agents::skewfit::{SkewFitConfig, train};
use common::shrunk;

#[test]
fn a_stopped_run_resumes_exactly_where_it_stopped() {
    let base = tempfile::Builder::new()
        .prefix("byfeel-skewfit-resume-")
        .tempdir()
        .unwrap();
    let (whole, split) = (base.path().join("whole"), base.path().join("split"));
    let config = SkewFitConfig {
        checkpoint_every: 1,
        ..shrunk()
    };
    let mut unbroken = vec![];
    let (_, sac_a) = train(&config, &whole, |e| unbroken.push(e.clone())).unwrap();

    // The same run stopped after two epochs, then started again with the full length.
    let first_part = SkewFitConfig {
        env_steps: 200,
        ..config.clone()
    };
    train(&first_part, &split, |_| {}).unwrap();
    let mut resumed = vec![];
    let (_, sac_b) = train(&config, &split, |e| resumed.push(e.clone())).unwrap();
    assert_eq!(resumed.len(), 1, "only the third epoch is left");
    let (a, b) = (&unbroken[2], &resumed[0]);
    assert_eq!((a.epoch, a.env_steps), (b.epoch, b.env_steps));
    assert_eq!(a.vae_reconstruction, b.vae_reconstruction);
    let (sa, sb) = (a.sac.unwrap(), b.sac.unwrap());
    assert_eq!(
        (sa.q_loss, sa.policy_loss, sa.alpha),
        (sb.q_loss, sb.policy_loss, sb.alpha)
    );
    assert_eq!(a.angle_coverage, b.angle_coverage);
    assert_eq!(a.angle_counts, b.angle_counts);
    let probe: Vec<f32> = (0..64).map(|i| (i as f32 * 0.37).sin()).collect();
    assert_eq!(sac_a.act(&probe, None), sac_b.act(&probe, None));
    assert_eq!(
        common::csv_rows(&split),
        4,
        "the log continues, without repeats"
    );

    // Other settings in the same directory are refused, not mixed in.
    let other = SkewFitConfig {
        alpha: 0.0,
        ..config.clone()
    };
    let err = train(&other, &split, |_| {})
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("other settings"), "{err}");
}
