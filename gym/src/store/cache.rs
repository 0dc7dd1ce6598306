//! Decoded chunks kept in memory, least recently used first out, within a byte budget: what
//! keeps a reader's memory bounded whatever the store's size.

use std::sync::Arc;

use lru::LruCache;

use super::Column;

pub(crate) struct ChunkCache {
    chunks: LruCache<(usize, u64), Cached>,
    bytes: usize,
    capacity: usize,
}

#[derive(Clone)]
pub(crate) struct Cached {
    pub column: Arc<Column>,
    /// Rows of the chunk that were committed when it was read; a chunk still being filled is
    /// read again once more of it is needed.
    pub valid_rows: u64,
}

impl ChunkCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            chunks: LruCache::unbounded(),
            bytes: 0,
            capacity,
        }
    }

    pub fn get(&mut self, field: usize, chunk: u64) -> Option<Cached> {
        self.chunks.get(&(field, chunk)).cloned()
    }

    pub fn insert(&mut self, field: usize, chunk: u64, cached: Cached) {
        let size = bytes_of(&cached.column);
        if size > self.capacity {
            return;
        }
        if let Some(old) = self.chunks.put((field, chunk), cached) {
            self.bytes -= bytes_of(&old.column);
        }
        self.bytes += size;
        while self.bytes > self.capacity {
            let Some((_, old)) = self.chunks.pop_lru() else {
                break;
            };
            self.bytes -= bytes_of(&old.column);
        }
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

fn bytes_of(c: &Column) -> usize {
    c.len() * c.dtype().size()
}
