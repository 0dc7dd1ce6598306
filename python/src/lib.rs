//! `byfeel._native`: the Rust environments for Python. The Gymnasium classes in
//! `byfeel/envs.py` and `byfeel/vector.py` wrap these; use those.
//!
//! Observations come out as fresh numpy arrays that own the Rust buffers (no copy), and
//! stepping releases the GIL.

use byfeel_gym::{
    Array, ArrayData, AutoReset, BoxSpace, Dtype, Env, EnvConfig, EnvError, Info, InfoValue,
    ObsMode, Observation, ResetOptions, RewardType, Space, Task, TaskEnv, VecEnv,
};
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

mod agents;
mod fleet;
mod remote;
mod skewfit;
mod vice;
mod watch;
mod store;

fn env_error(e: EnvError) -> PyErr {
    match e {
        EnvError::BadAction(m) => PyValueError::new_err(format!("invalid action: {m}")),
        EnvError::NotReset => PyRuntimeError::new_err("call reset() before step()"),
        other => PyRuntimeError::new_err(other.to_string()),
    }
}

fn array<'py>(py: Python<'py>, a: Array) -> PyResult<Bound<'py, PyAny>> {
    Ok(match a.data {
        ArrayData::F32(v) => PyArray1::from_vec(py, v).reshape(a.shape)?.into_any(),
        ArrayData::U8(v) => PyArray1::from_vec(py, v).reshape(a.shape)?.into_any(),
    })
}

fn observation<'py>(py: Python<'py>, o: Observation) -> PyResult<Bound<'py, PyAny>> {
    match o {
        Observation::Array(a) => array(py, a),
        Observation::Dict(items) => {
            let d = PyDict::new(py);
            for (k, a) in items {
                d.set_item(k, array(py, a)?)?;
            }
            Ok(d.into_any())
        }
    }
}

fn info<'py>(py: Python<'py>, i: &Info) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, v) in i {
        match v {
            InfoValue::Float(f) => d.set_item(k, *f)?,
            InfoValue::Int(n) => d.set_item(k, *n)?,
            InfoValue::Bool(b) => d.set_item(k, *b)?,
        }
    }
    Ok(d)
}

fn box_space<'py>(py: Python<'py>, b: &BoxSpace) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("shape", b.shape.clone())?;
    d.set_item("low", b.low)?;
    d.set_item("high", b.high)?;
    d.set_item(
        "dtype",
        if b.dtype == Dtype::U8 {
            "uint8"
        } else {
            "float32"
        },
    )?;
    Ok(d)
}

fn config(
    task: &str,
    obs_mode: Option<&str>,
    width: Option<u32>,
    height: Option<u32>,
    reward: &str,
    max_episode_steps: Option<usize>,
    randomize_scene: bool,
    (actions, goal_rolls, door): (&str, u8, Option<u64>),
) -> PyResult<EnvConfig> {
    let task = Task::from_name(task).ok_or_else(|| {
        PyValueError::new_err(format!(
            "unknown task {task:?}; tasks are Reach, DoorOpen, CupPush, DieRoll"
        ))
    })?;
    let mut c = EnvConfig::new(task);
    if let Some(m) = obs_mode {
        c.obs_mode = ObsMode::from_name(m).ok_or_else(|| {
            PyValueError::new_err(format!(
                "unknown obs_mode {m:?}; use 'state', 'image', 'tactile' or 'goal'"
            ))
        })?;
    }
    let (w, h) = c.image_size;
    c.image_size = (width.unwrap_or(w), height.unwrap_or(h));
    c.reward = match reward {
        "sparse" => RewardType::Sparse,
        "dense" => RewardType::Dense,
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown reward {other:?}; use 'sparse' or 'dense'"
            )));
        }
    };
    let mode = byfeel_gym::ActionMode::from_name(actions).ok_or_else(|| {
        PyValueError::new_err(format!("unknown actions {actions:?}; use 'hand' or 'roll'"))
    })?;
    c = c.die_goal_rolls(goal_rolls).action_mode(mode);
    c.door = door;
    c.randomize_scene = randomize_scene;
    c.check_settings().map_err(PyValueError::new_err)?;
    if let Some(n) = max_episode_steps {
        c.max_episode_steps = n;
    }
    Ok(c)
}

