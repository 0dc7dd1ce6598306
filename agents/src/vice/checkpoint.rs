//! A VICE run's checkpoint: the replay, the classifier, the VAE and SAC with their optimizers,
//! the examples and the answers, and the loop's counters. A resume replays the run's actions on
//! a fresh simulator (deterministic) to bring the scene back to where the run left it.

use std::path::Path;

use burn::optim::ModuleOptimizer;
use burn::prelude::*;
use burn::store::ModuleRecord;
use byfeel_gym::{Env, ResetOptions};

use super::classifier::IMAGE_SIDE;
use super::config::ViceConfig;
use super::labels::Examples;
use super::train::{Learner, ViceState, classifier_optimizer, next_episode, truth_of, vice_env};
use crate::sac::Sac;
use crate::skewfit::replay::{Replay, Replayed};
use crate::skewfit::train::image;
use crate::{AgentError, io_error as io, run_dir};

const PICTURE: usize = IMAGE_SIDE * IMAGE_SIDE * 3;

/// Writes the run's checkpoint whole, replacing the previous one only once it is complete.
pub fn save(run: &Path, l: &Learner) -> Result<(), AgentError> {
    let tmp = run_dir::begin_checkpoint(run)?;
    let write = |name: &str, bytes: &[u8]| run_dir::write(&tmp, name, bytes);
    write("replay.bin", &l.replay.to_bytes())?;
    let classifier = l
        .classifier
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| io(&tmp, e))?;
    write("classifier.bpk", &classifier)?;
    let vae = l
        .vae
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| io(&tmp, e))?;
    write("vae.bpk", &vae)?;
    let opt = |o: &ModuleOptimizer| o.into_bytes().map_err(|e| io(&tmp, e));
    write("classifier_opt.bin", &opt(&l.classifier_opt)?)?;
    write("vae_opt.bin", &opt(&l.vae_opt)?)?;
    write("positives.bin", &l.examples.positives.concat())?;
    write("negatives.bin", &l.examples.negatives.concat())?;
    l.sac.save(&tmp.join("sac"))?;
    let state = Saved {
        state: l.state.clone(),
        queries: l.examples.queries,
    };
    run_dir::commit_checkpoint(run, &state)
}

/// The counters a checkpoint keeps.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Saved {
    state: ViceState,
    queries: usize,
}

/// The run's checkpoint (None if it has none), with the scene brought back to where the run
/// left it by replaying its actions.
pub fn load(
    run: &Path,
    config: &ViceConfig,
    device: &Device,
) -> Result<Option<Learner>, AgentError> {
    let Some((dir, saved)) = run_dir::open_checkpoint::<Saved>(run)? else {
        return Ok(None);
    };
    let read = |name: &str| run_dir::read(&dir, name);
    let replay =
        Replay::from_bytes(&read("replay.bin")?).map_err(|e| io(&dir.join("replay.bin"), e))?;
    if replay.num_steps() != saved.state.env_steps {
        return Err(io(
            &dir,
            format!(
                "the replay holds {} steps, the state says {}",
                replay.num_steps(),
                saved.state.env_steps
            ),
        ));
    }
    let module =
        |name: &str| ModuleRecord::load(dir.join(name)).map_err(|e| io(&dir.join(name), e));
    let classifier = config
        .classifier
        .init(device)
        .load_record(module("classifier.bpk")?);
    let vae = config.vae.init(device).load_record(module("vae.bpk")?);
    let optimizer = |name: &str, fresh: ModuleOptimizer| -> Result<ModuleOptimizer, AgentError> {
        fresh
            .from_bytes(burn::tensor::Bytes::from_bytes_vec(read(name)?))
            .map_err(|e| io(&dir.join(name), e))
    };
    let classifier_opt = optimizer("classifier_opt.bin", classifier_optimizer(config))?;
    let vae_opt = optimizer("vae_opt.bin", burn::optim::AdamConfig::new().init())?;
    let pictures = |name: &str| -> Result<Vec<Vec<u8>>, AgentError> {
        let bytes = read(name)?;
        if bytes.len() % PICTURE != 0 {
            return Err(io(
                &dir.join(name),
                "not a whole number of 48 x 48 pictures",
            ));
        }
        Ok(bytes.chunks_exact(PICTURE).map(|c| c.to_vec()).collect())
    };
    let examples = Examples {
        positives: pictures("positives.bin")?,
        negatives: pictures("negatives.bin")?,
        queries: saved.queries,
    };
    let sac = Sac::load(&dir.join("sac"), device)?;
    let (env, truths) = replay_actions(config, &replay, &dir)?;
    Ok(Some(Learner {
        state: saved.state,
        classifier,
        classifier_opt,
        vae,
        vae_opt,
        sac,
        replay,
        examples,
        env,
        truths,
    }))
}

/// A fresh environment walked through the run's episodes and actions, checked frame by frame
/// against the stored images; the simulator's truth after each frame.
fn replay_actions(
    config: &ViceConfig,
    replay: &Replay,
    dir: &Path,
) -> Result<(crate::arm::ArmEnv, Vec<byfeel_gym::OracleState>), AgentError> {
    let mut env = vice_env(config)?;
    let err = AgentError::Env;
    let (obs, _) = env
        .reset(Some(config.seed), &ResetOptions { hard_reset: true })
        .map_err(err)?;
    let changed = || {
        io(
            dir,
            "replaying the stored actions did not give the stored pictures; the simulator \
                 or its assets changed since this run was saved",
        )
    };
    let mut truths: Vec<_> = truth_of(&env).into_iter().collect();
    let mut seen = image(&obs, "image_observation")?;
    if replay
        .episodes
        .first()
        .is_some_and(|e| seen != replay.frame(e.first))
    {
        return Err(changed());
    }
    replay.walk(&mut env, &next_episode(config), |env, shown| {
        let (Replayed::Reset(_, obs) | Replayed::Step(_, obs)) = shown;
        seen = image(obs, "image_observation")?;
        if let Replayed::Reset(i, _) = shown
            && seen != replay.frame(replay.episodes[i].first)
        {
            return Err(changed());
        }
        truths.extend(truth_of(env));
        Ok(())
    })?;
    if seen != replay.frame(replay.num_frames() - 1) {
        return Err(changed());
    }
    Ok((env, truths))
}
