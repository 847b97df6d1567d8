//! 相談・依頼: raised on field devices, routed by coordinators, worked by partners.

use super::rows::parsed;
use super::sql::{scope_condition, scope_ids, PARTNER_REQUESTS, PERSON_FROM};
use super::write::Writer;
use super::{Storage, StorageError};
use mimamori_core::api::admin::{RequestStatus, RequestSummary};
use mimamori_core::domain::{EpochMillis, FieldRequest, Need, NewRequest, PersonId, Role, User};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row, Transaction};

fn decode(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown {what} {value}").into())
}

fn status_of(r: &AnyRow) -> Result<RequestStatus, sqlx::Error> {
    let status: String = r.try_get("status")?;
    RequestStatus::parse(&status).ok_or_else(|| decode("status", &status))
}

fn need_of(r: &AnyRow) -> Result<Need, sqlx::Error> {
    let need: String = r.try_get("need")?;
    Need::parse(&need).ok_or_else(|| decode("need", &need))
}

/// A request as a device or the map shows it, from a row with the columns of [`FIELD_REQUEST_FROM`].
pub(super) fn field_request(r: &AnyRow) -> Result<FieldRequest, sqlx::Error> {
    Ok(FieldRequest {
        id: r.try_get("id")?,
        person_id: parsed(r.try_get("person_id")?)?,
        need: need_of(r)?,
        detail: r.try_get("detail")?,
        status: status_of(r)?,
        to_partner: r.try_get::<i64, _>("to_partner")? == 1,
        organization: r.try_get("organization")?,
        raised_by: parsed(r.try_get("raised_by")?)?,
        raised_by_name: r.try_get("raised_by_name")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        pending: false,
    })
}

/// The columns and joins [`field_request`] reads, after `SELECT`, on requests `r`.
pub(super) const FIELD_REQUEST_FROM: &str = "r.id, r.person_id, r.need, r.detail, r.status, r.to_partner,
     o.name AS organization, r.raised_by, u.display_name AS raised_by_name, r.created_at, r.updated_at
     FROM requests r JOIN users u ON u.id = r.raised_by LEFT JOIN organizations o ON o.id = r.organization_id";

