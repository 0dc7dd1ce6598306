//! Robot descriptions and scene files: bundled ones load, another arm's URDF with meshes loads,
//! and every kind of broken file is reported with its file, element and problem.

use byfeel_sim::{AssetError, Randomization, RobotDescription, SceneConfig, World, scene_path};
use std::path::PathBuf;

/// A fresh, empty scratch folder named after `name`; removed when dropped.
fn scratch_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("byfeel-test-{name}-"))
        .tempdir()
        .unwrap()
}

fn sawyer_urdf() -> PathBuf {
    byfeel_sim::assets_dir().join("robots/sawyer/sawyer.urdf")
}

/// Writes `text` as a URDF in a fresh directory and loads it.
fn load_urdf(name: &str, text: &str, ee: &str) -> Result<RobotDescription, AssetError> {
    let dir = scratch_dir(name);
    let path = dir.path().join("robot.urdf");
    std::fs::write(&path, text).unwrap();
    RobotDescription::from_file(&path, None, ee)
}

fn assert_names(err: &AssetError, parts: &[&str]) {
    let msg = err.to_string();
    for p in parts {
        assert!(msg.contains(p), "error \"{msg}\" should mention \"{p}\"");
    }
}

#[test]
fn bundled_scenes_load() {
    for name in ["door", "cup", "die"] {
        let world = World::from_scene_file(scene_path(name), Randomization::Seeded(1)).unwrap();
        assert_eq!(world.arm.dof(), 7, "{name}: the Sawyer has 7 joints");
    }
}

/// A two-link arm whose links are an OBJ and an STL mesh: what a user dropping in another
/// robot would write.
const MESH_ARM: &str = r#"<?xml version="1.0"?>
<robot name="two_link">
  <link name="base">
    <inertial><mass value="1"/><inertia ixx="0.01" ixy="0" ixz="0" iyy="0.01" iyz="0" izz="0.01"/></inertial>
    <collision><geometry><mesh filename="package://two_link/meshes/cube.obj" scale="0.1 0.1 0.1"/></geometry></collision>
  </link>
  <link name="upper">
    <inertial><origin xyz="0 0 0.15"/><mass value="1"/><inertia ixx="0.01" ixy="0" ixz="0" iyy="0.01" iyz="0" izz="0.01"/></inertial>
    <collision><origin xyz="0 0 0.15"/><geometry><mesh filename="meshes/cube.stl" scale="0.05 0.05 0.3"/></geometry></collision>
  </link>
  <link name="tip">
    <inertial><mass value="0.1"/><inertia ixx="0.001" ixy="0" ixz="0" iyy="0.001" iyz="0" izz="0.001"/></inertial>
  </link>
  <joint name="shoulder" type="revolute">
    <parent link="base"/><child link="upper"/><origin xyz="0 0 0.1"/><axis xyz="0 1 0"/>
    <limit lower="-1.5" upper="1.5" effort="50" velocity="2"/>
  </joint>
  <joint name="tool" type="fixed">
    <parent link="upper"/><child link="tip"/><origin xyz="0 0 0.3"/>
  </joint>
</robot>
"#;

fn cube_obj() -> String {
    let mut s = String::new();
    for x in [-0.5, 0.5] {
        for y in [-0.5, 0.5] {
            for z in [-0.5, 0.5] {
                s += &format!("v {x} {y} {z}\n");
            }
        }
    }
    for f in [
        "1 3 4 2", "5 6 8 7", "1 2 6 5", "3 7 8 4", "1 5 7 3", "2 4 8 6",
    ] {
        s += &format!("f {f}\n");
    }
    s
}

fn cube_stl() -> String {
    let v = |i: usize| {
        [
            (i & 1) as f64 - 0.5,
            ((i >> 1) & 1) as f64 - 0.5,
            ((i >> 2) & 1) as f64 - 0.5,
        ]
    };
    let tris = [
        [0, 2, 1],
        [1, 2, 3],
        [4, 5, 6],
        [5, 7, 6],
        [0, 1, 4],
        [1, 5, 4],
        [2, 6, 3],
        [3, 6, 7],
        [0, 4, 2],
        [2, 4, 6],
        [1, 3, 5],
        [3, 7, 5],
    ];
    let mut s = String::from("solid cube\n");
    for t in tris {
        s += "facet normal 0 0 0\nouter loop\n";
        for i in t {
            let p = v(i);
            s += &format!("vertex {} {} {}\n", p[0], p[1], p[2]);
        }
        s += "endloop\nendfacet\n";
    }
    s + "endsolid cube\n"
}

