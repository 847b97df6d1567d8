//! Persons, always seen through the asking user's scope.

use super::{Storage, StorageError};
use app::domain::{Person, PersonId, Role, User};
use sqlx::Row;

/// SQL condition on `p` (persons) and `d` (districts) that holds when the user bound
/// as the single parameter may see the person. One place decides scope for every query.
pub(super) fn scope_condition(role: Role) -> &'static str {
    match role {
        Role::Volunteer => "EXISTS (SELECT 1 FROM assignments a WHERE a.person_id = p.id AND a.user_id = ?)",
        Role::Commissioner => {
            "EXISTS (SELECT 1 FROM commissioner_areas c WHERE c.small_area_id = p.small_area_id AND c.user_id = ?)"
        }
        Role::Coordinator => "d.municipality_id = (SELECT u.municipality_id FROM users u WHERE u.id = ?)",
    }
}

pub(super) const PERSON_FROM: &str = "FROM persons p
     JOIN small_areas sa ON sa.id = p.small_area_id
     JOIN districts d ON d.id = sa.district_id";

impl Storage {
    /// Everyone the user may see, in kana order.
    pub async fn visible_persons(&self, user: &User) -> Result<Vec<Person>, StorageError> {
        let sql = format!(
            "SELECT p.id, p.name, p.kana, p.address, p.phone, p.lat, p.lng, p.check_interval_days,
                    sa.name AS small_area, d.name AS district
             {PERSON_FROM}
             WHERE p.active = 1 AND {}
             ORDER BY p.kana, p.id",
            scope_condition(user.role)
        );
        let rows = sqlx::query(&self.sql(&sql)).bind(&user.id.0).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(Person {
                    id: PersonId(r.try_get("id")?),
                    name: r.try_get("name")?,
                    kana: r.try_get("kana")?,
                    address: r.try_get("address")?,
                    phone: r.try_get("phone")?,
                    lat: r.try_get("lat")?,
                    lng: r.try_get("lng")?,
                    small_area: r.try_get("small_area")?,
                    district: r.try_get("district")?,
                    check_interval_days: r.try_get::<i64, _>("check_interval_days")?.clamp(1, 365) as u32,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Whether the user may see (and so record against) this person.
    pub async fn person_visible<'c, E>(&self, executor: E, user: &User, person: &PersonId) -> Result<bool, StorageError>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        let sql =
            format!("SELECT 1 AS ok {PERSON_FROM} WHERE p.id = ? AND p.active = 1 AND {}", scope_condition(user.role));
        let row = sqlx::query(&self.sql(&sql)).bind(&person.0).bind(&user.id.0).fetch_optional(executor).await?;
        Ok(row.is_some())
    }
}
