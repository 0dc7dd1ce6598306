//! The touch embedding the memory compares presses in: the gel image moved so that its contact
//! centroid sits at the centre, averaged over `pool × pool` blocks, and projected on the
//! principal components of the store's frames.
//!
//! Centring matters because the roll skill's tap leaves the gel up to a millimetre off the
//! face's centre, along the push: uncentred, the nearest stored press is the one left off-centre
//! the same way, whatever face it shows. Pooling keeps the marks (each covers several pixels)
//! and makes a comparison cheap; the projection keeps a shipped memory small.

use rayon::prelude::*;

use crate::AgentError;

/// Channel spread (max − min of R, G, B) above which a gel pixel counts as touching; the roll
/// skill's tap uses the same threshold to find the face.
const CONTACT_SATURATION: i32 = 90;
/// Fewer touching pixels than this and the image is left where it is.
const MIN_CONTACT_PIXELS: usize = 8;

/// Centres, pools and projects gel images.
#[derive(Debug, Clone, PartialEq)]
pub struct TouchEmbedding {
    /// Gel image height, pixels.
    pub height: usize,
    /// Gel image width, pixels.
    pub width: usize,
    /// Side of the square blocks of pixels averaged into one.
    pub pool: usize,
    /// Mean pooled frame (`pooled_len`).
    pub mean: Vec<f32>,
    /// Principal directions, one row of `pooled_len` each.
    pub basis: Vec<f32>,
}

impl TouchEmbedding {
    /// Numbers in a pooled frame.
    pub fn pooled_len(&self) -> usize {
        pooled_len(self.height, self.width, self.pool)
    }

    /// Numbers in an embedding.
    pub fn dims(&self) -> usize {
        self.basis.len() / self.pooled_len().max(1)
    }

    /// The embedding of an `height × width × 3` gel image.
    pub fn embed(&self, image: &[u8]) -> Result<Vec<f32>, AgentError> {
        let want = self.height * self.width * 3;
        if image.len() != want {
            return Err(AgentError::Config(format!(
                "a gel image of {} bytes; the memory compares {}×{}×3 = {want}",
                image.len(),
                self.height,
                self.width
            )));
        }
        Ok(self.project(&pooled(image, self.height, self.width, self.pool)))
    }

    /// Projects a pooled frame.
    pub fn project(&self, pooled: &[f32]) -> Vec<f32> {
        let d = self.pooled_len();
        self.basis
            .chunks_exact(d)
            .map(|row| {
                row.iter()
                    .zip(pooled.iter().zip(&self.mean))
                    .map(|(b, (x, m))| b * (x - m))
                    .sum()
            })
            .collect()
    }

    /// An embedding drawn back as a gel image, each pooled block one flat patch: what the
    /// memory "sees" of a press, for people to look at.
    pub fn picture(&self, z: &[f32]) -> Vec<u8> {
        let d = self.pooled_len();
        let mut x = self.mean.clone();
        for (zi, row) in z.iter().zip(self.basis.chunks_exact(d)) {
            for (xj, bj) in x.iter_mut().zip(row) {
                *xj += zi * bj;
            }
        }
        let (pw, p) = (self.width / self.pool, self.pool);
        let mut out = vec![0u8; self.height * self.width * 3];
        for r in 0..self.height {
            for c in 0..self.width {
                for ch in 0..3 {
                    let v = x[((r / p) * pw + c / p) * 3 + ch];
                    out[(r * self.width + c) * 3 + ch] = v.round().clamp(0.0, 255.0) as u8;
                }
            }
        }
        out
    }

    /// Fits the mean and `dims` principal directions of `frames` (pooled, `n × pooled_len`)
    /// by subspace iteration on their covariance.
    pub fn fit(
        (height, width, pool): (usize, usize, usize),
        frames: &[f32],
        dims: usize,
    ) -> Result<Self, AgentError> {
        let d = pooled_len(height, width, pool);
        let n = frames.len() / d.max(1);
        if n < 2 || dims == 0 || dims > d {
            return Err(AgentError::Config(format!(
                "an embedding of {dims} numbers from {n} frames of {d}: need 2 frames or more and 1 ≤ dims ≤ {d}"
            )));
        }
        let mut mean = vec![0f32; d];
        for f in frames.chunks_exact(d) {
            for (m, x) in mean.iter_mut().zip(f) {
                *m += x / n as f32;
            }
        }
        let cov = covariance(frames, &mean, d);
        let basis = top_eigenvectors(&cov, d, dims);
        Ok(Self {
            height,
            width,
            pool,
            mean,
            basis,
        })
    }
}

/// Numbers in a frame pooled over `pool × pool` blocks.
pub fn pooled_len(height: usize, width: usize, pool: usize) -> usize {
    (height / pool) * (width / pool) * 3
}

/// The image moved (wrapping round) so that its contact centroid is at the centre, then
/// averaged over `pool × pool` blocks (row-major blocks, 3 channels each).
pub fn pooled(image: &[u8], height: usize, width: usize, pool: usize) -> Vec<f32> {
    let (dr, dc) = centring_shift(image, height, width);
    let (ph, pw) = (height / pool, width / pool);
    let mut out = vec![0f32; ph * pw * 3];
    let scale = 1.0 / (pool * pool) as f32;
    for r in 0..ph * pool {
        let src_r = (r as isize - dr).rem_euclid(height as isize) as usize;
        for c in 0..pw * pool {
            let src_c = (c as isize - dc).rem_euclid(width as isize) as usize;
            let s = (src_r * width + src_c) * 3;
            let o = ((r / pool) * pw + c / pool) * 3;
            for ch in 0..3 {
                out[o + ch] += image[s + ch] as f32 * scale;
            }
        }
    }
    out
}

