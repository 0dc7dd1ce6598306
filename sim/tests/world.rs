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
