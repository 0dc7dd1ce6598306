//! The world's own contract: refused joint targets change nothing; time advances on the clock.

use byfeel_sim::{Randomization, SimError, World, scene_path};

#[test]
fn refused_joint_targets_leave_the_world_untouched() {
    let mut world = World::from_scene_file(scene_path("cup"), Randomization::Nominal).unwrap();
    let home = world.home_joints().to_vec();
    world.step(&home).unwrap();
    let before = (
        world.state_vector(),
        world.time(),
        world.joint_targets().to_vec(),
    );
    let mut nan = home.clone();
    nan[3] = f64::NAN;
    let mut far = home.clone();
    far[0] = 10.0;
    let cases: [(&[f64], &str); 3] = [
        (&home[..6], "expected 7"),
        (&nan, "right_j3"),
        (&far, "right_j0"),
    ];
    for (targets, expect) in cases {
        let err = world.step(targets).unwrap_err();
        assert!(err.to_string().contains(expect), "{err}");
        assert!(matches!(
            err,
            SimError::WrongLength { .. }
                | SimError::NonFinite { .. }
                | SimError::OutOfLimits { .. }
        ));
        assert_eq!(
            (
                world.state_vector(),
                world.time(),
                world.joint_targets().to_vec()
            ),
            before
        );
    }
}

#[test]
fn the_clock_advances_one_control_step_per_step() {
    let mut world = World::from_scene_file(scene_path("door"), Randomization::Nominal).unwrap();
    let home = world.home_joints().to_vec();
    for k in 1..=5 {
        world.step(&home).unwrap();
        assert_eq!(world.control_steps(), k);
        assert!((world.time() - 0.1 * k as f64).abs() < 1e-12);
    }
}

#[test]
fn objects_can_be_placed_for_resets_and_goal_pictures() {
    let path = byfeel_sim::scene_path("door");
    let mut w = World::from_scene_file(&path, Randomization::Nominal).unwrap();
    w.set_door_angle(0.5).unwrap();
    assert!((w.door_angle().unwrap() - 0.5).abs() < 1e-5);
    let hold = w.home_joints().to_vec();
    w.step(&hold).unwrap();
    assert!(
        (w.door_angle().unwrap() - 0.5).abs() < 0.01,
        "placed at rest, it stays"
    );
    assert!(w.set_door_angle(2.0).is_err() && w.set_door_angle(f64::NAN).is_err());
    assert!(
        (w.door_angle().unwrap() - 0.5).abs() < 0.01,
        "refused placements change nothing"
    );
    assert!(w.place_cup(0.6, 0.0).is_err(), "the door scene has no cup");

    let mut w =
        World::from_scene_file(byfeel_sim::scene_path("cup"), Randomization::Nominal).unwrap();
    w.place_cup(0.68, -0.05).unwrap();
    let p = w.cup_pose().unwrap().translation;
    assert!((p.x - 0.68).abs() < 1e-6 && (p.y + 0.05).abs() < 1e-6);
    w.step(&w.home_joints().to_vec()).unwrap();
    assert!(w.cup_tilt().unwrap() < 0.01);

    let mut w =
        World::from_scene_file(byfeel_sim::scene_path("die"), Randomization::Nominal).unwrap();
    for face in [1, 7, 20] {
        w.place_die(0.6, 0.01, face, 0.3).unwrap();
        for _ in 0..5 {
            w.step(&w.home_joints().to_vec()).unwrap();
        }
        assert_eq!(w.die_readout().unwrap().face_up, face);
    }
    assert!(w.place_die(0.6, 0.0, 21, 0.0).is_err());
}
