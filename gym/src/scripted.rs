//! Scripted motions for demos, pictures and benchmarks: not a policy, just the moves a person
//! would make by hand with the teleoperation keys.

use crate::{Command, CommandMode, Oracle, Robot, RobotError, RobotState};
use glam::DVec3;

/// Moves the hand to `target` and waits until it is within `tol` metres (or `max_steps` pass).
pub fn move_to(
    robot: &mut impl Robot,
    target: DVec3,
    tol: f64,
    max_steps: usize,
) -> Result<RobotState, RobotError> {
    robot.command(Command::new(CommandMode::EndEffectorPosition(target)))?;
    let mut state = robot.state();
    for _ in 0..max_steps {
        state = robot.step()?;
        if (state.ee_position - target).length() < tol {
            break;
        }
    }
    Ok(state)
}

/// Where to press the gel in this scene: the top of the die, the cup's rim nearest the arm, or
/// the top of the door handle's bar.
pub fn press_point(world: &byfeel_sim::World) -> Option<DVec3> {
    let physics = world.physics();
    let top = |handles: &[byfeel_sim::rapier3d::prelude::ColliderHandle]| {
        handles
            .iter()
            .filter_map(|h| physics.colliders.get(*h))
            .map(|c| c.compute_aabb().maxs.z as f64)
            .fold(f64::NEG_INFINITY, f64::max)
    };
    if let Some(die) = &world.die {
        let p = die.pose(physics).translation;
        return Some(DVec3::new(p.x, p.y, top(&[die.collider])));
    }
    if let Some(cup) = &world.cup {
        let p = cup.pose(physics).translation;
        return Some(DVec3::new(
            p.x - cup.radius + 0.004,
            p.y,
            top(&[cup.collider]),
        ));
    }
    let door = world.door.as_ref()?;
    let h = door.handle_position(physics);
    Some(DVec3::new(h.x, h.y, top(&door.handle)))
}

/// Lowers the gel straight down onto whatever is below `at` (x, y), 1 mm per step from 4 cm
/// above `at.z`, until it touches, then presses `press` metres further and settles. Returns
/// whether the gel touched.
pub fn press_gel<R: Robot + Oracle>(
    robot: &mut R,
    at: DVec3,
    press: f64,
) -> Result<bool, RobotError> {
    let above = at + DVec3::new(0.0, 0.0, 0.04);
    move_to(robot, above, 0.002, 80)?;
    let mut z = above.z;
    let lowest = at.z - 0.04;
    while z > lowest {
        z -= 0.001;
        move_to(robot, DVec3::new(at.x, at.y, z), 0.0005, 4)?;
        if robot.oracle().gel_in_contact {
            move_to(robot, DVec3::new(at.x, at.y, z - press), 0.0002, 15)?;
            return Ok(true);
        }
    }
    Ok(false)
}

/// The roll action toward `goal` (a face number) from how the die lies now (its orientation,
/// `die`), as a person who
/// sees the die would push it: away from the side of the next face on the way (the die tips
/// over its far bottom edge and the face that leaned toward the hand comes up); a face two
/// rolls away goes through the neighbour it shares; `[0, 0]` (no push) when `goal` is up.
/// `None` for a goal more than two rolls away.
pub fn roll_toward(die: glam::DQuat, goal: u8) -> Option<[f32; 2]> {
    let d20 = byfeel_sim::D20::new();
    let up = d20.face_toward(die, DVec3::Z);
    if up == goal {
        return Some([0.0, 0.0]);
    }
    let first = d20.neighbours(up)?;
    let next = if first.contains(&goal) {
        goal
    } else {
        first
            .into_iter()
            .find(|&n| d20.neighbours(n).is_some_and(|far| far.contains(&goal)))?
    };
    let normal = die * d20.normals[d20.face_index(next)?];
    let away = -glam::DVec2::new(normal.x, normal.y).normalize_or_zero();
    Some([away.x as f32, away.y as f32])
}

/// Opens the scene's door to `angle` (rad) as a person at the teleoperation keys would: the
/// hook's prong lowered from above into the handle's slot, a lever pressed down, then the hand
/// drawn along the slot's arc. Returns the door's angle at the end (`None`: no door).
pub fn open_door(robot: &mut crate::SimRobot, angle: f64) -> Result<Option<f64>, RobotError> {
    let Some(door) = robot.world().door.clone() else {
        return Ok(None);
    };
    let press = DVec3::new(0.0, 0.0, byfeel_sim::door::press_depth(door.kind));
    let hand_at = |a: f64| door.slot_position(a) - byfeel_sim::HOOK_PRONG;
    move_to(robot, hand_at(0.0) + DVec3::new(-0.03, 0.0, 0.09), 0.005, 60)?;
    move_to(robot, hand_at(0.0) + DVec3::new(0.0, 0.0, 0.09), 0.005, 40)?;
    move_to(robot, hand_at(0.0), 0.003, 40)?;
    move_to(robot, hand_at(0.0) - press, 0.003, 40)?;
    let steps = (angle / 0.05).ceil().max(1.0) as usize;
    for k in 1..=steps {
        let a = angle * k as f64 / steps as f64;
        move_to(robot, hand_at(a) - press, 0.004, 30)?;
    }
    // Let the door come to rest where the hand holds it.
    for _ in 0..5 {
        robot.step()?;
    }
    Ok(robot.world().door_angle())
}
