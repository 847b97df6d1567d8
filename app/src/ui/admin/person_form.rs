//! 対象者の登録・変更: the person's fields and, when registering, their consent (本人同意).
//! The browser checks with the same `validate()` the server uses before anything is sent, and
//! whatever was typed stays in the form when something is refused.

use super::api;
use super::widgets::{CheckField, ErrorFor, FieldError, FormError, FormProblem, ReadStatus, ServerRead, TextField};
use crate::api::admin::{AreaTree, NewPersonRequest, PersonDetail, UpdatePersonRequest};
use crate::domain::{
    CalendarDate, ConsentInput, ConsentMethod, ConsentScopes, EmergencyContact, HouseholdType, PersonFields, PersonId,
    MAX_EMERGENCY_CONTACTS,
};
use crate::ui::state::use_app_state;
use crate::ui::time::{local_date, now_millis};
use crate::words::Label;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

/// One emergency contact as typed.
#[derive(Clone, Copy)]
struct ContactDraft {
    key: u32,
    name: RwSignal<String>,
    relation: RwSignal<String>,
    phone: RwSignal<String>,
}

impl ContactDraft {
    fn new(key: u32, c: Option<&EmergencyContact>) -> Self {
        let text = |f: fn(&EmergencyContact) -> &String| RwSignal::new(c.map(f).cloned().unwrap_or_default());
        ContactDraft { key, name: text(|c| &c.name), relation: text(|c| &c.relation), phone: text(|c| &c.phone) }
    }
}

/// The person's fields as typed: text stays text until submit, so nothing typed is ever lost.
#[derive(Clone, Copy)]
pub struct PersonDraft {
    small_area_id: RwSignal<String>,
    name: RwSignal<String>,
    kana: RwSignal<String>,
    address: RwSignal<String>,
    phone: RwSignal<String>,
    lat: RwSignal<String>,
    lng: RwSignal<String>,
    household: RwSignal<HouseholdType>,
    contacts: RwSignal<Vec<ContactDraft>>,
    next_key: RwSignal<u32>,
    interval: RwSignal<String>,
    evacuation: RwSignal<bool>,
    notes: RwSignal<String>,
    active: RwSignal<bool>,
}

impl PersonDraft {
    pub fn new(initial: Option<&PersonFields>) -> Self {
        let text = |f: fn(&PersonFields) -> String| RwSignal::new(initial.map(f).unwrap_or_default());
        let contacts: Vec<ContactDraft> = initial
            .map(|p| p.emergency_contacts.iter().zip(0..).map(|(c, k)| ContactDraft::new(k, Some(c))).collect())
            .unwrap_or_default();
        PersonDraft {
            small_area_id: text(|p| p.small_area_id.clone()),
            name: text(|p| p.name.clone()),
            kana: text(|p| p.kana.clone()),
            address: text(|p| p.address.clone()),
            phone: text(|p| p.phone.clone().unwrap_or_default()),
            lat: text(|p| p.lat.to_string()),
            lng: text(|p| p.lng.to_string()),
            household: RwSignal::new(initial.map_or(HouseholdType::SingleElderly, |p| p.household_type)),
            next_key: RwSignal::new(contacts.len() as u32),
            contacts: RwSignal::new(contacts),
            interval: RwSignal::new(initial.map_or_else(|| "7".to_owned(), |p| p.check_interval_days.to_string())),
            evacuation: RwSignal::new(initial.is_some_and(|p| p.needs_evacuation_help)),
            notes: text(|p| p.notes.clone()),
            active: RwSignal::new(initial.is_none_or(|p| p.active)),
        }
    }

    /// What was typed, as fields to validate (numbers that do not parse fail validation).
    fn fields(&self) -> PersonFields {
        let phone = self.phone.get_untracked();
        PersonFields {
            small_area_id: self.small_area_id.get_untracked(),
            name: self.name.get_untracked(),
            kana: self.kana.get_untracked(),
            address: self.address.get_untracked(),
            phone: (!phone.trim().is_empty()).then(|| ascii(&phone)),
            lat: ascii(&self.lat.get_untracked()).trim().parse().unwrap_or(f64::NAN),
            lng: ascii(&self.lng.get_untracked()).trim().parse().unwrap_or(f64::NAN),
            household_type: self.household.get_untracked(),
            emergency_contacts: self.contacts.with_untracked(|cs| {
                cs.iter()
                    .map(|c| EmergencyContact {
                        name: c.name.get_untracked(),
                        relation: c.relation.get_untracked(),
                        phone: ascii(&c.phone.get_untracked()),
                    })
                    .collect()
            }),
            check_interval_days: ascii(&self.interval.get_untracked()).trim().parse().unwrap_or(0),
            needs_evacuation_help: self.evacuation.get_untracked(),
            notes: self.notes.get_untracked(),
            active: self.active.get_untracked(),
        }
    }
}

