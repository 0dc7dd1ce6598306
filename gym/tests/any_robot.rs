//! Tasks run on any `Robot`: observations come from its sensors, its commands go through the
//! safety layer, and an arm that is not simulated gets goals as pictures, no drawn goals, no
//! oracle metrics and an unknown reward, instead of faked ones.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use byfeel_gym::*;
use byfeel_sim::Randomization;

/// A simulated arm that hides that it is simulated, as a real arm's driver would be: only the
/// `Robot` methods, and a count of sensor reads.
struct Unsimulated {
    arm: SimRobot,
    reads: Arc<AtomicUsize>,
}

impl Robot for Unsimulated {
    fn spec(&self) -> &RobotSpec {
        self.arm.spec()
    }
    fn state(&self) -> RobotState {
        self.arm.state()
    }
    fn command(&mut self, command: Command) -> Result<(), RobotError> {
        self.arm.command(command)
    }
    fn step(&mut self) -> Result<RobotState, RobotError> {
        self.arm.step()
    }
    fn read_sensor(&mut self, name: &str) -> Result<Image, RobotError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.arm.read_sensor(name)
    }
    fn home(&mut self) -> Result<RobotState, RobotError> {
        self.arm.home()
    }
    fn stop(&mut self) {
        self.arm.stop()
    }
    fn set_sensor_size(&mut self, name: &str, width: u32, height: u32) -> Result<(), RobotError> {
        self.arm.set_sensor_size(name, width, height)
    }
}

fn unsimulated(scene: &str) -> (Unsimulated, Arc<AtomicUsize>) {
    let reads = Arc::new(AtomicUsize::new(0));
    let arm = SimRobot::from_scene(scene, Randomization::Nominal).unwrap();
    (
        Unsimulated {
            arm,
            reads: reads.clone(),
        },
        reads,
    )
}

#[test]
fn a_task_on_an_arm_that_is_not_simulated_takes_its_goal_as_a_picture() {
    let config = EnvConfig::new(Task::DoorOpen).obs_mode(ObsMode::Goal);
    let (arm, reads) = unsimulated("door");
    let mut env = TaskEnv::on_robot(config.clone(), arm).unwrap();
    let keys: Vec<String> = match &env.spec().observation_space {
        Space::Dict(items) => items.iter().map(|(k, _)| k.clone()).collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        keys,
        ["image_desired_goal", "image_observation"],
        "no state is faked"
    );

    let err = env
        .reset(None, &ResetOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("set_goal_image"), "{err}");
    assert!(
        env.set_goal_image(&[0; 10]).is_err(),
        "a goal image of the wrong size"
    );

    // A goal picture from a simulated door opened half way.
    let mut sim = TaskEnv::new(config).unwrap();
    sim.reset(Some(3), &ResetOptions::default()).unwrap();
    let goal = sim.goal_image().unwrap().to_vec();
    env.set_goal_image(&goal).unwrap();
    let (obs, info) = env.reset(None, &ResetOptions::default()).unwrap();
    assert_eq!(
        obs.get("image_desired_goal").unwrap().as_u8().unwrap(),
        goal
    );
    assert!(
        !info.contains_key(info::IS_SUCCESS),
        "no oracle, no success: {info:?}"
    );
    let (before, z) = (
        reads.load(Ordering::SeqCst),
        env.robot().state().ee_position.z,
    );
    let t = env.step(&[0.0, 0.0, 1.0]).unwrap();
    assert!(
        reads.load(Ordering::SeqCst) > before,
        "observations come from read_sensor"
    );
    assert!(
        t.reward.is_nan(),
        "the reward is unknown without a reward function"
    );
    assert!(!t.info.contains_key(info::DOOR_ANGLE));
    let risen = env.robot().state().ee_position.z - z;
    assert!(risen > 0.002, "the arm moved up as commanded: {risen} m");
}

#[test]
fn state_observations_need_a_simulator() {
    let (arm, _) = unsimulated("cup");
    let err = TaskEnv::on_robot(EnvConfig::new(Task::Reach), arm)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("not simulated"), "{err}");
}

#[test]
fn a_learned_reward_works_on_any_arm() {
    let (arm, _) = unsimulated("cup");
    let mut env = TaskEnv::on_robot(EnvConfig::new(Task::CupPush), arm).unwrap();
    env.set_goal_image(&vec![128; 64 * 48 * 3]).unwrap();
    env.reset(None, &ResetOptions::default()).unwrap();
    env.set_reward_fn(Some(Box::new(|obs, _| {
        let Observation::Array(a) = obs else {
            return f64::NAN;
        };
        a.as_u8().map_or(f64::NAN, |v| v.len() as f64)
    })));
    assert_eq!(
        env.step(&[0.1, 0.0, 0.0]).unwrap().reward,
        (64 * 48 * 3) as f64
    );
}

#[test]
fn a_simulated_arm_on_robot_plays_as_the_built_in_env_does() {
    let config = EnvConfig::new(Task::CupPush);
    let arm = SimRobot::from_scene("cup", Randomization::Nominal).unwrap();
    let mut a = TaskEnv::on_robot(config.clone(), arm).unwrap();
    let mut b = TaskEnv::new(config).unwrap();
    let (oa, _) = a.reset(Some(9), &ResetOptions::default()).unwrap();
    let (ob, _) = b.reset(Some(9), &ResetOptions::default()).unwrap();
    assert_eq!(oa, ob);
    for _ in 0..3 {
        let (ta, tb) = (
            a.step(&[0.5, -0.2, 0.0]).unwrap(),
            b.step(&[0.5, -0.2, 0.0]).unwrap(),
        );
        assert_eq!(ta.observation, tb.observation);
        assert_eq!(ta.info, tb.info);
    }
}

#[test]
fn an_arm_without_its_kinematics_has_joint_targets_refused_for_safety() {
    let (arm, _) = unsimulated("door");
    let mut guarded = SafetyLayer::new(arm);
    let before = guarded.state();
    let err = guarded
        .command(Command::new(CommandMode::JointPositions(
            before.joint_positions.clone(),
        )))
        .unwrap_err();
    assert!(matches!(err, RobotError::Unsafe(_)), "{err}");
    assert!(err.to_string().contains("forward kinematics"), "{err}");
    // Hand commands stay open to it, and the refusal moved nothing.
    assert_eq!(
        guarded.step().unwrap().joint_positions.len(),
        before.joint_positions.len()
    );
    guarded.command(Command::ee_delta(0.0, 0.0, 0.01)).unwrap();
}
