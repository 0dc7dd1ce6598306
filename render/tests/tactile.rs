//! The gel sensor: imprints of known shapes agree with their geometry, and different contacts
//! look different. These run on lavapipe in CI.

use byfeel_render::{GelState, Part, Renderer, SceneGeometry, TactileConfig, TactileImage};
use byfeel_sim::rapier3d::prelude::{Ball, Cuboid, Cylinder, Pose, Shape, SharedShape};
use glam::{Mat4, Quat, Vec3};

/// The gel at the world origin, z out of the pad, 18 × 28 mm like the Sawyer finger's.
fn gel(force_n: f32) -> GelState {
    GelState {
        frame: Mat4::IDENTITY,
        half_size: [0.009, 0.014],
        force_n,
    }
}

fn scene(shape: &dyn Shape, position: Vec3, rotation: Quat) -> SceneGeometry {
    let mut g = SceneGeometry::default();
    g.add_shape(shape, &Pose::from_parts(position, rotation), Part::Other);
    g
}

fn renderer(width: u32, height: u32) -> Renderer {
    let mut r = Renderer::new().expect("a Vulkan or GL adapter (lavapipe in CI)");
    r.set_tactile_config(TactileConfig::default().with_size(width, height))
        .unwrap();
    r
}

fn touch(r: &mut Renderer, g: &SceneGeometry, state: GelState) -> TactileImage {
    r.render_tactile(&[(g, state)]).unwrap().remove(0)
}

/// Bounding box (cols, rows) of the contact mask.
fn contact_extent(t: &TactileImage) -> (u32, u32) {
    let (mut c0, mut c1, mut r0, mut r1) = (u32::MAX, 0, u32::MAX, 0);
    for row in 0..t.height {
        for col in 0..t.width {
            if t.contact[(row * t.width + col) as usize] > 0 {
                (c0, c1, r0, r1) = (c0.min(col), c1.max(col), r0.min(row), r1.max(row));
            }
        }
    }
    if c0 == u32::MAX {
        (0, 0)
    } else {
        (c1 - c0 + 1, r1 - r0 + 1)
    }
}

fn mean_abs_diff(a: &TactileImage, b: &TactileImage) -> f64 {
    a.rgb
        .iter()
        .zip(&b.rgb)
        .map(|(x, y)| (*x as f64 - *y as f64).abs())
        .sum::<f64>()
        / a.rgb.len() as f64
}

/// Hertz-free geometry: a sphere of radius R pushed d into a flat gel touches a disc of radius
/// √(2Rd − d²), and the deepest point is d. Tolerance: the depth within 3 %, the radius (from
/// the contact area) within 5 % + 1 pixel — the sphere is a 48 × 32 facet mesh.
#[test]
fn sphere_imprint_is_round_and_grows_with_force_as_the_geometry_says() {
    let mut r = renderer(128, 96);
    let radius = 0.006;
    let ball = scene(
        &Ball::new(radius),
        Vec3::new(0.0, 0.0, radius),
        Quat::IDENTITY,
    );
    let stiffness = r.tactile_config().stiffness_n_per_mm;
    let mut last = (0.0f32, 0.0f32);
    for force in [0.6f32, 1.2, 2.0, 3.0] {
        let t = touch(&mut r, &ball, gel(force));
        let d = force / stiffness;
        let r_mm = radius * 1000.0;
        let expected_radius = (2.0 * r_mm * d - d * d).sqrt();
        let area = t.contact_pixels() as f32 * t.pixel_mm * t.pixel_mm;
        let measured_radius = (area / std::f32::consts::PI).sqrt();
        let depth = t.max_indentation_mm();
        eprintln!(
            "F {force} N: depth {depth:.3} mm (want {d:.3}), contact radius {measured_radius:.3} mm (want {expected_radius:.3})"
        );
        assert!((depth - d).abs() <= 0.03 * d, "depth {depth} vs {d}");
        assert!(
            (measured_radius - expected_radius).abs() <= 0.05 * expected_radius + t.pixel_mm,
            "radius {measured_radius} vs {expected_radius}"
        );
        let (w, h) = contact_extent(&t);
        assert!(w.abs_diff(h) <= 2, "round imprint, got {w}x{h} pixels");
        assert!(
            depth > last.0 && measured_radius > last.1,
            "harder press, deeper and wider"
        );
        last = (depth, measured_radius);
    }
}

