//! Persons, always seen through the asking user's scope.

use super::rows::{decode, fields_from_row, flag, parsed, scopes_from_row, user_from_row};
use super::sql::{placeholders, scope_condition, scope_ids, PERSON_FROM};
use super::write::Writer;
use super::{Storage, StorageError};
use mimamori_core::api::admin::{PersonDetail, PersonSummary, SmallArea, UserBrief};
use mimamori_core::api::InScope;
use mimamori_core::domain::{
    Consent, ConsentInput, ConsentMethod, ConsentScopes, EpochMillis, HouseholdType, Person, PersonFields, PersonId,
    Role, User, UserId,
};
use mimamori_core::domain::{FieldValue, PersonField, Version};
use sqlx::{Any, AnyConnection, Row, Transaction};
use std::collections::{BTreeMap, HashMap};

const DETAIL_COLUMNS: &str = "p.id, p.small_area_id, p.name, p.kana, p.address, p.phone, p.lat, p.lng,
     p.household_type, p.emergency_contacts, p.check_interval_days, p.needs_evacuation_help, p.notes, p.active,
     p.consent_record, p.consent_share_partners, p.consent_share_disaster, p.updated_at,
     sa.name AS small_area, d.name AS district";

/// The office's notes on a person (鍵の場所, family matters…) are for 民生委員 and staff; a
/// volunteer's phone does not carry them.
fn notes_for(user: &User, notes: String) -> String {
    if user.role == Role::Volunteer {
        String::new()
    } else {
        notes
    }
}

/// Binds a person's fields in the column order `insert_person` and `update_person` share.
fn bind_fields<'q>(
    q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    f: &'q PersonFields,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    let contacts = serde_json::to_string(&f.emergency_contacts).unwrap_or_else(|_| "[]".into());
    q.bind(&f.small_area_id)
        .bind(&f.name)
        .bind(&f.kana)
        .bind(&f.address)
        .bind(&f.phone)
        .bind(f.lat)
        .bind(f.lng)
        .bind(f.household_type.as_str())
        .bind(contacts)
        .bind(i64::from(f.check_interval_days))
        .bind(i64::from(f.needs_evacuation_help))
        .bind(&f.notes)
        .bind(i64::from(f.active))
}

