//! What Skew-Fit trains on, kept out of its loop: the task's environment (goal-conditioned,
//! 48 × 48 images) and the measure of how much of its goal space exploration has covered.

use byfeel_gym::{EnvConfig, ObsMode, Task, TaskEnv};

use super::vae::IMAGE_SIDE;
use crate::AgentError;

/// One number of the achieved goal (the door's angle, …) and the stretch of it that a
/// histogram of `bins` bins spans, whose evenness is exploration's coverage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GoalCoverage {
    /// Which number of `achieved_goal` is measured.
    pub component: usize,
    /// The histogram spans `0 ..= range` in that number's units; values past either end count
    /// in the end bins.
    pub range: f64,
    /// The histogram's bins.
    pub bins: usize,
}

impl GoalCoverage {
    /// The measured number of an achieved goal, if it has one.
    pub fn value(&self, achieved: &[f32]) -> Option<f64> {
        achieved.get(self.component).map(|&v| v as f64)
    }

    /// The histogram bin of `value`.
    pub fn bin(&self, value: f64) -> usize {
        let bin = ((value / self.range) * self.bins as f64).floor();
        (bin.max(0.0) as usize).min(self.bins - 1)
    }
}

/// A task Skew-Fit can run on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkewFitTask {
    /// The gym task.
    pub task: Task,
    /// How exploration's coverage of the goal space is measured.
    pub coverage: GoalCoverage,
}

impl SkewFitTask {
    /// The reset-free door; coverage is of the door angles (rad) over 20 bins up to the
    /// hinge's stop.
    pub fn door() -> Self {
        Self {
            task: Task::DoorOpen,
            coverage: GoalCoverage {
                component: 0,
                range: super::coverage::ANGLE_RANGE,
                bins: super::coverage::ANGLE_BINS,
            },
        }
    }

    /// A fresh environment of the task as Skew-Fit sees it: goal dicts of 48 × 48 images.
    pub fn env(&self) -> Result<TaskEnv, AgentError> {
        Ok(TaskEnv::new(self.config())?)
    }

    /// [`SkewFitTask::env`] on the arm of the robot server at `robot`, or in this process
    /// when `None`.
    pub fn env_on(&self, robot: Option<&str>) -> Result<crate::arm::ArmEnv, AgentError> {
        crate::arm::env_on(self.config(), robot)
    }

    /// The settings of the task's env: goal-conditioned observations of the VAE's image size.
    pub fn config(&self) -> EnvConfig {
        let side = IMAGE_SIDE as u32;
        EnvConfig::new(self.task).obs_mode(ObsMode::Goal).image_size(side, side)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_door_measures_the_angle_of_its_achieved_goal() {
        let door = SkewFitTask::door();
        let env = door.env().unwrap();
        assert_eq!(byfeel_gym::Env::spec(&env).max_episode_steps, 100);
        // achieved_goal is (door angle, hand xyz): the angle is measured.
        assert_eq!(door.coverage.value(&[0.5, 0.7, 0.0, 0.2]), Some(0.5));
        assert_eq!(door.coverage.bin(0.5), (0.5 / door.coverage.range * 20.0) as usize);
        assert_eq!(door.coverage.value(&[]), None);
    }
}
