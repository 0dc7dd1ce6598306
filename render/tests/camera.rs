//! Scene cameras: objects appear where the physics says they are, batches equal single views,
//! and bad requests get clear errors.

use byfeel_render::{Camera, CameraImage, RenderError, Renderer, SceneGeometry};
use byfeel_sim::{D20, Randomization, World};
use glam::{DVec3, Vec3};

fn world(scene: &str, randomization: Randomization) -> World {
    World::from_scene_file(byfeel_sim::scene_path(scene), randomization).unwrap()
}

fn first_camera(w: &World, width: u32, height: u32) -> Camera {
    Camera::from_config(&w.config.cameras[0]).with_size(width, height)
}

/// The point on top of the scene's object that the camera must show, and what colour it is.
fn landmark(w: &World) -> (DVec3, &'static str) {
    let physics = w.physics();
    if let Some(die) = &w.die {
        let c = die.pose(physics).translation;
        (
            c + DVec3::Z * die.circumradius * D20::INRADIUS_RATIO,
            "ivory",
        )
    } else if let Some(cup) = &w.cup {
        (
            cup.pose(physics).translation + DVec3::Z * cup.height,
            "blue",
        )
    } else {
        let door = w.door.as_ref().unwrap();
        let top = door
            .handle
            .iter()
            .map(|h| physics.colliders[*h].compute_aabb().maxs.z as f64)
            .fold(f64::MIN, f64::max);
        let h = door.handle_position(physics);
        (DVec3::new(h.x, h.y, top), "yellow")
    }
}

fn colour_matches(p: [u8; 3], colour: &str) -> bool {
    let [r, g, b] = p.map(|v| v as i32);
    match colour {
        "blue" => b > r + 40 && b > g + 20,
        "yellow" => r > b + 60 && g > b + 50,
        "ivory" => r > 150 && g > 150 && b > 140 && (r - b).abs() < 40,
        _ => false,
    }
}

#[test]
fn each_scene_shows_its_object_where_the_physics_puts_it() {
    let mut renderer = Renderer::new().unwrap();
    for scene in ["door", "cup", "die"] {
        for randomization in [
            Randomization::Nominal,
            Randomization::Seeded(3),
            Randomization::Seeded(8),
        ] {
            let mut w = world(scene, randomization);
            // At home the hand can hang between the camera and the object: swing it aside.
            let mut q = w.home_joints().to_vec();
            q[0] += 1.2;
            w.set_joint_positions(&q).unwrap();
            w.step(&q).unwrap();
            let camera = first_camera(&w, 256, 192);
            let (point, colour) = landmark(&w);
            let (col, row, depth) = camera.project(point.as_vec3()).unwrap();
            let image = renderer
                .render_cameras(&[(&SceneGeometry::from_world(&w), &camera)])
                .unwrap()
                .remove(0);
            let (c, r) = (col as u32, row as u32);
            let seen = image.depth_at(c, r);
            let pixel = image.pixel(c, r);
            eprintln!(
                "{scene} {randomization:?}: landmark at ({col:.1}, {row:.1}) depth {depth:.4}, image depth {seen:.4}, colour {pixel:?}"
            );
            assert!(
                (seen - depth).abs() < 0.01,
                "{scene}: depth {seen} where the physics says {depth}"
            );
            assert!(
                colour_matches(pixel, colour),
                "{scene}: pixel {pixel:?} is not {colour}"
            );
        }
    }
}

#[test]
fn moving_an_object_moves_it_in_the_image() {
    // The die in two placements: its pixels move by the projected displacement.
    let mut renderer = Renderer::new().unwrap();
    let a = world("die", Randomization::Seeded(1));
    let b = world("die", Randomization::Seeded(2));
    let camera = first_camera(&a, 320, 240);
    let images = renderer
        .render_cameras(&[
            (&SceneGeometry::from_world(&a), &camera),
            (&SceneGeometry::from_world(&b), &camera),
        ])
        .unwrap();
    for (w, img) in [(&a, &images[0]), (&b, &images[1])] {
        let (p, _) = landmark(w);
        let (c, r, _) = camera.project(p.as_vec3()).unwrap();
        // The top face's centre, or right beside it: a raised mark (dark) may hide the exact
        // pixel from an oblique camera.
        let near = (-3i32..=3).flat_map(|dr| (-3i32..=3).map(move |dc| (dc, dr)));
        let ivory = near
            .filter(|(dc, dr)| {
                let (x, y) = (c as i32 + dc, r as i32 + dr);
                colour_matches(img.pixel(x as u32, y as u32), "ivory")
            })
            .count();
        assert!(ivory >= 10, "{ivory} of 49 pixels around the die's top are ivory");
    }
    assert_ne!(images[0].rgb, images[1].rgb);
}

