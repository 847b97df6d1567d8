//! The words for the domain's values, in Japanese and English: the second half of the one catalogue
//! (the first is the refusals' words, [`crate::error::ErrorCode::text`]).
//!
//! Why here and not in the app's locale file: the office screens (Japanese only), the field screens
//! (either language) and the server's printouts name the same values. Written once, beside each
//! other, they cannot drift; the domain types themselves carry no words.

use crate::domain::disaster::{BoardColour, EventKind, ResponderState, SafetyStatus, Shelter, SupportNeed};
use crate::domain::due::Walk;
use crate::domain::{
    CaseStatus, CheckKind, CheckMethod, CheckOutcome, Concern, ConsentMethod, Due, FieldValue, HouseholdType,
    MapStatus, Need, OtherActivity, PersonField, RequestStatus, Role, SupportContent, SupportField,
};
use crate::error::Lang;

/// A value with a name for users.
pub trait Label: Copy {
    /// Japanese, English.
    fn words(self) -> (&'static str, &'static str);

    fn label(self, lang: Lang) -> &'static str {
        let (ja, en) = self.words();
        match lang {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    /// For the office screens and printouts, which are Japanese only.
    fn label_ja(self) -> &'static str {
        self.words().0
    }
}

impl Label for CheckOutcome {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            CheckOutcome::AllWell => ("変わりなし", "All well"),
            CheckOutcome::Concern => ("気になる", "Concern"),
            CheckOutcome::NotHome => ("不在", "Not at home"),
            CheckOutcome::Emergency => ("緊急", "Emergency"),
        }
    }
}

impl Label for CheckMethod {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            CheckMethod::Visit => ("訪問", "Visit"),
            CheckMethod::Phone => ("電話", "Phone"),
            CheckMethod::Greeting => ("声かけ", "Greeting"),
            CheckMethod::Outside => ("外から確認", "From outside"),
        }
    }
}

impl Label for Concern {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Concern::MailPiling => ("新聞・郵便物がたまっている", "Mail piling up"),
            Concern::LightsOff => ("夜に電気がつかない", "No lights at night"),
            Concern::CurtainsClosed => ("カーテンが閉まったまま", "Curtains stay closed"),
            Concern::LaundryLeftOut => ("洗濯物が出たまま", "Laundry left out"),
            Concern::LooksUnwell => ("体調が悪そう", "Looks unwell"),
            Concern::Forgetful => ("もの忘れ", "Forgetful"),
            Concern::SnowNotCleared => ("除雪されていない", "Snow not cleared"),
            Concern::AsksForHelp => ("困りごとの訴え", "Asks for help"),
        }
    }
}

impl Label for CheckKind {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            CheckKind::Watch => ("見守り", "Check"),
            CheckKind::Inquiry => ("御用聞き", "Needs visit"),
        }
    }
}

impl Label for SupportField {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            SupportField::Elderly => ("高齢者に関すること", "Older people"),
            SupportField::Disability => ("障害者に関すること", "People with disabilities"),
            SupportField::Children => ("子どもに関すること", "Children"),
            SupportField::Other => ("その他", "Other"),
        }
    }
}

impl Label for SupportContent {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            SupportContent::HomeWelfare => ("在宅福祉", "Care at home"),
            SupportContent::CareInsurance => ("介護保険", "Long-term care insurance"),
            SupportContent::Health => ("健康・保健医療", "Health and medical care"),
            SupportContent::ChildRearing => ("子育て・母子保健", "Child-rearing, maternal health"),
            SupportContent::ChildCommunity => ("子どもの地域生活", "Children's life in the community"),
            SupportContent::ChildEducation => ("子どもの教育・学校生活", "Children's education and school"),
            SupportContent::LivingCosts => ("生活費", "Living costs"),
            SupportContent::PensionInsurance => ("年金・保険", "Pensions and insurance"),
            SupportContent::Work => ("仕事", "Work"),
            SupportContent::Family => ("家族関係", "Family relations"),
            SupportContent::Housing => ("住居", "Housing"),
            SupportContent::Environment => ("生活環境", "Living environment"),
            SupportContent::DailySupport => ("日常的な支援", "Everyday help"),
            SupportContent::Other => ("その他", "Other"),
        }
    }
}

