//! Writing pictures to disk, and reading them back.

use std::path::Path;

use crate::RenderError;

/// Writes 8-bit RGB pixels (row-major, top row first) as a PNG file.
pub fn save_rgb_png(path: &Path, width: u32, height: u32, rgb: &[u8]) -> Result<(), RenderError> {
    let err = |problem: String| RenderError::Write {
        path: path.display().to_string(),
        problem,
    };
    if rgb.len() != (width * height * 3) as usize {
        return Err(err(format!(
            "{} bytes is not {width}x{height} RGB",
            rgb.len()
        )));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
    }
    let bytes = encode_png(width, height, rgb).map_err(err)?;
    std::fs::write(path, bytes).map_err(|e| err(e.to_string()))
}

/// 8-bit RGB pixels (row-major, top row first) as the bytes of a PNG file.
pub fn encode_png(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>, String> {
    if rgb.len() != (width * height * 3) as usize {
        return Err(format!("{} bytes is not {width}x{height} RGB", rgb.len()));
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(rgb).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

/// Reads a PNG file as 8-bit RGB pixels: `(width, height, rgb)` (grey, alpha and 16-bit
/// pictures are converted).
pub fn load_rgb_png(path: &Path) -> Result<(u32, u32, Vec<u8>), RenderError> {
    let err = |problem: String| RenderError::Write {
        path: path.display().to_string(),
        problem,
    };
    let file = std::fs::File::open(path).map_err(|e| err(e.to_string()))?;
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| err(e.to_string()))?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| err("the picture is too large".into()))?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(|e| err(e.to_string()))?;
    let (w, h) = (info.width, info.height);
    let px = (w * h) as usize;
    let rgb = match info.color_type {
        png::ColorType::Rgb => buf[..px * 3].to_vec(),
        png::ColorType::Rgba => buf[..px * 4].chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect(),
        png::ColorType::Grayscale => buf[..px].iter().flat_map(|&g| [g, g, g]).collect(),
        png::ColorType::GrayscaleAlpha => {
            buf[..px * 2].chunks_exact(2).flat_map(|p| [p[0], p[0], p[0]]).collect()
        }
        png::ColorType::Indexed => return Err(err("an indexed picture was not expanded".into())),
    };
    Ok((w, h, rgb))
}

/// A `w × h` RGB image resized to `to_w × to_h` by nearest neighbours.
pub fn resize_nearest(rgb: &[u8], (w, h): (u32, u32), (to_w, to_h): (u32, u32)) -> Vec<u8> {
    let mut out = Vec::with_capacity((to_w * to_h * 3) as usize);
    for y in 0..to_h {
        let sy = (y * h / to_h.max(1)).min(h.saturating_sub(1));
        for x in 0..to_w {
            let sx = (x * w / to_w.max(1)).min(w.saturating_sub(1));
            let i = ((sy * w + sx) * 3) as usize;
            out.extend_from_slice(&rgb[i..i + 3]);
        }
    }
    out
}

/// Enlarges a `w × h` RGB image `k` times, each pixel a `k × k` block: small learning-size
/// frames made big enough to look at.
pub fn upscale(w: u32, h: u32, rgb: &[u8], k: u32) -> (u32, u32, Vec<u8>) {
    let mut out = Vec::with_capacity((w * h * k * k * 3) as usize);
    for y in 0..h * k {
        for x in 0..w * k {
            let i = (((y / k) * w + x / k) * 3) as usize;
            out.extend_from_slice(&rgb[i..i + 3]);
        }
    }
    (w * k, h * k, out)
}

/// Places images side by side (top-aligned, `gap` pixels of dark grey between) into one RGB
/// image, for strips in docs and reports.
pub fn hstack(images: &[(u32, u32, &[u8])], gap: u32) -> (u32, u32, Vec<u8>) {
    let height = images.iter().map(|i| i.1).max().unwrap_or(0);
    let width =
        images.iter().map(|i| i.0).sum::<u32>() + gap * images.len().saturating_sub(1) as u32;
    let mut out = vec![40u8; (width * height * 3) as usize];
    let mut x0 = 0;
    for &(w, h, rgb) in images {
        for y in 0..h {
            let src = &rgb[(y * w * 3) as usize..((y + 1) * w * 3) as usize];
            let d = ((y * width + x0) * 3) as usize;
            out[d..d + src.len()].copy_from_slice(src);
        }
        x0 += w + gap;
    }
    (width, height, out)
}

/// Places images one above the other (left-aligned, `gap` pixels of dark grey between): rows
/// of strips, such as predicted frames over the frames that happened.
pub fn vstack(images: &[(u32, u32, &[u8])], gap: u32) -> (u32, u32, Vec<u8>) {
    let width = images.iter().map(|i| i.0).max().unwrap_or(0);
    let height =
        images.iter().map(|i| i.1).sum::<u32>() + gap * images.len().saturating_sub(1) as u32;
    let mut out = vec![40u8; (width * height * 3) as usize];
    let mut y0 = 0;
    for &(w, h, rgb) in images {
        for y in 0..h {
            let src = &rgb[(y * w * 3) as usize..((y + 1) * w * 3) as usize];
            let d = (((y0 + y) * width) * 3) as usize;
            out[d..d + src.len()].copy_from_slice(src);
        }
        y0 += h + gap;
    }
    (width, height, out)
}
