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

/// The subcommands a `--help` lists under "Commands:" (without `help`).
fn subcommands(path: &[&str]) -> Vec<String> {
    let mut args = path.to_vec();
    args.push("--help");
    let text = stdout(&byfeel(&args));
    text.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(String::from)
        .collect()
}

/// Every command and subcommand, found by walking the help itself, so that a new command
/// cannot be left out.
#[test]
fn every_subcommand_has_help() {
    let mut todo: Vec<Vec<String>> = vec![vec![]];
    let mut seen = 0;
    while let Some(path) = todo.pop() {
        let args: Vec<&str> = path.iter().map(String::as_str).collect();
        let mut help = args.clone();
        help.push("--help");
        let out = byfeel(&help);
        assert!(out.status.success(), "{help:?} failed");
        assert!(stdout(&out).contains("Usage"), "{help:?} printed no usage");
        seen += 1;
        for sub in subcommands(&args) {
            let mut next = path.clone();
            next.push(sub);
            todo.push(next);
        }
    }
    // The top level, 10 commands, and the subcommands of train, bench and probe.
    assert!(seen >= 20, "only {seen} commands found");
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
    // A positive skew is refused before anything is written: `run` is never created.
    let tmp = tempfile::Builder::new()
        .prefix("byfeel-cli-skew-")
        .tempdir()
        .unwrap();
    let run = tmp.path().join("run");
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
    // Settings from --set and --config are checked field by field before anything is written.
    for (set, named) in [("vae.latent=0", "vae.latent"), ("sac.bach=64", "sac.bach"), ("sac.batch=big", "sac.batch")] {
        let out = byfeel(&["train", "skewfit", "--out", run.to_str().unwrap(), "--set", set]);
        assert!(!out.status.success(), "{set}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(named), "{set}: {err}");
        assert!(!run.exists(), "a refused run leaves nothing behind");
    }
    let file = tmp.path().join("her.toml");
    std::fs::write(&file, "future_fraction = 2.0\n").unwrap();
    let out = byfeel(&["train", "her", "--out", run.to_str().unwrap(), "--config", file.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("future_fraction"));
    assert!(!run.exists());
}

/// `byfeel train predictive --set` reaches the run's recorded settings (here a memory's), and
/// an unknown one is refused before anything is built.
#[test]
fn predictive_settings_are_layered_and_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("rolls.zarr");
    let out = byfeel(&[
        "collect", "--task", "die-roll", "--actions", "roll", "--episodes", "4", "--robots", "2",
        "--max-steps", "3", "--quiet", "--out", store.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let run = tmp.path().join("memory");
    let train = |sets: &[&str]| {
        let mut args = vec!["train", "predictive", "--task", "die-roll", "--model", "memory", "--quiet"];
        args.extend(["--data", store.to_str().unwrap(), "--out", run.to_str().unwrap()]);
        for s in sets {
            args.extend(["--set", s]);
        }
        byfeel(&args)
    };
    let out = train(&["config.dimz=8"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("config.dimz: no such setting"));
    assert!(!run.exists(), "nothing built");
    let out = train(&["config.dims=8", "search.first=4", "config.holdout=0"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("memory.json")).unwrap()).unwrap();
    assert_eq!((spec["config"]["dims"].as_u64(), spec["search"]["first"].as_u64()), (Some(8), Some(4)));
}

/// A task name that could mean two tasks is refused with the valid names, not quietly read
/// as one of them; so is a controller that does not exist.
#[test]
fn loose_names_are_refused_with_the_valid_ones() {
    let out = byfeel(&["collect", "--task", "cup", "--out", "never.zarr"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cup-push") && err.contains("reach"), "{err}");
    assert!(!std::path::Path::new("never.zarr").exists());
    let out = byfeel(&["eval", "assets/models/die-roll", "--controllers", "predictive,oracle"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("oracle") && err.contains("centroid"), "{err}");
}

/// `byfeel eval` takes every kind of run: here a (tiny) HER run, evaluated on the door's goals;
/// a directory that is no run is named as such.
#[test]
fn eval_takes_a_her_run_and_names_what_is_not_a_run() {
    let dir = tempfile::Builder::new()
        .prefix("byfeel-cli-her-")
        .tempdir()
        .unwrap();
    let run = dir.path().join("her");
    let run_s = run.to_str().unwrap();
    let out = byfeel(&[
        "train", "her", "--out", run_s, "--env-steps", "500", "--warmup-steps", "250",
        "--updates-per-epoch", "2", "--batch", "16",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = byfeel(&["eval", run_s, "--episodes", "2"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).contains("over 2 goals"), "{}", stdout(&out));
    let report = std::fs::read_to_string(run.join("eval/report.md")).unwrap();
    assert!(report.contains("final angle error"), "{report}");
    let out = byfeel(&["eval", dir.path().to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a run directory"));
}

#[test]
fn serve_exposes_a_scene_arm_that_an_eval_drives_over_the_network() {
    let (mut server, addr) = serve(&["--scene", "door"]);
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("door");
    copy_dir(&byfeel::sim::assets_dir().join("models/door-skewfit"), &run);
    let here = byfeel(&["eval", run.to_str().unwrap(), "--episodes", "2", "--strips", "0"]);
    let there = byfeel(&[
        "eval", run.to_str().unwrap(), "--episodes", "2", "--strips", "0", "--robot", &addr,
    ]);
    let movie = dir.path().join("door.gif");
    let demo = byfeel(&["demo", "door-open", "--robot", &addr, "--out", movie.to_str().unwrap()]);
    // Training explores with the served arm, and the run notes which.
    let her = dir.path().join("her");
    let trained = byfeel(&[
        "train", "her", "--out", her.to_str().unwrap(), "--env-steps", "500", "--warmup-steps",
        "250", "--updates-per-epoch", "2", "--batch", "16", "--robot", &addr,
    ]);
    assert!(trained.status.success(), "{}", String::from_utf8_lossy(&trained.stderr));
    assert!(std::fs::read_to_string(her.join("arm.toml")).unwrap().contains(&addr));
    let _ = server.kill();
    assert!(here.status.success() && there.status.success(), "{}", stdout(&there));
    assert!(demo.status.success() && movie.exists(), "{}", stdout(&demo));
    // Lockstep over loopback plays bit for bit as in process: the same numbers.
    let numbers = |o: &std::process::Output| stdout(o).lines().next().unwrap_or_default().to_string();
    assert_eq!(numbers(&here), numbers(&there));
    assert!(numbers(&there).contains("final angle error"));
    // The report says which arm it ran on.
    let arm = std::fs::read_to_string(run.join("eval/arm.toml")).unwrap();
    assert!(arm.contains(&addr), "{arm}");
    let report = std::fs::read_to_string(run.join("eval/report.md")).unwrap();
    assert!(report.contains("## Arm") && report.contains("reality gap: **none**"), "{report}");
    // No server at the address is named.
    let wrong = byfeel(&["eval", run.to_str().unwrap(), "--episodes", "1", "--robot", "127.0.0.1:1"]);
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("cannot reach a robot server"));
}

/// Starts `byfeel serve` with `args` and returns it with the address it listens on.
fn serve(args: &[&str]) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut server = Command::new(env!("CARGO_BIN_EXE_byfeel"))
        .arg("serve")
        .args(args)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split_whitespace()
        .find(|w| w.starts_with("127.0.0.1:"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    (server, addr)
}

#[test]
fn a_client_killed_mid_episode_leaves_the_arm_holding_within_the_watchdog_period() {
    use byfeel::gym::Robot;
    use byfeel::remote::RemoteRobot;
    use std::time::{Duration, Instant};
    let (mut server, addr) = serve(&["--scene", "door", "--clock", "real-time"]);
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("door");
    copy_dir(&byfeel::sim::assets_dir().join("models/door-skewfit"), &run);
    let mut eval = Command::new(env!("CARGO_BIN_EXE_byfeel"))
        .args(["eval", run.to_str().unwrap(), "--episodes", "20", "--robot", &addr])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Mid-episode: the agent has control and the hand is moving.
    let watcher = RemoteRobot::watch(&addr).unwrap();
    let start = Instant::now();
    let mut last = watcher.state().ee_position;
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now = watcher.state().ee_position;
        let controlled = RemoteRobot::connect(&addr).is_err();
        if controlled && (now - last).length() > 1e-3 {
            break;
        }
        last = now;
        assert!(start.elapsed() < Duration::from_secs(60), "the agent never moved the arm");
    }
    eval.kill().unwrap();
    let cut = Instant::now();
    eval.wait().unwrap();
    // Control is free again once the watchdog has ended the lease and held the arm.
    let mut robot = loop {
        if let Ok(robot) = RemoteRobot::connect(&addr) {
            break robot;
        }
        assert!(cut.elapsed() < Duration::from_secs(5), "the lease never ended");
        std::thread::sleep(Duration::from_millis(10));
    };
    let held = cut.elapsed();
    eprintln!("arm held {:.3} s after the client was killed", held.as_secs_f64());
    assert!(held < Duration::from_millis(1250), "held only after {held:?} (watchdog 1 s)");
    let still = robot.state().ee_position;
    std::thread::sleep(Duration::from_millis(500));
    let moved = (robot.state().ee_position - still).length();
    assert!(moved < 2e-3, "the held arm moved {moved} m");
    // The arm is not stuck: the new controller moves it.
    robot
        .command(byfeel::gym::Command::ee_delta(0.0, 0.0, 0.01))
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    assert!(robot.state().ee_position.z > still.z + 5e-3);
    let _ = server.kill();
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `byfeel examples` writes a folder of pictures of success, refuses to mix two sets in one
/// folder, and names the tasks it makes them for.
#[test]
fn examples_writes_pictures_of_success() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("door-open");
    let made = byfeel(&["examples", "--task", "door-open", "--angle", "0.5", "--count", "3", "--out", out.to_str().unwrap()]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let pictures = byfeel::agents::vice::load_examples(&out).unwrap();
    assert_eq!(pictures.len(), 3);
    let judge = byfeel::agents::vice::read_judge(&out).unwrap().unwrap();
    assert_eq!(judge, byfeel::gym::Success::DoorAngle { angle: 0.5, tolerance: 0.05 });
    let again = byfeel(&["examples", "--task", "door-open", "--count", "3", "--out", out.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds examples"));
    let die = byfeel(&["examples", "--task", "die-roll", "--out", dir.path().join("d").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&die.stderr).contains("door-open and cup-push"));
}

/// `byfeel train vice` trains from a folder of pictures, asks the simulated labeller only where
/// the folder says what its pictures show, and names a folder without pictures.
#[test]
fn train_vice_learns_from_a_folder_of_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let (examples, run) = (dir.path().join("ex"), dir.path().join("run"));
    let run2 = dir.path().join("run2");
    let made = byfeel(&["examples", "--task", "door-open", "--count", "4", "--out", examples.to_str().unwrap()]);
    assert!(made.status.success());
    let small = [
        "--set", "steps_per_epoch=100", "--set", "warmup_steps=100", "--set", "classifier_batch=8",
        "--set", "classifier_updates=2", "--set", "updates_per_epoch=2", "--set", "vae_batches=2",
        "--set", "vae_batch=8", "--set", "sac.batch=16", "--set", "sac.hidden=[32, 32]",
    ];
    let mut args = vec!["train", "vice", "--examples", examples.to_str().unwrap(), "--out", run.to_str().unwrap()];
    args.extend(["--env-steps", "200", "--queries", "oracle", "--query-every", "1", "--quiet"]);
    args.extend(small);
    let out = byfeel(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("simulated labeller"));
    let last: serde_json::Value = serde_json::from_str(stdout(&out).lines().nth(1).unwrap()).unwrap();
    assert_eq!((last["env_steps"].as_u64(), last["queries"].as_u64()), (Some(200), Some(2)));
    assert!(run.join("classifier.bpk").exists() && run.join("sac").exists());
    // The trained policy, judged by the truth of what the examples show.
    let out = byfeel(&["eval", run.to_str().unwrap(), "--episodes", "2"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).contains("over 2 episodes"), "{}", stdout(&out));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("eval/report.json")).unwrap()).unwrap();
    assert_eq!(report["finals"].as_array().map(|f| f.len()), Some(2));
    // What the classifier rewards: its logit for four posed pictures, success first.
    let probes = report["probes"].as_array().unwrap();
    assert_eq!(probes.len(), 4);
    assert!(probes[0][0].as_str().unwrap().starts_with("success"));
    assert!(run.join("eval/probes.png").exists());
    assert!(run.join("eval/final-states.png").exists() && run.join("eval/report.md").exists());
    // The hand-written baseline: SAC rewarded by the simulator's distance to success.
    let oracle = dir.path().join("oracle");
    let mut oracle_args = args.clone();
    oracle_args[5] = oracle.to_str().unwrap();
    let asks = oracle_args.iter().position(|a| *a == "--queries").unwrap();
    oracle_args[asks + 1] = "none";
    oracle_args.extend(["--reward", "oracle"]);
    let out = byfeel(&oracle_args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let settings = std::fs::read_to_string(oracle.join("vice.json")).unwrap();
    assert!(settings.contains("\"reward\": \"oracle\""), "{settings}");
    // Pictures of the cup train the cup task unless told otherwise, and are refused for the door.
    let cup_examples = dir.path().join("cup-ex");
    let made = byfeel(&["examples", "--task", "cup-push", "--count", "2", "--out", cup_examples.to_str().unwrap()]);
    assert!(made.status.success());
    let cup_run = dir.path().join("cup");
    let mut cup_args = args.clone();
    cup_args[3] = cup_examples.to_str().unwrap();
    cup_args[5] = cup_run.to_str().unwrap();
    cup_args[7] = "100";
    let out = byfeel(&cup_args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let settings = std::fs::read_to_string(cup_run.join("vice.json")).unwrap();
    assert!(settings.contains("CupPush"), "{settings}");
    let door_run = dir.path().join("cup-as-door");
    cup_args[5] = door_run.to_str().unwrap();
    cup_args.extend(["--task", "door-open"]);
    let out = byfeel(&cup_args);
    assert!(String::from_utf8_lossy(&out.stderr).contains("show the cup scene"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!door_run.exists());
    // Photos without examples.toml cannot be judged by the simulator.
    std::fs::remove_file(examples.join("examples.toml")).unwrap();
    args[5] = run2.to_str().unwrap();
    let out = byfeel(&args);
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not say"), "{}", String::from_utf8_lossy(&out.stderr));
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = byfeel(&["train", "vice", "--examples", empty.to_str().unwrap(), "--out", "never"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no .png"));
    assert!(!std::path::Path::new("never").exists());
}
