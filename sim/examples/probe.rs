use byfeel_sim::*;
use byfeel_sim::rapier3d::prelude::*;
fn main() -> Result<(), Box<dyn std::error::Error>> {
    for h in [0.035f32, 0.06, 0.08, 0.095] {
        let mut w = World::from_scene_file(scene_path("cup"), Randomization::Nominal)?;
        let home = w.home_joints().to_vec();
        w.step(&home)?;
        let cup = w.cup.clone().unwrap();
        let p = w.cup_pose().unwrap().translation;
        let tc = w.table.collider;
        let phys = w.physics_mut();
        let c = &phys.colliders[cup.collider];
        println!("cup friction {} table friction {}", c.friction(), phys.colliders[tc].friction());
        let phys = w.physics_mut();
        phys.bodies[cup.body].apply_impulse_at_point(Vector::new(0.0, 0.06, 0.0), Vector::new(p.x as f32, p.y as f32 - 0.04, h), true);
        let mut max_tilt: f64 = 0.0;
        for _ in 0..20 { w.step(&home)?; max_tilt = max_tilt.max(w.cup_tilt().unwrap()); }
        println!("h {h}: max tilt {max_tilt:.3} final tilt {:.3} moved {:?}", w.cup_tilt().unwrap(), w.cup_pose().unwrap().translation - p);
    }
    Ok(())
}
