//! The management screens for 社協 coordinators and admins (`/admin/…`). They work online only:
//! coordinators work in the office, and nothing here is kept on the device.

mod activity;
pub mod api;
mod areas;
mod cases;
mod conflicts;
mod devices;
mod disaster;
mod home;
mod map;
mod meetings;
mod organizations;
mod person_detail;
mod person_form;
mod persons;
mod reports;
mod security;
mod users;
mod widgets;

pub use widgets::{edit_loaded, loaded, read_ok, ManagerOnly, ReadStatus, ServerRead};

use activity::ActivityAdminPage;
use areas::AreasPage;
use cases::CasesPage;
use conflicts::ConflictsPage;
use devices::DevicesPage;
use disaster::{EventBoardPage, EventsPage};
use home::AdminHomePage;
use leptos::prelude::*;
use map::MapAdminPage;
use meetings::{MeetingPage, MeetingsPage};
use organizations::OrganizationsPage;
use person_detail::PersonAdminPage;
use person_form::NewPersonPage;
use persons::PersonsAdminPage;
use reports::ReportsPage;
use security::SecurityPage;
use users::UsersPage;

/// Which management screen a route shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminScreen {
    Home,
    Persons,
    NewPerson,
    Person,
    Users,
    Areas,
    Organizations,
    Devices,
    Conflicts,
    Activity,
    /// セキュリティ記録 (admins).
    Security,
    /// 依頼一覧: coordinators route requests, partner staff report progress (not managers only).
    Requests,
    /// 地図: everyone in the coordinator's districts on a map.
    Map,
    /// 要対応: follow-up cases to acknowledge and act on.
    Cases,
    /// 集計: figures by area and month, with downloads.
    Reports,
    /// 個別ケース検討会: the meetings, and a new one.
    Meetings,
    /// One meeting's agenda and decisions.
    Meeting,
    /// 安否確認: the events, and a new one.
    Events,
    /// One event's board.
    Event,
}

/// Every management screen, behind one split point: `cargo leptos build --split` moves all of
/// this into a separate wasm chunk that only a coordinator's browser ever downloads, so the
/// field users' first load does not carry it.
#[lazy]
pub fn admin_screen(screen: AdminScreen) -> AnyView {
    match screen {
        AdminScreen::Home => view! { <AdminHomePage/> }.into_any(),
        AdminScreen::Persons => view! { <PersonsAdminPage/> }.into_any(),
        AdminScreen::NewPerson => view! { <NewPersonPage/> }.into_any(),
        AdminScreen::Person => view! { <PersonAdminPage/> }.into_any(),
        AdminScreen::Users => view! { <UsersPage/> }.into_any(),
        AdminScreen::Areas => view! { <AreasPage/> }.into_any(),
        AdminScreen::Organizations => view! { <OrganizationsPage/> }.into_any(),
        AdminScreen::Devices => view! { <DevicesPage/> }.into_any(),
        AdminScreen::Conflicts => view! { <ConflictsPage/> }.into_any(),
        AdminScreen::Activity => view! { <ActivityAdminPage/> }.into_any(),
        AdminScreen::Security => view! { <SecurityPage/> }.into_any(),
        AdminScreen::Requests => view! { <crate::ui::requests::RequestsPage/> }.into_any(),
        AdminScreen::Map => view! { <MapAdminPage/> }.into_any(),
        AdminScreen::Cases => view! { <CasesPage/> }.into_any(),
        AdminScreen::Reports => view! { <ReportsPage/> }.into_any(),
        AdminScreen::Meetings => view! { <MeetingsPage/> }.into_any(),
        AdminScreen::Meeting => view! { <MeetingPage/> }.into_any(),
        AdminScreen::Events => view! { <EventsPage/> }.into_any(),
        AdminScreen::Event => view! { <EventBoardPage/> }.into_any(),
    }
}
