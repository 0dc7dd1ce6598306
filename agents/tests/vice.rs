//! Reward from examples: the classifier learns what the examples show against what the robot
//! did, mixup mixes labels exactly as it mixes pictures, answers become examples, and example
//! folders are read as written. In its own test binary: burn draws initial weights from one
//! process-wide generator.

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use byfeel_agents::vice::{
    ClassifierConfig, ClassifierLoss, Examples, FnLabeller, Labeller, OracleLabeller,
    PromptLabeller, Query, ViceConfig, load_examples, mixup, save_examples, vice_loss,
};
use byfeel_gym::{OracleState, Success, success_pictures};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SIDE: usize = 48;
const LOG_PI: f32 = 1.0;

/// Noise pictures; positives carry a bright red square in one corner.
fn picture(rng: &mut impl Rng, positive: bool) -> Vec<u8> {
    let mut rgb: Vec<u8> = (0..SIDE * SIDE * 3)
        .map(|_| rng.random_range(0..160))
        .collect();
    if positive {
        for y in 4..16 {
            for x in 4..16 {
                let i = (y * SIDE + x) * 3;
                rgb[i..i + 3].copy_from_slice(&[250, 20, 20]);
            }
        }
    }
    rgb
}

fn batch(images: &[&Vec<u8>], device: &Device) -> Tensor<4> {
    let floats: Vec<f32> = images
        .iter()
        .flat_map(|im| im.iter().map(|&p| p as f32 / 255.0))
        .collect();
    Tensor::<4>::from_data(
        TensorData::new(floats, [images.len(), SIDE, SIDE, 3]),
        device,
    )
    .permute([0, 3, 1, 2])
}

#[test]
fn the_vice_update_raises_the_examples_and_lowers_what_the_robot_did() {
    let device = byfeel_agents::default_device().autodiff();
    device.seed(5);
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let positives: Vec<Vec<u8>> = (0..16).map(|_| picture(&mut rng, true)).collect();
    let visited: Vec<Vec<u8>> = (0..64).map(|_| picture(&mut rng, false)).collect();
    let mut classifier = ClassifierConfig::default().init(&device);
    let mut opt = AdamConfig::new().init();
    let mean_logit = |c: &byfeel_agents::vice::Classifier, set: &[Vec<u8>]| -> f32 {
        let refs: Vec<&Vec<u8>> = set.iter().collect();
        c.forward(batch(&refs, &device)).mean().into_scalar()
    };
    let (pos0, neg0) = (
        mean_logit(&classifier, &positives),
        mean_logit(&classifier, &visited),
    );
    for _ in 0..40 {
        // 16 + 16 per batch: examples labelled 1, visited states 0; log π as a policy gives it.
        let mut images: Vec<&Vec<u8>> = (0..16)
            .map(|_| &positives[rng.random_range(0..16)])
            .collect();
        images.extend((0..16).map(|_| &visited[rng.random_range(0..64)]));
        let labels: Vec<f32> = (0..32).map(|i| if i < 16 { 1.0 } else { 0.0 }).collect();
        let labels = Tensor::<1>::from_floats(labels.as_slice(), &device);
        let (x, y) = mixup(batch(&images, &device), labels, 1.0, &mut rng);
        // A policy sure of its actions (log π > 0): every state starts below the boundary
        // f = log π, so the examples must be pushed up, not only the visited states down.
        let log_pi = Tensor::<1>::full([32], LOG_PI, &device);
        let loss = vice_loss(classifier.forward(x), log_pi, y);
        let grads = GradientsParams::from_grads(loss.backward(), &classifier);
        classifier = opt.step(1e-3, classifier, grads);
    }
    let (pos1, neg1) = (
        mean_logit(&classifier, &positives),
        mean_logit(&classifier, &visited),
    );
    assert!(pos1 > pos0 + 0.5, "examples' logits {pos0} → {pos1}");
    assert!(neg1 < neg0 - 0.5, "visited states' logits {neg0} → {neg1}");
    assert!(
        pos1 - neg1 > 2.0,
        "the classifier tells them apart: {pos1} vs {neg1}"
    );
}

