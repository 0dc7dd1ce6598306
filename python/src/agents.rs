//! The predictive agent for Python: `byfeel.agents.Predictive` (in `byfeel/agents.py`) wraps
//! this. Training and planning release the GIL.

use std::path::PathBuf;

use byfeel_agents::predictor::{RunSpec, TrainConfig, store_task, train};
use byfeel_agents::world_model::{
    self, LatentAgent, WorldModelConfig, WorldModelSpec, WorldModelTrainConfig,
};
use byfeel_agents::memory::{self, MemoryAgent};
use byfeel_agents::{AgentError, Plan, PredictiveAgent};
use byfeel_gym::Task;
use byfeel_gym::store::StoreReader;
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

pub(crate) fn agent_error(e: AgentError) -> PyErr {
    match e {
        AgentError::Config(m) => PyValueError::new_err(m),
        AgentError::Io(m) => PyOSError::new_err(m),
        AgentError::Env(e @ (byfeel_gym::EnvError::BadAction(_) | byfeel_gym::EnvError::Setup(_))) => {
            PyValueError::new_err(e.to_string())
        }
        e => PyRuntimeError::new_err(e.to_string()),
    }
}

/// `shape`-checked uint8 images as byte slices, one per leading index.
fn images(a: &PyReadonlyArrayDyn<'_, u8>, image: &[usize], what: &str) -> PyResult<Vec<Vec<u8>>> {
    let shape = a.shape();
    if shape.len() != 4 || shape[1..] != *image {
        return Err(PyValueError::new_err(format!(
            "{what} must be uint8 of shape (K, {}, {}, 3), got {shape:?}",
            image[0], image[1]
        )));
    }
    let bytes = a.as_slice().map_err(|_| {
        PyValueError::new_err(format!(
            "{what} must be C-contiguous (np.ascontiguousarray)"
        ))
    })?;
    Ok(bytes
        .chunks_exact(image.iter().product())
        .map(<[u8]>::to_vec)
        .collect())
}

/// Either model's agent.
enum Agent {
    /// The latent world model, planned in its latent space.
    Latent(Box<LatentAgent>),
    /// The pixel-space frame predictor.
    Pixel(Box<PredictiveAgent>),
    /// A replay memory of rolls, searched.
    Memory(Box<MemoryAgent>),
}

#[pyclass(name = "Predictive", module = "byfeel._native", unsendable)]
pub struct PyPredictive {
    agent: Agent,
    task: Task,
}

impl PyPredictive {
    fn image(&self) -> [usize; 3] {
        match &self.agent {
            Agent::Latent(a) => [a.spec.model.height, a.spec.model.width, 3],
            Agent::Pixel(a) => [a.spec.model.height, a.spec.model.width, 3],
            Agent::Memory(a) => [a.spec.height, a.spec.width, 3],
        }
    }

    fn context_frames(&self) -> usize {
        match &self.agent {
            Agent::Latent(_) | Agent::Memory(_) => 1,
            Agent::Pixel(a) => a.context_len(),
        }
    }
}

/// The latent model's progress bar and training, for `Predictive.train(model="latent")`.
fn train_latent(
    py: Python<'_>,
    reader: &StoreReader,
    spec: &WorldModelSpec,
    out: &std::path::Path,
    progress: bool,
) -> PyResult<()> {
    let total = spec.train.ae_steps + spec.train.dynamics_steps;
    let bar = if progress {
        indicatif::ProgressBar::new(total as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {bar:30} {pos}/{len} steps · {msg} (eta {eta})",
        )
        .expect("a valid template"),
    );
    py.detach(|| {
        world_model::train(reader, spec, out, |p| {
            let done = match p.stage {
                world_model::Stage::Autoencoder => p.step,
                world_model::Stage::Dynamics => spec.train.ae_steps + p.step,
            };
            bar.set_position(done as u64);
            bar.set_message(format!("{:?} loss {:.5}", p.stage, p.train_loss));
        })
    })
    .map_err(agent_error)?;
    bar.finish_and_clear();
    Ok(())
}


