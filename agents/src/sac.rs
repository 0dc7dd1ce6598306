//! Soft actor-critic (Haarnoja et al. 2018) for goal-conditioned control, as Skew-Fit uses it:
//! twin Q networks with slowly-following targets, a tanh-squashed Gaussian policy, and the
//! entropy weight α tuned automatically toward a target entropy of −(action numbers).
//!
//! Read top to bottom: [`SacConfig`] holds the hyperparameters (the paper's defaults),
//! [`Sac::update`] is one gradient step of the critics, the actor and α, in that order.
//! Observations are whatever the caller concatenates (Skew-Fit: the latent of the image and
//! the latent of the goal).

use std::path::Path;

use burn::module::Param;
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::activation::relu;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::AgentError;
use crate::predictor::latent::standard_normal;

/// SAC's hyperparameters; the defaults are Skew-Fit's (hidden 400, 300; batch 1024; γ 0.99;
/// τ 1e-3) with rlkit's learning rates (3e-4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SacConfig {
    /// Widths of the hidden layers of the actor and of each critic.
    pub hidden: Vec<usize>,
    /// Transitions per update.
    pub batch: usize,
    /// Discount per step, γ, in (0, 1].
    pub gamma: f64,
    /// How far the target critics move toward the critics each update.
    pub tau: f64,
    /// Adam's step size for the actor.
    pub policy_lr: f64,
    /// Adam's step size for the critics.
    pub q_lr: f64,
    /// Adam's step size for log α.
    pub alpha_lr: f64,
    /// Seeds the initial weights and every update's noise.
    pub seed: u64,
}

impl Default for SacConfig {
    fn default() -> Self {
        Self {
            hidden: vec![400, 300],
            batch: 1024,
            gamma: 0.99,
            tau: 1e-3,
            policy_lr: 3e-4,
            q_lr: 3e-4,
            alpha_lr: 3e-4,
            seed: 0,
        }
    }
}

/// Layers with ReLU between them (none after the last).
#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Linear>,
}

impl SacConfig {
    /// The settings in range, else an error naming the setting (`sac.…`).
    pub fn check(&self) -> Result<(), String> {
        if self.hidden.is_empty() || self.hidden.contains(&0) {
            return Err(format!("sac.hidden is {:?}: give one or more positive widths", self.hidden));
        }
        if self.batch == 0 {
            return Err("sac.batch is 0: it must be at least 1".into());
        }
        let unit = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 && v <= 1.0 {
                Ok(())
            } else {
                Err(format!("sac.{name} is {v}: it must be in (0, 1]"))
            }
        };
        unit("gamma", self.gamma)?;
        unit("tau", self.tau)?;
        for (name, v) in [("policy_lr", self.policy_lr), ("q_lr", self.q_lr), ("alpha_lr", self.alpha_lr)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("sac.{name} is {v}: it must be positive"));
            }
        }
        Ok(())
    }
}

impl Mlp {
    fn new(sizes: &[usize], device: &Device) -> Self {
        let layers = sizes
            .windows(2)
            .map(|w| LinearConfig::new(w[0], w[1]).init(device))
            .collect();
        Self { layers }
    }

    /// The network's output for a batch of inputs, `[B, in]` to `[B, out]`.
    pub fn forward(&self, mut x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        for (i, layer) in self.layers.iter().enumerate() {
            x = layer.forward(x);
            if i < last {
                x = relu(x);
            }
        }
        x
    }

    /// Moves every weight a fraction `tau` of the way toward `online`'s (Polyak averaging).
    fn follow(self, online: &Mlp, tau: f64) -> Self {
        let lerp = |target: Tensor<2>, online: Tensor<2>| {
            (target.mul_scalar(1.0 - tau) + online.mul_scalar(tau)).detach()
        };
        let layers = self
            .layers
            .into_iter()
            .zip(&online.layers)
            .map(|(mut t, o)| {
                let w = o.weight.val();
                t.weight = t.weight.map(|x| lerp(x, w));
                if let (Some(tb), Some(ob)) = (t.bias.take(), &o.bias) {
                    let b = ob.val().unsqueeze::<2>();
                    t.bias = Some(tb.map(|x| lerp(x.unsqueeze(), b).squeeze_dim(0)));
                }
                t
            })
            .collect();
        Self { layers }
    }
}

