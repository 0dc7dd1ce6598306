//! A store's images and actions held in memory, episode by episode, for drawing windows of
//! frames fast: the world model trains through its encoder on thousands of windows, and a
//! store's compressed chunks would be decompressed again for each.

use burn::prelude::*;
use byfeel_gym::store::{Column, StoreReader};
use rand::Rng;

use crate::AgentError;
use crate::predictor::data::sibling_seeds;
use crate::predictive::image_tensor;

/// Every committed episode's frames of one image field, with its actions.
pub struct Frames {
    /// Image height, pixels.
    pub height: usize,
    /// Image width, pixels.
    pub width: usize,
    /// Numbers in one action.
    pub action_dim: usize,
    /// Every step's frame, `[steps × H × W × 3]` bytes, and action, `[steps × action_dim]`.
    images: Vec<u8>,
    actions: Vec<f32>,
    /// Where each episode's steps begin and end.
    episodes: Vec<std::ops::Range<usize>>,
    /// Episodes played from one seed (`byfeel collect --branches`), or none.
    siblings: Vec<Vec<usize>>,
}

/// A batch of windows: the first frame, the actions taken from it, and the frames seen after
/// some of those actions.
pub struct FrameWindows {
    /// `[N, 3, H, W]`.
    pub start: Tensor<4>,
    /// `[N, T, action_dim]`.
    pub actions: Tensor<3>,
    /// `[N × K, 3, H, W]`: for each window, the frames after actions `at[0]`, `at[1]`, … (1-based).
    pub targets: Tensor<4>,
    /// The 1-based action counts after which the targets were seen, K of them, ascending.
    pub at: Vec<usize>,
}

pub(super) fn column_u8(c: Column) -> Result<Vec<u8>, AgentError> {
    match c {
        Column::U8(v) => Ok(v),
        _ => Err(AgentError::Config("the image field is not u8".into())),
    }
}

pub(super) fn column_f32(c: Column) -> Result<Vec<f32>, AgentError> {
    match c {
        Column::F32(v) => Ok(v),
        _ => Err(AgentError::Config("the action field is not f32".into())),
    }
}

/// Draws windows of `horizon` actions uniformly over all that fit in some episodes.
pub(super) struct WindowPicker {
    /// Per usable episode: its index and how many windows start in it.
    fits: Vec<(usize, usize)>,
    total: usize,
}

impl WindowPicker {
    /// Over `episodes`, whose lengths (in actions) `len` gives (`None`: not held).
    pub(super) fn new(
        episodes: &[u64],
        horizon: usize,
        len: impl Fn(usize) -> Option<usize>,
    ) -> Result<Self, AgentError> {
        let fits: Vec<(usize, usize)> = episodes
            .iter()
            .filter_map(|&e| len(e as usize).filter(|&l| l > horizon).map(|l| (e as usize, l - horizon)))
            .collect();
        let total = fits.iter().map(|f| f.1).sum();
        if total == 0 {
            return Err(AgentError::Config(format!(
                "no episode is longer than the horizon ({horizon} steps)"
            )));
        }
        Ok(Self { fits, total })
    }

    /// A window: its episode and the step it starts at.
    pub(super) fn pick(&self, rng: &mut impl Rng) -> (usize, usize) {
        let mut pick = rng.random_range(0..self.total);
        for &(episode, k) in &self.fits {
            if pick < k {
                return (episode, pick);
            }
            pick -= k;
        }
        unreachable!("pick < total, the sum of the windows")
    }
}

impl Frames {
    /// Reads `field` (an RGB image) and `action` of every committed episode of `reader`.
    pub fn load(reader: &StoreReader, field: &str) -> Result<Self, AgentError> {
        let shape = reader
            .schema()
            .step_field(field)
            .filter(|f| f.shape.len() == 3 && f.shape[2] == 3)
            .map(|f| f.shape.clone())
            .ok_or_else(|| AgentError::Config(format!("the store has no RGB image field {field:?}")))?;
        let (height, width) = (shape[0], shape[1]);
        let ends = reader.episode_ends().to_vec();
        let steps = ends.last().copied().unwrap_or(0);
        let images = column_u8(reader.read_steps(field, 0..steps)?)?;
        let actions = column_f32(reader.read_steps("action", 0..steps)?)?;
        let action_dim = actions.len() / (steps as usize).max(1);
        let mut begin = 0usize;
        let episodes = ends
            .into_iter()
            .map(|end| {
                let range = begin..end as usize;
                begin = end as usize;
                range
            })
            .collect();
        Ok(Self {
            height,
            width,
            action_dim,
            images,
            actions,
            episodes,
            siblings: siblings(reader)?,
        })
    }

