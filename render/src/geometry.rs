//! What the renderer draws: the sim's collision shapes as mesh instances with a pose, a scale
//! and a colour. Drawing the collision shapes (not separate visual meshes) means a picture
//! shows exactly what the physics touches.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use byfeel_sim::World;
use byfeel_sim::rapier3d::prelude::{ColliderHandle, Pose, Shape};
use glam::{Mat4, Quat, Vec3};

use crate::mesh::{MeshData, MeshKey};

/// Which object a shape belongs to; picks its colour and whether the gel can feel it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    Arm,
    Gel,
    Table,
    DoorFrame,
    DoorPanel,
    DoorHandle,
    Cup,
    Die,
    /// The raised marks that tell the die's faces apart by touch.
    DieMark,
    Other,
}

impl Part {
    /// Linear RGB colour: distinct hues so a 48×48 image still separates the objects.
    pub fn colour(self) -> [f32; 4] {
        match self {
            Part::Arm => [0.32, 0.06, 0.05, 1.0],
            Part::Gel => [0.75, 0.75, 0.78, 1.0],
            Part::Table => [0.55, 0.55, 0.52, 1.0],
            Part::DoorFrame => [0.18, 0.20, 0.30, 1.0],
            Part::DoorPanel => [0.50, 0.30, 0.12, 1.0],
            Part::DoorHandle => [0.85, 0.75, 0.15, 1.0],
            Part::Cup => [0.10, 0.35, 0.85, 1.0],
            Part::Die => [0.90, 0.90, 0.85, 1.0],
            Part::DieMark => [0.15, 0.15, 0.15, 1.0],
            Part::Other => [0.4, 0.6, 0.4, 1.0],
        }
    }

    /// Parts of the robot itself; the tactile sensor never feels these.
    pub fn is_robot(self) -> bool {
        matches!(self, Part::Arm | Part::Gel)
    }
}

/// One mesh placed in the world.
#[derive(Clone, Copy, Debug)]
pub struct Item {
    pub mesh: MeshKey,
    /// World-from-mesh transform, scale included.
    pub model: Mat4,
    pub part: Part,
}

/// Every shape of a world at one instant, ready to draw.
#[derive(Clone, Debug, Default)]
pub struct SceneGeometry {
    pub items: Vec<Item>,
    /// Meshes that are not unit primitives, by key.
    pub meshes: HashMap<MeshKey, Arc<MeshData>>,
    /// Colours the scene gives its parts (a family door's panel, frame and handle), over
    /// [`Part::colour`].
    pub colours: HashMap<Part, [f32; 4]>,
    /// The scene's key light: direction toward it (xyz) and brightness (w); `None`: the
    /// renderer's.
    pub light: Option<[f32; 4]>,
}

/// The renderer's key light: from above, a little behind the arm's base (−x) and to the side,
/// at brightness 1.
pub const DEFAULT_LIGHT: [f32; 4] = [-0.35, -0.45, 1.0, 1.0];

impl SceneGeometry {
    /// Reads every collider of `world` (arm, gel, table, door, cup, die).
    pub fn from_world(world: &World) -> Self {
        let physics = world.physics();
        let mut parts: HashMap<ColliderHandle, Part> = HashMap::new();
        parts.insert(world.table.collider, Part::Table);
        for &g in &world.arm.gel_colliders {
            parts.insert(g, Part::Gel);
        }
        if let Some(door) = &world.door {
            parts.insert(door.panel, Part::DoorPanel);
            for &h in &door.handle {
                parts.insert(h, Part::DoorHandle);
            }
        }
        if let Some(cup) = &world.cup {
            parts.insert(cup.collider, Part::Cup);
        }
        if let Some(die) = &world.die {
            parts.insert(die.collider, Part::Die);
        }
        let door_frame = world.door.as_ref().map(|d| d.frame_body);
        let mut geometry = SceneGeometry::default();
        // Handles sorted so that the draw order, and so the image, never depends on hashing.
        let mut handles: Vec<ColliderHandle> = physics.colliders.iter().map(|(h, _)| h).collect();
        handles.sort_by_key(|h| h.into_raw_parts());
        for h in handles {
            let c = &physics.colliders[h];
            let part = parts.get(&h).copied().unwrap_or_else(|| match c.parent() {
                Some(b) if world.arm.bodies.contains(&b) => Part::Arm,
                Some(b) if Some(b) == door_frame => Part::DoorFrame,
                _ => Part::Other,
            });
            geometry.add_shape(c.shape(), c.position(), part);
        }
        if let Some(die) = &world.die {
            geometry.add_die_marks(&die.geometry, die.circumradius, &die.pose(physics));
        }
        if let Some(door) = &world.door {
            let c = door.colours;
            for (part, rgb) in [
                (Part::DoorPanel, c.panel),
                (Part::DoorFrame, c.frame),
                (Part::DoorHandle, c.handle),
            ] {
                if let Some([r, g, b]) = rgb {
                    geometry.colours.insert(part, [r, g, b, 1.0]);
                }
            }
        }
        geometry.light = world.light.map(|l| {
            let [x, y, z] = l.direction.map(|v| v as f32);
            [x, y, z, l.intensity as f32]
        });
        geometry
    }

    /// The colour `part` is drawn in: the scene's, or the part's own.
    pub fn colour(&self, part: Part) -> [f32; 4] {
        self.colours.get(&part).copied().unwrap_or(part.colour())
    }

