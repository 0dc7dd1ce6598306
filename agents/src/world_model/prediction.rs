//! The second stage's objective: from one frame and a window of actions, predict what the
//! sensor shows later, either through the encoder or on cached latents of a fixed one.
//!
//! For each window the dynamics roll the first frame's latent forward through the actions;
//! at every `target_every`-th step the prediction is compared with the encoder's latent of
//! the frame that really came (held fixed as a target, TD-MPC2's consistency loss), and its
//! embedding must pick that frame out among the other windows' frames at the same step
//! (InfoNCE, as CPC predicts the future). Reconstruction of the first frame keeps the latent
//! decodable, so predictions can be looked at.
//!
//! Why through the encoder (the die's default): on a die the future that matters is which face comes up and how
//! it is turned. An encoder trained only to reconstruct and to match nearby frames keeps the
//! gel's position and pressure and little of the marks, so dynamics on its fixed latents
//! cannot tell where a roll leads. Predicting the frame after the roll, told apart from
//! other faces, makes the encoder keep what tells the faces apart.

use burn::prelude::*;

use super::frames::FrameWindows;
use super::model::WorldModel;
use super::spec::WorldModelTrainConfig;
use super::train::info_nce;

/// The loss's parts for one batch.
pub struct PredictionLoss {
    /// The weighted sum that training minimises.
    pub total: Tensor<1>,
    /// Mean squared pixel error of the first frame's reconstruction (pixels in [0, 1]); 0 on
    /// latent windows.
    pub reconstruction: f32,
    /// Mean squared error of the predicted latents against the real ones at the target steps.
    pub latent: f32,
    /// InfoNCE of the predicted embeddings against the real ones, averaged over target steps;
    /// 0 without an embedding.
    pub contrastive: f32,
    /// The inverse model's squared action error (0 without one).
    pub inverse: f32,
}

/// The latents `[N, T, D]` at (1-based) steps `at`: `[N, K, D]`.
fn at_steps(latents: Tensor<3>, at: &[usize]) -> Tensor<3> {
    let device = latents.device();
    let index: Vec<i64> = at.iter().map(|&k| k as i64 - 1).collect();
    latents.select(
        1,
        Tensor::<1, Int>::from_data(TensorData::new(index, [at.len()]), &device),
    )
}

/// Windows in latent form: the first latent, the actions, and the latents that really came
/// at steps `at` (`[N, K, D]`).
pub struct LatentWindows {
    /// The first frame's latent, `[N, D]`.
    pub start: Tensor<2>,
    /// The actions taken from it, `[N, T, action_dim]`.
    pub actions: Tensor<3>,
    /// The latents that really came at steps `at`, `[N, K, D]`.
    pub targets: Tensor<3>,
    /// The 1-based action counts after which the targets were seen, K of them, ascending.
    pub at: Vec<usize>,
}

/// The prediction loss on latent windows: the latent's squared error at each target step
/// and, with an embedding, InfoNCE of the predicted against the real embeddings per step.
pub fn latent_prediction_loss(
    model: &WorldModel,
    w: LatentWindows,
    t: &WorldModelTrainConfig,
) -> PredictionLoss {
    let contrast = w.targets.clone();
    step_losses(model, w, contrast, t)
}

/// [`latent_prediction_loss`], with the InfoNCE's real latents given apart (`[N, K, D]`): the
/// same values, but through the encoder.
fn step_losses(
    model: &WorldModel,
    w: LatentWindows,
    contrast: Tensor<3>,
    t: &WorldModelTrainConfig,
) -> PredictionLoss {
    let predicted = at_steps(model.dynamics.roll_out(w.start, w.actions), &w.at);
    let [n, k, d] = predicted.dims();
    let latent = (predicted.clone() - w.targets).square().mean();
    let latent_value = latent.clone().into_scalar::<f32>();
    let mut total = latent;
    let mut contrastive = 0.0;
    if let (true, Some(projection)) = (t.contrastive_weight > 0.0, &model.projection) {
        let step = |x: &Tensor<3>, j: usize| x.clone().narrow(1, j, 1).reshape([n, d]);
        let mut nce = Tensor::<1>::zeros([1], &total.device());
        for j in 0..k {
            let (loss, _) = info_nce(
                projection,
                step(&predicted, j),
                step(&contrast, j),
                t.temperature,
            );
            nce = nce + loss;
        }
        let nce = nce.div_scalar(k as f64);
        contrastive = nce.clone().into_scalar::<f32>();
        total = total + nce.mul_scalar(t.contrastive_weight);
    }
    PredictionLoss {
        total,
        reconstruction: 0.0,
        latent: latent_value,
        contrastive,
        inverse: 0.0,
    }
}

