//! The door a run trained on, kept beside it in `scene.json`.
//!
//! The scene file is read anew whenever a run is resumed or evaluated. Had it changed since
//! (another hinge damping, a longer bar), a resume would replay the run's actions into a
//! different world and an evaluation would score the policy on a door it never saw, and
//! neither would say so. So a run records the door's parameters and the cameras it saw through
//! when it starts, and resuming, evaluating or loading it refuses a scene that gives other ones.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use byfeel_gym::SimRobot;
use byfeel_sim::Randomization;
use byfeel_sim::scene::CameraConfig;
use serde::{Deserialize, Serialize};

use crate::{AgentError, io_error};

/// The file in a run directory that holds the scene the run trained on.
pub const SCENE_FILE: &str = "scene.json";

/// A scene's name and the parameters drawn for it (as the scene file names them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SceneRecord {
    /// The path of the scene file the run was built from.
    pub scene: String,
    /// The scene's parameters (cameras' included) by name, as the scene file names them.
    pub parameters: BTreeMap<String, f64>,
    /// The run trained on the door family (a fleet's learner): the parameters are those of
    /// training door 0, which change whenever the family's ranges do.
    #[serde(default)]
    pub family: bool,
}

impl SceneRecord {
    /// The door scene as the scene file gives it now (nominal draws, as training uses).
    pub fn door_now() -> Result<Self, AgentError> {
        Self::now(false)
    }

    /// The door scene as the scene file gives it now, or with `family` the door family's
    /// (training door 0).
    pub fn now(family: bool) -> Result<Self, AgentError> {
        let (scene, build) = match family {
            false => ("door", Randomization::Nominal),
            true => (byfeel_gym::door_family::FAMILY_SCENE, Randomization::Seeded(0)),
        };
        let robot = SimRobot::from_scene(scene, build)
            .map_err(|e| AgentError::Config(e.to_string()))?;
        Ok(Self {
            family,
            scene: byfeel_sim::scene_path(scene).display().to_string(),
            parameters: robot
                .world()
                .scene_parameters()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .chain(camera_parameters(&robot.world().config.cameras))
                .collect(),
        })
    }

    /// The parameters that differ between `self` (what a run trained on) and `now`, each as
    /// `name: then → now`.
    fn differences(&self, now: &Self) -> Vec<String> {
        let keys: std::collections::BTreeSet<&String> = self
            .parameters
            .keys()
            .chain(now.parameters.keys())
            .collect();
        let show = |v: Option<&f64>| v.map_or("absent".to_string(), |v| format!("{v}"));
        keys.into_iter()
            .filter_map(|k| {
                let (a, b) = (self.parameters.get(k), now.parameters.get(k));
                let same = matches!((a, b), (Some(a), Some(b)) if (a - b).abs() <= 1e-9 * a.abs().max(1.0));
                (!same).then(|| format!("{k}: {} → {}", show(a), show(b)))
            })
            .collect()
    }
}

/// Each camera's placement as parameters (`camera.NAME.position.x`, …, `camera.NAME.fov_deg`):
/// a policy learned from one camera's images has not learned another's.
fn camera_parameters(cameras: &[CameraConfig]) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for c in cameras {
        for (what, v) in [
            ("position", c.position),
            ("look_at", c.look_at),
            ("up", c.up),
        ] {
            for (axis, x) in ["x", "y", "z"].into_iter().zip(v) {
                out.push((format!("camera.{}.{what}.{axis}", c.name), x));
            }
        }
        out.push((format!("camera.{}.fov_deg", c.name), c.fov_deg));
    }
    out
}

/// Records the door scene in `run` if the run has no record yet; otherwise checks that the
/// scene file still gives the door the run trained on.
pub fn record_or_check(run: &Path) -> Result<(), AgentError> {
    record_or_check_scene(run, false)
}

/// [`record_or_check`] for the door scene, or with `family` the door family.
pub fn record_or_check_scene(run: &Path, family: bool) -> Result<(), AgentError> {
    if run.join(SCENE_FILE).exists() {
        return check(run);
    }
    let now = SceneRecord::now(family)?;
    let bytes = serde_json::to_vec_pretty(&now).expect("a scene record serialises");
    crate::write_replacing(run, SCENE_FILE, &bytes)
}

