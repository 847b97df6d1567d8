//! Who may do what: every set of roles the server checks, named once.
//!
//! Why one module: the same rule ("民生委員, coordinators and admins may change a person") used to be
//! written in the push handler and again in the REST handlers, and the two could drift. Handlers
//! and [`crate::apply`] name a set from here; *which persons* a role reaches is decided in SQL by
//! the scope function in `storage::persons`, not here. The authorization-matrix test
//! (`server/tests/authorization.rs`) holds these sets against every route from the outside.

use mimamori_core::domain::Role;

/// Everyone who watches over persons: they read the persons in their scope and push field records.
/// Partner staff are outside the watch network and reach persons only through referred requests.
pub const WATCHERS: &[Role] = &[Role::Volunteer, Role::Commissioner, Role::Coordinator, Role::Admin];

/// Who may register a person, change their record and record their consent. Volunteers are
/// neighbours, not office holders.
pub const PERSON_EDITORS: &[Role] = &[Role::Commissioner, Role::Coordinator, Role::Admin];

/// Only 民生委員 keep a monthly 活動記録.
pub const ACTIVITY_REPORTERS: &[Role] = &[Role::Commissioner];

/// Who acts on 要対応 cases: the office, and 民生委員 from their phones (volunteers only raise
/// signals and hear what became of them).
pub const CASE_WORKERS: &[Role] = &[Role::Commissioner, Role::Coordinator, Role::Admin];

/// The 社協 office: users, assignments, conflicts, activity records, audit logs of persons.
pub const OFFICE: &[Role] = &[Role::Coordinator, Role::Admin];

/// Who works on 相談・依頼: coordinators route them, partner staff report progress.
pub const REQUEST_WORKERS: &[Role] = &[Role::Coordinator, Role::Admin, Role::PartnerStaff];

/// Who may see the list of partner organisations (a 民生委員 picks one when referring).
pub const ORGANIZATION_READERS: &[Role] = &[Role::Commissioner, Role::Coordinator, Role::Admin];

/// System administration: areas, organisations, password resets, the security log.
pub const ADMINS: &[Role] = &[Role::Admin];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partner_staff_reach_persons_only_through_requests() {
        for set in [WATCHERS, PERSON_EDITORS, ACTIVITY_REPORTERS, CASE_WORKERS, OFFICE, ORGANIZATION_READERS, ADMINS] {
            assert!(!set.contains(&Role::PartnerStaff));
        }
        assert!(REQUEST_WORKERS.contains(&Role::PartnerStaff));
    }

    #[test]
    fn volunteers_change_no_person_record() {
        assert!(WATCHERS.contains(&Role::Volunteer));
        assert!(!PERSON_EDITORS.contains(&Role::Volunteer) && !OFFICE.contains(&Role::Volunteer));
    }
}
