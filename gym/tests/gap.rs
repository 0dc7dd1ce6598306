//! A reality gap: an arm that differs from the training simulator as its settings say —
//! late commands, imperfect tracking, another door spring, other pictures, stale frames — and
//! settings that are checked by name.

use byfeel_gym::gap::{GapRobot, RealityGap};
use byfeel_gym::*;

fn with(edit: impl FnOnce(&mut RealityGap)) -> RealityGap {
    let mut gap = RealityGap::default();
    edit(&mut gap);
    gap
}

#[test]
fn presets_and_files_are_checked_by_name() {
    for name in ["none", "mild", "hard"] {
        RealityGap::preset(name).unwrap().check().unwrap();
    }
    let err = RealityGap::from_arg("medium").unwrap_err();
    assert!(err.contains("none, mild, hard"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gap.toml");
    std::fs::write(&file, "[actuation]\nlatency_steps = 40\n").unwrap();
    let err = RealityGap::from_arg(file.to_str().unwrap()).unwrap_err();
    assert!(err.contains("actuation.latency_steps"), "{err}");
    std::fs::write(&file, "[camera]\nnoice = 3.0\n").unwrap();
    let err = RealityGap::from_arg(file.to_str().unwrap()).unwrap_err();
    assert!(err.contains("noice"), "{err}");
    std::fs::write(&file, "name = \"lab\"\n[frames]\ndrop_probability = 0.1\n").unwrap();
    let gap = RealityGap::from_arg(file.to_str().unwrap()).unwrap();
    assert_eq!(
        (gap.name.as_str(), gap.frames.drop_probability),
        ("lab", 0.1)
    );
    assert!(gap.to_toml().contains("drop_probability = 0.1"));
}

#[test]
fn commands_take_effect_latency_steps_late() {
    let gap = with(|g| g.actuation.latency_steps = 2);
    let mut arm = GapRobot::from_scene("cup", gap).unwrap();
    let z0 = arm.state().ee_position.z;
    let mut heights = Vec::new();
    for _ in 0..4 {
        arm.command(Command::ee_delta(0.0, 0.0, 0.01)).unwrap();
        heights.push(arm.step().unwrap().ee_position.z - z0);
    }
    assert!(
        heights[0].abs() < 1e-3 && heights[1].abs() < 1e-3,
        "{heights:?}"
    );
    assert!(
        heights[2] > 0.004 && heights[3] > heights[2] + 0.004,
        "{heights:?}"
    );
}

#[test]
fn a_hinge_spring_pulls_the_door_shut() {
    let angle_after = |gap: RealityGap| {
        let mut arm = GapRobot::from_scene("door", gap).unwrap();
        arm.place(&Placement::Hand(
            arm.state().ee_position + glam::DVec3::new(-0.1, 0.0, 0.1),
        ))
        .unwrap();
        arm.place(&Placement::DoorAngle(0.6)).unwrap();
        for _ in 0..30 {
            arm.step().unwrap();
        }
        arm.truth().door_angle.unwrap()
    };
    let free = angle_after(RealityGap::default());
    let sprung = angle_after(with(|g| g.physics.hinge_stiffness = 5.0));
    assert!(
        (free - 0.6).abs() < 0.05,
        "the nominal door stays open: {free}"
    );
    assert!(
        sprung < free - 0.1,
        "the spring shuts it: {sprung} against {free}"
    );
}

#[test]
fn pictures_take_the_gaps_colours_and_frames_come_stale() {
    let camera = |arm: &GapRobot| arm.spec().sensors[0].name.clone();
    let mut plain = GapRobot::from_scene("cup", RealityGap::default()).unwrap();
    let mut red =
        GapRobot::from_scene("cup", with(|g| g.camera.colour_gain = [1.5, 1.0, 1.0])).unwrap();
    let name = camera(&plain);
    let mean = |img: &Image, c: usize| {
        img.rgb
            .iter()
            .skip(c)
            .step_by(3)
            .map(|&v| v as f64)
            .sum::<f64>()
            / (img.rgb.len() / 3) as f64
    };
    let (a, b) = (
        plain.read_sensor(&name).unwrap(),
        red.read_sensor(&name).unwrap(),
    );
    assert!(mean(&b, 0) > mean(&a, 0) + 10.0 && (mean(&b, 1) - mean(&a, 1)).abs() < 1.0);

    // Noisy pictures differ step to step; with every frame dropped, the last one comes again.
    let noisy = |drop: f64| {
        with(|g| {
            g.camera.noise = 5.0;
            g.frames.drop_probability = drop;
        })
    };
    for (drop, same) in [(0.0, false), (1.0, true)] {
        let mut arm = GapRobot::from_scene("cup", noisy(drop)).unwrap();
        let first = arm.read_sensor(&name).unwrap();
        arm.step().unwrap();
        assert_eq!(
            arm.read_sensor(&name).unwrap() == first,
            same,
            "drop probability {drop}"
        );
    }
}

#[test]
fn a_task_runs_across_the_gap_with_its_oracle() {
    let arm = GapRobot::from_scene("door", RealityGap::preset("hard").unwrap()).unwrap();
    let mut env =
        TaskEnv::on_robot(EnvConfig::new(Task::DoorOpen).obs_mode(ObsMode::Goal), arm).unwrap();
    let mut here = TaskEnv::new(EnvConfig::new(Task::DoorOpen).obs_mode(ObsMode::Goal)).unwrap();
    let (a, _) = env.reset(Some(3), &ResetOptions::default()).unwrap();
    let (b, _) = here.reset(Some(3), &ResetOptions::default()).unwrap();
    let image = |o: &Observation| {
        o.get("image_observation")
            .unwrap()
            .as_u8()
            .unwrap()
            .to_vec()
    };
    assert_ne!(image(&a), image(&b), "the gap's camera sees differently");
    let t = env.step(&[-0.5, 0.0, 0.0]).unwrap();
    assert!(
        t.info.contains_key(info::DOOR_ANGLE),
        "the oracle still measures"
    );
}

#[test]
fn drawn_gaps_lie_between_none_and_the_range() {
    use rand::SeedableRng;
    let hard = RealityGap::preset("hard").unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
    let drawn: Vec<RealityGap> = (0..200).map(|_| hard.draw(&mut rng)).collect();
    for g in &drawn {
        g.check().unwrap();
        assert!((1.0..=1.3).contains(&g.physics.mass_scale));
        assert!((0.7..=1.0).contains(&g.physics.friction_scale));
        assert!(g.actuation.latency_steps <= 2);
        assert!((0.0..=0.1).contains(&g.frames.late_probability));
    }
    let latencies: std::collections::BTreeSet<usize> =
        drawn.iter().map(|g| g.actuation.latency_steps).collect();
    assert_eq!(latencies.into_iter().collect::<Vec<_>>(), [0, 1, 2], "every latency comes up");
}

#[test]
fn collection_across_drawn_gaps_records_the_range() {
    use byfeel_gym::collect::{CollectConfig, collect};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dr.zarr");
    let mut config = CollectConfig::new(Task::DieRoll, 4, 2, &out);
    config.action_mode = ActionMode::Roll;
    config.max_episode_steps = Some(2);
    config.gap_range = Some(RealityGap::preset("mild").unwrap());
    let done = collect(&config, |_| {}).unwrap();
    assert_eq!(done.episodes, 4);
    let reader = byfeel_gym::store::StoreReader::open(&out).unwrap();
    assert_eq!(reader.num_episodes(), 4);
    let attrs = reader.attributes();
    let range = attrs.get("gap_range").and_then(|v| v.as_str()).unwrap_or_default();
    assert!(range.contains("name = \"mild\""), "{attrs:?}");
    // A bad range is refused by name before anything runs.
    config.gap_range = Some(with(|g| g.frames.drop_probability = 2.0));
    let err = collect(&config, |_| {}).unwrap_err().to_string();
    assert!(err.contains("frames.drop_probability"), "{err}");
}
