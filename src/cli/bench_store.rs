//! `byfeel bench store`: how fast the experience store writes and samples, how well it
//! compresses, how much memory a reader needs, and how much writing slows collection.
//!
//! Frames are real: a few door-open episodes are collected first and their steps (48×48
//! camera, 48×64 gel, proprioception, action, …) are replayed into a store far larger than the
//! reader's cache.

use std::time::Instant;

use byfeel::gym::Task;
use byfeel::gym::collect::{CollectConfig, collect};
use byfeel::gym::store::{
    EpisodeBuffer, ReaderOptions, StepSampler, StoreOptions, StoreReader, StoreWriter,
};
use rand::SeedableRng;

use super::Error;
use super::bench::median_of as median;
use super::collect::dir_bytes;

#[derive(clap::Args, Debug)]
pub struct StoreBenchArgs {
    /// Steps written to the big store.
    #[arg(long, default_value_t = 100_000)]
    pub steps: u64,
    /// Steps per sampled batch.
    #[arg(long, default_value_t = 1024)]
    pub batch: usize,
    /// Reader cache in MiB (keep it well under the store's decoded size).
    #[arg(long, default_value_t = 64)]
    pub cache_mib: usize,
    /// Chunk size the big store aims at, KiB of uncompressed data (the store's default if
    /// unset).
    #[arg(long)]
    pub chunk_kib: Option<usize>,
    /// Episodes for the collection-slowdown runs.
    #[arg(long, default_value_t = 8)]
    pub collect_episodes: usize,
    /// Robots for the collection runs.
    #[arg(long, default_value_t = 2)]
    pub robots: usize,
    /// Where the stores go (a temporary directory by default).
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

pub fn run(args: StoreBenchArgs) -> Result<(), Error> {
    if args.steps == 0 || args.batch == 0 || args.robots == 0 || args.collect_episodes == 0 {
        return Err("--steps, --batch, --robots and --collect-episodes must be positive".into());
    }
    let temp = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("byfeel-bench-store-{}", std::process::id()))
    });
    let _ = std::fs::remove_dir_all(&temp);
    std::fs::create_dir_all(&temp)?;
    let say = |s: &str| {
        if !args.json {
            eprintln!("{s}");
        }
    };

    // 1. Collection with and without writing: what the store costs the robots.
    say("collecting: writing discarded and written, alternately, 3 times each…");
    let mut dry_rates = Vec::new();
    let mut wet_rates = Vec::new();
    for round in 0..3 {
        let out = temp.join(format!("collected-{round}.zarr"));
        let mut config =
            CollectConfig::new(Task::DoorOpen, args.collect_episodes, args.robots, &out);
        config.seed = round;
        config.write = false;
        let dry = collect(&config, |_| {})?;
        config.write = true;
        let wet = collect(&config, |_| {})?;
        dry_rates.push(dry.steps as f64 / dry.seconds);
        wet_rates.push(wet.steps as f64 / wet.seconds);
    }
    let (dry_rate, wet_rate) = (median(dry_rates.clone()), median(wet_rates.clone()));

    // 2. Writing a big store from the collected frames.
    let source = StoreReader::open(temp.join("collected-0.zarr"))?;
    let schema = source.schema().clone();
    let episodes: Vec<EpisodeBuffer> = (0..source.num_episodes())
        .map(|e| EpisodeBuffer::from_columns(&schema, &source.episode(e)?))
        .collect::<Result<_, _>>()?;
    let step_bytes: usize = schema.steps.iter().map(|f| f.row_bytes()).sum();
    let frame_bytes: usize = ["camera", "tactile"]
        .iter()
        .filter_map(|n| schema.step_field(n))
        .map(|f| f.row_bytes())
        .sum();
    say(&format!("writing {} steps…", args.steps));
    let big = temp.join("big.zarr");
    let mut options = StoreOptions::default();
    if let Some(k) = args.chunk_kib {
        options.chunk_bytes = k << 10;
    }
    let chunk_bytes = options.chunk_bytes;
    let mut writer = StoreWriter::create(&big, schema.clone(), options)?;
    let t0 = Instant::now();
    let mut i = 0;
    while writer.num_steps() < args.steps {
        writer.append_episode(&episodes[i % episodes.len()])?;
        i += 1;
    }
    let write_s = t0.elapsed().as_secs_f64();
    let written = writer.num_steps();
    drop(writer);
    let disk = dir_bytes(&big);
    // Camera and gel images as stored, per step: what "bytes per frame" means here.
    let frame_disk =
        (dir_bytes(&big.join("camera")) + dir_bytes(&big.join("tactile"))) as f64 / written as f64;

    // 3. Sampling batches through a cache much smaller than the store.
    say("sampling…");
    let reader = StoreReader::open_with(
        &big,
        ReaderOptions {
            cache_bytes: args.cache_mib << 20,
        },
    )?;
    let fields = ["camera", "tactile", "proprio", "action", "reward"];
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let uniform = StepSampler::uniform(reader.num_steps());
    // Skew-Fit-like weights: some steps far likelier than others.
    let weights: Vec<f64> = (0..reader.num_steps())
        .map(|t| 1.0 + ((t * 2654435761) % 97) as f64)
        .collect();
    let weighted = StepSampler::weighted(&weights)?;
    let mut time = |sampler: &StepSampler| -> Result<f64, Error> {
        for _ in 0..3 {
            // Warm-up: shard files opened, their indexes read.
            reader.sample(&fields, args.batch, sampler, &mut rng)?;
        }
        let mut ts = Vec::new();
        for _ in 0..15 {
            let t = Instant::now();
            let b = reader.sample(&fields, args.batch, sampler, &mut rng)?;
            ts.push(t.elapsed().as_secs_f64());
            std::hint::black_box(b);
        }
        Ok(median(ts))
    };
    let uniform_s = time(&uniform)?;
    let weighted_s = time(&weighted)?;
    let peak = peak_rss_mib();
    let raw = written as f64 * step_bytes as f64;

    let out = serde_json::json!({
        "bench": "store",
        "threads": rayon::current_num_threads(),
        "collect": {
            "task": "DoorOpen", "robots": args.robots, "episodes": args.collect_episodes,
            "steps_per_s_without_writing": dry_rate,
            "steps_per_s_writing": wet_rate,
            "runs_without_writing": dry_rates,
            "runs_writing": wet_rates,
            "slowdown": 1.0 - wet_rate / dry_rate,
        },
        "write": {
            "steps": written,
            "frames_per_s": written as f64 / write_s,
            "step_bytes_raw": step_bytes,
            "frame_bytes_raw": frame_bytes,
            "bytes_per_step_on_disk": disk as f64 / written as f64,
            "bytes_per_frame_on_disk": frame_disk,
            "compression": raw / disk as f64,
            "chunk_bytes": chunk_bytes,
        },
        "sample": {
            "batch": args.batch,
            "fields": fields,
            "uniform_batch_s": uniform_s,
            "weighted_batch_s": weighted_s,
            "uniform_frames_per_s": args.batch as f64 / uniform_s,
            "weighted_frames_per_s": args.batch as f64 / weighted_s,
            "cache_mib": args.cache_mib,
        },
        "memory": {
            "store_decoded_mib": raw / (1 << 20) as f64,
            "store_on_disk_mib": disk as f64 / (1 << 20) as f64,
            "peak_rss_mib": peak,
        },
    });
    if args.dir.is_none() {
        let _ = std::fs::remove_dir_all(&temp);
    }
    if args.json {
        println!("{out}");
        return Ok(());
    }
    println!(
        "collect (door-open, {} robots): {:.0} steps/s without writing, {:.0} writing: {:.1}% slower",
        args.robots,
        dry_rate,
        wet_rate,
        100.0 * (1.0 - wet_rate / dry_rate)
    );
    println!(
        "write: {} steps at {:.0} frames/s; {:.0} bytes per step on disk ({} raw: {:.1}×), of which camera + gel {:.0} ({} raw)",
        written,
        written as f64 / write_s,
        disk as f64 / written as f64,
        step_bytes,
        raw / disk as f64,
        frame_disk,
        frame_bytes
    );
    println!(
        "sample {} steps ({}): uniform {:.1} ms ({:.0} frames/s), weighted {:.1} ms",
        args.batch,
        fields.join(", "),
        uniform_s * 1e3,
        args.batch as f64 / uniform_s,
        weighted_s * 1e3
    );
    println!(
        "memory: store {:.0} MiB decoded ({:.0} MiB on disk); reader cache {} MiB; peak RSS {:.0} MiB",
        raw / (1 << 20) as f64,
        disk as f64 / (1 << 20) as f64,
        args.cache_mib,
        peak
    );
    Ok(())
}
