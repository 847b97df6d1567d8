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
    /// 社協 coordinator: sees their municipality.
    Coordinator,
}

impl Role {
    pub fn label_ja(self) -> &'static str {
        match self {
            Role::Volunteer => "見守りボランティア",
            Role::Commissioner => "民生委員",
            Role::Coordinator => "社協コーディネーター",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Volunteer => "volunteer",
            Role::Commissioner => "commissioner",
            Role::Coordinator => "coordinator",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Role::Volunteer, Role::Commissioner, Role::Coordinator].into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub login: String,
    pub display_name: String,
    pub role: Role,
}
