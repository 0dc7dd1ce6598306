//! Hook the door handle and pull the door open to 30°, driving the arm only through the
//! `Robot` trait (as an agent would), with the oracle used just to follow the door's arc.
//!
//! Run: `cargo run --release --example open_door`

use byfeel::gym::{Command, CommandMode, Oracle, Robot, SafetyLayer, SimRobot};
use byfeel::sim::{HOOK_PRONG as PRONG, Randomization};
use glam::{DQuat, DVec3};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut robot = SafetyLayer::new(SimRobot::from_scene("door", Randomization::Seeded(0))?);
    let world = robot.inner().world();
    let door = world.door.clone().expect("the door scene has a door");
    let handle = world
        .config
        .door
        .as_ref()
        .expect("door config")
        .handle
        .clone();
    // The middle of the gap behind the handle bar, in the door's own frame.
    let gap_local = DVec3::new(
        -(handle.standoff - handle.radius) / 2.0,
        door.handle_center.y,
        door.handle_center.z,
    );
    let gap = |angle: f64| door.hinge + DQuat::from_rotation_z(angle) * gap_local;

    let go = |robot: &mut SafetyLayer<SimRobot>,
              target: DVec3,
              steps: usize|
     -> Result<(), Box<dyn std::error::Error>> {
        robot.command(Command::new(CommandMode::EndEffectorPosition(target)))?;
        for _ in 0..steps {
            robot.step()?;
        }
        Ok(())
    };
    println!("reaching above the handle");
    go(&mut robot, gap(0.0) - PRONG + DVec3::new(0.0, 0.0, 0.1), 40)?;
    println!("lowering the hook behind the bar");
    go(&mut robot, gap(0.0) - PRONG, 20)?;

    let target = 30f64.to_radians();
    println!("pulling along the door's arc");
    while robot.oracle().door_angle.unwrap() < target && robot.state().time < 60.0 {
        let angle = robot.oracle().door_angle.unwrap();
        go(&mut robot, gap((angle + 0.1).min(target)) - PRONG, 1)?;
        if robot.inner().world().control_steps() % 10 == 0 {
            println!(
                "  t={:5.1}s door {:5.1}°",
                robot.state().time,
                angle.to_degrees()
            );
        }
    }
    let angle = robot.oracle().door_angle.unwrap();
    println!(
        "door open to {:.1}° after {:.1} simulated seconds",
        angle.to_degrees(),
        robot.state().time
    );
    Ok(())
}