    /// `n` window starts (episode, step): uniformly over those that fit in `episodes`; or, in a
    /// store of siblings, whole families at one step, so that a batch holds the futures that
    /// followed other pushes from the same start.
    fn picks(
        &self,
        episodes: &[u64],
        n: usize,
        horizon: usize,
        rng: &mut impl Rng,
    ) -> Result<Vec<(usize, usize)>, AgentError> {
        let held = |e: usize| (e < self.episodes.len()).then(|| self.len(e));
        if self.siblings.is_empty() {
            let windows = WindowPicker::new(episodes, horizon, held)?;
            return Ok((0..n).map(|_| windows.pick(rng)).collect());
        }
        let allowed: std::collections::HashSet<u64> = episodes.iter().copied().collect();
        let families: Vec<Vec<usize>> = self
            .siblings
            .iter()
            .map(|f| f.iter().copied().filter(|&e| allowed.contains(&(e as u64))).collect::<Vec<_>>())
            .filter(|f| f.len() > 1)
            .collect();
        let ids: Vec<u64> = (0..families.len() as u64).collect();
        let windows = WindowPicker::new(&ids, horizon, |g| {
            families[g].iter().map(|&e| held(e)).min().flatten()
        })?;
        let mut picks = Vec::with_capacity(n);
        while picks.len() < n {
            let (g, step) = windows.pick(rng);
            picks.extend(families[g].iter().map(|&e| (e, step)).take(n - picks.len()));
        }
        Ok(picks)
    }

    fn frame(&self) -> usize {
        self.height * self.width * 3
    }

    fn len(&self, e: usize) -> usize {
        self.episodes[e].len()
    }

    /// `n` windows of `horizon` actions, uniformly over the windows that fit in `episodes`,
    /// with the frames after actions `every`, `2 × every`, … up to `horizon` as targets, each
    /// target [`moved`] by up to `shift` pixels and turned if `rotate`.
    #[allow(clippy::too_many_arguments)]
    pub fn windows(
        &self,
        episodes: &[u64],
        n: usize,
        horizon: usize,
        every: usize,
        (shift, rotate): (usize, bool),
        rng: &mut impl Rng,
        device: &Device,
    ) -> Result<FrameWindows, AgentError> {
        let picks = self.picks(episodes, n, horizon, rng)?;
        let at: Vec<usize> = (1..=horizon).filter(|k| k % every.max(1) == 0).collect();
        let (f, a) = (self.frame(), self.action_dim);
        let mut start = Vec::with_capacity(n * f);
        let mut actions = Vec::with_capacity(n * horizon * a);
        let mut targets = Vec::with_capacity(n * at.len() * f);
        for (e, pick) in picks {
            let first = self.episodes[e].start + pick;
            // The action at step j leads from frame j to frame j + 1.
            start.extend_from_slice(&self.images[first * f..(first + 1) * f]);
            actions.extend_from_slice(&self.actions[first * a..(first + horizon) * a]);
            for &k in &at {
                targets.extend_from_slice(&self.images[(first + k) * f..(first + k + 1) * f]);
            }
        }
        let (h, w) = (self.height, self.width);
        let targets = moved(&targets, n * at.len(), (h, w), shift, rotate, rng);
        Ok(FrameWindows {
            start: image_tensor(&start, n, h, w, device),
            actions: Tensor::from_data(TensorData::new(actions, [n, horizon, a]), device),
            targets: image_tensor(&targets, n * at.len(), h, w, device),
            at,
        })
    }
}

/// Families of episodes sharing a seed, in a store collected with branches; none otherwise.
fn siblings(reader: &StoreReader) -> Result<Vec<Vec<usize>>, AgentError> {
    let Some(seeds) = sibling_seeds(reader)? else {
        return Ok(Vec::new());
    };
    let mut families: std::collections::BTreeMap<u64, Vec<usize>> = Default::default();
    for (e, seed) in seeds.into_iter().enumerate() {
        families.entry(seed).or_default().push(e);
    }
    Ok(families.into_values().collect())
}

