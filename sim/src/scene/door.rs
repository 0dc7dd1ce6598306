//! The door's part of a scene file: a cabinet door on a vertical hinge with a handle on its
//! robot side. Every door byfeel builds, from Skew-Fit's single door to the randomised family
//! of `assets/scenes/door-family.toml`, is one of these with its ranges drawn.

use super::{Checker, Param};
use rand::Rng;
use serde::Deserialize;

/// One value, or a list to draw one from (uniformly) on each randomised build; an unrandomised
/// build takes the first.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Choice<T> {
    One(T),
    AnyOf(Vec<T>),
}

impl<T: Copy> Choice<T> {
    /// The choice of an unrandomised build: the value, or the list's first.
    pub fn nominal(&self) -> Option<T> {
        match self {
            Choice::One(v) => Some(*v),
            Choice::AnyOf(v) => v.first().copied(),
        }
    }

    /// Draws one; a single value (or a list of one) draws nothing from `rng`.
    pub fn sample(&self, rng: &mut impl Rng) -> Option<T> {
        match self {
            Choice::AnyOf(v) if v.len() > 1 => Some(v[rng.random_range(0..v.len())]),
            _ => self.nominal(),
        }
    }
}

impl<T: Default> Default for Choice<T> {
    fn default() -> Self {
        Choice::One(T::default())
    }
}

/// Which side of the door the hinge is on, seen from the robot (which looks along +x).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HingeSide {
    /// The hinge on the door's −y edge: the door swings open counter-clockwise seen from above.
    #[default]
    Right,
    /// The hinge on the door's +y edge: clockwise.
    Left,
}

/// What the robot pulls the door open by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HandleKind {
    /// A bar on two posts (DoorGym's pull handle): a hook behind the bar pulls the door.
    #[default]
    Bar,
    /// A lever on a pivot (half the handle's length): the door stays latched until the lever is
    /// pressed down `unlatch_deg`; a hook behind the lever then pulls the door.
    Lever,
    /// A round knob on a stem (a pull knob: byfeel's arm has no gripper to turn one): a hook
    /// behind the knob's head pulls the door.
    Knob,
}

/// A door on a vertical hinge, opening toward the robot, with a handle on its robot side.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoorConfig {
    /// Position (x, y) of the door's right edge, seen from the robot: the hinge axis of a door
    /// hinged on the right. A door hinged on the left covers the same span, its hinge at the
    /// other edge (y + width). The door's bottom edge is `bottom` above the table top.
    pub hinge: [Param; 2],
    /// "right" (the default), "left", or a list to draw from.
    #[serde(default)]
    pub hinge_side: Choice<HingeSide>,
    pub width: Param,
    pub height: Param,
    pub thickness: Param,
    pub bottom: f64,
    pub mass: f64,
    /// Upper hinge limit in degrees (the lower is 0: shut).
    pub max_angle_deg: f64,
    /// Viscous hinge damping, N·m·s/rad.
    pub damping: Param,
    /// Dry hinge friction, N·m: what keeps the door shut unless it is pulled.
    pub friction: Param,
    /// A spring pulling the door shut, N·m/rad (none by default).
    #[serde(default = "no_spring")]
    pub stiffness: Param,
    /// The panel's colour, linear RGB 0–1 per channel (numbers or ranges); absent: the
    /// renderer's door colour.
    pub color: Option<[Param; 3]>,
    /// The frame's (jamb's) colour, likewise.
    pub frame_color: Option<[Param; 3]>,
    pub handle: HandleConfig,
}

fn no_spring() -> Param {
    Param::Value(0.0)
}

/// The handle: a bar on two posts, a lever or a knob, centred at `offset` along the door.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandleConfig {
    /// "bar" (the default), "lever", "knob", or a list to draw from.
    #[serde(default)]
    pub kind: Choice<HandleKind>,
    /// Distance of the handle's centre from the hinge, along the door (metres).
    pub offset: Param,
    /// Height of the handle above the table top.
    pub height: Param,
    /// Length of a bar along the door, centred on `offset`; a lever is half as long, on a pivot
    /// at its free-edge end; a knob is a stem of `radius` with a head 6 cm across.
    pub length: Param,
    /// How much farther the bar runs toward the hinge than `length` puts it (metres; default 0).
    /// The hook's place stays at `offset`: this only lengthens the bar's hinge-side end, so that
    /// a hand box that reaches past it (an open door's goals lie toward the hinge) keeps a bar
    /// under a lowered hook.
    #[serde(default)]
    pub reach_toward_hinge: f64,
    /// How far the bar, the lever or the knob's head stands off the door face (to its centre).
    pub standoff: f64,
    /// Half thickness of the bar or lever (and of the knob's head).
    pub radius: f64,
    /// How far a lever must be pressed down before the door unlatches, degrees.
    #[serde(default = "default_unlatch")]
    pub unlatch_deg: f64,
    /// The handle's colour, linear RGB (numbers or ranges); absent: the renderer's.
    pub color: Option<[Param; 3]>,
}