#[test]
fn another_arm_with_obj_and_stl_meshes_loads_and_moves() {
    let scratch = scratch_dir("mesh-arm");
    let dir = scratch.path();
    std::fs::create_dir_all(dir.join("meshes")).unwrap();
    std::fs::write(dir.join("meshes/cube.obj"), cube_obj()).unwrap();
    std::fs::write(dir.join("meshes/cube.stl"), cube_stl()).unwrap();
    std::fs::write(dir.join("arm.urdf"), MESH_ARM).unwrap();
    let desc = RobotDescription::from_file(dir.join("arm.urdf"), None, "tip").unwrap();
    assert_eq!(desc.chain.dof(), 1);
    // Its tip at zero is 0.1 + 0.3 m up; the chain is what IK and the world will use.
    let tip = desc.chain.forward(&[0.0]).translation;
    assert!((tip.z - 0.4).abs() < 1e-9, "tip at {tip:?}");

    // And it drops into a scene in place of the Sawyer.
    let scene = std::fs::read_to_string(scene_path("cup"))
        .unwrap()
        .replace(
            "../robots/sawyer/sawyer.urdf",
            &dir.join("arm.urdf").to_string_lossy(),
        )
        .replace("ee_link = \"right_gel\"", "ee_link = \"tip\"")
        .replace("gel_link = \"right_gel\"\n", "")
        .replace(
            "rest_joints = [0.0, -1.18, 0.0, 2.18, 0.0, 0.57, 3.3161]",
            "rest_joints = [0.3]",
        )
        .replace(
            "home_position = [0.50, 0.0, 0.25]",
            "home_position = [0.0, 0.0, 0.4]",
        );
    let scene_file = dir.join("scene.toml");
    let config = SceneConfig::from_toml(&scene, &scene_file).unwrap();
    // Pointing a tool straight down is out of this arm's reach: a clear error, not a panic.
    let err = World::from_config(config.clone(), dir, &scene_file, Randomization::Nominal)
        .err()
        .unwrap();
    assert_names(&err, &["scene.toml", "robot.home_position", "cannot reach"]);
    // Started from a joint posture instead, it loads and its motor drives the joint.
    let mut config = config;
    config.robot.home_position = None;
    config.robot.home_joints = Some(vec![0.3]);
    let mut world = World::from_config(config, dir, &scene_file, Randomization::Nominal).unwrap();
    for _ in 0..20 {
        world.step(&[0.8]).unwrap();
    }
    let q = world.joint_positions()[0];
    assert!(
        (q - 0.8).abs() < 0.01,
        "the shoulder should reach 0.8 rad, got {q}"
    );
    let tip = world.ee_frame().translation;
    let expect = desc.chain.forward(&[q]).translation;
    assert!(
        (tip - expect).length() < 1e-3,
        "simulated tip {tip:?} vs kinematics {expect:?}"
    );
}

const GOOD_LINKS: &str = r#"<link name="a"><inertial><mass value="1"/><inertia ixx="0.01" ixy="0" ixz="0" iyy="0.01" iyz="0" izz="0.01"/></inertial></link>
  <link name="b"><inertial><mass value="1"/><inertia ixx="0.01" ixy="0" ixz="0" iyy="0.01" iyz="0" izz="0.01"/></inertial>
    <collision><geometry><box size="0.1 0.1 0.1"/></geometry></collision></link>"#;

fn urdf_with(joint: &str, extra: &str) -> String {
    format!("<robot name=\"r\">\n  {GOOD_LINKS}\n  {joint}\n  {extra}\n</robot>\n")
}

const GOOD_JOINT: &str = r#"<joint name="j" type="revolute"><parent link="a"/><child link="b"/><origin xyz="0 0 0.1"/><axis xyz="0 0 1"/><limit lower="-1" upper="1" effort="10" velocity="1"/></joint>"#;

#[test]
fn a_good_minimal_urdf_loads() {
    load_urdf("good", &urdf_with(GOOD_JOINT, ""), "b").unwrap();
}

#[test]
fn missing_urdf_file_names_the_file() {
    let err = RobotDescription::from_file("/nonexistent/arm.urdf", None, "tool").unwrap_err();
    assert_names(&err, &["/nonexistent/arm.urdf", "cannot read"]);
}

#[test]
fn malformed_xml_is_reported() {
    let err = load_urdf("xml", "<robot name=\"r\"><link name=\"a\"></robot>", "a").unwrap_err();
    assert_names(&err, &["robot.urdf", "not well-formed XML"]);
}

