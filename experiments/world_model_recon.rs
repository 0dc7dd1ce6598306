//! What a world model's autoencoder keeps of a frame: held-out gel (or camera) frames of its
//! store, each above its reconstruction through the encoder and decoder, enlarged 3×.
//!
//! `cargo run --release --example world_model_recon -- RUN out.png`

use byfeel::agents::world_model::{LatentAgent, read_spec};
use byfeel::gym::store::StoreReader;
use byfeel::render::image::{hstack, save_rgb_png, upscale, vstack};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let run = std::path::PathBuf::from(args.next().ok_or("give RUN and OUT.png")?);
    let out = args.next().unwrap_or_else(|| "recon.png".into());
    let spec = read_spec(&run)?;
    let reader = StoreReader::open(&spec.store)?;
    let agent = LatentAgent::load_for_task(&run, 10, 0)?;
    let (h, w) = (spec.model.height, spec.model.width);
    let (mut top, mut bottom) = (Vec::new(), Vec::new());
    // Held-out episodes are every `holdout`-th; a frame from the middle of each.
    for e in (0..reader.num_episodes())
        .filter(|e| e % spec.train.holdout == spec.train.holdout - 1)
        .take(8)
    {
        let range = reader.episode_range(e)?;
        let t = range.start + (range.end - range.start) * 2 / 3;
        let frame = reader.read_steps(&spec.field, t..t + 1)?;
        let frame = frame.as_u8().ok_or("not an image field")?.to_vec();
        let recon = agent.reconstruct(&frame)?;
        top.push(upscale(w as u32, h as u32, &frame, 3).2);
        bottom.push(upscale(w as u32, h as u32, &recon, 3).2);
    }
    let row = |frames: &[Vec<u8>]| {
        let refs: Vec<(u32, u32, &[u8])> = frames
            .iter()
            .map(|f| (3 * w as u32, 3 * h as u32, f.as_slice()))
            .collect();
        hstack(&refs, 3)
    };
    let (a, b) = (row(&top), row(&bottom));
    let (sw, sh, rgb) = vstack(&[(a.0, a.1, a.2.as_slice()), (b.0, b.1, b.2.as_slice())], 3);
    save_rgb_png(std::path::Path::new(&out), sw, sh, &rgb)?;
    println!("wrote {out}: held-out frames above their reconstructions");
    Ok(())
}
