//! The fleet's learner: Skew-Fit's learning half on the robots' stores.
//!
//! Each robot appends whole episodes to its own store; [`FleetLearner::ingest`] adds every
//! episode committed since the last call to one replay (the episode's goal picture as a goal
//! frame, its camera frames and actions), and [`FleetLearner::epoch`] runs the same learning
//! round as a one-robot run after each epoch of exploration. The checkpoint holds the networks,
//! their optimizers and how many episodes of each store were learned from; the replay is not
//! saved, since the stores hold it: a resumed learner reads them again.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::optim::{AdamConfig, ModuleOptimizer};
use burn::prelude::*;
use byfeel_gym::store::{Column, StoreReader};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::PolicyBundle;
use crate::metrics::MetricsLog;
use crate::sac::Sac;
use crate::skewfit::checkpoint;
use crate::skewfit::coverage::{ANGLE_BINS, angle_bin, coverage};
use crate::skewfit::replay::Replay;
use crate::skewfit::train::{EpochLog, METRICS, Learned, learn, metric_values};
use crate::skewfit::vae::IMAGE_SIDE;
use crate::skewfit::{SkewFitConfig, Vae};
use crate::{AgentError, io_error as io, run_dir};

/// The learner's counters, kept in its checkpoint.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct LearnerState {
    /// The next epoch to run.
    epoch: usize,
    /// Environment steps the epochs so far stand for: `steps_per_epoch` each, as in a
    /// one-robot run (the last one fewer).
    learned_steps: usize,
    /// Episodes of each store (in the order given) in the replay as of the checkpoint.
    ingested: Vec<u64>,
    /// Wall-clock seconds the learner has run so far.
    seconds: f64,
    /// Environment steps the checkpoint covers (what `byfeel` reports of a run).
    env_steps: usize,
}

/// What one [`FleetLearner::epoch`] did.
pub type FleetEpoch = EpochLog;

/// See the module docs.
pub struct FleetLearner {
    run: PathBuf,
    config: SkewFitConfig,
    stores: Vec<PathBuf>,
    readers: Vec<Option<StoreReader>>,
    ingested: Vec<u64>,
    replay: Replay,
    /// The robot (store) each frame came from.
    frame_robot: Vec<u32>,
    vae: Vae,
    vae_opt: ModuleOptimizer,
    sac: Sac,
    state: LearnerState,
    angles: Vec<usize>,
    max_angle: f64,
    metrics: MetricsLog,
    start: Instant,
    eval_door: u64,
}

impl FleetLearner {
    /// The learner writing to `run`, reading robot K's experience from `stores[K]`; resumes
    /// from `run`'s checkpoint if it has one (the same settings and stores; only `env_steps`
    /// may change). Per-epoch evaluations (`config.eval_goals`) run on `eval_door`.
    pub fn open(
        run: &Path,
        config: &SkewFitConfig,
        stores: &[PathBuf],
        eval_door: u64,
    ) -> Result<Self, AgentError> {
        config.check().map_err(AgentError::Config)?;
        if stores.is_empty() {
            return Err(AgentError::Config("a fleet learner needs at least one store".into()));
        }
        std::fs::create_dir_all(run).map_err(|e| io(run, e))?;
        run_dir::refuse_other_settings(run, "skewfit.json", config, |old: SkewFitConfig| {
            SkewFitConfig { env_steps: config.env_steps, ..old }
        })?;
        crate::skewfit::scene::record_or_check_scene(run, true)?;
        let json = serde_json::to_string_pretty(config).unwrap();
        crate::write_replacing(run, "skewfit.json", json.as_bytes())?;

        let device = crate::default_device().autodiff();
        device.seed(config.seed);
        let latent = config.vae.latent;
        let replay = Replay::new(IMAGE_SIDE * IMAGE_SIDE * 3, 3, latent);
        let (state, vae, vae_opt, sac) = match run_dir::open_checkpoint::<LearnerState>(run)? {
            Some((dir, state)) => {
                if state.ingested.len() != stores.len() {
                    return Err(AgentError::Config(format!(
                        "{} learned from {} stores; {} given: resume it with the same robots",
                        run.display(),
                        state.ingested.len(),
                        stores.len()
                    )));
                }
                let (vae, vae_opt, sac) = checkpoint::load_networks(&dir, config, &device)?;
                (state, vae, vae_opt, sac)
            }
            None => {
                let state = LearnerState { ingested: vec![0; stores.len()], ..Default::default() };
                let sac = Sac::new(config.sac.clone(), 2 * latent, 3, &device);
                (state, config.vae.init(&device), AdamConfig::new().init(), sac)
            }
        };
        let metrics = MetricsLog::open(run, state.epoch, METRICS)?;
        let start = Instant::now() - std::time::Duration::from_secs_f64(state.seconds);
        let mut learner = Self {
            run: run.to_path_buf(),
            config: config.clone(),
            stores: stores.to_vec(),
            readers: stores.iter().map(|_| None).collect(),
            ingested: vec![0; stores.len()],
            replay,
            frame_robot: Vec::new(),
            vae,
            vae_opt,
            sac,
            state,
            angles: vec![0; ANGLE_BINS],
            max_angle: 0.0,
            metrics,
            start,
            eval_door,
        };
        // The replay the checkpoint learned from, read back from the stores.
        let upto = learner.state.ingested.clone();
        learner.ingest_upto(Some(&upto))?;
        Ok(learner)
    }