#[test]
fn misspelt_tag_is_named_with_its_line() {
    let joint = GOOD_JOINT
        .replace("<joint ", "<jiont ")
        .replace("</joint>", "</jiont>");
    let err = load_urdf("tag", &urdf_with(&joint, ""), "b").unwrap_err();
    assert_names(&err, &["robot.urdf", "jiont", "unknown element", "line 5"]);
}

#[test]
fn bad_number_names_the_element_and_attribute() {
    let joint = GOOD_JOINT.replace("xyz=\"0 0 0.1\"", "xyz=\"0 0 abc\"");
    let err = load_urdf("number", &urdf_with(&joint, ""), "b").unwrap_err();
    assert_names(
        &err,
        &[
            "joint \"j\" > origin",
            "xyz=\"0 0 abc\"",
            "\"abc\" is not a finite number",
        ],
    );
    let joint = GOOD_JOINT.replace("upper=\"1\"", "upper=\"1 2\"");
    let err = load_urdf("arity", &urdf_with(&joint, ""), "b").unwrap_err();
    assert_names(&err, &["joint \"j\" > limit", "must hold 1 number"]);
}

#[test]
fn missing_mesh_names_the_link_and_file() {
    let mesh_link = r#"<link name="c"><collision><geometry><mesh filename="meshes/gone.stl"/></geometry></collision></link>
  <joint name="k" type="fixed"><parent link="b"/><child link="c"/></joint>"#;
    let err = load_urdf("mesh", &urdf_with(GOOD_JOINT, mesh_link), "b").unwrap_err();
    assert_names(
        &err,
        &[
            "robot.urdf",
            "link \"c\" > collision > mesh \"meshes/gone.stl\"",
            "does not exist",
        ],
    );
}

#[test]
fn massless_moving_links_are_refused() {
    let massless = GOOD_LINKS.replace("<mass value=\"1\"/>", "<mass value=\"0\"/>");
    let text = format!("<robot name=\"r\">\n  {massless}\n  {GOOD_JOINT}\n</robot>\n");
    let err = load_urdf("massless", &text, "b").unwrap_err();
    assert_names(&err, &["joint \"j\"", "no mass"]);
}

#[test]
fn structural_mistakes_are_named() {
    let cases = [
        (
            GOOD_JOINT.replace("<child link=\"b\"/>", "<child link=\"zz\"/>"),
            "b",
            "link \"zz\" is not defined",
        ),
        (
            GOOD_JOINT.replace("lower=\"-1\"", "lower=\"2\""),
            "b",
            "lower < upper",
        ),
        (
            GOOD_JOINT.replace("type=\"revolute\"", "type=\"floating\""),
            "b",
            "not supported",
        ),
        (
            GOOD_JOINT.to_string(),
            "nope",
            "end-effector link is not in the robot",
        ),
    ];
    for (i, (joint, ee, expect)) in cases.iter().enumerate() {
        let err = load_urdf(&format!("structure{i}"), &urdf_with(joint, ""), ee).unwrap_err();
        assert_names(&err, &["robot.urdf", expect]);
    }
}

/// The bundled door.toml edited by `edit`, written as `door.toml` to a scratch folder named
/// after `name` (removed when the returned folder is dropped).
fn edited_door_scene(name: &str, edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let original = std::fs::read_to_string(scene_path("door")).unwrap();
    let text = edit(original.clone());
    // An edit that no longer matches the bundled scene would test the bundled scene.
    assert_ne!(
        text, original,
        "the edit for {name} changed nothing in door.toml"
    );
    let dir = scratch_dir(name);
    let path = dir.path().join("door.toml");
    // Keep the URDF reachable from the copied scene.
    let text = text.replace(
        "../robots/sawyer/sawyer.urdf",
        &sawyer_urdf().to_string_lossy(),
    );
    std::fs::write(&path, text).unwrap();
    dir
}

fn scene_error(name: &str, edit: impl Fn(String) -> String) -> AssetError {
    let dir = edited_door_scene(name, edit);
    World::from_scene_file(dir.path().join("door.toml"), Randomization::Nominal)
        .err()
        .expect("broken scene must not load")
}

