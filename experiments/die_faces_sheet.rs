//! Draws the gel pressed centrally on each of the die's 20 faces, at the learning size
//! (64 × 48), twice: at one turn and at another. Every face's marks (a bar toward one corner
//! and a 5-bit code of dots) should be told apart at a glance.
//!
//! `cargo run --release --example die_faces_sheet -- docs/images/die_faces_64x48.png`

use byfeel::agents::face_probe::settled_presses;
use byfeel::render::image::{hstack, save_rgb_png, upscale, vstack};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "die_faces_64x48.png".into());
    // Many presses, then the first centred one of each face, for two different seeds.
    let mut rows = Vec::new();
    for seed in [11, 12] {
        let presses = settled_presses(600, 0.5, seed)?;
        let mut row = Vec::new();
        for face in 1..=20u8 {
            let p = presses
                .iter()
                .find(|p| p.face == face)
                .ok_or("a face never came up")?;
            row.push(upscale(64, 48, &p.image, 2).2);
        }
        let refs: Vec<(u32, u32, &[u8])> = row.iter().map(|i| (128, 96, i.as_slice())).collect();
        let (w, h, rgb) = hstack(&refs[..10], 2);
        let (w2, h2, rgb2) = hstack(&refs[10..], 2);
        rows.push((w, h, rgb));
        rows.push((w2, h2, rgb2));
    }
    let refs: Vec<(u32, u32, &[u8])> = rows.iter().map(|r| (r.0, r.1, r.2.as_slice())).collect();
    let (w, h, rgb) = vstack(&refs, 6);
    save_rgb_png(std::path::Path::new(&out), w, h, &rgb)?;
    println!("wrote {out}: faces 1-10 and 11-20, at one turn (top two rows) and another");
    Ok(())
}
