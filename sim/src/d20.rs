//! The 20-sided die: a regular icosahedron whose faces are numbered like a real d20 (opposite
//! faces sum to 21), and the readouts "which face is up" and "which face faces a direction".

use glam::{DQuat, DVec3};

/// Geometry and numbering of a unit-circumradius icosahedron, in the die's own frame.
#[derive(Debug, Clone)]
pub struct D20 {
    /// The 12 vertices, at distance 1 from the centre.
    pub vertices: [DVec3; 12],
    /// Vertex indices of each face, counter-clockwise seen from outside.
    pub faces: [[usize; 3]; 20],
    /// Outward unit normal of each face.
    pub normals: [DVec3; 20],
    /// The number printed on each face, 1-20.
    pub numbers: [u8; 20],
}

impl Default for D20 {
    fn default() -> Self {
        Self::new()
    }
}

impl D20 {
    /// Inradius over circumradius of a regular icosahedron: how high the centre sits above the
    /// table when a face lies flat, per metre of circumradius.
    pub const INRADIUS_RATIO: f64 = 0.794_654_472_291_766_1;

    pub fn new() -> Self {
        let phi = (1.0 + 5f64.sqrt()) / 2.0;
        let mut vertices = [DVec3::ZERO; 12];
        let mut i = 0;
        for a in [-1.0, 1.0] {
            for b in [-phi, phi] {
                vertices[i] = DVec3::new(0.0, a, b);
                vertices[i + 1] = DVec3::new(a, b, 0.0);
                vertices[i + 2] = DVec3::new(b, 0.0, a);
                i += 3;
            }
        }
        for v in &mut vertices {
            *v = v.normalize();
        }
        // Faces are the triples of mutually adjacent vertices (edge length 2 before scaling).
        let edge = vertices[1..]
            .iter()
            .map(|v| (*v - vertices[0]).length())
            .fold(f64::INFINITY, f64::min);
        let adjacent =
            |a: usize, b: usize| ((vertices[a] - vertices[b]).length() - edge).abs() < 1e-9;
        let mut faces = Vec::with_capacity(20);
        for a in 0..12 {
            for b in a + 1..12 {
                for c in b + 1..12 {
                    if adjacent(a, b) && adjacent(b, c) && adjacent(a, c) {
                        let n = (vertices[b] - vertices[a]).cross(vertices[c] - vertices[a]);
                        let centroid = vertices[a] + vertices[b] + vertices[c];
                        faces.push(if n.dot(centroid) > 0.0 {
                            [a, b, c]
                        } else {
                            [a, c, b]
                        });
                    }
                }
            }
        }
        assert_eq!(faces.len(), 20, "an icosahedron has 20 faces");
        let faces: [[usize; 3]; 20] = faces.try_into().expect("20 faces");
        let normals = faces.map(|[a, b, c]| (vertices[a] + vertices[b] + vertices[c]).normalize());
        // Number faces in a fixed order and give each face's opposite 21 minus its number.
        let mut order: Vec<usize> = (0..20).collect();
        order.sort_by(|&i, &j| {
            let key = |n: DVec3| (-n.z, -n.x, -n.y);
            key(normals[i])
                .partial_cmp(&key(normals[j]))
                .expect("finite normals")
        });
        let mut numbers = [0u8; 20];
        let mut next = 1u8;
        for &f in &order {
            if numbers[f] != 0 {
                continue;
            }
            let opposite = (0..20)
                .find(|&g| normals[g].dot(normals[f]) < -0.999)
                .expect("every face has an opposite");
            numbers[f] = next;
            numbers[opposite] = 21 - next;
            next += 1;
        }
        Self {
            vertices,
            faces,
            normals,
            numbers,
        }
    }

    /// Index of the face printed with `number`.
    pub fn face_index(&self, number: u8) -> Option<usize> {
        self.numbers.iter().position(|&n| n == number)
    }

    /// The numbers of the three faces sharing an edge with face `number`: where one roll
    /// over an edge takes the die.
    pub fn neighbours(&self, number: u8) -> Option<[u8; 3]> {
        let f = self.faces[self.face_index(number)?];
        let shared = |g: &[usize; 3]| g.iter().filter(|v| f.contains(v)).count() == 2;
        let found: Vec<u8> = (0..20)
            .filter(|&g| shared(&self.faces[g]))
            .map(|g| self.numbers[g])
            .collect();
        found.try_into().ok()
    }

    /// The number of the face whose outward normal, rotated by `orientation`, points most
    /// nearly along `direction` (world frame).
    pub fn face_toward(&self, orientation: DQuat, direction: DVec3) -> u8 {
        let local = orientation.inverse() * direction.normalize();
        let best = (0..20)
            .max_by(|&a, &b| {
                self.normals[a]
                    .dot(local)
                    .total_cmp(&self.normals[b].dot(local))
            })
            .expect("20 faces");
        self.numbers[best]
    }

