//! A fleet's two halves for Python (`byfeel.fleet` drives them on Ray): `Practice`, one robot
//! practising on its door with the latest policy and appending to its store, and
//! `FleetLearner`, Skew-Fit learning from every robot's store. Both release the GIL while they
//! work.

use std::path::PathBuf;

use byfeel_agents::skewfit::SkewFitConfig;
use byfeel_agents::skewfit::fleet::{FleetLearner, SkewFitExplorer};
use byfeel_gym::collect::{CollectError, Practice, PracticeConfig};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::agents::agent_error;

fn collect_error(e: CollectError) -> PyErr {
    match e {
        CollectError::Store(s) => crate::store::store_error(s),
        CollectError::Config(m) => PyValueError::new_err(m),
        e => PyRuntimeError::new_err(e.to_string()),
    }
}

/// One robot on door `door` of the family, appending to the store `store`; kept open between
/// calls (scene, renderer and store set up once).
#[pyclass(name = "Practice", module = "byfeel._native", unsendable)]
pub struct PyPractice {
    practice: Practice,
    explorer: SkewFitExplorer,
}

#[pymethods]
impl PyPractice {
    #[new]
    #[pyo3(signature = (door, robot, store, seed = 0, width = 48, height = 48))]
    fn new(
        py: Python<'_>,
        door: u64,
        robot: u64,
        store: PathBuf,
        seed: u64,
        width: u32,
        height: u32,
    ) -> PyResult<Self> {
        let mut config = PracticeConfig::new(door, robot, store);
        config.seed = seed;
        config.image_size = (width, height);
        let practice = py.detach(|| Practice::open(&config)).map_err(collect_error)?;
        Ok(Self { practice, explorer: SkewFitExplorer::new(robot as usize) })
    }

    /// Plays `episodes` episodes and commits each; with `bundle` (bytes from
    /// `FleetLearner.bundle`), acts with its policy toward its goals from now on (a bundle no
    /// newer than the one held is ignored). Returns what was added and the policy's version.
    #[pyo3(signature = (episodes, bundle = None))]
    fn run<'py>(
        &mut self,
        py: Python<'py>,
        episodes: usize,
        bundle: Option<&[u8]>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let (practice, explorer) = (&mut self.practice, &mut self.explorer);
        let report = py
            .detach(|| -> PyResult<_> {
                if let Some(b) = bundle {
                    explorer.load(b).map_err(agent_error)?;
                }
                practice.run(episodes, explorer).map_err(collect_error)
            })?;
        let out = PyDict::new(py);
        out.set_item("episodes", report.episodes)?;
        out.set_item("steps", report.steps)?;
        out.set_item("actions", report.actions)?;
        out.set_item("version", self.explorer.version())?;
        Ok(out)
    }

    /// Committed episodes in the robot's store.
    #[getter]
    fn num_episodes(&self) -> u64 {
        self.practice.num_episodes()
    }

    /// Committed steps in the robot's store.
    #[getter]
    fn num_steps(&self) -> u64 {
        self.practice.num_steps()
    }

    /// The version of the policy it acts with (`None`: random, before the first bundle).
    #[getter]
    fn version(&self) -> Option<u64> {
        self.explorer.version()
    }
}

/// Skew-Fit learning from every robot's store into the run `run`.
#[pyclass(name = "FleetLearner", module = "byfeel._native", unsendable)]
pub struct PyFleetLearner {
    learner: FleetLearner,
}

#[pymethods]
impl PyFleetLearner {
    /// `config`: Skew-Fit's settings as JSON (`SkewFit.default_config()`'s schema); robot K's
    /// store is `stores[K]`; per-epoch evaluations run on door `eval_door`.
    #[new]
    #[pyo3(signature = (run, config, stores, eval_door = 0))]
    fn new(
        py: Python<'_>,
        run: PathBuf,
        config: &str,
        stores: Vec<PathBuf>,
        eval_door: u64,
    ) -> PyResult<Self> {
        let config: SkewFitConfig = serde_json::from_str(config)
            .map_err(|e| PyValueError::new_err(format!("Skew-Fit configuration: {e}")))?;
        let learner = py
            .detach(|| FleetLearner::open(&run, &config, &stores, eval_door))
            .map_err(agent_error)?;
        Ok(Self { learner })
    }

    /// Reads the episodes committed since the last call; returns the actions added.
    fn ingest(&mut self, py: Python<'_>) -> PyResult<usize> {
        let learner = &mut self.learner;
        py.detach(|| learner.ingest()).map_err(agent_error)
    }

    /// One learning round on everything ingested; returns the epoch's log as JSON.
    fn epoch(&mut self, py: Python<'_>) -> PyResult<String> {
        let learner = &mut self.learner;
        let entry = py.detach(|| learner.epoch()).map_err(agent_error)?;
        Ok(serde_json::to_string(&entry).expect("a log serialises"))
    }

    /// The policy and `goals` goal pictures per robot, as bytes for `Practice.run`; `None`
    /// before warm-up is over.
    #[pyo3(signature = (goals = 32))]
    fn bundle<'py>(&self, py: Python<'py>, goals: usize) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let learner = &self.learner;
        let bundle = py.detach(|| learner.bundle(goals)).map_err(agent_error)?;
        Ok(bundle.map(|b| PyBytes::new(py, &b.to_bytes())))
    }

    /// Writes the checkpoint now.
    fn save_checkpoint(&mut self, py: Python<'_>) -> PyResult<()> {
        let learner = &mut self.learner;
        py.detach(|| learner.save_checkpoint()).map_err(agent_error)
    }

    /// Actions ingested.
    #[getter]
    fn env_steps(&self) -> usize {
        self.learner.env_steps()
    }

    /// Actions ingested that no epoch has learned from yet.
    #[getter]
    fn unlearned_steps(&self) -> usize {
        self.learner.unlearned_steps()
    }

    /// Epochs done.
    #[getter]
    fn epochs(&self) -> usize {
        self.learner.epochs()
    }

    /// Whether warm-up is over and a policy is worth sending.
    #[getter]
    fn warm(&self) -> bool {
        self.learner.warm()
    }
}
