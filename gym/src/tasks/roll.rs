//! DieRoll's roll actions: one action is a push in a chosen direction that rolls the die,
//! after which the hand finds the die's top face again by touch alone and presses it as the
//! goal picture does. Planning then happens between settled, centred presses, where the gel
//! shows the face up and its turn and little else.
//!
//! The push is the scripted roller's (16 mm at half speed, the gel free to ride up over the
//! tipping die). Finding the top again uses only what a real arm has: the hand's own height
//! (proprioception) and the gel image. The hand lifts 2 mm, backs off most of the push, presses
//! back to the height it started the episode at, and then taps: where the gel image shows
//! contact, the face is; while its centre is more than 0.6 mm off, lift, move over it, press
//! again. Sliding the pressed gel over the face instead would drag and roll the die.

use glam::DVec3;

use super::TaskEnv;
use super::die::STEP_XY;
use crate::{Command, CommandMode, EnvError, Robot};

/// What one action of a DieRoll env does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ActionMode {
    /// Move the hand by Δxyz (the arm's default: 3 numbers in [-1, 1]).
    #[default]
    Hand,
    /// DieRoll only: push the die to roll it, then feel for its top again (2 numbers in
    /// [-1, 1]: the push's direction in the world's xy; shorter than [`STAY`], no push, the
    /// gel only lifts and presses again).
    Roll,
}

impl ActionMode {
    /// The mode's name: `hand` or `roll`.
    pub fn name(self) -> &'static str {
        match self {
            ActionMode::Hand => "hand",
            ActionMode::Roll => "roll",
        }
    }

    /// The mode called `name` (`hand` or `roll`, lower case).
    pub fn from_name(name: &str) -> Option<Self> {
        [ActionMode::Hand, ActionMode::Roll]
            .into_iter()
            .find(|m| m.name() == name)
    }

    /// Numbers in one action.
    pub fn action_dim(self) -> usize {
        match self {
            ActionMode::Hand => 3,
            ActionMode::Roll => 2,
        }
    }
}

/// A roll action shorter than this pushes nothing.
pub const STAY: f32 = 0.3;

/// The push: hand steps at half speed (16 mm in all).
const PUSH_STEPS: usize = 8;
const PUSH_SPEED: f64 = 0.5;
/// How far back the hand goes, lifted, after the push: the push less the ~9 mm a roll moves
/// the die's top (the distance between neighbouring faces' centres).
const BACK_OFF_MM: f64 = 7.0;
const LIFT_MM: f64 = 2.0;
/// Taps to centre the gel on the face, and how near is centred.
const TAPS: usize = 3;
const CENTRED_MM: f64 = 0.6;
/// A hand within this of where it was sent (mm) is there; at most `MAX_WAIT_STEPS` more steps
/// are spent waiting for it.
const REACHED_MM: f64 = 1.0;
const MAX_WAIT_STEPS: usize = 3;
/// The gel image's scale, measured: 4 mm of hand travel along +x moves a feature about 10
/// rows up, 4 mm along +y about 11 columns left.
const MM_PER_ROW: f64 = 0.4;
const MM_PER_COLUMN: f64 = 0.364;
/// A pixel shows contact where its colour is this far from grey (max − min channel): the
/// flat gel is a dull gradient, slopes under the lights are saturated.
const CONTACT_SATURATION: i32 = 90;

impl<R: Robot> TaskEnv<R> {
    /// One roll action (`action` already checked against the space): returns the hand steps
    /// it took.
    pub(super) fn roll(&mut self, action: &[f32]) -> Result<usize, EnvError> {
        let push = DVec3::new(action[0] as f64, action[1] as f64, 0.0);
        let mut hand = self.robot.state().ee_position;
        let mut steps = 0;
        if push.length() as f32 >= STAY {
            let dir = push.normalize();
            for _ in 0..PUSH_STEPS {
                // The gel rides up as the die tips under it: where the gel presses harder than
                // it may, z rises to where the die has pushed the hand. Elsewhere z stays where
                // it was sent, so that an arm's tracking noise does not walk it up or down.
                hand += dir * PUSH_SPEED * STEP_XY;
                let state = self.robot.state();
                if super::die::guard_press(&state, DVec3::NEG_Z).z >= 0.0 {
                    hand.z = hand.z.max(state.ee_position.z);
                }
                steps += self.reach(hand)?;
            }
            steps += self.lifted_move(&mut hand, -dir * BACK_OFF_MM)?;
        } else {
            steps += self.lifted_move(&mut hand, DVec3::ZERO)?;
        }
        for _ in 0..TAPS {
            let Some(offset) = contact_offset(&self.sensor_image()?) else {
                break;
            };
            if offset.length() < CENTRED_MM {
                break;
            }
            steps += self.lifted_move(&mut hand, offset)?;
        }
        Ok(steps)
    }

    /// Lift, move by `mm` (xy, in as many steps as it takes), and press back down to the
    /// episode's pressing height; `hand` is where the skill has sent the hand.
    fn lifted_move(&mut self, hand: &mut DVec3, mm: DVec3) -> Result<usize, EnvError> {
        let mut steps = 0;
        hand.z = self.press_height + LIFT_MM / 1000.0;
        steps += self.reach(*hand)?;
        let mut left = mm / 1000.0;
        while left.length() > 1e-6 {
            let step = left.clamp_length_max(STEP_XY);
            left -= step;
            *hand += step;
            steps += self.reach(*hand)?;
        }
        hand.z = self.press_height;
        steps += self.reach(*hand)?;
        Ok(steps)
    }

    /// Sends the hand to `target` and waits until it is there (within a millimetre), a few
    /// steps at most: the skill steers from where it sent the hand, not from where a slow arm
    /// happens to be, so a late arm ends each move where a prompt one does. Never presses
    /// harder than the gel allows.
    fn reach(&mut self, target: DVec3) -> Result<usize, EnvError> {
        let mut steps = 0;
        loop {
            let state = self.robot.state();
            let mut goal = target;
            if super::die::guard_press(&state, DVec3::NEG_Z).z >= 0.0 {
                goal.z = goal.z.max(state.ee_position.z);
            }
            self.robot.command(Command::new(CommandMode::EndEffectorPosition(goal)))?;
            self.robot.step()?;
            steps += 1;
            let off = (self.robot.state().ee_position - goal).length();
            if off < REACHED_MM / 1000.0 || steps > MAX_WAIT_STEPS {
                return Ok(steps);
            }
        }
    }
}

/// Where the gel image shows contact, relative to the gel's centre, as a hand move in mm (the
/// move that puts the gel's centre over it); `None` if nothing touches.
pub(super) fn contact_offset(image: &[u8]) -> Option<DVec3> {
    let gel = byfeel_render::TactileConfig::default();
    let (w, h) = (gel.width as usize, gel.height as usize);
    let (mut rows, mut cols, mut n) = (0.0, 0.0, 0usize);
    for (i, p) in image.chunks_exact(3).enumerate() {
        let (hi, lo) = (p[0].max(p[1]).max(p[2]), p[0].min(p[1]).min(p[2]));
        if hi as i32 - lo as i32 > CONTACT_SATURATION {
            rows += (i / w) as f64;
            cols += (i % w) as f64;
            n += 1;
        }
    }
    if n < 8 {
        return None;
    }
    let row = rows / n as f64 - (h as f64 - 1.0) / 2.0;
    let col = cols / n as f64 - (w as f64 - 1.0) / 2.0;
    Some(DVec3::new(-row * MM_PER_ROW, -col * MM_PER_COLUMN, 0.0))
}