impl Storage {
    /// Requests on persons in the user's scope, newest change first; partner staff see only those
    /// referred to their organisation, open or recently closed (their scope already requires
    /// consent to share with partners). With `only`, just that request (if visible).
    pub async fn visible_requests(&self, user: &User, only: Option<&str>) -> Result<Vec<RequestSummary>, StorageError> {
        let partner_only = if user.role == Role::PartnerStaff {
            format!("AND EXISTS (SELECT 1 FROM users u WHERE u.id = ? AND {PARTNER_REQUESTS})")
        } else {
            "AND ? IS NOT NULL".to_owned()
        };
        let one = if only.is_some() { "AND r.id = ?" } else { "" };
        let sql = format!(
            "SELECT r.id, r.person_id, p.name, p.address, p.phone, r.need, r.detail, r.status, r.created_at,
                    r.updated_at, r.to_partner, r.organization_id, o.name AS organization,
                    u.display_name AS raised_by_name, p.consent_share_partners
             {PERSON_FROM}
             JOIN requests r ON r.person_id = p.id
             JOIN users u ON u.id = r.raised_by
             LEFT JOIN organizations o ON o.id = r.organization_id
             WHERE {} {partner_only} {one}
             ORDER BY r.updated_at DESC, r.id",
            scope_condition(user.role)
        );
        let sql = self.sql(&sql);
        let mut q = sqlx::query(&sql).bind(user.id.as_str()).bind(user.id.as_str());
        if let Some(id) = only {
            q = q.bind(id);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(RequestSummary {
                    id: r.try_get("id")?,
                    person_id: parsed(r.try_get("person_id")?)?,
                    person_name: r.try_get("name")?,
                    person_address: r.try_get("address")?,
                    person_phone: r.try_get("phone")?,
                    need: need_of(r)?,
                    detail: r.try_get("detail")?,
                    status: status_of(r)?,
                    organization_id: r.try_get("organization_id")?,
                    organization: r.try_get("organization")?,
                    to_partner: r.try_get::<i64, _>("to_partner")? == 1,
                    shares_with_partners: r.try_get::<i64, _>("consent_share_partners")? == 1,
                    raised_by_name: r.try_get("raised_by_name")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// What a field device holds: the requests on the persons it holds, without the persons'
    /// contact details. A 民生委員 (and staff) get every one, so they see what a volunteer raised;
    /// a volunteer, a neighbour, gets only those they raised themselves: what became of them,
    /// never what others asked for on a person's behalf (生活費, 介護相談…) or wrote about it.
    pub async fn field_requests(
        &self,
        conn: &mut AnyConnection,
        user: &User,
    ) -> Result<Vec<FieldRequest>, StorageError> {
        if user.role == Role::PartnerStaff {
            return Ok(Vec::new());
        }
        let own = if user.role == Role::Volunteer { "r.raised_by = ?" } else { "? IS NOT NULL" };
        // The user's persons drive the query (CROSS JOIN fixes that order on SQLite).
        let sql = format!(
            "SELECT r.id, r.person_id, r.need, r.detail, r.status, r.to_partner, o.name AS organization,
                    r.raised_by, u.display_name AS raised_by_name, r.created_at, r.updated_at
             FROM ({}) s CROSS JOIN requests r
             JOIN users u ON u.id = r.raised_by
             LEFT JOIN organizations o ON o.id = r.organization_id
             WHERE r.person_id = s.id AND {own}
             ORDER BY r.updated_at DESC, r.id",
            scope_ids(user.role)
        );
        let rows =
            sqlx::query(&self.sql(&sql)).bind(user.id.as_str()).bind(user.id.as_str()).fetch_all(&mut *conn).await?;
        rows.iter().map(field_request).collect::<Result<_, sqlx::Error>>().map_err(Into::into)
    }

    /// Stores a request raised on a device (the caller checked scope and consent); false when a
    /// request with this id exists already.
    pub async fn insert_request(
        &self,
        tx: &mut Transaction<'static, Any>,
        request: &NewRequest,
        writer: Writer<'_>,
        now: EpochMillis,
    ) -> Result<bool, StorageError> {
        let id = request.id.to_string();
        let done = sqlx::query(&self.sql(
            "INSERT INTO requests (id, person_id, raised_by, need, detail, status, organization_id, created_at,
                updated_at, to_partner, visit_id, device_id)
             VALUES (?, ?, ?, ?, ?, 'received', NULL, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO NOTHING",
        ))
        .bind(&id)
        .bind(request.person_id.as_str())
        .bind(writer.user)
        .bind(request.need.as_str())
        .bind(&request.detail)
        .bind(now)
        .bind(now)
        .bind(i64::from(request.to_partner))
        .bind(request.visit_id.map(|v| v.0.to_string()))
        .bind(writer.device)
        .execute(&mut **tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Whether the person's consent in force allows sharing with partner corporations.
    pub async fn shares_with_partners<'c, E>(&self, executor: E, person: &PersonId) -> Result<bool, StorageError>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        let v: Option<i64> = sqlx::query_scalar(&self.sql("SELECT consent_share_partners FROM persons WHERE id = ?"))
            .bind(person.as_str())
            .fetch_optional(executor)
            .await?;
        Ok(v == Some(1))
    }

    /// Sets where a request stands and who works on it (the caller checked who may).
    pub async fn route_request(
        &self,
        tx: &mut Transaction<'static, Any>,
        id: &str,
        status: RequestStatus,
        organization: Option<&str>,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        sqlx::query(&self.sql("UPDATE requests SET status = ?, organization_id = ?, updated_at = ? WHERE id = ?"))
            .bind(status.as_str())
            .bind(organization)
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}
