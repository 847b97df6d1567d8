//! Areas (municipality → district → small area) and partner organisations: not personal data,
//! but still only a user's own municipality.

use super::{Storage, StorageError};
use mimamori_core::api::admin::{AreaTree, DistrictNode, Organization, SmallArea};
use mimamori_core::domain::EpochMillis;
use sqlx::Row;

impl Storage {
    pub async fn area_tree(&self, municipality: &str) -> Result<Option<AreaTree>, StorageError> {
        let Some(m) = sqlx::query(&self.sql("SELECT id, name FROM municipalities WHERE id = ?"))
            .bind(municipality)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let rows = sqlx::query(&self.sql(
            "SELECT d.id AS district_id, d.name AS district, sa.id AS area_id, sa.name AS area
             FROM districts d LEFT JOIN small_areas sa ON sa.district_id = d.id
             WHERE d.municipality_id = ? ORDER BY d.id, sa.id",
        ))
        .bind(municipality)
        .fetch_all(&self.pool)
        .await?;
        let mut districts: Vec<DistrictNode> = Vec::new();
        for r in &rows {
            let id: String = r.try_get("district_id")?;
            if districts.last().is_none_or(|d| d.id != id) {
                districts.push(DistrictNode { id, name: r.try_get("district")?, small_areas: Vec::new() });
            }
            if let Some(area_id) = r.try_get::<Option<String>, _>("area_id")? {
                let node = districts.last_mut().expect("pushed above");
                node.small_areas.push(SmallArea { id: area_id, name: r.try_get("area")? });
            }
        }
        Ok(Some(AreaTree { municipality_id: m.try_get("id")?, municipality: m.try_get("name")?, districts }))
    }

    /// Whether a district belongs to the municipality.
    pub async fn district_in_municipality(&self, district: &str, municipality: &str) -> Result<bool, StorageError> {
        Ok(sqlx::query(&self.sql("SELECT 1 AS ok FROM districts WHERE id = ? AND municipality_id = ?"))
            .bind(district)
            .bind(municipality)
            .fetch_optional(&self.pool)
            .await?
            .is_some())
    }

    pub async fn insert_small_area(&self, id: &str, district: &str, name: &str) -> Result<(), StorageError> {
        sqlx::query(&self.sql("INSERT INTO small_areas (id, district_id, name) VALUES (?, ?, ?)"))
            .bind(id)
            .bind(district)
            .bind(name)
            .execute(self.for_writes())
            .await?;
        Ok(())
    }

    pub async fn organizations(&self, municipality: &str) -> Result<Vec<Organization>, StorageError> {
        let rows = sqlx::query(
            &self
                .sql("SELECT id, name, services, phone FROM organizations WHERE municipality_id = ? ORDER BY name, id"),
        )
        .bind(municipality)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Organization {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    services: r.try_get("services")?,
                    phone: r.try_get("phone")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    pub async fn insert_organization(
        &self,
        org: &Organization,
        municipality: &str,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        sqlx::query(&self.sql(
            "INSERT INTO organizations (id, municipality_id, name, services, phone, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        ))
        .bind(&org.id)
        .bind(municipality)
        .bind(&org.name)
        .bind(&org.services)
        .bind(&org.phone)
        .bind(now)
        .execute(self.for_writes())
        .await?;
        Ok(())
    }

    pub async fn organization_in_municipality(&self, id: &str, municipality: &str) -> Result<bool, StorageError> {
        Ok(sqlx::query(&self.sql("SELECT 1 AS ok FROM organizations WHERE id = ? AND municipality_id = ?"))
            .bind(id)
            .bind(municipality)
            .fetch_optional(&self.pool)
            .await?
            .is_some())
    }
}
