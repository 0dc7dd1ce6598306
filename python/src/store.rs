//! The experience store for Python: `byfeel.Store` (reading, sampling) and `byfeel.collect`.
//! The Python class in `byfeel/store.py` wraps these.

use byfeel_gym::Task;
use byfeel_gym::collect::{CollectConfig, CollectError, Policy, collect as run_collect};
use byfeel_gym::store::{Column, ReaderOptions, StepSampler, StoreError, StoreReader};
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::{PyIndexError, PyKeyError, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rand::SeedableRng;

pyo3::create_exception!(
    _native,
    StoreLocked,
    PyRuntimeError,
    "Another writer (another process, or another handle in this one) has the store open; it is \
     free again when that writer closes or its process ends."
);

pub(crate) fn store_error(e: StoreError) -> PyErr {
    match e {
        e @ StoreError::Locked { .. } => StoreLocked::new_err(e.to_string()),
        StoreError::BadRequest(m) => PyValueError::new_err(m),
        StoreError::BadEpisode(m) => PyValueError::new_err(m),
        e @ StoreError::NotAStore { .. } => PyOSError::new_err(e.to_string()),
        e @ StoreError::Io { .. } => PyOSError::new_err(e.to_string()),
        e => PyRuntimeError::new_err(e.to_string()),
    }
}

fn column<'py>(py: Python<'py>, c: Column, shape: Vec<usize>) -> PyResult<Bound<'py, PyAny>> {
    Ok(match c {
        Column::U8(v) => PyArray1::from_vec(py, v).reshape(shape)?.into_any(),
        Column::F32(v) => PyArray1::from_vec(py, v).reshape(shape)?.into_any(),
        Column::U64(v) => PyArray1::from_vec(py, v).reshape(shape)?.into_any(),
    })
}

fn with_lead(lead: usize, shape: &[usize]) -> Vec<usize> {
    std::iter::once(lead).chain(shape.iter().copied()).collect()
}

#[pyclass(name = "Store", module = "byfeel._native")]
pub struct PyStore {
    reader: StoreReader,
}

#[pymethods]
impl PyStore {
    #[new]
    #[pyo3(signature = (path, cache_mib = 256))]
    fn new(path: std::path::PathBuf, cache_mib: usize) -> PyResult<Self> {
        let reader = StoreReader::open_with(
            &path,
            ReaderOptions {
                cache_bytes: cache_mib << 20,
            },
        )
        .map_err(store_error)?;
        Ok(Self { reader })
    }

    #[getter]
    fn num_steps(&self) -> u64 {
        self.reader.num_steps()
    }

    #[getter]
    fn num_episodes(&self) -> u64 {
        self.reader.num_episodes()
    }

    #[getter]
    fn uncommitted_steps(&self) -> u64 {
        self.reader.uncommitted_steps()
    }

    #[getter]
    fn path(&self) -> std::path::PathBuf {
        self.reader.path().to_path_buf()
    }

    /// [(name, "step"|"episode", dtype, shape, columns)]
    fn fields(&self) -> Vec<(String, &'static str, &'static str, Vec<usize>, Vec<String>)> {
        let s = self.reader.schema();
        let row = |f: &byfeel_gym::store::Field, kind| {
            (
                f.name.clone(),
                kind,
                f.dtype.numpy_name(),
                f.shape.clone(),
                f.columns.clone(),
            )
        };
        s.steps
            .iter()
            .map(|f| row(f, "step"))
            .chain(s.episodes.iter().map(|f| row(f, "episode")))
            .collect()
    }

