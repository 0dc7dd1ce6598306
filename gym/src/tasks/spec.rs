//! What a task env is checked against and what it promises: its settings' limits, the scene
//! it needs, and its observation and action spaces.

use super::{EnvConfig, ObsMode, Task, TaskLogic};
use crate::env::{EnvError, EnvSpec};
use crate::spaces::{BoxSpace, Space};
use crate::{Robot, SceneGeometry};

/// Says what is wrong with `config`'s sizes and lengths.
pub(super) fn check(config: &EnvConfig) -> Result<(), EnvError> {
    let (w, h) = config.image_size;
    if w == 0 || h == 0 || w > 1024 || h > 1024 {
        return Err(EnvError::Setup(format!(
            "image size {w}x{h}: each side must be 1 to 1024"
        )));
    }
    if config.max_episode_steps == 0 {
        return Err(EnvError::Setup(
            "max_episode_steps must be at least 1".into(),
        ));
    }
    config.check_settings().map_err(EnvError::Setup)
}

/// Says so when a simulated arm's scene lacks the task's object (a door server for CupPush).
pub(super) fn check_scene(task: Task, scene: &SceneGeometry) -> Result<(), EnvError> {
    let has = match task {
        Task::DoorOpen => scene.door.is_some(),
        Task::CupPush | Task::Reach => scene.cup_radius.is_some(),
        Task::DieRoll => scene.die_circumradius.is_some(),
    };
    if has {
        return Ok(());
    }
    Err(EnvError::Setup(format!(
        "{} needs the {} scene, and this arm's scene has no such object",
        task.name(),
        task.scene()
    )))
}

pub(super) fn make_spec<R: Robot>(config: &EnvConfig, logic: &dyn TaskLogic, robot: &R) -> EnvSpec {
    let (arm, truth) = (
        robot.state(),
        robot.simulator().map(|s| s.truth()).unwrap_or_default(),
    );
    let state_len = logic.state(&arm, &truth).len();
    let goal_len = logic.achieved(&arm, &truth).len();
    let (lo, hi) = logic.state_bounds();
    let image = image_space(config);
    let images = vec![
        ("image_desired_goal".to_string(), image.clone()),
        ("image_observation".to_string(), image.clone()),
    ];
    let observation_space = match config.obs_mode {
        // The state and, after it, the goal: the goal must be seen to be reached.
        ObsMode::State => Space::Box(BoxSpace::f32(&[state_len + goal_len], lo, hi)),
        ObsMode::Image | ObsMode::Tactile => Space::Box(image),
        ObsMode::Goal if robot.simulator().is_none() => Space::Dict(images),
        ObsMode::Goal => Space::Dict(
            [
                ("achieved_goal".into(), BoxSpace::f32(&[goal_len], lo, hi)),
                ("desired_goal".into(), BoxSpace::f32(&[goal_len], lo, hi)),
            ]
            .into_iter()
            .chain(images)
            .chain([("observation".into(), BoxSpace::f32(&[state_len], lo, hi))])
            .collect(),
        ),
    };
    EnvSpec {
        id: format!("byfeel/{}-v0", config.task.name()),
        observation_space,
        action_space: BoxSpace::f32(&[config.action_mode.action_dim()], -1.0, 1.0),
        max_episode_steps: config.max_episode_steps,
        step_seconds: robot.spec().control_dt,
        goal_conditioned: config.obs_mode == ObsMode::Goal,
    }
}

/// The image an observation carries: the gel's for tactile mode and the die, else the task
/// camera's.
pub(super) fn image_space(config: &EnvConfig) -> BoxSpace {
    if uses_gel(config) {
        let t = byfeel_render::TactileConfig::default();
        BoxSpace::image(t.height, t.width)
    } else {
        BoxSpace::image(config.image_size.1, config.image_size.0)
    }
}

pub(super) fn uses_gel(config: &EnvConfig) -> bool {
    config.obs_mode == ObsMode::Tactile
        || (config.task == Task::DieRoll && config.obs_mode == ObsMode::Goal)
}
