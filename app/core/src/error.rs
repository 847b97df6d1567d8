//! One vocabulary of refusals for the server and the device, and one catalogue of their words.
//!
//! Why: a refusal used to be a code string written out wherever it was raised, with a Japanese
//! sentence beside it, and the English in the app's locale file, kept in step by hand. Now a refusal
//! is an [`ErrorCode`]; its words in Japanese and English live in [`ErrorCode::text`], the one
//! catalogue. The server sends the code (its wire name) and the Japanese; the device shows the
//! user's language from the same catalogue. Domain code names codes, never words.
//!
//! A code is finer than its wire name where one wire name covers several fields (`invalid_name` is
//! a person's, an area's or an organisation's name): each has its own words, and API clients see
//! the one stable name.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The languages mimamori speaks: Japanese (default) and English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Ja, Lang::En];

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// Always in its own language, so it can be found by someone who cannot read the other.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::Ja => "日本語",
            Lang::En => "English",
        }
    }
}

/// Every reason the server or the device refuses something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    Unauthenticated,
    BadCredentials,
    DeviceRevoked,
    SessionExpired,
    PasswordChangeRequired,
    Busy,
    Timeout,
    DatabaseUnavailable,
    TooManyAttempts,
    NotFound,
    Forbidden,
    CrossSite,
    MethodNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
    Internal,
    InvalidBody,
    InvalidQuery,
    InvalidCursor,
    InvalidId,
    IdConflict,
    PushTooLarge,
    FetchTooLarge,
    TooManyPersons,
    MalformedMutation,
    PersonNotFound,
    AssignedPersonNotFound,
    SmallAreaNotFound,
    DistrictNotFound,
    AreaNotFound,
    OrganizationNotFound,
    InvalidEdit,
    InvalidStatus,
    NoConsentInForce,
    ConsentRequired,
    CannotDisableSelf,
    LoginTaken,
    InvalidLogin,
    InvalidDisplayName,
    NoAreasForRole,
    NotAVolunteer,
    InviteForVolunteers,
    NotForVolunteers,
    OrganizationNotAllowed,
    PasswordRequired,
    PublicUrlMissing,
    ResetOwnPassword,
    WeakPassword,
    InviteOutOfReach,
    InviteExpired,
    InviteNotFound,
    InviteReplaced,
    InviteUsed,
    MissingCredentials,
    NoPassword,
    PasswordUnchanged,
    WrongCurrentPassword,
    /// Recovering a device's store needs a sign-in made just now, not an old session.
    RecoveryNeedsSignIn,
    InvalidRecordsAside,
    AreaName,
    OrganizationName,
    InvalidServices,
    PersonName,
    KanaScript,
    KanaLength,
    InvalidAddress,
    InvalidPhone,
    InvalidNotes,
    InvalidCheckInterval,
    PersonLocation,
    CheckLocation,
    TooManyEmergencyContacts,
    EmergencyContactName,
    EmergencyContactRelation,
    EmergencyContactPhone,
    InvalidDate,
    InvalidConsentDate,
    InvalidConsentScopes,
    InvalidMonth,
    InvalidCount,
    InvalidDaysActive,
    ActivityTotalsDiffer,
    InvalidNote,
    NoteTooLong,
    NoteInvalidCharacters,
    ConcernUnnamed,
    RecordedAtOutOfRange,
    NeedNoteTooLong,
    NeedNoteInvalidCharacters,
    NeedsOnWatchCheck,
    OtherNeedUnnamed,
    InvalidCaseNote,
    InvalidSharedNote,
    EmptyCaseUpdate,
    CaseClosed,
    OwnerNotFound,
    InvalidPeriod,
    InvalidFormat,
    InvalidMeeting,
    InvalidMeetingTitle,
    /// A case whose decision was entered stays on its meeting's agenda.
    MeetingCaseDecided,
    PinLength,
    PinTrivial,
    PinMismatch,
    WrongPin,
    InvalidConfirmation,
    ShelterMissing,
    ShelterName,
    SupportUnnamed,
    PersonNotInEvent,
    EventNotFound,
    EventOverlap,
    EventClosed,
    InvalidEvent,
    WidenReasonRequired,
    CheckerNotFound,
    /// A code this version does not know (sent by a newer server).
    Unknown,
}