/// Two independent Q(observation, action) networks; SAC uses the smaller of their values.
#[derive(Module, Debug)]
pub struct Critics {
    q1: Mlp,
    q2: Mlp,
}

impl Critics {
    /// The smaller of the two Q values for each (observation, action) row, `[B, 1]`.
    pub fn min_q(&self, obs: Tensor<2>, actions: Tensor<2>) -> Tensor<2> {
        let (a, b) = self.both(obs, actions);
        a.min_pair(b)
    }

    fn both(&self, obs: Tensor<2>, actions: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let x = Tensor::cat(vec![obs, actions], 1);
        (self.q1.forward(x.clone()), self.q2.forward(x))
    }
}

/// The policy: a Gaussian over pre-squash actions, squashed into [−1, 1] by tanh.
#[derive(Module, Debug)]
pub struct Actor {
    body: Mlp,
}

const LOG_STD: (f32, f32) = (-5.0, 2.0);

impl Actor {
    /// Mean and log standard deviation of the pre-squash Gaussian, each `[B, actions]`.
    fn gaussian(&self, obs: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let out = self.body.forward(obs);
        let n = out.dims()[1] / 2;
        let (lo, hi) = LOG_STD;
        // A smooth squash into [lo, hi] rather than a clamp, so the gradient never vanishes.
        let log_std = out
            .clone()
            .narrow(1, n, n)
            .tanh()
            .add_scalar(1.0)
            .mul_scalar(0.5 * (hi - lo))
            .add_scalar(lo);
        (out.narrow(1, 0, n), log_std)
    }

    /// Actions drawn with standard normal `noise` and their log-probabilities (`[B, 1]`).
    fn sample(&self, obs: Tensor<2>, noise: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let (mean, log_std) = self.gaussian(obs);
        let pre = mean + log_std.clone().exp() * noise.clone();
        let action = pre.tanh();
        let half_log_tau = 0.5 * (std::f32::consts::TAU).ln();
        let gaussian = (noise.square().mul_scalar(-0.5) - log_std).sub_scalar(half_log_tau);
        // The change of variables through tanh: log |d tanh / dx| = log(1 − tanh²).
        let squash = (action.clone().square().neg().add_scalar(1.0 + 1e-6)).log();
        let log_prob = (gaussian - squash).sum_dim(1);
        (action, log_prob)
    }

    /// The mean action, squashed: what the agent does when it is not exploring.
    fn mean_action(&self, obs: Tensor<2>) -> Tensor<2> {
        self.gaussian(obs).0.tanh()
    }
}

/// log α, trained so that the policy's entropy stays near the target.
#[derive(Module, Debug)]
pub struct Temperature {
    log_alpha: Param<Tensor<1>>,
}

/// One batch of transitions. `obs` and `next_obs` already hold their goals.
pub struct Transitions {
    /// Observations with their goals, `[B, obs]`.
    pub obs: Tensor<2>,
    /// Actions taken, `[B, actions]`, in [−1, 1].
    pub actions: Tensor<2>,
    /// `[B, 1]`.
    pub rewards: Tensor<2>,
    /// Observations after the actions, with the same goals, `[B, obs]`.
    pub next_obs: Tensor<2>,
    /// `[B, 1]`: 1 where the episode truly ended (never, reset-free), 0 elsewhere.
    pub dones: Tensor<2>,
}

/// What one update did.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct SacStats {
    /// The critics' loss: the two Q's mean squared errors to the soft target, summed.
    pub q_loss: f32,
    /// The actor's loss: mean of α log π − min Q at actions it drew.
    pub policy_loss: f32,
    /// The entropy weight α after the update.
    pub alpha: f32,
    /// Mean of −log π(a | s) over the batch: the policy's entropy, estimated.
    pub entropy: f32,
}