impl Storage {
    /// The scope manifest: every active person the user may see now, with its version.
    /// Partner staff get none: they work on referred requests online, and nothing personal is kept
    /// on their devices.
    pub async fn scope_manifest(&self, conn: &mut AnyConnection, user: &User) -> Result<Vec<InScope>, StorageError> {
        if user.role == Role::PartnerStaff {
            return Ok(Vec::new());
        }
        let sql =
            format!("SELECT p.id, p.version FROM persons p WHERE p.id IN ({}) ORDER BY p.id", scope_ids(user.role));
        let rows = sqlx::query(&self.sql(&sql)).bind(user.id.as_str()).fetch_all(&mut *conn).await?;
        rows.iter()
            .map(|r| Ok(InScope { id: parsed(r.try_get("id")?)?, version: r.try_get("version")? }))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// What a device holds about these persons, for those the user may see (others are left out
    /// as if they did not exist), in kana order.
    pub async fn device_persons(&self, user: &User, ids: &[PersonId]) -> Result<Vec<Person>, StorageError> {
        if user.role == Role::PartnerStaff {
            return Ok(Vec::new());
        }
        let mut persons = Vec::with_capacity(ids.len());
        let mut versions: HashMap<String, BTreeMap<PersonField, Version>> = HashMap::new();
        for chunk in ids.chunks(200) {
            let sql = format!(
                "SELECT {DETAIL_COLUMNS}, p.version {PERSON_FROM}
                 WHERE p.active = 1 AND p.id IN ({}) AND {}",
                placeholders(chunk.len()),
                scope_condition(user.role)
            );
            let sql = self.sql(&sql);
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id.as_str());
            }
            for r in q.bind(user.id.as_str()).fetch_all(&self.pool).await? {
                let f = fields_from_row(&r)?;
                persons.push(Person {
                    id: parsed(r.try_get("id")?)?,
                    name: f.name,
                    kana: f.kana,
                    address: f.address,
                    phone: f.phone,
                    lat: f.lat,
                    lng: f.lng,
                    small_area: r.try_get("small_area")?,
                    district: r.try_get("district")?,
                    check_interval_days: f.check_interval_days,
                    household_type: f.household_type,
                    emergency_contacts: f.emergency_contacts,
                    needs_evacuation_help: f.needs_evacuation_help,
                    notes: notes_for(user, f.notes),
                    consent: scopes_from_row(&r, "consent_")?,
                    version: r.try_get("version")?,
                    field_versions: BTreeMap::new(),
                    conflicts: Vec::new(),
                });
            }
            let sql = format!(
                "SELECT person_id, field, version FROM person_field_versions WHERE person_id IN ({})",
                placeholders(chunk.len())
            );
            let sql = self.sql(&sql);
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id.as_str());
            }
            for r in q.fetch_all(&self.pool).await? {
                let field: String = r.try_get("field")?;
                if let Some(field) = PersonField::parse(&field) {
                    versions.entry(r.try_get("person_id")?).or_default().insert(field, r.try_get("version")?);
                }
            }
        }
        let found: Vec<PersonId> = persons.iter().map(|p| p.id.clone()).collect();
        let mut conflicts = self.conflicted_fields(&found).await?;
        for p in &mut persons {
            p.field_versions = versions.remove(p.id.as_str()).unwrap_or_default();
            p.conflicts = conflicts.remove(p.id.as_str()).unwrap_or_default();
        }
        persons.sort_by(|a, b| (&a.kana, &a.id).cmp(&(&b.kana, &b.id)));
        Ok(persons)
    }

    /// Whether the user may see (and so record against) this person.
    pub async fn person_visible<'c, E>(&self, executor: E, user: &User, person: &PersonId) -> Result<bool, StorageError>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        let sql =
            format!("SELECT 1 AS ok {PERSON_FROM} WHERE p.id = ? AND p.active = 1 AND {}", scope_condition(user.role));
        let row =
            sqlx::query(&self.sql(&sql)).bind(person.as_str()).bind(user.id.as_str()).fetch_optional(executor).await?;
        Ok(row.is_some())
    }

    /// The person list for management screens: everyone in scope, inactive ones included.
    pub async fn person_summaries(&self, user: &User) -> Result<Vec<PersonSummary>, StorageError> {
        let sql =
            format!("SELECT {DETAIL_COLUMNS} {PERSON_FROM} WHERE {} ORDER BY p.kana, p.id", scope_condition(user.role));
        let rows = sqlx::query(&self.sql(&sql)).bind(user.id.as_str()).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let household: String = r.try_get("household_type")?;
                Ok(PersonSummary {
                    id: parsed(r.try_get("id")?)?,
                    name: r.try_get("name")?,
                    kana: r.try_get("kana")?,
                    small_area_id: r.try_get("small_area_id")?,
                    small_area: r.try_get("small_area")?,
                    district: r.try_get("district")?,
                    household_type: decode("household type", HouseholdType::parse(&household))?,
                    needs_evacuation_help: flag(r, "needs_evacuation_help")?,
                    active: flag(r, "active")?,
                    consent: scopes_from_row(r, "consent_")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// One person with consent history and volunteers, or `None` when out of scope or absent
    /// (the two are indistinguishable on purpose).
    pub async fn person_detail(&self, user: &User, id: &PersonId) -> Result<Option<PersonDetail>, StorageError> {
        let sql = format!("SELECT {DETAIL_COLUMNS} {PERSON_FROM} WHERE p.id = ? AND {}", scope_condition(user.role));
        let Some(r) =
            sqlx::query(&self.sql(&sql)).bind(id.as_str()).bind(user.id.as_str()).fetch_optional(&self.pool).await?
        else {
            return Ok(None);
        };
        let history = self.consent_history(id).await?;
        let in_force = scopes_from_row(&r, "consent_")?;
        let consent = history.first().filter(|c| c.withdrawn_at.is_none() && c.scopes == in_force).cloned();
        let volunteers = sqlx::query(&self.sql(
            "SELECT u.id, u.login, u.display_name, u.role FROM assignments a JOIN users u ON u.id = a.user_id
             WHERE a.person_id = ? ORDER BY u.display_name",
        ))
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| user_from_row(r).map(UserBrief::from))
        .collect::<Result<Vec<_>, _>>()?;
        let mut fields = fields_from_row(&r)?;
        fields.notes = notes_for(user, fields.notes);
        Ok(Some(PersonDetail {
            id: parsed(r.try_get("id")?)?,
            fields,
            small_area: r.try_get("small_area")?,
            district: r.try_get("district")?,
            consent,
            consent_history: history,
            volunteers,
            updated_at: r.try_get("updated_at")?,
        }))
    }

    async fn consent_history(&self, id: &PersonId) -> Result<Vec<Consent>, StorageError> {
        let rows = sqlx::query(&self.sql(
            "SELECT c.id, c.obtained_on, c.method, c.scope_record, c.scope_share_partners, c.scope_share_disaster,
                    c.recorded_at, c.withdrawn_at, r.display_name AS recorded_by, w.display_name AS withdrawn_by
             FROM consents c JOIN users r ON r.id = c.recorded_by LEFT JOIN users w ON w.id = c.withdrawn_by
             WHERE c.person_id = ? ORDER BY c.seq DESC",
        ))
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let method: String = r.try_get("method")?;
                Ok(Consent {
                    id: r.try_get("id")?,
                    obtained_on: parsed(r.try_get("obtained_on")?)?,
                    method: decode("consent method", ConsentMethod::parse(&method))?,
                    scopes: scopes_from_row(r, "scope_")?,
                    recorded_by: r.try_get("recorded_by")?,
                    recorded_at: r.try_get("recorded_at")?,
                    withdrawn_at: r.try_get("withdrawn_at")?,
                    withdrawn_by: r.try_get("withdrawn_by")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Whether the user may place a person in this small area (their 担当区域 or districts).
    pub async fn small_area_in_scope<'c, E>(
        &self,
        executor: E,
        user: &User,
        small_area: &str,
    ) -> Result<bool, StorageError>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        let cond = match user.role {
            Role::Commissioner => {
                "EXISTS (SELECT 1 FROM commissioner_areas c WHERE c.small_area_id = sa.id AND c.user_id = ?)"
            }
            Role::Coordinator | Role::Admin => {
                "EXISTS (SELECT 1 FROM staff_districts s WHERE s.district_id = sa.district_id AND s.user_id = ?)"
            }
            Role::Volunteer | Role::PartnerStaff => return Ok(false),
        };
        let sql = format!("SELECT 1 AS ok FROM small_areas sa WHERE sa.id = ? AND {cond}");
        Ok(sqlx::query(&self.sql(&sql))
            .bind(small_area)
            .bind(user.id.as_str())
            .fetch_optional(executor)
            .await?
            .is_some())
    }

    /// Inserts a person, in the caller's transaction (their first consent goes in the same one).
    pub async fn insert_person(
        &self,
        tx: &mut Transaction<'static, Any>,
        id: &PersonId,
        f: &PersonFields,
        writer: Writer<'_>,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        let sql = self.sql(
            "INSERT INTO persons (small_area_id, name, kana, address, phone, lat, lng, household_type,
                emergency_contacts, check_interval_days, needs_evacuation_help, notes, active, updated_at, id)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        );
        bind_fields(sqlx::query(&sql), f).bind(now).bind(id.as_str()).execute(&mut **tx).await?;
        self.bump_person(tx, id, &PersonField::ALL, writer).await?;
        Ok(())
    }

    /// Replaces a person's fields. The caller has checked scope for the person and the new area.
    /// Fields that change get a new version, so a phone's offline edit made before this one is
    /// filed as a conflict rather than overwriting it.
    pub async fn update_person(
        &self,
        tx: &mut Transaction<'static, Any>,
        id: &PersonId,
        f: &PersonFields,
        writer: Writer<'_>,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        let before = self.fields_in_tx(tx, id).await?;
        let changed: Vec<PersonField> = PersonField::ALL
            .into_iter()
            .filter(|&field| {
                before.as_ref().map(|b| FieldValue::of_fields(b, field)) != Some(FieldValue::of_fields(f, field))
            })
            .collect();
        let sql = self.sql(
            "UPDATE persons SET small_area_id = ?, name = ?, kana = ?, address = ?, phone = ?, lat = ?, lng = ?,
                household_type = ?, emergency_contacts = ?, check_interval_days = ?, needs_evacuation_help = ?,
                notes = ?, active = ?, updated_at = ?
             WHERE id = ?",
        );
        bind_fields(sqlx::query(&sql), f).bind(now).bind(id.as_str()).execute(&mut **tx).await?;
        self.bump_person(tx, id, &changed, writer).await?;
        Ok(())
    }

    /// Records a consent; it is in force from now on and supersedes the previous one.
    pub async fn insert_consent(
        &self,
        tx: &mut Transaction<'static, Any>,
        person: &PersonId,
        consent: &ConsentInput,
        by: &UserId,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        let s = consent.scopes;
        sqlx::query(&self.sql(
            "INSERT INTO consents (id, person_id, obtained_on, method, scope_record, scope_share_partners,
                scope_share_disaster, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(person.as_str())
        .bind(consent.obtained_on.as_str())
        .bind(consent.method.as_str())
        .bind(i64::from(s.record))
        .bind(i64::from(s.share_partners))
        .bind(i64::from(s.share_disaster))
        .bind(by.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await?;
        self.set_consent_in_force(tx, person, s, now).await
    }

    /// Withdraws the consent in force. Returns false when there was none to withdraw.
    pub async fn withdraw_consent(
        &self,
        tx: &mut Transaction<'static, Any>,
        person: &PersonId,
        by: &UserId,
        now: EpochMillis,
    ) -> Result<bool, StorageError> {
        let done = sqlx::query(&self.sql(
            "UPDATE consents SET withdrawn_at = ?, withdrawn_by = ?
             WHERE seq = (SELECT MAX(seq) FROM consents WHERE person_id = ?) AND withdrawn_at IS NULL",
        ))
        .bind(now)
        .bind(by.as_str())
        .bind(person.as_str())
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        self.set_consent_in_force(tx, person, ConsentScopes::default(), now).await?;
        Ok(true)
    }

    async fn set_consent_in_force(
        &self,
        tx: &mut Transaction<'static, Any>,
        person: &PersonId,
        s: ConsentScopes,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        sqlx::query(&self.sql(
            "UPDATE persons SET consent_record = ?, consent_share_partners = ?, consent_share_disaster = ?,
                updated_at = ? WHERE id = ?",
        ))
        .bind(i64::from(s.record))
        .bind(i64::from(s.share_partners))
        .bind(i64::from(s.share_disaster))
        .bind(now)
        .bind(person.as_str())
        .execute(&mut **tx)
        .await?;
        self.touch_person(tx, person).await?;
        Ok(())
    }

    /// Whether the person (active or not) is in the user's scope.
    pub async fn person_in_scope<'c, E>(&self, executor: E, user: &User, id: &PersonId) -> Result<bool, StorageError>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        let sql = format!("SELECT 1 AS ok {PERSON_FROM} WHERE p.id = ? AND {}", scope_condition(user.role));
        Ok(sqlx::query(&self.sql(&sql))
            .bind(id.as_str())
            .bind(user.id.as_str())
            .fetch_optional(executor)
            .await?
            .is_some())
    }

    /// Whether any person (in anyone's scope) has this id.
    pub async fn person_exists<'c, E>(&self, executor: E, id: &PersonId) -> Result<bool, StorageError>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        Ok(sqlx::query(&self.sql("SELECT 1 AS ok FROM persons WHERE id = ?"))
            .bind(id.as_str())
            .fetch_optional(executor)
            .await?
            .is_some())
    }

    /// The small areas the user may register a person in, by name: a 民生委員's 担当区域, a
    /// coordinator's districts. Volunteers and partner staff register no one.
    pub async fn registrable_areas(
        &self,
        conn: &mut AnyConnection,
        user: &User,
    ) -> Result<Vec<SmallArea>, StorageError> {
        let sql = match user.role {
            Role::Commissioner => {
                "SELECT sa.id, sa.name FROM commissioner_areas c JOIN small_areas sa ON sa.id = c.small_area_id
                 WHERE c.user_id = ? ORDER BY sa.name, sa.id"
            }
            Role::Coordinator | Role::Admin => {
                "SELECT sa.id, sa.name FROM staff_districts s JOIN small_areas sa ON sa.district_id = s.district_id
                 WHERE s.user_id = ? ORDER BY sa.name, sa.id"
            }
            Role::Volunteer | Role::PartnerStaff => return Ok(Vec::new()),
        };
        let rows = sqlx::query(&self.sql(sql)).bind(user.id.as_str()).fetch_all(&mut *conn).await?;
        rows.iter()
            .map(|r| Ok(SmallArea { id: r.try_get("id")?, name: r.try_get("name")? }))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
