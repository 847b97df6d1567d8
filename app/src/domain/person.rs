//! 見守り対象者: the people the network watches over.

use serde::{Deserialize, Serialize};

/// Server-assigned person id (opaque text, so storage can change without touching clients).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonId(pub String);

impl PersonId {
    /// Ids travel in URLs; refuse anything that is not a short run of safe characters.
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = !raw.is_empty()
            && raw.len() <= 64
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a device holds about one person it may see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub name: String,
    pub kana: String,
    pub address: String,
    pub phone: Option<String>,
    pub lat: f64,
    pub lng: f64,
    pub small_area: String,
    pub district: String,
    /// Expected days between checks; an overdue check is itself a warning sign.
    pub check_interval_days: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_id_accepts_safe_ids_only() {
        assert!(PersonId::parse("p-0001").is_some());
        assert!(PersonId::parse("").is_none());
        assert!(PersonId::parse("../etc/passwd").is_none());
        assert!(PersonId::parse("1' OR '1'='1").is_none());
        assert!(PersonId::parse(&"a".repeat(65)).is_none());
    }
}
