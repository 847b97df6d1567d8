//! Who is signed in, and in what role.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub String);

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
