//! The management screens for 社協 coordinators and admins (`/admin/…`). They work online only:
//! coordinators work in the office, and nothing here is kept on the device.

pub mod api;
mod areas;
mod devices;
mod home;
mod organizations;
mod person_detail;
mod person_form;
mod persons;
mod users;
mod widgets;

pub use areas::AreasPage;
pub use devices::DevicesPage;
pub use home::AdminHomePage;
pub use organizations::OrganizationsPage;
pub use person_detail::PersonAdminPage;
pub use person_form::NewPersonPage;
pub use persons::PersonsAdminPage;
pub use users::UsersPage;
pub use widgets::{Fetch, FetchStatus, ManagerOnly};
