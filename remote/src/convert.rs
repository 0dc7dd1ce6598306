//! Between the wire's messages and byfeel's types. A message missing a field it needs is an
//! error naming the field, never a default.

use byfeel_gym::{
    Command, CommandMode, DoorGeometry, Image, JointSpec, OracleState, Placement, RobotSpec,
    RobotState, SceneGeometry, SensorKind, SensorSpec, Workspace,
};
use byfeel_sim::HandleKind;
use glam::{DQuat, DVec3};

use crate::proto as pb;

/// What was missing or malformed in a message.
pub type Malformed = String;

pub fn vec3(v: DVec3) -> pb::Vec3 {
    pb::Vec3 {
        x: v.x,
        y: v.y,
        z: v.z,
    }
}

pub fn quat(q: DQuat) -> pb::Quat {
    pb::Quat {
        x: q.x,
        y: q.y,
        z: q.z,
        w: q.w,
    }
}

pub fn dvec3(v: Option<&pb::Vec3>, what: &str) -> Result<DVec3, Malformed> {
    v.map(|v| DVec3::new(v.x, v.y, v.z))
        .ok_or_else(|| format!("{what} is missing"))
}

pub fn dquat(q: Option<&pb::Quat>, what: &str) -> Result<DQuat, Malformed> {
    q.map(|q| DQuat::from_xyzw(q.x, q.y, q.z, q.w))
        .ok_or_else(|| format!("{what} is missing"))
}

pub fn spec(s: &RobotSpec, simulated: bool, lockstep: bool, gap: &str) -> pb::Spec {
    pb::Spec {
        name: s.name.clone(),
        joints: s
            .joints
            .iter()
            .map(|j| pb::Joint {
                name: j.name.clone(),
                lower: j.lower,
                upper: j.upper,
                max_velocity: j.max_velocity,
            })
            .collect(),
        control_dt: s.control_dt,
        workspace_min: Some(vec3(s.workspace.min)),
        workspace_max: Some(vec3(s.workspace.max)),
        max_ee_step: s.max_ee_step,
        sensors: s
            .sensors
            .iter()
            .map(|x| pb::Sensor {
                name: x.name.clone(),
                kind: match x.kind {
                    SensorKind::Camera => pb::SensorKind::Camera,
                    SensorKind::Tactile => pb::SensorKind::Tactile,
                } as i32,
                width: x.width,
                height: x.height,
            })
            .collect(),
        simulated,
        gap: gap.into(),
        lockstep,
    }
}

