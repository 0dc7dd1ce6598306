//! `byfeel demo die-roll` with the shipped model: it plans an episode by touch and writes the
//! movie, whatever the outcome; a bad model directory is refused with the reason.

use std::process::Command;

fn byfeel() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_byfeel"));
    c.env("XDG_RUNTIME_DIR", std::env::temp_dir());
    c
}

#[test]
fn the_shipped_die_model_plays_an_episode_into_a_movie() {
    let out = std::env::temp_dir().join(format!("byfeel-demo-{}.gif", std::process::id()));
    // Few samples keep the test quick; the planning code is the same.
    let run = byfeel()
        .args(["demo", "die-roll", "--samples", "20", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(said.contains("planning by touch with"), "{said}");
    assert!(said.contains("reached after"), "{said}");
    let gif = std::fs::read(&out).unwrap();
    assert_eq!(&gif[..6], b"GIF89a");
    // Camera (192 wide) | gel | goal's feel (each 48 × 64 shown at the camera's 144 rows): ×2.
    let width = u16::from_le_bytes([gif[6], gif[7]]);
    assert_eq!(width, 2 * (192 + 192 + 192));
    std::fs::remove_file(&out).ok();

    let missing = byfeel()
        .args(["demo", "die-roll", "--model", "/nonexistent/run", "--out"])
        .arg(std::env::temp_dir().join("never.gif"))
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/run"));
}
