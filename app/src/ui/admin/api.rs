//! What the management screens ask of the server: one typed function per endpoint, all through
//! the browser's HTTP client (which adds the CSRF header). Management is online-only, so nothing
//! here touches the device store.

use crate::api::admin::{
    ActivitySummary, AreaTree, AuditEntry, ConflictChoice, ConflictSummary, DeviceInfo, Invite, NewOrganizationRequest,
    NewPersonRequest, NewSmallAreaRequest, NewUserRequest, Organization, PersonDetail, PersonSummary,
    RecordConsentRequest, RequestSummary, ResetPasswordRequest, ResolveConflictRequest, RouteRequest, SecurityEntry,
    SetAreasRequest, SetAssignmentsRequest, SmallArea, UpdatePersonRequest, UserSummary,
};
use crate::api::cases::{CaseDetail, CaseList};
use crate::api::meetings::{Agenda, Audience, Decision, DecisionOutcome, MeetingSummary, NewMeeting};
use crate::api::ApiErrorBody;
use crate::client::{http, ClientError};
use crate::domain::text::is_safe_id;
use crate::domain::{CaseUpdate, Month, PersonId};
use crate::error::ErrorCode;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub const OFFLINE_VIEW_JA: &str = "オフラインのため表示できません。電波のある場所でもう一度お試しください。";

/// Why a management call did not succeed, sorted by what the user can do about it.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    Offline,
    /// The session ended: sign in again.
    SignIn,
    /// The server refused and said why (403 `forbidden`, 404, validation…).
    Refused(ApiErrorBody),
    Server,
}

impl Failure {
    /// The server's error code, when it gave one (`invalid_name`…), so a form can place the message.
    pub fn code(&self) -> &str {
        match self {
            Failure::Refused(b) => b.code.wire(),
            _ => "",
        }
    }

    /// In words for the user, after an action (saving, issuing…).
    pub fn message_ja(&self) -> String {
        match self {
            Failure::Offline => "オフラインのため送信できません。電波のある場所でもう一度お試しください。".into(),
            Failure::SignIn => "サインインの有効期限が切れました。もう一度サインインしてください。".into(),
            Failure::Refused(b) if b.code == ErrorCode::Forbidden => "この操作をする権限がありません。".into(),
            Failure::Refused(b) if b.code == ErrorCode::NotFound && b.message_ja.is_empty() => {
                "見つかりません。".into()
            }
            Failure::Refused(b) => b.message_ja.clone(),
            Failure::Server => "サーバーでエラーが起きました。しばらくしてからもう一度お試しください。".into(),
        }
    }
}

#[derive(Serialize)]
struct Empty {}

/// An id as one URL path segment. Ids are short runs of safe characters; anything else (which no
/// server answer contains) becomes an id that matches nothing, so no value can change the path.
fn seg(raw: &str) -> &str {
    if is_safe_id(raw) {
        raw
    } else {
        "-"
    }
}

/// Everyone in the coordinator's districts, for the map.
pub async fn map_view() -> Result<crate::api::map::MapView, Failure> {
    get("/map").await
}

/// One person's side panel on the map.
pub async fn map_panel(id: &PersonId) -> Result<crate::api::map::MapPanel, Failure> {
    get(&format!("/map/persons/{}", seg(id.as_str()))).await
}

pub async fn areas() -> Result<AreaTree, Failure> {
    get("/areas").await
}

pub async fn add_small_area(req: &NewSmallAreaRequest) -> Result<SmallArea, Failure> {
    post("/areas", req).await
}

pub async fn persons() -> Result<Vec<PersonSummary>, Failure> {
    get("/persons").await
}

pub async fn person(id: &PersonId) -> Result<PersonDetail, Failure> {
    get(&format!("/persons/{}", seg(id.as_str()))).await
}

pub async fn create_person(req: &NewPersonRequest) -> Result<PersonDetail, Failure> {
    post("/persons", req).await
}

pub async fn update_person(id: &PersonId, req: &UpdatePersonRequest) -> Result<PersonDetail, Failure> {
    put(&format!("/persons/{}", seg(id.as_str())), req).await
}

