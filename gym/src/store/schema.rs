//! What a store holds: named fields with a dtype and a per-row shape, per step or per episode.

use serde::{Deserialize, Serialize};

use super::{EPISODE_ENDS, StoreError};

/// Element type of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldDtype {
    /// Unsigned bytes (images).
    U8,
    /// 32-bit floats.
    F32,
    /// 64-bit unsigned integers (seeds, counts).
    U64,
}

impl FieldDtype {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            FieldDtype::U8 => 1,
            FieldDtype::F32 => 4,
            FieldDtype::U64 => 8,
        }
    }

    /// The name zarr-python and numpy use.
    pub fn numpy_name(self) -> &'static str {
        match self {
            FieldDtype::U8 => "uint8",
            FieldDtype::F32 => "float32",
            FieldDtype::U64 => "uint64",
        }
    }
}

/// One array of the store: `shape` is one row's (a step's or an episode's) shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// The array's name in the store: letters, digits, `_` and `-`.
    pub name: String,
    /// Element type.
    pub dtype: FieldDtype,
    /// Shape of one row (one step's or one episode's value).
    pub shape: Vec<usize>,
    /// Names of the last axis's entries, for vectors (`oracle`: `door_angle`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
}

impl Field {
    /// A field called `name` of `dtype`, each row of `shape`.
    pub fn new(name: &str, dtype: FieldDtype, shape: &[usize]) -> Self {
        Self {
            name: name.to_string(),
            dtype,
            shape: shape.to_vec(),
            columns: Vec::new(),
        }
    }

    /// A byte field (images: `[height, width, 3]`).
    pub fn u8(name: &str, shape: &[usize]) -> Self {
        Self::new(name, FieldDtype::U8, shape)
    }

    /// A 32-bit float field.
    pub fn f32(name: &str, shape: &[usize]) -> Self {
        Self::new(name, FieldDtype::F32, shape)
    }

    /// A 64-bit unsigned integer field.
    pub fn u64(name: &str, shape: &[usize]) -> Self {
        Self::new(name, FieldDtype::U64, shape)
    }

    /// Names the entries of a vector field.
    pub fn with_columns(mut self, columns: &[&str]) -> Self {
        self.columns = columns.iter().map(|c| c.to_string()).collect();
        self
    }

    /// Elements in one row.
    pub fn row_len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Bytes in one row.
    pub fn row_bytes(&self) -> usize {
        self.row_len() * self.dtype.size()
    }
}

/// The fields of a store.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Schema {
    /// Arrays with one row per step.
    pub steps: Vec<Field>,
    /// Arrays with one row per episode.
    pub episodes: Vec<Field>,
}

impl Schema {
    /// A schema with no fields yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a field with one row per step.
    pub fn step(mut self, field: Field) -> Self {
        self.steps.push(field);
        self
    }

    /// Adds a field with one row per episode.
    pub fn episode(mut self, field: Field) -> Self {
        self.episodes.push(field);
        self
    }

    /// The step field called `name`.
    pub fn step_field(&self, name: &str) -> Option<&Field> {
        self.steps.iter().find(|f| f.name == name)
    }

    /// The episode field called `name`.
    pub fn episode_field(&self, name: &str) -> Option<&Field> {
        self.episodes.iter().find(|f| f.name == name)
    }

    pub(crate) fn check(&self) -> Result<(), StoreError> {
        let bad = |why: String| Err(StoreError::BadRequest(format!("schema: {why}")));
        if self.steps.is_empty() {
            return bad("a store needs at least one step field".into());
        }
        let mut names = std::collections::BTreeSet::new();
        for f in self.steps.iter().chain(&self.episodes) {
            let ok_name = !f.name.is_empty()
                && f.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !ok_name || f.name.starts_with('.') {
                return bad(format!(
                    "field name {:?}: use letters, digits, _ and -",
                    f.name
                ));
            }
            if f.name == EPISODE_ENDS || !names.insert(f.name.as_str()) {
                return bad(format!("field name {:?} is used twice or reserved", f.name));
            }
            if f.shape.contains(&0) {
                return bad(format!(
                    "field {:?} has an empty shape {:?}",
                    f.name, f.shape
                ));
            }
            if !f.columns.is_empty() && f.shape.last() != Some(&f.columns.len()) {
                return bad(format!(
                    "field {:?}: {} column names for a last axis of {:?}",
                    f.name,
                    f.columns.len(),
                    f.shape.last()
                ));
            }
        }
        Ok(())
    }
}

