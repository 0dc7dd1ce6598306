//! A trainer's settings layered over its defaults: a file (TOML or JSON, in the schema the run
//! directory records) and `key=value` overrides with dotted keys (`sac.batch=256`). Every key
//! must be one of the settings and every value of the setting's type; an error names the key.
//!
//! ```
//! use byfeel_agents::settings::layered;
//! use byfeel_agents::skewfit::SkewFitConfig;
//!
//! let config: SkewFitConfig =
//!     layered(&SkewFitConfig::default(), None, &["alpha=-1".into(), "sac.batch=256".into()])
//!         .unwrap();
//! assert_eq!((config.alpha, config.sac.batch), (-1.0, 256));
//! let err = layered(&SkewFitConfig::default(), None, &["sac.bach=256".into()]).unwrap_err();
//! assert!(err.to_string().contains("sac.bach"));
//! ```

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::AgentError;

/// `defaults`, then the settings in `file` (`.toml` or `.json`; any subset of the fields),
/// then each `key=value` of `sets` (the value read as TOML: `0.5`, `true`, `[400, 300]`,
/// `"text"` or bare text). Refuses unknown keys and values of another type, naming the key.
pub fn layered<T: Serialize + DeserializeOwned>(
    defaults: &T,
    file: Option<&Path>,
    sets: &[String],
) -> Result<T, AgentError> {
    let mut value = serde_json::to_value(defaults).map_err(|e| bad("settings", e))?;
    if let Some(path) = file {
        let given = read_file(path)?;
        merge(&mut value, given, "", &path.display().to_string())?;
    }
    for set in sets {
        let (key, text) = set
            .split_once('=')
            .ok_or_else(|| bad(set, "give key=value, e.g. sac.batch=256"))?;
        let mut given = Value::Null;
        let mut slot = &mut given;
        for part in key.trim().split('.') {
            *slot = Value::Object(Default::default());
            slot = slot
                .as_object_mut()
                .expect("just made an object")
                .entry(part.to_string())
                .or_insert(Value::Null);
        }
        *slot = parse_value(text.trim());
        merge(&mut value, given, "", "--set")?;
    }
    serde_json::from_value(value).map_err(|e| bad("settings", e))
}

fn bad(key: &str, e: impl std::fmt::Display) -> AgentError {
    AgentError::Config(format!("{key}: {e}"))
}

/// A settings file as a JSON value.
fn read_file(path: &Path) -> Result<Value, AgentError> {
    let text = std::fs::read_to_string(path).map_err(|e| crate::io_error(path, e))?;
    let name = path.display().to_string();
    match path.extension().and_then(|e| e.to_str()) {
        Some("toml") => {
            let t: toml::Value = toml::from_str(&text).map_err(|e| bad(&name, e))?;
            serde_json::to_value(t).map_err(|e| bad(&name, e))
        }
        Some("json") => serde_json::from_str(&text).map_err(|e| bad(&name, e)),
        _ => Err(bad(&name, "a settings file is .toml or .json")),
    }
}

/// A `--set` value: TOML if it parses as a TOML value, else the text itself.
fn parse_value(text: &str) -> Value {
    toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .and_then(|v| serde_json::to_value(v).ok())
        .unwrap_or_else(|| Value::String(text.to_string()))
}

/// Writes `given` over `into`, key by key: every key must exist in `into` and every value
/// must be of the same kind (a whole number where an integer is, any number where a float is).
fn merge(into: &mut Value, given: Value, path: &str, source: &str) -> Result<(), AgentError> {
    let name = if path.is_empty() { "settings" } else { path };
    match (into, given) {
        (Value::Object(have), Value::Object(give)) => {
            for (k, v) in give {
                let key = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                let Some(slot) = have.get_mut(&k) else {
                    let known: Vec<&String> = have.keys().collect();
                    return Err(bad(&key, format!("no such setting ({source}); known here: {known:?}")));
                };
                merge(slot, v, &key, source)?;
            }
            Ok(())
        }
        (slot @ Value::Number(_), Value::Number(n)) => {
            let whole = |v: &Value| v.is_i64() || v.is_u64();
            if whole(slot) && !whole(&Value::Number(n.clone())) {
                return Err(bad(name, format!("{n} is not a whole number ({source})")));
            }
            *slot = Value::Number(n);
            Ok(())
        }
        (slot, v) if kind(slot) == kind(&v) || slot.is_null() => {
            *slot = v;
            Ok(())
        }
        (slot, v) => Err(bad(name, format!("expected {}, got {v} ({source})", kind(slot)))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a table of settings",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::her::HerConfig;
    use crate::skewfit::SkewFitConfig;

    #[test]
    fn a_file_and_overrides_layer_over_the_defaults_field_by_field() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("door.toml");
        std::fs::write(&file, "alpha = -1.0\nenv_steps = 20000\n[sac]\nhidden = [256, 256]\n").unwrap();
        let c: SkewFitConfig =
            layered(&SkewFitConfig::default(), Some(&file), &["sac.batch=256".into()]).unwrap();
        assert_eq!((c.alpha, c.env_steps, c.sac.batch), (-1.0, 20_000, 256));
        assert_eq!(c.sac.hidden, vec![256, 256]);
        assert_eq!(c.vae, SkewFitConfig::default().vae, "untouched settings keep their defaults");
        // A run's own record (JSON) reads back as itself.
        let json = dir.path().join("her.json");
        std::fs::write(&json, serde_json::to_string(&HerConfig::default()).unwrap()).unwrap();
        let h: HerConfig = layered(&HerConfig::default(), Some(&json), &[]).unwrap();
        assert_eq!(serde_json::to_value(h).unwrap(), serde_json::to_value(HerConfig::default()).unwrap());
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_refused_naming_the_key() {
        let d = SkewFitConfig::default();
        let err = |sets: &[&str]| {
            let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
            layered(&d, None, &sets).unwrap_err().to_string()
        };
        assert!(err(&["sac.bach=1"]).starts_with("sac.bach: no such setting"));
        assert!(err(&["vae.latent=abc"]).starts_with("vae.latent: expected a number"));
        assert!(err(&["vae.latent=2.5"]).starts_with("vae.latent: 2.5 is not a whole number"));
        assert!(err(&["sac=3"]).starts_with("sac: expected a table"));
        assert!(err(&["alpha"]).contains("key=value"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.yaml");
        std::fs::write(&file, "alpha: 1").unwrap();
        assert!(layered(&d, Some(&file), &[]).unwrap_err().to_string().contains(".toml or .json"));
    }
}
