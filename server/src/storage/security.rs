//! Security events and who a manager may manage.
//!
//! The audit log answers "who touched this person's data"; this log answers "who could, and who
//! made it so": sign-ins (and failed ones on real logins), enrolments, invites, revocations,
//! users created, disabled and enabled, passwords changed and reset, assignments and areas.
//! Admins read it for their municipality. Like the audit log it is append-only.
//!
//! Reach is decided here, in SQL, once: a coordinator manages the volunteers and 民生委員 whose
//! responsibilities touch their own districts (or who have none yet); an admin manages everyone
//! in the municipality.

use super::sql::{reach_binds, reach_condition};
use super::{Storage, StorageError};
use mimamori_core::api::admin::{SecurityEntry, UserBrief};
use mimamori_core::domain::{EpochMillis, Role, User, UserId};
use sqlx::Row;

/// What happened. Stored as text; the list is closed so the log stays queryable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityAction {
    SignIn,
    /// A wrong password (or a disabled user) on a real login; unknown logins are only counted.
    SignInFailed,
    /// The failure that locked the login.
    SignInLocked,
    SignOut,
    /// A device enrolled with an invite code (the detail names who issued it).
    DeviceEnroll,
    DeviceRevoke,
    InviteIssue,
    UserCreate,
    UserDisable,
    UserEnable,
    AssignmentsSet,
    AreasSet,
    PasswordChange,
    PasswordReset,
    /// A 安否確認 event began: volunteers of its areas see the 要援護 persons there.
    EventStart,
    /// Small areas were added to an event under way.
    EventAreas,
    /// An event closed: what it added leaves the phones.
    EventClose,
    /// Persons handed to a checker for an event (the subject).
    EventCheckers,
    /// A device was given a recovery key (for 「PINを忘れた」).
    RecoveryKey,
    /// A fresh sign-in took an earlier device's recovery key (the detail names it); that device ended.
    DeviceRecover,
    /// A device found records it could not decrypt and moved them aside (stores and counts).
    RecordsAside,
}

impl SecurityAction {
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityAction::SignIn => "sign_in",
            SecurityAction::SignInFailed => "sign_in.failed",
            SecurityAction::SignInLocked => "sign_in.locked",
            SecurityAction::SignOut => "sign_out",
            SecurityAction::DeviceEnroll => "device.enroll",
            SecurityAction::DeviceRevoke => "device.revoke",
            SecurityAction::InviteIssue => "invite.issue",
            SecurityAction::UserCreate => "user.create",
            SecurityAction::UserDisable => "user.disable",
            SecurityAction::UserEnable => "user.enable",
            SecurityAction::AssignmentsSet => "user.assignments",
            SecurityAction::AreasSet => "user.areas",
            SecurityAction::PasswordChange => "password.change",
            SecurityAction::PasswordReset => "password.reset",
            SecurityAction::EventStart => "event.start",
            SecurityAction::EventAreas => "event.areas",
            SecurityAction::EventClose => "event.close",
            SecurityAction::EventCheckers => "event.checkers",
            SecurityAction::RecoveryKey => "device.recovery_key",
            SecurityAction::DeviceRecover => "device.recover",
            SecurityAction::RecordsAside => "device.records_aside",
        }
    }
}

/// One event to write. `actor` is who did it (none when nobody signed in did); `subject` whose
/// account it concerns; `detail` is `key=value` pairs joined by `;` (`role=volunteer;areas=…`),
/// or one pair whose value may hold anything (`agent=` a user agent), turned into words by the
/// admin's screen.
#[derive(Debug, Clone, Copy)]
pub struct SecurityEvent<'a> {
    pub action: SecurityAction,
    pub municipality: &'a str,
    pub actor: Option<&'a UserId>,
    pub device: Option<&'a str>,
    pub subject: Option<&'a UserId>,
    pub detail: &'a str,
}

/// Longest detail kept (a list of person ids is cut here).
const MAX_DETAIL: usize = 2000;

