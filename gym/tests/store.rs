//! The experience store: what is appended reads back exactly, across reopenings, with readers
//! and a writer sharing it; sampling follows its weights; bad input changes nothing.

use byfeel_gym::store::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn temp(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("byfeel-store-{name}-"))
        .tempdir()
        .unwrap()
}

fn schema() -> Schema {
    Schema::new()
        .step(Field::u8("image", &[4, 5, 3]))
        .step(Field::f32("action", &[3]).with_columns(&["x", "y", "z"]))
        .step(Field::u64("t", &[]))
        .episode(Field::f32("scene", &[2]))
}

/// Tiny chunks, so episodes straddle chunk boundaries and the last chunk is rewritten.
fn small_chunks() -> StoreOptions {
    StoreOptions {
        chunk_bytes: 200,
        ..Default::default()
    }
}

/// An episode whose every value says where it is: step t of the store holds t.
fn episode(schema: &Schema, first_step: u64, len: usize, tag: f32) -> EpisodeBuffer {
    let mut e = EpisodeBuffer::new(schema);
    for i in 0..len as u64 {
        let t = first_step + i;
        e.push_step(&[
            (
                "image",
                Column::U8((0..60).map(|k| (t as u8).wrapping_add(k)).collect()),
            ),
            ("action", Column::F32(vec![t as f32, -(t as f32), tag])),
            ("t", Column::U64(vec![t])),
        ])
        .unwrap();
    }
    e.set_episode("scene", Column::F32(vec![tag, first_step as f32]))
        .unwrap();
    e
}

fn check_contents(reader: &StoreReader) {
    let t = reader.num_steps();
    let ts = reader.read_steps("t", 0..t).unwrap();
    assert_eq!(ts.as_u64().unwrap(), (0..t).collect::<Vec<_>>());
    let images = reader.read_steps("image", 0..t).unwrap();
    for (step, img) in images.as_u8().unwrap().chunks(60).enumerate() {
        assert_eq!(img[7], (step as u8).wrapping_add(7));
    }
    for e in 0..reader.num_episodes() {
        let range = reader.episode_range(e).unwrap();
        let fields = reader.episode(e).unwrap();
        let scene = &fields.iter().find(|(n, _)| n == "scene").unwrap().1;
        assert_eq!(scene.as_f32().unwrap(), &[e as f32, range.start as f32]);
    }
}

#[test]
fn appended_episodes_read_back_across_reopening() {
    let dir = temp("append");
    let lens = [7usize, 1, 30, 12, 5];
    let mut t = 0;
    {
        let mut w = StoreWriter::create(dir.path(), schema(), small_chunks()).unwrap();
        for (e, &len) in lens[..3].iter().enumerate() {
            assert_eq!(
                w.append_episode(&episode(&schema(), t, len, e as f32))
                    .unwrap(),
                e as u64
            );
            t += len as u64;
        }
    }
    let reader = StoreReader::open(dir.path()).unwrap();
    assert_eq!((reader.num_episodes(), reader.num_steps()), (3, 38));
    check_contents(&reader);

    let mut w = StoreWriter::open(dir.path()).unwrap();
    assert!(w.repair_note().is_none(), "{:?}", w.repair_note());
    for (e, &len) in lens.iter().enumerate().skip(3) {
        w.append_episode(&episode(&schema(), t, len, e as f32))
            .unwrap();
        t += len as u64;
    }
    // The old reader sees the new episodes once it refreshes.
    let mut reader = reader;
    assert_eq!(reader.refresh().unwrap(), 2);
    assert_eq!(reader.num_steps(), lens.iter().sum::<usize>() as u64);
    assert_eq!(reader.episode_range(3).unwrap(), 38..50);
    assert_eq!(reader.episode_of(37), 2);
    assert_eq!(reader.episode_of(38), 3);
    check_contents(&reader);
    // Gathered rows equal the rows read straight.
    let idx = [54u64, 0, 17, 17, 38, 3];
    let g = reader.gather("action", &idx).unwrap();
    let want: Vec<f32> = idx
        .iter()
        .flat_map(|&i| {
            let e = reader.episode_of(i) as f32;
            [i as f32, -(i as f32), e]
        })
        .collect();
    assert_eq!(g.as_f32().unwrap(), want);
}

