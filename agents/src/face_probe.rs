//! Can touch tell the die's faces apart? A small classifier learns the face up from gel
//! images and is scored on presses it never saw. A model cannot plan a roll toward a face it
//! cannot recognise, so this is checked before any predictive model is trained on the die.
//!
//! The labels come from the simulator's oracle, for this check only: no agent sees them.
//!
//! Three kinds of press are scored apart:
//! - *centred*: the die at rest, the gel pressed 1 mm in within 1 mm of the face's centre
//!   (how a goal picture shows a face);
//! - *partial*: at rest, the gel 1–5 mm off centre, so part of the face is out of view;
//! - *tilted*: frames taken while the gel pushes the die over, its top face tipped 3° or more.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::activation::{log_softmax, relu};
use byfeel_gym::{Command, Robot, SimRobot};
use byfeel_sim::{D20, Randomization};
use glam::DVec3;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::AgentError;
use crate::predictive::{image_batch, image_tensor};
use crate::world_model::frames::moved;

/// One gel image with what the oracle says about it.
#[derive(Debug, Clone)]
pub struct Press {
    /// 48 × 64 × 3 bytes.
    pub image: Vec<u8>,
    /// The face up, 1–20.
    pub face: u8,
    /// How far the gel's centre is from the die's, horizontally, mm.
    pub offset_mm: f32,
    /// How far the face up is tipped from level, degrees.
    pub tilt_deg: f32,
}

/// How deep a settled press goes, as in DieRoll's goal pictures (m).
const PRESS: f64 = 0.001;

fn die_robot(seed: u64) -> Result<SimRobot, AgentError> {
    SimRobot::from_scene("die", Randomization::Seeded(seed))
        .map_err(|e| AgentError::Config(e.to_string()))
}

fn err(e: impl std::fmt::Display) -> AgentError {
    AgentError::Config(e.to_string())
}

/// The height of the top of a die lying on the table.
fn die_top(robot: &SimRobot) -> f64 {
    let world = robot.world();
    let r = world.die.as_ref().map_or(0.014, |d| d.circumradius);
    world.table.top + 2.0 * r * D20::INRADIUS_RATIO
}

/// What the gel shows now, with the oracle's face, offset and tilt.
fn press_now(robot: &mut SimRobot) -> Result<Press, AgentError> {
    let d20 = D20::new();
    let world = robot.world();
    let pose = world.die_pose().ok_or_else(|| err("this scene has no die"))?;
    let face = world.die_readout().map_or(1, |r| r.face_up);
    let up = pose.rotation * d20.normals[d20.face_index(face).expect("a face")];
    let hand = world.ee_frame().translation;
    let offset = DVec3::new(hand.x - pose.translation.x, hand.y - pose.translation.y, 0.0);
    let image = robot.render_tactile().map_err(err)?.rgb;
    Ok(Press {
        image,
        face,
        offset_mm: (offset.length() * 1000.0) as f32,
        tilt_deg: up.z.clamp(-1.0, 1.0).acos().to_degrees() as f32,
    })
}

/// `n` presses on a die at rest, any face up at any turn, the gel pressed 1 mm in at a
/// uniformly random point within `max_offset_mm` of the face's centre.
pub fn settled_presses(n: usize, max_offset_mm: f64, seed: u64) -> Result<Vec<Press>, AgentError> {
    let mut robot = die_robot(seed)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let top = die_top(&robot);
    (0..n)
        .map(|_| {
            let (x, y) = (rng.random_range(0.58..0.62), rng.random_range(-0.02..0.02));
            let face = rng.random_range(1..=20u8);
            let yaw = rng.random_range(0.0..std::f64::consts::TAU);
            robot.world_mut().place_die(x, y, face, yaw).map_err(err)?;
            let r = max_offset_mm * 1e-3 * rng.random::<f64>().sqrt();
            let a = rng.random_range(0.0..std::f64::consts::TAU);
            robot.teleport_hand(DVec3::new(x + r * a.cos(), y + r * a.sin(), top - PRESS))
                .map_err(err)?;
            press_now(&mut robot)
        })
        .collect()
}

