//! 活動記録: a 民生委員's monthly activity record, in the national format the municipality sends on
//! to the prefecture and the ministry (厚生労働省 福祉行政報告例): 相談・支援件数 by 分野 and by 内容,
//! その他の活動件数, 訪問回数, 連絡調整回数, 活動日数. The figures are counted from the 民生委員's
//! own records for the month, may be corrected by hand (not everything a 民生委員 does goes through
//! the app), and are submitted once a month.
//!
//! Why a fixed set of named figures rather than free lines: the office adds the records of a
//! 地区民児協 up figure by figure, and the form's rows are fixed nationally. Why the record still
//! reads the earlier shape (visits, phone calls, consultations by subject, liaison by body, our own
//! needs as contents): phones keep drafts and unsent records in their store across an update, and
//! the server keeps submitted months; [`Wire`] turns them into this format, losing nothing the
//! format has a place for.

use super::{
    CalendarDate, Check, CheckMethod, EpochMillis, FieldRequest, HouseholdType, Month, Need, Person, PersonId, UserId,
    ValidationError,
};
use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::marker::PhantomData;

/// Most any one figure may be: a month has fewer hours than this.
const MAX_COUNT: u32 = 9999;

/// 相談・支援の分野: whom a consultation was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupportField {
    /// 高齢者に関すること
    Elderly,
    /// 障害者に関すること
    Disability,
    /// 子どもに関すること
    Children,
    /// その他
    Other,
}

impl SupportField {
    pub const ALL: [SupportField; 4] =
        [SupportField::Elderly, SupportField::Disability, SupportField::Children, SupportField::Other];

    /// The 分野 of a consultation about someone in this kind of household.
    pub fn of(household: HouseholdType) -> SupportField {
        match household {
            HouseholdType::SingleElderly | HouseholdType::ElderlyOnly => SupportField::Elderly,
            HouseholdType::Disability => SupportField::Disability,
            HouseholdType::ChildRearing => SupportField::Children,
            HouseholdType::Other => SupportField::Other,
        }
    }
}

/// 相談・支援の内容: what a consultation was about, the form's fourteen columns in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupportContent {
    /// 在宅福祉
    HomeWelfare,
    /// 介護保険
    CareInsurance,
    /// 健康・保健医療
    Health,
    /// 子育て・母子保健
    ChildRearing,
    /// 子どもの地域生活
    ChildCommunity,
    /// 子どもの教育・学校生活
    ChildEducation,
    /// 生活費
    LivingCosts,
    /// 年金・保険
    PensionInsurance,
    /// 仕事
    Work,
    /// 家族関係
    Family,
    /// 住居
    Housing,
    /// 生活環境
    Environment,
    /// 日常的な支援
    DailySupport,
    /// その他
    Other,
}

impl SupportContent {
    pub const ALL: [SupportContent; 14] = [
        SupportContent::HomeWelfare,
        SupportContent::CareInsurance,
        SupportContent::Health,
        SupportContent::ChildRearing,
        SupportContent::ChildCommunity,
        SupportContent::ChildEducation,
        SupportContent::LivingCosts,
        SupportContent::PensionInsurance,
        SupportContent::Work,
        SupportContent::Family,
        SupportContent::Housing,
        SupportContent::Environment,
        SupportContent::DailySupport,
        SupportContent::Other,
    ];

    /// The 内容 a request from our needs checklist counts under. The checklist is what people ask
    /// for; the form asks what the consultation was about:
    /// - 除雪, 買い物, ごみ出し: help with daily life → 日常的な支援;
    /// - 通院: getting to a doctor → 健康・保健医療;
    /// - 家事: help at home, which 社協 meets with home-help services → 在宅福祉;
    /// - 介護相談 → 介護保険 (care is arranged through the insurance);
    /// - 子育て相談 → 子育て・母子保健;
    /// - 生活費・困窮 → 生活費; 住まい → 住居; その他 → その他.
    pub fn of(need: Need) -> SupportContent {
        match need {
            Need::SnowRemoval | Need::Shopping | Need::Garbage => SupportContent::DailySupport,
            Need::Hospital => SupportContent::Health,
            Need::Housework => SupportContent::HomeWelfare,
            Need::CareConsultation => SupportContent::CareInsurance,
            Need::ChildRaising => SupportContent::ChildRearing,
            Need::LivingCosts => SupportContent::LivingCosts,
            Need::Housing => SupportContent::Housing,
            Need::Other => SupportContent::Other,
        }
    }
}