/// Full-width digits and signs (typed with a Japanese keyboard) as ASCII.
fn ascii(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '．' => '.',
            '－' | 'ー' | '‐' | '−' => '-',
            '（' => '(',
            '）' => ')',
            '＋' => '+',
            '　' => ' ',
            c => c,
        })
        .collect()
}

/// A consent as typed.
#[derive(Clone, Copy)]
pub struct ConsentDraft {
    date: RwSignal<String>,
    method: RwSignal<ConsentMethod>,
    record: RwSignal<bool>,
    share_partners: RwSignal<bool>,
    share_disaster: RwSignal<bool>,
}

impl ConsentDraft {
    pub fn new() -> Self {
        ConsentDraft {
            date: RwSignal::new(today().into()),
            method: RwSignal::new(ConsentMethod::Written),
            record: RwSignal::new(true),
            share_partners: RwSignal::new(false),
            share_disaster: RwSignal::new(false),
        }
    }

    /// The consent, checked; the error names its field.
    pub fn input(&self) -> Result<ConsentInput, FieldError> {
        let input = ConsentInput {
            obtained_on: CalendarDate::parse(ascii(&self.date.get_untracked()).trim())?,
            method: self.method.get_untracked(),
            scopes: ConsentScopes {
                record: self.record.get_untracked(),
                share_partners: self.share_partners.get_untracked(),
                share_disaster: self.share_disaster.get_untracked(),
            },
        };
        input.validate(&today())?;
        Ok(input)
    }
}

pub fn today() -> CalendarDate {
    local_date(now_millis())
}

/// 登録 (`/admin/persons/new`).
#[component]
pub fn NewPersonPage() -> impl IntoView {
    let state = use_app_state();
    let draft = PersonDraft::new(None);
    let consent = ConsentDraft::new();
    let error: FormError = RwSignal::new(None);
    let navigate = use_navigate();
    let create = Action::new_local(move |req: &NewPersonRequest| {
        let (req, navigate) = (req.clone(), navigate.clone());
        async move {
            match api::create_person(&req).await {
                Ok(d) => navigate(&format!("/admin/persons/{}", d.id.as_str()), Default::default()),
                Err(f) => error.set(Some(FieldError::from_failure(&f, state))),
            }
        }
    });
    let busy = create.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let checked = draft.fields().validate().map_err(FieldError::from).and_then(|p| Ok((p, consent.input()?)));
        let (person, consent) = match checked {
            Ok(v) => v,
            Err(e) => return error.set(Some(e)),
        };
        error.set(None);
        create.dispatch(NewPersonRequest { person, consent });
    };
    view! {
        <section class="page admin-page">
            <p class="back"><A href="/admin/persons">"← 対象者の一覧"</A></p>
            <h1>"対象者を新しく登録"</h1>
            <form class="admin-form" on:submit=on_submit novalidate data-testid="person-form">
                <PersonFieldsEditor draft error/>
                <fieldset class="group">
                    <legend>"本人同意"</legend>
                    <ConsentEditor draft=consent error id_prefix="new"/>
                </fieldset>
                <FormProblem error/>
                <button class="button primary" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { "登録中…" } else { "登録する" }}
                </button>
            </form>
        </section>
    }
}

