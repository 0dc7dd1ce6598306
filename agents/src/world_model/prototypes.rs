//! Swapped prediction against learned prototypes (SwAV, Caron et al. 2020) as the first
//! stage's representation objective, instead of telling each frame from every other.
//!
//! Each frame of a pair is scored against `K` unit-length prototypes; the scores of one view
//! are turned into a soft assignment that uses every prototype equally often over the batch
//! (three Sinkhorn–Knopp iterations), and the other view must predict that assignment. The
//! equal-use constraint asks for `K` groups of frames that look alike whatever their turn and
//! place: on the die, the faces. Instance discrimination (InfoNCE) is won by any feature that
//! tells one episode from another, the die's yaw included.

use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation::log_softmax;

use super::model::embed;

/// Sharpness of the assignment (SwAV's ε).
const EPSILON: f64 = 0.05;
const SINKHORN_ITERATIONS: usize = 3;

/// Equal-use soft assignments `[B, K]` (rows sum to 1) from scores `[B, K]`.
fn sinkhorn(scores: Tensor<2>) -> Tensor<2> {
    let [b, k] = scores.dims();
    // Subtracting the maximum keeps exp finite; the normalisations remove it again.
    let max = scores.clone().max().into_scalar::<f32>() as f64;
    let mut q = scores.sub_scalar(max).div_scalar(EPSILON).exp().transpose();
    let total = q.clone().sum().into_scalar::<f32>() as f64;
    q = q.div_scalar(total);
    for _ in 0..SINKHORN_ITERATIONS {
        q = q.clone() / q.clone().sum_dim(1).mul_scalar(k as f64);
        q = q.clone() / q.clone().sum_dim(0).mul_scalar(b as f64);
    }
    q.mul_scalar(b as f64).transpose()
}

/// The swapped-prediction loss of latents `a` and `b` (two views, `[B, latent]`) through the
/// embedding `projection` and the prototypes `[embed → K]`, at `temperature`.
pub fn swapped_prediction(
    projection: &Linear,
    prototypes: &Linear,
    a: Tensor<2>,
    b: Tensor<2>,
    temperature: f64,
) -> Tensor<1> {
    let w = prototypes.weight.val();
    let w = w.clone() / w.square().sum_dim(0).sqrt().clamp_min(1e-6);
    let (sa, sb) = (embed(projection, a).matmul(w.clone()), embed(projection, b).matmul(w));
    let device = sa.device();
    let code = |s: &Tensor<2>| {
        let q = sinkhorn(s.clone().inner());
        Tensor::<2>::from_data(q.into_data(), &device)
    };
    let (qa, qb) = (code(&sa), code(&sb));
    let pa = log_softmax(sa.div_scalar(temperature), 1);
    let pb = log_softmax(sb.div_scalar(temperature), 1);
    let loss = (qb * pa).sum_dim(1).mean() + (qa * pb).sum_dim(1).mean();
    loss.mul_scalar(-0.5).reshape([1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_use_every_prototype_equally() {
        let device = crate::default_device();
        // Six frames, three prototypes, every frame scoring prototype 0 highest.
        let scores = Tensor::<2>::from_data(
            TensorData::new(
                vec![0.9f32, 0.1, 0.0, 0.8, 0.2, 0.1, 0.9, 0.0, 0.3, 0.7, 0.1, 0.2, 0.95, 0.3, 0.1, 0.6, 0.5, 0.4],
                [6, 3],
            ),
            &device,
        );
        let q = sinkhorn(scores).into_data().try_to_vec::<f32>().unwrap();
        for row in q.chunks(3) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-3, "{q:?}");
        }
        // Unbalanced, prototype 0 would take all six; three iterations balance roughly.
        for k in 0..3 {
            let used: f32 = q.chunks(3).map(|r| r[k]).sum();
            assert!((used - 2.0).abs() < 0.5, "prototype {k} takes {used} of 6: {q:?}");
        }
    }

    #[test]
    fn the_loss_reaches_the_latents() {
        use burn::nn::LinearConfig;
        use burn::tensor::Distribution;
        let device = crate::default_device().autodiff();
        let projection = LinearConfig::new(8, 4).init(&device);
        let prototypes = LinearConfig::new(4, 6).with_bias(false).init(&device);
        let a = Tensor::<2>::random([16, 8], Distribution::Normal(0.0, 1.0), &device).require_grad();
        let b = Tensor::<2>::random([16, 8], Distribution::Normal(0.0, 1.0), &device);
        let loss = swapped_prediction(&projection, &prototypes, a.clone(), b, 0.1);
        let grads = loss.backward();
        let g = a.grad(&grads).expect("a gradient").into_data().try_to_vec::<f32>().unwrap();
        let size = g.iter().map(|x| x.abs()).sum::<f32>() / g.len() as f32;
        assert!(size > 1e-4, "mean |gradient| {size}");
    }
}