/// その他の活動: work that is not a consultation, the form's six columns in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherActivity {
    /// 調査・実態把握
    Survey,
    /// 行事・事業・会議への参加協力
    Events,
    /// 地域福祉活動・自主活動
    CommunityWork,
    /// 民児協運営・研修
    CouncilAndTraining,
    /// 証明事務
    Certificates,
    /// 要保護児童の発見の通告・仲介
    ChildProtection,
}

impl OtherActivity {
    pub const ALL: [OtherActivity; 6] = [
        OtherActivity::Survey,
        OtherActivity::Events,
        OtherActivity::CommunityWork,
        OtherActivity::CouncilAndTraining,
        OtherActivity::Certificates,
        OtherActivity::ChildProtection,
    ];
}

impl Heading for SupportField {
    const KEYS: &'static [&'static str] = &["elderly", "disability", "children", "other"];
    fn index(self) -> usize {
        self as usize
    }
}

impl Heading for SupportContent {
    const KEYS: &'static [&'static str] = &[
        "home_welfare",
        "care_insurance",
        "health",
        "child_rearing",
        "child_community",
        "child_education",
        "living_costs",
        "pension_insurance",
        "work",
        "family",
        "housing",
        "environment",
        "daily_support",
        "other",
    ];
    fn index(self) -> usize {
        self as usize
    }
}

impl Heading for OtherActivity {
    const KEYS: &'static [&'static str] =
        &["survey", "events", "community_work", "council_and_training", "certificates", "child_protection"];
    fn index(self) -> usize {
        self as usize
    }
}

/// A fixed set of names a breakdown counts under: the form's columns, in its order.
pub trait Heading: Copy {
    /// The names on the wire, in the order of the variants.
    const KEYS: &'static [&'static str];
    /// The variant's place in the form's order.
    fn index(self) -> usize;
}

/// Figures under each name of a [`Heading`], written as a JSON object by name (a missing name is
/// 0, an unknown one refused). A fixed row of numbers rather than a map: the phone reads these in
/// its outbox at every start, and one small reader for all three breakdowns keeps its download small.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts<K> {
    figures: Vec<u32>,
    heading: PhantomData<K>,
}

impl<K: Heading> Default for Counts<K> {
    fn default() -> Self {
        Counts { figures: vec![0; K::KEYS.len()], heading: PhantomData }
    }
}

impl<K: Heading> Counts<K> {
    pub fn get(&self, k: K) -> u32 {
        self.figures.get(k.index()).copied().unwrap_or(0)
    }

    pub fn set(&mut self, k: K, n: u32) {
        if let Some(f) = self.figures.get_mut(k.index()) {
            *f = n;
        }
    }

    pub fn add(&mut self, k: K, n: u32) {
        self.set(k, self.get(k).saturating_add(n));
    }

    pub fn total(&self) -> u32 {
        self.figures.iter().fold(0u32, |a, n| a.saturating_add(*n))
    }

    fn values(&self) -> impl Iterator<Item = u32> + '_ {
        self.figures.iter().copied()
    }

    fn add_all(&mut self, other: &Counts<K>) {
        for (a, b) in self.figures.iter_mut().zip(&other.figures) {
            *a = a.saturating_add(*b);
        }
    }
}

impl<K: Heading> Serialize for Counts<K> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(K::KEYS.iter().zip(&self.figures))
    }
}

impl<'de, K: Heading> Deserialize<'de> for Counts<K> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let figures = d.deserialize_map(CountsVisitor(K::KEYS))?;
        Ok(Counts { figures, heading: PhantomData })
    }
}

/// Reads `{name: count}` against one list of names (the same code for every breakdown).
struct CountsVisitor(&'static [&'static str]);

impl<'de> serde::de::Visitor<'de> for CountsVisitor {
    type Value = Vec<u32>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("counts by name")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Vec<u32>, A::Error> {
        let mut figures = vec![0; self.0.len()];
        while let Some(key) = map.next_key::<String>()? {
            let Some(i) = self.0.iter().position(|k| *k == key) else {
                return Err(serde::de::Error::unknown_field(&key, self.0));
            };
            figures[i] = map.next_value()?;
        }
        Ok(figures)
    }
}