    /// Raised marks on each face of the die that tell, from one press, which face it is and
    /// how it is turned, as a real d20's embossed numerals do. Each face has a bar pointing at
    /// its first corner, which fixes the turn (a triangle alone looks the same turned by
    /// 120°), and a 5-bit code of square dots at places measured from that bar: toward the two
    /// other corners and toward the three edge midpoints. Without the bar, codes that are
    /// turns of each other (1, 2 and 4 at the three corners, say) would feel alike.
    ///
    /// The marks are drawn, and so felt by the gel, but take no part in the physics: 0.7 mm
    /// is below the solver's contact scale.
    fn add_die_marks(&mut self, d20: &byfeel_sim::D20, radius: f64, pose: &byfeel_sim::Frame) {
        const HEIGHT: f64 = 0.0007;
        let base =
            Mat4::from_rotation_translation(pose.rotation.as_quat(), pose.translation.as_vec3());
        for (f, face) in d20.faces.iter().enumerate() {
            let [a, b, c] = face.map(|i| d20.vertices[i] * radius);
            let n = d20.normals[f];
            let centre = (a + b + c) / 3.0;
            let along = (a - centre).normalize();
            let rotation =
                glam::DQuat::from_mat3(&glam::DMat3::from_cols(along, n.cross(along), n));
            let mut mark = |at: glam::DVec3, half_along: f64, half_across: f64| {
                let local = Mat4::from_scale_rotation_translation(
                    Vec3::new(half_along as f32, half_across as f32, HEIGHT as f32),
                    rotation.as_quat(),
                    at.as_vec3(),
                );
                self.items.push(Item {
                    mesh: MeshKey::UnitCube,
                    model: base * local,
                    part: Part::DieMark,
                });
            };
            // The bar: long along the line to corner a, so it is told from a square dot.
            mark(centre + (a - centre) * 0.5, 0.16 * radius, 0.045 * radius);
            let spots = [
                centre + (b - centre) * 0.5,
                centre + (c - centre) * 0.5,
                centre + ((a + b) / 2.0 - centre) * 0.6,
                centre + ((b + c) / 2.0 - centre) * 0.6,
                centre + ((c + a) / 2.0 - centre) * 0.6,
            ];
            let number = d20.numbers[f];
            for (bit, spot) in spots.iter().enumerate() {
                if number & (1 << bit) != 0 {
                    mark(*spot, 0.08 * radius, 0.08 * radius);
                }
            }
        }
    }

    /// Adds one shape at `pose`. Shapes the renderer cannot draw are skipped (and said so once).
    pub fn add_shape(&mut self, shape: &dyn Shape, pose: &Pose, part: Part) {
        let base = Mat4::from_rotation_translation(pose.rotation, pose.translation);
        self.add_shape_at(shape, base, part);
    }

    fn add_shape_at(&mut self, shape: &dyn Shape, base: Mat4, part: Part) {
        let mut push = |mesh, local: Mat4| {
            self.items.push(Item {
                mesh,
                model: base * local,
                part,
            })
        };
        if let Some(b) = shape.as_cuboid() {
            push(MeshKey::UnitCube, Mat4::from_scale(b.half_extents));
        } else if let Some(b) = shape.as_ball() {
            push(MeshKey::UnitSphere, Mat4::from_scale(Vec3::splat(b.radius)));
        } else if let Some(c) = shape.as_cylinder() {
            push(
                MeshKey::UnitCylinder,
                Mat4::from_scale(Vec3::new(c.radius, c.half_height, c.radius)),
            );
        } else if let Some(c) = shape.as_capsule() {
            let (a, b) = (c.segment.a, c.segment.b);
            let axis = b - a;
            let rot = Quat::from_rotation_arc(Vec3::Y, axis.normalize_or(Vec3::Y));
            push(
                MeshKey::UnitCylinder,
                Mat4::from_scale_rotation_translation(
                    Vec3::new(c.radius, axis.length() / 2.0, c.radius),
                    rot,
                    (a + b) / 2.0,
                ),
            );
            for end in [a, b] {
                push(
                    MeshKey::UnitSphere,
                    Mat4::from_scale_rotation_translation(
                        Vec3::splat(c.radius),
                        Quat::IDENTITY,
                        end,
                    ),
                );
            }
        } else if let Some(p) = shape.as_convex_polyhedron() {
            let (pts, tris) = p.to_trimesh();
            self.add_mesh(&pts, &tris, base, part);
        } else if let Some(t) = shape.as_trimesh() {
            self.add_mesh(t.vertices(), t.indices(), base, part);
        } else if let Some(c) = shape.as_compound() {
            for (pose, s) in c.shapes() {
                let local = Mat4::from_rotation_translation(pose.rotation, pose.translation);
                self.add_shape_at(s.as_ref(), base * local, part);
            }
        } else {
            static WARNED: std::sync::Once = std::sync::Once::new();
            WARNED.call_once(|| {
                eprintln!(
                    "byfeel-render: a {:?} shape is not drawn (boxes, balls, cylinders, capsules, \
                     convex hulls, triangle meshes and compounds are)",
                    shape.shape_type()
                )
            });
        }
    }

    fn add_mesh(&mut self, points: &[Vec3], triangles: &[[u32; 3]], base: Mat4, part: Part) {
        let key = MeshData::content_key(points, triangles);
        if !self.meshes.contains_key(&key) {
            // Built once per distinct mesh for the whole process, not once per frame.
            static BUILT: OnceLock<Mutex<HashMap<MeshKey, Arc<MeshData>>>> = OnceLock::new();
            let mut built = BUILT
                .get_or_init(Default::default)
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            let mesh = built
                .entry(key)
                .or_insert_with(|| Arc::new(MeshData::flat(points, triangles)))
                .clone();
            self.meshes.insert(key, mesh);
        }
        self.items.push(Item {
            mesh: key,
            model: base,
            part,
        });
    }
}