/// Rows and columns to move the image by to bring its contact centroid to the centre.
fn centring_shift(image: &[u8], height: usize, width: usize) -> (isize, isize) {
    let (mut rows, mut cols, mut n) = (0usize, 0usize, 0usize);
    for (i, p) in image.chunks_exact(3).enumerate() {
        let (hi, lo) = (p[0].max(p[1]).max(p[2]), p[0].min(p[1]).min(p[2]));
        if hi as i32 - lo as i32 > CONTACT_SATURATION {
            rows += i / width;
            cols += i % width;
            n += 1;
        }
    }
    if n < MIN_CONTACT_PIXELS {
        return (0, 0);
    }
    let centre = |len: usize| (len as f64 - 1.0) / 2.0;
    let dr = (centre(height) - rows as f64 / n as f64).round() as isize;
    let dc = (centre(width) - cols as f64 / n as f64).round() as isize;
    (dr, dc)
}

/// `d × d` covariance of `frames` about `mean`.
fn covariance(frames: &[f32], mean: &[f32], d: usize) -> Vec<f32> {
    let n = frames.len() / d;
    let centred: Vec<f32> = frames
        .chunks_exact(d)
        .flat_map(|f| f.iter().zip(mean).map(|(x, m)| x - m))
        .collect();
    let mut cov = vec![0f32; d * d];
    cov.par_chunks_mut(d).enumerate().for_each(|(i, row)| {
        for f in centred.chunks_exact(d) {
            let fi = f[i];
            if fi != 0.0 {
                for (r, x) in row.iter_mut().zip(f) {
                    *r += fi * x;
                }
            }
        }
        for r in row.iter_mut() {
            *r /= n as f32;
        }
    });
    cov
}

/// The `k` leading eigenvectors of the symmetric `d × d` matrix `a` (rows of the result),
/// by subspace iteration: enough for a projection, where only the subspace matters.
fn top_eigenvectors(a: &[f32], d: usize, k: usize) -> Vec<f32> {
    // A fixed, well-spread start: the iteration converges from almost any.
    let mut q: Vec<f32> = (0..k * d)
        .map(|i| ((i as f32 * 0.618_034).fract() - 0.5) + if i % d == i / d { 1.0 } else { 0.0 })
        .collect();
    orthonormalise(&mut q, d);
    for _ in 0..60 {
        let next: Vec<f32> = q
            .par_chunks(d)
            .flat_map_iter(|v| {
                a.chunks_exact(d)
                    .map(|row| row.iter().zip(v).map(|(x, y)| x * y).sum::<f32>())
                    .collect::<Vec<_>>()
            })
            .collect();
        q = next;
        orthonormalise(&mut q, d);
    }
    q
}

/// Modified Gram–Schmidt on the rows of `q`.
fn orthonormalise(q: &mut [f32], d: usize) {
    let k = q.len() / d;
    for i in 0..k {
        for j in 0..i {
            let (done, rest) = q.split_at_mut(i * d);
            let (qj, qi) = (&done[j * d..(j + 1) * d], &mut rest[..d]);
            let dot: f32 = qi.iter().zip(qj).map(|(x, y)| x * y).sum();
            for (x, y) in qi.iter_mut().zip(qj) {
                *x -= dot * y;
            }
        }
        let row = &mut q[i * d..(i + 1) * d];
        let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
        row.iter_mut().for_each(|x| *x /= norm);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centring_moves_the_contact_to_the_middle() {
        let (h, w) = (8, 8);
        let mut img = vec![128u8; h * w * 3];
        // A saturated 3×3 patch centred on (1, 1).
        for r in 0..3 {
            for c in 0..3 {
                let i = (r * w + c) * 3;
                img[i..i + 3].copy_from_slice(&[255, 0, 0]);
            }
        }
        let p = pooled(&img, h, w, 1);
        // The patch now covers rows and columns 3..=5 (centre 3.5, rounded shift 2.5 → 3).
        let red = |r: usize, c: usize| p[(r * w + c) * 3] > 200.0;
        assert!(red(4, 4) && red(3, 3) && !red(0, 0) && !red(1, 1));
    }

    #[test]
    fn the_fit_finds_the_direction_the_frames_vary_along() {
        // Frames varying along one pooled direction only, plus a tiny second one.
        let d = pooled_len(2, 2, 1);
        let frames: Vec<f32> = (0..50)
            .flat_map(|i| {
                let t = i as f32 - 25.0;
                let mut f = vec![100.0; d];
                f[3] += t;
                f[7] += 0.01 * (i % 3) as f32;
                f
            })
            .collect();
        let e = TouchEmbedding::fit((2, 2, 1), &frames, 1).unwrap();
        assert!(e.basis[3].abs() > 0.99, "{:?}", e.basis);
        assert!(TouchEmbedding::fit((2, 2, 1), &frames, d + 1).is_err());
    }
}
