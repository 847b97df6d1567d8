//! Wire types of the management API (coordinators, admins, 民生委員 registering persons,
//! partner staff reading their requests). Requests deny unknown fields.

use crate::domain::{
    Consent, ConsentInput, ConsentScopes, EpochMillis, HouseholdType, PersonFields, PersonId, Role, User, UserId,
};
use serde::{Deserialize, Serialize};

/// A row of the person list: enough to find someone, nothing more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonSummary {
    pub id: PersonId,
    pub name: String,
    pub kana: String,
    pub small_area_id: String,
    pub small_area: String,
    pub district: String,
    pub household_type: HouseholdType,
    pub needs_evacuation_help: bool,
    pub active: bool,
    /// The consent in force (all false when none is).
    pub consent: ConsentScopes,
}

/// One person, whole: fields, consent history and who watches them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonDetail {
    pub id: PersonId,
    pub fields: PersonFields,
    pub small_area: String,
    pub district: String,
    /// The consent in force, if any.
    pub consent: Option<Consent>,
    /// Every consent ever recorded, newest first (withdrawn ones included).
    pub consent_history: Vec<Consent>,
    /// Volunteers assigned to this person.
    pub volunteers: Vec<UserBrief>,
    pub updated_at: EpochMillis,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPersonRequest {
    pub person: PersonFields,
    /// Registering someone starts with their consent (本人同意).
    pub consent: ConsentInput,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdatePersonRequest {
    pub person: PersonFields,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordConsentRequest {
    pub consent: ConsentInput,
}

/// One line of the audit log: who touched a person's data, from which device, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: EpochMillis,
    pub user: UserBrief,
    pub device_id: Option<String>,
    pub action: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserBrief {
    pub id: UserId,
    pub login: String,
    pub display_name: String,
    pub role: Role,
}

impl From<User> for UserBrief {
    fn from(u: User) -> Self {
        UserBrief { id: u.id, login: u.login, display_name: u.display_name, role: u.role }
    }
}

/// The municipality's areas: districts (地区) and their small areas (小地域).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaTree {
    pub municipality_id: String,
    pub municipality: String,
    pub districts: Vec<DistrictNode>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistrictNode {
    pub id: String,
    pub name: String,
    pub small_areas: Vec<SmallArea>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmallArea {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSmallAreaRequest {
    pub district_id: String,
    pub name: String,
}

/// A partner organisation (社会福祉法人 and others) that requests can be referred to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    /// What they can help with, in words (除雪, 買い物, 通院…).
    pub services: String,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrganizationRequest {
    pub name: String,
    #[serde(default)]
    pub services: String,
    #[serde(default)]
    pub phone: Option<String>,
}

/// A user as managers see them, with what they are responsible for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub user: UserBrief,
    pub organization_id: Option<String>,
    /// Volunteers: the persons they watch.
    pub person_ids: Vec<PersonId>,
    /// 民生委員: their 担当区域; coordinators and admins: their districts.
    pub area_ids: Vec<String>,
    pub active_devices: u32,
    pub has_password: bool,
    /// Disabled: cannot sign in or enrol, and every device was revoked.
    #[serde(default)]
    pub disabled: bool,
    /// An admin reset the password: nothing but changing it works until it is changed.
    #[serde(default)]
    pub must_change_password: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    /// Staff sign in with a password; volunteers are enrolled by invite and need none.
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub organization_id: Option<String>,
    /// Small areas (民生委員) or districts (coordinators, admins).
    #[serde(default)]
    pub area_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetAssignmentsRequest {
    pub person_ids: Vec<PersonId>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetAreasRequest {
    pub area_ids: Vec<String>,
}

/// A one-time code that enrols a volunteer's phone; shown as text and as a QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    /// Grouped for reading aloud or typing: `ABCD-EFGH-JKMN`.
    pub code: String,
    /// The enrolment address (`/enroll#code`) the QR code holds.
    pub url: String,
    /// The QR code as an SVG document (generated by the server; no script in it).
    pub qr_svg: String,
    pub expires_at: EpochMillis,
    pub for_user: UserBrief,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    pub code: String,
}

/// One security event: a sign-in, enrolment, invite, revocation or a change to who may do what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEntry {
    /// Newest first; pass the last one's `seq` as `before` for the next page.
    pub seq: i64,
    pub at: EpochMillis,
    /// `sign_in`, `sign_in.failed`, `invite.issue`, `device.enroll`, `user.disable`, … (see SECURITY.md).
    pub action: String,
    /// Who did it (none for a failed sign-in).
    pub actor: Option<UserBrief>,
    /// Whose account it concerns.
    pub subject: Option<UserBrief>,
    pub device_id: Option<String>,
    pub detail: String,
}

/// `PUT /me/password`: change one's own password.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current: String,
    pub new: String,
}

/// `POST /users/{id}/password` (admins): a temporary password the user must change at sign-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    pub password: String,
}

/// A signed-in device (a session), as its owner or a manager sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub id: String,
    pub user: UserBrief,
    pub user_agent: Option<String>,
    pub created_at: EpochMillis,
    pub last_seen_at: EpochMillis,
    pub revoked_at: Option<EpochMillis>,
    /// The device asking.
    pub current: bool,
}

