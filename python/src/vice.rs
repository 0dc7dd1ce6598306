//! Reward from examples for Python: `byfeel.agents.Vice` (in `byfeel/agents.py`) wraps this.
//! Training releases the GIL, and takes it back only to ask a Python labeller.

use std::path::PathBuf;

use byfeel_agents::AgentError;
use byfeel_agents::vice::labels::OracleLabeller;
use byfeel_agents::vice::{
    Classifier, FnLabeller, Labeller, ViceConfig, load_examples, load_vice, read_judge, train_vice,
};
use numpy::{PyArray3, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::agents::agent_error;

const SIDE: usize = byfeel_agents::vice::classifier::IMAGE_SIDE;

#[pyclass(name = "Vice", module = "byfeel._native", unsendable)]
pub struct PyVice {
    config: ViceConfig,
    classifier: Classifier,
}

#[pymethods]
impl PyVice {
    /// The default settings (the reference's) as JSON.
    #[staticmethod]
    fn default_config() -> String {
        serde_json::to_string(&ViceConfig::default()).expect("a config serialises")
    }

    /// Trains (or resumes) the run `out` from the pictures in `examples` with `config` (JSON);
    /// `labeller`: None, "oracle" (the simulator's truth, by the folder's `examples.toml`), or a
    /// callable taking a uint8 (48, 48, 3) picture and returning True for success. Returns the
    /// epochs' logs as JSON lines.
    #[staticmethod]
    #[pyo3(signature = (out, examples, config, labeller = None))]
    fn train(
        py: Python<'_>,
        out: PathBuf,
        examples: PathBuf,
        config: &str,
        labeller: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Vec<String>> {
        let config: ViceConfig = serde_json::from_str(config)
            .map_err(|e| PyValueError::new_err(format!("VICE configuration: {e}")))?;
        let positives = load_examples(&examples).map_err(agent_error)?;
        let judge = read_judge(&examples).map_err(agent_error)?;
        let oracle_asked = labeller
            .as_ref()
            .is_some_and(|l| l.extract::<String>().is_ok_and(|s| s == "oracle"));
        let callable: Option<Py<PyAny>> = match &labeller {
            Some(l) if !oracle_asked => {
                if !l.is_callable() {
                    return Err(PyValueError::new_err(
                        "labeller must be None, \"oracle\" or a callable(image) -> bool",
                    ));
                }
                Some(l.clone().unbind())
            }
            _ => None,
        };
        let mut oracle = match (oracle_asked, judge) {
            (true, Some(j)) => Some(OracleLabeller::new(move |t: &byfeel_gym::OracleState| {
                j.holds(t)
            })),
            (true, None) => {
                return Err(PyValueError::new_err(
                    "the oracle labeller answers from what the pictures show, and this folder \
                     does not say (no examples.toml; byfeel examples writes one)",
                ));
            }
            _ => None,
        };
        let mut person = callable.map(|f| {
            FnLabeller::new("a Python callable", move |image: &[u8]| {
                Python::attach(|py| {
                    let picture = PyArray3::from_vec3(
                        py,
                        &image
                            .chunks(SIDE * 3)
                            .map(|row| row.chunks(3).map(|p| p.to_vec()).collect())
                            .collect::<Vec<Vec<Vec<u8>>>>(),
                    )
                    .map_err(|e| AgentError::Config(e.to_string()))?;
                    f.call1(py, (picture,))
                        .and_then(|answer| answer.extract::<bool>(py))
                        .map_err(|e| AgentError::Config(format!("the labeller failed: {e}")))
                })
            })
        });
        let labeller: Option<&mut (dyn Labeller + Send)> = match (oracle.as_mut(), person.as_mut())
        {
            (Some(o), _) => Some(o),
            (_, Some(p)) => Some(p),
            _ => None,
        };
        let mut logs = Vec::new();
        py.detach(|| {
            let labeller = labeller.map(|l| l as &mut dyn Labeller);
            train_vice(&config, positives, &out, judge, labeller, |e| {
                logs.push(serde_json::to_string(e).unwrap_or_default());
            })
        })
        .map_err(agent_error)?;
        Ok(logs)
    }

    /// The task the pictures in `examples` show, by their folder's `examples.toml` (None
    /// without one).
    #[staticmethod]
    fn examples_task(examples: PathBuf) -> PyResult<Option<String>> {
        let judge = read_judge(&examples).map_err(agent_error)?;
        Ok(judge.map(|j| j.task().name().to_string()))
    }

    /// Writes `count` pictures of success from the simulator into `out` (as `byfeel examples`):
    /// `task` "door-open" (the door at `angle` ± `tolerance`) or "cup-push" (the cup within
    /// `radius` of `cup`).
    #[staticmethod]
    #[pyo3(signature = (out, task, angle = 0.6, tolerance = 0.05, cup = (0.62, 0.0), radius = 0.02, count = 20, size = 48, seed = 0))]
    #[allow(clippy::too_many_arguments)]
    fn make_examples(
        out: PathBuf,
        task: &str,
        angle: f64,
        tolerance: f64,
        cup: (f64, f64),
        radius: f64,
        count: usize,
        size: u32,
        seed: u64,
    ) -> PyResult<()> {
        let success = match byfeel_gym::Task::from_name(task) {
            Some(byfeel_gym::Task::DoorOpen) => byfeel_gym::Success::DoorAngle { angle, tolerance },
            Some(byfeel_gym::Task::CupPush) => byfeel_gym::Success::CupAt {
                x: cup.0,
                y: cup.1,
                radius,
            },
            _ => {
                return Err(PyValueError::new_err(format!(
                    "task {task:?}: examples are made for door-open and cup-push"
                )));
            }
        };
        if count == 0 || !(1..=1024).contains(&size) {
            return Err(PyValueError::new_err(
                "count must be at least 1 and size 1 to 1024",
            ));
        }
        let pictures = byfeel_gym::success_pictures(&success, count, size, seed)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        byfeel_agents::vice::save_examples(&out, &pictures, size).map_err(agent_error)?;
        byfeel_agents::vice::write_judge(&out, &success).map_err(agent_error)
    }

    /// A run's settings and its latest classifier.
    #[staticmethod]
    fn load(run: PathBuf) -> PyResult<Self> {
        let (config, classifier) = load_vice(&run).map_err(agent_error)?;
        Ok(Self { config, classifier })
    }

    /// Runs the policy of `run` for `episodes` episodes from fresh scenes and writes
    /// `RUN/eval/` (as `byfeel eval`); returns `(path of report.md, JSON of the result)`.
    #[staticmethod]
    #[pyo3(signature = (run, episodes = 20, seed = 1_000_000))]
    fn evaluate(
        py: Python<'_>,
        run: PathBuf,
        episodes: usize,
        seed: u64,
    ) -> PyResult<(PathBuf, String)> {
        if episodes == 0 {
            return Err(PyValueError::new_err("episodes must be at least 1"));
        }
        let (md, result) = py
            .detach(|| byfeel_agents::vice::evaluate_vice_run(&run, episodes, seed))
            .map_err(agent_error)?;
        Ok((md, serde_json::to_string(&result).expect("a result serialises")))
    }

    /// The classifier's logit for a uint8 (48, 48, 3) picture: the reward there.
    fn reward(&self, image: PyReadonlyArrayDyn<'_, u8>) -> PyResult<f32> {
        if image.shape() != [SIDE, SIDE, 3] {
            return Err(PyValueError::new_err(format!(
                "image must be uint8 of shape ({SIDE}, {SIDE}, 3), got {:?}",
                image.shape()
            )));
        }
        let bytes = image
            .as_slice()
            .map_err(|_| PyValueError::new_err("image must be C-contiguous"))?;
        let device = byfeel_agents::default_device();
        let x = byfeel_agents::skewfit::train::images_to_tensor(&[bytes], &device);
        Ok(self.classifier.forward(x).into_scalar())
    }

    #[getter]
    fn config(&self) -> String {
        serde_json::to_string(&self.config).expect("a config serialises")
    }
}