/// Reads an action array of any float dtype as f32, checking its shape.
fn actions(a: &Bound<'_, PyAny>, rows: Option<usize>, width: usize) -> PyResult<Vec<f32>> {
    let arr: PyReadonlyArrayDyn<'_, f32> = a.extract().map_err(|_| {
        PyValueError::new_err(
            "actions must be a numpy float32 array (the Python wrapper converts other floats)",
        )
    })?;
    let want: Vec<usize> = rows.map_or(vec![width], |n| vec![n, width]);
    if arr.shape() != want.as_slice() {
        return Err(PyValueError::new_err(format!(
            "action shape {:?} is not {:?}",
            arr.shape(),
            want
        )));
    }
    Ok(arr.as_array().iter().copied().collect())
}

/// One environment.
#[pyclass(name = "Env", module = "byfeel._native")]
struct PyEnv {
    env: Box<dyn remote::AnyTaskEnv>,
    /// The exception the user's reward function raised during the last step, raised again to
    /// the caller of `step` once the step returns (the gym's reward hook returns a number).
    reward_error: std::sync::Arc<std::sync::Mutex<Option<PyErr>>>,
}

#[pymethods]
impl PyEnv {
    #[new]
    #[pyo3(signature = (task, obs_mode=None, width=None, height=None, reward="sparse", max_episode_steps=None, randomize_scene=false, actions="hand", goal_rolls=1, robot=None, door=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        task: &str,
        obs_mode: Option<&str>,
        width: Option<u32>,
        height: Option<u32>,
        reward: &str,
        max_episode_steps: Option<usize>,
        randomize_scene: bool,
        actions: &str,
        goal_rolls: u8,
        robot: Option<&str>,
        door: Option<u64>,
    ) -> PyResult<Self> {
        let c = config(
            task,
            obs_mode,
            width,
            height,
            reward,
            max_episode_steps,
            randomize_scene,
            (actions, goal_rolls, door),
        )?;
        let env = py.detach(|| remote::task_env(c, robot)).map_err(env_error)?;
        Ok(Self {
            env,
            reward_error: Default::default(),
        })
    }

    /// The observation space: a dict of box descriptions, or one under the key "".
    fn observation_space<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        spaces(py, &self.env.spec().observation_space)
    }

    /// Numbers in one action (3 for the hand's Δxyz, 2 for a roll's push).
    #[getter]
    fn action_dim(&self) -> usize {
        self.env.config().action_mode.action_dim()
    }

    #[getter]
    fn max_episode_steps(&self) -> usize {
        self.env.spec().max_episode_steps
    }

    #[getter]
    fn step_seconds(&self) -> f64 {
        self.env.spec().step_seconds
    }

    #[getter]
    fn goal_conditioned(&self) -> bool {
        self.env.spec().goal_conditioned
    }

    #[pyo3(signature = (seed=None, hard_reset=false))]
    fn reset<'py>(
        &mut self,
        py: Python<'py>,
        seed: Option<u64>,
        hard_reset: bool,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyDict>)> {
        let env = &mut self.env;
        let (o, i) = py
            .detach(|| env.reset(seed, &ResetOptions { hard_reset }))
            .map_err(env_error)?;
        Ok((observation(py, o)?, info(py, &i)?))
    }

    #[allow(clippy::type_complexity)]
    fn step<'py>(
        &mut self,
        py: Python<'py>,
        action: &Bound<'py, PyAny>,
    ) -> PyResult<(Bound<'py, PyAny>, f64, bool, bool, Bound<'py, PyDict>)> {
        let a = actions(action, None, self.env.config().action_mode.action_dim())?;
        let env = &mut self.env;
        let t = py.detach(|| env.step(&a)).map_err(env_error)?;
        if let Some(e) = self.reward_error.lock().expect("not poisoned").take() {
            return Err(e);
        }
        Ok((
            observation(py, t.observation)?,
            t.reward,
            t.terminated,
            t.truncated,
            info(py, &t.info)?,
        ))
    }

    /// Rewards for rows of achieved and desired goals (any matching leading shape).
    fn compute_reward<'py>(
        &self,
        py: Python<'py>,
        achieved: PyReadonlyArrayDyn<'py, f32>,
        desired: PyReadonlyArrayDyn<'py, f32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if achieved.shape() != desired.shape() || achieved.shape().is_empty() {
            return Err(PyValueError::new_err(format!(
                "achieved_goal shape {:?} and desired_goal shape {:?} must match",
                achieved.shape(),
                desired.shape()
            )));
        }
        let k = *achieved.shape().last().unwrap();
        let (a, d) = (achieved.as_array(), desired.as_array());
        let (a, d): (Vec<f32>, Vec<f32>) =
            (a.iter().copied().collect(), d.iter().copied().collect());
        let rewards: Vec<f64> = a
            .chunks(k)
            .zip(d.chunks(k))
            .map(|(x, y)| self.env.compute_reward(x, y))
            .collect();
        let lead = achieved.shape()[..achieved.shape().len() - 1].to_vec();
        Ok(PyArray1::from_vec(py, rewards).reshape(lead)?.into_any())
    }

    /// The goal as a picture (camera or gel, as in observations), after reset.
    fn goal_image<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let space = match &self.env.spec().observation_space {
            Space::Box(b) if b.dtype == Dtype::U8 => b.shape.clone(),
            Space::Dict(items) => items
                .iter()
                .find(|(k, _)| k == "image_desired_goal")
                .map(|(_, b)| b.shape.clone())
                .unwrap_or_default(),
            _ => return Ok(None),
        };
        match self.env.goal_image() {
            Some(img) if !img.is_empty() => Ok(Some(array(
                py,
                Array {
                    shape: space,
                    data: ArrayData::U8(img.to_vec()),
                },
            )?)),
            _ => Ok(None),
        }
    }

    /// Gives the goal as a picture (H x W x 3 uint8, as observations' images): how goals are
    /// given on an arm that is not simulated.
    fn set_goal_image(&mut self, image: numpy::PyReadonlyArrayDyn<'_, u8>) -> PyResult<()> {
        let rgb: Vec<u8> = image.as_array().iter().copied().collect();
        self.env.set_goal_image(&rgb).map_err(env_error)
    }

    fn goal<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        self.env
            .goal()
            .map(|g| PyArray1::from_vec(py, g.to_vec()).into_any())
    }

    /// A 320×240 RGB picture of the scene.
    fn render<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let env = &mut self.env;
        let img = py.detach(|| env.render()).map_err(env_error)?;
        array(py, Array::image(img.height, img.width, img.rgb))
    }

    /// Replaces the reward with `fn(observation, info) -> float`; `None` restores the task's.
    #[pyo3(signature = (reward_fn=None))]
    fn set_reward_fn(&mut self, reward_fn: Option<Py<PyAny>>) {
        let failed = self.reward_error.clone();
        let f = reward_fn.map(|f| {
            Box::new(move |o: &Observation, i: &Info| -> f64 {
                Python::attach(|py| {
                    let reward = (|| -> PyResult<f64> {
                        let (obs, inf) = (observation(py, o.clone())?, info(py, i)?);
                        f.call1(py, (obs, inf))?.extract::<f64>(py)
                    })();
                    reward.unwrap_or_else(|e| {
                        *failed.lock().expect("not poisoned") = Some(e);
                        f64::NAN
                    })
                })
            }) as byfeel_gym::RewardFn
        });
        self.env.set_reward_fn(f);
    }
}

