//! `byfeel demo door-open`: the shipped Skew-Fit agent is shown a goal image (the hand hooked on
//! the handle at the goal's angle) and pulls the shut door there, by the door camera alone; the
//! episode is saved as a movie (scene camera | what the agent sees | the goal image).

use std::path::Path;

use byfeel::agents::skewfit::{self, SkewFitTask, train::image};
use byfeel::gym::{Env, ResetOptions, TaskEnv, info};
use indicatif::{ProgressBar, ProgressStyle};

use super::Error;
use super::movie::{self, Frame};

/// Plays the episode whose goal `seed` draws into the movie `out`.
pub fn play(run: &Path, seed: u64, out: &Path) -> Result<(), Error> {
    let (_, vae, sac) = skewfit::load(run)?;
    let mut env = SkewFitTask::door().env()?;
    let (obs, _) = env.reset(Some(seed), &ResetOptions::default())?;
    let goal = image(&obs, "image_desired_goal")?;
    let mut now = image(&obs, "image_observation")?;
    println!(
        "DoorOpen: the door shut, a goal image to reach (seed {seed}); acting with {}",
        run.display()
    );
    let frame = |env: &mut TaskEnv, seen: &[u8]| -> Result<Frame, Error> {
        let camera = env.camera_image_sized(192, 144)?;
        Ok(Frame::side_by_side(
            &[([144, 192], &camera), ([48, 48], seen), ([48, 48], &goal)],
            2,
        ))
    };
    let mut frames = vec![frame(&mut env, &now)?];
    let steps = env.spec().max_episode_steps;
    let bar = ProgressBar::new(steps as u64).with_style(
        ProgressStyle::with_template("{spinner} acting {bar:30} {pos}/{len} steps · {msg}")
            .expect("a valid template"),
    );
    let mut last = Default::default();
    for _ in 0..steps {
        let t = env.step(&skewfit::act(&vae, &sac, &now, &goal, None))?;
        now = image(&t.observation, "image_observation")?;
        frames.push(frame(&mut env, &now)?);
        bar.inc(1);
        bar.set_message(format!("door at {:.3} rad", info::float(&t.info, info::DOOR_ANGLE)?));
        last = t.info;
    }
    bar.finish_and_clear();
    movie::write(out, &frames, 10.0)?;
    let (angle, wanted) = (
        info::float(&last, info::DOOR_ANGLE)?,
        info::float(&last, info::GOAL_DOOR_ANGLE)?,
    );
    println!(
        "{} after {steps} steps: the door at {angle:.3} rad, the goal's {wanted:.3} rad (within 0.02 rad and the hand within 3 cm counts); movie (camera | door camera | goal): {}",
        if info::success(&last)? {
            "goal reached"
        } else {
            "goal not reached"
        },
        out.display()
    );
    Ok(())
}
