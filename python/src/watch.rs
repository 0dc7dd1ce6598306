//! The watch page for Python (`byfeel.Watch`): a run's pictures and curves served to a browser
//! from this process, as `byfeel train --watch` does for the command line.

use std::sync::Arc;

use byfeel_render::watch::{View, Watch};
use numpy::{PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;

/// A watch page served at an address of this process.
#[pyclass(name = "Watch", module = "byfeel._native")]
pub struct PyWatch {
    watch: Arc<Watch>,
}

#[pymethods]
impl PyWatch {
    /// Serves the page at `address` (`HOST:PORT`; port 0 picks one). `install`: also make it
    /// this process's watch, which byfeel's environments hand their pictures to.
    #[new]
    #[pyo3(signature = (address = "127.0.0.1:0", title = "byfeel", install = true))]
    fn new(address: &str, title: &str, install: bool) -> PyResult<Self> {
        let watch = Watch::serve(address)
            .map_err(|e| PyOSError::new_err(format!("watch at {address}: {e}")))?;
        watch.set_title(title);
        if install {
            byfeel_render::watch::install(Arc::clone(&watch));
        }
        Ok(Self { watch })
    }

    /// The page's address, `http://HOST:PORT/`.
    #[getter]
    fn url(&self) -> String {
        self.watch.url()
    }

    /// Adds a robot to the page; returns its number.
    fn add_robot(&self, name: &str) -> usize {
        self.watch.add_robot(name)
    }

    /// Shows `image` (uint8, height × width × 3) as robot `robot`'s "camera", "gel" or
    /// "goal" picture.
    fn picture(&self, robot: usize, view: &str, image: PyReadonlyArrayDyn<'_, u8>) -> PyResult<()> {
        let view = match view {
            "camera" => View::Camera,
            "gel" => View::Gel,
            "goal" => View::Goal,
            other => {
                return Err(PyValueError::new_err(format!(
                    "view {other:?}: camera, gel or goal"
                )));
            }
        };
        let shape = image.shape().to_vec();
        if shape.len() != 3 || shape[2] != 3 {
            return Err(PyValueError::new_err(format!(
                "a picture is height x width x 3 uint8, not {shape:?}"
            )));
        }
        let rgb = image.as_slice().map_err(|_| {
            PyValueError::new_err("the picture must be a contiguous array (np.ascontiguousarray)")
        })?;
        self.watch
            .picture(robot, view, shape[1] as u32, shape[0] as u32, rgb);
        Ok(())
    }

    /// Replaces the page's heading (a run's progress, say).
    fn set_title(&self, title: &str) {
        self.watch.set_title(title);
    }

    /// Adds a point to the curve `name`.
    fn point(&self, name: &str, step: f64, value: f64) {
        self.watch.point(name, step, value);
    }
}
