//! The simulated robot's sensors: scene cameras and the gel, drawn by the renderer.

mod common;
use byfeel_gym::scripted::{press_gel, press_point};
use byfeel_gym::{Robot, RobotError};
use common::*;

#[test]
fn the_gel_sees_the_die_only_when_pressed_on_it() {
    let mut arm = robot("die");
    let spec = arm
        .spec()
        .sensors
        .iter()
        .find(|s| s.name == "gel")
        .unwrap()
        .clone();
    let free = arm.read_sensor("gel").unwrap();
    assert_eq!((free.width, free.height), (spec.width, spec.height));
    assert_eq!(free.rgb.len(), (spec.width * spec.height * 3) as usize);
    assert!(
        !arm.inner_mut().render_tactile().unwrap().in_contact(),
        "hand in the air"
    );

    let at = press_point(arm.inner().world()).unwrap();
    assert!(
        press_gel(&mut arm, at, 0.0015).unwrap(),
        "the gel reaches the die"
    );
    let pressed = arm.read_sensor("gel").unwrap();
    let detail = arm.inner_mut().render_tactile().unwrap();
    eprintln!(
        "pressed: {:.2} N, {:.2} mm deep, {} pixels in contact",
        detail.force_n,
        detail.max_indentation_mm(),
        detail.contact_pixels()
    );
    assert!(detail.in_contact() && detail.force_n > 0.0);
    assert!(detail.max_indentation_mm() > 0.3);
    assert_ne!(pressed.rgb, free.rgb);
    assert_eq!(
        pressed.rgb, detail.rgb,
        "read_sensor gives the tactile image"
    );

    // Lift off: the gel goes back to its untouched image.
    let lifted = at + glam::DVec3::new(0.0, 0.0, 0.05);
    byfeel_gym::scripted::move_to(&mut arm, lifted, 0.002, 40).unwrap();
    assert_eq!(arm.read_sensor("gel").unwrap().rgb, free.rgb);
}

#[test]
fn scene_cameras_are_sensors_and_unknown_names_are_errors() {
    let mut arm = robot("door");
    let img = arm.read_sensor("door_top").unwrap();
    assert_eq!((img.width, img.height), (48, 48));
    let depth = arm.inner_mut().render_camera("door_top").unwrap().depth;
    assert!(
        depth.iter().all(|d| *d > 0.1),
        "nothing closer than 10 cm to the door camera"
    );
    match arm.read_sensor("wrist_cam") {
        Err(RobotError::UnknownSensor { known, .. }) => {
            assert!(known.contains(&"door_top".to_string()))
        }
        other => panic!("expected UnknownSensor, got {other:?}"),
    }
    let e = arm.inner().camera("nope").unwrap_err().to_string();
    assert!(e.contains("door_top"), "{e}");
}
