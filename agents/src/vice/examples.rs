//! Folders of example pictures: what the user shows the classifier as success.

use std::path::Path;

use byfeel_gym::Success;

use super::classifier::IMAGE_SIDE;
use crate::{AgentError, io_error};

/// Every PNG in `dir` (in name order) as 48 × 48 RGB bytes, scaled (nearest pixel) where the
/// picture has another size. A folder without pictures, or a file that is no PNG, is an error
/// naming it.
pub fn load_examples(dir: &Path) -> Result<Vec<Vec<u8>>, AgentError> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| io_error(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("png")))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(io_error(dir, "no .png pictures of success in this folder"));
    }
    let side = IMAGE_SIDE as u32;
    paths
        .iter()
        .map(|p| {
            let (w, h, rgb) = byfeel_render::image::load_rgb_png(p).map_err(|e| io_error(p, e))?;
            Ok(if (w, h) == (side, side) {
                rgb
            } else {
                byfeel_render::image::resize_nearest(&rgb, (w, h), (side, side))
            })
        })
        .collect()
}

/// Writes `images` (`side` × `side` RGB) into `dir` as `example-000.png`, … .
pub fn save_examples(dir: &Path, images: &[Vec<u8>], side: u32) -> Result<(), AgentError> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    for (i, rgb) in images.iter().enumerate() {
        let path = dir.join(format!("example-{i:03}.png"));
        byfeel_render::image::save_rgb_png(&path, side, side, rgb)
            .map_err(|e| io_error(&path, e))?;
    }
    Ok(())
}

/// What a folder's pictures show, by the simulator's measure (`examples.toml`), for a simulated
/// labeller and for the logs; training itself reads only the pictures.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(tag = "shows", rename_all = "kebab-case", deny_unknown_fields)]
enum Judge {
    DoorAngle { angle: f64, tolerance: f64 },
    CupAt { x: f64, y: f64, radius: f64 },
}

const JUDGE_FILE: &str = "examples.toml";

/// Writes what `dir`'s pictures show (see [`read_judge`]).
pub fn write_judge(dir: &Path, success: &Success) -> Result<(), AgentError> {
    let judge = match *success {
        Success::DoorAngle { angle, tolerance } => Judge::DoorAngle { angle, tolerance },
        Success::CupAt { x, y, radius } => Judge::CupAt { x, y, radius },
    };
    let text = format!(
        "# What these pictures show, by the simulator's measure: for a simulated labeller and\n\
         # the logs only. Training reads the pictures alone.\n{}",
        toml::to_string(&judge).map_err(|e| io_error(dir, e))?
    );
    let path = dir.join(JUDGE_FILE);
    std::fs::write(&path, text).map_err(|e| io_error(&path, e))
}

/// What `dir`'s pictures show, if the folder says (`byfeel examples` writes it; a folder of
/// photos has none).
pub fn read_judge(dir: &Path) -> Result<Option<Success>, AgentError> {
    let path = dir.join(JUDGE_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| io_error(&path, e))?;
    let judge: Judge = toml::from_str(&text).map_err(|e| io_error(&path, e))?;
    Ok(Some(match judge {
        Judge::DoorAngle { angle, tolerance } => Success::DoorAngle { angle, tolerance },
        Judge::CupAt { x, y, radius } => Success::CupAt { x, y, radius },
    }))
}
