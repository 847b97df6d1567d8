//! 活動記録: a 民生委員's monthly activity record. The figures are counted from their own records
//! for the month (visits, phone calls, consultations by subject, days active), may be corrected
//! by hand (not everything a 民生委員 does goes through the app), and are submitted once a month.

use super::{
    CalendarDate, Check, CheckMethod, EpochMillis, FieldRequest, HouseholdType, Month, Need, Person, PersonId, UserId,
    ValidationError,
};
use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// Most any one figure may be: a month has fewer hours than this.
const MAX_COUNT: u32 = 9999;

/// 相談・支援 by subject, as the paper record groups them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BySubject {
    /// 高齢者に関すること
    pub elderly: u32,
    /// 障害者に関すること
    pub disability: u32,
    /// 子どもに関すること
    pub children: u32,
    /// その他
    pub other: u32,
}

impl BySubject {
    pub fn total(&self) -> u32 {
        self.elderly + self.disability + self.children + self.other
    }
}

/// 連絡調整: who the 民生委員 liaised with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Liaison {
    /// 社会福祉協議会
    pub council: u32,
    /// 行政（市町村）
    pub municipality: u32,
    /// 地域包括支援センター
    pub care_center: u32,
    /// その他の関係機関
    pub other_bodies: u32,
}

/// 相談の内容: how many consultations were about one kind of need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeedCount {
    pub need: Need,
    pub count: u32,
}

/// One month's record, as counted and then corrected by the 民生委員.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityReport {
    pub month: Month,
    /// 訪問回数
    pub visits: u32,
    /// 電話での連絡
    pub phone_calls: u32,
    /// 声かけ・外からの見守り
    pub other_contacts: u32,
    /// 相談・支援件数, by subject
    pub consultations: BySubject,
    /// 相談の内容: one line per need of the checklist, in its order.
    #[serde(default)]
    pub contents: Vec<NeedCount>,
    pub liaison: Liaison,
    /// 活動日数
    pub days_active: u32,
    /// 特記事項
    #[serde(default)]
    pub note: String,
}

/// The subject a person's consultation counts under.
fn subject_of(h: HouseholdType) -> fn(&mut BySubject) -> &mut u32 {
    match h {
        HouseholdType::SingleElderly | HouseholdType::ElderlyOnly => |s| &mut s.elderly,
        HouseholdType::Disability => |s| &mut s.disability,
        HouseholdType::ChildRearing => |s| &mut s.children,
        HouseholdType::Other => |s| &mut s.other,
    }
}

impl ActivityReport {
    /// Counts the month from `me`'s own records. `day_of` gives a time's local calendar day.
    pub fn count(
        month: &Month,
        me: &UserId,
        checks: &[Check],
        requests: &[FieldRequest],
        persons: &[Person],
        day_of: impl Fn(EpochMillis) -> CalendarDate,
    ) -> Self {
        let mut r = ActivityReport {
            month: month.clone(),
            visits: 0,
            phone_calls: 0,
            other_contacts: 0,
            consultations: BySubject::default(),
            contents: Need::ALL.into_iter().map(|need| NeedCount { need, count: 0 }).collect(),
            liaison: Liaison::default(),
            days_active: 0,
            note: String::new(),
        };
        let mut days = BTreeSet::new();
        for c in checks.iter().filter(|c| &c.author_id == me) {
            let day = day_of(c.recorded_at);
            if !day.is_in(month) {
                continue;
            }
            days.insert(day);
            match c.method {
                Some(CheckMethod::Visit) => r.visits += 1,
                Some(CheckMethod::Phone) => r.phone_calls += 1,
                Some(CheckMethod::Greeting | CheckMethod::Outside) | None => r.other_contacts += 1,
            }
        }
        let household: HashMap<&PersonId, HouseholdType> = persons.iter().map(|p| (&p.id, p.household_type)).collect();
        for q in requests.iter().filter(|q| &q.raised_by == me) {
            let day = day_of(q.created_at);
            if !day.is_in(month) {
                continue;
            }
            days.insert(day);
            let h = household.get(&q.person_id).copied().unwrap_or(HouseholdType::Other);
            *subject_of(h)(&mut r.consultations) += 1;
            if let Some(line) = r.contents.iter_mut().find(|c| c.need == q.need) {
                line.count += 1;
            }
            // Every request is passed to 社協, which routes it.
            r.liaison.council += 1;
        }
        r.days_active = days.len() as u32;
        r
    }

