//! An episode being recorded, in memory until it is appended.

use super::{Column, Schema, StoreError};

/// Steps of one episode, gathered field by field and checked as they arrive, so a bad step is
/// refused at once with the field and step named.
#[derive(Debug, Clone)]
pub struct EpisodeBuffer {
    schema: Schema,
    pub(crate) steps: Vec<Column>,
    pub(crate) episode: Vec<Option<Column>>,
    len: usize,
}

impl EpisodeBuffer {
    /// An empty episode for a store of `schema`.
    pub fn new(schema: &Schema) -> Self {
        Self {
            steps: schema
                .steps
                .iter()
                .map(|f| Column::zeros(f.dtype, 0))
                .collect(),
            episode: vec![None; schema.episodes.len()],
            schema: schema.clone(),
            len: 0,
        }
    }

    /// An episode from whole columns (as [`StoreReader::episode`](super::StoreReader::episode)
    /// returns them), checked step by step.
    pub fn from_columns(schema: &Schema, fields: &[(String, Column)]) -> Result<Self, StoreError> {
        let mut buffer = Self::new(schema);
        let column = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, c)| c)
                .ok_or_else(|| StoreError::BadEpisode(format!("no values for field {name:?}")))
        };
        let first = &schema.steps[0];
        let len = column(&first.name)?.len() / first.row_len();
        for t in 0..len {
            let row = schema
                .steps
                .iter()
                .map(|f| {
                    let c = column(&f.name)?;
                    if c.len() != len * f.row_len() {
                        return Err(StoreError::BadEpisode(format!(
                            "field {:?} has {} values, not {len} steps of {}",
                            f.name,
                            c.len(),
                            f.row_len()
                        )));
                    }
                    Ok((f.name.as_str(), c.slice(t * f.row_len(), f.row_len())))
                })
                .collect::<Result<Vec<_>, _>>()?;
            buffer.push_step(&row)?;
        }
        for f in &schema.episodes {
            if let Ok(c) = column(&f.name) {
                buffer.set_episode(&f.name, c.clone())?;
            }
        }
        Ok(buffer)
    }

    /// Steps so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no step has been pushed yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The fields this episode records.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Adds one step: a value for every step field, by name. Refuses missing, unknown,
    /// mis-shaped or non-finite values and leaves the buffer as it was.
    pub fn push_step(&mut self, values: &[(&str, Column)]) -> Result<(), StoreError> {
        let step = self.len;
        let mut order = Vec::with_capacity(self.schema.steps.len());
        for field in &self.schema.steps {
            let Some((_, value)) = values.iter().find(|(n, _)| *n == field.name) else {
                return Err(StoreError::BadEpisode(format!(
                    "step {step} has no value for field {:?}",
                    field.name
                )));
            };
            check(
                &format!("step {step}, field {:?}", field.name),
                field.dtype,
                field.row_len(),
                value,
            )?;
            order.push(value);
        }
        if let Some((name, _)) = values
            .iter()
            .find(|(n, _)| self.schema.step_field(n).is_none())
        {
            return Err(StoreError::BadEpisode(format!(
                "step {step}: the store has no step field {name:?}"
            )));
        }
        for (column, value) in self.steps.iter_mut().zip(order) {
            column.extend(value);
        }
        self.len += 1;
        Ok(())
    }

    /// Sets a per-episode field.
    pub fn set_episode(&mut self, name: &str, value: Column) -> Result<(), StoreError> {
        let Some(i) = self.schema.episodes.iter().position(|f| f.name == name) else {
            return Err(StoreError::BadEpisode(format!(
                "the store has no episode field {name:?}"
            )));
        };
        let f = &self.schema.episodes[i];
        check(
            &format!("episode field {name:?}"),
            f.dtype,
            f.row_len(),
            &value,
        )?;
        self.episode[i] = Some(value);
        Ok(())
    }

    /// Empties the buffer for the next episode.
    pub fn clear(&mut self) {
        *self = Self::new(&self.schema);
    }

    /// The episode fields, each set or zero.
    pub(crate) fn episode_row(&self, i: usize) -> Column {
        let f = &self.schema.episodes[i];
        self.episode[i]
            .clone()
            .unwrap_or_else(|| Column::zeros(f.dtype, f.row_len()))
    }
}

fn check(
    what: &str,
    dtype: super::FieldDtype,
    len: usize,
    value: &Column,
) -> Result<(), StoreError> {
    if value.dtype() != dtype {
        return Err(StoreError::BadEpisode(format!(
            "{what}: expected {} values, got {}",
            dtype.numpy_name(),
            value.dtype().numpy_name()
        )));
    }
    if value.len() != len {
        return Err(StoreError::BadEpisode(format!(
            "{what}: expected {len} values, got {}",
            value.len()
        )));
    }
    if let Some(i) = value.first_non_finite() {
        return Err(StoreError::BadEpisode(format!(
            "{what}: value {i} is {} (NaN and infinities are refused)",
            value.as_f32().unwrap()[i]
        )));
    }
    Ok(())
}
