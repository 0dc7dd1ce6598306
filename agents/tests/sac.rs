//! SAC on a task small enough to check by hand: a point on a line, told where its goal is,
//! moves toward it. And a saved agent resumes with exactly the updates it would have made.

use burn::prelude::*;
use byfeel_agents::sac::{Sac, SacConfig, Transitions};
use rand::{Rng, SeedableRng};

/// Observation (position, goal) in [−1, 1]²; the action moves the point by 0.2 × a;
/// reward −|position − goal| after the move.
fn transitions(n: usize, rng: &mut impl Rng, device: &Device) -> Transitions {
    let (mut obs, mut act, mut rew, mut next) = (vec![], vec![], vec![], vec![]);
    for _ in 0..n {
        let (s, g): (f32, f32) = (rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0));
        let a: f32 = rng.random_range(-1.0..1.0);
        let s2 = (s + 0.2 * a).clamp(-1.0, 1.0);
        obs.extend([s, g]);
        act.push(a);
        rew.push(-(s2 - g).abs());
        next.extend([s2, g]);
    }
    let t = |v: Vec<f32>, cols| Tensor::<2>::from_data(TensorData::new(v, [n, cols]), device);
    Transitions {
        obs: t(obs, 2),
        actions: t(act, 1),
        rewards: t(rew, 1),
        next_obs: t(next, 2),
        dones: Tensor::zeros([n, 1], device),
    }
}

fn small(seed: u64) -> SacConfig {
    SacConfig {
        hidden: vec![64, 64],
        batch: 128,
        gamma: 0.9,
        tau: 0.01,
        policy_lr: 1e-3,
        q_lr: 1e-3,
        alpha_lr: 1e-3,
        seed,
    }
}

#[test]
fn sac_learns_to_move_toward_the_goal() {
    let device = Device::default().autodiff();
    let mut sac = Sac::new(small(1), 2, 1, &device);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut stats = None;
    for _ in 0..1500 {
        stats = Some(sac.update(transitions(128, &mut rng, &device)));
    }
    let stats = stats.unwrap();
    eprintln!("after 1500 updates: {stats:?}");
    let (mut right, mut total) = (0, 0);
    let mut obs = vec![];
    for _ in 0..200 {
        let (s, g): (f32, f32) = (rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0));
        if (g - s).abs() > 0.3 {
            obs.extend([s, g]);
        }
    }
    let actions = sac.act(&obs, None);
    for (pair, a) in obs.chunks(2).zip(&actions) {
        total += 1;
        if (pair[1] - pair[0]).signum() == a.signum() && a.abs() > 0.5 {
            right += 1;
        }
    }
    eprintln!("moves firmly toward the goal in {right} of {total}");
    assert!(right as f64 > 0.9 * total as f64, "{right}/{total}");
    assert!(
        stats.alpha < 1.0,
        "α was tuned down from 1: {}",
        stats.alpha
    );
    // Exploring draws differ from the mean action but stay in [−1, 1].
    let explored = sac.act(&obs, Some(3));
    assert!(explored.iter().all(|a| a.abs() <= 1.0));
    assert_ne!(explored, actions);
}

#[test]
fn a_saved_agent_resumes_with_identical_updates() {
    let device = Device::default().autodiff();
    let mut sac = Sac::new(small(2), 2, 1, &device);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
    for _ in 0..20 {
        sac.update(transitions(64, &mut rng, &device));
    }
    let dir = tempfile::Builder::new()
        .prefix("byfeel-sac-resume-")
        .tempdir()
        .unwrap();
    sac.save(dir.path()).unwrap();
    let mut resumed = Sac::load(dir.path(), &device).unwrap();
    assert_eq!(resumed.updates(), 20);
    let mut probe_rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    let probe: Vec<f32> = (0..40).map(|_| probe_rng.random_range(-1.0..1.0)).collect();
    for _ in 0..3 {
        let batch_seed = rng.random::<u64>();
        let a = sac.update(transitions(
            64,
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(batch_seed),
            &device,
        ));
        let b = resumed.update(transitions(
            64,
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(batch_seed),
            &device,
        ));
        assert_eq!(a.q_loss, b.q_loss);
        assert_eq!(a.policy_loss, b.policy_loss);
        assert_eq!(a.alpha, b.alpha);
    }
    assert_eq!(sac.act(&probe, None), resumed.act(&probe, None));
    assert_eq!(sac.act(&probe, Some(5)), resumed.act(&probe, Some(5)));
}