#[pymethods]
impl PyPredictive {
    /// For a memory: the episode just begun has `steps` actions, and plans never run past its
    /// end (the other models plan their fixed horizon and ignore it).
    #[pyo3(signature = (steps = None))]
    fn begin_episode(&mut self, steps: Option<usize>) {
        if let Agent::Memory(a) = &mut self.agent {
            a.begin_episode(steps);
        }
    }

    #[staticmethod]
    #[pyo3(signature = (run, samples = 200, score_every = 1, seed = 0))]
    fn load(run: PathBuf, samples: usize, score_every: usize, seed: u64) -> PyResult<Self> {
        if score_every == 0 {
            return Err(PyValueError::new_err("score_every must be at least 1"));
        }
        if memory::is_memory_run(&run) {
            let agent = MemoryAgent::load(&run).map_err(agent_error)?;
            let task = agent.spec.task().map_err(agent_error)?;
            return Ok(Self {
                agent: Agent::Memory(Box::new(agent)),
                task,
            });
        }
        if run.join(world_model::SPEC_FILE).exists() {
            let agent = LatentAgent::load_for_task(&run, samples, seed).map_err(agent_error)?;
            let task = agent.spec.task().map_err(agent_error)?;
            return Ok(Self {
                agent: Agent::Latent(Box::new(agent)),
                task,
            });
        }
        let mut agent = PredictiveAgent::load_for_task(&run, samples, seed).map_err(agent_error)?;
        let task = agent.spec.task().map_err(agent_error)?;
        agent.score_every = score_every;
        Ok(Self {
            agent: Agent::Pixel(Box::new(agent)),
            task,
        })
    }