    /// Adds every episode the stores committed since the last call; returns the actions added.
    /// A store not created yet is skipped until it is.
    pub fn ingest(&mut self) -> Result<usize, AgentError> {
        self.ingest_upto(None)
    }

    fn ingest_upto(&mut self, upto: Option<&[u64]>) -> Result<usize, AgentError> {
        let before = self.replay.num_steps();
        for k in 0..self.stores.len() {
            if self.readers[k].is_none() {
                if !self.stores[k].exists() {
                    continue;
                }
                // A robot may be creating its store right now; one the checkpoint learned from
                // must be there.
                let learned_from = upto.is_some_and(|u| u[k] > 0);
                match StoreReader::open(&self.stores[k]) {
                    Ok(r) => self.readers[k] = Some(r),
                    Err(_) if !learned_from => continue,
                    Err(e) => return Err(AgentError::Io(e.to_string())),
                }
            }
            let mut reader = self.readers[k].take().expect("opened above");
            reader.refresh().map_err(|e| AgentError::Io(e.to_string()))?;
            let end = upto.map_or(reader.num_episodes(), |u| u[k].min(reader.num_episodes()));
            if let Some(u) = upto {
                if reader.num_episodes() < u[k] {
                    return Err(AgentError::Io(format!(
                        "{} holds {} episodes; the learner's checkpoint learned from {}",
                        self.stores[k].display(),
                        reader.num_episodes(),
                        u[k]
                    )));
                }
            }
            let added = (self.ingested[k]..end).try_for_each(|e| {
                let fields = reader.episode(e).map_err(|e| AgentError::Io(e.to_string()))?;
                self.add_episode(k as u32, &fields).map_err(|why| {
                    AgentError::Io(format!("{} episode {e}: {why}", self.stores[k].display()))
                })?;
                self.ingested[k] = e + 1;
                Ok::<(), AgentError>(())
            });
            self.readers[k] = Some(reader);
            added?;
        }
        Ok(self.replay.num_steps() - before)
    }