impl Label for OtherActivity {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            OtherActivity::Survey => ("調査・実態把握", "Surveys, finding needs"),
            OtherActivity::Events => ("行事・事業・会議への参加協力", "Events, programmes, meetings"),
            OtherActivity::CommunityWork => ("地域福祉活動・自主活動", "Community welfare, own initiatives"),
            OtherActivity::CouncilAndTraining => ("民児協運営・研修", "Council work and training"),
            OtherActivity::Certificates => ("証明事務", "Certificates"),
            OtherActivity::ChildProtection => {
                ("要保護児童の発見の通告・仲介", "Reporting children in need of protection")
            }
        }
    }
}

impl Label for Need {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Need::SnowRemoval => ("除雪", "Snow clearing"),
            Need::Shopping => ("買い物", "Shopping"),
            Need::Garbage => ("ごみ出し", "Taking out rubbish"),
            Need::Hospital => ("通院", "Hospital visits"),
            Need::Housework => ("家事", "Housework"),
            Need::CareConsultation => ("介護相談", "Care advice"),
            Need::ChildRaising => ("子育て相談", "Childcare advice"),
            Need::LivingCosts => ("生活費・困窮", "Money worries"),
            Need::Housing => ("住まい", "Housing"),
            Need::Other => ("その他", "Other"),
        }
    }
}

impl Label for RequestStatus {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            RequestStatus::Received => ("受付", "Received"),
            RequestStatus::InProgress => ("対応中", "In progress"),
            RequestStatus::Done => ("完了", "Done"),
            RequestStatus::Referred => ("他機関へ", "Referred"),
        }
    }
}

impl Label for CaseStatus {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            CaseStatus::Open => ("未対応", "Not yet acted on"),
            CaseStatus::InProgress => ("対応中", "In progress"),
            CaseStatus::Done => ("完了", "Done"),
            CaseStatus::Watching => ("見守り継続", "Back to regular checks"),
        }
    }
}

impl Label for ConsentMethod {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            ConsentMethod::Written => ("書面", "In writing"),
            ConsentMethod::Oral => ("口頭", "Spoken"),
            ConsentMethod::Proxy => ("代理人", "By a proxy"),
        }
    }
}

impl Label for Role {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Role::Volunteer => ("見守りボランティア", "Volunteer"),
            Role::Commissioner => ("民生委員", "Welfare commissioner"),
            Role::Coordinator => ("社協コーディネーター", "Coordinator"),
            Role::PartnerStaff => ("協力法人スタッフ", "Partner staff"),
            Role::Admin => ("管理者", "Administrator"),
        }
    }
}

impl Label for EventKind {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            EventKind::Earthquake => ("地震", "Earthquake"),
            EventKind::Flood => ("大雨・洪水", "Heavy rain / flood"),
            EventKind::Snow => ("大雪", "Heavy snow"),
            EventKind::Other => ("その他", "Other"),
        }
    }
}

impl Label for SafetyStatus {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            SafetyStatus::SafeHome => ("無事・在宅", "Safe, at home"),
            SafetyStatus::SafeEvacuated => ("無事・避難済", "Safe, evacuated"),
            SafetyStatus::NeedsSupport => ("要支援", "Needs support"),
            SafetyStatus::NeedsRescue => ("要救助", "Needs rescue"),
            SafetyStatus::Unreachable => ("不在・連絡不可", "Not reached"),
            SafetyStatus::Hospital => ("入院・施設", "In hospital or care"),
        }
    }
}

impl Label for Shelter {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Shelter::Designated => ("指定避難所", "Designated shelter"),
            Shelter::Welfare => ("福祉避難所", "Welfare shelter"),
            Shelter::Relatives => ("親族宅", "Relatives' home"),
            Shelter::Other => ("その他", "Elsewhere"),
        }
    }
}

impl Label for SupportNeed {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            SupportNeed::Injury => ("けが", "Injury"),
            SupportNeed::Health => ("体調", "Health"),
            SupportNeed::Medicine => ("薬", "Medicine"),
            SupportNeed::Care => ("介護", "Care"),
            SupportNeed::Supplies => ("物資", "Supplies"),
        }
    }
}

impl Label for ResponderState {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            ResponderState::Safe => ("無事・活動できる", "Safe, able to check"),
            ResponderState::NeedsHelp => ("支援が必要", "I need help"),
            ResponderState::CannotAct => ("活動できない", "Unable to check"),
        }
    }
}