/// A field's values, flattened in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Bytes.
    U8(Vec<u8>),
    /// 32-bit floats.
    F32(Vec<f32>),
    /// 64-bit unsigned integers.
    U64(Vec<u64>),
}

impl Column {
    /// The element type.
    pub fn dtype(&self) -> FieldDtype {
        match self {
            Column::U8(_) => FieldDtype::U8,
            Column::F32(_) => FieldDtype::F32,
            Column::U64(_) => FieldDtype::U64,
        }
    }

    /// Number of elements (rows × row length).
    pub fn len(&self) -> usize {
        match self {
            Column::U8(v) => v.len(),
            Column::F32(v) => v.len(),
            Column::U64(v) => v.len(),
        }
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values if they are bytes.
    pub fn as_u8(&self) -> Option<&[u8]> {
        match self {
            Column::U8(v) => Some(v),
            _ => None,
        }
    }

    /// The values if they are f32s.
    pub fn as_f32(&self) -> Option<&[f32]> {
        match self {
            Column::F32(v) => Some(v),
            _ => None,
        }
    }

    /// The values if they are u64s.
    pub fn as_u64(&self) -> Option<&[u64]> {
        match self {
            Column::U64(v) => Some(v),
            _ => None,
        }
    }

    /// The values as little-endian bytes (Zarr's `bytes` codec order).
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Column::U8(v) => v.clone(),
            Column::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Column::U64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }

    /// Like [`from_bytes`](Self::from_bytes), without copying bytes.
    pub fn from_bytes_owned(dtype: FieldDtype, bytes: Vec<u8>) -> Self {
        match dtype {
            FieldDtype::U8 => Column::U8(bytes),
            _ => Self::from_bytes(dtype, &bytes),
        }
    }

    /// Values of `dtype` from little-endian bytes (Zarr's `bytes` codec order).
    pub fn from_bytes(dtype: FieldDtype, bytes: &[u8]) -> Self {
        match dtype {
            FieldDtype::U8 => Column::U8(bytes.to_vec()),
            FieldDtype::F32 => Column::F32(
                bytes
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
                    .collect(),
            ),
            FieldDtype::U64 => Column::U64(
                bytes
                    .chunks_exact(8)
                    .map(|b| u64::from_le_bytes(b.try_into().unwrap()))
                    .collect(),
            ),
        }
    }

    /// `len` values from `from`.
    pub fn slice(&self, from: usize, len: usize) -> Column {
        match self {
            Column::U8(v) => Column::U8(v[from..from + len].to_vec()),
            Column::F32(v) => Column::F32(v[from..from + len].to_vec()),
            Column::U64(v) => Column::U64(v[from..from + len].to_vec()),
        }
    }

    /// `len` zeros.
    pub fn zeros(dtype: FieldDtype, len: usize) -> Self {
        match dtype {
            FieldDtype::U8 => Column::U8(vec![0; len]),
            FieldDtype::F32 => Column::F32(vec![0.0; len]),
            FieldDtype::U64 => Column::U64(vec![0; len]),
        }
    }

    /// Copies `len` values of `src` from `from` over this column's from `at` (same dtype).
    pub(crate) fn copy_rows(&mut self, at: usize, src: &Column, from: usize, len: usize) {
        match (self, src) {
            (Column::U8(d), Column::U8(s)) => d[at..at + len].copy_from_slice(&s[from..from + len]),
            (Column::F32(d), Column::F32(s)) => {
                d[at..at + len].copy_from_slice(&s[from..from + len])
            }
            (Column::U64(d), Column::U64(s)) => {
                d[at..at + len].copy_from_slice(&s[from..from + len])
            }
            _ => unreachable!("a field's chunks have its dtype"),
        }
    }

    /// Appends `other` (same dtype, checked by the caller).
    pub(crate) fn extend(&mut self, other: &Column) {
        match (self, other) {
            (Column::U8(a), Column::U8(b)) => a.extend_from_slice(b),
            (Column::F32(a), Column::F32(b)) => a.extend_from_slice(b),
            (Column::U64(a), Column::U64(b)) => a.extend_from_slice(b),
            _ => unreachable!("dtype checked before extending"),
        }
    }

    /// The index of the first value that is NaN or infinite.
    pub(crate) fn first_non_finite(&self) -> Option<usize> {
        match self {
            Column::F32(v) => v.iter().position(|x| !x.is_finite()),
            _ => None,
        }
    }
}
