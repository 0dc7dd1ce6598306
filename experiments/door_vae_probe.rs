//! How much does Skew-Fit's VAE know about the door? Trains the reference VAE on door images
//! (a held-random walk of the arm, plus the task's goal images, which show the door at every
//! angle) at one or more β, and reports per β: the reconstruction and KL, how well a linear
//! read-out of the latent predicts the door angle and the hand position on held-out images
//! (R², 1 is perfect), the spread of the density estimate log q̂ that the skew raises to
//! the power α, how evenly the α = −0.5 weights spread (1: uniform, 0: one image), and how
//! evenly the door angles of the walk's held-out frames spread, drawn uniformly and drawn by
//! those weights: the skew's whole point is that the second is the more even.
//!
//! A latent that cannot tell the door angle gives SAC a reward (−‖z − z_goal‖) that cannot
//! either, so this is the first thing to check when the door is not learned.
//!
//! Run: `cargo run --release --example door_vae_probe -- [BATCHES] [BETA ...] [rare=SHARE]`
//! (defaults: 2000 batches; β 20, 1). With `rare=0.03` the goal images are left out and the
//! walk is thinned to about 3 % door-open frames, as a buffer early in a run holds: does the
//! density still find those frames rare?

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use byfeel::agents::predictor::latent::standard_normal;
use byfeel::agents::skewfit::coverage::{ANGLE_BINS, angle_bin, coverage};
use byfeel::agents::skewfit::{VaeConfig, skew_weights, train::images_to_tensor, weight_evenness};
use byfeel::gym::{Array, Env, EnvConfig, ObsMode, Observation, ResetOptions, Task, TaskEnv};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Frames of the random walk; goal images follow them.
const WALK: usize = 4000;

/// An image and what it shows: door angle, hand x, y, z.
struct Frame {
    image: Vec<u8>,
    state: [f32; 4],
}

fn field<'a>(obs: &'a Observation, key: &str) -> &'a Array {
    obs.get(key).unwrap_or_else(|| panic!("no {key}"))
}

fn frames(walk: usize, goals: usize, seed: u64) -> Vec<Frame> {
    let mut env = TaskEnv::new(
        EnvConfig::new(Task::DoorOpen)
            .obs_mode(ObsMode::Goal)
            .image_size(48, 48),
    )
    .expect("door env");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    env.reset(Some(seed), &ResetOptions::default()).unwrap();
    let mut out = Vec::new();
    let mut action = vec![0.0f32; 3];
    for t in 0..walk {
        if t % 5 == 0 {
            action = (0..3).map(|_| rng.random_range(-1.0..1.0)).collect();
        }
        let obs = env.step(&action).unwrap().observation;
        let s = field(&obs, "achieved_goal").as_f32().unwrap();
        out.push(Frame {
            image: field(&obs, "image_observation").as_u8().unwrap().to_vec(),
            state: [s[0], s[1], s[2], s[3]],
        });
    }
    for _ in 0..goals {
        // An unseeded reset of the reset-free door only proposes a new goal.
        let (obs, _) = env.reset(None, &ResetOptions::default()).unwrap();
        let s = field(&obs, "desired_goal").as_f32().unwrap();
        out.push(Frame {
            image: field(&obs, "image_desired_goal").as_u8().unwrap().to_vec(),
            state: [s[0], s[1], s[2], s[3]],
        });
    }
    out
}

/// Early in a run the door has seldom moved and goal images are not in the buffer: keeps
/// every frame with the door shut and enough of the others at random that about `share` of
/// what is left shows it open (past 0.05 rad).
fn thin_open(frames: Vec<Frame>, share: f64, seed: u64) -> Vec<Frame> {
    let open = frames.iter().filter(|f| f.state[0] > 0.05).count() as f64;
    let shut = frames.len() as f64 - open;
    let keep = (share / (1.0 - share) * shut / open.max(1.0)).min(1.0);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    frames
        .into_iter()
        .filter(|f| f.state[0] <= 0.05 || rng.random_bool(keep))
        .collect()
}