/// Frames from `episodes` pushes: from a centred press, the gel slides 2 mm a step in a
/// random direction for 8 steps, tipping and often rolling the die; every frame is kept.
pub fn pushed_presses(episodes: usize, seed: u64) -> Result<Vec<Press>, AgentError> {
    let mut robot = die_robot(seed)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let top = die_top(&robot);
    let mut out = Vec::with_capacity(episodes * 8);
    for _ in 0..episodes {
        let (x, y) = (rng.random_range(0.58..0.62), rng.random_range(-0.02..0.02));
        let face = rng.random_range(1..=20u8);
        let yaw = rng.random_range(0.0..std::f64::consts::TAU);
        robot.world_mut().place_die(x, y, face, yaw).map_err(err)?;
        robot
            .teleport_hand(DVec3::new(x, y, top - PRESS))
            .map_err(err)?;
        let a = rng.random_range(0.0..std::f64::consts::TAU);
        for _ in 0..8 {
            robot
                .command(Command::ee_delta(0.002 * a.cos(), 0.002 * a.sin(), 0.0))
                .map_err(err)?;
            robot.step().map_err(err)?;
            out.push(press_now(&mut robot)?);
        }
    }
    Ok(out)
}

/// A small convolutional classifier: gel image to the face up.
#[derive(Module, Debug)]
pub struct FaceClassifier {
    convs: [Conv2d; 3],
    hidden: Linear,
    out: Linear,
}

/// Channels after each convolution; each halves the image (48 × 64 → 6 × 8).
const CHANNELS: [usize; 3] = [16, 32, 64];

impl FaceClassifier {
    /// A classifier with fresh weights for gel images `height` × `width` pixels.
    pub fn new(height: usize, width: usize, device: &Device) -> Self {
        let conv = |i, o, k| {
            Conv2dConfig::new([i, o], [k, k])
                .with_stride([2, 2])
                .with_padding(PaddingConfig2d::Explicit(k / 2, k / 2, k / 2, k / 2))
                .init(device)
        };
        let flat = CHANNELS[2] * height.div_ceil(8) * width.div_ceil(8);
        Self {
            convs: [
                conv(3, CHANNELS[0], 5),
                conv(CHANNELS[0], CHANNELS[1], 3),
                conv(CHANNELS[1], CHANNELS[2], 3),
            ],
            hidden: LinearConfig::new(flat, 128).init(device),
            out: LinearConfig::new(128, 20).init(device),
        }
    }

    /// Log-probabilities of faces 1–20, `[B, 20]`, for images `[B, 3, H, W]` in [0, 1].
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let mut x = images;
        for conv in &self.convs {
            x = relu(conv.forward(x));
        }
        let x = relu(self.hidden.forward(x.flatten::<2>(1, 3)));
        log_softmax(self.out.forward(x), 1)
    }
}

fn images(presses: &[&Press], device: &Device) -> Tensor<4> {
    let frames: Vec<&[u8]> = presses.iter().map(|p| p.image.as_slice()).collect();
    image_batch(&frames, 48, 64, device)
}

/// Pixels a training press may be shifted by, each way.
const SHIFT: usize = 3;

/// Trains a fresh classifier on `presses` with Adam (batch 64).
pub fn train_classifier(
    presses: &[Press],
    steps: usize,
    seed: u64,
    mut on_step: impl FnMut(usize, f32),
) -> FaceClassifier {
    let device = crate::default_device().autodiff();
    device.seed(seed);
    let mut model = FaceClassifier::new(48, 64, &device);
    let mut optimizer = AdamConfig::new().init();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for step in 0..steps {
        let batch: Vec<&Press> = (0..64)
            .map(|_| &presses[rng.random_range(0..presses.len())])
            .collect();
        let mut one_hot = vec![0.0f32; batch.len() * 20];
        for (i, p) in batch.iter().enumerate() {
            one_hot[i * 20 + p.face as usize - 1] = 1.0;
        }
        let target = Tensor::<2>::from_data(TensorData::new(one_hot, [batch.len(), 20]), &device);
        // Each press moved a few pixels its own way: the face is the same wherever the gel
        // meets it, and the held-out presses meet it elsewhere.
        let frames: Vec<u8> = batch.iter().flat_map(|p| p.image.iter().copied()).collect();
        let moved = moved(&frames, batch.len(), (48, 64), SHIFT, false, &mut rng);
        let loss = -(model.forward(image_tensor(&moved, batch.len(), 48, 64, &device)) * target)
            .sum_dim(1)
            .mean();
        let value = loss.clone().into_scalar();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        // The last quarter at a tenth of the rate settles the weights.
        let rate = if step < steps * 3 / 4 { 1e-3 } else { 1e-4 };
        model = optimizer.step(rate, model, grads);
        on_step(step, value);
    }
    model.valid()
}

