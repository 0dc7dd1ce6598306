//! Triangle meshes for the renderer. Boxes, balls and cylinders are one shared unit mesh each,
//! scaled per instance, so a whole scene uploads a handful of meshes once; hulls and loaded
//! meshes (the die, URDF meshes) are uploaded once per distinct shape.

use bytemuck::{Pod, Zeroable};
use glam::Vec3;

/// One vertex: position and normal in the mesh's own frame.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct Vertex {
    pub position: [f32; 3],
    pub normal: [f32; 3],
}

/// Which mesh an instance draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MeshKey {
    /// Cube from -1 to 1 on each axis.
    UnitCube,
    /// Sphere of radius 1.
    UnitSphere,
    /// Cylinder of radius 1 along y from -1 to 1 (parry's convention).
    UnitCylinder,
    /// Any other mesh, keyed by a hash of its triangles.
    Custom(u64),
}

/// Triangles ready for upload.
#[derive(Clone, Debug, Default)]
pub struct MeshData {
    pub vertices: Vec<Vertex>,
    pub indices: Vec<u32>,
}

impl MeshData {
    /// Flat-shaded mesh from triangles: every face gets its own normal, so edges stay sharp.
    pub fn flat(points: &[Vec3], triangles: &[[u32; 3]]) -> Self {
        let mut m = MeshData::default();
        for t in triangles {
            let [a, b, c] = t.map(|i| points[i as usize]);
            let n = (b - a).cross(c - a).normalize_or_zero();
            for p in [a, b, c] {
                m.indices.push(m.vertices.len() as u32);
                m.vertices.push(Vertex {
                    position: p.to_array(),
                    normal: n.to_array(),
                });
            }
        }
        m
    }

    /// A stable key for this mesh's content.
    pub fn content_key(points: &[Vec3], triangles: &[[u32; 3]]) -> MeshKey {
        // FNV-1a over the raw numbers: stable across runs, unlike std's randomised hasher.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |x: u32| {
            for b in x.to_le_bytes() {
                h ^= b as u64;
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        };
        for p in points {
            for v in p.to_array() {
                eat(v.to_bits());
            }
        }
        for t in triangles {
            t.iter().for_each(|&i| eat(i));
        }
        MeshKey::Custom(h)
    }

    pub fn unit(key: MeshKey) -> Option<Self> {
        match key {
            MeshKey::UnitCube => Some(Self::unit_cube()),
            // Fine enough that the facets stay under 0.4 % of the radius: the gel feels them.
            MeshKey::UnitSphere => Some(Self::unit_sphere(64, 48)),
            MeshKey::UnitCylinder => Some(Self::unit_cylinder(128)),
            MeshKey::Custom(_) => None,
        }
    }

    fn unit_cube() -> Self {
        let p: Vec<Vec3> = (0..8)
            .map(|i| {
                Vec3::new(
                    if i & 1 == 0 { -1.0 } else { 1.0 },
                    if i & 2 == 0 { -1.0 } else { 1.0 },
                    if i & 4 == 0 { -1.0 } else { 1.0 },
                )
            })
            .collect();
        let quads = [
            [0, 2, 3, 1], // -z
            [4, 5, 7, 6], // +z
            [0, 1, 5, 4], // -y
            [2, 6, 7, 3], // +y
            [0, 4, 6, 2], // -x
            [1, 3, 7, 5], // +x
        ];
        let tris: Vec<[u32; 3]> = quads
            .iter()
            .flat_map(|q| [[q[0], q[1], q[2]], [q[0], q[2], q[3]]])
            .collect();
        Self::flat(&p, &tris)
    }

    fn unit_sphere(slices: u32, stacks: u32) -> Self {
        let mut m = MeshData::default();
        for i in 0..=stacks {
            let theta = std::f32::consts::PI * i as f32 / stacks as f32;
            for j in 0..=slices {
                let phi = std::f32::consts::TAU * j as f32 / slices as f32;
                let n = Vec3::new(
                    theta.sin() * phi.cos(),
                    theta.cos(),
                    theta.sin() * phi.sin(),
                );
                m.vertices.push(Vertex {
                    position: n.to_array(),
                    normal: n.to_array(),
                });
            }
        }
        let row = slices + 1;
        for i in 0..stacks {
            for j in 0..slices {
                let a = i * row + j;
                let b = a + row;
                m.indices.extend_from_slice(&[a, a + 1, b, a + 1, b + 1, b]);
            }
        }
        m
    }

    fn unit_cylinder(slices: u32) -> Self {
        let mut m = MeshData::default();
        let ring = |y: f32| -> Vec<Vec3> {
            (0..slices)
                .map(|j| {
                    let phi = std::f32::consts::TAU * j as f32 / slices as f32;
                    Vec3::new(phi.cos(), y, phi.sin())
                })
                .collect()
        };
        let (bottom, top) = (ring(-1.0), ring(1.0));
        // Side: smooth normals.
        for j in 0..slices as usize {
            let base = m.vertices.len() as u32;
            for p in [bottom[j], top[j]] {
                m.vertices.push(Vertex {
                    position: p.to_array(),
                    normal: Vec3::new(p.x, 0.0, p.z).to_array(),
                });
            }
            let next = if j + 1 == slices as usize {
                base - 2 * j as u32
            } else {
                base + 2
            };
            m.indices
                .extend_from_slice(&[base, base + 1, next, next, base + 1, next + 1]);
        }
        // Caps: flat normals.
        for (ringv, y) in [(&bottom, -1.0f32), (&top, 1.0)] {
            let centre = m.vertices.len() as u32;
            let n = [0.0, y, 0.0];
            m.vertices.push(Vertex {
                position: [0.0, y, 0.0],
                normal: n,
            });
            for p in ringv.iter() {
                m.vertices.push(Vertex {
                    position: p.to_array(),
                    normal: n,
                });
            }
            for j in 0..slices {
                let a = centre + 1 + j;
                let b = centre + 1 + (j + 1) % slices;
                if y > 0.0 {
                    m.indices.extend_from_slice(&[centre, b, a]);
                } else {
                    m.indices.extend_from_slice(&[centre, a, b]);
                }
            }
        }
        m
    }
}