impl Storage {
    pub async fn security_event<'c, E>(
        &self,
        executor: E,
        e: SecurityEvent<'_>,
        now: EpochMillis,
    ) -> Result<(), StorageError>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        let detail: String = e.detail.chars().take(MAX_DETAIL).collect();
        sqlx::query(&self.sql(
            "INSERT INTO security_log (at, municipality_id, actor_id, device_id, action, subject_id, detail)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(now)
        .bind(e.municipality)
        .bind(e.actor.map(|a| a.as_str()))
        .bind(e.device)
        .bind(e.action.as_str())
        .bind(e.subject.map(|s| s.as_str()))
        .bind(detail)
        .execute(executor)
        .await?;
        Ok(())
    }

    /// The municipality's security events, newest first, before `before` (a `seq`), at most `limit`.
    pub async fn security_events(
        &self,
        municipality: &str,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<SecurityEntry>, StorageError> {
        let rows = sqlx::query(&self.sql(
            "SELECT l.seq, l.at, l.action, l.device_id, l.detail,
                    a.id AS a_id, a.login AS a_login, a.display_name AS a_name, a.role AS a_role,
                    s.id AS s_id, s.login AS s_login, s.display_name AS s_name, s.role AS s_role
             FROM security_log l LEFT JOIN users a ON a.id = l.actor_id LEFT JOIN users s ON s.id = l.subject_id
             WHERE l.municipality_id = ? AND l.seq < ? ORDER BY l.seq DESC LIMIT ?",
        ))
        .bind(municipality)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let brief = |r: &sqlx::any::AnyRow, p: &str| -> Result<Option<UserBrief>, sqlx::Error> {
            let Some(id) = r.try_get::<Option<String>, _>(format!("{p}_id").as_str())? else { return Ok(None) };
            let role: String = r.try_get(format!("{p}_role").as_str())?;
            Ok(Some(UserBrief {
                id: super::rows::parsed(id)?,
                login: r.try_get(format!("{p}_login").as_str())?,
                display_name: r.try_get(format!("{p}_name").as_str())?,
                role: Role::parse(&role).ok_or_else(|| sqlx::Error::Decode(format!("unknown role {role}").into()))?,
            }))
        };
        rows.iter()
            .map(|r| {
                Ok(SecurityEntry {
                    seq: r.try_get("seq")?,
                    at: r.try_get("at")?,
                    action: r.try_get("action")?,
                    actor: brief(r, "a")?,
                    subject: brief(r, "s")?,
                    device_id: r.try_get("device_id")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// The user, when the manager may manage them (see [`reach_condition`]); `None` otherwise,
    /// exactly as for a user that does not exist.
    pub async fn user_in_reach<'c, E>(
        &self,
        executor: E,
        manager: &User,
        municipality: &str,
        id: &str,
    ) -> Result<Option<User>, StorageError>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        let sql = format!(
            "SELECT u.id, u.login, u.display_name, u.role FROM users u
             WHERE u.id = ? AND u.municipality_id = ? AND {}",
            reach_condition(manager.role)
        );
        let sql = self.sql(&sql);
        let mut q = sqlx::query(&sql).bind(id).bind(municipality);
        for _ in 0..reach_binds(manager.role) {
            q = q.bind(manager.id.as_str());
        }
        let row = q.fetch_optional(executor).await?;
        Ok(row.map(|r| super::rows::user_from_row(&r)).transpose()?)
    }

    /// Whether the manager may issue an invite for this volunteer: every person they watch lies in
    /// the manager's districts (admins: any), and one who watches nobody yet is invited only by
    /// whoever created them or an admin. An invite enrols a device that reads everything its user
    /// may see, so it must never reach further than the manager already does.
    pub async fn may_invite<'c, E>(&self, executor: E, manager: &User, volunteer: &UserId) -> Result<bool, StorageError>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        if manager.role == Role::Admin {
            return Ok(true);
        }
        let row = sqlx::query(&self.sql(
            "SELECT
               (SELECT COUNT(*) FROM assignments a WHERE a.user_id = u.id) AS watched,
               (SELECT COUNT(*) FROM assignments a JOIN persons p ON p.id = a.person_id
                  JOIN small_areas sa ON sa.id = p.small_area_id
                  WHERE a.user_id = u.id AND NOT EXISTS (SELECT 1 FROM staff_districts s
                      WHERE s.district_id = sa.district_id AND s.user_id = ?)) AS outside,
               CASE WHEN u.created_by = ? THEN 1 ELSE 0 END AS mine
             FROM users u WHERE u.id = ?",
        ))
        .bind(manager.id.as_str())
        .bind(manager.id.as_str())
        .bind(volunteer.as_str())
        .fetch_optional(executor)
        .await?;
        let Some(r) = row else { return Ok(false) };
        let (watched, outside, mine): (i64, i64, i64) =
            (r.try_get("watched")?, r.try_get("outside")?, r.try_get("mine")?);
        Ok(outside == 0 && (watched > 0 || mine == 1))
    }
}