/// `n` images of `h × w × 3` bytes, each moved by its own random whole-pixel offset of at
/// most `max` in x and y and, if `rotate`, turned by its own random angle about the centre;
/// pixels from outside the image repeat its edge.
pub fn moved(
    bytes: &[u8],
    n: usize,
    (h, w): (usize, usize),
    max: usize,
    rotate: bool,
    rng: &mut impl Rng,
) -> Vec<u8> {
    if max == 0 && !rotate {
        return bytes.to_vec();
    }
    let m = max as i64;
    let (cx, cy) = ((w as f32 - 1.0) / 2.0, (h as f32 - 1.0) / 2.0);
    let mut out = vec![0u8; bytes.len()];
    for (src, dst) in bytes.chunks_exact(h * w * 3).zip(out.chunks_exact_mut(h * w * 3)).take(n) {
        let (dx, dy) = (rng.random_range(-m..=m) as f32, rng.random_range(-m..=m) as f32);
        let angle = if rotate { rng.random_range(0.0..std::f32::consts::TAU) } else { 0.0 };
        let (sin, cos) = angle.sin_cos();
        for y in 0..h {
            for x in 0..w {
                // The source of output pixel (x, y): undo the shift, then the turn.
                let (u, v) = (x as f32 - cx - dx, y as f32 - cy - dy);
                let (sx, sy) = (cos * u + sin * v + cx, -sin * u + cos * v + cy);
                let sx = (sx.round() as i64).clamp(0, w as i64 - 1) as usize;
                let sy = (sy.round() as i64).clamp(0, h as i64 - 1) as usize;
                let (o, i) = ((y * w + x) * 3, (sy * w + sx) * 3);
                dst[o..o + 3].copy_from_slice(&src[i..i + 3]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// Six episodes of 10 actions; 0–2 and 3–5 siblings when `families`.
    fn six(families: bool) -> Frames {
        Frames {
            height: 1,
            width: 1,
            action_dim: 1,
            images: vec![0; 66 * 3],
            actions: vec![0.0; 66],
            episodes: (0..6).map(|e| e * 11..(e + 1) * 11).collect(),
            siblings: if families { vec![vec![0, 1, 2], vec![3, 4, 5]] } else { vec![] },
        }
    }

    #[test]
    fn siblings_are_drawn_together_at_one_step_and_only_from_the_split() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let frames = six(true);
        let picks = frames.picks(&[0, 1, 2, 3, 4, 5], 60, 4, &mut rng).unwrap();
        for family in picks.chunks(3) {
            let episodes: Vec<usize> = family.iter().map(|p| p.0).collect();
            assert!(episodes == [0, 1, 2] || episodes == [3, 4, 5], "{family:?}");
            assert!(family.iter().all(|p| p.1 == family[0].1 && p.1 < 7), "{family:?}");
        }
        // Held out: 3, 4 and 5; a family with one member left has nothing to be told from.
        let picks = frames.picks(&[0, 1, 2, 3], 30, 4, &mut rng).unwrap();
        assert!(picks.iter().all(|p| p.0 < 3), "{picks:?}");
        // Without siblings, windows are drawn one by one.
        let picks = six(false).picks(&[0, 1, 2, 3, 4, 5], 300, 4, &mut rng).unwrap();
        assert!(picks.chunks(3).any(|w| w[0].0 / 3 != w[1].0 / 3 || w[0].1 != w[1].1));
    }

    #[test]
    fn a_shift_moves_the_picture_and_repeats_the_edge() {
        let (h, w) = (4, 5);
        let image: Vec<u8> = (0..h * w).flat_map(|p| [p as u8; 3]).collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        assert_eq!(moved(&image, 1, (h, w), 0, false, &mut rng), image);
        let moved = moved(&image, 1, (h, w), 2, false, &mut rng);
        let at = |img: &[u8], x: usize, y: usize| img[(y * w + x) * 3];
        // Some offset (dx, dy) within ±2 explains every pixel.
        let explained = (-2i64..=2).any(|dx| {
            (-2i64..=2).any(|dy| {
                (0..h).all(|y| {
                    (0..w).all(|x| {
                        let sx = (x as i64 - dx).clamp(0, w as i64 - 1) as usize;
                        let sy = (y as i64 - dy).clamp(0, h as i64 - 1) as usize;
                        at(&moved, x, y) == at(&image, sx, sy)
                    })
                })
            })
        });
        assert!(explained);
    }

    #[test]
    fn a_turn_keeps_the_centre_and_moves_the_rest() {
        // A bright 3 × 3 patch 4 px right of centre lands elsewhere, still 4 px from it.
        let (h, w, c) = (15usize, 15usize, 7i64);
        let mut image = vec![0u8; h * w * 3];
        for y in 6..=8 {
            for x in 10..=12 {
                image[(y * w + x) * 3 + 1] = 255;
            }
        }
        image[(7 * w + 7) * 3] = 9;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let turned = moved(&image, 1, (h, w), 0, true, &mut rng);
        assert_eq!(turned[(7 * w + 7) * 3], 9, "the centre stays");
        let lit: Vec<(f64, f64)> = (0..h * w)
            .filter(|p| turned[p * 3 + 1] == 255)
            .map(|p| ((p % w) as f64 - c as f64, (p / w) as f64 - c as f64))
            .collect();
        assert!((5..=13).contains(&lit.len()), "{lit:?}");
        let n = lit.len() as f64;
        let (x, y) = lit.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
        assert!(((x * x + y * y).sqrt() - 4.0).abs() < 0.8, "{x} {y}");
        assert!((x - 4.0).abs() + y.abs() > 1.0, "this seed turns it: {x} {y}");
    }
}