    /// A month of the service's years (2020–2100; a real month by its type), figures a month can
    /// hold, a note of at most 1000 characters.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        if !(2020..=2100).contains(&self.month.year()) {
            return Err(ValidationError {
                code: ErrorCode::InvalidMonth,
                detail: "a record's month is 2020 to 2100".into(),
            });
        }
        let c = &self.consultations;
        let l = &self.liaison;
        let figures = [
            self.visits,
            self.phone_calls,
            self.other_contacts,
            c.elderly,
            c.disability,
            c.children,
            c.other,
            l.council,
            l.municipality,
            l.care_center,
            l.other_bodies,
        ];
        let mut needs: Vec<Need> = self.contents.iter().map(|c| c.need).collect();
        needs.sort();
        needs.dedup();
        if figures.iter().chain(self.contents.iter().map(|c| &c.count)).any(|&n| n > MAX_COUNT)
            || needs.len() != self.contents.len()
        {
            return Err(ValidationError {
                code: ErrorCode::InvalidCount,
                detail: format!("each figure is at most {MAX_COUNT}"),
            });
        }
        if self.days_active > 31 {
            return Err(ValidationError {
                code: ErrorCode::InvalidDaysActive,
                detail: "at most 31 days in a month".into(),
            });
        }
        self.note = super::text::multiline(&self.note, 1000, ErrorCode::InvalidNote)?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CheckId, CheckKind, CheckOutcome, Need, RequestStatus, SyncState};

    const DAY: i64 = 86_400_000;
    /// 2026-11-01T00:00:00Z; days are taken in UTC in these tests.
    const NOV_1: i64 = 1_793_491_200_000;

    fn day_of(ms: EpochMillis) -> CalendarDate {
        CalendarDate::at(ms, 0)
    }

    fn check(me: &str, at: EpochMillis, method: Option<CheckMethod>) -> Check {
        Check {
            id: CheckId(uuid::Uuid::new_v4()),
            person_id: PersonId::parse("p-1").unwrap(),
            outcome: CheckOutcome::AllWell,
            note: None,
            recorded_at: at,
            received_at: None,
            author_id: UserId::parse(me).unwrap(),
            author_name: String::new(),
            method,
            concerns: Vec::new(),
            location: None,
            kind: CheckKind::Watch,
            needs: Vec::new(),
            sync: SyncState::Synced,
            rejection: None,
            rejection_code: None,
        }
    }

    fn request(me: &str, person: &str, at: EpochMillis) -> FieldRequest {
        FieldRequest {
            id: uuid::Uuid::new_v4().to_string(),
            person_id: PersonId::parse(person).unwrap(),
            need: Need::SnowRemoval,
            detail: String::new(),
            status: RequestStatus::Received,
            to_partner: false,
            organization: None,
            raised_by: UserId::parse(me).unwrap(),
            raised_by_name: String::new(),
            created_at: at,
            updated_at: at,
            pending: false,
        }
    }

    fn person(id: &str, h: HouseholdType) -> Person {
        serde_json::from_value(serde_json::json!({"id": id, "name": "x", "kana": "x", "address": "x", "phone": null,
            "lat": 39.8, "lng": 140.2, "small_area": "x", "district": "x", "check_interval_days": 7,
            "household_type": h}))
        .unwrap()
    }

    #[test]
    fn the_month_is_counted_from_my_own_records_only() {
        let me = UserId::parse("u-suzuki").unwrap();
        let checks = vec![
            check("u-suzuki", NOV_1 + 3_600_000, Some(CheckMethod::Visit)),
            check("u-suzuki", NOV_1 + 5 * 3_600_000, Some(CheckMethod::Visit)), // same day
            check("u-suzuki", NOV_1 + 2 * DAY, Some(CheckMethod::Phone)),
            check("u-suzuki", NOV_1 + 3 * DAY, None),
            check("u-sato", NOV_1 + 4 * DAY, Some(CheckMethod::Visit)), // someone else's
            check("u-suzuki", NOV_1 - DAY, Some(CheckMethod::Visit)),   // October
            check("u-suzuki", NOV_1 + 31 * DAY, Some(CheckMethod::Visit)), // December
        ];
        let requests = vec![
            request("u-suzuki", "p-old", NOV_1 + 10 * DAY),
            request("u-suzuki", "p-child", NOV_1 + 10 * DAY),
            request("u-suzuki", "p-gone", NOV_1 + 11 * DAY),
            request("u-sato", "p-old", NOV_1 + 12 * DAY),
        ];
        let persons =
            vec![person("p-old", HouseholdType::SingleElderly), person("p-child", HouseholdType::ChildRearing)];
        let r = ActivityReport::count(&Month::parse("2026-11").unwrap(), &me, &checks, &requests, &persons, day_of);
        assert_eq!((r.visits, r.phone_calls, r.other_contacts), (2, 1, 1));
        assert_eq!(r.consultations, BySubject { elderly: 1, disability: 0, children: 1, other: 1 });
        assert_eq!(r.liaison.council, 3);
        let snow = r.contents.iter().find(|c| c.need == Need::SnowRemoval).unwrap();
        assert_eq!(snow.count, 3, "every request here is about snow");
        assert_eq!(r.contents.len(), Need::ALL.len(), "one line per need, zeros included");
        assert_eq!(r.days_active, 5, "11/1, 11/3, 11/4, 11/11, 11/12");
    }

    #[test]
    fn a_report_holds_a_real_month_and_figures_a_month_can_hold() {
        let me = UserId::parse("u").unwrap();
        let ok = ActivityReport::count(&Month::parse("2026-11").unwrap(), &me, &[], &[], &[], day_of);
        assert!(ok.clone().validate().is_ok());
        for bad in ["2026-13", "2026-1", "26-11", "2026/11", "1999-01"] {
            let json = serde_json::json!({"month": bad, "visits": 0, "phone_calls": 0, "other_contacts": 0,
                "consultations": ok.consultations, "liaison": ok.liaison, "days_active": 0});
            let refused = match serde_json::from_value::<ActivityReport>(json) {
                Err(unreadable) => unreadable.to_string(),
                Ok(read) => read.validate().unwrap_err().code.wire().to_owned(),
            };
            assert!(refused.starts_with("invalid_month"), "{bad}: {refused}");
        }
        let r = ActivityReport { visits: 10_000, ..ok.clone() };
        assert_eq!(r.validate().unwrap_err().code.wire(), "invalid_count");
        let mut twice = ok.clone();
        twice.contents.push(twice.contents[0]);
        assert_eq!(twice.validate().unwrap_err().code.wire(), "invalid_count", "a need listed twice");
        let r = ActivityReport { days_active: 32, ..ok.clone() };
        assert_eq!(r.validate().unwrap_err().code.wire(), "invalid_days_active");
        let r = ActivityReport { note: "  雪の多い月だった ".into(), ..ok };
        assert_eq!(r.validate().unwrap().note, "雪の多い月だった");
    }
}