pub async fn record_consent(id: &PersonId, req: &RecordConsentRequest) -> Result<PersonDetail, Failure> {
    post(&format!("/persons/{}/consents", seg(id.as_str())), req).await
}

pub async fn withdraw_consent(id: &PersonId) -> Result<PersonDetail, Failure> {
    post(&format!("/persons/{}/consents/withdraw", seg(id.as_str())), &Empty {}).await
}

pub async fn audit(id: &PersonId) -> Result<Vec<AuditEntry>, Failure> {
    get(&format!("/persons/{}/audit", seg(id.as_str()))).await
}

pub async fn organizations() -> Result<Vec<Organization>, Failure> {
    get("/organizations").await
}

pub async fn add_organization(req: &NewOrganizationRequest) -> Result<Organization, Failure> {
    post("/organizations", req).await
}

pub async fn users() -> Result<Vec<UserSummary>, Failure> {
    get("/users").await
}

pub async fn add_user(req: &NewUserRequest) -> Result<UserSummary, Failure> {
    post("/users", req).await
}

pub async fn set_assignments(user_id: &str, req: &SetAssignmentsRequest) -> Result<UserSummary, Failure> {
    put(&format!("/users/{}/assignments", seg(user_id)), req).await
}

pub async fn set_areas(user_id: &str, req: &SetAreasRequest) -> Result<UserSummary, Failure> {
    put(&format!("/users/{}/areas", seg(user_id)), req).await
}

pub async fn issue_invite(user_id: &str) -> Result<Invite, Failure> {
    post(&format!("/users/{}/invites", seg(user_id)), &Empty {}).await
}

/// Disables (`true`) or enables a user.
pub async fn set_disabled(user_id: &str, disabled: bool) -> Result<UserSummary, Failure> {
    let verb = if disabled { "disable" } else { "enable" };
    post(&format!("/users/{}/{verb}", seg(user_id)), &Empty {}).await
}

/// Sets a temporary password the user must change at their next sign-in (admins).
pub async fn reset_password(user_id: &str, password: String) -> Result<UserSummary, Failure> {
    post(&format!("/users/{}/password", seg(user_id)), &ResetPasswordRequest { password }).await
}

/// The security log, newest first; `before` pages back.
pub async fn security_events(before: Option<i64>) -> Result<Vec<SecurityEntry>, Failure> {
    match before {
        Some(seq) => get(&format!("/security-events?before={seq}")).await,
        None => get("/security-events").await,
    }
}

pub async fn devices() -> Result<Vec<DeviceInfo>, Failure> {
    get("/devices").await
}

pub async fn revoke_device(id: &str) -> Result<(), Failure> {
    delete(&format!("/devices/{}", seg(id))).await
}

pub async fn requests() -> Result<Vec<RequestSummary>, Failure> {
    get("/requests").await
}

pub async fn activity_reports(month: Month) -> Result<Vec<ActivitySummary>, Failure> {
    get(&format!("/activity-reports?month={month}")).await
}

pub async fn route_request(id: &str, req: &RouteRequest) -> Result<RequestSummary, Failure> {
    put(&format!("/requests/{}", seg(id)), req).await
}

/// 集計 for a period and area (`from=…&to=…&district=…&area=…`, made by the report screen).
pub async fn report(query: String) -> Result<crate::api::reports::Report, Failure> {
    get(&format!("/reports?{query}")).await
}

/// 要対応: the queue of follow-up cases in the coordinator's districts.
pub async fn cases() -> Result<CaseList, Failure> {
    get("/cases").await
}

/// One case with its timeline (each opening is audited).
pub async fn case(id: &str) -> Result<CaseDetail, Failure> {
    get(&format!("/cases/{}", seg(id))).await
}

/// 確認しました.
pub async fn acknowledge_case(id: &str) -> Result<CaseDetail, Failure> {
    post(&format!("/cases/{}/acknowledge", seg(id)), &Empty {}).await
}

pub async fn update_case(id: &str, update: &CaseUpdate) -> Result<CaseDetail, Failure> {
    put(&format!("/cases/{}", seg(id)), update).await
}