/// One month's record, as counted and then corrected by the 民生委員.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Wire")]
pub struct ActivityReport {
    pub month: Month,
    /// 相談・支援件数, by 分野.
    pub by_field: Counts<SupportField>,
    /// 相談・支援件数, by 内容: the same consultations, so the same total.
    pub by_content: Counts<SupportContent>,
    /// その他の活動件数.
    pub other_activities: Counts<OtherActivity>,
    /// 訪問回数.
    pub visits: u32,
    /// 連絡調整回数: with 社協, the municipality, care centres, other 委員 and bodies.
    pub liaison: u32,
    /// 活動日数.
    pub days_active: u32,
    /// 特記事項.
    pub note: String,
}

/// The record as it arrives: today's shape, or the earlier one (phone calls, greetings,
/// consultations by subject, our needs as contents, liaison by body), whose figures go where the
/// national format has a place for them. Phone calls and greetings have none: they were counted
/// from the records and are counted again when the 民生委員 recounts.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    month: Month,
    #[serde(default)]
    by_field: Counts<SupportField>,
    #[serde(default)]
    by_content: Counts<SupportContent>,
    #[serde(default)]
    other_activities: Counts<OtherActivity>,
    visits: u32,
    liaison: WireLiaison,
    days_active: u32,
    #[serde(default)]
    note: String,
    // The earlier shape's own fields.
    #[serde(default, rename = "phone_calls")]
    _phone_calls: Option<u32>,
    #[serde(default, rename = "other_contacts")]
    _other_contacts: Option<u32>,
    #[serde(default)]
    consultations: Option<LegacySubjects>,
    #[serde(default)]
    contents: Vec<LegacyNeedCount>,
}

/// 連絡調整回数, or (earlier) the contacts with each kind of body, added up. Read by hand rather
/// than as an untagged enum, whose buffering would put serde's generic content machinery in the
/// phone's first download (the outbox is read at start).
struct WireLiaison(u32);