impl Label for BoardColour {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            BoardColour::Red => ("要救助・長時間未確認", "Rescue / unconfirmed too long"),
            BoardColour::Yellow => ("要支援", "Needs support"),
            BoardColour::Grey => ("未確認", "Not yet confirmed"),
            BoardColour::Green => ("無事を確認", "Confirmed safe"),
        }
    }
}

impl Label for HouseholdType {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            HouseholdType::SingleElderly => ("独居高齢者", "Older person living alone"),
            HouseholdType::ElderlyOnly => ("高齢者のみ世帯", "Older people only"),
            HouseholdType::Disability => ("障害", "Disability"),
            HouseholdType::ChildRearing => ("子育て", "Raising children"),
            HouseholdType::Other => ("その他", "Other"),
        }
    }
}

impl Label for PersonField {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            PersonField::Phone => ("電話番号", "Phone number"),
            PersonField::Address => ("住所", "Address"),
            PersonField::Notes => ("メモ", "Notes"),
            PersonField::EmergencyContacts => ("緊急連絡先", "Emergency contacts"),
            PersonField::NeedsEvacuationHelp => ("避難時の支援", "Help to evacuate"),
            PersonField::HouseholdType => ("世帯の状況", "Household"),
            PersonField::CheckIntervalDays => ("見守りの間隔", "Check interval"),
        }
    }
}

impl Label for MapStatus {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            MapStatus::Emergency => ("緊急", "Emergency"),
            MapStatus::Concern => ("気になる", "Concern"),
            MapStatus::Overdue => ("確認期限超過", "Overdue"),
            MapStatus::NoRecord => ("記録なし", "No record"),
            MapStatus::Fine => ("問題なし", "Fine"),
        }
    }
}

/// The one character a map marker carries beside its colour, so colour is never the only cue
/// (the legend pairs each with [`Label::words`]).
pub fn map_mark(s: MapStatus, lang: Lang) -> &'static str {
    match (s, lang) {
        (MapStatus::Emergency, Lang::Ja) => "緊",
        (MapStatus::Concern, Lang::Ja) => "気",
        (MapStatus::Overdue, Lang::Ja) => "超",
        (MapStatus::NoRecord, Lang::Ja) => "無",
        (MapStatus::Fine, Lang::Ja) => "済",
        (MapStatus::Emergency, Lang::En) => "!!",
        (MapStatus::Concern, Lang::En) => "!",
        (MapStatus::Overdue, Lang::En) => "⏰",
        (MapStatus::NoRecord, Lang::En) => "–",
        (MapStatus::Fine, Lang::En) => "✓",
    }
}

/// Where a person stands, as the home list shows it: 「3日超過」 / "3 days overdue".
pub fn due(d: Due, lang: Lang) -> String {
    match (d, lang) {
        (Due::Overdue { days }, Lang::Ja) => format!("{days}日超過"),
        (Due::Overdue { days }, Lang::En) => format!("{days} days overdue"),
        (Due::NeverChecked, Lang::Ja) => "記録なし".into(),
        (Due::NeverChecked, Lang::En) => "No check yet".into(),
        (Due::Today, Lang::Ja) => "今日が目安".into(),
        (Due::Today, Lang::En) => "Due today".into(),
        (Due::Later { days: 1 }, Lang::Ja) => "明日が目安".into(),
        (Due::Later { days: 1 }, Lang::En) => "Due tomorrow".into(),
        (Due::Later { days }, Lang::Ja) => format!("あと{days}日"),
        (Due::Later { days }, Lang::En) => format!("In {days} days"),
    }
}

/// 「約350m」 / "about 350 m".
pub fn distance(w: Walk, lang: Lang) -> String {
    match (w, lang) {
        (Walk::Metres(m), Lang::Ja) => format!("約{m}m"),
        (Walk::Metres(m), Lang::En) => format!("about {m} m"),
        (Walk::KmTenths(t), Lang::Ja) => format!("約{}.{}km", t / 10, t % 10),
        (Walk::KmTenths(t), Lang::En) => format!("about {}.{} km", t / 10, t % 10),
    }
}