pub fn robot_spec(s: &pb::Spec) -> Result<RobotSpec, Malformed> {
    let sensors = s
        .sensors
        .iter()
        .map(|x| {
            let kind = match pb::SensorKind::try_from(x.kind) {
                Ok(pb::SensorKind::Camera) => SensorKind::Camera,
                Ok(pb::SensorKind::Tactile) => SensorKind::Tactile,
                Err(_) => {
                    return Err(format!(
                        "sensor {:?} has an unknown kind {}",
                        x.name, x.kind
                    ));
                }
            };
            Ok(SensorSpec {
                name: x.name.clone(),
                kind,
                width: x.width,
                height: x.height,
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(RobotSpec {
        name: s.name.clone(),
        joints: s
            .joints
            .iter()
            .map(|j| JointSpec {
                name: j.name.clone(),
                lower: j.lower,
                upper: j.upper,
                max_velocity: j.max_velocity,
            })
            .collect(),
        control_dt: s.control_dt,
        workspace: Workspace {
            min: dvec3(s.workspace_min.as_ref(), "spec.workspace_min")?,
            max: dvec3(s.workspace_max.as_ref(), "spec.workspace_max")?,
        },
        max_ee_step: s.max_ee_step,
        sensors,
    })
}

pub fn state(s: &RobotState) -> pb::State {
    pb::State {
        time: s.time,
        joint_positions: s.joint_positions.clone(),
        joint_velocities: s.joint_velocities.clone(),
        ee_position: Some(vec3(s.ee_position)),
        ee_orientation: Some(quat(s.ee_orientation)),
        holding: s.holding,
        contact_force: s.contact_force,
    }
}

pub fn robot_state(s: &pb::State) -> Result<RobotState, Malformed> {
    Ok(RobotState {
        time: s.time,
        joint_positions: s.joint_positions.clone(),
        joint_velocities: s.joint_velocities.clone(),
        ee_position: dvec3(s.ee_position.as_ref(), "state.ee_position")?,
        ee_orientation: dquat(s.ee_orientation.as_ref(), "state.ee_orientation")?,
        holding: s.holding,
        contact_force: s.contact_force,
    })
}

pub fn command_request(c: &Command, lease: pb::Lease) -> pb::CommandRequest {
    use pb::command_request::Mode;
    let mode = match &c.mode {
        CommandMode::Hold => Mode::Hold(pb::Empty {}),
        CommandMode::JointPositions(q) => Mode::JointPositions(pb::Joints { targets: q.clone() }),
        CommandMode::NamedJointPositions(pairs) => Mode::NamedJointPositions(pb::NamedJoints {
            targets: pairs
                .iter()
                .map(|(name, target)| pb::NamedTarget {
                    name: name.clone(),
                    target: *target,
                })
                .collect(),
        }),
        CommandMode::EndEffectorDelta(d) => Mode::EndEffectorDelta(vec3(*d)),
        CommandMode::EndEffectorPosition(p) => Mode::EndEffectorPosition(vec3(*p)),
    };
    pb::CommandRequest {
        lease: Some(lease),
        mode: Some(mode),
        deadline: c.deadline,
    }
}

pub fn command(r: &pb::CommandRequest) -> Result<Command, Malformed> {
    use pb::command_request::Mode;
    let mode = match r.mode.as_ref().ok_or("the command's mode is missing")? {
        Mode::Hold(_) => CommandMode::Hold,
        Mode::JointPositions(j) => CommandMode::JointPositions(j.targets.clone()),
        Mode::NamedJointPositions(n) => CommandMode::NamedJointPositions(
            n.targets
                .iter()
                .map(|t| (t.name.clone(), t.target))
                .collect(),
        ),
        Mode::EndEffectorDelta(d) => CommandMode::EndEffectorDelta(dvec3(Some(d), "delta")?),
        Mode::EndEffectorPosition(p) => {
            CommandMode::EndEffectorPosition(dvec3(Some(p), "position")?)
        }
    };
    Ok(Command {
        mode,
        deadline: r.deadline,
    })
}

pub fn image(i: Image) -> pb::ImageReply {
    pb::ImageReply {
        width: i.width,
        height: i.height,
        rgb: i.rgb,
    }
}

pub fn from_image(i: pb::ImageReply) -> Result<Image, Malformed> {
    if i.rgb.len() != (i.width * i.height * 3) as usize {
        return Err(format!(
            "an image of {}x{} came with {} bytes",
            i.width,
            i.height,
            i.rgb.len()
        ));
    }
    Ok(Image {
        width: i.width,
        height: i.height,
        rgb: i.rgb,
    })
}

pub fn place_request(p: &Placement, lease: pb::Lease) -> pb::PlaceRequest {
    use pb::place_request::Placement as P;
    let placement = match *p {
        Placement::Hand(h) => P::Hand(vec3(h)),
        Placement::DoorAngle(a) => P::DoorAngle(a),
        Placement::Cup { x, y } => P::Cup(pb::CupPlacement { x, y }),
        Placement::Die { x, y, face, yaw } => P::Die(pb::DiePlacement {
            x,
            y,
            face: face.into(),
            yaw,
        }),
        Placement::DieTurned { x, y, rotation } => P::DieTurned(pb::DieTurned {
            x,
            y,
            rotation: Some(quat(rotation)),
        }),
    };
    pb::PlaceRequest {
        lease: Some(lease),
        placement: Some(placement),
    }
}

pub fn placement(r: &pb::PlaceRequest) -> Result<Placement, Malformed> {
    use pb::place_request::Placement as P;
    Ok(
        match r.placement.as_ref().ok_or("the placement is missing")? {
            P::Hand(h) => Placement::Hand(dvec3(Some(h), "hand")?),
            P::DoorAngle(a) => Placement::DoorAngle(*a),
            P::Cup(c) => Placement::Cup { x: c.x, y: c.y },
            P::Die(d) => Placement::Die {
                x: d.x,
                y: d.y,
                face: u8::try_from(d.face)
                    .map_err(|_| format!("die face {} is not 1 to 20", d.face))?,
                yaw: d.yaw,
            },
            P::DieTurned(d) => Placement::DieTurned {
                x: d.x,
                y: d.y,
                rotation: dquat(d.rotation.as_ref(), "die rotation")?,
            },
        },
    )
}

pub fn truth(t: &OracleState) -> pb::TruthReply {
    pb::TruthReply {
        time: t.time,
        door_angle: t.door_angle,
        door_handle: t.door_handle.map(vec3),
        cup_position: t.cup_position.map(vec3),
        cup_orientation: t.cup_orientation.map(quat),
        cup_tilt: t.cup_tilt,
        die_position: t.die_position.map(vec3),
        die_orientation: t.die_orientation.map(quat),
        die_face_up: t.die_face_up.map(u32::from),
        die_face_on_gel: t.die_face_on_gel.map(u32::from),
        gel_in_contact: t.gel_in_contact,
    }
}

pub fn oracle(t: &pb::TruthReply) -> OracleState {
    let v = |v: &Option<pb::Vec3>| v.as_ref().map(|v| DVec3::new(v.x, v.y, v.z));
    let q = |q: &Option<pb::Quat>| q.as_ref().map(|q| DQuat::from_xyzw(q.x, q.y, q.z, q.w));
    let face = |f: Option<u32>| f.and_then(|f| u8::try_from(f).ok());
    OracleState {
        time: t.time,
        door_angle: t.door_angle,
        door_handle: v(&t.door_handle),
        cup_position: v(&t.cup_position),
        cup_orientation: q(&t.cup_orientation),
        cup_tilt: t.cup_tilt,
        die_position: v(&t.die_position),
        die_orientation: q(&t.die_orientation),
        die_face_up: face(t.die_face_up),
        die_face_on_gel: face(t.die_face_on_gel),
        gel_in_contact: t.gel_in_contact,
    }
}

pub fn geometry(g: &SceneGeometry) -> pb::GeometryReply {
    pb::GeometryReply {
        workspace_min: Some(vec3(g.workspace.min)),
        workspace_max: Some(vec3(g.workspace.max)),
        table_top: g.table_top,
        door: g.door.map(|d| pb::DoorGeometry {
            hinge: Some(vec3(d.hinge)),
            handle_center: Some(vec3(d.handle_center)),
            max_angle: d.max_angle,
            slot: Some(vec3(d.slot)),
            hinge_on_left: d.side < 0.0,
            handle: d.handle as u32,
        }),
        cup_radius: g.cup_radius,
        die_circumradius: g.die_circumradius,
    }
}

pub fn scene_geometry(g: &pb::GeometryReply) -> Result<SceneGeometry, Malformed> {
    let door = match &g.door {
        Some(d) => {
            let handle_center = dvec3(d.handle_center.as_ref(), "door handle centre")?;
            Some(DoorGeometry {
                hinge: dvec3(d.hinge.as_ref(), "door hinge")?,
                handle_center,
                // A server that does not say has a bar door's slot: halfway to the face.
                slot: match &d.slot {
                    Some(_) => dvec3(d.slot.as_ref(), "door handle slot")?,
                    None => DVec3::new(handle_center.x / 2.0, handle_center.y, handle_center.z),
                },
                side: if d.hinge_on_left { -1.0 } else { 1.0 },
                max_angle: d.max_angle,
                handle: match d.handle {
                    0 => HandleKind::Bar,
                    1 => HandleKind::Lever,
                    2 => HandleKind::Knob,
                    other => return Err(format!("door handle kind {other} is not 0, 1 or 2")),
                },
            })
        }
        None => None,
    };
    Ok(SceneGeometry {
        workspace: Workspace {
            min: dvec3(g.workspace_min.as_ref(), "workspace_min")?,
            max: dvec3(g.workspace_max.as_ref(), "workspace_max")?,
        },
        table_top: g.table_top,
        door,
        cup_radius: g.cup_radius,
        die_circumradius: g.die_circumradius,
    })
}