    /// One stored episode into the replay: its goal picture (a goal frame only), then its
    /// frames and actions.
    fn add_episode(&mut self, robot: u32, fields: &[(String, Column)]) -> Result<(), String> {
        let field = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, c)| c);
        let (Some(Column::U8(camera)), Some(Column::F32(actions)), Some(Column::U8(goal))) =
            (field("camera"), field("action"), field("goal_image"))
        else {
            return Err("it lacks the camera, action or goal_image a door store holds".into());
        };
        let image_len = self.replay.image_len;
        if camera.len() % image_len != 0 || goal.len() != image_len {
            return Err(format!("its images are not {IMAGE_SIDE} × {IMAGE_SIDE} RGB"));
        }
        let frames = camera.len() / image_len;
        if frames < 2 || actions.len() != frames * 3 {
            return Err(format!("{frames} frames and {} action numbers", actions.len()));
        }
        let goal = self.replay.push_frame(goal, true);
        let first = self.replay.push_frame(&camera[..image_len], false);
        self.replay.begin_episode(first, goal);
        for t in 0..frames - 1 {
            let next = &camera[(t + 1) * image_len..(t + 2) * image_len];
            self.replay.push_step(&actions[t * 3..t * 3 + 3], next);
        }
        self.frame_robot.resize(self.replay.num_frames(), robot);
        if let Some(Column::F32(oracle)) = field("oracle") {
            // The door's angle (the oracle's third column) for the coverage logs only.
            let width = oracle.len() / frames;
            for row in oracle.chunks(width).skip(1) {
                let angle = row.get(2).copied().unwrap_or(0.0) as f64;
                self.max_angle = self.max_angle.max(angle);
                self.angles[angle_bin(angle)] += 1;
            }
        }
        Ok(())
    }

    /// Actions in the replay.
    pub fn env_steps(&self) -> usize {
        self.replay.num_steps()
    }

    /// Actions in the replay that no epoch stands for yet (an epoch is due for every
    /// `steps_per_epoch` of them).
    pub fn unlearned_steps(&self) -> usize {
        self.env_steps() - self.state.learned_steps
    }

    /// Epochs done.
    pub fn epochs(&self) -> usize {
        self.state.epoch
    }

    /// Whether SAC has started learning (the replay is past warm-up and an epoch has run on
    /// it): only then is there a policy worth sending.
    pub fn warm(&self) -> bool {
        self.state.learned_steps >= self.config.warmup_steps && self.state.epoch > 0
    }

    /// One learning round on everything ingested (Skew-Fit's steps 2–4), standing for the next
    /// `steps_per_epoch` steps; then the logs, the latest networks (`vae.bpk`, `sac/`) and,
    /// every `checkpoint_every` epochs, a checkpoint.
    pub fn epoch(&mut self) -> Result<FleetEpoch, AgentError> {
        if self.replay.num_steps() == 0 {
            return Err(AgentError::Config("the stores hold no episodes yet to learn from".into()));
        }
        let epoch = self.state.epoch;
        let mut rng = run_dir::epoch_rng(self.config.seed, epoch);
        let warm = self.env_steps() >= self.config.warmup_steps;
        let vae = self.vae.clone();
        let learned: Learned;
        (self.vae, learned) = learn(
            &self.config, epoch, warm, vae, &mut self.vae_opt, &mut self.sac, &mut self.replay,
            &mut rng,
        )?;
        let eval = (self.config.eval_goals > 0 && warm)
            .then(|| {
                crate::skewfit::eval::evaluate_door(
                    &learned.inference,
                    &self.sac,
                    Some(self.eval_door),
                    (self.config.eval_goals, crate::skewfit::EVAL_SEED, 0),
                )
                .map(|r| r.0)
            })
            .transpose()?;
        let counts: Vec<f64> = self.angles.iter().map(|&n| n as f64).collect();
        let entry = EpochLog {
            epoch,
            env_steps: self.env_steps(),
            vae_reconstruction: learned.recon,
            vae_kl: learned.kl,
            sac: learned.stats,
            angle_coverage: coverage(&counts),
            max_angle: self.max_angle,
            angle_counts: self.angles.clone(),
            skew_evenness: learned.evenness,
            eval,
            seconds: self.start.elapsed().as_secs_f64(),
        };
        self.metrics.write(&entry, entry.env_steps, &metric_values(&entry))?;
        learned
            .inference
            .clone()
            .into_record()
            .save(self.run.join("vae.bpk"))
            .map_err(|e| io(&self.run, e))?;
        self.sac.save(&self.run.join("sac"))?;
        self.state.epoch += 1;
        // Each epoch stands for `steps_per_epoch` steps, however many came in meanwhile, so
        // that a run has the one-robot run's epochs (and updates) per step: when the robots
        // got ahead, the epochs owed follow at once.
        self.state.learned_steps =
            (self.state.learned_steps + self.config.steps_per_epoch).min(self.env_steps());
        self.state.seconds = entry.seconds;
        if self.state.epoch % self.config.checkpoint_every.max(1) == 0 {
            self.save_checkpoint()?;
        }
        Ok(entry)
    }

    /// Writes the checkpoint now (networks, optimizers, what was learned from).
    pub fn save_checkpoint(&mut self) -> Result<(), AgentError> {
        let tmp = run_dir::begin_checkpoint(&self.run)?;
        checkpoint::save_networks(&tmp, &self.vae, &self.vae_opt, &self.sac)?;
        self.state.ingested = self.ingested.clone();
        self.state.env_steps = self.env_steps();
        run_dir::commit_checkpoint(&self.run, &self.state)
    }

    /// The policy and `goals` goal pictures per robot, each of its own door's frames drawn by
    /// the skewed weights (uniformly before the skew starts); `None` before the learner is
    /// [`warm`](Self::warm).
    pub fn bundle(&self, goals: usize) -> Result<Option<PolicyBundle>, AgentError> {
        if !self.warm() {
            return Ok(None);
        }
        let mut rng = run_dir::epoch_rng(self.config.seed ^ 0xF1EE7, self.state.epoch);
        let states = self.replay.state_frames();
        let weights = self.replay.state_weights();
        let mut per_robot = Vec::with_capacity(self.stores.len());
        for k in 0..self.stores.len() as u32 {
            let mine: Vec<(usize, f64)> = states
                .iter()
                .enumerate()
                .filter(|&(_, &f)| self.frame_robot[f] == k)
                .map(|(p, &f)| (f, weights.and_then(|w| w.get(p)).copied().unwrap_or(1.0)))
                .collect();
            let total: f64 = mine.iter().map(|(_, w)| w).sum();
            let draw = |rng: &mut rand_chacha::ChaCha8Rng| {
                let mut x = rng.random::<f64>() * total;
                for &(f, w) in &mine {
                    if x < w {
                        return f;
                    }
                    x -= w;
                }
                mine.last().expect("a robot with frames").0
            };
            let pictures = match mine.is_empty() || total <= 0.0 {
                true => Vec::new(),
                false => (0..goals).map(|_| self.replay.frame(draw(&mut rng)).to_vec()).collect(),
            };
            per_robot.push(pictures);
        }
        let inference = self.vae.valid();
        let bundle = PolicyBundle::new(self.state.epoch as u64, &self.config, &inference, &self.sac, per_robot)?;
        Ok(Some(bundle))
    }
}
