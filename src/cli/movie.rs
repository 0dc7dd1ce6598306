//! Movies of episodes: frames of images side by side, written as an animated GIF or PNG (pure
//! Rust encoders, nothing more to build).

use std::path::Path;

use super::Error;

/// One movie frame.
pub struct Frame {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<u8>,
}

impl Frame {
    /// Images (`[height, width]`, RGB bytes) scaled to the tallest one's height × `scale`
    /// (nearest neighbour, so pixels stay crisp), side by side.
    pub fn side_by_side(images: &[([usize; 2], &[u8])], scale: usize) -> Frame {
        let height = images.iter().map(|([h, _], _)| *h).max().unwrap_or(1) * scale;
        let widths: Vec<usize> = images.iter().map(|([h, w], _)| w * height / h).collect();
        let width = widths.iter().sum::<usize>();
        let mut rgb = vec![0u8; width * height * 3];
        let mut x0 = 0;
        for (([h, iw], data), &w) in images.iter().zip(&widths) {
            for y in 0..height {
                let sy = y * h / height;
                for x in 0..w {
                    let src = (sy * iw + x * iw / w) * 3;
                    let dst = (y * width + x0 + x) * 3;
                    rgb[dst..dst + 3].copy_from_slice(&data[src..src + 3]);
                }
            }
            x0 += w;
        }
        Frame { width, height, rgb }
    }
}

/// Refuses a movie path byfeel cannot write, before any work is done.
pub fn check_path(out: &Path) -> Result<(), Error> {
    match extension(out).as_str() {
        "gif" | "png" => Ok(()),
        "mp4" => Err("mp4 is not written: no pure-Rust H.264/AV1 encoder is both practical and light to build (less-avc writes lossless I-frames only; rav1e adds minutes of compile time). Write --out ep.gif or ep.png (animated PNG) instead.".into()),
        _ => Err(format!("--out {}: use a .gif or .png file", out.display()).into()),
    }
}

fn extension(out: &Path) -> String {
    out.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Writes `frames` at `fps` as an animated GIF (.gif) or PNG (.png), looping.
pub fn write(out: &Path, frames: &[Frame], fps: f64) -> Result<(), Error> {
    check_path(out)?;
    if frames.is_empty() {
        return Err("a movie needs at least one frame".into());
    }
    let mut w = std::io::BufWriter::new(std::fs::File::create(out)?);
    if extension(out) == "gif" {
        write_gif(&mut w, frames, fps)
    } else {
        write_apng(&mut w, frames, fps)
    }
}

fn write_gif(w: &mut impl std::io::Write, frames: &[Frame], fps: f64) -> Result<(), Error> {
    let (width, height) = (frames[0].width as u16, frames[0].height as u16);
    let mut encoder = gif::Encoder::new(w, width, height, &[])?;
    encoder.set_repeat(gif::Repeat::Infinite)?;
    let delay = (100.0 / fps).round().clamp(2.0, 65535.0) as u16;
    for f in frames {
        let mut frame = gif::Frame::from_rgb_speed(width, height, &f.rgb, 10);
        frame.delay = delay;
        encoder.write_frame(&frame)?;
    }
    Ok(())
}

fn write_apng(w: &mut impl std::io::Write, frames: &[Frame], fps: f64) -> Result<(), Error> {
    let mut encoder = png::Encoder::new(w, frames[0].width as u32, frames[0].height as u32);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_animated(frames.len() as u32, 0)?;
    let ms = (1000.0 / fps).round().clamp(1.0, 65535.0) as u16;
    encoder.set_frame_delay(ms, 1000)?;
    let mut writer = encoder.write_header()?;
    for f in frames {
        writer.write_image_data(&f.rgb)?;
    }
    writer.finish()?;
    Ok(())
}
