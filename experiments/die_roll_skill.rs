//! How well roll actions work with the simulator's push: for held-out starts (seeds
//! 1000000…), the push toward each of the three neighbouring faces; how often it brings that
//! face up, how well the gel finds the die again (its centre from the die's, by the oracle),
//! and whether the end frame is nearest its own goal picture in pixel distance.
//!
//! `cargo run --release --example die_roll_skill -- [STARTS]`
use byfeel::agents::policy::image;
use byfeel::gym::{ActionMode, Env, EnvConfig, InfoValue, ObsMode, ResetOptions, Task, TaskEnv};
use byfeel::sim::D20;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let episodes: u64 = std::env::args().nth(1).map_or(Ok(10), |e| e.parse())?;
    let d20 = D20::new();
    let mut env = TaskEnv::new(
        EnvConfig::new(Task::DieRoll)
            .obs_mode(ObsMode::Tactile)
            .action_mode(ActionMode::Roll),
    )?;
    let (mut reached, mut matched, mut total, mut offs, mut steps) = (0, 0, 0, Vec::new(), 0);
    let t0 = std::time::Instant::now();
    for seed in 1_000_000..1_000_000 + episodes {
        let (_, info) = env.reset(Some(seed), &ResetOptions::default())?;
        let up = match info.get(byfeel::gym::info::DIE_FACE) {
            Some(InfoValue::Int(f)) => *f as u8,
            _ => 0,
        };
        let faces = d20.neighbours(up).unwrap();
        let mut goals = Vec::new();
        for f in faces {
            let mut g = vec![0.0; 20];
            g[f as usize - 1] = 1.0;
            env.set_goal(&g)?;
            goals.push(env.goal_image().unwrap().to_vec());
        }
        for (k, &face) in faces.iter().enumerate() {
            env.reset(Some(seed), &ResetOptions::default())?;
            let pose = env.robot().inner().world().die_pose().unwrap();
            let n = pose.rotation * d20.normals[d20.face_index(face).unwrap()];
            let t = env.step(&[-n.x as f32, -n.y as f32])?;
            if let Some(InfoValue::Int(s)) = t.info.get("hand_steps") {
                steps += s;
            }
            let img = image(&t.observation, None)?.to_vec();
            let world = env.robot().inner().world();
            let (die, hand) = (
                world.die_pose().unwrap().translation,
                world.ee_frame().translation,
            );
            let off = ((die.x - hand.x).powi(2) + (die.y - hand.y).powi(2)).sqrt() * 1000.0;
            total += 1;
            if world.die_readout().is_some_and(|r| r.face_up == face) {
                reached += 1;
                offs.push(off);
                let d: Vec<f64> = goals
                    .iter()
                    .map(|g| {
                        g.iter()
                            .zip(&img)
                            .map(|(a, b)| (*a as f64 - *b as f64).powi(2))
                            .sum::<f64>()
                    })
                    .collect();
                matched += ((0..3).min_by(|&a, &b| d[a].total_cmp(&d[b])).unwrap() == k) as usize;
            }
        }
    }
    offs.sort_by(f64::total_cmp);
    println!(
        "reached {reached}/{total}; pixel match {matched}/{reached}; median offset {:.2} mm; 90% {:.2}; hand steps per roll {:.1}; {:.1} ms per roll",
        offs[offs.len() / 2],
        offs[offs.len() * 9 / 10],
        steps as f64 / total as f64,
        t0.elapsed().as_secs_f64() * 1000.0 / total as f64
    );
    Ok(())
}
