//! Pictures from the command line: `byfeel render`, `byfeel view` (under Xvfb) and the render
//! benchmarks, as a user runs them.

use std::path::Path;
use std::process::Command;

fn byfeel() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_byfeel"));
    c.env("XDG_RUNTIME_DIR", std::env::temp_dir());
    c
}

/// A fresh scratch folder for a test's pictures; removed when dropped.
fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("byfeel-pictures-")
        .tempdir()
        .unwrap()
}

/// (width, height, RGB bytes) of a PNG file.
fn read_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// Distinct colours in an image: a blank or flat frame has one or two.
fn distinct_colours(rgb: &[u8]) -> usize {
    let mut seen: Vec<[u8; 3]> = rgb.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("byfeel runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn render_writes_camera_and_tactile_pngs() {
    let dir = scratch();
    let frame = dir.path().join("frame.png");
    run_ok(
        byfeel()
            .args(["render", "--scene", "door", "--camera", "door_top", "--out"])
            .arg(&frame),
    );
    let (w, h, rgb) = read_png(&frame);
    assert_eq!((w, h), (48, 48), "the door camera's own size");
    assert!(distinct_colours(&rgb) > 20);

    let touch = dir.path().join("touch.png");
    let said = run_ok(
        byfeel()
            .args(["render", "--scene", "die", "--tactile", "--out"])
            .arg(&touch),
    );
    let (w, h, rgb) = read_png(&touch);
    assert_eq!((w, h), (64, 48));
    assert!(
        said.contains("pixels in contact") && !said.contains(" 0 pixels in contact"),
        "{said}"
    );
    assert!(distinct_colours(&rgb) > 50);

    let big = dir.path().join("big.png");
    run_ok(
        byfeel()
            .args([
                "render", "--scene", "cup", "--width", "1024", "--height", "768", "--out",
            ])
            .arg(&big),
    );
    assert_eq!(read_png(&big).0, 1024);
}

#[test]
fn render_explains_bad_requests() {
    let dir = scratch();
    let out = byfeel()
        .args(["render", "--scene", "door", "--camera", "wrist", "--out"])
        .arg(dir.path().join("x.png"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown camera 'wrist'") && err.contains("door_top"),
        "{err}"
    );
    let out = byfeel()
        .args(["render", "--scene", "door", "--width", "0", "--out"])
        .arg(dir.path().join("y.png"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("0x48"));
}

#[test]
fn render_benchmarks_print_json() {
    let out = run_ok(byfeel().args([
        "bench",
        "tactile",
        "--json",
        "--seconds",
        "0.2",
        "--runs",
        "1",
        "--sizes",
        "64x48",
        "--batches",
        "1,2",
    ]));
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let cases = v["tactile"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    assert!(
        cases
            .iter()
            .all(|c| c["frames_per_s"].as_f64().unwrap() > 0.0)
    );
    assert!(
        cases[0]["contact_pixels"].as_u64().unwrap() > 0,
        "measured in contact"
    );
    let out = run_ok(byfeel().args([
        "bench",
        "render",
        "--json",
        "--seconds",
        "0.2",
        "--runs",
        "1",
        "--sizes",
        "48",
        "--batches",
        "1,4",
    ]));
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["render"].as_array().unwrap().len(), 2);
    assert!(v["step_and_render"][0]["steps_per_s"].as_f64().unwrap() > 0.0);
    assert!(v["adapter"].as_str().unwrap().len() > 3);
}

#[test]
fn env_benchmark_prints_json() {
    let out = run_ok(byfeel().args([
        "bench",
        "env",
        "--task",
        "door",
        "--obs",
        "image",
        "--num-envs",
        "1,2",
        "--seconds",
        "0.3",
        "--json",
    ]));
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let rows = v["results"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r["steps_per_s"].as_f64().unwrap() > 0.0)
    );
    let bad = byfeel()
        .args(["bench", "env", "--task", "fly"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("fly") && err.contains("door-open"), "{err}");
}

/// The viewer opens a real window on a virtual X display, draws, and its last frame is a
/// picture of the scene, not a blank.
#[test]
fn viewer_draws_the_scene_in_a_window() {
    let dir = scratch();
    let shot = dir.path().join("viewer.png");
    let exe = env!("CARGO_BIN_EXE_byfeel");
    let args = [
        "view",
        "--scene",
        "door",
        "--frames",
        "20",
        "--size",
        "640x480",
        "--screenshot",
    ];
    let have_xvfb = Command::new("xvfb-run").arg("--help").output().is_ok();
    let mut cmd = if have_xvfb {
        let mut c = Command::new("xvfb-run");
        c.args(["-a", "-s", "-screen 0 800x600x24", exe]);
        c
    } else {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "this test needs a display: install xvfb (apt-get install xvfb xauth) or set DISPLAY"
        );
        Command::new(exe)
    };
    cmd.env("XDG_RUNTIME_DIR", std::env::temp_dir())
        .args(args)
        .arg(&shot);
    let said = run_ok(&mut cmd);
    assert!(said.contains("20 frames"), "{said}");
    let (w, h, rgb) = read_png(&shot);
    assert_eq!((w, h), (640, 480));
    assert!(
        distinct_colours(&rgb) > 100,
        "the window shows a scene, not a blank"
    );
    // The door's colour is in it somewhere (the panel is brown: red > green > blue).
    assert!(
        rgb.chunks_exact(3)
            .any(|p| p[0] > p[1] + 20 && p[1] > p[2] + 20)
    );
}
