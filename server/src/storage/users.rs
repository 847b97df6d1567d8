//! Users, their responsibilities (assignments, areas) and their devices (sessions).

use super::rows::{parsed, user_from_row};
use super::sql::{reach_binds, reach_condition, scope_condition, PERSON_FROM};
use super::{Storage, StorageError};
use crate::config::SessionPolicy;
use mimamori_core::api::admin::{DeviceInfo, UserBrief, UserSummary};
use mimamori_core::domain::{EpochMillis, PersonId, Role, User, UserId};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row, Transaction};
use std::collections::HashMap;

/// A user row with the secret it is checked against (none for invite-enrolled volunteers).
pub struct UserRecord {
    pub user: User,
    pub password_hash: Option<String>,
    pub municipality_id: String,
    pub disabled: bool,
    pub must_change_password: bool,
}

/// Who is asking: the user, where they work, and the device they use.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub municipality_id: String,
    pub organization_id: Option<String>,
    pub device_id: String,
    /// When this device was enrolled (devices enrolled later are news to its user).
    pub device_created_at: EpochMillis,
    /// An admin reset the password: only changing it (and signing out) works until then.
    pub must_change_password: bool,
    /// Whether this user has a live device enrolled after this one (news to show): learnt with
    /// the session, so a pull asks for the list only when there is one.
    pub newer_devices: bool,
    /// The pull mark this device was last given, and when (see [`super::marks`]).
    pub pull_mark: Option<super::GivenMark>,
}

/// What a session token turned out to be.
#[derive(Debug)]
pub enum SessionLookup {
    Live(Session),
    /// Signed out, revoked by a manager, or its user disabled: the device must wipe what it holds.
    Revoked,
    /// Unused for too long, or past its last day: the user signs in again (nothing is wiped, so
    /// unsent records go out after that).
    Expired,
    Unknown,
}

/// How a device came to be signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enrolment {
    Password,
    Invite,
}

impl Enrolment {
    pub fn as_str(self) -> &'static str {
        match self {
            Enrolment::Password => "password",
            Enrolment::Invite => "invite",
        }
    }
}

/// Why a device stopped working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeReason {
    SignOut,
    /// A manager (or the user) revoked it: a lost phone.
    Revoked,
    /// Its user was disabled.
    Disabled,
    /// Its user's password was changed or reset: other sessions end.
    Password,
    /// Its user signed in again on it after forgetting the PIN and took its recovery key: the new
    /// session carries on with the same records.
    Recovered,
}

impl RevokeReason {
    fn as_str(self) -> &'static str {
        match self {
            RevokeReason::SignOut => "sign_out",
            RevokeReason::Revoked => "revoked",
            RevokeReason::Disabled => "disabled",
            RevokeReason::Password => "password",
            RevokeReason::Recovered => "recovered",
        }
    }
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
    pub created_by: &'a UserId,
}

