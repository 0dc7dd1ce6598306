//! `byfeel demo die-roll` and `byfeel demo cup-push` with the shipped models: each plans an
//! episode (by touch, by sight) and writes the movie, whatever the outcome; a bad model
//! directory is refused with the reason.

use std::process::Command;

fn byfeel() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_byfeel"));
    c.env("XDG_RUNTIME_DIR", std::env::temp_dir());
    c
}

#[test]
fn the_shipped_die_model_plays_an_episode_into_a_movie() {
    let tmp = tempfile::Builder::new()
        .prefix("byfeel-demo-")
        .tempdir()
        .unwrap();
    let out = tmp.path().join("demo.gif");
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
    assert!(said.contains("planning with"), "{said}");
    assert!(said.contains("reached after"), "{said}");
    let gif = std::fs::read(&out).unwrap();
    assert_eq!(&gif[..6], b"GIF89a");
    // Camera (192 wide) | gel | goal's feel (each 48 × 64 shown at the camera's 144 rows): ×2.
    let width = u16::from_le_bytes([gif[6], gif[7]]);
    assert_eq!(width, 2 * (192 + 192 + 192));

    // The main job, `byfeel demo` with no name: every shipped agent, each into its own movie
    // in the working directory. (The cup's episode is one the shipped model solved when it was
    // evaluated; rendering on another CPU may differ by a pixel and the plan with it, so the
    // outcome is not asserted.)
    let dir = tempfile::Builder::new()
        .prefix("byfeel-demo-all-")
        .tempdir()
        .unwrap();
    let run = byfeel()
        .arg("demo")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{said}{}", String::from_utf8_lossy(&run.stderr));
    for shipped in ["die-roll", "cup-push", "door-skewfit"] {
        assert!(said.contains(&format!("assets/models/{shipped}")), "{said}");
    }
    for movie in ["die-roll.gif", "cup-push.gif", "door-open.gif"] {
        assert_eq!(
            &std::fs::read(dir.path().join(movie)).unwrap()[..6],
            b"GIF89a",
            "{movie}"
        );
    }

    let missing = byfeel()
        .args(["demo", "die-roll", "--model", "/nonexistent/run", "--out"])
        .arg(std::env::temp_dir().join("never.gif"))
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/run"));
}

/// `byfeel eval` on the shipped model: every controller on the same seeds, a report with the
/// table and links, a strip per episode (the agent's with its predicted row above) and each
/// episode's outcome as it ended.
#[test]
fn eval_writes_a_report_with_strips_for_every_controller() {
    let tmp = tempfile::Builder::new()
        .prefix("byfeel-eval-")
        .tempdir()
        .unwrap();
    let run = tmp.path();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models/die-roll");
    for file in std::fs::read_dir(&shipped).unwrap() {
        let file = file.unwrap();
        std::fs::copy(file.path(), run.join(file.file_name())).unwrap();
    }
    let out = byfeel()
        .arg("eval")
        .arg(run)
        .args(["--episodes", "1", "--samples", "20", "--score-every", "3"])
        .args(["--strips", "1", "--held-out", "0"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = std::fs::read_to_string(run.join("eval/report.md")).unwrap();
    // The shipped die agent plays roll actions: random actions are single rolls (no held
    // variant) and the simulator's scripted roller is the upper reference.
    for name in ["predictive", "random", "centroid", "scripted"] {
        assert!(report.contains(&format!("| {name} |")), "{report}");
        assert!(
            report.contains(&format!("({name}-episode-000.png)")),
            "{report}"
        );
        let lines = std::fs::read_to_string(run.join(format!("eval/{name}-episodes.jsonl")));
        assert_eq!(lines.unwrap().lines().count(), 1);
    }
    // The agent's strip has two rows (predicted over what happened); a baseline's one.
    let height = |name: &str| {
        let png = std::fs::read(run.join(format!("eval/{name}-episode-000.png"))).unwrap();
        u32::from_be_bytes([png[20], png[21], png[22], png[23]])
    };
    assert_eq!(height("random"), 48);
    assert_eq!(height("predictive"), 2 * 48 + 4);
}