#[test]
fn no_contact_gives_the_background_image() {
    let mut r = renderer(64, 48);
    let empty = touch(&mut r, &SceneGeometry::default(), gel(0.0));
    assert!(!empty.in_contact());
    assert!(empty.indentation_mm.iter().all(|&v| v == 0.0));
    // A sphere 2 mm in front of the gel (within the sensor's reach, not touching), even with a
    // force reported from elsewhere, leaves the gel flat.
    let near = scene(
        &Ball::new(0.006),
        Vec3::new(0.0, 0.0, 0.008),
        Quat::IDENTITY,
    );
    let hovering = touch(&mut r, &near, gel(0.0));
    assert_eq!(
        hovering.rgb, empty.rgb,
        "no contact looks exactly like the empty gel"
    );
    assert!(!hovering.in_contact());
    // And a touching sphere does not.
    let touching = scene(
        &Ball::new(0.006),
        Vec3::new(0.0, 0.0, 0.006),
        Quat::IDENTITY,
    );
    let pressed = touch(&mut r, &touching, gel(1.0));
    assert!(pressed.in_contact());
    assert!(mean_abs_diff(&pressed, &empty) > 1.0);
    // The background is the lit gel, not a flat colour: the three lights shade it across.
    let first = empty.pixel(0, 0);
    assert!(empty.rgb.chunks(3).any(|p| p != first));
}

#[test]
fn an_edge_a_corner_and_a_face_look_different() {
    let mut r = renderer(64, 48);
    let cube = Cuboid::new(Vec3::splat(0.005));
    // Flat face: the cube's -z face on the gel.
    let face = touch(
        &mut r,
        &scene(&cube, Vec3::new(0.0, 0.0, 0.005), Quat::IDENTITY),
        gel(2.0),
    );
    // Edge: turned 45° about the gel's y axis (the pad's long side, along which the image's
    // columns run), an edge along y touches.
    let q_edge = Quat::from_rotation_y(std::f32::consts::FRAC_PI_4);
    let edge_z = 0.005 * std::f32::consts::SQRT_2;
    let edge = touch(
        &mut r,
        &scene(&cube, Vec3::new(0.0, 0.0, edge_z), q_edge),
        gel(2.0),
    );
    // Corner: a body diagonal along z.
    let q_corner = Quat::from_rotation_arc(Vec3::new(1.0, 1.0, 1.0).normalize(), -Vec3::Z);
    let corner_z = 0.005 * 3f32.sqrt();
    let corner = touch(
        &mut r,
        &scene(&cube, Vec3::new(0.0, 0.0, corner_z), q_corner),
        gel(2.0),
    );
    // A d20 face for good measure: any convex hull works.
    let die = byfeel_sim::D20::new();
    let points: Vec<Vec3> = die
        .vertices
        .iter()
        .map(|v| (*v * 0.014).as_vec3())
        .collect();
    let hull = SharedShape::convex_hull(&points).unwrap();
    // Face 20 up, then turned over so it faces the gel.
    let face_down = Quat::from_rotation_x(std::f32::consts::PI)
        * die.orientation_with_face_up(20, 0.0).unwrap().as_quat();
    let inradius = 0.014 * byfeel_sim::D20::INRADIUS_RATIO as f32;
    let die_face = touch(
        &mut r,
        &scene(hull.as_ref(), Vec3::new(0.0, 0.0, inradius), face_down),
        gel(2.0),
    );
    let (fw, fh) = contact_extent(&face);
    let (ew, eh) = contact_extent(&edge);
    let (cw, ch) = contact_extent(&corner);
    eprintln!(
        "face {fw}x{fh} ({} px), edge {ew}x{eh} ({} px), corner {cw}x{ch} ({} px), die face {} px",
        face.contact_pixels(),
        edge.contact_pixels(),
        corner.contact_pixels(),
        die_face.contact_pixels()
    );
    // The face is a filled square (10 mm = 26.7 px), the edge a line along x, the corner a blob.
    assert!(fw.abs_diff(fh) <= 2 && fw >= 24, "face imprint {fw}x{fh}");
    assert!(
        ew >= 24 && ew >= 3 * eh,
        "edge imprint {ew}x{eh} is a line along the columns"
    );
    assert!(corner.contact_pixels() < edge.contact_pixels());
    assert!(edge.contact_pixels() < face.contact_pixels());
    let images = [&face, &edge, &corner, &die_face];
    for i in 0..images.len() {
        for j in i + 1..images.len() {
            let d = mean_abs_diff(images[i], images[j]);
            assert!(
                d > 2.0,
                "images {i} and {j} differ by only {d:.2} per channel"
            );
        }
    }
}