/// The agent: networks, their optimizers and the update count (which seeds each update's noise,
/// so a resumed run makes exactly the updates an uninterrupted one would).
pub struct Sac {
    /// The hyperparameters it was built with.
    pub config: SacConfig,
    obs_dim: usize,
    action_dim: usize,
    actor: Actor,
    critics: Critics,
    target: Critics,
    temperature: Temperature,
    actor_opt: ModuleOptimizer,
    critic_opt: ModuleOptimizer,
    alpha_opt: ModuleOptimizer,
    updates: u64,
    device: Device,
}

#[derive(Serialize, Deserialize)]
struct SacFile {
    config: SacConfig,
    obs_dim: usize,
    action_dim: usize,
    updates: u64,
}

impl Sac {
    /// A fresh agent on an autodiff `device`.
    pub fn new(config: SacConfig, obs_dim: usize, action_dim: usize, device: &Device) -> Self {
        device.seed(config.seed);
        let sizes = |input, output| {
            let mut s = vec![input];
            s.extend(&config.hidden);
            s.push(output);
            s
        };
        let critics = Critics {
            q1: Mlp::new(&sizes(obs_dim + action_dim, 1), device),
            q2: Mlp::new(&sizes(obs_dim + action_dim, 1), device),
        };
        Self {
            actor: Actor {
                body: Mlp::new(&sizes(obs_dim, 2 * action_dim), device),
            },
            target: critics.clone(),
            critics,
            temperature: Temperature {
                log_alpha: Param::from_tensor(Tensor::zeros([1], device)),
            },
            actor_opt: AdamConfig::new().init(),
            critic_opt: AdamConfig::new().init(),
            alpha_opt: AdamConfig::new().init(),
            config,
            obs_dim,
            action_dim,
            updates: 0,
            device: device.clone(),
        }
    }

    /// Updates made so far (resumed runs count their earlier ones).
    pub fn updates(&self) -> u64 {
        self.updates
    }

    /// The entropy weight α now.
    pub fn alpha(&self) -> f32 {
        self.temperature.log_alpha.val().exp().into_scalar()
    }

    /// Actions for a batch of observations (`[B, obs]` row-major): the mean action, or one drawn
    /// with `seed` when exploring.
    pub fn act(&self, obs: &[f32], explore: Option<u64>) -> Vec<f32> {
        let b = obs.len() / self.obs_dim;
        let device = self.device.clone();
        let x = Tensor::<2>::from_data(TensorData::new(obs.to_vec(), [b, self.obs_dim]), &device);
        let actor = self.actor.valid();
        let out = match explore {
            None => actor.mean_action(x),
            Some(seed) => {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                let noise = standard_normal(&mut rng, [b, self.action_dim], &device);
                actor.sample(x, noise).0
            }
        };
        out.into_data().try_to_vec::<f32>().expect("f32 actions")
    }

    /// log π(a|s) of a fresh action drawn (with `seed`) at each of a batch of observations
    /// (`[B, obs]` row-major): VICE weighs its classifier against it.
    pub fn log_pi(&self, obs: &[f32], seed: u64) -> Vec<f32> {
        let b = obs.len() / self.obs_dim;
        let device = self.device.clone();
        let x = Tensor::<2>::from_data(TensorData::new(obs.to_vec(), [b, self.obs_dim]), &device);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let noise = standard_normal(&mut rng, [b, self.action_dim], &device);
        let (_, log_prob) = self.actor.valid().sample(x, noise);
        log_prob.into_data().try_to_vec::<f32>().expect("f32 log-probabilities")
    }

