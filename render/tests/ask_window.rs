//! The window that asks a person about a picture: a key press answers, and the same window
//! asks again. Runs on a virtual display (Xvfb) with the keys typed by xdotool.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use byfeel_render::GpuOptions;
use byfeel_render::viewer::AskWindow;

/// A private Xvfb display; killed when dropped.
struct Display(Child);

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_display() -> (Display, String) {
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "640x640x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("this test needs Xvfb (scripts/system-packages.sh installs it)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("Xvfb names its display");
    (Display(child), format!(":{}", line.trim()))
}

/// Presses `key` in the asking window once it appears.
fn press_when_shown(display: &str, key: &'static str) -> std::thread::JoinHandle<bool> {
    let display = display.to_string();
    std::thread::spawn(move || {
        let status = Command::new("timeout")
            .args([
                "60",
                "xdotool",
                "search",
                "--sync",
                "--onlyvisible",
                "--name",
            ])
            .args(["byfeel asks", "windowfocus", "--sync", "key", key])
            .env("DISPLAY", &display)
            .status()
            .expect("this test needs xdotool (scripts/system-packages.sh installs it)");
        status.success()
    })
}

#[test]
fn a_key_press_answers_and_the_window_asks_again() {
    let (_xvfb, display) = start_display();
    // SAFETY: this test binary has one test, and no other thread reads the environment.
    unsafe {
        std::env::set_var("DISPLAY", &display);
        std::env::remove_var("WAYLAND_DISPLAY");
    }
    let mut window = AskWindow::new(GpuOptions::from_env()).expect("a window on Xvfb");
    let picture: Vec<u8> = (0..48 * 48)
        .flat_map(|i| [(i % 256) as u8, 90, 200])
        .collect();
    for (key, expected) in [("y", true), ("n", false), ("Y", true)] {
        let typist = press_when_shown(&display, key);
        let answer = window.ask("does this show success?", 48, 48, &picture);
        assert!(
            typist.join().unwrap(),
            "xdotool found the window and typed {key}"
        );
        assert_eq!(answer.expect("an answer"), expected, "after {key}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let wrong = window.ask("?", 48, 48, &picture[..100]);
    assert!(wrong.unwrap_err().to_string().contains("RGB picture"));
}
