//! Do the dynamics tell siblings' futures apart? In a store of sibling episodes (`byfeel collect
//! --branches 3`), siblings start from the same frame and differ in their actions. For each
//! family, the model rolls the shared first frame through each sibling's first STEP actions
//! (default 18); it is right when that prediction is nearer (in the planner's cost space) its
//! own sibling's frame at that step than the other siblings' frames. Families on both sides of the training
//! split are counted apart, and so are those whose siblings' die faces differ at that step.
//!
//! `cargo run --release --example die_sibling_match -- RUN STORE [FAMILIES [STEP]]`

use std::collections::BTreeMap;

use byfeel::agents::world_model::LatentAgent;
use byfeel::gym::store::StoreReader;

/// Frames in an episode of play at the die's default 20 actions.
const FRAMES: usize = 21;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let run = std::path::PathBuf::from(args.next().ok_or("give RUN STORE")?);
    let store = std::path::PathBuf::from(args.next().ok_or("give RUN STORE")?);
    let limit: usize = args.next().map_or(Ok(300), |n| n.parse())?;
    let steps: usize = args.next().map_or(Ok(18), |n| n.parse())?;
    if steps == 0 || steps >= FRAMES {
        return Err(format!("STEP must be 1 to {}", FRAMES - 1).into());
    }
    let agent = LatentAgent::load_for_task(&run, 10, 0)?;
    let reader = StoreReader::open(&store)?;
    let seeds = reader.episode_field("seed")?;
    let seeds = seeds.as_u64().ok_or("seed is not u64")?.to_vec();
    let mut families: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for (e, s) in seeds.iter().enumerate() {
        families.entry(*s).or_default().push(e as u64);
    }
    let face_column = reader.schema().step_field("oracle").and_then(|f| {
        f.columns.iter().position(|c| c == "die_face_up")
    });
    // [held out?][faces differ?] → (right, asked)
    let mut tally = [[(0usize, 0usize); 2]; 2];
    for (seed, family) in families.iter().filter(|(_, f)| f.len() == 3).take(limit) {
        let mut firsts = Vec::new();
        let (mut actions, mut ends, mut faces) = (Vec::new(), Vec::new(), Vec::new());
        for &e in family {
            let fields = reader.episode(e)?;
            let get = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, c)| c.clone());
            let tactile = get("tactile").ok_or("no tactile")?;
            let tactile = tactile.as_u8().ok_or("tactile is not u8")?.to_vec();
            let frame = tactile.len() / FRAMES;
            firsts.push(tactile[..frame].to_vec());
            ends.push(tactile[steps * frame..(steps + 1) * frame].to_vec());
            let a = get("action").ok_or("no action")?;
            actions.push(a.as_f32().ok_or("action is not f32")?[..steps * 3].to_vec());
            let oracle = get("oracle").ok_or("no oracle")?;
            let oracle = oracle.as_f32().ok_or("oracle is not f32")?;
            let row = oracle.len() / FRAMES;
            faces.push(face_column.map(|c| oracle[steps * row + c] as u32));
        }
        if firsts.iter().any(|f| f != &firsts[0]) {
            return Err(format!("family {seed}: siblings do not start alike").into());
        }
        let differ = faces.iter().collect::<std::collections::BTreeSet<_>>().len() == 3;
        let held_out = seed % 10 == 9;
        for k in 0..3 {
            let d: Vec<f32> = (0..3)
                .map(|j| agent.predicted_distance(&firsts[0], &actions[k], &ends[j]))
                .collect::<Result<_, _>>()?;
            let best = (0..3).min_by(|&a, &b| d[a].total_cmp(&d[b])).expect("three");
            let t = &mut tally[held_out as usize][differ as usize];
            t.0 += (best == k) as usize;
            t.1 += 1;
        }
    }
    for (h, side) in ["training", "held-out"].iter().enumerate() {
        for (f, which) in ["some faces alike", "three faces"].iter().enumerate() {
            let (right, asked) = tally[h][f];
            println!(
                "{side} families, {which} after {steps} steps: own sibling's frame nearest for {right} of {asked} (chance a third)"
            );
        }
    }
    Ok(())
}
