//! The simulator's privileges on a [`SimRobot`]: rebuilding its scene, placing things in it,
//! the oracle, and saved states.

use byfeel_sim::Randomization;

use super::{SimRobot, sim_error};
use crate::oracle::{Oracle, OracleState};
use crate::robot::{RobotError, RobotSpec, SensorKind};
use crate::simulator::{DoorGeometry, Placement, SceneGeometry, Simulator};

impl Simulator for SimRobot {
    fn rebuild(&mut self, randomization: Randomization) -> Result<(), RobotError> {
        let Some(scene) = self.scene.clone() else {
            return Err(RobotError::Unreachable(
                "this simulated arm was built from a world, not a scene file: it cannot rebuild"
                    .into(),
            ));
        };
        let mut fresh = SimRobot::build(&scene.to_string_lossy(), randomization, self.edit.clone())
            .map_err(|e| RobotError::Unreachable(format!("rebuilding {}: {e}", scene.display())))?;
        // The sensors keep the sizes they were set to, and the renderer its device.
        fresh.spec.sensors = self.spec.sensors.clone();
        fresh.renderer = self.renderer.take();
        fresh.ik = self.ik;
        *self = fresh;
        Ok(())
    }

    fn place(&mut self, placement: &Placement) -> Result<(), RobotError> {
        let world = &mut self.world;
        match *placement {
            Placement::Hand(p) => return self.teleport_hand(p),
            Placement::DoorAngle(angle) => world.set_door_angle(angle),
            Placement::Cup { x, y } => world.place_cup(x, y),
            Placement::Die { x, y, face, yaw } => world.place_die(x, y, face, yaw),
            Placement::DieTurned { x, y, rotation } => world.place_die_turned(x, y, rotation),
        }
        .map_err(sim_error)
    }

    fn truth(&self) -> OracleState {
        self.oracle()
    }

    fn geometry(&self) -> SceneGeometry {
        let w = &self.world;
        SceneGeometry {
            workspace: self.spec.workspace,
            table_top: w.table.top,
            door: w.door.as_ref().map(|d| DoorGeometry {
                hinge: d.hinge,
                handle_center: d.handle_center,
                slot: d.slot,
                side: d.side,
                max_angle: d.max_angle,
                handle: d.kind,
            }),
            cup_radius: w.cup.as_ref().map(|c| c.radius),
            die_circumradius: w.die.as_ref().map(|d| d.circumradius),
        }
    }

    fn save(&mut self) -> Result<(), RobotError> {
        let snapshot = self.snapshot();
        self.saved.push(snapshot);
        Ok(())
    }

    fn restore(&mut self) -> Result<(), RobotError> {
        let saved = self
            .saved
            .pop()
            .ok_or_else(|| RobotError::Unreachable("no saved state to restore".into()))?;
        SimRobot::restore(self, &saved);
        Ok(())
    }
}

/// Sets sensor `name`'s image size in `spec`: cameras take any size from 1 to 1024 pixels a
/// side; the gel's images have the gel's own size.
pub(super) fn set_sensor_size(
    spec: &mut RobotSpec,
    name: &str,
    width: u32,
    height: u32,
) -> Result<(), RobotError> {
    let known = spec.sensors.iter().map(|s| s.name.clone()).collect();
    let Some(sensor) = spec.sensors.iter_mut().find(|s| s.name == name) else {
        return Err(RobotError::UnknownSensor {
            name: name.into(),
            known,
        });
    };
    let refuse = |why: String| RobotError::SensorUnavailable {
        name: name.into(),
        why,
    };
    if sensor.kind == SensorKind::Tactile && (width, height) != (sensor.width, sensor.height) {
        return Err(refuse(format!(
            "the gel's images are {}x{}; asked for {width}x{height}",
            sensor.width, sensor.height
        )));
    }
    if !(1..=1024).contains(&width) || !(1..=1024).contains(&height) {
        return Err(refuse(format!(
            "image size {width}x{height}: each side must be 1 to 1024"
        )));
    }
    sensor.width = width;
    sensor.height = height;
    Ok(())
}