    #[staticmethod]
    #[pyo3(signature = (data, out, task = None, steps = 2000, batch = 16, horizon = None,
                        context = None, lr = 1e-3, seed = 0, progress = true, latent = 0,
                        model = "latent", ae_steps = None, dynamics_steps = None,
                        latent_size = None))]
    #[allow(clippy::too_many_arguments)]
    fn train(
        py: Python<'_>,
        data: PathBuf,
        out: PathBuf,
        task: Option<String>,
        steps: usize,
        batch: usize,
        horizon: Option<usize>,
        context: Option<usize>,
        lr: f64,
        seed: u64,
        progress: bool,
        latent: usize,
        model: &str,
        ae_steps: Option<usize>,
        dynamics_steps: Option<usize>,
        latent_size: Option<usize>,
    ) -> PyResult<(u64, f32, Option<f32>)> {
        let reader = StoreReader::open(&data).map_err(|e| PyOSError::new_err(e.to_string()))?;
        let task = match task {
            Some(name) => Task::from_name(&name).ok_or_else(|| {
                PyValueError::new_err(format!(
                    "task {name:?}: use die-roll, cup-push or door-open"
                ))
            })?,
            None => store_task(&reader).map_err(agent_error)?,
        };
        match model {
            "latent" => {
                let actions = world_model::store_actions(&reader).map_err(agent_error)?;
                let defaults = WorldModelTrainConfig::for_actions(task, actions);
                let config = WorldModelTrainConfig {
                    ae_steps: ae_steps.unwrap_or(defaults.ae_steps),
                    dynamics_steps: dynamics_steps.unwrap_or(defaults.dynamics_steps),
                    horizon: horizon.unwrap_or(defaults.horizon),
                    learning_rate: lr,
                    seed,
                    ..defaults
                };
                let shape = WorldModelConfig {
                    latent: latent_size.unwrap_or(WorldModelConfig::default().latent),
                    ..Default::default()
                };
                let spec = WorldModelSpec::for_task(task, &data, &reader, shape, config)
                    .map_err(agent_error)?;
                train_latent(py, &reader, &spec, &out, progress)?;
                return Ok((
                    (spec.train.ae_steps + spec.train.dynamics_steps) as u64,
                    0.0,
                    None,
                ));
            }
            "memory" => {
                let settings = (memory::MemoryConfig::default(), memory::SearchConfig::default());
                let (spec, _) = py
                    .detach(|| memory::build(&reader, task, &data, &out, settings, |_| {}))
                    .map_err(agent_error)?;
                return Ok((spec.transitions as u64, 0.0, None));
            }
            "pixel" => {}
            other => {
                return Err(PyValueError::new_err(format!(
                    "model {other:?}: use \"latent\" (the latent world model), \"memory\" (die rolls, searched) or \"pixel\""
                )));
            }
        }
        let config = TrainConfig {
            steps,
            batch,
            horizon: horizon.unwrap_or(TrainConfig::default().horizon),
            learning_rate: lr,
            seed,
            ..Default::default()
        };
        let mut spec =
            RunSpec::for_task(task, &data, &reader, context, config).map_err(agent_error)?;
        spec.model.latent = latent;
        let bar = if progress {
            indicatif::ProgressBar::new(steps as u64)
        } else {
            indicatif::ProgressBar::hidden()
        };
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {bar:30} {pos}/{len} steps · {msg} (eta {eta})",
            )
            .expect("a valid template"),
        );
        let mut valid = None;
        let done = py
            .detach(|| {
                train(&reader, &spec, &out, |p| {
                    valid = p.valid_loss.or(valid);
                    bar.set_position(p.step as u64);
                    bar.set_message(format!("loss {:.5}", p.train_loss));
                })
            })
            .map_err(agent_error)?;
        bar.finish_and_clear();
        Ok((done.step as u64, done.train_loss, valid))
    }

    /// The best action sequence toward `goal`, shape (horizon, action_dim); its first row is
    /// the action to take now.
    fn plan<'py>(
        &mut self,
        py: Python<'py>,
        context: PyReadonlyArrayDyn<'py, u8>,
        goal: PyReadonlyArrayDyn<'py, u8>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let image = self.image();
        let context = images(&context, &image, "context")?;
        if goal.shape() != image {
            return Err(PyValueError::new_err(format!(
                "goal must be uint8 of shape {image:?}, got {:?}",
                goal.shape()
            )));
        }
        let goal = goal
            .as_slice()
            .map_err(|_| PyValueError::new_err("goal must be C-contiguous"))?
            .to_vec();
        if context.len() != self.context_frames() {
            return Err(PyValueError::new_err(format!(
                "context: the model plans from {} frame(s), got {}",
                self.context_frames(),
                context.len()
            )));
        }
        let agent = &mut self.agent;
        let plan: Plan = py
            .detach(|| {
                let refs: Vec<&[u8]> = context.iter().map(Vec::as_slice).collect();
                match agent {
                    Agent::Latent(a) => a.plan(refs[0], &goal),
                    Agent::Pixel(a) => a.plan(&refs, &goal),
                    Agent::Memory(a) => a.act(refs[0], &goal).map(|p| Plan {
                        actions: p.action.to_vec(),
                        cost: p.cost,
                    }),
                }
            })
            .map_err(agent_error)?;
        let dim = self.action_dim();
        let rows = plan.actions.len() / dim;
        Ok(PyArray1::from_vec(py, plan.actions)
            .reshape([rows, dim])?
            .into_any())
    }

    /// The frames the model expects after `actions` (T, action_dim) from `context`:
    /// (T, H, W, 3).
    fn predict<'py>(
        &self,
        py: Python<'py>,
        context: PyReadonlyArrayDyn<'py, u8>,
        actions: PyReadonlyArrayDyn<'py, f32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let image = self.image();
        let context = images(&context, &image, "context")?;
        let shape = actions.shape().to_vec();
        let dim = self.action_dim();
        if shape.len() != 2 || shape[1] != dim || shape[0] == 0 {
            return Err(PyValueError::new_err(format!(
                "actions must be float32 of shape (T, {dim}), got {shape:?}"
            )));
        }
        let actions = actions.as_slice()?.to_vec();
        if context.len() != self.context_frames() {
            return Err(PyValueError::new_err(format!(
                "context: the model predicts from {} frame(s), got {}",
                self.context_frames(),
                context.len()
            )));
        }
        let agent = &self.agent;
        let frames = py
            .detach(|| {
                let refs: Vec<&[u8]> = context.iter().map(Vec::as_slice).collect();
                match agent {
                    Agent::Latent(a) => a.predict(refs[0], &actions),
                    Agent::Pixel(a) => a.predict(&refs, &actions),
                    Agent::Memory(a) => a.predict(refs[0], &actions),
                }
            })
            .map_err(agent_error)?;
        let t = frames.len();
        let flat: Vec<u8> = frames.concat();
        Ok(PyArray1::from_vec(py, flat)
            .reshape([t, image[0], image[1], image[2]])?
            .into_any())
    }

    #[getter]
    fn context_len(&self) -> usize {
        self.context_frames()
    }

    /// Numbers in one action: 3 (the hand's Δxyz), or 2 for a die model of roll actions (make
    /// its env with `actions="roll"`).
    #[getter]
    fn action_dim(&self) -> usize {
        match &self.agent {
            Agent::Latent(a) => a.cem().action_dim,
            Agent::Pixel(_) => 3,
            Agent::Memory(_) => 2,
        }
    }

    /// What one action does: "hand" or "roll".
    #[getter]
    fn actions(&self) -> String {
        match &self.agent {
            Agent::Latent(a) => a.spec.actions.clone(),
            Agent::Pixel(_) => "hand".into(),
            Agent::Memory(a) => a.spec.actions.clone(),
        }
    }

    #[getter]
    fn image_shape(&self) -> (usize, usize, usize) {
        let [h, w, c] = self.image();
        (h, w, c)
    }

    #[getter]
    fn task(&self) -> &'static str {
        self.task.name()
    }
}

