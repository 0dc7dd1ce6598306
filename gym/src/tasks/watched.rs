//! An environment's pictures on the process's watch page (`byfeel_render::watch`), when one is
//! installed: the observation's picture at every step (already drawn; handing it over is a
//! copy), the goal's at every reset, and, at most once a second and only while someone
//! watches, the sensors the observations leave out (the gel beside the camera, or both when
//! observations are numbers).

use std::time::{Duration, Instant};

use byfeel_render::watch::{self, View};

use super::TaskEnv;
use crate::{Array, ArrayData, Observation, Robot, SensorKind};

/// How often sensors the observations leave out are drawn for the page.
const EXTRA_EVERY: Duration = Duration::from_secs(1);

/// An environment's place on the watch page.
pub(super) struct Watched {
    robot: usize,
    last_extra: Option<Instant>,
}

impl<R: Robot> TaskEnv<R> {
    /// Hands this step's pictures to the watch page, if the process has one.
    pub(super) fn show(&mut self, observation: &Observation, new_goal: bool) {
        let Some(watch) = watch::current() else {
            return;
        };
        let (task, door) = (self.config.task.name(), self.config.door);
        let w = self.watched.get_or_insert_with(|| Watched {
            robot: watch.add_robot(&match door {
                Some(door) => format!("{task} · door {door}"),
                None => task.to_string(),
            }),
            last_extra: None,
        });
        let robot = w.robot;
        let seen = if self.observes_gel() {
            View::Gel
        } else {
            View::Camera
        };
        let (width, height) = self.image_size();
        let mut shown = false;
        for (key, array) in pictures(observation) {
            // The goal's picture is shown from the goal itself, at resets.
            if key != "image_desired_goal" {
                watch.picture(robot, seen, width, height, array);
                shown = true;
            }
        }
        if new_goal && let Some(goal) = self.goal_image().filter(|g| !g.is_empty()) {
            watch.picture(robot, View::Goal, width, height, goal);
        }
        let due = self
            .watched
            .as_ref()
            .and_then(|w| w.last_extra)
            .is_none_or(|t| t.elapsed() >= EXTRA_EVERY);
        if watch.watched() && due {
            if let Some(w) = self.watched.as_mut() {
                w.last_extra = Some(Instant::now());
            }
            for (kind, view) in [
                (SensorKind::Camera, View::Camera),
                (SensorKind::Tactile, View::Gel),
            ] {
                if shown && view == seen {
                    continue;
                }
                let Ok(name) = self.sensor_of(kind) else {
                    continue;
                };
                if let Ok(image) = self.robot.read_sensor(&name) {
                    watch.picture(robot, view, image.width, image.height, &image.rgb);
                }
            }
        }
    }

    /// The observations' picture size (width, height).
    fn image_size(&self) -> (u32, u32) {
        let shape = &self.image_space().shape;
        (shape[1] as u32, shape[0] as u32)
    }
}

/// The observation's pictures, by key ("" for a lone picture).
fn pictures(observation: &Observation) -> Vec<(&str, &[u8])> {
    match observation {
        Observation::Array(a) => picture(a).map(|b| ("", b)).into_iter().collect(),
        Observation::Dict(items) => items
            .iter()
            .filter_map(|(k, a)| picture(a).map(|b| (k.as_str(), b)))
            .collect(),
    }
}

/// An array's bytes if it is a picture (height × width × 3 bytes).
fn picture(a: &Array) -> Option<&[u8]> {
    match &a.data {
        ArrayData::U8(bytes) if a.shape.len() == 3 => Some(bytes.as_slice()),
        _ => None,
    }
}
