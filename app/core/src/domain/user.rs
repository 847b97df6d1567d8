//! Who is signed in, and in what role.

use serde::{Deserialize, Serialize};

super::text::safe_id! {
    /// A user's id: opaque text made by the server (`u-` and a UUID's hex digits for new users),
    /// and only ever one that passed [`UserId::parse`].
    UserId, "user id"
}

impl UserId {
    /// The id of a user the server creates now.
    pub fn created(uuid: uuid::Uuid) -> Self {
        Self(format!("u-{}", uuid.simple()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 見守りボランティア: sees only the persons assigned to them.
    Volunteer,
    /// 民生委員: sees the persons in their 担当区域.
    Commissioner,
    /// 社協 coordinator: sees the persons in their districts (地区).
    Coordinator,
    /// Staff of a partner 社会福祉法人: sees only requests referred to their organisation, and only
    /// for persons whose consent allows sharing with partners.
    PartnerStaff,
    /// Manages users, areas, organisations and devices; sees personal data as a coordinator would.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Volunteer => "volunteer",
            Role::Commissioner => "commissioner",
            Role::Coordinator => "coordinator",
            Role::PartnerStaff => "partner_staff",
            Role::Admin => "admin",
        }
    }

    pub const ALL: [Role; 5] =
        [Role::Volunteer, Role::Commissioner, Role::Coordinator, Role::PartnerStaff, Role::Admin];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Coordinators and admins manage the network (persons, users, invites, devices).
    pub fn is_manager(self) -> bool {
        matches!(self, Role::Coordinator | Role::Admin)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub login: String,
    pub display_name: String,
    pub role: Role,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_id_is_only_ever_a_parsed_one() {
        let id: UserId = serde_json::from_str("\"u-sato\"").unwrap();
        assert_eq!(id.as_str(), "u-sato");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"u-sato\"");
        let bad = serde_json::from_str::<UserId>("\"u sato; --\"").unwrap_err().to_string();
        assert!(bad.starts_with("invalid_id: "), "{bad}");
        assert!(UserId::parse("").is_none());
        let made = UserId::created(uuid::Uuid::new_v4());
        assert!(made.as_str().starts_with("u-") && made.as_str().len() == 34);
        assert_eq!(UserId::parse(made.as_str()), Some(made));
    }
}