/// 個別ケース検討会: the meetings holding cases of the user's districts.
pub async fn meetings() -> Result<Vec<MeetingSummary>, Failure> {
    get("/meetings").await
}

pub async fn create_meeting(m: &NewMeeting) -> Result<MeetingSummary, Failure> {
    post("/meetings", m).await
}

/// Changes a meeting's date, name and the user's cases on it.
pub async fn change_meeting(id: &str, m: &NewMeeting) -> Result<MeetingSummary, Failure> {
    put(&format!("/meetings/{}", seg(id)), m).await
}

/// A meeting's agenda for the audience in the room (each view is audited).
pub async fn agenda(id: String, audience: Audience) -> Result<Agenda, Failure> {
    get(&format!("/meetings/{}?audience={}", seg(&id), audience.as_str())).await
}

/// Says the agenda is about to be printed (audited per person), before the print dialog opens.
pub async fn agenda_printed(id: &str, audience: Audience) -> Result<(), Failure> {
    Ok(http::post_empty(&format!("/meetings/{}/printed?audience={}", seg(id), audience.as_str())).await?)
}

pub async fn decide(meeting: &str, decisions: &[Decision]) -> Result<Vec<DecisionOutcome>, Failure> {
    post(&format!("/meetings/{}/decisions", seg(meeting)), &decisions).await
}

/// The base map's setting (the board's map; the office map gets it with its view).
pub async fn map_tiles() -> Result<crate::api::map::TileSource, Failure> {
    get("/map/tiles").await
}

/// 安否確認: the events with an area in the user's districts.
pub async fn events() -> Result<Vec<crate::api::disaster::EventSummary>, Failure> {
    get("/events").await
}

pub async fn start_event(e: &crate::api::disaster::NewEvent) -> Result<crate::api::disaster::EventSummary, Failure> {
    post("/events", e).await
}

/// An event's board (each person shown is audited once a day).
pub async fn event_board(id: &str) -> Result<crate::api::disaster::EventBoard, Failure> {
    get(&format!("/events/{}", seg(id))).await
}

pub async fn add_event_areas(
    id: &str,
    add: &crate::api::disaster::AddAreas,
) -> Result<crate::api::disaster::EventSummary, Failure> {
    post(&format!("/events/{}/areas", seg(id)), add).await
}

pub async fn hand_over(
    id: &str,
    h: &crate::api::disaster::HandOver,
) -> Result<crate::api::disaster::HandedOver, Failure> {
    post(&format!("/events/{}/checkers", seg(id)), h).await
}

pub async fn close_event(id: &str) -> Result<crate::api::disaster::EventSummary, Failure> {
    post(&format!("/events/{}/close", seg(id)), &Empty {}).await
}

/// Field edits that met another edit of the same field, for the coordinator to settle.
pub async fn conflicts() -> Result<Vec<ConflictSummary>, Failure> {
    get("/conflicts").await
}

pub async fn resolve_conflict(id: &str, keep: ConflictChoice) -> Result<Vec<ConflictSummary>, Failure> {
    post(&format!("/conflicts/{}/resolve", seg(id)), &ResolveConflictRequest { keep }).await
}

/// Opens the browser's print dialog (for an invite sheet).
pub fn print() {
    crate::client::device::print();
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Offline => Failure::Offline,
            ClientError::SignedOut | ClientError::Revoked => Failure::SignIn,
            ClientError::Refused { code, message_ja } => {
                Failure::Refused(ApiErrorBody { code, message: String::new(), message_ja })
            }
            _ => Failure::Server,
        }
    }
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, Failure> {
    Ok(http::get(path).await?)
}

async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, Failure> {
    Ok(http::post(path, body).await?)
}

async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, Failure> {
    Ok(http::put(path, body).await?)
}

async fn delete(path: &str) -> Result<(), Failure> {
    Ok(http::delete(path).await?)
}

#[cfg(test)]
mod tests {
    use super::seg;

    #[test]
    fn ids_stay_one_path_segment() {
        assert_eq!(seg("u-0001"), "u-0001");
        assert_eq!(seg(".."), "-");
        assert_eq!(seg("a/b?c#"), "-");
    }
}