fn spaces<'py>(py: Python<'py>, s: &Space) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    match s {
        Space::Box(b) => d.set_item("", box_space(py, b)?)?,
        Space::Dict(items) => {
            for (k, b) in items {
                d.set_item(k, box_space(py, b)?)?;
            }
        }
    }
    Ok(d)
}

/// N environments stepped in parallel in Rust.
#[pyclass(name = "VecEnv", module = "byfeel._native")]
struct PyVecEnv {
    envs: VecEnv<TaskEnv>,
}

#[pymethods]
impl PyVecEnv {
    #[new]
    #[pyo3(signature = (num_envs, task, obs_mode=None, width=None, height=None, reward="sparse", max_episode_steps=None, randomize_scene=false, autoreset="next_step", actions="hand", goal_rolls=1, door=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        num_envs: usize,
        task: &str,
        obs_mode: Option<&str>,
        width: Option<u32>,
        height: Option<u32>,
        reward: &str,
        max_episode_steps: Option<usize>,
        randomize_scene: bool,
        autoreset: &str,
        actions: &str,
        goal_rolls: u8,
        door: Option<u64>,
    ) -> PyResult<Self> {
        let c = config(
            task,
            obs_mode,
            width,
            height,
            reward,
            max_episode_steps,
            randomize_scene,
            (actions, goal_rolls, door),
        )?;
        let mode = match autoreset {
            "next_step" => AutoReset::NextStep,
            "same_step" => AutoReset::SameStep,
            "disabled" => AutoReset::Disabled,
            other => {
                return Err(PyValueError::new_err(format!(
                    "autoreset {other:?}: use next_step, same_step or disabled"
                )));
            }
        };
        if num_envs == 0 {
            return Err(PyValueError::new_err("num_envs must be at least 1"));
        }
        let envs = (0..num_envs)
            .map(|_| TaskEnv::new(c.clone()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(env_error)?;
        Ok(Self {
            envs: VecEnv::new(envs, mode).map_err(env_error)?,
        })
    }

    #[getter]
    fn num_envs(&self) -> usize {
        self.envs.len()
    }

    /// One environment's observation space (as `Env.observation_space`).
    fn observation_space<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        spaces(py, &self.envs.envs()[0].spec().observation_space)
    }

    #[getter]
    fn step_seconds(&self) -> f64 {
        self.envs.envs()[0].spec().step_seconds
    }

    /// Numbers in one environment's action.
    #[getter]
    fn action_dim(&self) -> usize {
        self.envs.envs()[0].config().action_mode.action_dim()
    }

    #[pyo3(signature = (seed=None, hard_reset=false))]
    fn reset<'py>(
        &mut self,
        py: Python<'py>,
        seed: Option<u64>,
        hard_reset: bool,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyList>)> {
        let envs = &mut self.envs;
        let (o, infos) = py
            .detach(|| envs.reset(seed, &ResetOptions { hard_reset }))
            .map_err(env_error)?;
        let list = PyList::empty(py);
        for i in &infos {
            list.append(info(py, i)?)?;
        }
        Ok((observation(py, o)?, list))
    }

    #[allow(clippy::type_complexity)]
    fn step<'py>(
        &mut self,
        py: Python<'py>,
        actions_in: &Bound<'py, PyAny>,
    ) -> PyResult<(
        Bound<'py, PyAny>,
        Bound<'py, PyAny>,
        Bound<'py, PyAny>,
        Bound<'py, PyAny>,
        Bound<'py, PyList>,
    )> {
        let dim = self.envs.envs()[0].config().action_mode.action_dim();
        let a = actions(actions_in, Some(self.envs.len()), dim)?;
        let envs = &mut self.envs;
        let t = py.detach(|| envs.step(&a)).map_err(env_error)?;
        let list = PyList::empty(py);
        for i in &t.infos {
            list.append(info(py, i)?)?;
        }
        Ok((
            observation(py, t.observations)?,
            PyArray1::from_vec(py, t.rewards).into_any(),
            PyArray1::from_vec(py, t.terminated).into_any(),
            PyArray1::from_vec(py, t.truncated).into_any(),
            list,
        ))
    }
}

