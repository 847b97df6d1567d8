//! Users, their responsibilities (assignments, areas) and their devices (sessions).

use super::persons::scope_condition;
use super::{Storage, StorageError};
use app::api::admin::{DeviceInfo, UserBrief, UserSummary};
use app::domain::{EpochMillis, PersonId, Role, User, UserId};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// A user row with the secret it is checked against (none for invite-enrolled volunteers).
pub struct UserRecord {
    pub user: User,
    pub password_hash: Option<String>,
}

/// Who is asking: the user, where they work, and the device they use.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub municipality_id: String,
    pub organization_id: Option<String>,
    pub device_id: String,
}

pub(super) fn user_from_row(row: &AnyRow) -> Result<User, sqlx::Error> {
    let role: String = row.try_get("role")?;
    let role = Role::parse(&role).ok_or_else(|| sqlx::Error::Decode(format!("unknown role {role}").into()))?;
    Ok(User {
        id: UserId(row.try_get("id")?),
        login: row.try_get("login")?,
        display_name: row.try_get("display_name")?,
        role,
    })
}

/// What a session token turned out to be.
#[derive(Debug)]
pub enum SessionLookup {
    Live(Session),
    /// Signed out, or revoked by a manager: the device must wipe what it holds.
    Revoked,
    Unknown,
}

/// A new user, validated by the caller.
pub struct NewUser<'a> {
    pub id: &'a str,
    pub login: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: Option<&'a str>,
    pub municipality_id: &'a str,
    pub organization_id: Option<&'a str>,
}