#[test]
fn mixup_mixes_the_labels_as_it_mixes_the_pictures() {
    let device = byfeel_agents::default_device();
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    // Each picture is one grey level that encodes its label: 0.25 + 0.5 y.
    let labels: Vec<f32> = (0..32).map(|i| (i % 2) as f32).collect();
    let levels: Vec<f32> = labels
        .iter()
        .flat_map(|&y| std::iter::repeat_n(0.25 + 0.5 * y, 3 * 8 * 8))
        .collect();
    let images = Tensor::<4>::from_data(TensorData::new(levels, [32, 3, 8, 8]), &device);
    let (mixed, mixed_labels) = mixup(
        images,
        Tensor::<1>::from_floats(labels.as_slice(), &device),
        1.0,
        &mut rng,
    );
    let pixels = mixed.into_data().try_to_vec::<f32>().unwrap();
    let mixed_labels = mixed_labels.into_data().try_to_vec::<f32>().unwrap();
    for (i, y) in mixed_labels.iter().enumerate() {
        for p in &pixels[i * 192..(i + 1) * 192] {
            assert!(
                (p - (0.25 + 0.5 * y)).abs() < 1e-5,
                "picture {i}: pixel {p}, label {y}"
            );
        }
    }
    let strictly_between = mixed_labels
        .iter()
        .filter(|y| **y > 0.01 && **y < 0.99)
        .count();
    assert!(strictly_between > 8, "mixing happened: {mixed_labels:?}");
}

#[test]
fn a_yes_becomes_an_example_and_a_no_a_negative() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let (bright, dark) = (picture(&mut rng, true), picture(&mut rng, false));
    let mut examples = Examples::new(vec![bright.clone()]);
    // A person who says yes to the red square.
    let mut person = FnLabeller::new(
        "person",
        |image: &[u8]| Ok(image[(4 * SIDE + 4) * 3] == 250),
    );
    assert!(
        examples
            .ask(
                &mut person,
                &Query {
                    image: &bright,
                    truth: None
                }
            )
            .unwrap()
    );
    assert!(
        !examples
            .ask(
                &mut person,
                &Query {
                    image: &dark,
                    truth: None
                }
            )
            .unwrap()
    );
    assert_eq!(examples.positives, vec![bright.clone(), bright.clone()]);
    assert_eq!(examples.negatives, vec![dark.clone()]);
    assert_eq!(examples.queries, 2);
    // The simulated labeller answers from the truth, says so, and needs a truth.
    let mut oracle = OracleLabeller::new(|t: &OracleState| t.door_angle.is_some_and(|a| a > 0.5));
    assert!(oracle.name().contains("simulated"));
    let open = OracleState {
        door_angle: Some(0.6),
        ..OracleState::default()
    };
    assert!(
        examples
            .ask(
                &mut oracle,
                &Query {
                    image: &dark,
                    truth: Some(&open)
                }
            )
            .unwrap()
    );
    let err = examples
        .ask(
            &mut oracle,
            &Query {
                image: &dark,
                truth: None,
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("truth"), "{err}");
    assert_eq!(
        examples.queries, 3,
        "a question nobody could answer is not counted"
    );
    // A person at the terminal: the picture is saved, an unclear answer is asked again.
    let dir = tempfile::tempdir().unwrap();
    let mut said = Vec::new();
    let mut prompt = PromptLabeller::new(dir.path(), "maybe\ny\nn\n".as_bytes(), &mut said);
    let ask = |p: &mut dyn Labeller| {
        p.label(&Query {
            image: &dark,
            truth: None,
        })
    };
    assert!(ask(&mut prompt).unwrap());
    assert!(!ask(&mut prompt).unwrap());
    let err = ask(&mut prompt).unwrap_err();
    assert!(err.to_string().contains("input ended"), "{err}");
    drop(prompt);
    let said = String::from_utf8(said).unwrap();
    assert!(said.contains("please answer y or n"), "{said}");
    assert!(dir.path().join("query-000.png").exists() && dir.path().join("query-001.png").exists());
}

