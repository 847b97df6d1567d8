//! Person versions, field edits from devices, and the conflicts they can leave for coordinators.
//!
//! The merge rule itself is pure and shared with the tests: [`mimamori_core::domain::merge`].

use super::rows::{fields_from_row, parsed};
use super::sql::{placeholders, scope_condition, PERSON_FROM};
use super::write::Writer;
use super::{Storage, StorageError};
use mimamori_core::api::admin::{ConflictChoice, ConflictSummary};
use mimamori_core::domain::merge::{self, FieldState};
use mimamori_core::domain::{
    EpochMillis, FieldEdit, FieldValue, Merge, PersonField, PersonFields, PersonId, User, Version,
};
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;
use uuid::Uuid;

/// What one person edit from a device did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditOutcome {
    /// Every field applied (or already equal).
    Applied,
    /// Some fields were changed meanwhile by someone else; their values were filed as conflicts.
    Conflict(Vec<PersonField>),
}

fn decode_value(text: &str) -> Result<FieldValue, sqlx::Error> {
    serde_json::from_str(text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

impl Storage {
    /// The next person version. On PostgreSQL the counter's row lock is held to commit, so
    /// versions are handed out in commit order.
    pub async fn next_version(&self, tx: &mut Transaction<'static, Any>) -> Result<Version, StorageError> {
        Ok(sqlx::query_scalar("UPDATE sync_counter SET value = value + 1 WHERE id = 1 RETURNING value")
            .fetch_one(&mut **tx)
            .await?)
    }

    /// Gives the person a new version (a change devices must fetch that is not a field edit:
    /// consent, name, area).
    pub async fn touch_person(
        &self,
        tx: &mut Transaction<'static, Any>,
        person: &PersonId,
    ) -> Result<Version, StorageError> {
        let version = self.next_version(tx).await?;
        sqlx::query(&self.sql("UPDATE persons SET version = ? WHERE id = ?"))
            .bind(version)
            .bind(person.as_str())
            .execute(&mut **tx)
            .await?;
        Ok(version)
    }

    /// Gives the person a new version, and the listed fields that version as their last write
    /// by `writer`. Devices holding an older copy fetch the person at their next pull.
    pub async fn bump_person(
        &self,
        tx: &mut Transaction<'static, Any>,
        person: &PersonId,
        fields: &[PersonField],
        writer: Writer<'_>,
    ) -> Result<Version, StorageError> {
        let version = self.touch_person(tx, person).await?;
        for field in fields {
            sqlx::query(&self.sql(
                "INSERT INTO person_field_versions (person_id, field, version, device_id, user_id)
                 VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (person_id, field)
                 DO UPDATE SET version = excluded.version, device_id = excluded.device_id, user_id = excluded.user_id",
            ))
            .bind(person.as_str())
            .bind(field.as_str())
            .bind(version)
            .bind(writer.device)
            .bind(writer.user)
            .execute(&mut **tx)
            .await?;
        }
        Ok(version)
    }

    /// A person's fields as they stand inside `tx`.
    pub(super) async fn fields_in_tx(
        &self,
        tx: &mut Transaction<'static, Any>,
        person: &PersonId,
    ) -> Result<Option<PersonFields>, StorageError> {
        let row = sqlx::query(&self.sql(
            "SELECT small_area_id, name, kana, address, phone, lat, lng, household_type, emergency_contacts,
                    check_interval_days, needs_evacuation_help, notes, active
             FROM persons WHERE id = ?",
        ))
        .bind(person.as_str())
        .fetch_optional(&mut **tx)
        .await?;
        Ok(row.as_ref().map(fields_from_row).transpose()?)
    }

    /// Applies one device's field edits to a person in scope (the caller checked scope and
    /// validated the values), merging field by field.
    pub async fn apply_person_edit(
        &self,
        tx: &mut Transaction<'static, Any>,
        mutation: Uuid,
        person: &PersonId,
        edits: &[FieldEdit],
        writer: Writer<'_>,
        now: EpochMillis,
    ) -> Result<EditOutcome, StorageError> {
        let Some(current) = self.fields_in_tx(tx, person).await? else {
            return Err(StorageError::Database(sqlx::Error::RowNotFound));
        };
        let rows =
            sqlx::query(&self.sql("SELECT field, version, device_id FROM person_field_versions WHERE person_id = ?"))
                .bind(person.as_str())
                .fetch_all(&mut **tx)
                .await?;
        let mut versions: HashMap<String, (Version, Option<String>)> = HashMap::new();
        for r in &rows {
            versions.insert(r.try_get("field")?, (r.try_get("version")?, r.try_get("device_id")?));
        }
        let device = writer.device.to_owned();
        let mut applied = Vec::new();
        let mut conflicted = Vec::new();
        for edit in edits {
            let field = edit.change.field();
            let value = FieldValue::of_fields(&current, field);
            let (version, last_writer) = versions.get(field.as_str()).cloned().unwrap_or((0, None));
            let state = FieldState { value: &value, version, writer: last_writer.as_ref() };
            match merge::merge(&state, edit, &device) {
                Merge::Same => {}
                Merge::Apply => {
                    self.write_field(tx, person, &edit.change).await?;
                    applied.push(field);
                }
                Merge::Conflict => {
                    self.file_conflict(tx, person, edit, mutation, writer, now).await?;
                    conflicted.push(field);
                }
            }
        }
        if !applied.is_empty() {
            sqlx::query(&self.sql("UPDATE persons SET updated_at = ? WHERE id = ?"))
                .bind(now)
                .bind(person.as_str())
                .execute(&mut **tx)
                .await?;
        }
        if !applied.is_empty() || !conflicted.is_empty() {
            // A conflict changes what devices show (the field is marked), so it bumps the person too.
            self.bump_person(tx, person, &applied, writer).await?;
        }
        Ok(if conflicted.is_empty() { EditOutcome::Applied } else { EditOutcome::Conflict(conflicted) })
    }

    async fn write_field(
        &self,
        tx: &mut Transaction<'static, Any>,
        person: &PersonId,
        value: &FieldValue,
    ) -> Result<(), StorageError> {
        // A field's stable name is its column's name; it comes from a closed enum, never from input.
        let sql = format!("UPDATE persons SET {} = ? WHERE id = ?", value.field().as_str());
        let sql = self.sql(&sql);
        let q = sqlx::query(&sql);
        let q = match value {
            FieldValue::Phone(v) => q.bind(v.clone()),
            FieldValue::Address(v) | FieldValue::Notes(v) => q.bind(v.clone()),
            FieldValue::EmergencyContacts(v) => {
                q.bind(serde_json::to_string(v).map_err(|e| sqlx::Error::Encode(Box::new(e)))?)
            }
            FieldValue::NeedsEvacuationHelp(v) => q.bind(i64::from(*v)),
            FieldValue::HouseholdType(v) => q.bind(v.as_str()),
            FieldValue::CheckIntervalDays(v) => q.bind(i64::from(*v)),
        };
        q.bind(person.as_str()).execute(&mut **tx).await?;
        Ok(())
    }

    async fn file_conflict(
        &self,
        tx: &mut Transaction<'static, Any>,
        person: &PersonId,
        edit: &FieldEdit,
        mutation: Uuid,
        writer: Writer<'_>,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        let value = serde_json::to_string(&edit.change).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        sqlx::query(&self.sql(
            "INSERT INTO conflicts (id, person_id, field, other_value, other_by, other_device, other_base,
                mutation_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(Uuid::new_v4().to_string())
        .bind(person.as_str())
        .bind(edit.change.field().as_str())
        .bind(value)
        .bind(writer.user)
        .bind(writer.device)
        .bind(edit.base)
        .bind(mutation.to_string())
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Open conflicts on persons in the user's scope, oldest first.
    pub async fn open_conflicts(&self, user: &User) -> Result<Vec<ConflictSummary>, StorageError> {
        let sql = format!(
            "SELECT x.id, x.person_id, p.name AS person_name, x.field, x.other_value, o.display_name AS other_by,
                    x.created_at, {CURRENT_COLUMNS}, cw.display_name AS current_by
             {PERSON_FROM}
             JOIN conflicts x ON x.person_id = p.id
             JOIN users o ON o.id = x.other_by
             LEFT JOIN person_field_versions fv ON fv.person_id = p.id AND fv.field = x.field
             LEFT JOIN users cw ON cw.id = fv.user_id
             WHERE x.resolved_at IS NULL AND {}
             ORDER BY x.created_at, x.id",
            scope_condition(user.role)
        );
        let rows = sqlx::query(&self.sql(&sql)).bind(user.id.as_str()).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let field: String = r.try_get("field")?;
                let field = PersonField::parse(&field)
                    .ok_or_else(|| sqlx::Error::Decode(format!("unknown field {field}").into()))?;
                let current = fields_from_row(r)?;
                Ok(ConflictSummary {
                    id: r.try_get("id")?,
                    person_id: parsed(r.try_get("person_id")?)?,
                    person_name: r.try_get("person_name")?,
                    field,
                    current: FieldValue::of_fields(&current, field),
                    current_by: r.try_get("current_by")?,
                    other: decode_value(&r.try_get::<String, _>("other_value")?)?,
                    other_by: r.try_get("other_by")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Settles an open conflict in the user's scope. `None` when there is no such open conflict
    /// the user may see. Choosing the other value writes it as a new version.
    pub async fn resolve_conflict(
        &self,
        tx: &mut Transaction<'static, Any>,
        user: &User,
        id: &str,
        keep: ConflictChoice,
        writer: Writer<'_>,
        now: EpochMillis,
    ) -> Result<Option<(PersonId, PersonField)>, StorageError> {
        let sql = format!(
            "SELECT x.person_id, x.field, x.other_value {PERSON_FROM} JOIN conflicts x ON x.person_id = p.id
             WHERE x.id = ? AND x.resolved_at IS NULL AND {}",
            scope_condition(user.role)
        );
        let Some(row) = sqlx::query(&self.sql(&sql)).bind(id).bind(user.id.as_str()).fetch_optional(&mut **tx).await?
        else {
            return Ok(None);
        };
        let person = parsed(row.try_get("person_id")?)?;
        let field: String = row.try_get("field")?;
        let field =
            PersonField::parse(&field).ok_or_else(|| sqlx::Error::Decode(format!("unknown field {field}").into()))?;
        let other = decode_value(&row.try_get::<String, _>("other_value")?)?;
        let choice = match keep {
            ConflictChoice::Current => "current",
            ConflictChoice::Other => "other",
        };
        sqlx::query(&self.sql(
            "UPDATE conflicts SET resolved_at = ?, resolved_by = ?, resolution = ? WHERE id = ? AND resolved_at IS NULL",
        ))
        .bind(now)
        .bind(user.id.as_str())
        .bind(choice)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        let fields: &[PersonField] = if keep == ConflictChoice::Other {
            self.write_field(tx, &person, &other).await?;
            &[field]
        } else {
            &[]
        };
        // Either way devices must learn the field is settled.
        self.bump_person(tx, &person, fields, writer).await?;
        Ok(Some((person, field)))
    }

    /// The fields with open conflicts, per person.
    pub(super) async fn conflicted_fields(
        &self,
        persons: &[PersonId],
    ) -> Result<HashMap<String, Vec<PersonField>>, StorageError> {
        let mut out: HashMap<String, Vec<PersonField>> = HashMap::new();
        for chunk in persons.chunks(500) {
            let sql = format!(
                "SELECT person_id, field FROM conflicts WHERE resolved_at IS NULL AND person_id IN ({})",
                placeholders(chunk.len())
            );
            let sql = self.sql(&sql);
            let mut q = sqlx::query(&sql);
            for p in chunk {
                q = q.bind(p.as_str());
            }
            for r in q.fetch_all(&self.pool).await? {
                let field: String = r.try_get("field")?;
                if let Some(f) = PersonField::parse(&field) {
                    let list = out.entry(r.try_get("person_id")?).or_default();
                    if !list.contains(&f) {
                        list.push(f);
                    }
                }
            }
        }
        Ok(out)
    }
}

const CURRENT_COLUMNS: &str = "p.small_area_id, p.name, p.kana, p.address, p.phone, p.lat, p.lng, p.household_type,
     p.emergency_contacts, p.check_interval_days, p.needs_evacuation_help, p.notes, p.active";
