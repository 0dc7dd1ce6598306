//! Does a world model's cost tell the die's goal faces apart? For each episode, the scripted
//! roller (the simulator's privilege) rolls the die toward each of the three faces next to
//! the top one; the frame it ends on should be nearer its own goal picture than the other two
//! goals' pictures, in the planner's cost space. If it is not, no dynamics model can help.
//!
//! `cargo run --release --example die_goal_match -- RUN [EPISODES]`

use byfeel::agents::policy::image;
use byfeel::agents::world_model::LatentAgent;
use byfeel::gym::{Env, EnvConfig, InfoValue, ObsMode, ResetOptions, Task, TaskEnv};
use byfeel::sim::D20;
use glam::DVec3;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let run = std::path::PathBuf::from(args.next().ok_or("give RUN")?);
    let episodes: u64 = args.next().map_or(Ok(20), |e| e.parse())?;
    let agent = LatentAgent::load_for_task(&run, 10, 0)?;
    let d20 = D20::new();
    let mut env = TaskEnv::new(EnvConfig::new(Task::DieRoll).obs_mode(ObsMode::Tactile))?;
    let (mut matched, mut rolled, mut start_nearest) = (0, 0, 0);
    let mut predicted_right = 0;
    let (mut real_right, mut real_asked) = (0, 0);
    for seed in 1_000_000..1_000_000 + episodes {
        env.reset(Some(seed), &ResetOptions::default())?;
        let up = match env.reset(Some(seed), &ResetOptions::default())?.1.get(byfeel::gym::info::DIE_FACE) {
            Some(InfoValue::Int(f)) => *f as u8,
            _ => return Err("no face".into()),
        };
        let faces = d20.neighbours(up).ok_or("no neighbours")?;
        let mut goals = Vec::new();
        for f in faces {
            let mut g = vec![0.0; 20];
            g[f as usize - 1] = 1.0;
            env.set_goal(&g)?;
            goals.push(env.goal_image().unwrap().to_vec());
        }
        // The scripted rolls as executed, then what the model expects each to leave.
        let mut taken: Vec<Vec<f32>> = Vec::new();
        let (mut ends, mut all_reached) = (Vec::new(), true);
        let mut start = Vec::new();
        for (k, &face) in faces.iter().enumerate() {
            let (obs, _) = env.reset(Some(seed), &ResetOptions::default())?;
            let first = image(&obs, None)?.to_vec();
            start = first.clone();
            taken.push(Vec::new());
            let world = env.robot().inner().world();
            let pose = world.die_pose().unwrap();
            let normal = pose.rotation * d20.normals[d20.face_index(face).unwrap()];
            let push = -DVec3::new(normal.x, normal.y, 0.0).normalize();
            let pressed =
                2.0 * world.die.as_ref().unwrap().circumradius * D20::INRADIUS_RATIO - 0.001;
            let mut last = first.clone();
            let mut reached = false;
            for step in 0..20 {
                let world = env.robot().inner().world();
                let (die, hand) = (world.die_pose().unwrap().translation, world.ee_frame().translation);
                let action = if step < 8 {
                    [0.5 * push.x as f32, 0.5 * push.y as f32, 0.0]
                } else if step < 16 {
                    let to = (DVec3::new(die.x - hand.x, die.y - hand.y, 0.0) / 0.004)
                        .clamp_length_max(1.0);
                    [to.x as f32, to.y as f32, 0.0]
                } else {
                    [0.0, 0.0, ((pressed - hand.z) / 0.002).clamp(-1.0, 1.0) as f32]
                };
                if step < 18 {
                    taken[k].extend_from_slice(&action);
                }
                let t = env.step(&action)?;
                last = image(&t.observation, None)?.to_vec();
                if step == 17 {
                    ends.push(last.clone());
                }
                reached = env
                    .robot()
                    .inner()
                    .world()
                    .die_readout()
                    .is_some_and(|r| r.face_up == face);
            }
            if !reached {
                all_reached = false;
                continue;
            }
            rolled += 1;
            let d: Vec<f32> = goals
                .iter()
                .map(|g| agent.distance(&last, g))
                .collect::<Result<_, _>>()?;
            let best = (0..3).min_by(|&a, &b| d[a].total_cmp(&d[b])).unwrap();
            matched += (best == k) as usize;
            let from_start = agent.distance(&first, &goals[k])?;
            start_nearest += (from_start < d[k]) as usize;
        }
        // Which of the three executed rolls does the model expect to end nearest each goal?
        for (k, goal) in goals.iter().enumerate() {
            let d: Vec<f32> = taken
                .iter()
                .map(|a| agent.predicted_distance(&start, a, goal))
                .collect::<Result<_, _>>()?;
            let best = (0..3).min_by(|&a, &b| d[a].total_cmp(&d[b])).unwrap();
            predicted_right += (best == k) as usize;
        }
        // And against the frames those rolls really showed after the same 18 steps.
        if all_reached {
            for k in 0..3 {
                let d: Vec<f32> = ends
                    .iter()
                    .map(|end| agent.predicted_distance(&start, &taken[k], end))
                    .collect::<Result<_, _>>()?;
                let best = (0..3).min_by(|&a, &b| d[a].total_cmp(&d[b])).unwrap();
                real_right += (best == k) as usize;
                real_asked += 1;
            }
        }
    }
    println!(
        "given the scripted rolls' own actions (18 steps: push, recentre, press), the model expects the goal's \
         own roll to end nearest the goal for {predicted_right} of {} goals (chance a third)",
        3 * episodes
    );
    println!(
        "where all three rolls reached their faces, the prediction is nearest its own roll's real frame \
         after 18 steps for {real_right} of {real_asked} (chance a third)"
    );
    println!(
        "{rolled} scripted rolls reached their face; the end frame is nearest its own goal in {matched} \
         (chance a third); the start frame was nearer the goal than the end frame in {start_nearest}"
    );
    Ok(())
}
