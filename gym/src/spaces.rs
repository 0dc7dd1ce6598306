//! Observation and action spaces, and the arrays that fill them (Gymnasium's `Box` and `Dict`).

/// Element type of an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    /// 32-bit floats.
    F32,
    /// Bytes 0..=255, such as image pixels.
    U8,
}

/// A box: every element within [low, high], of one dtype and shape.
#[derive(Debug, Clone, PartialEq)]
pub struct BoxSpace {
    /// Size of each dimension, outermost first.
    pub shape: Vec<usize>,
    /// Smallest value any element may take.
    pub low: f32,
    /// Largest value any element may take.
    pub high: f32,
    /// Element type.
    pub dtype: Dtype,
}

impl BoxSpace {
    /// A box of f32s of `shape`, each between `low` and `high`.
    pub fn f32(shape: &[usize], low: f32, high: f32) -> Self {
        Self {
            shape: shape.to_vec(),
            low,
            high,
            dtype: Dtype::F32,
        }
    }

    /// An image, rows × columns × RGB, bytes 0..=255.
    pub fn image(height: u32, width: u32) -> Self {
        Self {
            shape: vec![height as usize, width as usize, 3],
            low: 0.0,
            high: 255.0,
            dtype: Dtype::U8,
        }
    }

    /// Number of elements: the product of the shape.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the box has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks an f32 vector against this box: length, finiteness, bounds. The error names the
    /// first offending element.
    pub fn check(&self, what: &str, values: &[f32]) -> Result<(), String> {
        if values.len() != self.len() {
            return Err(format!(
                "{what} has {} values; expected shape {:?} ({} values)",
                values.len(),
                self.shape,
                self.len()
            ));
        }
        for (i, v) in values.iter().enumerate() {
            if !v.is_finite() {
                return Err(format!("{what}[{i}] = {v} is not finite"));
            }
            if *v < self.low || *v > self.high {
                return Err(format!(
                    "{what}[{i}] = {v} is outside [{}, {}]",
                    self.low, self.high
                ));
            }
        }
        Ok(())
    }
}

/// A space: a box, or named boxes.
#[derive(Debug, Clone, PartialEq)]
pub enum Space {
    /// One box.
    Box(BoxSpace),
    /// Named boxes, in key order (Gymnasium's `Dict`).
    Dict(Vec<(String, BoxSpace)>),
}

/// The values of an array, row-major.
#[derive(Debug, Clone, PartialEq)]
pub enum ArrayData {
    /// 32-bit floats.
    F32(Vec<f32>),
    /// Bytes, such as RGB pixels.
    U8(Vec<u8>),
}

/// An owned array with its shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    /// Size of each dimension, outermost first.
    pub shape: Vec<usize>,
    /// The elements, row-major.
    pub data: ArrayData,
}

impl Array {
    /// A one-dimensional f32 array holding `values`.
    pub fn f32(values: Vec<f32>) -> Self {
        Self {
            shape: vec![values.len()],
            data: ArrayData::F32(values),
        }
    }

    /// An image array, rows × columns × RGB, from `height * width * 3` bytes row by row.
    pub fn image(height: u32, width: u32, rgb: Vec<u8>) -> Self {
        Self {
            shape: vec![height as usize, width as usize, 3],
            data: ArrayData::U8(rgb),
        }
    }

    /// The values if they are f32s.
    pub fn as_f32(&self) -> Option<&[f32]> {
        match &self.data {
            ArrayData::F32(v) => Some(v),
            ArrayData::U8(_) => None,
        }
    }

    /// The values if they are bytes.
    pub fn as_u8(&self) -> Option<&[u8]> {
        match &self.data {
            ArrayData::U8(v) => Some(v),
            ArrayData::F32(_) => None,
        }
    }
}

/// An observation: one array, or named arrays in the order of the space's keys.
#[derive(Debug, Clone, PartialEq)]
pub enum Observation {
    /// A single array (a state vector or an image).
    Array(Array),
    /// Named arrays, as in a goal-conditioned observation.
    Dict(Vec<(String, Array)>),
}

impl Observation {
    /// The array called `key` of a dict observation.
    pub fn get(&self, key: &str) -> Option<&Array> {
        match self {
            Observation::Dict(items) => items.iter().find(|(k, _)| k == key).map(|(_, a)| a),
            Observation::Array(_) => None,
        }
    }
}