impl Storage {
    pub async fn user_by_login(&self, login: &str) -> Result<Option<UserRecord>, StorageError> {
        let row =
            sqlx::query(&self.sql("SELECT id, login, display_name, role, password_hash FROM users WHERE login = ?"))
                .bind(login)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| Ok(UserRecord { user: user_from_row(&r)?, password_hash: r.try_get("password_hash")? })).transpose()
    }

    /// A user of this municipality, or `None` (other municipalities' users do not exist here).
    pub async fn user_in_municipality(&self, id: &str, municipality: &str) -> Result<Option<User>, StorageError> {
        let row = sqlx::query(
            &self.sql("SELECT id, login, display_name, role FROM users WHERE id = ? AND municipality_id = ?"),
        )
        .bind(id)
        .bind(municipality)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| user_from_row(&r)).transpose()?)
    }

    pub async fn login_taken(&self, login: &str) -> Result<bool, StorageError> {
        Ok(sqlx::query(&self.sql("SELECT 1 AS ok FROM users WHERE login = ?"))
            .bind(login)
            .fetch_optional(&self.pool)
            .await?
            .is_some())
    }

    pub async fn insert_user(
        &self,
        tx: &mut Transaction<'static, Any>,
        u: &NewUser<'_>,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        sqlx::query(&self.sql(
            "INSERT INTO users (id, login, display_name, role, password_hash, municipality_id, organization_id, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(u.id)
        .bind(u.login)
        .bind(u.display_name)
        .bind(u.role.as_str())
        .bind(u.password_hash)
        .bind(u.municipality_id)
        .bind(u.organization_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Everyone in the municipality with what they are responsible for.
    pub async fn user_summaries(&self, municipality: &str) -> Result<Vec<UserSummary>, StorageError> {
        let rows = sqlx::query(&self.sql(
            "SELECT u.id, u.login, u.display_name, u.role, u.organization_id,
                    CASE WHEN u.password_hash IS NULL THEN 0 ELSE 1 END AS has_password,
                    (SELECT COUNT(*) FROM devices v WHERE v.user_id = u.id AND v.revoked_at IS NULL) AS devices
             FROM users u WHERE u.municipality_id = ? ORDER BY u.role, u.login",
        ))
        .bind(municipality)
        .fetch_all(&self.pool)
        .await?;
        let links = sqlx::query(&self.sql(
            "SELECT a.user_id, a.person_id AS item, 'p' AS kind FROM assignments a JOIN users u ON u.id = a.user_id
               WHERE u.municipality_id = ?
             UNION ALL SELECT c.user_id, c.small_area_id, 'a' FROM commissioner_areas c JOIN users u ON u.id = c.user_id
               WHERE u.municipality_id = ?
             UNION ALL SELECT s.user_id, s.district_id, 'a' FROM staff_districts s JOIN users u ON u.id = s.user_id
               WHERE u.municipality_id = ?
             ORDER BY 1, 2",
        ))
        .bind(municipality)
        .bind(municipality)
        .bind(municipality)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let user = user_from_row(r)?;
            let mine = links.iter().filter(|l| l.try_get::<String, _>("user_id").is_ok_and(|u| u == user.id.0));
            let (mut person_ids, mut area_ids) = (Vec::new(), Vec::new());
            for l in mine {
                let item: String = l.try_get("item")?;
                let kind: String = l.try_get("kind")?;
                if kind == "p" {
                    person_ids.push(PersonId(item));
                } else {
                    area_ids.push(item);
                }
            }
            out.push(UserSummary {
                user: user.into(),
                organization_id: r.try_get("organization_id")?,
                person_ids,
                area_ids,
                active_devices: r.try_get::<i64, _>("devices")?.max(0) as u32,
                has_password: r.try_get::<i64, _>("has_password")? != 0,
            });
        }
        Ok(out)
    }

    /// Replaces a volunteer's assignments among the persons the manager can see; assignments
    /// to persons outside the manager's scope (made by someone else) are left as they are.
    pub async fn set_assignments(
        &self,
        tx: &mut Transaction<'static, Any>,
        manager: &User,
        volunteer: &UserId,
        persons: &[PersonId],
    ) -> Result<(), StorageError> {
        let sql = format!(
            "DELETE FROM assignments WHERE user_id = ? AND person_id IN
               (SELECT p.id {} WHERE {})",
            super::persons::PERSON_FROM,
            scope_condition(manager.role)
        );
        sqlx::query(&self.sql(&sql)).bind(&volunteer.0).bind(&manager.id.0).execute(&mut **tx).await?;
        for p in persons {
            sqlx::query(&self.sql("INSERT INTO assignments (user_id, person_id) VALUES (?, ?) ON CONFLICT DO NOTHING"))
                .bind(&volunteer.0)
                .bind(&p.0)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Replaces a commissioner's small areas or a coordinator's/admin's districts.
    pub async fn set_areas(
        &self,
        tx: &mut Transaction<'static, Any>,
        user: &User,
        areas: &[String],
    ) -> Result<(), StorageError> {
        let (table, column) = match user.role {
            Role::Commissioner => ("commissioner_areas", "small_area_id"),
            Role::Coordinator | Role::Admin => ("staff_districts", "district_id"),
            Role::Volunteer | Role::PartnerStaff => return Ok(()),
        };
        sqlx::query(&self.sql(&format!("DELETE FROM {table} WHERE user_id = ?")))
            .bind(&user.id.0)
            .execute(&mut **tx)
            .await?;
        for a in areas {
            sqlx::query(
                &self.sql(&format!("INSERT INTO {table} (user_id, {column}) VALUES (?, ?) ON CONFLICT DO NOTHING")),
            )
            .bind(&user.id.0)
            .bind(a)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Which of these ids are small areas (or, with `districts`, districts) of the municipality.
    pub async fn count_areas_in_municipality(
        &self,
        ids: &[String],
        municipality: &str,
        districts: bool,
    ) -> Result<usize, StorageError> {
        let sql = if districts {
            "SELECT 1 AS ok FROM districts d WHERE d.id = ? AND d.municipality_id = ?"
        } else {
            "SELECT 1 AS ok FROM small_areas sa JOIN districts d ON d.id = sa.district_id
             WHERE sa.id = ? AND d.municipality_id = ?"
        };
        let mut n = 0;
        for id in ids {
            if sqlx::query(&self.sql(sql)).bind(id).bind(municipality).fetch_optional(&self.pool).await?.is_some() {
                n += 1;
            }
        }
        Ok(n)
    }

    pub async fn create_device(
        &self,
        tx: &mut Transaction<'static, Any>,
        device_id: &str,
        user: &UserId,
        token_hash: &str,
        user_agent: Option<&str>,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        sqlx::query(&self.sql(
            "INSERT INTO devices (id, user_id, token_hash, user_agent, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
        ))
        .bind(device_id)
        .bind(&user.0)
        .bind(token_hash)
        .bind(user_agent)
        .bind(now)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The live session for a token hash, or why there is none. `last_seen_at` is written at
    /// most once a minute, so a busy device does not turn every read into a write.
    pub async fn session_by_token_hash(
        &self,
        token_hash: &str,
        now: EpochMillis,
    ) -> Result<SessionLookup, StorageError> {
        let row = sqlx::query(&self.sql(
            "SELECT v.id AS device_id, v.last_seen_at, u.id, u.login, u.display_name, u.role, u.municipality_id,
                    u.organization_id, v.revoked_at
             FROM devices v JOIN users u ON u.id = v.user_id
             WHERE v.token_hash = ?",
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(SessionLookup::Unknown) };
        if row.try_get::<Option<i64>, _>("revoked_at")?.is_some() {
            return Ok(SessionLookup::Revoked);
        }
        let device_id: String = row.try_get("device_id")?;
        let last_seen: i64 = row.try_get("last_seen_at")?;
        if now - last_seen > 60_000 {
            sqlx::query(&self.sql("UPDATE devices SET last_seen_at = ? WHERE id = ?"))
                .bind(now)
                .bind(&device_id)
                .execute(&self.pool)
                .await?;
        }
        Ok(SessionLookup::Live(Session {
            user: user_from_row(&row)?,
            municipality_id: row.try_get("municipality_id")?,
            organization_id: row.try_get("organization_id")?,
            device_id,
        }))
    }

    pub async fn revoke_device(&self, device_id: &str, now: EpochMillis) -> Result<(), StorageError> {
        sqlx::query(&self.sql("UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"))
            .bind(now)
            .bind(device_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Devices the session may see: its user's own, or (managers) every device in the municipality.
    pub async fn visible_devices(&self, session: &Session) -> Result<Vec<DeviceInfo>, StorageError> {
        let (cond, bind) = if session.user.role.is_manager() {
            ("u.municipality_id = ?", &session.municipality_id)
        } else {
            ("u.id = ?", &session.user.id.0)
        };
        let sql = format!(
            "SELECT v.id AS device_id, v.user_agent, v.created_at, v.last_seen_at, v.revoked_at,
                    u.id, u.login, u.display_name, u.role
             FROM devices v JOIN users u ON u.id = v.user_id WHERE {cond}
             ORDER BY v.revoked_at IS NOT NULL, v.last_seen_at DESC LIMIT 500"
        );
        let rows = sqlx::query(&self.sql(&sql)).bind(bind).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("device_id")?;
                Ok(DeviceInfo {
                    current: id == session.device_id,
                    id,
                    user: UserBrief::from(user_from_row(r)?),
                    user_agent: r.try_get("user_agent")?,
                    created_at: r.try_get("created_at")?,
                    last_seen_at: r.try_get("last_seen_at")?,
                    revoked_at: r.try_get("revoked_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Revokes a device the session may manage. `false` when there is no such device in reach.
    pub async fn revoke_visible_device(
        &self,
        session: &Session,
        device_id: &str,
        now: EpochMillis,
    ) -> Result<bool, StorageError> {
        let (cond, bind) = if session.user.role.is_manager() {
            ("municipality_id = ?", &session.municipality_id)
        } else {
            ("id = ?", &session.user.id.0)
        };
        let sql = format!(
            "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?)
             WHERE id = ? AND user_id IN (SELECT id FROM users WHERE {cond})"
        );
        let done = sqlx::query(&self.sql(&sql)).bind(now).bind(device_id).bind(bind).execute(&self.pool).await?;
        Ok(done.rows_affected() == 1)
    }
}