/// A person's field value in words, for a coordinator comparing two of them: 「（なし）」 for
/// nothing, 「必要」/「不要」, 「7日ごと」.
pub fn field_value(v: &FieldValue, lang: Lang) -> String {
    let none = || if lang == Lang::Ja { "（なし）" } else { "(none)" }.to_owned();
    match v {
        FieldValue::Phone(None) => none(),
        FieldValue::Phone(Some(p)) => p.clone(),
        FieldValue::Address(s) | FieldValue::Notes(s) if s.is_empty() => none(),
        FieldValue::Address(s) | FieldValue::Notes(s) => s.clone(),
        FieldValue::EmergencyContacts(c) if c.is_empty() => none(),
        FieldValue::EmergencyContacts(c) => {
            let (open, close, sep) = if lang == Lang::Ja { ("（", "）", "、") } else { (" (", ")", "; ") };
            c.iter().map(|c| format!("{}{open}{}{close} {}", c.name, c.relation, c.phone)).collect::<Vec<_>>().join(sep)
        }
        FieldValue::NeedsEvacuationHelp(help) => match (help, lang) {
            (true, Lang::Ja) => "必要".into(),
            (false, Lang::Ja) => "不要".into(),
            (true, Lang::En) => "Needed".into(),
            (false, Lang::En) => "Not needed".into(),
        },
        FieldValue::HouseholdType(h) => h.label(lang).into(),
        FieldValue::CheckIntervalDays(d) if lang == Lang::Ja => format!("{d}日ごと"),
        FieldValue::CheckIntervalDays(d) => format!("Every {d} days"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_label() -> Vec<(&'static str, &'static str)> {
        let mut all = Vec::new();
        all.extend(CheckOutcome::ALL.map(Label::words));
        all.extend(CheckMethod::ALL.map(Label::words));
        all.extend(Concern::ALL.map(Label::words));
        all.extend([CheckKind::Watch, CheckKind::Inquiry].map(Label::words));
        all.extend(Need::ALL.map(Label::words));
        all.extend(RequestStatus::ALL.map(Label::words));
        all.extend(ConsentMethod::ALL.map(Label::words));
        all.extend(Role::ALL.map(Label::words));
        all.extend(HouseholdType::ALL.map(Label::words));
        all.extend(PersonField::ALL.map(Label::words));
        all
    }

    #[test]
    fn distances_and_field_values_have_words_in_both_languages() {
        assert_eq!(distance(Walk::Metres(350), Lang::Ja), "約350m");
        assert_eq!(distance(Walk::KmTenths(13), Lang::Ja), "約1.3km");
        assert_eq!(distance(Walk::KmTenths(130), Lang::En), "about 13.0 km");
        assert_eq!(field_value(&FieldValue::Phone(None), Lang::Ja), "（なし）");
        assert_eq!(field_value(&FieldValue::NeedsEvacuationHelp(true), Lang::Ja), "必要");
        assert_eq!(field_value(&FieldValue::CheckIntervalDays(7), Lang::Ja), "7日ごと");
        assert_eq!(field_value(&FieldValue::CheckIntervalDays(7), Lang::En), "Every 7 days");
        assert_eq!(
            field_value(&FieldValue::HouseholdType(HouseholdType::ALL[0]), Lang::Ja),
            HouseholdType::ALL[0].label_ja()
        );
    }

    #[test]
    fn every_value_has_words_in_both_languages() {
        for (ja, en) in every_label() {
            assert!(!ja.is_ascii() && !ja.trim().is_empty(), "{ja}");
            assert!(en.is_ascii() && !en.trim().is_empty(), "{en}");
        }
    }

    #[test]
    fn values_of_one_kind_have_distinct_words() {
        let outcomes: std::collections::HashSet<_> = CheckOutcome::ALL.map(|o| o.label(Lang::Ja)).into_iter().collect();
        assert_eq!(outcomes.len(), CheckOutcome::ALL.len());
        let needs: std::collections::HashSet<_> = Need::ALL.map(|n| n.label(Lang::En)).into_iter().collect();
        assert_eq!(needs.len(), Need::ALL.len());
    }

    #[test]
    fn due_reads_as_the_list_shows_it() {
        assert_eq!(due(Due::Overdue { days: 3 }, Lang::Ja), "3日超過");
        assert_eq!(due(Due::Later { days: 1 }, Lang::Ja), "明日が目安");
        assert_eq!(due(Due::Later { days: 6 }, Lang::En), "In 6 days");
        assert_eq!(due(Due::NeverChecked, Lang::Ja), "記録なし");
    }
}