/// The prediction loss on windows of frames, through the encoder (see the module docs). The
/// latent error's targets are held fixed (TD-MPC2's consistency target; a target that moves
/// with the prediction can meet it by collapsing), but the InfoNCE reaches the encoder through
/// the real frames too: it is the term that has to tell a window's future from the others',
/// and only an encoder that sees what differs between those frames can.
pub fn prediction_loss(
    model: &WorldModel,
    w: FrameWindows,
    t: &WorldModelTrainConfig,
) -> PredictionLoss {
    let z0 = model.encoder.forward(w.start.clone());
    let recon = (model.decoder.forward(z0.clone()) - w.start)
        .square()
        .mean();
    let [n, _] = z0.dims();
    let k = w.at.len();
    let real = model.encoder.forward(w.targets);
    let d = real.dims()[1];
    let real = real.reshape([n, k, d]);
    let (z_start, first_actions, first_at) = (z0.clone(), w.actions.clone(), w.at.first().copied());
    let latents = LatentWindows {
        start: z0,
        actions: w.actions,
        targets: real.clone().detach(),
        at: w.at,
    };
    let mut loss = step_losses(model, latents, real.clone(), t);
    loss.reconstruction = recon.clone().into_scalar::<f32>();
    loss.total = loss.total + recon;
    if let (true, Some(inverse), Some(1)) = (t.inverse_weight > 0.0, &model.inverse, first_at) {
        // The first action, from the start's latent and the latent of the frame after it.
        let after = real.narrow(1, 0, 1).reshape([n, d]);
        let [_, _, a] = first_actions.dims();
        let taken = first_actions.narrow(1, 0, 1).reshape([n, a]);
        let error = (inverse.forward(z_start, after) - taken).square().mean();
        loss.inverse = error.clone().into_scalar::<f32>();
        loss.total = loss.total + error.mul_scalar(t.inverse_weight);
    }
    loss
}

/// Held-out measures of the prediction, per target step: the latent's squared error against
/// the encoder's latent of the real frame, the same for repeating the first latent, and the
/// share of windows whose predicted embedding is nearest the frame that really came among the
/// batch's (with repeating: how often nothing changes enough to tell).
pub struct PredictionCheck {
    /// The target steps measured (1-based action counts).
    pub at: Vec<usize>,
    /// Per target step, the predicted latent's mean squared error.
    pub latent: Vec<f32>,
    /// Per target step, the same error for repeating the first latent.
    pub latent_copy: Vec<f32>,
    /// Per target step, the share of windows whose predicted embedding picks out the real frame
    /// (empty without an embedding).
    pub matched: Vec<f32>,
    /// Per target step, the same share for repeating the first latent.
    pub matched_copy: Vec<f32>,
}

/// Measures `model` (without autodiff) on held-out windows `w`.
pub fn check_prediction(model: &WorldModel, w: LatentWindows, temperature: f64) -> PredictionCheck {
    let z0 = w.start;
    let [n, d] = z0.dims();
    let predicted = at_steps(model.dynamics.roll_out(z0.clone(), w.actions), &w.at);
    let mut check = PredictionCheck {
        at: w.at.clone(),
        latent: vec![],
        latent_copy: vec![],
        matched: vec![],
        matched_copy: vec![],
    };
    for j in 0..w.at.len() {
        let target = w.targets.clone().narrow(1, j, 1).reshape([n, d]);
        let guess = predicted.clone().narrow(1, j, 1).reshape([n, d]);
        let mse = |x: Tensor<2>| (x - target.clone()).square().mean().into_scalar::<f32>();
        check.latent.push(mse(guess.clone()));
        check.latent_copy.push(mse(z0.clone()));
        if let Some(p) = &model.projection {
            check
                .matched
                .push(info_nce(p, guess, target.clone(), temperature).1);
            check
                .matched_copy
                .push(info_nce(p, z0.clone(), target, temperature).1);
        }
    }
    check
}

/// Frame windows through `model`'s encoder, as latent windows.
pub fn encode_windows(model: &WorldModel, w: FrameWindows) -> LatentWindows {
    let z0 = model.encoder.forward(w.start);
    let [n, d] = z0.dims();
    let k = w.at.len();
    LatentWindows {
        start: z0,
        actions: w.actions,
        targets: model.encoder.forward(w.targets).reshape([n, k, d]),
        at: w.at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world_model::WorldModelConfig;
    use burn::tensor::Distribution;

    /// Windows that start from one frame and differ only in what came later (siblings): the
    /// loss must reach the encoder through those later frames, or nothing makes it tell them
    /// apart. The latent error alone must not (its targets are held fixed).
    #[test]
    fn the_contrastive_term_reaches_the_encoder_through_the_real_frames() {
        let device = crate::default_device().autodiff();
        let model = WorldModelConfig::default().init(&device);
        let gradient = |contrastive_weight: f64| {
            let uniform = Distribution::Uniform(0.0, 1.0);
            let start = Tensor::<4>::random([1, 3, 48, 64], uniform, &device).repeat_dim(0, 6);
            let targets = Tensor::<4>::random([12, 3, 48, 64], uniform, &device).require_grad();
            let w = FrameWindows {
                start,
                actions: Tensor::<3>::zeros([6, 4, 3], &device),
                targets: targets.clone(),
                at: vec![2, 4],
            };
            let t = WorldModelTrainConfig {
                contrastive_weight,
                ..Default::default()
            };
            let grads = prediction_loss(&model, w, &t).total.backward();
            targets
                .grad(&grads)
                .map_or(0.0, |g| g.abs().mean().into_scalar::<f32>())
        };
        assert!(gradient(1.0) > 1e-6, "InfoNCE: {}", gradient(1.0));
        assert_eq!(gradient(0.0), 0.0, "the latent error's targets are fixed");
    }
}