impl<'de> Deserialize<'de> for WireLiaison {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = WireLiaison;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a count from 0, or counts by body")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<WireLiaison, E> {
                u32::try_from(n).map(WireLiaison).map_err(|_| E::custom("count too large"))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<WireLiaison, E> {
                u32::try_from(n).map(WireLiaison).map_err(|_| E::custom("a count is 0 or more"))
            }
            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<WireLiaison, E> {
                // JavaScript's numbers, as the phone's store gives them back.
                if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) {
                    Ok(WireLiaison(n as u32))
                } else {
                    Err(E::custom("a count is a whole number from 0"))
                }
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<WireLiaison, A::Error> {
                let mut sum = 0u32;
                while map.next_key::<LegacyBody>()?.is_some() {
                    sum = sum.saturating_add(map.next_value::<u32>()?);
                }
                Ok(WireLiaison(sum))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// The bodies the earlier record counted contacts with.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum LegacyBody {
    Council,
    Municipality,
    CareCenter,
    OtherBodies,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LegacySubjects {
    elderly: u32,
    disability: u32,
    children: u32,
    other: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LegacyNeedCount {
    need: Need,
    count: u32,
}

impl From<Wire> for ActivityReport {
    fn from(w: Wire) -> Self {
        let mut by_field = w.by_field;
        if let Some(c) = w.consultations {
            for (f, n) in [
                (SupportField::Elderly, c.elderly),
                (SupportField::Disability, c.disability),
                (SupportField::Children, c.children),
                (SupportField::Other, c.other),
            ] {
                by_field.add(f, n);
            }
        }
        let mut by_content = w.by_content;
        for line in &w.contents {
            by_content.add(SupportContent::of(line.need), line.count);
        }
        let liaison = w.liaison.0;
        ActivityReport {
            month: w.month,
            by_field,
            by_content,
            other_activities: w.other_activities,
            visits: w.visits,
            liaison,
            days_active: w.days_active,
            note: w.note,
        }
    }
}

impl ActivityReport {
    /// A month with nothing in it.
    pub fn empty(month: Month) -> Self {
        ActivityReport {
            month,
            by_field: Counts::default(),
            by_content: Counts::default(),
            other_activities: Counts::default(),
            visits: 0,
            liaison: 0,
            days_active: 0,
            note: String::new(),
        }
    }

    /// Counts the month from `me`'s own records. `day_of` gives a time's local calendar day.
    /// - 訪問回数: own checks made by visiting (calls, greetings and looks from outside are not visits);
    /// - 相談・支援件数: own requests, by the person's household (分野) and the need's 内容;
    /// - 連絡調整回数: each request is passed to 社協, which routes it;
    /// - 活動日数: days with any own check or request.
    ///
    /// その他の活動 happen outside the app and start at 0.
    pub fn count(
        month: &Month,
        me: &UserId,
        checks: &[Check],
        requests: &[FieldRequest],
        persons: &[Person],
        day_of: impl Fn(EpochMillis) -> CalendarDate,
    ) -> Self {
        let mut r = ActivityReport::empty(month.clone());
        let mut days = BTreeSet::new();
        for c in checks.iter().filter(|c| &c.author_id == me) {
            let day = day_of(c.recorded_at);
            if !day.is_in(month) {
                continue;
            }
            days.insert(day);
            if c.method == Some(CheckMethod::Visit) {
                r.visits += 1;
            }
        }
        let household: HashMap<&PersonId, HouseholdType> = persons.iter().map(|p| (&p.id, p.household_type)).collect();
        for q in requests.iter().filter(|q| &q.raised_by == me) {
            let day = day_of(q.created_at);
            if !day.is_in(month) {
                continue;
            }
            days.insert(day);
            // A person who has left the phone's store since counts under その他.
            let h = household.get(&q.person_id).copied().unwrap_or(HouseholdType::Other);
            r.by_field.add(SupportField::of(h), 1);
            r.by_content.add(SupportContent::of(q.need), 1);
            r.liaison += 1;
        }
        r.days_active = days.len() as u32;
        r
    }

    /// 相談・支援件数 (by 分野, which is also by 内容 in a valid record).
    pub fn consultations(&self) -> u32 {
        self.by_field.total()
    }

    /// Adds another record's figures to these (a 地区民児協's month from its 民生委員's); the note is not added.
    pub fn add(&mut self, other: &ActivityReport) {
        self.by_field.add_all(&other.by_field);
        self.by_content.add_all(&other.by_content);
        self.other_activities.add_all(&other.other_activities);
        self.visits = self.visits.saturating_add(other.visits);
        self.liaison = self.liaison.saturating_add(other.liaison);
        self.days_active = self.days_active.saturating_add(other.days_active);
    }

    /// A month of the service's years (2020–2100; a real month by its type), figures a month can
    /// hold, the same 相談・支援 total by 分野 and by 内容, a note of at most 1000 characters.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        if !(2020..=2100).contains(&self.month.year()) {
            return Err(ValidationError {
                code: ErrorCode::InvalidMonth,
                detail: "a record's month is 2020 to 2100".into(),
            });
        }
        let too_many = self
            .by_field
            .values()
            .chain(self.by_content.values())
            .chain(self.other_activities.values())
            .chain([self.visits, self.liaison])
            .any(|n| n > MAX_COUNT);
        if too_many {
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
        if self.by_field.total() != self.by_content.total() {
            return Err(ValidationError {
                code: ErrorCode::ActivityTotalsDiffer,
                detail: format!(
                    "相談・支援 by field totals {}, by content {}",
                    self.by_field.total(),
                    self.by_content.total()
                ),
            });
        }
        self.note = super::text::multiline(&self.note, 1000, ErrorCode::InvalidNote)?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CheckId, CheckKind, CheckOutcome, RequestStatus, SyncState};

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

    fn request(me: &str, person: &str, need: Need, at: EpochMillis) -> FieldRequest {
        FieldRequest {
            id: uuid::Uuid::new_v4().to_string(),
            person_id: PersonId::parse(person).unwrap(),
            need,
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

    fn november() -> Month {
        Month::parse("2026-11").unwrap()
    }

    #[test]
    fn the_month_is_counted_from_my_own_records_only() {
        let me = UserId::parse("u-suzuki").unwrap();
        let checks = vec![
            check("u-suzuki", NOV_1 + 3_600_000, Some(CheckMethod::Visit)),
            check("u-suzuki", NOV_1 + 5 * 3_600_000, Some(CheckMethod::Visit)), // same day
            check("u-suzuki", NOV_1 + 2 * DAY, Some(CheckMethod::Phone)),       // a day, not a visit
            check("u-suzuki", NOV_1 + 3 * DAY, None),
            check("u-sato", NOV_1 + 4 * DAY, Some(CheckMethod::Visit)), // someone else's
            check("u-suzuki", NOV_1 - DAY, Some(CheckMethod::Visit)),   // October
            check("u-suzuki", NOV_1 + 31 * DAY, Some(CheckMethod::Visit)), // December
        ];
        let requests = vec![
            request("u-suzuki", "p-old", Need::SnowRemoval, NOV_1 + 10 * DAY),
            request("u-suzuki", "p-child", Need::ChildRaising, NOV_1 + 10 * DAY),
            request("u-suzuki", "p-gone", Need::Hospital, NOV_1 + 11 * DAY),
            request("u-sato", "p-old", Need::SnowRemoval, NOV_1 + 12 * DAY),
        ];
        let persons =
            vec![person("p-old", HouseholdType::SingleElderly), person("p-child", HouseholdType::ChildRearing)];
        let r = ActivityReport::count(&november(), &me, &checks, &requests, &persons, day_of);
        assert_eq!(r.visits, 2, "visits only: the call and the unstated method are not");
        let fields: Vec<u32> = SupportField::ALL.iter().map(|f| r.by_field.get(*f)).collect();
        assert_eq!(fields, [1, 0, 1, 1], "高齢者, 障害者, 子ども, その他 (a person no longer held)");
        assert_eq!(r.by_content.get(SupportContent::DailySupport), 1);
        assert_eq!(r.by_content.get(SupportContent::ChildRearing), 1);
        assert_eq!(r.by_content.get(SupportContent::Health), 1);
        assert_eq!(r.by_content.total(), 3);
        assert_eq!(r.liaison, 3, "each request is passed to 社協");
        assert_eq!(r.other_activities.total(), 0, "その他の活動 happen outside the app");
        assert_eq!(r.days_active, 5, "11/1, 11/3, 11/4, 11/11, 11/12");
        assert!(r.validate().is_ok(), "a counted record is a valid one");
    }

    #[test]
    fn every_need_of_the_checklist_counts_under_the_content_the_form_names() {
        use SupportContent as C;
        let expected = [
            (Need::SnowRemoval, C::DailySupport),
            (Need::Shopping, C::DailySupport),
            (Need::Garbage, C::DailySupport),
            (Need::Hospital, C::Health),
            (Need::Housework, C::HomeWelfare),
            (Need::CareConsultation, C::CareInsurance),
            (Need::ChildRaising, C::ChildRearing),
            (Need::LivingCosts, C::LivingCosts),
            (Need::Housing, C::Housing),
            (Need::Other, C::Other),
        ];
        assert_eq!(expected.len(), Need::ALL.len(), "a need added to the checklist needs a line here");
        for (need, content) in expected {
            assert_eq!(SupportContent::of(need), content, "{need:?}");
        }
        let households = [
            (HouseholdType::SingleElderly, SupportField::Elderly),
            (HouseholdType::ElderlyOnly, SupportField::Elderly),
            (HouseholdType::Disability, SupportField::Disability),
            (HouseholdType::ChildRearing, SupportField::Children),
            (HouseholdType::Other, SupportField::Other),
        ];
        for (h, f) in households {
            assert_eq!(SupportField::of(h), f, "{h:?}");
        }
        // The wire's names line up with the form's order.
        fn lined_up<K: Heading + std::fmt::Debug>(all: &[K]) {
            assert_eq!(K::KEYS.len(), all.len());
            for (i, k) in all.iter().enumerate() {
                assert_eq!(k.index(), i, "{k:?}");
            }
        }
        lined_up(&SupportField::ALL);
        lined_up(&SupportContent::ALL);
        lined_up(&OtherActivity::ALL);
        let mut c = Counts::<SupportContent>::default();
        c.set(SupportContent::DailySupport, 2);
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["daily_support"], 2);
        assert_eq!(json.as_object().unwrap().len(), 14, "every line, zeros included");
        assert_eq!(serde_json::from_value::<Counts<SupportContent>>(json).unwrap(), c);
    }

    #[test]
    fn a_record_in_the_earlier_shape_reads_into_the_national_format() {
        let earlier = serde_json::json!({"month": "2026-10", "visits": 12, "phone_calls": 4, "other_contacts": 2,
            "consultations": {"elderly": 3, "disability": 0, "children": 1, "other": 0},
            "contents": [{"need": "snow_removal", "count": 2}, {"need": "shopping", "count": 1},
                         {"need": "child_raising", "count": 1}],
            "liaison": {"council": 2, "municipality": 1, "care_center": 1, "other_bodies": 0},
            "days_active": 9, "note": "大雪"});
        let r: ActivityReport = serde_json::from_value(earlier).unwrap();
        assert_eq!((r.visits, r.liaison, r.days_active), (12, 4, 9));
        assert_eq!(r.by_field.get(SupportField::Elderly), 3);
        assert_eq!(r.by_field.get(SupportField::Children), 1);
        assert_eq!(r.by_content.get(SupportContent::DailySupport), 3);
        assert_eq!(r.by_content.get(SupportContent::ChildRearing), 1);
        assert_eq!(r.note, "大雪");
        // Written again, it is today's shape, and reads back the same.
        let again: ActivityReport = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(again, r);
        assert!(serde_json::to_value(&r).unwrap().get("phone_calls").is_none());
    }

    #[test]
    fn a_report_holds_a_real_month_and_figures_a_month_can_hold() {
        let me = UserId::parse("u").unwrap();
        let ok = ActivityReport::count(&november(), &me, &[], &[], &[], day_of);
        assert!(ok.clone().validate().is_ok());
        for bad in ["2026-13", "2026-1", "26-11", "2026/11", "1999-01"] {
            let json = serde_json::json!({"month": bad, "visits": 0, "liaison": 0, "days_active": 0});
            let refused = match serde_json::from_value::<ActivityReport>(json) {
                Err(unreadable) => unreadable.to_string(),
                Ok(read) => read.validate().unwrap_err().code.wire().to_owned(),
            };
            assert!(refused.starts_with("invalid_month"), "{bad}: {refused}");
        }
        let unknown = serde_json::json!({"month": "2026-11", "visits": 0, "liaison": 0, "days_active": 0,
            "by_content": {"snow_removal": 1}});
        assert!(serde_json::from_value::<ActivityReport>(unknown).is_err(), "a 内容 the form does not have");
        let r = ActivityReport { visits: 10_000, ..ok.clone() };
        assert_eq!(r.validate().unwrap_err().code.wire(), "invalid_count");
        let mut r = ok.clone();
        r.other_activities.set(OtherActivity::Certificates, 10_000);
        assert_eq!(r.validate().unwrap_err().code.wire(), "invalid_count");
        let r = ActivityReport { days_active: 32, ..ok.clone() };
        assert_eq!(r.validate().unwrap_err().code.wire(), "invalid_days_active");
        let mut r = ok.clone();
        r.by_field.set(SupportField::Elderly, 2);
        r.by_content.set(SupportContent::DailySupport, 1);
        assert_eq!(r.clone().validate().unwrap_err().code.wire(), "activity_totals_differ");
        r.by_content.set(SupportContent::Health, 1);
        assert!(r.validate().is_ok(), "2 by 分野, 1 + 1 by 内容");
        let r = ActivityReport { note: "  雪の多い月だった ".into(), ..ok };
        assert_eq!(r.validate().unwrap().note, "雪の多い月だった");
    }

    #[test]
    fn a_district_adds_its_members_records_figure_by_figure() {
        let mut a = ActivityReport::empty(november());
        a.by_field.set(SupportField::Elderly, 2);
        a.by_content.set(SupportContent::DailySupport, 2);
        a.other_activities.set(OtherActivity::Events, 1);
        a.visits = 10;
        a.days_active = 8;
        a.note = "a".into();
        let mut b = ActivityReport::empty(november());
        b.by_field.set(SupportField::Children, 1);
        b.by_content.set(SupportContent::ChildEducation, 1);
        b.other_activities.set(OtherActivity::Events, 3);
        b.visits = 4;
        b.liaison = 2;
        b.days_active = 5;
        let mut sum = ActivityReport::empty(november());
        sum.add(&a);
        sum.add(&b);
        assert_eq!(sum.consultations(), 3);
        assert_eq!(sum.by_content.get(SupportContent::ChildEducation), 1);
        assert_eq!(sum.other_activities.get(OtherActivity::Events), 4);
        assert_eq!((sum.visits, sum.liaison, sum.days_active), (14, 2, 13));
        assert_eq!(sum.note, "", "notes are each 民生委員's own");
    }
}