    fn episode_ends<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        PyArray1::from_vec(py, self.reader.episode_ends().to_vec())
    }

    fn refresh(&mut self, py: Python<'_>) -> PyResult<u64> {
        let reader = &mut self.reader;
        py.detach(|| reader.refresh()).map_err(store_error)
    }

    fn episode<'py>(&self, py: Python<'py>, index: i64) -> PyResult<Bound<'py, PyDict>> {
        let n = self.reader.num_episodes() as i64;
        let e = if index < 0 { index + n } else { index };
        if e < 0 || e >= n {
            return Err(PyIndexError::new_err(format!(
                "episode {index} does not exist: the store holds {n} episodes"
            )));
        }
        let reader = &self.reader;
        let fields = py
            .detach(|| reader.episode(e as u64))
            .map_err(store_error)?;
        let range = reader.episode_range(e as u64).map_err(store_error)?;
        let len = range.end - range.start;
        let d = PyDict::new(py);
        for (name, c) in fields {
            let shape = if let Some(f) = reader.schema().step_field(&name) {
                with_lead(len as usize, &f.shape)
            } else {
                reader.schema().episode_field(&name).unwrap().shape.clone()
            };
            d.set_item(&name, column(py, c, shape)?)?;
        }
        Ok(d)
    }

    fn read<'py>(
        &self,
        py: Python<'py>,
        field: &str,
        start: u64,
        stop: u64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let f = self
            .reader
            .schema()
            .step_field(field)
            .ok_or_else(|| PyKeyError::new_err(format!("no step field {field:?}")))?
            .clone();
        let reader = &self.reader;
        let c = py
            .detach(|| reader.read_steps(field, start..stop))
            .map_err(store_error)?;
        column(py, c, with_lead((stop - start) as usize, &f.shape))
    }

    #[pyo3(signature = (batch_size, fields, weights = None, seed = None))]
    fn sample<'py>(
        &self,
        py: Python<'py>,
        batch_size: usize,
        fields: Vec<String>,
        weights: Option<PyReadonlyArray1<'py, f64>>,
        seed: Option<u64>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let sampler = match &weights {
            Some(w) => {
                let w = w.as_slice()?;
                if w.len() as u64 != self.reader.num_steps() {
                    return Err(PyValueError::new_err(format!(
                        "weights has {} entries but the store holds {} steps",
                        w.len(),
                        self.reader.num_steps()
                    )));
                }
                StepSampler::weighted(w).map_err(store_error)?
            }
            None => StepSampler::uniform(self.reader.num_steps()),
        };
        let mut rng = match seed {
            Some(s) => rand_chacha::ChaCha8Rng::seed_from_u64(s),
            None => rand_chacha::ChaCha8Rng::from_os_rng(),
        };
        let names: Vec<&str> = fields.iter().map(String::as_str).collect();
        let reader = &self.reader;
        let batch = py
            .detach(|| reader.sample(&names, batch_size, &sampler, &mut rng))
            .map_err(store_error)?;
        let d = PyDict::new(py);
        for (name, c) in batch.fields {
            let f = reader.schema().step_field(&name).unwrap();
            d.set_item(&name, column(py, c, with_lead(batch_size, &f.shape))?)?;
        }
        d.set_item("index", PyArray1::from_vec(py, batch.indices))?;
        d.set_item("episode", PyArray1::from_vec(py, batch.episodes))?;
        Ok(d)
    }
}

/// Random-play collection into a store (see `byfeel collect`).
#[pyfunction]
#[pyo3(signature = (task, out, episodes = 10, robots = 4, seed = 0, width = 48, height = 48, max_episode_steps = None, policy = "random", hold = 1, actions = "hand", door = None))]
#[allow(clippy::too_many_arguments)]
pub fn collect(
    py: Python<'_>,
    task: &str,
    out: std::path::PathBuf,
    episodes: usize,
    robots: usize,
    seed: u64,
    width: u32,
    height: u32,
    max_episode_steps: Option<usize>,
    policy: &str,
    hold: usize,
    actions: &str,
    door: Option<u64>,
) -> PyResult<(u64, u64)> {
    let task = Task::from_name(task).ok_or_else(|| {
        PyValueError::new_err(format!(
            "task {task:?}: use door-open, cup-push, die-roll or reach"
        ))
    })?;
    if !(1..=1024).contains(&width) || !(1..=1024).contains(&height) {
        return Err(PyValueError::new_err("width and height must be 1 to 1024"));
    }
    let policy = Policy::from_name(policy).ok_or_else(|| {
        PyValueError::new_err(format!("policy {policy:?}: use random, pressing or play"))
    })?;
    if hold == 0 {
        return Err(PyValueError::new_err("hold must be at least 1"));
    }
    let mut config = CollectConfig::new(task, episodes, robots, out);
    config.seed = seed;
    config.policy = policy;
    config.hold = hold;
    config.action_mode = byfeel_gym::ActionMode::from_name(actions)
        .ok_or_else(|| PyValueError::new_err(format!("actions {actions:?}: use hand or roll")))?;
    config.image_size = (width, height);
    config.max_episode_steps = max_episode_steps;
    config.door = door;
    let done = py
        .detach(|| run_collect(&config, |_| {}))
        .map_err(|e| match e {
            CollectError::Store(s) => store_error(s),
            CollectError::Config(m) => PyValueError::new_err(m),
            e => PyRuntimeError::new_err(e.to_string()),
        })?;
    Ok((done.episodes, done.steps))
}