    /// One gradient step of the critics, the actor and α; then the targets follow.
    pub fn update(&mut self, batch: Transitions) -> SacStats {
        let mut rng = ChaCha8Rng::seed_from_u64(
            self.config.seed ^ self.updates.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let b = batch.obs.dims()[0];
        let noise = |rng: &mut ChaCha8Rng| standard_normal(rng, [b, self.action_dim], &self.device);
        let alpha = self
            .temperature
            .log_alpha
            .val()
            .exp()
            .detach()
            .reshape([1, 1]);

        // Critics: regress both Q's toward r + γ (min target Q − α log π) at the next state.
        let (next_action, next_log_prob) =
            self.actor.sample(batch.next_obs.clone(), noise(&mut rng));
        let soft_next = self.target.min_q(batch.next_obs, next_action.detach())
            - next_log_prob.detach() * alpha.clone();
        let target = (batch.rewards
            + (batch.dones.neg().add_scalar(1.0) * soft_next).mul_scalar(self.config.gamma))
        .detach();
        let (q1, q2) = self.critics.both(batch.obs.clone(), batch.actions);
        let q_loss = (q1 - target.clone()).square().mean() + (q2 - target).square().mean();
        let q_loss_value: f32 = q_loss.clone().into_scalar();
        let grads = GradientsParams::from_grads(q_loss.backward(), &self.critics);
        self.critics = self
            .critic_opt
            .step(self.config.q_lr, self.critics.clone(), grads);

        // Actor: the highest soft value, min Q − α log π, at actions it draws itself.
        let (action, log_prob) = self.actor.sample(batch.obs.clone(), noise(&mut rng));
        let q = self.critics.min_q(batch.obs, action);
        let policy_loss = (log_prob.clone() * alpha - q).mean();
        let policy_loss_value: f32 = policy_loss.clone().into_scalar();
        let grads = GradientsParams::from_grads(policy_loss.backward(), &self.actor);
        self.actor = self
            .actor_opt
            .step(self.config.policy_lr, self.actor.clone(), grads);

        // α: up when the entropy is below the target (−action numbers), down when above.
        let log_prob = log_prob.detach();
        let entropy: f32 = log_prob.clone().mean().neg().into_scalar();
        let target_entropy = -(self.action_dim as f64);
        let alpha_loss = (self.temperature.log_alpha.val().reshape([1, 1])
            * (log_prob.add_scalar(target_entropy)))
        .mean()
        .neg();
        let grads = GradientsParams::from_grads(alpha_loss.backward(), &self.temperature);
        self.temperature =
            self.alpha_opt
                .step(self.config.alpha_lr, self.temperature.clone(), grads);

        let tau = self.config.tau;
        let target = std::mem::replace(&mut self.target, self.critics.clone());
        self.target = Critics {
            q1: target.q1.follow(&self.critics.q1, tau),
            q2: target.q2.follow(&self.critics.q2, tau),
        };
        self.updates += 1;
        SacStats {
            q_loss: q_loss_value,
            policy_loss: policy_loss_value,
            alpha: self.alpha(),
            entropy,
        }
    }
}

const FILES: [&str; 4] = ["actor", "critics", "target", "temperature"];

impl Sac {
    /// Writes everything an exact resume needs into `dir`, each file to a temporary name renamed
    /// into place, `sac.json` (the update count) last: a save cut short leaves the previous one.
    pub fn save(&self, dir: &Path) -> Result<(), AgentError> {
        let io = |e: &dyn std::fmt::Display| AgentError::Io(format!("{}: {e}", dir.display()));
        std::fs::create_dir_all(dir).map_err(|e| io(&e))?;
        let replace = |name: &str, bytes: &[u8]| crate::write_replacing(dir, name, bytes);
        let records = [
            self.actor.clone().into_record(),
            self.critics.clone().into_record(),
            self.target.clone().into_record(),
            self.temperature.clone().into_record(),
        ];
        for (name, record) in FILES.iter().zip(records) {
            replace(
                &format!("{name}.bpk"),
                &record.into_bytes().map_err(|e| io(&e))?,
            )?;
        }
        for (name, opt) in [
            ("actor_opt", &self.actor_opt),
            ("critic_opt", &self.critic_opt),
            ("alpha_opt", &self.alpha_opt),
        ] {
            replace(
                &format!("{name}.bin"),
                &opt.into_bytes().map_err(|e| io(&e))?,
            )?;
        }
        let file = SacFile {
            config: self.config.clone(),
            obs_dim: self.obs_dim,
            action_dim: self.action_dim,
            updates: self.updates,
        };
        replace(
            "sac.json",
            serde_json::to_string_pretty(&file).unwrap().as_bytes(),
        )
    }

