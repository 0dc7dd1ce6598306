//! The `byfeel` command line as a user runs it.

use std::process::Command;

fn byfeel(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_byfeel"))
        .args(args)
        .output()
        .expect("byfeel runs")
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        vec!["--help"],
        vec!["sim", "--help"],
        vec!["bench", "--help"],
        vec!["bench", "physics", "--help"],
        vec!["bench", "render", "--help"],
        vec!["bench", "tactile", "--help"],
        vec!["bench", "env", "--help"],
        vec!["bench", "store", "--help"],
        vec!["collect", "--help"],
        vec!["export", "--help"],
        vec!["render", "--help"],
        vec!["view", "--help"],
        vec!["train", "skewfit", "--help"],
        vec!["train", "her", "--help"],
        vec!["bench", "skewfit", "--help"],
    ] {
        let out = byfeel(&args);
        assert!(out.status.success(), "{args:?} failed");
        assert!(stdout(&out).contains("Usage"), "{args:?} printed no usage");
    }
}

#[test]
fn sim_reports_what_happened_in_each_scene() {
    for (scene, key) in [
        ("door", "door_angle"),
        ("cup", "cup_position"),
        ("die", "die_face_up"),
    ] {
        let out = byfeel(&["sim", "--scene", scene, "--steps", "30", "--json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
        assert_eq!(v["scene"], scene);
        assert!((v["sim_seconds"].as_f64().unwrap() - 3.0).abs() < 1e-9);
        assert!(!v[key].is_null(), "{scene}: no {key} in {v}");
    }
    let text = stdout(&byfeel(&["sim", "--scene", "die", "--steps", "20"]));
    assert!(
        text.contains("die face up") && text.contains("so: "),
        "{text}"
    );
}

#[test]
fn bench_physics_prints_the_promised_json() {
    let out = byfeel(&[
        "bench",
        "physics",
        "--scene",
        "door",
        "--json",
        "--seconds",
        "0.2",
        "--runs",
        "1",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["scene"], "door");
    let steps = v["control_steps_per_s"].as_f64().unwrap();
    let sim = v["sim_seconds_per_s"].as_f64().unwrap();
    assert!(steps > 0.0 && (sim - steps * 0.1).abs() < 1e-6, "{v}");
}

#[test]
fn bad_arguments_are_explained() {
    let out = byfeel(&["sim", "--scene", "moon"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("moon") && err.contains("door"), "{err}");
    let out = byfeel(&["bench", "physics", "--runs", "0"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--runs"));
    // A positive skew is refused before anything is written.
    let run = std::env::temp_dir().join(format!("byfeel-cli-skew-{}", std::process::id()));
    let out = byfeel(&[
        "train",
        "skewfit",
        "--out",
        run.to_str().unwrap(),
        "--alpha",
        "0.5",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("alpha"));
    assert!(!run.exists(), "a refused run leaves nothing behind");
    let out = byfeel(&[
        "train",
        "skewfit",
        "--task",
        "cup-push",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("door"));
}
