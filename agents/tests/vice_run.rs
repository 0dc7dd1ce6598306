//! A VICE run trains, asks its labeller, and resumes exactly where it stopped. In its own test
//! binary: burn draws initial weights from one process-wide generator.

use burn::prelude::*;
use burn::store::ModuleRecord;
use byfeel_agents::skewfit::replay::Replay;
use byfeel_agents::skewfit::train::embed_one;
use byfeel_agents::vice::labels::OracleLabeller;
use byfeel_agents::vice::{RewardSource, ViceConfig, ViceEpoch, train_vice};
use byfeel_gym::{OracleState, Success, success_pictures};

fn shrunk() -> ViceConfig {
    let mut config = ViceConfig {
        env_steps: 300,
        warmup_steps: 150,
        steps_per_epoch: 100,
        episode_steps: 50,
        classifier_updates: 3,
        classifier_batch: 8,
        updates_per_epoch: 4,
        vae_batches: 3,
        vae_batch: 8,
        query_every: 1,
        seed: 4,
        ..ViceConfig::default()
    };
    config.sac.hidden = vec![32, 32];
    config.sac.batch = 16;
    config
}

#[test]
fn a_vice_run_asks_and_resumes_exactly_where_it_stopped() {
    let open = Success::DoorAngle {
        angle: 0.3,
        tolerance: 0.05,
    };
    let examples = success_pictures(&open, 4, 48, 0).unwrap();
    let base = tempfile::tempdir().unwrap();
    let (whole, split) = (base.path().join("whole"), base.path().join("split"));
    let config = shrunk();
    let mut asked = 0;
    let mut judge = |t: &OracleState| {
        asked += 1;
        open.holds(t)
    };
    let mut labeller = OracleLabeller::new(&mut judge);
    let mut unbroken: Vec<ViceEpoch> = vec![];
    let (_, sac_a) = train_vice(
        &config,
        examples.clone(),
        &whole,
        Some(open),
        Some(&mut labeller),
        |e| unbroken.push(e.clone()),
    )
    .unwrap();
    assert_eq!(unbroken.len(), 3);
    assert_eq!(unbroken[2].queries, 3, "one question an epoch");
    assert!(
        unbroken.iter().all(|e| e.success.is_some()),
        "the oracle's success is logged"
    );

    // Stopped after two epochs, then run to the end.
    let first = ViceConfig {
        env_steps: 200,
        ..config.clone()
    };
    let mut judge2 = |t: &OracleState| open.holds(t);
    let mut labeller2 = OracleLabeller::new(&mut judge2);
    train_vice(
        &first,
        examples.clone(),
        &split,
        Some(open),
        Some(&mut labeller2),
        |_| {},
    )
    .unwrap();
    let mut resumed = vec![];
    let (_, sac_b) = train_vice(
        &config,
        examples.clone(),
        &split,
        Some(open),
        Some(&mut labeller2),
        |e| resumed.push(e.clone()),
    )
    .unwrap();
    assert_eq!(resumed.len(), 1, "only the third epoch is left");
    let (a, b) = (&unbroken[2], &resumed[0]);
    assert_eq!(
        (a.epoch, a.env_steps, a.queries, a.yes),
        (b.epoch, b.env_steps, b.queries, b.yes)
    );
    assert_eq!(a.classifier_loss, b.classifier_loss);
    assert_eq!(
        (a.example_logit, a.visited_logit),
        (b.example_logit, b.visited_logit)
    );
    assert_eq!((a.success, a.closest), (b.success, b.closest));
    assert!(
        a.closest.is_some_and(|d| d < 0.6),
        "the door's angle is judged: {:?}",
        a.closest
    );
    let probe: Vec<f32> = (0..16).map(|i| (i as f32 * 0.37).sin()).collect();
    assert_eq!(sac_a.act(&probe, None), sac_b.act(&probe, None));

    // Pictures of the cup pushed are refused for the door, before anything is written.
    let cup = Success::CupAt {
        x: 0.62,
        y: 0.0,
        radius: 0.02,
    };
    let elsewhere = base.path().join("cup-for-door");
    let err = train_vice(
        &config,
        examples.clone(),
        &elsewhere,
        Some(cup),
        None,
        |_| {},
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("the cup scene"), "{err}");
    assert!(!elsewhere.exists());

    // Other settings in the same directory are refused, and so are pictures of another size.
    let other = ViceConfig {
        mixup_alpha: 0.0,
        ..config.clone()
    };
    let err = train_vice(&other, examples.clone(), &split, None, None, |_| {})
        .err()
        .unwrap();
    assert!(err.to_string().contains("other settings"), "{err}");
    let err = train_vice(
        &config,
        vec![vec![0; 10]],
        &base.path().join("x"),
        None,
        None,
        |_| {},
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("48 x 48"), "{err}");
}

#[test]
fn a_frozen_vae_stays_as_given_and_the_true_reward_needs_a_judge() {
    let open = Success::DoorAngle {
        angle: 0.3,
        tolerance: 0.05,
    };
    let examples = success_pictures(&open, 4, 48, 0).unwrap();
    let base = tempfile::tempdir().unwrap();
    let (online, frozen) = (base.path().join("online"), base.path().join("frozen"));
    let config = ViceConfig {
        env_steps: 200,
        query_every: 0,
        ..shrunk()
    };
    train_vice(&config, examples.clone(), &online, Some(open), None, |_| {}).unwrap();
    let trained = std::fs::read(online.join("vae.bpk")).unwrap();

    let seeing_through = ViceConfig {
        frozen_vae: Some(online.join("vae.bpk").to_string_lossy().into()),
        reward: RewardSource::Oracle,
        ..config.clone()
    };
    let mut log = vec![];
    train_vice(
        &seeing_through,
        examples.clone(),
        &frozen,
        Some(open),
        None,
        |e| log.push(e.clone()),
    )
    .unwrap();
    assert_eq!(
        std::fs::read(frozen.join("vae.bpk")).unwrap(),
        trained,
        "the VAE is not trained"
    );
    assert!(log.iter().all(|e| e.success.is_some()));
    // Encoding only each epoch's new frames leaves every frame with the latent the frozen VAE
    // gives it.
    let replay =
        Replay::from_bytes(&std::fs::read(frozen.join("checkpoint/replay.bin")).unwrap()).unwrap();
    let device = byfeel_agents::default_device();
    let vae = config
        .vae
        .init(&device)
        .load_record(ModuleRecord::load(online.join("vae.bpk")).unwrap());
    assert!(replay.num_frames() > 200, "{} frames", replay.num_frames());
    for i in 0..replay.num_frames() {
        let z = embed_one(&vae, replay.frame(i), &device);
        let gap = z
            .iter()
            .zip(replay.latent(i))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(
            gap < 1e-4,
            "frame {i}: its stored latent is {gap} off the VAE's"
        );
    }

    let err = train_vice(
        &seeing_through,
        examples.clone(),
        &base.path().join("x"),
        None,
        None,
        |_| {},
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("oracle reward needs"), "{err}");
    let missing = ViceConfig {
        frozen_vae: Some("no-such-vae.bpk".into()),
        ..config
    };
    let err = train_vice(
        &missing,
        examples,
        &base.path().join("y"),
        Some(open),
        None,
        |_| {},
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("no-such-vae.bpk"), "{err}");
}