/// TACTO shows nothing for thin meshes such as a door handle; here a 1.5 mm radius bar (and a
/// 10 mm one, the scene's handle) both leave a line across the pad.
#[test]
fn a_thin_bar_leaves_an_imprint() {
    let mut r = renderer(64, 48);
    for radius in [0.0015f32, 0.010] {
        // Cylinders run along y: the bar lies along the pad's long side, the image's columns.
        let bar = Cylinder::new(0.05, radius);
        let g = scene(&bar, Vec3::new(0.0, 0.0, radius), Quat::IDENTITY);
        let t = touch(&mut r, &g, gel(1.0));
        let (w, h) = contact_extent(&t);
        eprintln!(
            "bar radius {radius}: contact {w}x{h}, depth {:.2}",
            t.max_indentation_mm()
        );
        assert!(
            t.in_contact(),
            "a bar of radius {radius} m must leave an imprint"
        );
        assert!(
            w == t.width && h < t.height / 2,
            "the bar crosses the whole pad: {w}x{h}"
        );
        assert!((t.max_indentation_mm() - 0.5).abs() < 0.02);
    }
}

#[test]
fn rendering_is_deterministic_and_batching_changes_nothing() {
    let mut r = renderer(64, 48);
    let ball = scene(
        &Ball::new(0.004),
        Vec3::new(0.001, -0.002, 0.004),
        Quat::IDENTITY,
    );
    let cube = scene(
        &Cuboid::new(Vec3::splat(0.004)),
        Vec3::new(0.0, 0.0, 0.0035),
        Quat::from_rotation_z(0.3),
    );
    let a = touch(&mut r, &ball, gel(1.5));
    let b = touch(&mut r, &ball, gel(1.5));
    assert_eq!(a, b);
    let batch = r
        .render_tactile(&[
            (&cube, gel(0.5)),
            (&ball, gel(1.5)),
            (&SceneGeometry::default(), gel(0.0)),
        ])
        .unwrap();
    assert_eq!(
        batch[1], a,
        "a view rendered in a batch equals the same view alone"
    );
    assert_ne!(batch[0].rgb, a.rgb);
    assert!(!batch[2].in_contact());
}

/// Fast motion: the solver has not caught the contact (no force yet) but the object already
/// overlaps the pad; the frame shows the overlap instead of going blank.
#[test]
fn overlap_without_force_still_shows_an_imprint() {
    let mut r = renderer(64, 48);
    let ball = scene(
        &Ball::new(0.006),
        Vec3::new(0.0, 0.0, 0.006 - 0.0008),
        Quat::IDENTITY,
    );
    let t = touch(&mut r, &ball, gel(0.0));
    assert!(t.in_contact());
    assert!(
        (t.max_indentation_mm() - 0.8).abs() < 0.03,
        "{}",
        t.max_indentation_mm()
    );
}

#[test]
fn bad_sizes_and_states_are_refused_with_clear_errors() {
    let mut r = renderer(64, 48);
    for (w, h) in [(0, 48), (64, 0), (100_000, 48)] {
        let e = r
            .set_tactile_config(TactileConfig::default().with_size(w, h))
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("{w}x{h}")), "{e}");
    }
    let e = r
        .render_tactile(&[(&SceneGeometry::default(), gel(f32::NAN))])
        .unwrap_err()
        .to_string();
    assert!(e.contains("force"), "{e}");
    // The renderer still works after refusing.
    assert!(!touch(&mut r, &SceneGeometry::default(), gel(0.0)).in_contact());
}