/// Evaluates a predictive run as `byfeel eval` does (the agent and its baselines on the same
/// goals) and writes the same report; returns `(path of report.md, JSON of every controller's
/// report)`.
#[pyfunction]
#[pyo3(signature = (run, episodes = 50, seed = 1_000_000, samples = 200, score_every = 1,
                    strips = 10, held_out = 128, goal_rolls = 1, controllers = None,
                    robot = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn evaluate_run(
    py: Python<'_>,
    run: PathBuf,
    episodes: usize,
    seed: u64,
    samples: usize,
    score_every: usize,
    strips: usize,
    held_out: usize,
    goal_rolls: u8,
    controllers: Option<Vec<String>>,
    robot: Option<String>,
) -> PyResult<(PathBuf, String)> {
    use byfeel_agents::eval_run::{self, RunEval};
    if !(1..=2).contains(&goal_rolls) {
        return Err(PyValueError::new_err("goal_rolls: a DieRoll goal is 1 or 2 rolls away"));
    }
    let opts = RunEval {
        episodes,
        seed,
        samples,
        score_every,
        strips,
        held_out,
        goal_rolls,
        controllers,
        robot,
    };
    let (md, reports) = py
        .detach(|| eval_run::evaluate_run(&run, &opts, |_| {}))
        .map_err(agent_error)?;
    Ok((md, serde_json::to_string(&reports).expect("reports serialise")))
}

/// Evaluates a door policy run (Skew-Fit or HER) as `byfeel eval` does and writes the same
/// report; returns `(path of report.md, JSON of the result)`.
#[pyfunction]
#[pyo3(signature = (run, goals = 50, seed = 1_000_000, strips = 10, robot = None, door = None))]
pub(crate) fn evaluate_door_run(
    py: Python<'_>,
    run: PathBuf,
    goals: usize,
    seed: u64,
    strips: usize,
    robot: Option<String>,
    door: Option<u64>,
) -> PyResult<(PathBuf, String)> {
    let robot = robot.as_deref();
    let (md, result) = py
        .detach(|| byfeel_agents::eval_run::evaluate_door_run(&run, goals, seed, strips, robot, door))
        .map_err(agent_error)?;
    Ok((md, serde_json::to_string(&result).expect("a result serialises")))
}
