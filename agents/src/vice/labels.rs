//! What the classifier learns from besides the robot's own states: the user's pictures of
//! success, and the answers to its questions (RAQ: "does this look like success?").

use byfeel_gym::OracleState;

use crate::AgentError;

/// A picture the classifier asks about, with the simulator's truth where there is one.
pub struct Query<'a> {
    /// 48 × 48 RGB bytes.
    pub image: &'a [u8],
    /// The simulator's truth at the picture's state, for a simulated labeller.
    pub truth: Option<&'a OracleState>,
}

/// Whoever answers the classifier's questions.
pub trait Labeller {
    /// A name for logs; a labeller that reads the simulator says so.
    fn name(&self) -> String;
    /// Whether `query` shows success.
    fn label(&mut self, query: &Query) -> Result<bool, AgentError>;
}

/// Answers from the simulator's truth: a stand-in for a person, for benchmarks only.
pub struct OracleLabeller<F: FnMut(&OracleState) -> bool> {
    success: F,
}

impl<F: FnMut(&OracleState) -> bool> OracleLabeller<F> {
    /// A labeller that says "yes" where `success` holds of the truth.
    pub fn new(success: F) -> Self {
        Self { success }
    }
}

impl<F: FnMut(&OracleState) -> bool> Labeller for OracleLabeller<F> {
    fn name(&self) -> String {
        "oracle (simulated labeller: answers from the simulator's truth, not a person)".into()
    }

    fn label(&mut self, query: &Query) -> Result<bool, AgentError> {
        let truth = query.truth.ok_or_else(|| {
            AgentError::Config(
                "the oracle labeller needs the simulator's truth, and this arm has none: \
                 ask a person (a callable, the viewer or the prompt)"
                    .into(),
            )
        })?;
        Ok((self.success)(truth))
    }
}

/// Answers from any function of the picture (a Python callable, a person behind a window).
pub struct FnLabeller<F: FnMut(&[u8]) -> Result<bool, AgentError>> {
    name: String,
    answer: F,
}

impl<F: FnMut(&[u8]) -> Result<bool, AgentError>> FnLabeller<F> {
    /// A labeller called `name` that asks `answer`.
    pub fn new(name: impl Into<String>, answer: F) -> Self {
        Self {
            name: name.into(),
            answer,
        }
    }
}

impl<F: FnMut(&[u8]) -> Result<bool, AgentError>> Labeller for FnLabeller<F> {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn label(&mut self, query: &Query) -> Result<bool, AgentError> {
        (self.answer)(query.image)
    }
}

/// The labelled pictures: the user's examples of success and every answer since.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Examples {
    /// Pictures of success: the user's, then every "yes".
    pub positives: Vec<Vec<u8>>,
    /// Pictures a labeller said are not success: always negatives, whatever the robot does.
    pub negatives: Vec<Vec<u8>>,
    /// Questions asked so far.
    pub queries: usize,
}

impl Examples {
    /// The user's pictures of success, nothing asked yet.
    pub fn new(positives: Vec<Vec<u8>>) -> Self {
        Self {
            positives,
            ..Self::default()
        }
    }

    /// Asks `labeller` about `query` and files the picture by its answer; returns the answer.
    pub fn ask(&mut self, labeller: &mut dyn Labeller, query: &Query) -> Result<bool, AgentError> {
        let yes = labeller.label(query)?;
        self.queries += 1;
        if yes {
            self.positives.push(query.image.to_vec());
        } else {
            self.negatives.push(query.image.to_vec());
        }
        Ok(yes)
    }
}

/// Asks a person at a terminal: saves each picture (4× enlarged) as `query-NNN.png` in a
/// folder and reads "y" or "n" from `input`.
pub struct PromptLabeller<I: std::io::BufRead, O: std::io::Write> {
    dir: std::path::PathBuf,
    input: I,
    output: O,
    asked: usize,
}

impl<I: std::io::BufRead, O: std::io::Write> PromptLabeller<I, O> {
    /// A labeller that saves pictures into `dir` and asks on `output`, reading `input`.
    pub fn new(dir: impl Into<std::path::PathBuf>, input: I, output: O) -> Self {
        Self {
            dir: dir.into(),
            input,
            output,
            asked: 0,
        }
    }
}

impl<I: std::io::BufRead, O: std::io::Write> Labeller for PromptLabeller<I, O> {
    fn name(&self) -> String {
        format!(
            "a person at the terminal (pictures in {})",
            self.dir.display()
        )
    }

    fn label(&mut self, query: &Query) -> Result<bool, AgentError> {
        let io = |e: &dyn std::fmt::Display| AgentError::Io(format!("{}: {e}", self.dir.display()));
        std::fs::create_dir_all(&self.dir).map_err(|e| io(&e))?;
        let side = super::classifier::IMAGE_SIDE as u32;
        let (w, h, big) = byfeel_render::image::upscale(side, side, query.image, 4);
        let path = self.dir.join(format!("query-{:03}.png", self.asked));
        byfeel_render::image::save_rgb_png(&path, w, h, &big).map_err(|e| io(&e))?;
        self.asked += 1;
        loop {
            write!(self.output, "Does {} show success? [y/n] ", path.display())
                .map_err(|e| io(&e))?;
            self.output.flush().map_err(|e| io(&e))?;
            let mut line = String::new();
            if self.input.read_line(&mut line).map_err(|e| io(&e))? == 0 {
                return Err(AgentError::Config(format!(
                    "no answer about {}: the input ended",
                    path.display()
                )));
            }
            match line.trim().to_ascii_lowercase().as_str() {
                "y" | "yes" => return Ok(true),
                "n" | "no" => return Ok(false),
                _ => writeln!(self.output, "please answer y or n").map_err(|e| io(&e))?,
            }
        }
    }
}
