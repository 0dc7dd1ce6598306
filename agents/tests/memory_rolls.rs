//! End to end on the die with roll actions and the replay memory: collect random rolls, build
//! a memory, plan. On fixed seeds, the memory's plans open toward the goal's roll more often
//! than a memory whose actions were shuffled (the same presses, no knowledge of which push
//! does what), and it predicts held-out rolls better than that memory does. A saved memory
//! loads and plans the same; a damaged one is refused, naming the file.

use byfeel_agents::memory::*;
use byfeel_agents::world_model::planned_roll_directions;
use byfeel_gym::collect::{CollectConfig, collect};
use byfeel_gym::store::StoreReader;
use byfeel_gym::{ActionMode, Task};
use rand::SeedableRng;
use rand::seq::SliceRandom;

fn temp(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("byfeel-memory-{name}-"))
        .tempdir()
        .unwrap()
}

fn right(memory: &ReplayMemory, search: &SearchConfig, seeds: std::ops::Range<u64>) -> usize {
    let e = &memory.embedding;
    planned_roll_directions(seeds, |_, now, goal| {
        let plan = byfeel_agents::memory::search(memory, search, &e.embed(now)?, &e.embed(goal)?);
        Ok(plan.action.to_vec())
    })
    .unwrap()
    .into_iter()
    .filter(|r| *r)
    .count()
}

#[test]
fn a_memory_of_random_rolls_plans_the_goals_roll() {
    let store = temp("store");
    // One robot: the store's order, and with it the held-out split, is the same on every run.
    let mut c = CollectConfig::new(Task::DieRoll, 300, 1, store.path());
    c.seed = 11;
    c.action_mode = ActionMode::Roll;
    c.max_episode_steps = Some(6);
    collect(&c, |_| {}).unwrap();
    let reader = StoreReader::open(store.path()).unwrap();
    let config = MemoryConfig::default();
    let memory = ReplayMemory::build(&reader, &config, |_| {}).unwrap();
    assert_eq!(memory.frames.len() / memory.dims(), 300 * 7);
    // Every tenth episode is held out: 270 episodes of 6 rolls remain.
    assert_eq!(memory.transitions.len(), 270 * 6);

    let mut shuffled = memory.clone();
    let mut actions: Vec<[f32; 2]> = shuffled.transitions.iter().map(|t| t.action).collect();
    actions.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(3));
    for (t, a) in shuffled.transitions.iter_mut().zip(actions) {
        t.action = a;
    }

    // One roll planned: the opening push decides.
    let one = SearchConfig {
        horizon: 1,
        ..Default::default()
    };
    let seeds = 2_000_000..2_000_150;
    let (k, k_shuffled) = (right(&memory, &one, seeds.clone()), right(&shuffled, &one, seeds));
    eprintln!("plans toward the goal's roll: memory {k} of 150, shuffled {k_shuffled}");
    assert!(
        k > k_shuffled + 10 && k >= 60,
        "plans toward the goal's roll: memory {k} of 150, shuffled actions {k_shuffled} (chance 50)"
    );

    let h = held_out(&memory, &config, 32, &reader, 200).unwrap();
    let hs = held_out(&shuffled, &config, 32, &reader, 200).unwrap();
    eprintln!("held-out: memory {:.0}, shuffled {:.0}, repeating {:.0}", h.error, hs.error, h.repeat_error);
    // What the memory must know is which push brings which press: it predicts the next press
    // better than with its actions shuffled. (Repeating the last press predicts its looks
    // better still, as every roll ends centred and pressed alike; that is not the question.)
    assert!(
        h.error < hs.error,
        "held-out next press: memory {:.0}, shuffled {:.0}, repeating {:.0}",
        h.error,
        hs.error,
        h.repeat_error
    );
    // Saved and loaded, it plans the same; a damaged file is refused by name.
    let run = temp("run");
    let spec = MemorySpec {
        task: "die-roll".into(),
        actions: "roll".into(),
        store: store.path().to_path_buf(),
        config: config.clone(),
        search: SearchConfig::default(),
        height: 48,
        width: 64,
        frames: memory.frames.len() / memory.dims(),
        transitions: memory.transitions.len(),
    };
    save(run.path(), &spec, &memory).unwrap();
    let agent = MemoryAgent::load(run.path()).unwrap();
    let frames = reader.read_steps("tactile", 0..2).unwrap();
    let frames = frames.as_u8().unwrap();
    let n = 48 * 64 * 3;
    let loaded = agent.plan(&frames[..n], &frames[n..]).unwrap();
    let e = &memory.embedding;
    let direct = search(&memory, &spec.search, &e.embed(&frames[..n]).unwrap(), &e.embed(&frames[n..]).unwrap());
    assert_eq!((loaded.action, &loaded.path), (direct.action, &direct.path));
    assert!(agent.plan(&frames[..n - 3], &frames[n..]).is_err(), "a short image");

    let bin = run.path().join("memory.bin");
    let bytes = std::fs::read(&bin).unwrap();
    std::fs::write(&bin, &bytes[..bytes.len() - 7]).unwrap();
    let err = MemoryAgent::load(run.path()).err().expect("a truncated memory").to_string();
    assert!(err.contains("memory.bin") && err.contains("damaged"), "{err}");
    let mut flipped = bytes.clone();
    let at = bytes.len() - memory.continuations.len() * 8 + 1;
    flipped[at] = 0xff; // a continuation index far past the rolls
    flipped[at + 1] = 0xff;
    std::fs::write(&bin, &flipped).unwrap();
    assert!(MemoryAgent::load(run.path()).is_err(), "an index outside the rolls");

    // A store of hand actions has no rolls to remember.
    let hand = temp("hand");
    let mut c = CollectConfig::new(Task::DieRoll, 2, 1, hand.path());
    c.max_episode_steps = Some(3);
    collect(&c, |_| {}).unwrap();
    let err = ReplayMemory::build(&StoreReader::open(hand.path()).unwrap(), &config, |_| {})
        .err()
        .expect("hand actions")
        .to_string();
    assert!(err.contains("roll actions"), "{err}");
}
