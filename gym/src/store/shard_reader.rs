//! Reading single steps out of complete shards, fast.
//!
//! Written by hand because random training batches read one small frame from each of ~1000
//! shards, and going through zarrs costs more than the decoding itself (it makes a zstd
//! context per chunk and takes several locks per read). This path only handles byfeel's own
//! layout — `sharding_indexed` with one step per inner chunk, inner codecs `bytes` + `zstd`,
//! index `bytes` + `crc32c` at the end, as the Zarr v3 sharding spec lays it out — and only
//! complete shards, which never change; everything else goes through zarrs.

use std::cell::RefCell;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use lru::LruCache;
use zarrs::array::Array;
use zarrs::filesystem::FilesystemStore;

/// An open shard and its decoded index: (offset, length) per step.
struct Shard {
    file: File,
    index: Vec<(u64, u64)>,
}

pub(crate) struct ShardReader {
    storage: Arc<FilesystemStore>,
    array: Array<FilesystemStore>,
    shard_rows: u64,
    row_bytes: usize,
    open: Mutex<LruCache<u64, Arc<Shard>>>,
}

const EMPTY: u64 = u64::MAX;

thread_local! {
    static ZSTD: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
    static FRAME: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl ShardReader {
    /// A reader for `array` if it has byfeel's shard layout, else `None` (zarrs reads it).
    pub fn open(
        storage: Arc<FilesystemStore>,
        array: &Array<FilesystemStore>,
        row_bytes: usize,
    ) -> Option<Self> {
        if !has_plain_layout(array) {
            return None;
        }
        let dims = array.dimensionality();
        let shard_rows = array.chunk_shape(&vec![0; dims]).ok()?[0].get();
        let array = Array::open(storage.clone(), array.path().as_str()).ok()?;
        Some(Self {
            storage,
            array,
            shard_rows,
            row_bytes,
            open: Mutex::new(LruCache::new(
                std::num::NonZeroUsize::new(open_files_to_keep()).unwrap(),
            )),
        })
    }

    fn path(&self, shard: u64) -> PathBuf {
        let mut indices = vec![0; self.array.dimensionality()];
        indices[0] = shard;
        self.storage.key_to_fspath(&self.array.chunk_key(&indices))
    }

    fn shard(&self, s: u64) -> Result<Arc<Shard>, String> {
        if let Some(shard) = self.open.lock().unwrap().get(&s) {
            return Ok(shard.clone());
        }
        let path = self.path(s);
        let file = File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let n = self.shard_rows as usize;
        let index_bytes = 16 * n + 4;
        let len = file.metadata().map_err(|e| e.to_string())?.len();
        if len < index_bytes as u64 {
            return Err(format!("{}: too short for its index", path.display()));
        }
        let mut raw = vec![0u8; index_bytes];
        file.read_exact_at(&mut raw, len - index_bytes as u64)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let (entries, crc) = raw.split_at(16 * n);
        if crc32c::crc32c(entries).to_le_bytes() != crc {
            return Err(format!(
                "{}: the shard index fails its checksum",
                path.display()
            ));
        }
        let index: Vec<(u64, u64)> = entries
            .chunks_exact(16)
            .map(|e| {
                let word = |i: usize| u64::from_le_bytes(e[i..i + 8].try_into().unwrap());
                (word(0), word(8))
            })
            .collect();
        if let Some((o, l)) = index
            .iter()
            .find(|&&(o, l)| o != EMPTY && o.checked_add(l).is_none_or(|end| end > len))
        {
            return Err(format!(
                "{}: the index points past the file ({o}+{l} > {len})",
                path.display()
            ));
        }
        let shard = Arc::new(Shard { file, index });
        self.open.lock().unwrap().put(s, shard.clone());
        Ok(shard)
    }

    /// Decodes step `t` into `out` (`row_bytes` long).
    pub fn read(&self, t: u64, out: &mut [u8]) -> Result<(), String> {
        let shard = self.shard(t / self.shard_rows)?;
        let (offset, len) = shard.index[(t % self.shard_rows) as usize];
        if offset == EMPTY {
            out.fill(0); // never written: the fill value
            return Ok(());
        }
        FRAME.with(|frame| {
            let mut frame = frame.borrow_mut();
            frame.resize(len as usize, 0);
            shard
                .file
                .read_exact_at(&mut frame, offset)
                .map_err(|e| e.to_string())?;
            ZSTD.with(|z| {
                let mut z = z.borrow_mut();
                if z.is_none() {
                    *z = Some(zstd::bulk::Decompressor::new().map_err(|e| e.to_string())?);
                }
                let n = z
                    .as_mut()
                    .unwrap()
                    .decompress_to_buffer(&frame[..], out)
                    .map_err(|e| format!("step {t}: zstd: {e}"))?;
                if n != self.row_bytes {
                    return Err(format!(
                        "step {t} decoded to {n} bytes, not {}",
                        self.row_bytes
                    ));
                }
                Ok(())
            })
        })
    }
}

/// True if the array is sharded as byfeel writes it: inner codecs `bytes` (little-endian) then
/// `zstd`, index `bytes` + `crc32c` at the end, default chunk keys.
fn has_plain_layout(array: &Array<FilesystemStore>) -> bool {
    let Ok(meta) = serde_json::to_value(array.metadata()) else {
        return false;
    };
    let codecs = &meta["codecs"];
    let inner = &codecs[0]["configuration"]["codecs"];
    let names: Vec<&str> = inner
        .as_array()
        .map(|v| v.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default();
    let endian = inner[0]["configuration"]["endian"]
        .as_str()
        .unwrap_or("little");
    let config = &codecs[0]["configuration"];
    let index: Vec<&str> = config["index_codecs"]
        .as_array()
        .map(|v| v.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default();
    codecs.as_array().is_some_and(|c| c.len() == 1)
        && codecs[0]["name"] == "sharding_indexed"
        && names == ["bytes", "zstd"]
        && endian == "little"
        && index == ["bytes", "crc32c"]
        && config["index_location"].as_str().unwrap_or("end") == "end"
        && meta["chunk_key_encoding"]["name"] == "default"
}

/// Shard files a reader keeps open: a quarter of the process's open-file limit, at most 4096.
pub(crate) fn open_files_to_keep() -> usize {
    let limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3)?.parse::<usize>().ok())
        })
        .unwrap_or(1024);
    (limit / 4).clamp(16, 4096)
}
