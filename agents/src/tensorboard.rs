//! Scalars in TensorBoard's event-file format, so `tensorboard --logdir RUN` plots a run
//! without TensorFlow or a protobuf library.
//!
//! An event file is a sequence of records — a little-endian u64 length, its masked CRC-32C,
//! the bytes, their masked CRC-32C — each holding one `Event` protocol buffer. Only the few
//! fields scalars need are written: `wall_time` (1, double), `step` (2, int64),
//! `file_version` (3, string) and `summary` (5) with `Value { tag (1), simple_value (2) }`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// An open event file.
pub struct EventWriter {
    file: std::fs::File,
    path: PathBuf,
}

impl EventWriter {
    /// Creates a new event file in `dir` (TensorBoard reads every `events.out.tfevents.*`).
    pub fn create(dir: &Path) -> std::io::Result<Self> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let path = dir.join(format!(
            "events.out.tfevents.{}.byfeel.{}",
            now.as_secs(),
            std::process::id()
        ));
        let file = std::fs::File::create(&path)?;
        let mut w = Self { file, path };
        let mut event = Vec::new();
        put_double(&mut event, 1, wall_time());
        put_bytes(&mut event, 3, b"brain.Event:2");
        w.record(&event)?;
        Ok(w)
    }

    /// The event file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes scalars `(tag, value)` at `step`, then flushes so a live TensorBoard sees them.
    pub fn scalars(&mut self, step: i64, values: &[(&str, f64)]) -> std::io::Result<()> {
        let mut summary = Vec::new();
        for (tag, v) in values {
            if !v.is_finite() {
                continue;
            }
            let mut value = Vec::new();
            put_bytes(&mut value, 1, tag.as_bytes());
            put_key(&mut value, 2, 5);
            value.extend_from_slice(&(*v as f32).to_le_bytes());
            put_bytes(&mut summary, 1, &value);
        }
        let mut event = Vec::new();
        put_double(&mut event, 1, wall_time());
        put_key(&mut event, 2, 0);
        put_varint(&mut event, step as u64);
        put_bytes(&mut event, 5, &summary);
        self.record(&event)?;
        self.file.flush()
    }

    fn record(&mut self, data: &[u8]) -> std::io::Result<()> {
        let len = (data.len() as u64).to_le_bytes();
        let mut out = Vec::with_capacity(data.len() + 16);
        out.extend_from_slice(&len);
        out.extend_from_slice(&masked_crc(&len).to_le_bytes());
        out.extend_from_slice(data);
        out.extend_from_slice(&masked_crc(data).to_le_bytes());
        self.file.write_all(&out)
    }
}

fn wall_time() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_key(out: &mut Vec<u8>, field: u32, wire: u8) {
    put_varint(out, ((field as u64) << 3) | wire as u64);
}

fn put_double(out: &mut Vec<u8>, field: u32, v: f64) {
    put_key(out, field, 1);
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_key(out, field, 2);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// CRC-32C (Castagnoli), bit by bit: records are small and written once an epoch.
pub fn crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn masked_crc(data: &[u8]) -> u32 {
    let c = crc32c(data);
    ((c >> 15) | (c << 17)).wrapping_add(0xA282_EAD8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_matches_the_standard_check_value() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
    }

    /// Reads records back, checking both CRCs, and finds each tag's float in the summaries.
    fn read_scalars(bytes: &[u8]) -> Vec<(String, f32)> {
        let mut at = 0;
        let mut found = Vec::new();
        while at < bytes.len() {
            let len_bytes = &bytes[at..at + 8];
            let len = u64::from_le_bytes(len_bytes.try_into().unwrap()) as usize;
            let crc = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap());
            assert_eq!(crc, masked_crc(len_bytes), "length CRC");
            let data = &bytes[at + 12..at + 12 + len];
            let crc = u32::from_le_bytes(bytes[at + 12 + len..at + 16 + len].try_into().unwrap());
            assert_eq!(crc, masked_crc(data), "data CRC");
            at += 16 + len;
            // Tags are followed by field 2 (key 0x15) and four float bytes.
            for (i, w) in data.windows(2).enumerate() {
                if w[0] == 0x0A && i + 2 + w[1] as usize + 5 <= data.len() {
                    let tag = &data[i + 2..i + 2 + w[1] as usize];
                    let after = i + 2 + w[1] as usize;
                    if data[after] == 0x15 && tag.iter().all(|c| c.is_ascii_graphic()) {
                        let v = f32::from_le_bytes(data[after + 1..after + 5].try_into().unwrap());
                        found.push((String::from_utf8(tag.to_vec()).unwrap(), v));
                    }
                }
            }
        }
        found
    }

    #[test]
    fn scalars_are_written_as_checksummed_records() {
        let dir = std::env::temp_dir().join(format!("byfeel-tb-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut w = EventWriter::create(&dir).unwrap();
        w.scalars(
            3,
            &[("vae/kl", 1.5), ("sac/q_loss", 0.25), ("skipped", f64::NAN)],
        )
        .unwrap();
        let bytes = std::fs::read(w.path()).unwrap();
        assert!(bytes.windows(13).any(|x| x == b"brain.Event:2"));
        let found = read_scalars(&bytes);
        assert!(found.contains(&("vae/kl".into(), 1.5)), "{found:?}");
        assert!(found.contains(&("sac/q_loss".into(), 0.25)), "{found:?}");
        assert!(!found.iter().any(|(t, _)| t == "skipped"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