impl ErrorCode {
    /// Every code, for tests and for reading wire names.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::Unauthenticated,
        ErrorCode::BadCredentials,
        ErrorCode::DeviceRevoked,
        ErrorCode::SessionExpired,
        ErrorCode::PasswordChangeRequired,
        ErrorCode::Busy,
        ErrorCode::Timeout,
        ErrorCode::DatabaseUnavailable,
        ErrorCode::TooManyAttempts,
        ErrorCode::NotFound,
        ErrorCode::Forbidden,
        ErrorCode::CrossSite,
        ErrorCode::MethodNotAllowed,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::Internal,
        ErrorCode::InvalidBody,
        ErrorCode::InvalidQuery,
        ErrorCode::InvalidCursor,
        ErrorCode::InvalidId,
        ErrorCode::IdConflict,
        ErrorCode::PushTooLarge,
        ErrorCode::FetchTooLarge,
        ErrorCode::TooManyPersons,
        ErrorCode::MalformedMutation,
        ErrorCode::PersonNotFound,
        ErrorCode::AssignedPersonNotFound,
        ErrorCode::SmallAreaNotFound,
        ErrorCode::DistrictNotFound,
        ErrorCode::AreaNotFound,
        ErrorCode::OrganizationNotFound,
        ErrorCode::InvalidEdit,
        ErrorCode::InvalidStatus,
        ErrorCode::NoConsentInForce,
        ErrorCode::ConsentRequired,
        ErrorCode::CannotDisableSelf,
        ErrorCode::LoginTaken,
        ErrorCode::InvalidLogin,
        ErrorCode::InvalidDisplayName,
        ErrorCode::NoAreasForRole,
        ErrorCode::NotAVolunteer,
        ErrorCode::InviteForVolunteers,
        ErrorCode::NotForVolunteers,
        ErrorCode::OrganizationNotAllowed,
        ErrorCode::PasswordRequired,
        ErrorCode::PublicUrlMissing,
        ErrorCode::ResetOwnPassword,
        ErrorCode::WeakPassword,
        ErrorCode::InviteOutOfReach,
        ErrorCode::InviteExpired,
        ErrorCode::InviteNotFound,
        ErrorCode::InviteReplaced,
        ErrorCode::InviteUsed,
        ErrorCode::MissingCredentials,
        ErrorCode::NoPassword,
        ErrorCode::PasswordUnchanged,
        ErrorCode::WrongCurrentPassword,
        ErrorCode::RecoveryNeedsSignIn,
        ErrorCode::InvalidRecordsAside,
        ErrorCode::AreaName,
        ErrorCode::OrganizationName,
        ErrorCode::InvalidServices,
        ErrorCode::PersonName,
        ErrorCode::KanaScript,
        ErrorCode::KanaLength,
        ErrorCode::InvalidAddress,
        ErrorCode::InvalidPhone,
        ErrorCode::InvalidNotes,
        ErrorCode::InvalidCheckInterval,
        ErrorCode::PersonLocation,
        ErrorCode::CheckLocation,
        ErrorCode::TooManyEmergencyContacts,
        ErrorCode::EmergencyContactName,
        ErrorCode::EmergencyContactRelation,
        ErrorCode::EmergencyContactPhone,
        ErrorCode::InvalidDate,
        ErrorCode::InvalidConsentDate,
        ErrorCode::InvalidConsentScopes,
        ErrorCode::InvalidMonth,
        ErrorCode::InvalidCount,
        ErrorCode::InvalidDaysActive,
        ErrorCode::ActivityTotalsDiffer,
        ErrorCode::InvalidNote,
        ErrorCode::NoteTooLong,
        ErrorCode::NoteInvalidCharacters,
        ErrorCode::ConcernUnnamed,
        ErrorCode::RecordedAtOutOfRange,
        ErrorCode::NeedNoteTooLong,
        ErrorCode::NeedNoteInvalidCharacters,
        ErrorCode::NeedsOnWatchCheck,
        ErrorCode::OtherNeedUnnamed,
        ErrorCode::InvalidCaseNote,
        ErrorCode::InvalidSharedNote,
        ErrorCode::EmptyCaseUpdate,
        ErrorCode::CaseClosed,
        ErrorCode::OwnerNotFound,
        ErrorCode::InvalidPeriod,
        ErrorCode::InvalidFormat,
        ErrorCode::InvalidMeeting,
        ErrorCode::InvalidMeetingTitle,
        ErrorCode::MeetingCaseDecided,
        ErrorCode::PinLength,
        ErrorCode::PinTrivial,
        ErrorCode::PinMismatch,
        ErrorCode::WrongPin,
        ErrorCode::InvalidConfirmation,
        ErrorCode::ShelterMissing,
        ErrorCode::ShelterName,
        ErrorCode::SupportUnnamed,
        ErrorCode::PersonNotInEvent,
        ErrorCode::EventNotFound,
        ErrorCode::EventOverlap,
        ErrorCode::EventClosed,
        ErrorCode::InvalidEvent,
        ErrorCode::WidenReasonRequired,
        ErrorCode::CheckerNotFound,
        ErrorCode::Unknown,
    ];

    /// The name API clients see (stable; several codes may share one).
    pub fn wire(self) -> &'static str {
        self.entry().0
    }

    /// The code for a wire name: the first code that has it, [`ErrorCode::Unknown`] for a name this
    /// version does not know.
    pub fn from_wire(name: &str) -> ErrorCode {
        ErrorCode::ALL.iter().copied().find(|c| c.wire() == name).unwrap_or(ErrorCode::Unknown)
    }

    /// The words for users, in one language.
    pub fn text(self, lang: Lang) -> &'static str {
        let (_, ja, en) = self.entry();
        match lang {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    /// The catalogue: wire name, Japanese, English.
    fn entry(self) -> (&'static str, &'static str, &'static str) {
        match self {
            ErrorCode::Unauthenticated => ("unauthenticated", "もう一度サインインしてください。", "Please sign in again."),
            ErrorCode::BadCredentials => ("bad_credentials", "IDまたはパスワードが違います。", "The ID or password is wrong."),
            ErrorCode::DeviceRevoked => ("device_revoked", "この端末は利用できなくなりました。端末内の記録を消去しました。必要なら社協の担当者にご連絡ください。", "This phone can no longer be used. Its records were removed. Contact the office if needed."),
            ErrorCode::SessionExpired => ("session_expired", "しばらく使われていなかったため、サインインが切れました。もう一度サインインしてください。未送信の記録は端末に残っています。", "You were signed out after a long time unused. Please sign in again; unsent records are kept on this phone."),
            ErrorCode::PasswordChangeRequired => ("password_change_required", "管理者がパスワードを再設定しました。新しいパスワードに変更してください。", "An admin reset your password. Please choose a new one."),
            ErrorCode::Busy => ("busy", "混み合っています。少し待ってからもう一度お試しください。", "The server is busy. Please try again shortly."),
            ErrorCode::DatabaseUnavailable => ("database_unavailable", "サーバーが一時的に使えません。記録は端末に残っているので、あとで自動で送ります。", "The server is briefly unavailable. Records stay on this device and are sent later by themselves."),
            ErrorCode::Timeout => ("timeout", "時間がかかりすぎたため中断しました。もう一度お試しください。", "That took too long and was stopped. Please try again."),
            ErrorCode::TooManyAttempts => ("too_many_attempts", "サインインに続けて失敗したため、15分ほど待ってからもう一度お試しください。", "Too many failed sign-ins. Please wait about 15 minutes and try again."),
            ErrorCode::NotFound => ("not_found", "見つかりません。", "Not found."),
            ErrorCode::Forbidden => ("forbidden", "この操作を行う権限がありません。", "You are not allowed to do this."),
            ErrorCode::CrossSite => ("cross_site", "この操作はアプリの画面から行ってください。", "Please do this from the app's own screens."),
            ErrorCode::MethodNotAllowed => ("method_not_allowed", "この操作はできません。", "This cannot be done."),
            ErrorCode::PayloadTooLarge => ("payload_too_large", "データが大きすぎます。分けて送ってください。", "Too much data at once. Please send it in parts."),
            ErrorCode::UnsupportedMediaType => ("unsupported_media_type", "送信形式が正しくありません。", "The data was not sent in the right form."),
            ErrorCode::Internal => ("internal", "サーバーで問題が起きました。しばらくしてからもう一度お試しください。", "Something went wrong on the server. Please try again later."),
            ErrorCode::InvalidBody => ("invalid_body", "送信内容が正しくありません。アプリを更新してもう一度お試しください。", "What was sent is not valid. Please update the app and try again."),
            ErrorCode::InvalidQuery => ("invalid_query", "送信内容が正しくありません。", "What was sent is not valid."),
            ErrorCode::InvalidCursor => ("invalid_cursor", "送信内容が正しくありません。", "What was sent is not valid."),
            ErrorCode::InvalidId => ("invalid_id", "番号の形式が正しくありません。", "The number is not in the right form."),
            ErrorCode::IdConflict => ("id_conflict", "記録の番号が重複しています。", "This record's number is already in use."),
            ErrorCode::PushTooLarge => ("batch_too_large", "一度に送れる件数を超えています。", "Too many records in one sending."),
            ErrorCode::FetchTooLarge => ("batch_too_large", "一度に取得できる件数を超えています。", "Too many persons asked for at once."),
            ErrorCode::TooManyPersons => ("too_many_persons", "一度に指定できる人数を超えています。", "Too many persons at once."),
            ErrorCode::MalformedMutation => ("malformed_mutation", "記録の形式が正しくありません。", "The record is not in the right form."),
            ErrorCode::PersonNotFound => ("person_not_found", "この方の記録は保存できません（担当から外れた可能性があります）。", "This record cannot be saved (the person may no longer be yours to visit)."),
            ErrorCode::AssignedPersonNotFound => ("person_not_found", "指定された方が見つかりません。", "The person was not found."),
            ErrorCode::SmallAreaNotFound => ("small_area_not_found", "小地域を選んでください。", "Please choose the area."),
            ErrorCode::DistrictNotFound => ("district_not_found", "地区を選んでください。", "Please choose the district."),
            ErrorCode::AreaNotFound => ("area_not_found", "担当区域の指定が正しくありません。", "The areas chosen are not valid."),
            ErrorCode::OrganizationNotFound => ("organization_not_found", "協力法人を選んでください。", "Please choose the partner organisation."),
            ErrorCode::InvalidEdit => ("invalid_edit", "変更内容が正しくありません。", "The change is not valid."),
            ErrorCode::InvalidStatus => ("invalid_status", "受付に戻すことはできません。社協にご連絡ください。", "This cannot go back to received. Please contact the office."),
            ErrorCode::NoConsentInForce => ("no_consent_in_force", "撤回できる同意がありません。", "There is no consent to withdraw."),
            ErrorCode::ConsentRequired => ("consent_required", "ご本人の同意に協力法人への提供が含まれていないため、協力法人にはつなげません。", "The person has not agreed to sharing with partners, so this cannot go to a partner."),
            ErrorCode::CannotDisableSelf => ("cannot_disable_self", "自分自身を利用停止にすることはできません。", "You cannot disable your own account."),
            ErrorCode::LoginTaken => ("login_taken", "このIDはすでに使われています。", "This ID is already in use."),
            ErrorCode::InvalidLogin => ("invalid_login", "IDは半角の小文字・数字・「._-」で3〜32文字にしてください。", "Use 3 to 32 lowercase letters, digits and . _ - for the ID."),
            ErrorCode::InvalidDisplayName => ("invalid_display_name", "氏名を40文字以内で入力してください。", "Please enter the name (up to 40 characters)."),
            ErrorCode::NoAreasForRole => ("no_areas_for_role", "この役割には担当区域がありません。", "This role has no areas."),
            ErrorCode::NotAVolunteer => ("not_a_volunteer", "担当する方を決められるのはボランティアだけです。", "Only volunteers are given persons to watch."),
            ErrorCode::InviteForVolunteers => ("not_a_volunteer", "招待コードはボランティア用です。職員はパスワードでサインインします。", "Invite codes are for volunteers. Staff sign in with a password."),
            ErrorCode::NotForVolunteers => ("not_for_volunteers", "ボランティアはパスワードを使いません。新しい招待コードを発行してください。", "Volunteers do not use passwords. Issue a new invite code."),
            ErrorCode::OrganizationNotAllowed => ("organization_not_allowed", "協力法人に所属できるのは協力法人スタッフだけです。", "Only partner staff belong to a partner organisation."),
            ErrorCode::PasswordRequired => ("password_required", "パスワードを入力してください。", "Please enter a password."),
            ErrorCode::PublicUrlMissing => ("public_url_missing", "招待コードを発行するには、サーバーの公開アドレス（MIMAMORI_PUBLIC_URL）の設定が必要です。管理者にご連絡ください。", "Issuing invite codes needs the server's public address (MIMAMORI_PUBLIC_URL). Please contact the administrator."),
            ErrorCode::ResetOwnPassword => ("reset_own_password", "ご自分のパスワードは「設定」から変更してください。", "Change your own password under Settings."),
            ErrorCode::WeakPassword => ("weak_password", "パスワードは8文字以上で、推測されにくいものにしてください。", "Use at least 8 characters, and nothing easy to guess."),
            ErrorCode::InviteOutOfReach => ("invite_out_of_reach", "この方の招待コードは発行できません（担当地区の外の方も見守っているか、別の担当者が登録した方です）。管理者にご相談ください。", "An invite code cannot be issued for this user (they watch persons outside your districts, or another coordinator registered them). Please ask an administrator."),
            ErrorCode::InviteExpired => ("invite_expired", "この招待コードは期限切れです。社協の担当者に新しいコードをお願いしてください。", "This invite code has expired. Please ask the office for a new one."),
            ErrorCode::InviteNotFound => ("invite_not_found", "招待コードが正しくありません。もう一度ご確認ください。", "The invite code is not right. Please check it again."),
            ErrorCode::InviteReplaced => ("invite_replaced", "この招待コードは使えなくなりました（新しいコードが発行されています）。社協の担当者にご確認ください。", "This invite code no longer works (a newer one was issued). Please check with the office."),
            ErrorCode::InviteUsed => ("invite_used", "この招待コードは使用済みです。社協の担当者に新しいコードをお願いしてください。", "This invite code has been used. Please ask the office for a new one."),
            ErrorCode::MissingCredentials => ("missing_credentials", "IDとパスワードを入力してください。", "Please enter your ID and password."),
            ErrorCode::NoPassword => ("no_password", "この利用者はパスワードを使いません（招待コードで登録します）。", "This user does not use a password (they enrol with an invite code)."),
            ErrorCode::PasswordUnchanged => ("password_unchanged", "今と違うパスワードにしてください。", "Choose a password different from the current one."),
            ErrorCode::WrongCurrentPassword => ("wrong_current_password", "今のパスワードが違います。", "The current password is wrong."),
            ErrorCode::InvalidRecordsAside => ("invalid_records_aside", "端末からの報告の形式が正しくありません。", "The device's report is not valid."),
            ErrorCode::RecoveryNeedsSignIn => ("recovery_needs_sign_in", "記録を取り戻すには、もう一度サインインしてください。", "To get the records back, please sign in again."),
            ErrorCode::AreaName => ("invalid_name", "名前を40文字以内で入力してください。", "Please enter the name (up to 40 characters)."),
            ErrorCode::OrganizationName => ("invalid_name", "法人名を80文字以内で入力してください。", "Please enter the organisation's name (up to 80 characters)."),
            ErrorCode::InvalidServices => ("invalid_services", "できることは500文字以内で入力してください。", "Please keep what they can do to 500 characters."),
            ErrorCode::PersonName => ("invalid_name", "氏名を60文字以内で入力してください。", "Please enter the name (up to 60 characters)."),
            ErrorCode::KanaScript => ("invalid_kana", "ふりがなは ひらがな か カタカナ で入力してください。", "Please enter the reading in hiragana or katakana (up to 60)."),
            ErrorCode::KanaLength => ("invalid_kana", "ふりがなを60文字以内で入力してください。", "Please enter the reading in hiragana or katakana (up to 60)."),
            ErrorCode::InvalidAddress => ("invalid_address", "住所を120文字以内で入力してください。", "Please enter the address (up to 120 characters)."),
            ErrorCode::InvalidPhone => ("invalid_phone", "電話番号は数字とハイフンで入力してください。", "Enter the phone number with digits and hyphens."),
            ErrorCode::InvalidNotes => ("invalid_notes", "メモは2000文字以内で入力してください。", "Please keep notes to 2000 characters."),
            ErrorCode::InvalidCheckInterval => ("invalid_check_interval", "見守りの間隔は1〜365日で入力してください。", "Enter a check interval of 1 to 365 days."),
            ErrorCode::PersonLocation => ("invalid_location", "位置（緯度・経度）が正しくありません。", "The location (latitude, longitude) is not valid."),
            ErrorCode::CheckLocation => ("invalid_location", "位置情報が正しくありません。", "The location is not valid."),
            ErrorCode::TooManyEmergencyContacts => ("too_many_emergency_contacts", "緊急連絡先は5件までです。", "Up to 5 emergency contacts."),
            ErrorCode::EmergencyContactName => ("invalid_emergency_contact", "緊急連絡先の氏名を入力してください。", "Please enter the emergency contact's name."),
            ErrorCode::EmergencyContactRelation => ("invalid_emergency_contact", "続柄は30文字以内です。", "The relationship is up to 30 characters."),
            ErrorCode::EmergencyContactPhone => ("invalid_emergency_contact", "緊急連絡先の電話番号を入力してください。", "Please enter the emergency contact's name and phone number."),
            ErrorCode::InvalidDate => ("invalid_date", "日付を正しく入力してください（例: 2026-04-01）。", "Enter a real date (for example 2026-04-01)."),
            ErrorCode::InvalidConsentDate => ("invalid_consent_date", "同意した日を正しく入力してください（今日まで）。", "Enter the date of consent (today or earlier)."),
            ErrorCode::InvalidConsentScopes => ("invalid_consent_scopes", "情報の共有には、記録への同意が必要です。", "Sharing needs consent to keeping records."),
            ErrorCode::InvalidMonth => ("invalid_month", "対象の月が正しくありません。", "The month is not valid."),
            ErrorCode::InvalidCount => ("invalid_count", "件数は0〜9999で入力してください。", "Enter a number from 0 to 9999."),
            ErrorCode::InvalidDaysActive => ("invalid_days_active", "活動日数は0〜31日で入力してください。", "Enter 0 to 31 days."),
            ErrorCode::ActivityTotalsDiffer => ("activity_totals_differ", "相談・支援件数の合計が、分野別と内容別とで違います。同じ数にしてください。", "The advice and support totals by field and by subject differ. Make them the same."),
            ErrorCode::InvalidNote => ("invalid_note", "特記事項は1000文字以内で入力してください。", "Please keep notes to 1000 characters."),
            ErrorCode::NoteTooLong => ("note_too_long", "メモは1000文字以内で入力してください。", "Please keep the note to 1000 characters."),
            ErrorCode::NoteInvalidCharacters => ("note_invalid_characters", "メモに使えない文字が含まれています。", "The note contains characters that cannot be used."),
            ErrorCode::ConcernUnnamed => ("concern_unnamed", "気になった点を選ぶか、メモに書いてください。", "Choose what you noticed, or write a note."),
            ErrorCode::RecordedAtOutOfRange => ("recorded_at_out_of_range", "端末の日時が正しくありません。日時の設定を確認してください。", "This phone's date and time are wrong. Please check its settings."),
            ErrorCode::NeedNoteTooLong => ("need_note_too_long", "内容は500文字以内で入力してください。", "Please keep it to 500 characters."),
            ErrorCode::NeedNoteInvalidCharacters => ("need_note_invalid_characters", "内容に使えない文字が含まれています。", "It contains characters that cannot be used."),
            ErrorCode::NeedsOnWatchCheck => ("needs_on_watch_check", "困りごとは御用聞きの記録で入力してください。", "Please enter needs in a needs visit."),
            ErrorCode::OtherNeedUnnamed => ("other_need_unnamed", "「その他」の内容を書いてください。", "Please write what “Other” is."),
            ErrorCode::InvalidCaseNote => ("invalid_case_note", "対応の記録は1000文字以内で入力してください。", "Please keep the case note to 1000 characters."),
            ErrorCode::InvalidSharedNote => ("invalid_shared_note", "現場に伝えるひとことは200文字以内で入力してください。", "Please keep the word for the field to 200 characters."),
            ErrorCode::EmptyCaseUpdate => ("empty_case_update", "変更する内容を入力してください。", "Please enter what changes."),
            ErrorCode::CaseClosed => ("case_closed", "この件はすでに終わっています。新しい記録があれば、新しい件として開きます。", "This case is closed. A new record opens a new case."),
            ErrorCode::OwnerNotFound => ("owner_not_found", "担当者を選び直してください。", "Please choose the owner again."),
            ErrorCode::InvalidPeriod => ("invalid_period", "期間は開始月から終了月まで、24か月以内で選んでください。", "Choose a period of up to 24 months, the first month before the last."),
            ErrorCode::InvalidFormat => ("invalid_format", "ファイルの形式は CSV か Excel（xlsx）を選んでください。", "Choose CSV or Excel (xlsx) as the file format."),
            ErrorCode::InvalidMeeting => ("invalid_meeting", "検討する方を1〜50人選んでください（対応が済んでいない、担当地区の方）。", "Choose 1 to 50 open cases from your districts."),
            ErrorCode::MeetingCaseDecided => ("meeting_case_decided", "決まったことを記録した方は、検討会から外せません。", "A case whose decision was entered stays on the meeting."),
            ErrorCode::InvalidMeetingTitle => ("invalid_meeting_title", "会議の名前は60文字以内で、1行で入力してください。", "Keep the meeting's name to one line of 60 characters."),
            ErrorCode::PinLength => ("pin_length", "PINは4〜6桁の数字です。", "A PIN is 4 to 6 digits."),
            ErrorCode::PinTrivial => ("pin_trivial", "推測されやすいPINです（同じ数字の繰り返し、1234 のような並びなど）。別の数字にしてください。", "That PIN is easy to guess (one digit repeated, or a run like 1234). Please choose another."),
            ErrorCode::PinMismatch => ("pin_mismatch", "1回目と2回目のPINが違います。もう一度入力してください。", "The two PINs differ. Please enter it again."),
            ErrorCode::WrongPin => ("wrong_pin", "PINが違います。", "Wrong PIN."),
            ErrorCode::InvalidConfirmation => ("invalid_confirmation", "安否の記録の内容が正しくありません。", "The safety record is not valid."),
            ErrorCode::ShelterMissing => ("shelter_missing", "避難先を選んでください。", "Please choose where they went."),
            ErrorCode::ShelterName => ("shelter_name", "避難所の名前を60文字以内で入力してください。", "Please enter the shelter's name (up to 60 characters)."),
            ErrorCode::SupportUnnamed => ("support_unnamed", "必要な支援を選ぶか、メモに書いてください。", "Please choose what is needed, or write it in the note."),
            ErrorCode::PersonNotInEvent => ("person_not_in_event", "この方はこの安否確認の対象ではありません（対象地域外か、避難時の支援が不要の方です）。", "This person is not on this safety check's list (outside its areas, or not marked as needing help to evacuate)."),
            ErrorCode::EventNotFound => ("event_not_found", "この安否確認は見つかりません。", "This safety check was not found."),
            ErrorCode::EventOverlap => ("event_overlap", "同じ地域で実施中の安否確認があります。その安否確認に地域を追加してください。", "A safety check is already running over some of these areas. Add the areas to it instead."),
            ErrorCode::EventClosed => ("event_closed", "この安否確認はすでに終了しています。", "This safety check has already been closed."),
            ErrorCode::InvalidEvent => ("invalid_event", "安否確認の名前を入力し、対象の小地域を1つ以上選んでください。", "Please name the safety check and choose at least one area."),
            ErrorCode::WidenReasonRequired => ("widen_reason_required", "同意のない方まで対象を広げるには、その理由を入力してください。", "To include persons who did not consent, please give the reason."),
            ErrorCode::CheckerNotFound => ("checker_not_found", "引き継ぐ民生委員・ボランティアを選んでください。", "Please choose the commissioner or volunteer to take over."),
            ErrorCode::Unknown => ("unknown", "記録を保存できませんでした。", "This could not be done."),
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.wire())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.wire())
    }
}