#[test]
fn a_second_writer_is_refused_and_readers_share() {
    let dir = temp("lock");
    let mut w = StoreWriter::create(dir.path(), schema(), small_chunks()).unwrap();
    w.append_episode(&episode(&schema(), 0, 3, 0.0)).unwrap();
    let err = StoreWriter::open(dir.path())
        .err()
        .expect("a second writer must be refused");
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    assert!(err.to_string().contains("another writer"), "{err}");
    assert!(matches!(
        StoreWriter::create(dir.path(), schema(), small_chunks()),
        Err(StoreError::Exists(_)) | Err(StoreError::Locked { .. })
    ));
    let reader = StoreReader::open(dir.path()).unwrap();
    assert_eq!(reader.num_steps(), 3);
    drop(w);
    // Released when the writer goes.
    StoreWriter::open(dir.path()).unwrap();
}

#[test]
fn bad_episodes_are_refused_and_change_nothing() {
    let dir = temp("bad");
    let mut w = StoreWriter::create(dir.path(), schema(), small_chunks()).unwrap();
    w.append_episode(&episode(&schema(), 0, 4, 0.0)).unwrap();

    let mut e = EpisodeBuffer::new(&schema());
    let nan = e.push_step(&[
        ("image", Column::U8(vec![0; 60])),
        ("action", Column::F32(vec![0.0, f32::NAN, 0.0])),
        ("t", Column::U64(vec![0])),
    ]);
    let msg = nan.unwrap_err().to_string();
    assert!(msg.contains("action") && msg.contains("NaN"), "{msg}");
    let short = e.push_step(&[
        ("image", Column::U8(vec![0; 59])),
        ("action", Column::F32(vec![0.0; 3])),
        ("t", Column::U64(vec![0])),
    ]);
    assert!(
        short
            .unwrap_err()
            .to_string()
            .contains("expected 60 values")
    );
    let missing = e.push_step(&[("image", Column::U8(vec![0; 60]))]);
    assert!(missing.unwrap_err().to_string().contains("\"action\""));
    assert!(e.is_empty(), "refused steps must not be half-added");
    assert!(w.append_episode(&e).is_err(), "an empty episode is refused");
    let other = Schema::new().step(Field::u8("x", &[1]));
    let mut foreign = EpisodeBuffer::new(&other);
    foreign.push_step(&[("x", Column::U8(vec![1]))]).unwrap();
    assert!(w.append_episode(&foreign).is_err());

    assert_eq!((w.num_episodes(), w.num_steps()), (1, 4));
    let reader = StoreReader::open(dir.path()).unwrap();
    assert_eq!((reader.num_episodes(), reader.num_steps()), (1, 4));
    check_contents(&reader);
    // Requests outside the store are errors, not panics.
    assert!(reader.gather("t", &[4]).is_err());
    assert!(reader.gather("nope", &[0]).is_err());
    assert!(reader.episode(1).is_err());
    assert!(StepSampler::weighted(&[1.0, f64::NAN]).is_err());
    assert!(StepSampler::weighted(&[0.0, 0.0]).is_err());
    assert!(StepSampler::weighted(&[1.0, -1.0]).is_err());
}

#[test]
fn a_directory_that_is_not_a_store_is_named() {
    let dir = temp("notastore");
    std::fs::create_dir_all(dir.path()).unwrap();
    let err = StoreReader::open(dir.path()).err().unwrap().to_string();
    assert!(err.contains("no byfeel store"), "{err}");
    std::fs::write(dir.path().join("zarr.json"), "{ not json").unwrap();
    let err = StoreReader::open(dir.path()).err().unwrap().to_string();
    assert!(err.contains("no byfeel store"), "{err}");
}

#[test]
fn a_damaged_chunk_is_reported_not_returned() {
    let dir = temp("damaged");
    let mut w = StoreWriter::create(dir.path(), schema(), small_chunks()).unwrap();
    w.append_episode(&episode(&schema(), 0, 10, 0.0)).unwrap();
    drop(w);
    let chunk = dir.path().join("image/c/0/0/0/0");
    let mut bytes = std::fs::read(&chunk).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xFF;
    std::fs::write(&chunk, bytes).unwrap();
    let reader = StoreReader::open(dir.path()).unwrap();
    let err = reader
        .read_steps("image", 0..1)
        .err()
        .expect("damage must be detected");
    assert!(err.to_string().contains("image"), "{err}");
    // The undamaged fields still read.
    assert_eq!(reader.read_steps("t", 0..10).unwrap().len(), 10);
}

