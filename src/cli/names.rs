//! Names the command line accepts, as closed sets: an unknown name is refused by clap with
//! the list of valid ones, rather than matched loosely to something else.

use byfeel::gym::collect::Policy;
use byfeel::gym::{ActionMode, ObsMode, Task};
use clap::ValueEnum;

/// A task (`door` and `die` name their scenes' only tasks; `cup` is two tasks, so it is not a
/// name).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskName {
    Reach,
    #[value(alias = "door")]
    DoorOpen,
    CupPush,
    #[value(alias = "die")]
    DieRoll,
}

impl From<TaskName> for Task {
    fn from(t: TaskName) -> Self {
        match t {
            TaskName::Reach => Task::Reach,
            TaskName::DoorOpen => Task::DoorOpen,
            TaskName::CupPush => Task::CupPush,
            TaskName::DieRoll => Task::DieRoll,
        }
    }
}

/// How `byfeel collect` chooses actions.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyName {
    Random,
    Pressing,
    Play,
}

impl From<PolicyName> for Policy {
    fn from(p: PolicyName) -> Self {
        match p {
            PolicyName::Random => Policy::Random,
            PolicyName::Pressing => Policy::Pressing,
            PolicyName::Play => Policy::Play,
        }
    }
}

/// What one action does.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionsName {
    Hand,
    Roll,
}

impl From<ActionsName> for ActionMode {
    fn from(a: ActionsName) -> Self {
        match a {
            ActionsName::Hand => ActionMode::Hand,
            ActionsName::Roll => ActionMode::Roll,
        }
    }
}

/// What an environment observes.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObsName {
    State,
    Image,
    Tactile,
    Goal,
}

impl From<ObsName> for ObsMode {
    fn from(o: ObsName) -> Self {
        match o {
            ObsName::State => ObsMode::State,
            ObsName::Image => ObsMode::Image,
            ObsName::Tactile => ObsMode::Tactile,
            ObsName::Goal => ObsMode::Goal,
        }
    }
}

/// A controller `byfeel eval` compares.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControllerName {
    /// The trained agent.
    Predictive,
    /// A new random action every step.
    Random,
    /// Each random action held as the agent's plans hold theirs.
    RandomHeld,
    /// The hand-designed contact-centroid controller.
    Centroid,
    /// The simulator's roller (die models with roll actions; an upper reference).
    Scripted,
}

/// The name clap accepts for `value` (its first, not an alias).
pub fn name_of<T: ValueEnum>(value: T) -> String {
    value
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}
