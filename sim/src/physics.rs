//! Everything rapier keeps between steps, in one cloneable value: a snapshot is a copy of it.

use rapier3d::prelude::*;

/// The physics state of a world. Cloning it is a complete snapshot: stepping a clone with the
/// same commands gives bit-identical results.
#[derive(Clone, Default)]
pub struct Physics {
    pub bodies: RigidBodySet,
    pub colliders: ColliderSet,
    pub impulse_joints: ImpulseJointSet,
    pub multibody_joints: MultibodyJointSet,
    pub islands: IslandManager,
    pub broad_phase: DefaultBroadPhase,
    pub narrow_phase: NarrowPhase,
    pub ccd_solver: CCDSolver,
    pub soft_bodies: SoftBodySet,
}

impl Physics {
    /// Advances by one physics step.
    pub fn step(
        &mut self,
        pipeline: &mut PhysicsPipeline,
        gravity: Vector,
        params: &IntegrationParameters,
    ) {
        pipeline.step(
            gravity,
            params,
            &mut self.islands,
            &mut self.broad_phase,
            &mut self.narrow_phase,
            &mut self.bodies,
            &mut self.colliders,
            &mut self.impulse_joints,
            &mut self.multibody_joints,
            &mut self.soft_bodies,
            &mut self.ccd_solver,
            &(),
            &(),
        );
    }

    /// True if any of `a` touches any of `b` right now (closer than 0.5 mm, `TOUCH_DISTANCE`).
    pub fn touching(&self, a: &[ColliderHandle], b: &[ColliderHandle]) -> bool {
        a.iter().any(|ca| {
            b.iter().any(|cb| {
                self.narrow_phase
                    .contact_pair(*ca, *cb)
                    .is_some_and(|p| self.pair_touches(p))
            })
        })
    }

    /// True if the two colliders of a contact pair touch: the solver pushed them apart in the
    /// last step, or their shapes are closer than 0.5 mm (`TOUCH_DISTANCE`) now. rapier also keeps
    /// "active" pairs that are only predicted, centimetres apart, and does not refresh the
    /// distances of recycled contact points every step, so neither says "touching" alone.
    pub fn pair_touches(&self, pair: &ContactPair) -> bool {
        if !pair.has_any_active_contact() {
            return false;
        }
        if pair.total_impulse_magnitude() > 0.0 {
            return true;
        }
        let (Some(c1), Some(c2)) = (
            self.colliders.get(pair.collider1),
            self.colliders.get(pair.collider2),
        ) else {
            return false;
        };
        rapier3d::parry::query::distance(c1.position(), c1.shape(), c2.position(), c2.shape())
            .is_ok_and(|d| d.distance <= TOUCH_DISTANCE)
    }
}

/// Two shapes closer than this (metres) touch.
pub const TOUCH_DISTANCE: f32 = 5e-4;
