//! The predictive agent for Python: `byfeel.agents.Predictive` (in `byfeel/agents.py`) wraps
//! this. Training and planning release the GIL.

use std::path::PathBuf;

use byfeel_agents::predictor::{RunSpec, TrainConfig, store_task, train};
use byfeel_agents::{AgentError, PredictiveAgent};
use byfeel_gym::Task;
use byfeel_gym::store::StoreReader;
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

pub(crate) fn agent_error(e: AgentError) -> PyErr {
    match e {
        AgentError::Config(m) => PyValueError::new_err(m),
        AgentError::Io(m) => PyOSError::new_err(m),
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

#[pyclass(name = "Predictive", module = "byfeel._native", unsendable)]
pub struct PyPredictive {
    agent: PredictiveAgent,
    task: Task,
}

impl PyPredictive {
    fn image(&self) -> [usize; 3] {
        [self.agent.spec.model.height, self.agent.spec.model.width, 3]
    }
}

#[pymethods]
impl PyPredictive {
    #[staticmethod]
    #[pyo3(signature = (run, samples = 200, score_every = 1, seed = 0))]
    fn load(run: PathBuf, samples: usize, score_every: usize, seed: u64) -> PyResult<Self> {
        if score_every == 0 {
            return Err(PyValueError::new_err("score_every must be at least 1"));
        }
        let mut agent = PredictiveAgent::load_for_task(&run, samples, seed).map_err(agent_error)?;
        let task = agent.spec.task().map_err(agent_error)?;
        agent.score_every = score_every;
        Ok(Self { agent, task })
    }

    #[staticmethod]
    #[pyo3(signature = (data, out, task = None, steps = 2000, batch = 16, horizon = 15,
                        context = None, lr = 1e-3, seed = 0, progress = true, latent = 0))]
    #[allow(clippy::too_many_arguments)]
    fn train(
        py: Python<'_>,
        data: PathBuf,
        out: PathBuf,
        task: Option<String>,
        steps: usize,
        batch: usize,
        horizon: usize,
        context: Option<usize>,
        lr: f64,
        seed: u64,
        progress: bool,
        latent: usize,
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
        let config = TrainConfig {
            steps,
            batch,
            horizon,
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

    /// The best action sequence toward `goal`, shape (horizon, 3); its first row is the action
    /// to take now.
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
        let agent = &mut self.agent;
        let plan = py
            .detach(|| {
                let refs: Vec<&[u8]> = context.iter().map(Vec::as_slice).collect();
                agent.plan(&refs, &goal)
            })
            .map_err(agent_error)?;
        let rows = plan.actions.len() / 3;
        Ok(PyArray1::from_vec(py, plan.actions)
            .reshape([rows, 3])?
            .into_any())
    }

    /// The frames the model expects after `actions` (T, 3) from `context`: (T, H, W, 3).
    fn predict<'py>(
        &self,
        py: Python<'py>,
        context: PyReadonlyArrayDyn<'py, u8>,
        actions: PyReadonlyArrayDyn<'py, f32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let image = self.image();
        let context = images(&context, &image, "context")?;
        let shape = actions.shape().to_vec();
        if shape.len() != 2 || shape[1] != 3 || shape[0] == 0 {
            return Err(PyValueError::new_err(format!(
                "actions must be float32 of shape (T, 3), got {shape:?}"
            )));
        }
        let actions = actions.as_slice()?.to_vec();
        let agent = &self.agent;
        let frames = py
            .detach(|| {
                let refs: Vec<&[u8]> = context.iter().map(Vec::as_slice).collect();
                agent.predict(&refs, &actions)
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
        self.agent.context_len()
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