/// 変更: the same fields, filled in; on success the caller gets the saved person.
#[component]
pub fn EditPersonForm(
    id: PersonId,
    initial: PersonFields,
    on_saved: Callback<PersonDetail>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let state = use_app_state();
    let draft = PersonDraft::new(Some(&initial));
    let error: FormError = RwSignal::new(None);
    let id = StoredValue::new(id);
    let save = Action::new_local(move |req: &UpdatePersonRequest| {
        let req = req.clone();
        async move {
            match api::update_person(&id.get_value(), &req).await {
                Ok(d) => on_saved.run(d),
                Err(f) => error.set(Some(FieldError::from_failure(&f, state))),
            }
        }
    });
    let busy = save.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let person = match draft.fields().validate() {
            Ok(p) => p,
            Err(e) => return error.set(Some(e.into())),
        };
        error.set(None);
        save.dispatch(UpdatePersonRequest { person });
    };
    view! {
        <form class="admin-form" on:submit=on_submit novalidate data-testid="person-form">
            <PersonFieldsEditor draft error/>
            <FormProblem error/>
            <div class="actions">
                <button class="button primary" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { "保存中…" } else { "保存する" }}
                </button>
                <button class="button secondary" type="button" on:click=move |_| on_cancel.run(())>"やめる"</button>
            </div>
        </form>
    }
}

#[component]
fn PersonFieldsEditor(draft: PersonDraft, error: FormError) -> impl IntoView {
    view! {
        <div class="form-grid">
            <SmallAreaSelect value=draft.small_area_id error/>
            <TextField id="p-name" label="氏名" value=draft.name error codes=&["invalid_name"] required=true autocomplete="off"/>
            <TextField id="p-kana" label="ふりがな" value=draft.kana error codes=&["invalid_kana"] required=true
                hint="ひらがな か カタカナ" autocomplete="off"/>
            <TextField id="p-address" label="住所" value=draft.address error codes=&["invalid_address"] required=true
                autocomplete="off"/>
            <TextField id="p-phone" label="電話番号" value=draft.phone error codes=&["invalid_phone"] kind="tel"
                inputmode="tel" hint="例：0185-00-1234（なければ空欄）" autocomplete="off"/>
            <div class="field">
                <label for="p-household">"世帯の状況"</label>
                <select id="p-household" on:change=move |ev| {
                    if let Some(h) = HouseholdType::parse(&event_target_value(&ev)) { draft.household.set(h) }
                }>
                    {HouseholdType::ALL.into_iter().map(|h| view! {
                        <option value=h.as_str() selected=move || draft.household.get() == h>{h.label_ja()}</option>
                    }).collect_view()}
                </select>
            </div>
            <fieldset class="group wide">
                <legend>"位置（緯度・経度）"</legend>
                <p class="hint">"地図アプリで調べた数字を入れます。例：緯度 39.72、経度 140.10"</p>
                <div class="pair">
                    <TextField id="p-lat" label="緯度" value=draft.lat error inputmode="decimal" required=true/>
                    <TextField id="p-lng" label="経度" value=draft.lng error inputmode="decimal" required=true/>
                </div>
                <ErrorFor error codes=&["invalid_location"]/>
            </fieldset>
            <TextField id="p-interval" label="見守りの間隔（日）" value=draft.interval error
                codes=&["invalid_check_interval"] inputmode="numeric" hint="何日ごとに確認するか（1〜365）" required=true/>
            <div class="field checks">
                <CheckField id="p-evacuation" label="避難に支援が必要" value=draft.evacuation
                    hint="災害のとき、一人では避難できない方（災害時要援護者）"/>
                <CheckField id="p-active" label="見守りを続けている" value=draft.active
                    hint="入院・転居などで休止するときは外します"/>
            </div>
            <ContactsEditor draft error/>
            <div class="wide">
                <TextField id="p-notes" label="メモ" value=draft.notes error codes=&["invalid_notes"] multiline=true
                    hint="支援に必要なこと（2000文字まで）。担当者だけが見ます。"/>
            </div>
        </div>
    }
}

/// 小地域: from the municipality's area tree, by district.
#[component]
fn SmallAreaSelect(value: RwSignal<String>, error: FormError) -> impl IntoView {
    let read: ServerRead<AreaTree> = LocalResource::new(api::areas);
    let tree = move || read.with(|r| r.as_ref().and_then(|r| r.as_ref().ok()).cloned());
    const CODES: &[&str] = &["small_area_not_found", "area_not_found"];
    let invalid = move || error.with(|e| e.as_ref().is_some_and(|e| CODES.contains(&e.code.as_str())));
    view! {
        <div class="field">
            <label for="p-area">"小地域（町内会・自治会）" <span class="required">"（必須）"</span></label>
            <select id="p-area" aria-invalid=move || invalid().to_string() on:change=move |ev| {
                value.set(event_target_value(&ev));
                if invalid() { error.set(None) }
            }>
                <option value="" selected=move || value.get().is_empty()>"選んでください"</option>
                {move || tree().map(|t| t.districts.into_iter().map(|d| view! {
                    <optgroup label=d.name>
                        {d.small_areas.into_iter().map(|a| {
                            let id = a.id.clone();
                            view! { <option value=a.id selected=move || value.get() == id>{a.name}</option> }
                        }).collect_view()}
                    </optgroup>
                }).collect_view())}
            </select>
            <ReadStatus read/>
            <ErrorFor error codes=CODES/>
        </div>
    }
}