/// Chi-squared statistic's upper 0.1% point (Wilson–Hilferty).
fn chi2_critical(df: f64) -> f64 {
    let z = 3.09;
    let a = 2.0 / (9.0 * df);
    df * (1.0 - a + z * a.sqrt()).powi(3)
}

#[test]
fn weighted_sampling_follows_the_weights() {
    let dir = temp("weights");
    let mut w = StoreWriter::create(dir.path(), schema(), small_chunks()).unwrap();
    w.append_episode(&episode(&schema(), 0, 25, 0.0)).unwrap();
    w.append_episode(&episode(&schema(), 25, 15, 1.0)).unwrap();
    let reader = StoreReader::open_with(dir.path(), ReaderOptions { cache_bytes: 1000 }).unwrap();
    let n = reader.num_steps() as usize;
    // Uneven weights, some zero: a Skew-Fit-like buffer.
    let weights: Vec<f64> = (0..n)
        .map(|t| {
            if t % 7 == 3 {
                0.0
            } else {
                1.0 + (t % 5) as f64 * 2.0
            }
        })
        .collect();
    let total: f64 = weights.iter().sum();
    let sampler = StepSampler::weighted(&weights).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut counts = vec![0u64; n];
    let draws = 200;
    for _ in 0..draws {
        let batch = reader
            .sample(&["t", "action"], 512, &sampler, &mut rng)
            .unwrap();
        // The gathered values are the drawn steps'.
        assert_eq!(batch.get("t").unwrap().as_u64().unwrap(), batch.indices);
        for (&i, &e) in batch.indices.iter().zip(&batch.episodes) {
            assert_eq!(e, u64::from(i >= 25));
            counts[i as usize] += 1;
        }
    }
    assert!(
        reader.cached_bytes() <= 1000,
        "the cache stays in its budget"
    );
    let m = (draws * 512) as f64;
    let mut chi2 = 0.0;
    let mut df = -1.0;
    for (c, w) in counts.iter().zip(&weights) {
        if *w == 0.0 {
            assert_eq!(*c, 0, "a step of weight 0 was drawn");
            continue;
        }
        let expected = m * w / total;
        chi2 += (*c as f64 - expected).powi(2) / expected;
        df += 1.0;
    }
    assert!(chi2 < chi2_critical(df), "chi2 {chi2:.1} over {df} dof");

    // Uniform too; and a sampler for another length is refused.
    let uniform = StepSampler::uniform(n as u64);
    let mut counts = vec![0u64; n];
    for _ in 0..100 {
        for i in reader
            .sample(&["t"], 400, &uniform, &mut rng)
            .unwrap()
            .indices
        {
            counts[i as usize] += 1;
        }
    }
    let expected = 40_000.0 / n as f64;
    let chi2: f64 = counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum();
    assert!(
        chi2 < chi2_critical(n as f64 - 1.0),
        "uniform chi2 {chi2:.1}"
    );
    assert!(
        reader
            .sample(&["t"], 1, &StepSampler::uniform(3), &mut rng)
            .is_err()
    );
}

#[test]
fn a_reader_only_sees_committed_steps_while_a_writer_appends() {
    let dir = temp("concurrent");
    let mut w = StoreWriter::create(dir.path(), schema(), small_chunks()).unwrap();
    w.append_episode(&episode(&schema(), 0, 9, 0.0)).unwrap();
    let writer = std::thread::spawn(move || {
        let mut t = 9;
        for e in 1..60 {
            let len = 1 + (e * 7) % 13;
            w.append_episode(&episode(&schema(), t, len, e as f32))
                .unwrap();
            t += len as u64;
        }
        t
    });
    let mut reader = StoreReader::open(dir.path()).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let mut seen = 0;
    while seen < 60 {
        reader.refresh().unwrap();
        seen = reader.num_episodes();
        let sampler = StepSampler::uniform(reader.num_steps());
        let batch = reader
            .sample(&["t", "image"], 64, &sampler, &mut rng)
            .unwrap();
        assert_eq!(batch.get("t").unwrap().as_u64().unwrap(), batch.indices);
        check_contents(&reader);
    }
    let total = writer.join().unwrap();
    assert_eq!(reader.num_steps(), total);
}

