//! Users and their devices (sessions).

use super::{Storage, StorageError};
use app::domain::{EpochMillis, Role, User, UserId};
use sqlx::Row;

/// A user row with the secret it is checked against.
pub struct UserRecord {
    pub user: User,
    pub password_hash: String,
}

/// Who is asking: the user and the device they sign in from.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub device_id: String,
}

fn user_from_row(row: &sqlx::any::AnyRow) -> Result<User, sqlx::Error> {
    let role: String = row.try_get("role")?;
    let role = Role::parse(&role).ok_or_else(|| sqlx::Error::Decode(format!("unknown role {role}").into()))?;
    Ok(User {
        id: UserId(row.try_get("id")?),
        login: row.try_get("login")?,
        display_name: row.try_get("display_name")?,
        role,
    })
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

    pub async fn create_device(
        &self,
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
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live session for a token hash; revoked devices have none.
    pub async fn session_by_token_hash(
        &self,
        token_hash: &str,
        now: EpochMillis,
    ) -> Result<Option<Session>, StorageError> {
        let row = sqlx::query(&self.sql(
            "UPDATE devices SET last_seen_at = ? WHERE token_hash = ? AND revoked_at IS NULL
             RETURNING id, user_id",
        ))
        .bind(now)
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let device_id: String = row.try_get("id")?;
        let user_id: String = row.try_get("user_id")?;
        let user = sqlx::query(&self.sql("SELECT id, login, display_name, role FROM users WHERE id = ?"))
            .bind(&user_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(Some(Session { user: user_from_row(&user)?, device_id }))
    }

    pub async fn revoke_device(&self, device_id: &str, now: EpochMillis) -> Result<(), StorageError> {
        sqlx::query(&self.sql("UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"))
            .bind(now)
            .bind(device_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