fn default_unlatch() -> f64 {
    12.0
}

/// The door's hinge, size, mass, range, damping and handle (which something must fit behind).
pub(super) fn check_door(v: &mut Checker<'_>, d: &DoorConfig) {
    v.param("door.hinge[0]", &d.hinge[0], f64::NEG_INFINITY);
    v.param("door.hinge[1]", &d.hinge[1], f64::NEG_INFINITY);
    for (el, p) in [
        ("door.width", &d.width),
        ("door.height", &d.height),
        ("door.thickness", &d.thickness),
    ] {
        v.param(el, p, f64::NEG_INFINITY);
        if p.bounds().0 <= 0.0 {
            v.fail(el, format!("must be a positive number, got {p:?}"));
        }
    }
    v.non_negative("door.bottom", d.bottom);
    v.positive("door.mass", d.mass);
    if !(d.max_angle_deg > 0.0 && d.max_angle_deg <= 180.0) {
        v.fail(
            "door.max_angle_deg",
            format!("must be in (0, 180], got {}", d.max_angle_deg),
        );
    }
    v.param("door.damping", &d.damping, 0.0);
    v.param("door.friction", &d.friction, 0.0);
    v.param("door.stiffness", &d.stiffness, 0.0);
    check_choice(v, "door.hinge_side", &d.hinge_side);
    check_colour(v, "door.color", &d.color);
    check_colour(v, "door.frame_color", &d.frame_color);
    check_handle(v, d);
}

fn check_handle(v: &mut Checker<'_>, d: &DoorConfig) {
    let h = &d.handle;
    check_choice(v, "door.handle.kind", &h.kind);
    check_colour(v, "door.handle.color", &h.color);
    v.param("door.handle.offset", &h.offset, 0.0);
    v.param("door.handle.height", &h.height, 0.0);
    v.param("door.handle.length", &h.length, 1e-3);
    v.positive("door.handle.standoff", h.standoff);
    v.positive("door.handle.radius", h.radius);
    v.non_negative("door.handle.reach_toward_hinge", h.reach_toward_hinge);
    if !(h.unlatch_deg > 0.0 && h.unlatch_deg < 80.0) {
        v.fail(
            "door.handle.unlatch_deg",
            format!("must be in (0, 80), got {}", h.unlatch_deg),
        );
    }
    let hinge_end = h.offset.bounds().0 - h.length.bounds().1 / 2.0 - h.reach_toward_hinge;
    if hinge_end < h.radius {
        v.fail(
            "door.handle.reach_toward_hinge",
            format!(
                "the bar would reach {:.3} m past the hinge (offset - length/2 - reach must be at least the bar's radius)",
                h.radius - hinge_end
            ),
        );
    }
    let free_end = h.offset.bounds().1 + h.length.bounds().1 / 2.0;
    if free_end > d.width.bounds().0 + 0.05 {
        v.fail(
            "door.handle.offset",
            format!(
                "the handle would reach {:.3} m past the door's free edge (offset + length/2 must stay within the narrowest door, width {:.3}, give or take 5 cm)",
                free_end - d.width.bounds().0,
                d.width.bounds().0
            ),
        );
    }
    if h.standoff <= 2.0 * h.radius {
        v.fail(
            "door.handle.standoff",
            "must exceed the bar's thickness, or nothing can get behind it".into(),
        );
    }
}

fn check_choice<T>(v: &mut Checker<'_>, element: &str, c: &Choice<T>) {
    if matches!(c, Choice::AnyOf(list) if list.is_empty()) {
        v.fail(element, "an empty list: give at least one".into());
    }
}

fn check_colour(v: &mut Checker<'_>, element: &str, c: &Option<[Param; 3]>) {
    for (i, p) in c.iter().flatten().enumerate() {
        let el = format!("{element}[{i}]");
        v.param(&el, p, 0.0);
        if p.bounds().1 > 1.0 {
            v.fail(&el, format!("a colour channel is at most 1, got {p:?}"));
        }
    }
}