pub use crate::domain::RequestStatus;

/// A request as the people working on it see it. Partner staff see only those referred to their
/// organisation, and only for persons who agreed to sharing with partners.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSummary {
    pub id: String,
    pub person_id: PersonId,
    pub person_name: String,
    pub person_address: String,
    pub person_phone: Option<String>,
    pub need: crate::domain::Need,
    pub detail: String,
    pub status: RequestStatus,
    pub organization_id: Option<String>,
    pub organization: Option<String>,
    /// The person asked for a partner corporation's help.
    pub to_partner: bool,
    /// Their consent in force allows sharing with partners (else no partner may be chosen).
    pub shares_with_partners: bool,
    pub raised_by_name: String,
    pub created_at: EpochMillis,
    /// The last change of status or routing.
    pub updated_at: EpochMillis,
}

/// `PUT /requests/{id}`: where the request stands now and who works on it. Partner staff may
/// change only the status of requests referred to them (and send no `organization_id`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteRequest {
    pub status: RequestStatus,
    #[serde(default)]
    pub organization_id: Option<String>,
}

/// A 民生委員's 活動記録 for a month, as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivitySummary {
    pub user: UserBrief,
    /// The district (地区民児協) of the 民生委員's areas, first by name; none while they have no area.
    #[serde(default)]
    pub district: Option<String>,
    pub report: crate::domain::ActivityReport,
    pub submitted_at: EpochMillis,
}

/// A 地区民児協's month: its 民生委員's records added up, in the same format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrictActivity {
    /// None: 民生委員 with no area yet.
    pub district: Option<String>,
    /// How many records were added.
    pub records: u32,
    pub figures: crate::domain::ActivityReport,
}

/// The month's records rolled up per district, by district name (those with none last), then
/// the whole: the office's report to the municipality. `None` when there are no records.
pub fn activity_by_district(
    month: &crate::domain::Month,
    list: &[ActivitySummary],
) -> Option<(Vec<DistrictActivity>, DistrictActivity)> {
    use crate::domain::ActivityReport;
    if list.is_empty() {
        return None;
    }
    let mut districts: std::collections::BTreeMap<(bool, Option<&str>), DistrictActivity> = Default::default();
    let mut whole = DistrictActivity { district: None, records: 0, figures: ActivityReport::empty(month.clone()) };
    for s in list {
        let d = districts.entry((s.district.is_none(), s.district.as_deref())).or_insert_with(|| DistrictActivity {
            district: s.district.clone(),
            records: 0,
            figures: ActivityReport::empty(month.clone()),
        });
        d.records += 1;
        d.figures.add(&s.report);
        whole.records += 1;
        whole.figures.add(&s.report);
    }
    Some((districts.into_values().collect(), whole))
}

/// Two people changed the same field differently while offline: both values, for a coordinator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictSummary {
    pub id: String,
    pub person_id: PersonId,
    pub person_name: String,
    pub field: crate::domain::PersonField,
    /// The value the person record holds now.
    pub current: crate::domain::FieldValue,
    pub current_by: Option<String>,
    /// The value that arrived later from someone who had not seen the current one.
    pub other: crate::domain::FieldValue,
    pub other_by: String,
    pub created_at: EpochMillis,
}

/// Which of the two values stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictChoice {
    Current,
    Other,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveConflictRequest {
    pub keep: ConflictChoice,
}