/// Checks that the scene file still gives the door `run` trained on (its `scene.json`).
pub fn check(run: &Path) -> Result<(), AgentError> {
    let path: PathBuf = run.join(SCENE_FILE);
    let bytes = std::fs::read(&path).map_err(|e| {
        io_error(&path, format!("{e}: the run does not say which door it trained on"))
    })?;
    let then: SceneRecord =
        serde_json::from_slice::<SceneRecord>(&bytes).map_err(|e| io_error(&path, e))?;
    let now = SceneRecord::now(then.family)?;
    let differences = then.differences(&now);
    if differences.is_empty() {
        return Ok(());
    }
    Err(AgentError::Config(format!(
        "{} trained on another door than {} now gives ({}); resume or evaluate it with the \
         scene file it trained on (point BYFEEL_ASSETS at a copy of the assets holding it), \
         or train a new run",
        run.display(),
        now.scene,
        differences.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_refuses_a_door_that_changed_since_it_trained_and_names_what_changed() {
        let run = std::env::temp_dir().join(format!("byfeel-scene-{}", std::process::id()));
        std::fs::create_dir_all(&run).unwrap();
        // No record yet: the first call writes one, the second finds the same door.
        record_or_check(&run).unwrap();
        record_or_check(&run).unwrap();
        check(&run).unwrap();
        // A run that trained on a lighter hinge damping.
        let mut then: SceneRecord =
            serde_json::from_slice(&std::fs::read(run.join(SCENE_FILE)).unwrap()).unwrap();
        let now_damping = then.parameters["door.damping"];
        then.parameters.insert("door.damping".into(), 0.125);
        std::fs::write(run.join(SCENE_FILE), serde_json::to_vec(&then).unwrap()).unwrap();
        let err = check(&run).unwrap_err().to_string();
        assert!(
            err.contains(&format!("door.damping: 0.125 → {now_damping}"))
                && err.contains("BYFEEL_ASSETS"),
            "{err}"
        );
        assert!(
            record_or_check(&run).is_err(),
            "a resume must refuse it too"
        );
        // The record is left as it was.
        let kept: SceneRecord =
            serde_json::from_slice(&std::fs::read(run.join(SCENE_FILE)).unwrap()).unwrap();
        assert_eq!(kept, then);
        std::fs::remove_dir_all(&run).unwrap();
    }

    #[test]
    fn a_run_refuses_a_camera_that_moved_since_it_trained() {
        let run = std::env::temp_dir().join(format!("byfeel-camera-{}", std::process::id()));
        std::fs::create_dir_all(&run).unwrap();
        record_or_check(&run).unwrap();
        let now: SceneRecord =
            serde_json::from_slice(&std::fs::read(run.join(SCENE_FILE)).unwrap()).unwrap();
        let fov = "camera.door_top.fov_deg";
        assert!(now.parameters.contains_key(fov), "{:?}", now.parameters);
        // A run that saw the door through a wider lens.
        let mut wider = now.clone();
        wider
            .parameters
            .insert(fov.into(), now.parameters[fov] + 10.0);
        std::fs::write(run.join(SCENE_FILE), serde_json::to_vec(&wider).unwrap()).unwrap();
        let err = check(&run).unwrap_err().to_string();
        assert!(err.contains(fov), "{err}");
        // A record that names no camera is another door, not the one seen now.
        let mut old = now.clone();
        old.parameters.retain(|k, _| !k.starts_with("camera."));
        std::fs::write(run.join(SCENE_FILE), serde_json::to_vec(&old).unwrap()).unwrap();
        assert!(check(&run).unwrap_err().to_string().contains("camera.door_top"));
        // A run without its record is refused, naming the file.
        std::fs::remove_file(run.join(SCENE_FILE)).unwrap();
        assert!(check(&run).unwrap_err().to_string().contains(SCENE_FILE));
        std::fs::remove_dir_all(&run).unwrap();
    }
}