#[test]
fn batches_equal_single_views_at_every_size() {
    let mut renderer = Renderer::new().unwrap();
    let door = world("door", Randomization::Nominal);
    let cup = world("cup", Randomization::Seeded(4));
    let (gd, gc) = (
        SceneGeometry::from_world(&door),
        SceneGeometry::from_world(&cup),
    );
    let cams = [
        first_camera(&door, 48, 48),
        first_camera(&cup, 64, 48),
        first_camera(&door, 1024, 768),
        first_camera(&cup, 48, 48),
    ];
    let batch = renderer
        .render_cameras(&[
            (&gd, &cams[0]),
            (&gc, &cams[1]),
            (&gd, &cams[2]),
            (&gc, &cams[3]),
        ])
        .unwrap();
    let singles: Vec<CameraImage> = [
        (&gd, &cams[0]),
        (&gc, &cams[1]),
        (&gd, &cams[2]),
        (&gc, &cams[3]),
    ]
    .iter()
    .map(|v| renderer.render_cameras(&[*v]).unwrap().remove(0))
    .collect();
    assert_eq!(batch, singles, "batched and single renders agree exactly");
    assert_eq!(
        (batch[2].width, batch[2].height, batch[2].rgb.len()),
        (1024, 768, 1024 * 768 * 3)
    );
    // Deterministic: the same state renders to the same bytes.
    assert_eq!(
        renderer.render_cameras(&[(&gd, &cams[0])]).unwrap()[0],
        batch[0]
    );
    // Depth: finite on the table, infinite where the view sees only sky.
    assert!(batch[0].depth.iter().any(|d| d.is_finite()));
}

#[test]
fn bad_camera_requests_are_refused_with_clear_errors() {
    let mut renderer = Renderer::new().unwrap();
    let w = world("door", Randomization::Nominal);
    let g = SceneGeometry::from_world(&w);
    for (width, height) in [(0, 48), (48, 0), (100_000, 100)] {
        let cam = first_camera(&w, width, height);
        let e = renderer.render_cameras(&[(&g, &cam)]).unwrap_err();
        assert!(matches!(e, RenderError::BadSize { .. }), "{e}");
        assert!(e.to_string().contains(&format!("{width}x{height}")), "{e}");
    }
    let mut cam = first_camera(&w, 48, 48);
    cam.target = cam.eye;
    let e = renderer
        .render_cameras(&[(&g, &cam)])
        .unwrap_err()
        .to_string();
    assert!(e.contains("do not make a view"), "{e}");
    cam = first_camera(&w, 48, 48);
    cam.eye = Vec3::NAN;
    assert!(renderer.render_cameras(&[(&g, &cam)]).is_err());
    // Still usable afterwards.
    assert_eq!(
        renderer
            .render_cameras(&[(&g, &first_camera(&w, 48, 48))])
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_lost_device_is_recreated_and_rendering_goes_on() {
    let mut renderer = Renderer::new().unwrap();
    let w = world("cup", Randomization::Nominal);
    let g = SceneGeometry::from_world(&w);
    let cam = first_camera(&w, 64, 48);
    let before = renderer.render_cameras(&[(&g, &cam)]).unwrap();
    let old = renderer.gpu().clone();
    old.device.destroy();
    let after = renderer.render_cameras(&[(&g, &cam)]).unwrap();
    assert!(
        !std::sync::Arc::ptr_eq(&old, renderer.gpu()),
        "a new device was made"
    );
    assert_eq!(before, after);
}

#[test]
fn adapter_overrides_that_match_nothing_say_what_exists() {
    use byfeel_render::{Gpu, GpuOptions};
    let e = Gpu::new(&GpuOptions {
        backend: None,
        adapter: Some("no-such-gpu".into()),
    })
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("BYFEEL_ADAPTER=no-such-gpu matches no adapter; found:"),
        "{e}"
    );
    let e = Gpu::new(&GpuOptions {
        backend: Some("metal".into()),
        adapter: None,
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("use vulkan, gl or auto"), "{e}");
    // The software fallback can be picked by kind (scripts/system-packages.sh installs it).
    let cpu = Gpu::new(&GpuOptions {
        backend: Some("vulkan".into()),
        adapter: Some("cpu".into()),
    })
    .expect("lavapipe (mesa-vulkan-drivers) is installed");
    assert_eq!(cpu.info.device_type, byfeel_render::gpu::DeviceType::Cpu);
}

#[test]
fn an_adapter_that_cannot_draw_depth_is_passed_over_with_a_reason() {
    // On a machine without a Vulkan driver the GL fallback is llvmpipe, whose GL ES refuses
    // R32Float render targets. Asked for GL alone, the renderer either draws (a GL driver that
    // allows them) or refuses up front, naming the adapter and why: never a validation error
    // at the first picture.
    use byfeel_render::{GpuOptions, TactileConfig};
    let options = GpuOptions {
        backend: Some("gl".into()),
        adapter: None,
    };
    match Renderer::with_options(options, TactileConfig::default()) {
        Ok(mut renderer) => {
            let door = world("door", Randomization::Nominal);
            let g = SceneGeometry::from_world(&door);
            let image = renderer
                .render_cameras(&[(&g, &first_camera(&door, 48, 48))])
                .expect("an adapter that was not passed over draws");
            assert!(image[0].depth.iter().any(|d| d.is_finite()));
        }
        Err(e) => {
            let e = e.to_string();
            assert!(
                e.contains("no graphics adapter found")
                    && (e.contains("cannot render R32Float") || e.contains("backends tried")),
                "{e}"
            );
            assert!(e.contains("mesa-vulkan-drivers"), "{e}");
        }
    }
}