/// Points byfeel at the assets inside the installed package (unless `BYFEEL_ASSETS` is set);
/// called once, at import.
#[pyfunction]
fn set_assets_dir(path: std::path::PathBuf) -> bool {
    byfeel_sim::set_assets_dir(path)
}

/// The folder byfeel reads its robots, scenes and shipped models from.
#[pyfunction]
fn assets_dir() -> std::path::PathBuf {
    byfeel_sim::assets_dir()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(set_assets_dir, m)?)?;
    m.add_function(wrap_pyfunction!(assets_dir, m)?)?;
    m.add("HELD_OUT_FROM", byfeel_gym::door_family::HELD_OUT_FROM)?;
    m.add_class::<PyEnv>()?;
    m.add_class::<PyVecEnv>()?;
    m.add_class::<remote::PyRemoteRobot>()?;
    m.add_class::<remote::PyServer>()?;
    m.add_function(wrap_pyfunction!(remote::serve, m)?)?;
    m.add_class::<store::PyStore>()?;
    m.add("StoreLocked", m.py().get_type::<store::StoreLocked>())?;
    m.add_class::<agents::PyPredictive>()?;
    m.add_class::<skewfit::PySkewFit>()?;
    m.add_class::<vice::PyVice>()?;
    m.add_class::<watch::PyWatch>()?;
    m.add_class::<fleet::PyPractice>()?;
    m.add_class::<fleet::PyFleetLearner>()?;
    m.add_function(wrap_pyfunction!(store::collect, m)?)?;
    m.add_function(wrap_pyfunction!(agents::evaluate_run, m)?)?;
    m.add_function(wrap_pyfunction!(agents::evaluate_door_run, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
