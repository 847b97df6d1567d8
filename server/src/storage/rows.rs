//! Rows into domain types: the one place a stored row becomes a `PersonFields`, a `User`, a
//! `PersonId`, so every query decodes them alike (a malformed value is a decode error, never a
//! half-filled type). A leaf: it imports no other storage module.

use mimamori_core::domain::{
    ConsentScopes, EmergencyContact, HouseholdType, PersonFields, Role, User, ValidationError,
};
use sqlx::any::AnyRow;
use sqlx::Row;

pub(super) fn decode<T>(what: &str, v: Option<T>) -> Result<T, sqlx::Error> {
    v.ok_or_else(|| sqlx::Error::Decode(format!("unexpected {what} in the database").into()))
}

pub(super) fn flag(r: &AnyRow, col: &str) -> Result<bool, sqlx::Error> {
    Ok(r.try_get::<i64, _>(col)? != 0)
}

pub(super) fn fields_from_row(r: &AnyRow) -> Result<PersonFields, sqlx::Error> {
    let household: String = r.try_get("household_type")?;
    let contacts: String = r.try_get("emergency_contacts")?;
    Ok(PersonFields {
        small_area_id: r.try_get("small_area_id")?,
        name: r.try_get("name")?,
        kana: r.try_get("kana")?,
        address: r.try_get("address")?,
        phone: r.try_get("phone")?,
        lat: r.try_get("lat")?,
        lng: r.try_get("lng")?,
        household_type: decode("household type", HouseholdType::parse(&household))?,
        emergency_contacts: serde_json::from_str::<Vec<EmergencyContact>>(&contacts)
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        check_interval_days: r.try_get::<i64, _>("check_interval_days")?.clamp(1, 365) as u32,
        needs_evacuation_help: flag(r, "needs_evacuation_help")?,
        notes: r.try_get("notes")?,
        active: flag(r, "active")?,
    })
}

pub(super) fn scopes_from_row(r: &AnyRow, prefix: &str) -> Result<ConsentScopes, sqlx::Error> {
    Ok(ConsentScopes {
        record: flag(r, &format!("{prefix}record"))?,
        share_partners: flag(r, &format!("{prefix}share_partners"))?,
        share_disaster: flag(r, &format!("{prefix}share_disaster"))?,
    })
}

pub(super) fn user_from_row(row: &AnyRow) -> Result<User, sqlx::Error> {
    let role: String = row.try_get("role")?;
    let role = Role::parse(&role).ok_or_else(|| sqlx::Error::Decode(format!("unknown role {role}").into()))?;
    Ok(User {
        id: parsed(row.try_get("id")?)?,
        login: row.try_get("login")?,
        display_name: row.try_get("display_name")?,
        role,
    })
}

/// An id or a date as stored, parsed like any other (`PersonId`, `UserId`, `CalendarDate`…): a
/// malformed one is a decode error, never a value of the type.
pub(crate) fn parsed<T: TryFrom<String, Error = ValidationError>>(raw: String) -> Result<T, sqlx::Error> {
    T::try_from(raw).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}