    /// Loads the policy alone (`sac.json` and `actor.bpk` of what [`save`](Self::save) wrote),
    /// to act: what a shipped agent carries. The critics start fresh; resume training with
    /// [`load`](Self::load).
    pub fn load_policy(dir: &Path, device: &Device) -> Result<Self, AgentError> {
        let mut sac = Self::described(dir, device)?;
        let record = ModuleRecord::load(dir.join(format!("{}.bpk", FILES[0])))
            .map_err(|e| crate::io_error(dir, e))?;
        sac.actor = sac.actor.load_record(record);
        Ok(sac)
    }

    /// The policy alone as bytes: its description (`sac.json`'s text) and the actor's weights,
    /// what [`from_policy_bytes`](Self::from_policy_bytes) acts with (a fleet's learner sends
    /// these to its robots).
    pub fn policy_bytes(&self) -> Result<(String, Vec<u8>), AgentError> {
        let file = SacFile {
            config: self.config.clone(),
            obs_dim: self.obs_dim,
            action_dim: self.action_dim,
            updates: self.updates,
        };
        let actor = self
            .actor
            .clone()
            .into_record()
            .into_bytes()
            .map_err(|e| AgentError::Io(format!("the policy's weights: {e}")))?;
        Ok((serde_json::to_string(&file).unwrap(), actor.to_vec()))
    }

    /// The policy [`policy_bytes`](Self::policy_bytes) gave, on an autodiff `device`; the
    /// critics start fresh.
    pub fn from_policy_bytes(
        description: &str,
        actor: Vec<u8>,
        device: &Device,
    ) -> Result<Self, AgentError> {
        let bad = |e: &dyn std::fmt::Display| AgentError::Config(format!("a policy's bytes: {e}"));
        let file: SacFile = serde_json::from_str(description).map_err(|e| bad(&e))?;
        file.config.check().map_err(AgentError::Config)?;
        let mut sac = Self::new(file.config, file.obs_dim, file.action_dim, device);
        sac.updates = file.updates;
        let record = ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(actor))
            .map_err(|e| bad(&e))?;
        sac.actor = sac.actor.load_record(record);
        Ok(sac)
    }

    /// A fresh agent of the shape `dir/sac.json` describes, with its update count.
    fn described(dir: &Path, device: &Device) -> Result<Self, AgentError> {
        let path = dir.join("sac.json");
        let text = std::fs::read_to_string(&path).map_err(|e| crate::io_error(&path, e))?;
        let file: SacFile = serde_json::from_str(&text).map_err(|e| crate::io_error(&path, e))?;
        let mut sac = Self::new(file.config, file.obs_dim, file.action_dim, device);
        sac.updates = file.updates;
        Ok(sac)
    }

    /// Loads what [`save`](Self::save) wrote, on an autodiff `device`.
    pub fn load(dir: &Path, device: &Device) -> Result<Self, AgentError> {
        let io = |e: &dyn std::fmt::Display| AgentError::Io(format!("{}: {e}", dir.display()));
        let mut sac = Self::described(dir, device)?;
        let record =
            |name: &str| ModuleRecord::load(dir.join(format!("{name}.bpk"))).map_err(|e| io(&e));
        sac.actor = sac.actor.load_record(record(FILES[0])?);
        sac.critics = sac.critics.load_record(record(FILES[1])?);
        sac.target = sac.target.load_record(record(FILES[2])?);
        sac.temperature = sac.temperature.load_record(record(FILES[3])?);
        let bytes = |name: &str| -> Result<burn::tensor::Bytes, AgentError> {
            let v = std::fs::read(dir.join(format!("{name}.bin"))).map_err(|e| io(&e))?;
            Ok(burn::tensor::Bytes::from_bytes_vec(v))
        };
        sac.actor_opt = sac
            .actor_opt
            .from_bytes(bytes("actor_opt")?)
            .map_err(|e| io(&e))?;
        sac.critic_opt = sac
            .critic_opt
            .from_bytes(bytes("critic_opt")?)
            .map_err(|e| io(&e))?;
        sac.alpha_opt = sac
            .alpha_opt
            .from_bytes(bytes("alpha_opt")?)
            .map_err(|e| io(&e))?;
        Ok(sac)
    }
}