#[test]
fn malformed_scene_files_name_the_key_and_problem() {
    let err = scene_error("bad-number", |t| {
        t.replace("mass = 2.0", "mass = \"heavy\"")
    });
    assert_names(&err, &["door.toml", "mass = \"heavy\"", "line"]);
    let err = scene_error("unknown-key", |t| t.replace("mass = 2.0", "mas = 2.0"));
    assert_names(&err, &["door.toml", "unknown field `mas`"]);
    let err = scene_error("range", |t| {
        t.replace(
            "damping = { min = 0.8, max = 1.2 }",
            "damping = { min = 1.5, max = 1.2 }",
        )
    });
    assert_names(
        &err,
        &["door.toml", "door.damping", "min 1.5 is above max 1.2"],
    );
    let err = scene_error("negative", |t| t.replace("width = 0.30", "width = -0.30"));
    assert_names(&err, &["door.width", "positive"]);
    let err = scene_error("box", |t| {
        t.replace(
            "workspace_max = [0.78, 0.30, 0.45]",
            "workspace_max = [0.78, 0.30, 0.01]",
        )
    });
    assert_names(&err, &["robot.workspace_min", "below workspace_max"]);
    let err = scene_error("gel", |t| {
        t.replace("gel_link = \"right_gel\"", "gel_link = \"thumb\"")
    });
    assert_names(&err, &["robot.gel_link", "thumb"]);
    let err = scene_error("urdf", |t| {
        t.replace("../robots/sawyer/sawyer.urdf", "missing.urdf")
    });
    assert_names(&err, &["missing.urdf", "cannot read"]);
    let err = scene_error("reach", |t| {
        t.replace(
            "standoff = 0.05",
            "standoff = 0.05\nreach_toward_hinge = 0.2",
        )
    });
    assert_names(&err, &["door.handle.reach_toward_hinge", "past the hinge"]);
    // The family's keys: handle kinds, hinge sides, colours, the light.
    let err = scene_error("kind", |t| {
        t.replace("standoff = 0.05", "standoff = 0.05\nkind = [\"bar\", \"doorbell\"]")
    });
    assert_names(&err, &["door.toml", "kind"]);
    let err = scene_error("no-kind", |t| {
        t.replace("standoff = 0.05", "standoff = 0.05\nkind = []")
    });
    assert_names(&err, &["door.handle.kind", "empty list"]);
    let err = scene_error("side", |t| {
        t.replace("mass = 2.0", "mass = 2.0\nhinge_side = \"top\"")
    });
    assert_names(&err, &["door.toml", "hinge_side"]);
    let err = scene_error("colour", |t| {
        t.replace("mass = 2.0", "mass = 2.0\ncolor = [0.5, 1.5, 0.2]")
    });
    assert_names(&err, &["door.color[1]", "at most 1"]);
    let err = scene_error("light", |t| {
        format!("{t}\n[light]\ndirection = [0.0, 0.0, -1.0]\nintensity = 1.0\n")
    });
    assert_names(&err, &["light.direction[2]", "above the table"]);
}

#[test]
fn the_door_family_loads_and_the_single_door_is_as_it_was() {
    let family = World::from_scene_file(scene_path("door-family"), Randomization::Seeded(3));
    assert!(family.unwrap().light.is_some());
    // The single door draws nothing new: its records name only what they always named.
    let door = World::from_scene_file(scene_path("door"), Randomization::Seeded(3)).unwrap();
    let names: Vec<&str> = door.scene_parameters().iter().map(|p| p.0).collect();
    assert!(!names.contains(&"door.handle.kind") && !names.contains(&"door.width"), "{names:?}");
    assert!(door.light.is_none() && door.door.as_ref().unwrap().colours == Default::default());
}

/// The door's bar, as the span along the door (from the hinge) that its colliders cover, with
/// the hook's place, from the door scene at `path`.
fn bar_span(path: &std::path::Path) -> (f64, f64, f64) {
    let world = World::from_scene_file(path, Randomization::Nominal).unwrap();
    let door = world.door.as_ref().unwrap();
    let (lo, hi) = door
        .handle
        .iter()
        .map(|&h| world.physics().colliders[h].compute_aabb())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), b| {
            (lo.min(b.mins.y as f64), hi.max(b.maxs.y as f64))
        });
    // The shut door runs along +y from its hinge.
    (lo - door.hinge.y, hi - door.hinge.y, door.handle_center.y)
}

#[test]
fn a_bar_reaching_toward_the_hinge_keeps_the_hooks_place() {
    let (lo, hi, hook) = bar_span(&scene_path("door"));
    let edited = edited_door_scene("bar-reach", |t| {
        t.replace(
            "standoff = 0.05",
            "standoff = 0.05\nreach_toward_hinge = 0.04",
        )
    });
    let (lo_r, hi_r, hook_r) = bar_span(&edited.path().join("door.toml"));
    assert!(
        (lo - lo_r - 0.04).abs() < 1e-4,
        "hinge-side end {lo} -> {lo_r}"
    );
    assert!(
        (hi - hi_r).abs() < 1e-4,
        "free-side end moved: {hi} -> {hi_r}"
    );
    assert_eq!(hook, hook_r, "the hook's place moved");
}
