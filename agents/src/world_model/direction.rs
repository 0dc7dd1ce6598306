//! Does the planner know which push rolls the die where? From a DieRoll start, the goal face
//! is one of the three faces next to the top one, and reaching it takes a push away from its
//! side (the die tips over its far bottom edge and the face that leaned toward the hand comes
//! up, as the scripted roller does it). This asks the planner for a plan toward the goal
//! picture and reads the direction of its opening push; it is right when that direction is
//! nearer the goal's push than either other face's.
//!
//! With roll actions the opening push is the plan's first action that pushes (a plan may
//! press in place first and roll after).
//!
//! The simulator's oracle tells the right direction; the planner sees only gel images.

use byfeel_gym::{ActionMode, Env, EnvConfig, ObsMode, ResetOptions, Task, TaskEnv};
use byfeel_sim::D20;
use glam::DVec2;

use super::agent::LatentAgent;
use crate::AgentError;
use crate::policy::image;

/// Steps of the plan whose mean horizontal direction is its opening push.
const OPENING: usize = 6;

fn env_error(e: impl std::fmt::Display) -> AgentError {
    AgentError::Config(e.to_string())
}

/// For episodes `seeds`: whether each plan's opening push points toward the goal's roll.
pub fn roll_directions(
    agent: &mut LatentAgent,
    seeds: impl IntoIterator<Item = u64>,
) -> Result<Vec<bool>, AgentError> {
    directions(agent, seeds, false)
}

/// [`roll_directions`] for any planner of roll actions: `plan(seed, frame, goal)` answers the
/// actions it would take (2 numbers each), of which the first push counts.
pub fn planned_roll_directions(
    seeds: impl IntoIterator<Item = u64>,
    plan: impl FnMut(u64, &[u8], &[u8]) -> Result<Vec<f32>, AgentError>,
) -> Result<Vec<bool>, AgentError> {
    opening_directions(ActionMode::Roll, seeds, plan)
}

/// [`roll_directions`] for the push the model's inverse model answers (current frame and goal
/// picture in, push out) instead of the planner's; an error for a model without one.
pub fn inverse_directions(
    agent: &mut LatentAgent,
    seeds: impl IntoIterator<Item = u64>,
) -> Result<Vec<bool>, AgentError> {
    directions(agent, seeds, true)
}

fn directions(
    agent: &mut LatentAgent,
    seeds: impl IntoIterator<Item = u64>,
    inverse: bool,
) -> Result<Vec<bool>, AgentError> {
    let mode = agent.spec.action_mode()?;
    opening_directions(mode, seeds, |seed, frame, goal| {
        agent.reseed(seed);
        if inverse {
            agent
                .inverse_action(frame, goal)?
                .ok_or_else(|| env_error("this model has no inverse model"))
        } else {
            Ok(agent.plan(frame, goal)?.actions)
        }
    })
}

fn opening_directions(
    mode: ActionMode,
    seeds: impl IntoIterator<Item = u64>,
    mut plan: impl FnMut(u64, &[u8], &[u8]) -> Result<Vec<f32>, AgentError>,
) -> Result<Vec<bool>, AgentError> {
    let d20 = D20::new();
    let config = EnvConfig::new(Task::DieRoll)
        .obs_mode(ObsMode::Tactile)
        .action_mode(mode);
    let mut env = TaskEnv::new(config).map_err(env_error)?;
    let dim = mode.action_dim();
    let mut out = Vec::new();
    for seed in seeds {
        let (obs, _) = env
            .reset(Some(seed), &ResetOptions::default())
            .map_err(env_error)?;
        let goal = env.goal_image().unwrap_or_default().to_vec();
        let goal_face = env
            .goal()
            .and_then(|g| g.iter().position(|v| *v > 0.5))
            .map_or(1, |i| i as u8 + 1);
        let world = env.robot().inner().world();
        let pose = world.die_pose().ok_or_else(|| env_error("no die"))?;
        let up = d20.face_toward(pose.rotation, glam::DVec3::Z);
        // Away from each neighbouring face's side, in the world's (and the action's) xy.
        let push = |face: u8| {
            let n = pose.rotation * d20.normals[d20.face_index(face).expect("a face")];
            -DVec2::new(n.x, n.y).normalize()
        };
        let actions = plan(seed, image(&obs, None)?, &goal)?;
        let xy = |a: &[f32]| DVec2::new(a[0] as f64, a[1] as f64);
        let opening = match mode {
            ActionMode::Hand => actions.chunks(dim).take(OPENING).map(xy).sum(),
            ActionMode::Roll => actions
                .chunks(dim)
                .map(xy)
                .find(|a| a.length() >= byfeel_gym::STAY as f64)
                .unwrap_or_default(),
        };
        let toward = |face: u8| opening.normalize_or_zero().dot(push(face));
        let neighbours = d20
            .neighbours(up)
            .ok_or_else(|| env_error("no neighbours"))?;
        let best = neighbours
            .into_iter()
            .max_by(|&a, &b| toward(a).total_cmp(&toward(b)))
            .expect("three neighbours");
        out.push(best == goal_face);
    }
    Ok(out)
}