/// 緊急連絡先: up to five, each a name, a relation and a phone number.
#[component]
fn ContactsEditor(draft: PersonDraft, error: FormError) -> impl IntoView {
    let add = move |_| {
        let key = draft.next_key.get_untracked();
        draft.next_key.set(key + 1);
        draft.contacts.update(|cs| cs.push(ContactDraft::new(key, None)));
    };
    let full = move || draft.contacts.with(|cs| cs.len() >= MAX_EMERGENCY_CONTACTS);
    view! {
        <fieldset class="group wide">
            <legend>"緊急連絡先（5件まで）"</legend>
            <ol class="contacts">
                <For each=move || draft.contacts.get() key=|c| c.key let:c>
                    <li class="contact">
                        <div class="contact-fields">
                            <TextField id=format!("c{}-name", c.key) label="氏名" value=c.name error/>
                            <TextField id=format!("c{}-relation", c.key) label="続柄など" value=c.relation error
                                hint="長男、隣人、ケアマネジャー など"/>
                            <TextField id=format!("c{}-phone", c.key) label="電話番号" value=c.phone error kind="tel"
                                inputmode="tel"/>
                        </div>
                        <button type="button" class="button secondary small"
                            on:click=move |_| draft.contacts.update(|cs| cs.retain(|x| x.key != c.key))>
                            "この連絡先を削除"
                        </button>
                    </li>
                </For>
            </ol>
            <ErrorFor error codes=&["invalid_emergency_contact", "too_many_emergency_contacts"]/>
            <button type="button" class="button" on:click=add disabled=full>"緊急連絡先を追加"</button>
        </fieldset>
    }
}

/// 本人同意: the day, how it was given, and what the person agreed to, in plain words.
#[component]
pub fn ConsentEditor(draft: ConsentDraft, error: FormError, id_prefix: &'static str) -> impl IntoView {
    let id = |s: &str| format!("{id_prefix}-{s}");
    let name = id("method");
    view! {
        <div class="consent-editor">
            <TextField id=id("date") label="同意した日" value=draft.date error codes=&["invalid_date", "invalid_consent_date"] kind="date"
                max=today().to_string() required=true/>
            <fieldset class="radios">
                <legend>"同意の方法"</legend>
                {ConsentMethod::ALL.into_iter().map(|m| {
                    let rid = id(m.as_str());
                    view! {
                        <div class="radio-field">
                            <input type="radio" id=rid.clone() name=name.clone() value=m.as_str()
                                prop:checked=move || draft.method.get() == m
                                on:change=move |_| draft.method.set(m)/>
                            <label for=rid>{m.label_ja()}</label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
            <fieldset class="checks">
                <legend>"同意の範囲"</legend>
                <CheckField id=id("record") label="記録への同意" value=draft.record
                    hint="見守りのために、この方の情報を記録し、担当の見守りボランティア・民生委員が見ることに同意しています。"/>
                <CheckField id=id("partners") label="協力法人との共有" value=draft.share_partners
                    hint="除雪や買い物などの支援のために、協力する社会福祉法人に情報を伝えることに同意しています。"/>
                <CheckField id=id("disaster") label="災害時の共有" value=draft.share_disaster
                    hint="災害のとき、避難の支援や安否確認のために、市町村や消防など関係機関に情報を伝えることに同意しています。"/>
                <ErrorFor error codes=&["invalid_consent_scopes"]/>
            </fieldset>
        </div>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn full_width_numbers_are_read() {
        assert_eq!(super::ascii("０１８５－００－１２３４"), "0185-00-1234");
        assert_eq!(super::ascii("３９．７２"), "39.72");
    }
}
