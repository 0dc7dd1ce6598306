//! `byfeel collect` and `byfeel export` as a user runs them, including a collection killed with
//! SIGKILL in the middle of writing an episode.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use byfeel::gym::store::{StoreReader, StoreWriter};

/// A path named `name`, not yet created, inside a fresh scratch folder. Keep the `TempDir`
/// alive while the path is used: dropping it removes the folder, the store and whatever was
/// written beside it (movies, flags).
fn temp(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::Builder::new()
        .prefix("byfeel-collect-")
        .tempdir()
        .unwrap();
    let path = tmp.path().join(name);
    (tmp, path)
}

fn byfeel() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_byfeel"));
    c.env("XDG_RUNTIME_DIR", std::env::temp_dir());
    c
}

/// Runs `byfeel collect ARGS --quiet --out DIR` and asserts it succeeded.
fn collect_ok(args: &[&str], dir: &std::path::Path) {
    let out = byfeel()
        .arg("collect")
        .args(args)
        .args(["--quiet", "--out"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every committed episode reads whole and is shaped like an episode: first step first, last
/// step last, steps numbered by the store's own clock.
fn assert_episodes_intact(reader: &StoreReader) {
    assert!(reader.num_episodes() > 0);
    for e in 0..reader.num_episodes() {
        let fields = reader.episode(e).unwrap();
        let get = |n: &str| &fields.iter().find(|(k, _)| k == n).unwrap().1;
        let first = get("is_first").as_u8().unwrap();
        let last = get("is_last").as_u8().unwrap();
        let len = first.len();
        assert!(len >= 2, "episode {e} has {len} steps");
        assert_eq!(first[0], 1, "episode {e} does not start with is_first");
        assert_eq!(last[len - 1], 1, "episode {e} does not end with is_last");
        assert_eq!(first.iter().map(|&x| x as usize).sum::<usize>(), 1);
        assert_eq!(last.iter().map(|&x| x as usize).sum::<usize>(), 1);
        let camera = get("camera").as_u8().unwrap();
        assert_eq!(camera.len(), len * 48 * 48 * 3);
        assert!(
            camera.iter().any(|&p| p > 0),
            "episode {e} has black frames"
        );
        let oracle = get("oracle").as_f32().unwrap();
        let time: Vec<f32> = oracle.chunks(oracle.len() / len).map(|r| r[0]).collect();
        assert!(
            time.windows(2).all(|w| w[1] > w[0]),
            "episode {e}'s clock does not run"
        );
    }
}

#[test]
fn k_robots_collect_varied_episodes_and_export_a_movie() {
    let (_tmp, dir) = temp("k");
    collect_ok(
        &[
            "--task",
            "cup-push",
            "--episodes",
            "6",
            "--robots",
            "3",
            "--max-steps",
            "8",
        ],
        &dir,
    );
    let reader = StoreReader::open(&dir).unwrap();
    assert_eq!(reader.num_episodes(), 6);
    assert_eq!(
        reader.num_steps(),
        6 * 9,
        "8 actions and a last step per episode"
    );
    assert_episodes_intact(&reader);
    // Three robots, each with at least its first episode. Robots never wait for one another,
    // so how the other three episodes fall among them depends on timing (on a loaded machine
    // one robot may take all three).
    let robots = reader.episode_field("robot").unwrap();
    let robots = robots.as_u64().unwrap();
    assert!(robots.iter().all(|&r| r < 3), "{robots:?}");
    for k in 0..3 {
        assert!(
            robots.contains(&k),
            "robot {k} collected nothing: {robots:?}"
        );
    }
    // Every episode its own scene: cup mass and friction drawn anew.
    let scene = reader.schema().episode_field("scene").unwrap();
    let mass = scene.columns.iter().position(|c| c == "cup.mass").unwrap();
    let values = reader.episode_field("scene").unwrap();
    let values = values.as_f32().unwrap();
    let masses: Vec<f32> = values.chunks(scene.row_len()).map(|r| r[mass]).collect();
    let mut distinct = masses.clone();
    distinct.sort_by(f32::total_cmp);
    distinct.dedup();
    assert_eq!(distinct.len(), 6, "scenes repeat: {masses:?}");

    // Run again: appended, with new seeds.
    collect_ok(
        &[
            "--task",
            "cup-push",
            "--episodes",
            "2",
            "--robots",
            "2",
            "--max-steps",
            "8",
        ],
        &dir,
    );
    let reader = StoreReader::open(&dir).unwrap();
    assert_eq!(reader.num_episodes(), 8);
    let seeds = reader
        .episode_field("seed")
        .unwrap()
        .as_u64()
        .unwrap()
        .to_vec();
    let mut distinct = seeds.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 8, "seeds repeat: {seeds:?}");

    // A different task into the same store is refused, and the store is unchanged.
    let wrong = byfeel()
        .args([
            "collect",
            "--task",
            "door-open",
            "--episodes",
            "1",
            "--robots",
            "1",
            "--quiet",
            "--out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("other fields"));
    assert_eq!(StoreReader::open(&dir).unwrap().num_episodes(), 8);

    for ext in ["gif", "png"] {
        let movie = dir.with_extension(ext);
        let out = byfeel()
            .args(["export"])
            .arg(&dir)
            .args(["--episode", "-1", "--out"])
            .arg(&movie)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(&movie).unwrap();
        assert!(bytes.len() > 1000);
        let magic: &[u8] = if ext == "gif" { b"GIF89a" } else { b"\x89PNG" };
        assert!(bytes.starts_with(magic));
    }
    if ext_is_apng(&dir.with_extension("png")) {
        // fine: acTL chunk present
    } else {
        panic!("the PNG is not animated");
    }
    let bad = byfeel()
        .arg("export")
        .arg(&dir)
        .args(["--episode", "99", "--out", "/tmp/x.gif"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("holds 8 episodes"));
}

fn ext_is_apng(path: &std::path::Path) -> bool {
    let bytes = std::fs::read(path).unwrap();
    bytes.windows(4).any(|w| w == b"acTL")
}

fn wait_for(path: &std::path::Path, limit: Duration) {
    let t = Instant::now();
    while !path.exists() {
        assert!(t.elapsed() < limit, "{} never appeared", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_collection_killed_mid_write_loses_no_committed_episode() {
    let (_tmp, dir) = temp("crash");
    let flag = dir.with_extension("paused");
    // Pause inside the commit of episode 4 (its data written, its commit record not), then
    // kill -9 there.
    let mut child = byfeel()
        .args([
            "collect",
            "--task",
            "die-roll",
            "--episodes",
            "20",
            "--robots",
            "2",
            "--quiet",
            "--out",
        ])
        .arg(&dir)
        .env(
            "BYFEEL_STORE_TEST_PAUSE_IN_COMMIT",
            format!("4:{}", flag.display()),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(&flag, Duration::from_secs(120));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let reader = StoreReader::open(&dir).unwrap();
    assert_eq!(reader.num_episodes(), 4, "exactly the committed episodes");
    assert!(
        reader.uncommitted_steps() > 0,
        "the interrupted episode's data was on disk"
    );
    assert_episodes_intact(&reader);
    let before: Vec<_> = (0..4).map(|e| reader.episode(e).unwrap()).collect();

    // The next writer repairs the tail and says so; committed episodes are untouched.
    {
        let w = StoreWriter::open(&dir).unwrap();
        let note = w.repair_note().expect("the repair is reported");
        assert!(
            note.contains("dropped") && note.contains("4 committed episodes"),
            "{note}"
        );
    }
    collect_ok(
        &["--task", "die-roll", "--episodes", "3", "--robots", "2"],
        &dir,
    );
    let reader = StoreReader::open(&dir).unwrap();
    assert_eq!(reader.num_episodes(), 7);
    assert_eq!(reader.uncommitted_steps(), 0);
    assert_episodes_intact(&reader);
    for (e, old) in before.iter().enumerate() {
        assert_eq!(
            &reader.episode(e as u64).unwrap(),
            old,
            "episode {e} changed"
        );
    }

    // And killed at arbitrary moments, without the pause: always openable, always whole.
    for delay_ms in [150u64, 400, 900] {
        let mut child = byfeel()
            .args([
                "collect",
                "--task",
                "die-roll",
                "--episodes",
                "200",
                "--robots",
                "2",
                "--quiet",
                "--out",
            ])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        let reader = StoreReader::open(&dir).unwrap();
        assert!(reader.num_episodes() >= 7);
        assert_episodes_intact(&reader);
        for (e, old) in before.iter().enumerate() {
            assert_eq!(&reader.episode(e as u64).unwrap(), old);
        }
    }
}

/// `--policy pressing` plays at random but never lifts the hand; the store says which policy
/// made it, and an unknown policy is refused before anything is written.
#[test]
fn pressing_play_never_lifts_the_hand() {
    let (_tmp, dir) = temp("pressing");
    collect_ok(
        &[
            "--task",
            "die-roll",
            "--policy",
            "pressing",
            "--episodes",
            "3",
            "--robots",
            "1",
        ],
        &dir,
    );
    let reader = StoreReader::open(&dir).unwrap();
    assert_eq!(
        reader.attributes().get("policy").and_then(|p| p.as_str()),
        Some("pressing")
    );
    let actions = reader.read_steps("action", 0..reader.num_steps()).unwrap();
    let actions = actions.as_f32().unwrap();
    let z: Vec<f32> = actions.iter().skip(2).step_by(3).copied().collect();
    assert!(z.iter().all(|z| *z <= 0.0), "{z:?}");
    assert!(z.iter().any(|z| *z < -0.2), "{z:?}");
    let xy_up = actions.chunks(3).any(|a| a[0] > 0.2 || a[1] > 0.2);
    assert!(xy_up, "x and y still range over [-1, 1]");

    let (_refused_tmp, refused) = temp("bad-policy");
    let out = byfeel()
        .args([
            "collect", "--task", "die-roll", "--policy", "clever", "--quiet", "--out",
        ])
        .arg(&refused)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("clever") && err.contains("random, pressing, play"), "{err}");
    assert!(!refused.exists(), "nothing written");
}

/// `--hold 3` holds each random action for three steps, as the predictive agent's planner
/// holds its own; the store records the hold.
#[test]
fn held_play_repeats_each_action() {
    let (_tmp, dir) = temp("held");
    collect_ok(
        &[
            "--task",
            "die-roll",
            "--policy",
            "pressing",
            "--hold",
            "3",
            "--episodes",
            "2",
            "--robots",
            "1",
            "--max-steps",
            "9",
        ],
        &dir,
    );
    let reader = StoreReader::open(&dir).unwrap();
    assert_eq!(
        reader.attributes().get("hold").and_then(|h| h.as_u64()),
        Some(3)
    );
    let actions = reader.read_steps("action", 0..reader.num_steps()).unwrap();
    let actions: Vec<&[f32]> = actions.as_f32().unwrap().chunks(3).collect();
    // Each episode: 9 actions, then the final observation's row (no action).
    assert_eq!(actions.len(), 2 * 10);
    for episode in actions.chunks(10) {
        for run in episode[..9].chunks(3) {
            assert!(run.iter().all(|a| a == &run[0]), "{run:?}");
        }
        assert_ne!(episode[0], episode[3], "a new action every three steps");
    }
}

/// `--policy play` on the die pushes it in random directions and returns over its top face
/// between pushes: the die rolls, the hand never lifts, and far more steps find the gel centred
/// on the die (as in every goal picture) than held pressing play does. Play is for the die
/// only: asked for another task it is refused and nothing is written.
#[test]
fn die_play_rolls_the_die_and_returns_over_it() {
    // Steps with the gel within 1.5 mm of the die's centre, and episodes in which the die rolled.
    let measure = |policy: &str| {
        let (_tmp, dir) = temp(&format!("play-{policy}"));
        collect_ok(
            &[
                "--task",
                "die-roll",
                "--policy",
                policy,
                "--hold",
                "3",
                "--episodes",
                "8",
                "--robots",
                "2",
            ],
            &dir,
        );
        let reader = StoreReader::open(&dir).unwrap();
        let steps = 0..reader.num_steps();
        let proprio = reader.read_steps("proprio", steps.clone()).unwrap();
        let oracle = reader.read_steps("oracle", steps.clone()).unwrap();
        let actions = reader.read_steps("action", steps).unwrap();
        let (proprio, oracle) = (proprio.as_f32().unwrap(), oracle.as_f32().unwrap());
        assert!(
            actions
                .as_f32()
                .unwrap()
                .iter()
                .skip(2)
                .step_by(3)
                .all(|z| *z <= 0.0)
        );
        // proprio: 7 joints, then hand xyz; oracle: time, contact, die xyz, face up, face on gel.
        let centred = proprio
            .chunks(10)
            .zip(oracle.chunks(7))
            .filter(|(p, o)| (p[7] - o[2]).hypot(p[8] - o[3]) < 0.0015)
            .count() as f64
            / (proprio.len() / 10) as f64;
        let faces: Vec<f32> = oracle.chunks(7).map(|o| o[5]).collect();
        let rolled = faces
            .chunks(21)
            .filter(|e| e.iter().any(|f| *f != e[0]))
            .count();
        (centred, rolled)
    };
    let (play_centred, play_rolled) = measure("play");
    let (pressing_centred, _) = measure("pressing");
    eprintln!(
        "gel centred on the die: play {play_centred:.2}, pressing {pressing_centred:.2}; play rolled the die in {play_rolled} of 8 episodes"
    );
    assert!(
        play_rolled >= 5,
        "play rolled the die in {play_rolled} of 8 episodes"
    );
    assert!(
        play_centred > 2.0 * pressing_centred && play_centred > 0.15,
        "play {play_centred:.2} vs pressing {pressing_centred:.2}"
    );

    let (_refused_tmp, refused) = temp("play-cup");
    let out = byfeel()
        .args([
            "collect", "--task", "cup-push", "--policy", "play", "--quiet", "--out",
        ])
        .arg(&refused)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("the play policy rolls the die"));
    assert!(!refused.exists(), "nothing written");
}

/// `--branches 3` plays each seed three times: the siblings share the seed, the scene and the
/// first frame, their first pushes point 120° apart, and what follows differs. Branches are
/// for play only.
#[test]
fn branched_play_turns_the_first_push_of_each_sibling() {
    let (_tmp, dir) = temp("branches");
    let args = [
        "--task",
        "die-roll",
        "--policy",
        "play",
        "--branches",
        "3",
        "--episodes",
        "6",
        "--robots",
        "2",
        "--max-steps",
        "14",
    ];
    collect_ok(&args, &dir);
    let reader = StoreReader::open(&dir).unwrap();
    assert_eq!(
        reader.attributes().get("branches").and_then(|b| b.as_u64()),
        Some(3)
    );
    let seeds = reader.episode_field("seed").unwrap();
    let branch = reader.episode_field("branch").unwrap();
    let (seeds, branch) = (seeds.as_u64().unwrap(), branch.as_u64().unwrap());
    let mut families = std::collections::BTreeMap::<u64, Vec<usize>>::new();
    for (e, s) in seeds.iter().enumerate() {
        families.entry(*s).or_default().push(e);
    }
    assert_eq!(families.len(), 2, "{seeds:?}");
    for family in families.values() {
        let mut branches: Vec<u64> = family.iter().map(|&e| branch[e]).collect();
        branches.sort();
        assert_eq!(branches, [0, 1, 2]);
        let get = |e: usize, field: &str| {
            let fields = reader.episode(e as u64).unwrap();
            fields.into_iter().find(|(k, _)| k == field).unwrap().1
        };
        let by_branch = |b: u64| *family.iter().find(|&&e| branch[e] == b).unwrap();
        let tactile: Vec<Vec<u8>> =
            (0..3).map(|b| get(by_branch(b), "tactile").as_u8().unwrap().to_vec()).collect();
        let frame = tactile[0].len() / 15;
        for t in &tactile[1..] {
            assert_eq!(t[..frame], tactile[0][..frame], "siblings start alike");
            assert_ne!(t[8 * frame..], tactile[0][8 * frame..], "and end apart");
        }
        // After 12 actions every sibling's gel rests on the die's top face, near its centre (the
        // episode starts 1–3 mm off it), as in a goal picture.
        for b in 0..3 {
            let e = by_branch(b);
            let hand = get(e, "proprio");
            let hand = hand.as_f32().unwrap();
            let oracle = get(e, "oracle");
            let oracle = oracle.as_f32().unwrap();
            let (p, o) = (hand.len() / 15, oracle.len() / 15);
            let (hx, hy) = (hand[12 * p + p - 3], hand[12 * p + p - 2]);
            let (dx, dy) = (oracle[12 * o + 2], oracle[12 * o + 3]);
            let off = (hx - dx).hypot(hy - dy);
            assert!(off < 0.004, "branch {b}: the gel is {off} m off the die's centre");
        }
        let angle = |b: u64| {
            let a = get(by_branch(b), "action");
            let a = a.as_f32().unwrap();
            a[1].atan2(a[0])
        };
        for b in 1..3 {
            let turn = (angle(b) - angle(0)).rem_euclid(std::f32::consts::TAU);
            let want = std::f32::consts::TAU * b as f32 / 3.0;
            assert!((turn - want).abs() < 0.15, "branch {b} turned {turn}");
        }
    }

    let (_refused_tmp, refused) = temp("branches-random");
    let out = byfeel()
        .args(["collect", "--task", "die-roll", "--branches", "2", "--quiet", "--out"])
        .arg(&refused)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("with the play policy"));
    assert!(!refused.exists(), "nothing written");
}
