//! What the learner sends its robots, as one byte string: the VAE, the policy, and goal
//! pictures for each robot.

use burn::prelude::*;
use burn::store::ModuleRecord;
use serde::{Deserialize, Serialize};

use crate::AgentError;
use crate::sac::Sac;
use crate::skewfit::{SkewFitConfig, Vae};

const MAGIC: &[u8; 8] = b"BFFLEET1";

/// A policy and each robot's goals, as of one learner epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyBundle {
    /// The learner's epochs done when it was made: robots keep the newest.
    pub version: u64,
    /// The run's settings (the VAE's shape among them).
    pub config: SkewFitConfig,
    /// The VAE's weights (a burn record).
    pub vae: Vec<u8>,
    /// The policy's description (`sac.json`'s text).
    pub sac: String,
    /// The policy's weights (a burn record).
    pub actor: Vec<u8>,
    /// Per robot, goal pictures (48 × 48 RGB) of its own door.
    pub goals: Vec<Vec<Vec<u8>>>,
}

#[derive(Serialize, Deserialize)]
struct Header {
    version: u64,
    config: SkewFitConfig,
    sac: String,
    vae_len: usize,
    actor_len: usize,
    image_len: usize,
    goals: Vec<usize>,
}

impl PolicyBundle {
    /// The bundle of `vae` and `sac` with `goals`.
    pub fn new(
        version: u64,
        config: &SkewFitConfig,
        vae: &Vae,
        sac: &Sac,
        goals: Vec<Vec<Vec<u8>>>,
    ) -> Result<Self, AgentError> {
        let vae = vae
            .clone()
            .into_record()
            .into_bytes()
            .map_err(|e| AgentError::Io(format!("the VAE's weights: {e}")))?
            .to_vec();
        let (sac, actor) = sac.policy_bytes()?;
        Ok(Self { version, config: config.clone(), vae, sac, actor, goals })
    }

    /// The bundle as bytes: a magic word, a JSON header, then the weights and the pictures.
    pub fn to_bytes(&self) -> Vec<u8> {
        let image_len = self.goals.iter().flatten().map(Vec::len).next().unwrap_or(0);
        let header = Header {
            version: self.version,
            config: self.config.clone(),
            sac: self.sac.clone(),
            vae_len: self.vae.len(),
            actor_len: self.actor.len(),
            image_len,
            goals: self.goals.iter().map(Vec::len).collect(),
        };
        let header = serde_json::to_vec(&header).expect("a header serialises");
        let mut out = Vec::with_capacity(16 + header.len() + self.vae.len() + self.actor.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(header.len() as u64).to_le_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&self.vae);
        out.extend_from_slice(&self.actor);
        for image in self.goals.iter().flatten() {
            out.extend_from_slice(image);
        }
        out
    }

    /// Reads what [`to_bytes`](Self::to_bytes) wrote; anything else is refused, naming why.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, AgentError> {
        let bad = |why: &str| AgentError::Config(format!("not a fleet policy bundle: {why}"));
        if bytes.len() < 16 || &bytes[..8] != MAGIC {
            return Err(bad("it does not start with the bundle's magic word"));
        }
        let header_len = u64::from_le_bytes(bytes[8..16].try_into().unwrap()) as usize;
        let rest = &bytes[16..];
        let header: Header = rest
            .get(..header_len)
            .ok_or_else(|| bad("its header is cut short"))
            .and_then(|h| serde_json::from_slice(h).map_err(|e| bad(&e.to_string())))?;
        let pictures: usize = header.goals.iter().sum::<usize>() * header.image_len;
        let body = &rest[header_len..];
        if body.len() != header.vae_len + header.actor_len + pictures {
            return Err(bad(&format!(
                "it holds {} bytes after its header; the header counts {}",
                body.len(),
                header.vae_len + header.actor_len + pictures
            )));
        }
        let (vae, body) = body.split_at(header.vae_len);
        let (actor, mut body) = body.split_at(header.actor_len);
        let mut goals = Vec::with_capacity(header.goals.len());
        for &n in &header.goals {
            let mut robot = Vec::with_capacity(n);
            for _ in 0..n {
                let (image, next) = body.split_at(header.image_len);
                robot.push(image.to_vec());
                body = next;
            }
            goals.push(robot);
        }
        Ok(Self {
            version: header.version,
            config: header.config,
            vae: vae.to_vec(),
            sac: header.sac,
            actor: actor.to_vec(),
            goals,
        })
    }

    /// The VAE and the policy, ready to act on `device` (the policy on its autodiff side, as
    /// [`Sac`] keeps it).
    pub fn networks(&self, device: &Device) -> Result<(Vae, Sac), AgentError> {
        let record = ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(self.vae.clone()))
            .map_err(|e| AgentError::Config(format!("the bundle's VAE: {e}")))?;
        let vae = self.config.vae.init(device).load_record(record);
        let sac = Sac::from_policy_bytes(&self.sac, self.actor.clone(), &device.clone().autodiff())?;
        Ok((vae, sac))
    }
}
