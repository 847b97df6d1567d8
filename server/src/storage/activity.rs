//! 活動記録: 民生委員's monthly activity records as submitted. The record is kept as the JSON the
//! phone sent (validated); it reads back through the core type, which also reads the earlier shape.

use super::sql::{reach_binds, reach_condition};
use super::write::Writer;
use super::{Storage, StorageError};
use mimamori_core::api::admin::{ActivitySummary, UserBrief};
use mimamori_core::domain::{ActivityReport, EpochMillis, Month, Role, User};
use sqlx::{Any, Row, Transaction};

impl Storage {
    /// Stores a month's record; a later submission for the same month replaces the earlier one.
    pub async fn put_activity_report(
        &self,
        tx: &mut Transaction<'static, Any>,
        report: &ActivityReport,
        writer: Writer<'_>,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        let body = serde_json::to_string(report).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        sqlx::query(&self.sql(
            "INSERT INTO activity_reports (user_id, month, report, submitted_at, device_id) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (user_id, month) DO UPDATE SET report = excluded.report,
                submitted_at = excluded.submitted_at, device_id = excluded.device_id",
        ))
        .bind(writer.user)
        .bind(report.month.as_str())
        .bind(body)
        .bind(now)
        .bind(writer.device)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The records submitted for a month by the 民生委員 the manager manages (a coordinator: those
    /// with areas in their districts; an admin: the municipality's), by name.
    pub async fn activity_reports(
        &self,
        manager: &User,
        municipality: &str,
        month: &Month,
    ) -> Result<Vec<ActivitySummary>, StorageError> {
        let sql = format!(
            "SELECT u.id, u.login, u.display_name, u.role, a.report, a.submitted_at,
                (SELECT MIN(d.name) FROM commissioner_areas c JOIN small_areas sa ON sa.id = c.small_area_id
                 JOIN districts d ON d.id = sa.district_id WHERE c.user_id = u.id) AS district
             FROM activity_reports a JOIN users u ON u.id = a.user_id
             WHERE u.municipality_id = ? AND a.month = ? AND {} ORDER BY u.display_name, u.id",
            reach_condition(manager.role)
        );
        let sql = self.sql(&sql);
        let mut q = sqlx::query(&sql).bind(municipality).bind(month.as_str());
        for _ in 0..reach_binds(manager.role) {
            q = q.bind(manager.id.as_str());
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let role: String = r.try_get("role")?;
                let report: String = r.try_get("report")?;
                Ok(ActivitySummary {
                    user: UserBrief {
                        id: super::rows::parsed(r.try_get("id")?)?,
                        login: r.try_get("login")?,
                        display_name: r.try_get("display_name")?,
                        role: Role::parse(&role).ok_or_else(|| sqlx::Error::Decode(format!("role {role}").into()))?,
                    },
                    district: r.try_get("district")?,
                    report: serde_json::from_str(&report).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                    submitted_at: r.try_get("submitted_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