    /// The die's orientation after the least turn from `orientation` that brings face `number`
    /// up. For a neighbour of the face up this is the roll over their shared edge (the turn's
    /// axis is perpendicular to both normals, so it lies along that edge): the pose a push
    /// leaves the die in, including how the new face is turned in the plane.
    ///
    /// ```
    /// use byfeel_sim::D20;
    /// use glam::DVec3;
    /// let d = D20::new();
    /// let start = d.orientation_with_face_up(1, 0.4).unwrap();
    /// let next = d.neighbours(1).unwrap()[0];
    /// let rolled = d.rolled_up(start, next).unwrap();
    /// assert_eq!(d.face_toward(rolled, DVec3::Z), next);
    /// ```
    pub fn rolled_up(&self, orientation: DQuat, number: u8) -> Option<DQuat> {
        let n = orientation * self.normals[self.face_index(number)?];
        Some((DQuat::from_rotation_arc(n, DVec3::Z) * orientation).normalize())
    }

    /// An orientation that lays the die with face `number` up, turned by `yaw` about the vertical.
    pub fn orientation_with_face_up(&self, number: u8, yaw: f64) -> Option<DQuat> {
        let n = self.normals[self.face_index(number)?];
        Some(DQuat::from_rotation_z(yaw) * DQuat::from_rotation_arc(n, DVec3::Z))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_face_has_three_neighbours_one_roll_away() {
        let d = D20::new();
        for n in 1..=20u8 {
            let near = d.neighbours(n).unwrap();
            for m in near {
                assert!(d.neighbours(m).unwrap().contains(&n), "{n} and {m}");
                assert_ne!(m + n, 21, "the opposite face is never a neighbour");
                // Neighbouring normals meet at the icosahedron's dihedral angle (138.19°).
                let (a, b) = (d.face_index(n).unwrap(), d.face_index(m).unwrap());
                let turn = d.normals[a].dot(d.normals[b]).acos().to_degrees();
                assert!((turn - 41.81).abs() < 0.01, "{turn}");
            }
        }
        assert_eq!(d.neighbours(0), None);
    }

    #[test]
    fn a_roll_turns_the_die_about_the_shared_edge() {
        let d = D20::new();
        let start = d.orientation_with_face_up(7, 1.1).unwrap();
        for next in d.neighbours(7).unwrap() {
            let rolled = d.rolled_up(start, next).unwrap();
            assert_eq!(d.face_toward(rolled, DVec3::Z), next);
            // The two vertices of the shared edge stay where they were (up to the die's
            // translation, which a roll adds): the edge is the hinge.
            let (f, g) = (
                d.faces[d.face_index(7).unwrap()],
                d.faces[d.face_index(next).unwrap()],
            );
            let hinge: Vec<usize> = f.iter().copied().filter(|v| g.contains(v)).collect();
            assert_eq!(hinge.len(), 2);
            let before = start * d.vertices[hinge[1]] - start * d.vertices[hinge[0]];
            let after = rolled * d.vertices[hinge[1]] - rolled * d.vertices[hinge[0]];
            assert!((before - after).length() < 1e-9, "{before} {after}");
            // ... and the turn is the supplement of the dihedral angle.
            let turn = (rolled * start.inverse()).to_axis_angle().1.to_degrees();
            assert!((turn - 41.81).abs() < 0.01, "{turn}");
        }
    }

    #[test]
    fn numbered_like_a_real_d20() {
        let d = D20::new();
        let mut seen = d.numbers.to_vec();
        seen.sort();
        assert_eq!(
            seen,
            (1..=20).collect::<Vec<u8>>(),
            "each number on exactly one face"
        );
        for f in 0..20 {
            let opposite = (0..20)
                .find(|&g| d.normals[g].dot(d.normals[f]) < -0.999)
                .unwrap();
            assert_eq!(
                d.numbers[f] + d.numbers[opposite],
                21,
                "opposite faces sum to 21"
            );
        }
    }

    #[test]
    fn laying_a_face_up_reads_back_that_face() {
        let d = D20::new();
        for n in 1..=20 {
            for yaw in [0.0, 1.0, -2.5] {
                let q = d.orientation_with_face_up(n, yaw).unwrap();
                assert_eq!(d.face_toward(q, DVec3::Z), n);
                assert_eq!(d.face_toward(q, -DVec3::Z), 21 - n, "the face on the table");
            }
        }
    }

    #[test]
    fn it_is_a_regular_icosahedron() {
        let d = D20::new();
        let edges: Vec<f64> = d
            .faces
            .iter()
            .flat_map(|&[a, b, c]| [(a, b), (b, c), (c, a)])
            .map(|(a, b)| (d.vertices[a] - d.vertices[b]).length())
            .collect();
        let e = edges[0];
        assert!(
            edges.iter().all(|x| (x - e).abs() < 1e-12),
            "all 60 edge uses are equal"
        );
        // Face centre distance is the inradius.
        let [a, b, c] = d.faces[0];
        let centre = (d.vertices[a] + d.vertices[b] + d.vertices[c]) / 3.0;
        assert!((centre.length() - D20::INRADIUS_RATIO).abs() < 1e-12);
    }
}