/// The face (1–20) scored highest in each row of 20 scores.
fn most_likely_faces(scores: &[f32]) -> Vec<u8> {
    scores
        .chunks_exact(20)
        .map(|s| (0..20).max_by(|&a, &b| s[a].total_cmp(&s[b])).expect("20") as u8 + 1)
        .collect()
}

/// The faces `model` reads from `presses`.
pub fn classify(model: &FaceClassifier, presses: &[Press]) -> Vec<u8> {
    let device = model.devices()[0].clone();
    presses
        .chunks(128)
        .flat_map(|chunk| {
            let refs: Vec<&Press> = chunk.iter().collect();
            let scores = model
                .forward(images(&refs, &device))
                .into_data()
                .try_to_vec::<f32>()
                .expect("f32 scores");
            most_likely_faces(&scores)
        })
        .collect()
}

/// Correct answers out of how many, for one kind of press.
#[derive(Debug, Clone, Copy, Serialize, Default)]
pub struct Score {
    /// Presses whose face was read right.
    pub correct: usize,
    /// Presses scored.
    pub total: usize,
}

impl Score {
    /// Fraction read right, 0 to 1 (0 when nothing was scored).
    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.total.max(1) as f64
    }
    /// Wilson's 95 % interval of the accuracy.
    pub fn ci95(&self) -> (f64, f64) {
        crate::eval::wilson(self.correct, self.total)
    }
}

/// What the probe found, per kind of held-out press.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeReport {
    /// Presses the classifier learned from (settled presses and push frames).
    pub train_presses: usize,
    /// Training steps the classifier took.
    pub steps: usize,
    /// Settled presses within 1 mm of the face's centre, as goal pictures show a face.
    pub centred: Score,
    /// Settled presses 1–5 mm off centre, part of the face out of view.
    pub partial: Score,
    /// Pushed frames with the face tipped 3–15° (still mostly on it).
    pub tilted: Score,
    /// Pushed frames tipped more than 15°: mid-roll, where "the face up" is in doubt.
    pub rolling: Score,
}

/// Settings of the probe.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    /// Settled presses within 5 mm of centre, and push episodes (8 frames each), to learn from.
    pub train_settled: usize,
    /// Push episodes (8 frames each) to learn from.
    pub train_pushes: usize,
    /// Held-out presses of each kind (pushes: episodes).
    pub test_settled: usize,
    /// Held-out push episodes.
    pub test_pushes: usize,
    /// Training steps of the classifier.
    pub steps: usize,
    /// Seeds the training presses, the weights and the batches; held-out presses use other seeds.
    pub seed: u64,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        Self {
            train_settled: 6000,
            train_pushes: 500,
            test_settled: 1000,
            test_pushes: 150,
            steps: 1500,
            seed: 0,
        }
    }
}

/// The presses to learn from: settled ones within 5 mm of centre, and pushes.
fn training_presses(config: &ProbeConfig) -> Result<Vec<Press>, AgentError> {
    let mut train = settled_presses(config.train_settled, 5.0, config.seed)?;
    train.extend(pushed_presses(config.train_pushes, config.seed + 1)?);
    Ok(train)
}

