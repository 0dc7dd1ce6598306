//! Play on the die: what a person idly rolling a die under a fingertip does, pushing it one
//! way and then feeling for its top face again.
//!
//! Uniform random actions rarely leave the die the way the task's goal picture shows it:
//! after a push rolls the die, the gel sits past the new top face, lifted off it by the roll,
//! or pressed on an edge that holds the die tilted. A model trained only on such play never
//! sees a roll end in a settled face under a centred gel, yet that is the picture every goal
//! is, and planning toward it needs the model to know how to get there. So play alternates
//! two moves, each held for a few steps:
//! - a push in a random direction at a random speed, pressing lightly (Δz in [-0.3, 0]);
//! - a return over the centre of the die with the gel pressed as deep as in the goal
//!   picture (1 mm), with a little noise: the collector knows where the die is (it is the
//!   simulator), as a person playing sees it; the recorded actions are all a model learns from.

use glam::DVec3;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::SimRobot;
use crate::tasks::die::{PRESS, STEP_XY, STEP_Z, die_top};

#[derive(Debug, Clone, Copy, Default, PartialEq)]
enum Move {
    #[default]
    Settle,
    Push,
}

/// The state of one robot's play: the move under way, its action and the steps it has left.
#[derive(Debug, Clone, Default)]
pub(super) struct DiePlay {
    doing: Move,
    push: [f32; 3],
    left: usize,
    /// Added to the first push's direction (radians): sibling episodes of one seed differ in
    /// this alone (see `CollectConfig::branches`).
    first_turn: f32,
    pushed: bool,
    /// If not 0, the return after the first push lasts until this many actions have been
    /// taken and aims exactly at the die's centre: siblings are then compared where the gel
    /// rests centred on the die, as in the goal pictures, and differ only by the face up.
    settle_until: usize,
    taken: usize,
}

impl DiePlay {
    /// Play for one of a seed's siblings: the first push turned by `first_turn` radians from
    /// the one the seed draws, and the return after it held until `settle_until` actions.
    pub(super) fn branched(first_turn: f32, settle_until: usize) -> Self {
        Self {
            first_turn,
            settle_until,
            ..Self::default()
        }
    }

    /// The next action (an episode starts with a push: the gel already rests on the die).
    pub(super) fn act(&mut self, robot: &SimRobot, rng: &mut ChaCha8Rng) -> [f32; 3] {
        if self.left == 0 {
            self.doing = match self.doing {
                Move::Settle => {
                    let mut angle = rng.random_range(0.0..std::f32::consts::TAU);
                    if !self.pushed {
                        angle += self.first_turn;
                        self.pushed = true;
                    }
                    let speed = rng.random_range(0.5..=1.0f32);
                    self.push = [
                        speed * angle.cos(),
                        speed * angle.sin(),
                        rng.random_range(-0.3..=0.0),
                    ];
                    self.left = rng.random_range(2..=5);
                    Move::Push
                }
                Move::Push => {
                    // Drawn whatever the length used, so siblings' draws stay in step.
                    self.left = rng.random_range(2..=4);
                    if self.careful() {
                        self.left = self.settle_until.saturating_sub(self.taken).max(1);
                    }
                    Move::Settle
                }
            };
        }
        let careful = self.doing == Move::Settle && self.careful();
        self.left -= 1;
        self.taken += 1;
        match self.doing {
            Move::Push => self.push,
            Move::Settle => settle(robot, rng, if careful { 0.0 } else { 1.0 }),
        }
    }

    /// In the return after the first push, before `settle_until`.
    fn careful(&self) -> bool {
        self.settle_until > 0 && self.taken < self.settle_until
    }
}

/// Toward the centre of the die's top, and down to the goal picture's press (never up).
fn settle(robot: &SimRobot, rng: &mut ChaCha8Rng, noisy: f64) -> [f32; 3] {
    let world = robot.world();
    let (Some(die), hand) = (world.die_pose(), world.ee_frame().translation) else {
        return [0.0; 3];
    };
    let to = DVec3::new(die.translation.x - hand.x, die.translation.y - hand.y, 0.0) / STEP_XY;
    let to = to.clamp_length_max(1.0);
    let noise = |rng: &mut ChaCha8Rng| noisy * rng.random_range(-0.15..=0.15);
    let top = die_top(&crate::Simulator::geometry(robot));
    let down = ((top - PRESS - hand.z) / STEP_Z).clamp(-1.0, 0.0);
    [
        (to.x + noise(rng)).clamp(-1.0, 1.0) as f32,
        (to.y + noise(rng)).clamp(-1.0, 1.0) as f32,
        down as f32,
    ]
}