#[test]
fn sampled_frames_equal_the_frames_written() {
    // Frames big enough to be sharded, four to a shard: most batches mix complete shards (read
    // by byfeel's own shard reader) and the last, growing one (read through zarrs).
    let dir = temp("sharded");
    let schema = Schema::new()
        .step(Field::u8("frame", &[32, 32, 3]))
        .step(Field::u64("t", &[]));
    let options = StoreOptions {
        chunk_bytes: 4 * 32 * 32 * 3,
        ..Default::default()
    };
    let mut w = StoreWriter::create(dir.path(), schema.clone(), options).unwrap();
    let frame = |t: u64| -> Vec<u8> {
        (0..3072u64)
            .map(|k| ((k * 7 + t * 13) % 251) as u8)
            .collect()
    };
    let mut t = 0;
    let mut reader: Option<StoreReader> = None;
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for (e, len) in [5u64, 3, 9, 1, 6].into_iter().enumerate() {
        let mut ep = EpisodeBuffer::new(&schema);
        for i in t..t + len {
            ep.push_step(&[("frame", Column::U8(frame(i))), ("t", Column::U64(vec![i]))])
                .unwrap();
        }
        w.append_episode(&ep).unwrap();
        t += len;
        let r = reader.get_or_insert_with(|| StoreReader::open(dir.path()).unwrap());
        r.refresh().unwrap();
        assert_eq!(r.num_episodes(), e as u64 + 1);
        let sampler = StepSampler::uniform(t);
        let batch = r.sample(&["frame", "t"], 50, &sampler, &mut rng).unwrap();
        let frames = batch.get("frame").unwrap().as_u8().unwrap();
        for (k, &i) in batch.indices.iter().enumerate() {
            assert_eq!(
                &frames[k * 3072..(k + 1) * 3072],
                frame(i).as_slice(),
                "step {i}"
            );
        }
    }
    let r = reader.unwrap();
    let all = r.read_steps("frame", 0..t).unwrap();
    let gathered = r
        .gather("frame", &(0..t).rev().collect::<Vec<_>>())
        .unwrap();
    let n = t as usize;
    for i in 0..n {
        let want = &all.as_u8().unwrap()[i * 3072..(i + 1) * 3072];
        let got = &gathered.as_u8().unwrap()[(n - 1 - i) * 3072..(n - i) * 3072];
        assert_eq!(want, got, "step {i}");
    }

    // A damaged shard index is reported, not trusted.
    drop(w);
    let shard = dir.path().join("frame/c/0/0/0/0");
    let mut bytes = std::fs::read(&shard).unwrap();
    let last = bytes.len() - 10;
    bytes[last] ^= 0x55;
    std::fs::write(&shard, bytes).unwrap();
    let r = StoreReader::open(dir.path()).unwrap();
    let err = r
        .gather("frame", &[1])
        .err()
        .expect("damage must be detected");
    assert!(err.to_string().contains("frame"), "{err}");
}

#[test]
fn windows_stay_inside_episodes_and_cover_them_evenly() {
    let dir = temp("windows");
    let mut w = StoreWriter::create(dir.path(), schema(), small_chunks()).unwrap();
    let mut t = 0;
    // Episodes of 2, 6 and 4 steps: windows of 3 fit 0, 4 and 2 times.
    for (e, len) in [2usize, 6, 4].into_iter().enumerate() {
        w.append_episode(&episode(&schema(), t, len, e as f32))
            .unwrap();
        t += len as u64;
    }
    let reader = StoreReader::open(dir.path()).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let batch = reader.sample_windows(&["t"], 6000, 3, &mut rng).unwrap();
    let ts = batch.get("t").unwrap().as_u64().unwrap();
    let mut counts = std::collections::BTreeMap::new();
    for (k, &start) in batch.indices.iter().enumerate() {
        assert_eq!(&ts[k * 3..k * 3 + 3], &[start, start + 1, start + 2]);
        let e = batch.episodes[k];
        let range = reader.episode_range(e).unwrap();
        assert!(
            range.start <= start && start + 3 <= range.end,
            "window {start} leaves episode {e}"
        );
        *counts.entry(start).or_insert(0usize) += 1;
    }
    // The six possible windows (starts 2..=5 and 8..=9), each about 1000 times.
    assert_eq!(
        counts.keys().copied().collect::<Vec<_>>(),
        vec![2, 3, 4, 5, 8, 9]
    );
    assert!(
        counts.values().all(|&c| (850..1150).contains(&c)),
        "{counts:?}"
    );
    assert!(reader.sample_windows(&["t"], 1, 7, &mut rng).is_err());
}
