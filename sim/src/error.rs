//! Errors from loading assets and driving the world.

use std::path::PathBuf;

/// A robot description or scene file that could not be used.
///
/// Every variant names the file; `Invalid` also names the element inside it (a TOML key, a URDF
/// link or joint, a line) and says what is wrong with it.
#[derive(Debug, thiserror::Error)]
pub enum AssetError {
    /// The file could not be read at all.
    #[error("{}: cannot read the file: {source}", file.display())]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file was read but one of its elements is wrong.
    #[error("{}: {element}: {problem}", file.display())]
    Invalid {
        file: PathBuf,
        element: String,
        problem: String,
    },
}

impl AssetError {
    pub(crate) fn invalid(
        file: impl Into<PathBuf>,
        element: impl Into<String>,
        problem: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            file: file.into(),
            element: element.into(),
            problem: problem.into(),
        }
    }
}

/// A request the world refused. The world is left exactly as it was.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    #[error("expected {expected} joint values, got {got}")]
    WrongLength { expected: usize, got: usize },
    #[error("joint {joint}: value {value} is not finite")]
    NonFinite { joint: String, value: f64 },
    #[error("joint {joint}: target {value} is outside its limits [{lower}, {upper}]")]
    OutOfLimits {
        joint: String,
        value: f64,
        lower: f64,
        upper: f64,
    },
    /// A request to place an object that the scene does not have, or at a place it cannot be.
    #[error("{0}")]
    BadPlacement(String),
}