#[test]
fn example_pictures_show_success_and_come_back_from_their_folder() {
    let open = Success::DoorAngle {
        angle: 0.8,
        tolerance: 0.05,
    };
    let shut = Success::DoorAngle {
        angle: 0.0,
        tolerance: 0.0,
    };
    let pictures = success_pictures(&open, 4, 48, 0).unwrap();
    let closed = success_pictures(&shut, 1, 48, 0).unwrap().remove(0);
    assert_eq!(pictures.len(), 4);
    assert_ne!(
        pictures[0], pictures[1],
        "the pictures vary within the tolerance"
    );
    let differs = |a: &[u8], b: &[u8]| {
        a.iter()
            .zip(b)
            .filter(|(x, y)| x.abs_diff(**y) > 30)
            .count()
    };
    assert!(
        differs(&pictures[0], &closed) > 100,
        "an open door does not look shut"
    );
    let dir = tempfile::tempdir().unwrap();
    save_examples(dir.path(), &pictures, 48).unwrap();
    assert_eq!(load_examples(dir.path()).unwrap(), pictures);
    // A folder without pictures, and a file that is no picture, are named.
    let empty = tempfile::tempdir().unwrap();
    let err = load_examples(empty.path()).unwrap_err().to_string();
    assert!(err.contains("no .png"), "{err}");
    std::fs::write(dir.path().join("zz.png"), b"not a png").unwrap();
    let err = load_examples(dir.path()).unwrap_err().to_string();
    assert!(err.contains("zz.png"), "{err}");
    // A success the scene cannot show is refused by name.
    let err = success_pictures(
        &Success::DoorAngle {
            angle: 2.0,
            tolerance: 0.0,
        },
        1,
        48,
        0,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("door angle"), "{err}");
}

#[test]
fn the_plain_classifier_keeps_the_warm_ups_negatives_and_vice_takes_every_visited_state() {
    use byfeel_agents::skewfit::replay::Replay;
    use byfeel_agents::vice::train::negative_frames;
    let mut replay = Replay::new(3, 3, 1);
    let first = replay.push_frame(&[0; 3], false);
    replay.begin_episode(first, first);
    let config = |loss| ViceConfig {
        loss,
        warmup_steps: 4,
        ..ViceConfig::default()
    };
    let (vice, plain) = (config(ClassifierLoss::Vice), config(ClassifierLoss::Binary));
    for step in 1..=10u8 {
        replay.push_step(&[0.0; 3], &[step; 3]);
        let expected_plain = if step <= 4 { replay.num_frames() } else { 5 };
        assert_eq!(
            negative_frames(&plain, &replay),
            expected_plain,
            "after step {step}"
        );
        assert_eq!(negative_frames(&vice, &replay), replay.num_frames());
    }
}

#[test]
fn the_door_carries_on_between_episodes_unless_told_to_start_over() {
    use byfeel_agents::vice::train::next_episode;
    let door = ViceConfig::default();
    assert!(
        !next_episode(&door).hard_reset,
        "the door is reset-free by default"
    );
    let episodic = ViceConfig {
        reset_free: Some(false),
        ..door.clone()
    };
    assert!(next_episode(&episodic).hard_reset);
    let cup = ViceConfig {
        task: "CupPush".into(),
        ..door
    };
    assert!(
        next_episode(&cup).hard_reset,
        "the cup starts over by default"
    );
}

#[test]
fn the_probe_pictures_pose_the_arm_and_the_task_apart() {
    let differs = |a: &[u8], b: &[u8]| {
        a.iter()
            .zip(b)
            .filter(|(x, y)| x.abs_diff(**y) > 30)
            .count()
    };
    let open = Success::DoorAngle {
        angle: 0.6,
        tolerance: 0.0,
    };
    let cup = Success::CupAt {
        x: 0.62,
        y: 0.0,
        radius: 0.0,
    };
    for success in [open, cup] {
        let probes = byfeel_gym::probe_pictures(&success, 48).unwrap();
        assert_eq!(probes.len(), 4);
        // The first is success as `byfeel examples` pictures it (the door's exactly; the
        // cup's finger stands on any side the push came from).
        let example = success_pictures(&success, 1, 48, 0).unwrap().remove(0);
        if success == open {
            assert!(
                differs(&probes[0].1, &example) < 20,
                "the first probe is not success"
            );
        }
        // Arm as at success with the task undone, and the task done with the arm away, each
        // differ from success and from each other.
        for (i, j) in [(0, 1), (0, 2), (1, 2), (2, 3)] {
            assert!(
                differs(&probes[i].1, &probes[j].1) > 30,
                "{success:?}: probes {i} ({}) and {j} ({}) look alike",
                probes[i].0,
                probes[j].0
            );
        }
    }
}
