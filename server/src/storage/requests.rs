//! 相談・依頼 as the people working on them see them.

use super::persons::{scope_condition, PERSON_FROM};
use super::{Storage, StorageError};
use app::api::admin::{RequestStatus, RequestSummary};
use app::domain::{PersonId, Role, User};
use sqlx::Row;

impl Storage {
    /// Requests on persons in the user's scope; partner staff see only those referred to their
    /// organisation (their scope already requires consent to share with partners).
    pub async fn visible_requests(&self, user: &User) -> Result<Vec<RequestSummary>, StorageError> {
        let partner_only = if user.role == Role::PartnerStaff {
            "AND r.organization_id = (SELECT u2.organization_id FROM users u2 WHERE u2.id = ?)"
        } else {
            "AND ? IS NOT NULL"
        };
        let sql = format!(
            "SELECT r.id, r.person_id, p.name, p.address, p.phone, r.need, r.detail, r.status, r.created_at,
                    o.name AS organization
             {PERSON_FROM}
             JOIN requests r ON r.person_id = p.id
             LEFT JOIN organizations o ON o.id = r.organization_id
             WHERE {} {partner_only}
             ORDER BY r.created_at DESC, r.id",
            scope_condition(user.role)
        );
        let rows = sqlx::query(&self.sql(&sql)).bind(&user.id.0).bind(&user.id.0).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                Ok(RequestSummary {
                    id: r.try_get("id")?,
                    person_id: PersonId(r.try_get("person_id")?),
                    person_name: r.try_get("name")?,
                    person_address: r.try_get("address")?,
                    person_phone: r.try_get("phone")?,
                    need: r.try_get("need")?,
                    detail: r.try_get("detail")?,
                    status: RequestStatus::parse(&status)
                        .ok_or_else(|| sqlx::Error::Decode(format!("unknown status {status}").into()))?,
                    organization: r.try_get("organization")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
