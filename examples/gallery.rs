//! Writes the example pictures in docs/images: scene cameras and tactile images of several
//! contacts. `cargo run --release --example gallery [-- OUT_DIR]`
//!
//! Small images are scaled up 4× (nearest pixel) so that they can be looked at.

use byfeel::gym::scripted::{press_gel, press_point};
use byfeel::gym::{SafetyLayer, SimRobot};
use byfeel::render::image::{hstack, save_rgb_png, upscale};
use byfeel::render::{
    Camera, GelState, Part, Renderer, SceneGeometry, TactileConfig, TactileImage,
};
use byfeel::sim::rapier3d::prelude::{Ball, Cuboid, Cylinder, Pose, SharedShape};
use byfeel::sim::{D20, Randomization};
use glam::{Mat4, Quat, Vec3};
use std::error::Error;
use std::f32::consts::{FRAC_PI_4, PI};
use std::path::PathBuf;

fn strip(images: &[&TactileImage], k: u32) -> (u32, u32, Vec<u8>) {
    let big: Vec<(u32, u32, Vec<u8>)> = images
        .iter()
        .map(|t| upscale(t.width, t.height, &t.rgb, k))
        .collect();
    let refs: Vec<(u32, u32, &[u8])> = big.iter().map(|(w, h, v)| (*w, *h, v.as_slice())).collect();
    hstack(&refs, 6)
}

fn main() -> Result<(), Box<dyn Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "docs/images".into()),
    );
    std::fs::create_dir_all(&out)?;
    let mut r = Renderer::new()?;
    println!("drawing on {}", r.gpu().describe());

    // Scene cameras: each scene's own camera at its learning size (×4) and larger.
    for scene in ["door", "cup", "die"] {
        let robot = SimRobot::from_scene(scene, Randomization::Nominal)?;
        let world = robot.world();
        let g = SceneGeometry::from_world(world);
        let cam = Camera::from_config(&world.config.cameras[0]);
        let small = r.render_cameras(&[(&g, &cam)])?.remove(0);
        let (w, h, rgb) = upscale(small.width, small.height, &small.rgb, 4);
        save_rgb_png(
            &out.join(format!(
                "{scene}_camera_{}x{}.png",
                small.width, small.height
            )),
            w,
            h,
            &rgb,
        )?;
        let large = r
            .render_cameras(&[(&g, &cam.clone().with_size(480, 360))])?
            .remove(0);
        large.save_png(out.join(format!("{scene}_camera_480x360.png")))?;
    }

    // Tactile, synthetic contacts on a gel at the origin (z out of the pad).
    r.set_tactile_config(TactileConfig::default().with_size(160, 120))?;
    let gel = |force_n| GelState {
        frame: Mat4::IDENTITY,
        half_size: [0.009, 0.014],
        force_n,
    };
    let one = |r: &mut Renderer,
               shape: &dyn byfeel::sim::rapier3d::prelude::Shape,
               p: Vec3,
               q: Quat,
               f: f32| {
        let mut g = SceneGeometry::default();
        g.add_shape(shape, &Pose::from_parts(p, q), Part::Other);
        r.render_tactile(&[(&g, gel(f))]).map(|mut v| v.remove(0))
    };
    let ball = Ball::new(0.005);
    let spheres: Vec<TactileImage> = [0.4f32, 1.2, 2.4, 4.0]
        .iter()
        .map(|&f| one(&mut r, &ball, Vec3::new(0.0, 0.0, 0.005), Quat::IDENTITY, f))
        .collect::<Result<_, _>>()?;
    let (w, h, rgb) = strip(&spheres.iter().collect::<Vec<_>>(), 2);
    save_rgb_png(&out.join("tactile_sphere_forces.png"), w, h, &rgb)?;

    let cube = Cuboid::new(Vec3::splat(0.005));
    let face = one(
        &mut r,
        &cube,
        Vec3::new(0.0, 0.0, 0.005),
        Quat::IDENTITY,
        2.0,
    )?;
    let edge = one(
        &mut r,
        &cube,
        Vec3::new(0.0, 0.0, 0.005 * 2f32.sqrt()),
        Quat::from_rotation_y(FRAC_PI_4),
        2.0,
    )?;
    let corner_q = Quat::from_rotation_arc(Vec3::ONE.normalize(), -Vec3::Z);
    let corner = one(
        &mut r,
        &cube,
        Vec3::new(0.0, 0.0, 0.005 * 3f32.sqrt()),
        corner_q,
        2.0,
    )?;
    let d20 = D20::new();
    let points: Vec<Vec3> = d20
        .vertices
        .iter()
        .map(|v| (*v * 0.014).as_vec3())
        .collect();
    let hull = SharedShape::convex_hull(&points).ok_or("hull")?;
    let face_down = Quat::from_rotation_x(PI)
        * d20
            .orientation_with_face_up(20, 0.3)
            .ok_or("face")?
            .as_quat();
    let die = one(
        &mut r,
        hull.as_ref(),
        Vec3::new(0.0, 0.0, 0.014 * D20::INRADIUS_RATIO as f32),
        face_down,
        2.0,
    )?;
    let bar = one(
        &mut r,
        &Cylinder::new(0.05, 0.0015),
        Vec3::new(0.0, 0.0, 0.0015),
        Quat::from_rotation_z(0.4),
        1.0,
    )?;
    let (w, h, rgb) = strip(&[&face, &edge, &corner, &die, &bar], 2);
    save_rgb_png(
        &out.join("tactile_face_edge_corner_die_bar.png"),
        w,
        h,
        &rgb,
    )?;

    // Tactile from the simulation: the gel pressed on the die and on the cup's rim, at the
    // learning size (64×48, ×4).
    r.set_tactile_config(TactileConfig::default())?;
    let mut sim_touches = Vec::new();
    for scene in ["die", "cup"] {
        let mut robot = SafetyLayer::new(SimRobot::from_scene(scene, Randomization::Nominal)?);
        let at = press_point(robot.inner().world()).ok_or("nothing to press")?;
        press_gel(&mut robot, at, 0.0015)?;
        let t = robot.inner_mut().render_tactile()?;
        println!(
            "{scene}: {:.2} N, {:.2} mm, {} px in contact",
            t.force_n,
            t.max_indentation_mm(),
            t.contact_pixels()
        );
        sim_touches.push(t);
    }
    let (w, h, rgb) = strip(&sim_touches.iter().collect::<Vec<_>>(), 4);
    save_rgb_png(&out.join("tactile_sim_die_cup_64x48.png"), w, h, &rgb)?;
    println!("wrote pictures to {}", out.display());
    Ok(())
}