/// Draws the held-out presses (seeds no training press used) and scores what `read` says of
/// each kind against the oracle's faces.
fn score_held_out(
    config: &ProbeConfig,
    train_presses: usize,
    read: impl Fn(&[Press]) -> Result<Vec<u8>, AgentError>,
) -> Result<ProbeReport, AgentError> {
    let s = config.seed;
    let centred = settled_presses(config.test_settled, 1.0, s + 1_000_000)?;
    let partial: Vec<Press> = settled_presses(config.test_settled, 5.0, s + 1_000_001)?
        .into_iter()
        .filter(|p| p.offset_mm > 1.0)
        .collect();
    let pushed = pushed_presses(config.test_pushes, s + 1_000_002)?;
    let score = |presses: &[Press], keep: &dyn Fn(&Press) -> bool| -> Result<Score, AgentError> {
        let kept: Vec<Press> = presses.iter().filter(|p| keep(p)).cloned().collect();
        if kept.is_empty() {
            return Ok(Score::default());
        }
        let faces = read(&kept)?;
        Ok(Score {
            correct: faces.iter().zip(&kept).filter(|(f, p)| **f == p.face).count(),
            total: kept.len(),
        })
    };
    Ok(ProbeReport {
        train_presses,
        steps: config.steps,
        centred: score(&centred, &|_| true)?,
        partial: score(&partial, &|_| true)?,
        tilted: score(&pushed, &|p| (3.0..=15.0).contains(&p.tilt_deg))?,
        rolling: score(&pushed, &|p| p.tilt_deg > 15.0)?,
    })
}

/// Collects presses, trains the classifier and scores it on presses from other seeds.
pub fn run_probe(
    config: &ProbeConfig,
    on_step: impl FnMut(usize, f32),
) -> Result<ProbeReport, AgentError> {
    let train = training_presses(config)?;
    let model = train_classifier(&train, config.steps, config.seed, on_step);
    score_held_out(config, train.len(), |presses| Ok(classify(&model, presses)))
}

/// A classifier on a world model's latents (two layers), to measure how much of the face
/// up a latent keeps.
#[derive(Module, Debug)]
struct LatentClassifier {
    hidden: Linear,
    out: Linear,
}

impl LatentClassifier {
    fn forward(&self, z: Tensor<2>) -> Tensor<2> {
        log_softmax(self.out.forward(relu(self.hidden.forward(z))), 1)
    }
}

/// The same check as [`run_probe`], on what a world model's encoder keeps of each press: a
/// small classifier learns the face from the latents alone. A planner can aim only at the
/// differences its latent keeps.
pub fn probe_latent(
    encoder: &crate::world_model::model::Encoder,
    config: &ProbeConfig,
) -> Result<ProbeReport, AgentError> {
    let s = config.seed;
    let encode = |presses: &[Press]| -> Result<Vec<f32>, AgentError> {
        let device = encoder.devices()[0].clone();
        let mut out = Vec::new();
        for chunk in presses.chunks(256) {
            let refs: Vec<&Press> = chunk.iter().collect();
            out.extend(
                encoder
                    .forward(images(&refs, &device))
                    .into_data()
                    .try_to_vec::<f32>()
                    .map_err(|e| AgentError::Config(format!("{e:?}")))?,
            );
        }
        Ok(out)
    };
    let train = training_presses(config)?;
    let latents = encode(&train)?;
    let dim = latents.len() / train.len().max(1);
    let device = crate::default_device().autodiff();
    device.seed(s);
    let mut model = LatentClassifier {
        hidden: LinearConfig::new(dim, 256).init(&device),
        out: LinearConfig::new(256, 20).init(&device),
    };
    let mut optimizer = AdamConfig::new().init();
    let mut rng = ChaCha8Rng::seed_from_u64(s);
    for _ in 0..config.steps {
        let picks: Vec<usize> = (0..256).map(|_| rng.random_range(0..train.len())).collect();
        let z: Vec<f32> = picks
            .iter()
            .flat_map(|&i| latents[i * dim..(i + 1) * dim].iter().copied())
            .collect();
        let mut one_hot = vec![0.0f32; picks.len() * 20];
        for (j, &i) in picks.iter().enumerate() {
            one_hot[j * 20 + train[i].face as usize - 1] = 1.0;
        }
        let z = Tensor::<2>::from_data(TensorData::new(z, [picks.len(), dim]), &device);
        let target = Tensor::<2>::from_data(TensorData::new(one_hot, [picks.len(), 20]), &device);
        let loss = -(model.forward(z) * target).sum_dim(1).mean();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(1e-3, model, grads);
    }
    let model = model.valid();
    score_held_out(config, train.len(), |presses| {
        let z = encode(presses)?;
        let device = model.devices()[0].clone();
        let scores = model
            .forward(Tensor::from_data(TensorData::new(z, [presses.len(), dim]), &device))
            .into_data()
            .try_to_vec::<f32>()
            .map_err(|e| AgentError::Config(format!("{e:?}")))?;
        Ok(most_likely_faces(&scores))
    })
}
