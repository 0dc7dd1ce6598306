//! The Skew-Fit agent for Python: `byfeel.agents.SkewFit` (in `byfeel/agents.py`) wraps this.
//! Training and evaluation release the GIL.

use std::path::PathBuf;

use byfeel_agents::sac::Sac;
use byfeel_agents::skewfit::{self, SkewFitConfig, Vae};
use numpy::{PyArray1, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;

use crate::agents::agent_error;

const SIDE: usize = skewfit::vae::IMAGE_SIDE;

#[pyclass(name = "SkewFit", module = "byfeel._native", unsendable)]
pub struct PySkewFit {
    config: SkewFitConfig,
    vae: Vae,
    sac: Sac,
}

fn door_image(a: &PyReadonlyArrayDyn<'_, u8>, what: &str) -> PyResult<Vec<u8>> {
    if a.shape() != [SIDE, SIDE, 3] {
        return Err(PyValueError::new_err(format!(
            "{what} must be uint8 of shape ({SIDE}, {SIDE}, 3), got {:?}",
            a.shape()
        )));
    }
    Ok(a.as_slice()
        .map_err(|_| PyValueError::new_err(format!("{what} must be C-contiguous")))?
        .to_vec())
}

#[pymethods]
impl PySkewFit {
    /// The default configuration (the paper's door settings) as JSON.
    #[staticmethod]
    fn default_config() -> String {
        serde_json::to_string(&SkewFitConfig::default()).expect("a config serialises")
    }

    /// Trains (or resumes) the run `out` with the configuration `config` (JSON); returns the
    /// epochs' logs as JSON lines. `robot`: explore with the arm of a robot server
    /// (`"HOST:PORT"`) instead of a simulator in this process.
    #[staticmethod]
    #[pyo3(signature = (out, config, progress = true, robot = None))]
    fn train(
        py: Python<'_>,
        out: PathBuf,
        config: &str,
        progress: bool,
        robot: Option<String>,
    ) -> PyResult<Vec<String>> {
        let config: SkewFitConfig = serde_json::from_str(config)
            .map_err(|e| PyValueError::new_err(format!("Skew-Fit configuration: {e}")))?;
        let bar = if progress {
            indicatif::ProgressBar::new(config.env_steps as u64)
        } else {
            indicatif::ProgressBar::hidden()
        };
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {bar:30} {pos}/{len} env steps · {msg} (eta {eta})",
            )
            .expect("a valid template"),
        );
        let mut logs = Vec::new();
        py.detach(|| {
            skewfit::train_on(&config, &out, robot.as_deref(), |e| {
                bar.set_position(e.env_steps as u64);
                bar.set_message(format!(
                    "epoch {} · coverage {:.2}",
                    e.epoch, e.angle_coverage
                ));
                logs.push(serde_json::to_string(e).unwrap_or_default());
            })
        })
        .map_err(agent_error)?;
        bar.finish_and_clear();
        Ok(logs)
    }

    #[staticmethod]
    fn load(run: PathBuf) -> PyResult<Self> {
        let (config, vae, sac) = skewfit::load(&run).map_err(agent_error)?;
        Ok(Self { config, vae, sac })
    }

    /// The action toward `goal` from `image` (each uint8 (48, 48, 3)): float32 (3,). With
    /// `explore_seed`, an action drawn from the policy instead of its mean.
    #[pyo3(signature = (image, goal, explore_seed = None))]
    fn act<'py>(
        &self,
        py: Python<'py>,
        image: PyReadonlyArrayDyn<'py, u8>,
        goal: PyReadonlyArrayDyn<'py, u8>,
        explore_seed: Option<u64>,
    ) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let (image, goal) = (door_image(&image, "image")?, door_image(&goal, "goal")?);
        let action = skewfit::act(&self.vae, &self.sac, &image, &goal, explore_seed);
        Ok(PyArray1::from_vec(py, action))
    }

    /// The policy toward `goals` goal images, each from a shut door: JSON of the mean final
    /// angle error (rad), hand distance (m) and success rate. With `report`, a directory, the
    /// same report `byfeel eval` writes goes there (`report.md`, `report.json`, `strips`
    /// strips).
    #[pyo3(signature = (goals = 10, seed = skewfit::EVAL_SEED, report = None, strips = 10))]
    fn evaluate(
        &self,
        py: Python<'_>,
        goals: usize,
        seed: u64,
        report: Option<PathBuf>,
        strips: usize,
    ) -> PyResult<String> {
        if goals == 0 {
            return Err(PyValueError::new_err("goals must be at least 1"));
        }
        let (vae, sac) = (&self.vae, &self.sac);
        let pictures = if report.is_some() { strips } else { 0 };
        let (result, strips) = py
            .detach(|| skewfit::evaluate(vae, sac, goals, seed, pictures))
            .map_err(agent_error)?;
        if let Some(dir) = report {
            std::fs::create_dir_all(&dir).map_err(|e| PyOSError::new_err(format!("{}: {e}", dir.display())))?;
            byfeel_agents::report::door(&dir, &dir, "goal images", seed, &result, &strips)
                .map_err(agent_error)?;
        }
        Ok(serde_json::to_string(&result).expect("a result serialises"))
    }

    #[getter]
    fn config(&self) -> String {
        serde_json::to_string(&self.config).expect("a config serialises")
    }
}