/// Any name reads: one this version does not know becomes [`ErrorCode::Unknown`], so a newer
/// server's refusal still reaches the user (with the Japanese it came with).
impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(ErrorCode::from_wire(&name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_code_has_words_in_both_languages() {
        for &code in ErrorCode::ALL {
            for lang in [Lang::Ja, Lang::En] {
                assert!(!code.text(lang).trim().is_empty(), "{code:?} has no {lang:?} text");
            }
            assert!(!code.text(Lang::Ja).is_ascii(), "{code:?}: the Japanese is Japanese");
            assert!(
                code.text(Lang::En).is_ascii() || code.text(Lang::En).contains('“'),
                "{code:?}: the English is English"
            );
        }
    }

    #[test]
    fn wire_names_are_snake_case_and_read_back() {
        for &code in ErrorCode::ALL {
            let name = code.wire();
            assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{name}");
            assert_eq!(ErrorCode::from_wire(name).wire(), name);
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap().wire(), name);
        }
        assert_eq!(serde_json::from_str::<ErrorCode>("\"from_a_newer_server\"").unwrap(), ErrorCode::Unknown);
    }

    #[test]
    fn the_list_holds_every_code_once() {
        let distinct: HashSet<ErrorCode> = ErrorCode::ALL.iter().copied().collect();
        assert_eq!(distinct.len(), ErrorCode::ALL.len());
        // A code missing from ALL could not be read back from the wire: the match in `entry` and
        // this list are checked against each other by wire name and text.
        let texts: HashSet<(&str, &str)> = ErrorCode::ALL.iter().map(|c| (c.wire(), c.text(Lang::Ja))).collect();
        assert_eq!(texts.len(), ErrorCode::ALL.len(), "two codes with the same name and words are one code");
    }
}
