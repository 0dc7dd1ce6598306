//! Watching a run from a browser: `byfeel train … --watch` serves the robot's live pictures and
//! the curves, a real headless Chromium shows them, and garbage sent to the port changes
//! nothing for the run.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn byfeel() -> Command {
    Command::new(env!("CARGO_BIN_EXE_byfeel"))
}

/// Sends `request` to `addr` and returns the whole answer (head and body).
fn ask(addr: &str, request: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

fn get(addr: &str, path: &str) -> String {
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    String::from_utf8_lossy(&ask(addr, req.as_bytes())).into_owned()
}

/// A VICE run on the door with `--watch` on a free port; returns it and the page's address.
fn watched_run(dir: &std::path::Path) -> (Child, String) {
    let examples = dir.join("ex");
    let made = byfeel()
        .args(["examples", "--task", "door-open", "--count", "4", "--out"])
        .arg(&examples)
        .output()
        .unwrap();
    assert!(made.status.success());
    let mut child = byfeel()
        .args(["train", "vice", "--watch", "127.0.0.1:0", "--examples"])
        .arg(&examples)
        .arg("--out")
        .arg(dir.join("run"))
        .args(["--env-steps", "100000", "--quiet"])
        .args(["--set", "steps_per_epoch=100", "--set", "warmup_steps=100"])
        .args(["--set", "updates_per_epoch=2", "--set", "classifier_updates=2"])
        .args(["--set", "vae_batches=2", "--set", "sac.batch=16"])
        .env("XDG_RUNTIME_DIR", std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("the run says where to watch it").unwrap();
        if let Some(url) = line.strip_prefix("watch this run at ") {
            break url.to_string();
        }
    };
    // Keep draining stderr so the run never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    (child, addr)
}

/// Reddish pixels: the arm, which nothing else on the page is drawn in.
fn arm_pixels(rgb: &[u8]) -> usize {
    rgb.chunks(3)
        .filter(|p| p[0] > 90 && p[1] < 60 && p[2] < 60)
        .count()
}

#[test]
fn a_browser_shows_the_runs_live_pictures_and_garbage_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut run, addr) = watched_run(dir.path());
    // The robot's camera and goal pictures arrive, and then the curves.
    let start = Instant::now();
    let state = loop {
        let s = get(&addr, "/state.json");
        if s.contains("\"camera\"") && s.contains("\"goal\"") && s.contains("vice/") {
            break s;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "no pictures or curves: {s}");
        std::thread::sleep(Duration::from_millis(300));
    };
    assert!(state.contains("DoorOpen"), "{state}");
    let png = get(&addr, "/picture/0/camera.png");
    assert!(png.starts_with("HTTP/1.1 200") && png.contains("image/png"), "{png:.200}");

    // Garbage, a long line, another method and an unknown page are refused; the run goes on.
    assert!(String::from_utf8_lossy(&ask(&addr, b"\x00\xffgarbage\r\n\r\n")).starts_with("HTTP/1.1 4"));
    assert!(String::from_utf8_lossy(&ask(&addr, &[b'A'; 5000])).starts_with("HTTP/1.1 400"));
    assert!(get(&addr, "/picture/7/camera.png").starts_with("HTTP/1.1 404"));
    let post = ask(&addr, b"POST / HTTP/1.1\r\n\r\n");
    assert!(String::from_utf8_lossy(&post).starts_with("HTTP/1.1 405"));
    assert!(run.try_wait().unwrap().is_none(), "the run stopped");

    // A real browser draws the page with the live camera picture on it.
    let shot = dir.path().join("page.png");
    let browser = Command::new("chromium")
        .args(["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"])
        .args(["--window-size=1000,800", "--virtual-time-budget=5000"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("http://{addr}/"))
        .output()
        .expect("chromium runs (scripts/system-packages.sh installs it)");
    assert!(shot.exists(), "no screenshot: {}", String::from_utf8_lossy(&browser.stderr));
    let (w, h, rgb) = byfeel::render::image::load_rgb_png(&shot).unwrap();
    assert_eq!((w, h), (1000, 800));
    let arm = arm_pixels(&rgb);
    assert!(arm > 500, "the page shows no camera picture of the arm ({arm} arm pixels)");
    std::fs::copy(&shot, std::env::temp_dir().join("byfeel-watch-page.png")).ok();
    run.kill().unwrap();
    run.wait().unwrap();
}