impl Storage {
    pub async fn user_by_login(&self, login: &str) -> Result<Option<UserRecord>, StorageError> {
        let row = sqlx::query(&self.sql(
            "SELECT id, login, display_name, role, password_hash, municipality_id, disabled_at, must_change_password
             FROM users WHERE login = ?",
        ))
        .bind(login)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| record_from_row(&r)).transpose().map_err(Into::into)
    }

    /// A user with the secret their password is checked against.
    pub async fn user_record(&self, id: &UserId) -> Result<Option<UserRecord>, StorageError> {
        let row = sqlx::query(&self.sql(
            "SELECT id, login, display_name, role, password_hash, municipality_id, disabled_at, must_change_password
             FROM users WHERE id = ?",
        ))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| record_from_row(&r)).transpose().map_err(Into::into)
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
            "INSERT INTO users (id, login, display_name, role, password_hash, municipality_id, organization_id,
                created_at, created_by)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(u.id)
        .bind(u.login)
        .bind(u.display_name)
        .bind(u.role.as_str())
        .bind(u.password_hash)
        .bind(u.municipality_id)
        .bind(u.organization_id)
        .bind(now)
        .bind(u.created_by.as_str())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The users the manager may manage (see [`reach_condition`]), with what they are responsible
    /// for. A coordinator sees only the persons and areas in their own districts: a volunteer who
    /// also watches someone elsewhere shows just the part that is theirs to manage.
    pub async fn user_summaries(&self, manager: &User, municipality: &str) -> Result<Vec<UserSummary>, StorageError> {
        self.summaries(manager, municipality, None).await
    }

    /// One user of the municipality as [`Storage::user_summaries`] shows them (what they are
    /// responsible for in the manager's districts), for the answer to a change the caller has
    /// just made to them (after which they may be out of the manager's reach).
    pub async fn user_summary(
        &self,
        manager: &User,
        municipality: &str,
        id: &UserId,
    ) -> Result<Option<UserSummary>, StorageError> {
        Ok(self.summaries(manager, municipality, Some(id)).await?.pop())
    }

    async fn summaries(
        &self,
        manager: &User,
        municipality: &str,
        only: Option<&UserId>,
    ) -> Result<Vec<UserSummary>, StorageError> {
        let (filter, binds) = match only {
            Some(_) => ("u.id = ?".to_owned(), 0),
            None => (reach_condition(manager.role).to_owned(), reach_binds(manager.role)),
        };
        let sql = format!(
            "SELECT u.id, u.login, u.display_name, u.role, u.organization_id, u.disabled_at, u.must_change_password,
                    CASE WHEN u.password_hash IS NULL THEN 0 ELSE 1 END AS has_password,
                    (SELECT COUNT(*) FROM devices v WHERE v.user_id = u.id AND v.revoked_at IS NULL) AS devices
             FROM users u WHERE u.municipality_id = ? AND {filter} ORDER BY u.role, u.login"
        );
        let sql = self.sql(&sql);
        let mut q = sqlx::query(&sql).bind(municipality);
        for _ in 0..binds {
            q = q.bind(manager.id.as_str());
        }
        if let Some(id) = only {
            q = q.bind(id.as_str());
        }
        let rows = q.fetch_all(&self.pool).await?;
        // What each user is responsible for, as far as the manager's own districts go.
        let (person_scope, area_scope, district_scope) = if manager.role == Role::Admin {
            ("1 = 1 OR ? IS NULL", "1 = 1 OR ? IS NULL", "1 = 1 OR ? IS NULL")
        } else {
            (
                "EXISTS (SELECT 1 FROM persons p JOIN small_areas sa ON sa.id = p.small_area_id
                   JOIN staff_districts s ON s.district_id = sa.district_id WHERE p.id = a.person_id AND s.user_id = ?)",
                "EXISTS (SELECT 1 FROM small_areas sa JOIN staff_districts s ON s.district_id = sa.district_id
                   WHERE sa.id = c.small_area_id AND s.user_id = ?)",
                "EXISTS (SELECT 1 FROM staff_districts s WHERE s.district_id = sd.district_id AND s.user_id = ?)",
            )
        };
        let sql = format!(
            "SELECT a.user_id, a.person_id AS item, 'p' AS kind FROM assignments a JOIN users u ON u.id = a.user_id
               WHERE u.municipality_id = ? AND ({person_scope})
             UNION ALL SELECT c.user_id, c.small_area_id, 'a' FROM commissioner_areas c JOIN users u ON u.id = c.user_id
               WHERE u.municipality_id = ? AND ({area_scope})
             UNION ALL SELECT sd.user_id, sd.district_id, 'a' FROM staff_districts sd JOIN users u ON u.id = sd.user_id
               WHERE u.municipality_id = ? AND ({district_scope})
             ORDER BY 1, 2"
        );
        let sql = self.sql(&sql);
        let me = &manager.id.as_str();
        let links = sqlx::query(&sql)
            .bind(municipality)
            .bind(me)
            .bind(municipality)
            .bind(me)
            .bind(municipality)
            .bind(me)
            .fetch_all(&self.pool)
            .await?;
        let mut by_user: HashMap<String, (Vec<PersonId>, Vec<String>)> = HashMap::new();
        for l in &links {
            let entry = by_user.entry(l.try_get("user_id")?).or_default();
            let item: String = l.try_get("item")?;
            if l.try_get::<String, _>("kind")? == "p" {
                entry.0.push(parsed(item)?);
            } else {
                entry.1.push(item);
            }
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let user = user_from_row(r)?;
            let (person_ids, area_ids) = by_user.remove(user.id.as_str()).unwrap_or_default();
            out.push(UserSummary {
                user: user.into(),
                organization_id: r.try_get("organization_id")?,
                person_ids,
                area_ids,
                active_devices: r.try_get::<i64, _>("devices")?.max(0) as u32,
                has_password: r.try_get::<i64, _>("has_password")? != 0,
                disabled: r.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
                must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
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
            PERSON_FROM,
            scope_condition(manager.role)
        );
        sqlx::query(&self.sql(&sql)).bind(volunteer.as_str()).bind(manager.id.as_str()).execute(&mut **tx).await?;
        for p in persons {
            sqlx::query(&self.sql("INSERT INTO assignments (user_id, person_id) VALUES (?, ?) ON CONFLICT DO NOTHING"))
                .bind(volunteer.as_str())
                .bind(p.as_str())
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Replaces a 民生委員's small areas or a coordinator's/admin's districts. A coordinator's
    /// change replaces only the areas in their own districts: what another coordinator gave the
    /// same 民生委員 stays as it is.
    pub async fn set_areas(
        &self,
        tx: &mut Transaction<'static, Any>,
        manager: &User,
        user: &User,
        areas: &[String],
    ) -> Result<(), StorageError> {
        let (table, column) = match user.role {
            Role::Commissioner => ("commissioner_areas", "small_area_id"),
            Role::Coordinator | Role::Admin => ("staff_districts", "district_id"),
            Role::Volunteer | Role::PartnerStaff => return Ok(()),
        };
        if manager.role == Role::Admin || table == "staff_districts" {
            sqlx::query(&self.sql(&format!("DELETE FROM {table} WHERE user_id = ?")))
                .bind(user.id.as_str())
                .execute(&mut **tx)
                .await?;
        } else {
            sqlx::query(&self.sql(
                "DELETE FROM commissioner_areas WHERE user_id = ? AND small_area_id IN
                   (SELECT sa.id FROM small_areas sa JOIN staff_districts s ON s.district_id = sa.district_id
                    WHERE s.user_id = ?)",
            ))
            .bind(user.id.as_str())
            .bind(manager.id.as_str())
            .execute(&mut **tx)
            .await?;
        }
        for a in areas {
            sqlx::query(
                &self.sql(&format!("INSERT INTO {table} (user_id, {column}) VALUES (?, ?) ON CONFLICT DO NOTHING")),
            )
            .bind(user.id.as_str())
            .bind(a)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// How many of these ids are small areas (or, with `districts`, districts) the manager may
    /// hand out: in the municipality, and for a coordinator in their own districts.
    pub async fn count_areas_in_reach(
        &self,
        manager: &User,
        ids: &[String],
        municipality: &str,
        districts: bool,
    ) -> Result<usize, StorageError> {
        let own = if manager.role == Role::Admin {
            "? IS NOT NULL"
        } else {
            "EXISTS (SELECT 1 FROM staff_districts s WHERE s.district_id = d.id AND s.user_id = ?)"
        };
        let sql = if districts {
            format!("SELECT 1 AS ok FROM districts d WHERE d.id = ? AND d.municipality_id = ? AND {own}")
        } else {
            format!(
                "SELECT 1 AS ok FROM small_areas sa JOIN districts d ON d.id = sa.district_id
                 WHERE sa.id = ? AND d.municipality_id = ? AND {own}"
            )
        };
        let sql = self.sql(&sql);
        let mut n = 0;
        for id in ids {
            let found = sqlx::query(&sql)
                .bind(id)
                .bind(municipality)
                .bind(manager.id.as_str())
                .fetch_optional(&self.pool)
                .await?;
            n += usize::from(found.is_some());
        }
        Ok(n)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn create_device(
        &self,
        tx: &mut Transaction<'static, Any>,
        device_id: &str,
        user: &User,
        token_hash: &str,
        user_agent: Option<&str>,
        how: Enrolment,
        policy: &SessionPolicy,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        sqlx::query(&self.sql(
            "INSERT INTO devices (id, user_id, token_hash, user_agent, created_at, last_seen_at, enrolled_by, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(device_id)
        .bind(user.id.as_str())
        .bind(token_hash)
        .bind(user_agent)
        .bind(now)
        .bind(now)
        .bind(how.as_str())
        .bind(now.saturating_add(policy.max_ms(user.role)))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The live session for a token hash, or why there is none. `last_seen_at` is written at
    /// most once a minute, so a busy device does not turn every read into a write; that is also
    /// the resolution of the idle expiry.
    pub async fn session_by_token_hash(
        &self,
        token_hash: &str,
        now: EpochMillis,
        policy: &SessionPolicy,
    ) -> Result<SessionLookup, StorageError> {
        let row = sqlx::query(&self.sql(
            "SELECT v.id AS device_id, v.created_at AS device_created_at, v.last_seen_at, v.expires_at, v.revoked_at,
                    u.id, u.login, u.display_name, u.role, u.municipality_id, u.organization_id, u.disabled_at,
                    u.must_change_password, v.pull_mark, v.pull_mark_at,
                    CAST(CASE WHEN EXISTS (SELECT 1 FROM devices n WHERE n.user_id = v.user_id
                        AND n.created_at > v.created_at AND n.revoked_at IS NULL) THEN 1 ELSE 0 END AS BIGINT)
                        AS newer_devices
             FROM devices v JOIN users u ON u.id = v.user_id
             WHERE v.token_hash = ?",
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(SessionLookup::Unknown) };
        if row.try_get::<Option<i64>, _>("revoked_at")?.is_some()
            || row.try_get::<Option<i64>, _>("disabled_at")?.is_some()
        {
            return Ok(SessionLookup::Revoked);
        }
        let user = user_from_row(&row)?;
        let device_id: String = row.try_get("device_id")?;
        let last_seen: i64 = row.try_get("last_seen_at")?;
        let created: i64 = row.try_get("device_created_at")?;
        // Rows from before absolute expiry existed end a full term after they began.
        let expires =
            row.try_get::<Option<i64>, _>("expires_at")?.unwrap_or(created.saturating_add(policy.max_ms(user.role)));
        if now >= expires || now.saturating_sub(last_seen) > policy.idle_ms(user.role) {
            return Ok(SessionLookup::Expired);
        }
        // Through the writer connection, and only when it is free: a sign-in check never queues
        // behind pushes, nor spins in SQLite's lock wait holding a reader's connection (which in
        // a storm of pushes left the pool empty: 503). Skipped now, it is written next time.
        if now - last_seen > 60_000 {
            if let Some(mut writer) = self.writer.try_acquire() {
                sqlx::query(&self.sql("UPDATE devices SET last_seen_at = ? WHERE id = ?"))
                    .bind(now)
                    .bind(&device_id)
                    .execute(&mut *writer)
                    .await?;
            }
        }
        Ok(SessionLookup::Live(Session {
            user,
            municipality_id: row.try_get("municipality_id")?,
            organization_id: row.try_get("organization_id")?,
            device_id,
            device_created_at: created,
            must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
            newer_devices: row.try_get::<i64, _>("newer_devices")? != 0,
            pull_mark: match (row.try_get("pull_mark")?, row.try_get("pull_mark_at")?) {
                (Some(mark), Some(at)) => Some(super::GivenMark { mark, at }),
                _ => None,
            },
        }))
    }

    pub async fn revoke_device<'c, E>(
        &self,
        executor: E,
        device_id: &str,
        reason: RevokeReason,
        now: EpochMillis,
    ) -> Result<(), StorageError>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        sqlx::query(
            &self.sql("UPDATE devices SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL"),
        )
        .bind(now)
        .bind(reason.as_str())
        .bind(device_id)
        .execute(executor)
        .await?;
        Ok(())
    }

    /// Stores a new recovery key for a live device (replacing any earlier one: the phone wraps its
    /// data key under the newest). False if the device is no longer live.
    pub async fn set_recovery_key(
        &self,
        tx: &mut Transaction<'static, Any>,
        device_id: &str,
        key: &str,
    ) -> Result<bool, StorageError> {
        let done = sqlx::query(&self.sql("UPDATE devices SET recovery_key = ? WHERE id = ? AND revoked_at IS NULL"))
            .bind(key)
            .bind(device_id)
            .execute(&mut **tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Takes the recovery key of `device_id` if it is a live device of `user` that has one, and
    /// ends that device (`recovered`) in the same transaction: a key is given out once. The device
    /// is revoked first and only the call whose UPDATE changed the row reads the key: on
    /// PostgreSQL (READ COMMITTED) a second, concurrent call waits on the row lock and then finds
    /// the device revoked, so it gets nothing.
    pub async fn take_recovery_key(
        &self,
        tx: &mut Transaction<'static, Any>,
        user: &UserId,
        device_id: &str,
        now: EpochMillis,
    ) -> Result<Option<String>, StorageError> {
        let ended = sqlx::query(&self.sql(
            "UPDATE devices SET revoked_at = ?, revoked_reason = ?
             WHERE id = ? AND user_id = ? AND revoked_at IS NULL AND recovery_key IS NOT NULL",
        ))
        .bind(now)
        .bind(RevokeReason::Recovered.as_str())
        .bind(device_id)
        .bind(user.as_str())
        .execute(&mut **tx)
        .await?;
        if ended.rows_affected() != 1 {
            return Ok(None);
        }
        let key: Option<String> = sqlx::query_scalar(&self.sql("SELECT recovery_key FROM devices WHERE id = ?"))
            .bind(device_id)
            .fetch_one(&mut **tx)
            .await?;
        sqlx::query(&self.sql("UPDATE devices SET recovery_key = NULL WHERE id = ?"))
            .bind(device_id)
            .execute(&mut **tx)
            .await?;
        Ok(key)
    }

    /// Revokes every live device of the user but `keep` (the one asking, on a password change).
    /// Returns how many were revoked.
    pub async fn revoke_user_devices(
        &self,
        tx: &mut Transaction<'static, Any>,
        user: &UserId,
        keep: Option<&str>,
        reason: RevokeReason,
        now: EpochMillis,
    ) -> Result<u64, StorageError> {
        let done = sqlx::query(&self.sql(
            "UPDATE devices SET revoked_at = ?, revoked_reason = ?
             WHERE user_id = ? AND revoked_at IS NULL AND id <> ?",
        ))
        .bind(now)
        .bind(reason.as_str())
        .bind(user.as_str())
        .bind(keep.unwrap_or(""))
        .execute(&mut **tx)
        .await?;
        Ok(done.rows_affected())
    }

    /// Disables (or enables again) a user. Disabling revokes every device and unused invite.
    pub async fn set_disabled(
        &self,
        tx: &mut Transaction<'static, Any>,
        user: &UserId,
        disabled: bool,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        sqlx::query(&self.sql("UPDATE users SET disabled_at = ? WHERE id = ?"))
            .bind(disabled.then_some(now))
            .bind(user.as_str())
            .execute(&mut **tx)
            .await?;
        if disabled {
            self.revoke_user_devices(tx, user, None, RevokeReason::Disabled, now).await?;
            self.replace_unused_invites(&mut **tx, user, now).await?;
        }
        Ok(())
    }

    /// Sets a new password hash; `must_change` when an admin set it for the user.
    pub async fn set_password(
        &self,
        tx: &mut Transaction<'static, Any>,
        user: &UserId,
        hash: &str,
        must_change: bool,
    ) -> Result<(), StorageError> {
        sqlx::query(&self.sql("UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?"))
            .bind(hash)
            .bind(i64::from(must_change))
            .bind(user.as_str())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// The user's live devices enrolled after `since` (a device's own enrolment), oldest first.
    pub async fn devices_enrolled_since(
        &self,
        conn: &mut AnyConnection,
        user: &UserId,
        since: EpochMillis,
    ) -> Result<Vec<mimamori_core::api::DeviceNotice>, StorageError> {
        let rows = sqlx::query(&self.sql(
            "SELECT id, created_at, enrolled_by, user_agent FROM devices
             WHERE user_id = ? AND created_at > ? AND revoked_at IS NULL ORDER BY created_at LIMIT 20",
        ))
        .bind(user.as_str())
        .bind(since)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(mimamori_core::api::DeviceNotice {
                    id: r.try_get("id")?,
                    enrolled_at: r.try_get("created_at")?,
                    how: r.try_get::<Option<String>, _>("enrolled_by")?.unwrap_or_else(|| "password".into()),
                    user_agent: r.try_get("user_agent")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Devices the session may see: its user's own, or (managers) those of the users they manage
    /// and their own.
    pub async fn visible_devices(&self, session: &Session) -> Result<Vec<DeviceInfo>, StorageError> {
        let cond = self.devices_in_reach(session);
        let sql = format!(
            "SELECT v.id AS device_id, v.user_agent, v.created_at, v.last_seen_at, v.revoked_at,
                    u.id, u.login, u.display_name, u.role
             FROM devices v JOIN users u ON u.id = v.user_id WHERE {cond}
             ORDER BY v.revoked_at IS NOT NULL, v.last_seen_at DESC LIMIT 500"
        );
        let sql = self.sql(&sql);
        let rows = self.bind_reach(sqlx::query(&sql), session).fetch_all(&self.pool).await?;
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

    /// Revokes a device the session may manage, returning its owner; `None` when there is no such
    /// device in reach.
    pub async fn revoke_visible_device(
        &self,
        tx: &mut Transaction<'static, Any>,
        session: &Session,
        device_id: &str,
        now: EpochMillis,
    ) -> Result<Option<UserId>, StorageError> {
        let cond = self.devices_in_reach(session);
        let sql = format!("SELECT u.id FROM devices v JOIN users u ON u.id = v.user_id WHERE v.id = ? AND ({cond})");
        let sql = self.sql(&sql);
        let owner: Option<String> = self
            .bind_reach(sqlx::query(&sql).bind(device_id), session)
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.get(0));
        let Some(owner) = owner else { return Ok(None) };
        self.revoke_device(&mut **tx, device_id, RevokeReason::Revoked, now).await?;
        Ok(Some(parsed(owner)?))
    }

    /// Condition on `u` (the device's user): the asker's own devices, or for managers those of the
    /// users they manage. Bound by [`Storage::bind_reach`].
    fn devices_in_reach(&self, session: &Session) -> String {
        if session.user.role.is_manager() {
            format!("u.id = ? OR (u.municipality_id = ? AND {})", reach_condition(session.user.role))
        } else {
            "u.id = ? OR (? IS NULL)".to_owned()
        }
    }

    fn bind_reach<'q>(
        &self,
        mut q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
        session: &'q Session,
    ) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
        q = q.bind(session.user.id.as_str()).bind(&session.municipality_id);
        if session.user.role.is_manager() {
            for _ in 0..reach_binds(session.user.role) {
                q = q.bind(session.user.id.as_str());
            }
        }
        q
    }
}

fn record_from_row(r: &AnyRow) -> Result<UserRecord, sqlx::Error> {
    Ok(UserRecord {
        user: user_from_row(r)?,
        password_hash: r.try_get("password_hash")?,
        municipality_id: r.try_get("municipality_id")?,
        disabled: r.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
        must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
    })
}