/// Ridge least squares from features (with a bias) to each target; R² per target on `test`.
fn linear_r2(train: &[(Vec<f32>, [f32; 4])], test: &[(Vec<f32>, [f32; 4])]) -> [f64; 4] {
    let d = train[0].0.len() + 1;
    let row = |z: &[f32]| -> Vec<f64> {
        let mut r: Vec<f64> = z.iter().map(|&v| v as f64).collect();
        r.push(1.0);
        r
    };
    let mut r2 = [0.0; 4];
    for (k, out) in r2.iter_mut().enumerate() {
        // Normal equations (XᵀX + λI) w = Xᵀy, solved by Gaussian elimination.
        let mut a = vec![vec![0.0f64; d + 1]; d];
        for (z, y) in train {
            let x = row(z);
            for i in 0..d {
                for j in 0..d {
                    a[i][j] += x[i] * x[j];
                }
                a[i][d] += x[i] * y[k] as f64;
            }
        }
        for (i, r) in a.iter_mut().enumerate() {
            r[i] += 1e-6;
        }
        for c in 0..d {
            let p = (c..d)
                .max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))
                .unwrap();
            a.swap(c, p);
            for i in 0..d {
                if i != c {
                    let f = a[i][c] / a[c][c];
                    for j in c..=d {
                        a[i][j] -= f * a[c][j];
                    }
                }
            }
        }
        let w: Vec<f64> = (0..d).map(|i| a[i][d] / a[i][i]).collect();
        let mean = test.iter().map(|(_, y)| y[k] as f64).sum::<f64>() / test.len() as f64;
        let (mut res, mut tot) = (0.0, 0.0);
        for (z, y) in test {
            let p: f64 = row(z).iter().zip(&w).map(|(x, w)| x * w).sum();
            res += (y[k] as f64 - p).powi(2);
            tot += (y[k] as f64 - mean).powi(2);
        }
        *out = 1.0 - res / tot.max(1e-12);
    }
    r2
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // `rare=SHARE`: keep only the walk, with the door open in about SHARE of it.
    let rare: Option<f64> = args.iter().position(|a| a.starts_with("rare=")).map(|i| {
        args.remove(i)[5..]
            .parse()
            .expect("rare=SHARE, e.g. rare=0.03")
    });
    let batches: usize = args.first().map_or(2000, |a| a.parse().expect("BATCHES"));
    let betas: Vec<f64> = if args.len() > 1 {
        args[1..].iter().map(|a| a.parse().expect("BETA")).collect()
    } else {
        vec![20.0, 1.0]
    };
    let t0 = std::time::Instant::now();
    let data = match rare {
        None => frames(WALK, 1000, 0),
        Some(share) => thin_open(frames(WALK, 0, 0), share, 2),
    };
    let angles: Vec<f32> = data.iter().map(|f| f.state[0]).collect();
    let opened = angles.iter().filter(|&&a| a > 0.05).count();
    println!(
        "{} frames ({} with the door open past 0.05 rad) in {:.0} s",
        data.len(),
        opened,
        t0.elapsed().as_secs_f64()
    );
    // Every fifth frame is held out for the read-out.
    let (test, train): (Vec<(usize, &Frame)>, Vec<(usize, &Frame)>) =
        data.iter().enumerate().partition(|(i, _)| i % 5 == 0);
    println!(
        "| β | reconstruction (½ SSE) | KL (nats) | R² angle | R² hand x | R² hand y | R² hand z | log q̂ spread (5–95 %, max−min) | evenness of the α = −0.5 weights | door-angle coverage of walk frames, uniform → α = −0.5 |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for &beta in &betas {
        let device = byfeel::agents::default_device().autodiff();
        device.seed(0);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let config = VaeConfig { latent: 16, beta };
        let mut vae = config.init(&device);
        let mut opt = AdamConfig::new().init();
        let (mut recon, mut kl) = (0.0, 0.0);
        for _ in 0..batches {
            let picks: Vec<&[u8]> = (0..128)
                .map(|_| train[rng.random_range(0..train.len())].1.image.as_slice())
                .collect();
            let noise = standard_normal(&mut rng, [picks.len(), 16], &device);
            let loss = vae.loss(images_to_tensor(&picks, &device), noise);
            recon = loss.reconstruction.clone().into_scalar();
            kl = loss.kl.clone().into_scalar();
            let grads = GradientsParams::from_grads(loss.loss.backward(), &vae);
            vae = opt.step(1e-3, vae, grads);
        }
        let inference = vae.valid();
        let dev = inference.devices()[0].clone();
        let embed = |set: &[(usize, &Frame)]| -> Vec<(Vec<f32>, [f32; 4])> {
            set.chunks(256)
                .flat_map(|c| {
                    let imgs: Vec<&[u8]> = c.iter().map(|(_, f)| f.image.as_slice()).collect();
                    let z = inference
                        .embed(images_to_tensor(&imgs, &dev))
                        .into_data()
                        .try_to_vec::<f32>()
                        .unwrap();
                    z.chunks(16)
                        .zip(c)
                        .map(|(z, (_, f))| (z.to_vec(), f.state))
                        .collect::<Vec<_>>()
                })
                .collect()
        };
        let r2 = linear_r2(&embed(&train), &embed(&test));
        let mut log_q = Vec::new();
        for c in test.chunks(128) {
            let imgs: Vec<&[u8]> = c.iter().map(|(_, f)| f.image.as_slice()).collect();
            log_q.extend(inference.log_density(images_to_tensor(&imgs, &dev), 10, &mut rng));
        }
        let weights = skew_weights(&log_q, -0.5).expect("finite densities");
        let evenness = weight_evenness(&weights);
        // What the skew does to the door angles a buffer of walk frames would propose as goals.
        let walk_angles = test.iter().zip(&weights).filter(|((i, _), _)| *i < WALK);
        let (mut plain, mut skewed) = ([0.0; ANGLE_BINS], [0.0; ANGLE_BINS]);
        for ((_, f), &w) in walk_angles {
            let bin = angle_bin(f.state[0] as f64);
            plain[bin] += 1.0;
            skewed[bin] += w;
        }
        log_q.sort_by(f64::total_cmp);
        let q = |p: f64| log_q[((log_q.len() - 1) as f64 * p) as usize];
        println!(
            "| {beta} | {recon:.1} | {kl:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0}, {:.0} | {evenness:.2} | {:.3} → {:.3} |",
            r2[0],
            r2[1],
            r2[2],
            r2[3],
            q(0.95) - q(0.05),
            q(1.0) - q(0.0),
            coverage(&plain),
            coverage(&skewed)
        );
    }
    println!("{:.0} s in all", t0.elapsed().as_secs_f64());
}
