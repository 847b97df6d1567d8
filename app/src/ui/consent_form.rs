//! 本人同意の記録 in the field: the day, how it was obtained and what it allows. 民生委員 record
//! it on a visit (offline too); it replaces the consent in force once sent.

use super::actions;
use super::i18n;
use super::state::use_app_state;
use super::time::{local_date, now_millis};
use crate::domain::{CalendarDate, ConsentInput, ConsentMethod, ConsentScopes, PersonId, Role};
use crate::error::ErrorCode;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use rust_i18n::t;
use serde::{Deserialize, Serialize};

/// A consent as typed (kept as a draft).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct ConsentDraft {
    pub obtained_on: String,
    pub method: Option<ConsentMethod>,
    pub scopes: ConsentScopes,
}

impl ConsentDraft {
    pub fn today() -> Self {
        ConsentDraft {
            obtained_on: local_date(now_millis()).into(),
            method: None,
            scopes: ConsentScopes { record: true, share_partners: false, share_disaster: false },
        }
    }

    /// The consent, or the message to show next to the field that is wrong.
    pub fn input(&self) -> Result<ConsentInput, (&'static str, String)> {
        let method = self.method.ok_or_else(|| ("method", t!("consent.choose_method").into_owned()))?;
        let obtained_on = CalendarDate::parse(&self.obtained_on).map_err(|e| ("date", i18n::validation(&e)))?;
        let input = ConsentInput { obtained_on, method, scopes: self.scopes };
        input.validate(&local_date(now_millis())).map_err(|e| {
            (if e.code == ErrorCode::InvalidConsentDate { "date" } else { "scopes" }, i18n::validation(&e))
        })?;
        Ok(input)
    }
}

/// The consent fields: date, method, scopes, each with its message beside it.
#[component]
pub(super) fn ConsentFields(
    draft: RwSignal<ConsentDraft>,
    error: RwSignal<Option<(&'static str, String)>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let error_at = move |field: &'static str| {
        move || {
            error.get().filter(|(f, _)| *f == field).map(|(_, m)| view! { <p class="field-error" role="alert">{m}</p> })
        }
    };
    let set_scope = move |f: fn(&mut ConsentScopes, bool)| {
        move |ev: leptos::ev::Event| {
            let on = event_target_checked(&ev);
            draft.update(|d| f(&mut d.scopes, on));
            error.set(None);
            on_change();
        }
    };
    view! {
        <label for="consent-date">{t!("consent.date")}</label>
        <input id="consent-date" type="date" max=move || local_date(now_millis()).to_string()
            prop:value=move || draft.with(|d| d.obtained_on.clone())
            on:input=move |ev| {
                draft.update(|d| d.obtained_on = event_target_value(&ev));
                error.set(None);
                on_change();
            }/>
        {error_at("date")}
        <fieldset class="chip-group">
            <legend>{t!("consent.method")}</legend>
            {ConsentMethod::ALL.into_iter().map(|m| view! {
                <button type="button" class="chip"
                    aria-pressed=move || (draft.with(|d| d.method) == Some(m)).to_string()
                    on:click=move |_| {
                        draft.update(|d| d.method = Some(m));
                        error.set(None);
                        on_change();
                    }>
                    {i18n::label(m)}
                </button>
            }).collect_view()}
            {error_at("method")}
        </fieldset>
        <fieldset>
            <legend>{t!("consent.scopes")}</legend>
            <label class="checkbox">
                <input type="checkbox" prop:checked=move || draft.with(|d| d.scopes.record)
                    on:change=set_scope(|s, on| s.record = on)/>
                {t!("consent.scope_record")}
            </label>
            <label class="checkbox">
                <input type="checkbox" prop:checked=move || draft.with(|d| d.scopes.share_partners)
                    on:change=set_scope(|s, on| s.share_partners = on)/>
                {t!("consent.scope_partners")}
            </label>
            <label class="checkbox">
                <input type="checkbox" prop:checked=move || draft.with(|d| d.scopes.share_disaster)
                    on:change=set_scope(|s, on| s.share_disaster = on)/>
                {t!("consent.scope_disaster")}
            </label>
            {error_at("scopes")}
        </fieldset>
    }
}

#[component]
pub fn ConsentPage() -> impl IntoView {
    let state = use_app_state();
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id")).and_then(|id| PersonId::parse(&id)));
    let person = Memo::new(move |_| id.get().and_then(|id| state.person(&id)));
    let may_record = move || {
        state
            .session
            .with(|s| s.user().is_some_and(|u| matches!(u.role, Role::Commissioner | Role::Coordinator | Role::Admin)))
    };
    let back = move || {
        let person = id.get().map(|i| i.as_str().to_owned()).unwrap_or_default();
        match query.with(|q| q.get("back")).as_deref() {
            Some("inquiry") => format!("/persons/{person}/inquiry"),
            _ => format!("/persons/{person}"),
        }
    };
    let draft = RwSignal::new(ConsentDraft::today());
    let error = RwSignal::new(None::<(&'static str, String)>);
    let save_error = RwSignal::new(None::<String>);
    let draft_key = move || id.get_untracked().map(|i| actions::consent_draft_key(&i));
    leptos::task::spawn_local(async move {
        if let Some(key) = draft_key() {
            if let Some(d) = actions::load_draft::<ConsentDraft>(key).await {
                draft.set(d);
            }
        }
    });
    let keep_draft = move || {
        if let Some(key) = draft_key() {
            actions::save_draft(key, draft.get_untracked());
        }
    };
    let navigate = use_navigate();
    // Saved on the phone and queued, then back to where the form was opened from.
    let record = Action::new_local(move |(person, input, to): &(PersonId, ConsentInput, String)| {
        let (person, input, to, navigate) = (person.clone(), input.clone(), to.clone(), navigate.clone());
        async move {
            match actions::record_consent(state, person, input).await {
                Ok(()) => navigate(&to, Default::default()),
                Err(e) => save_error.set(Some(e)),
            }
        }
    });
    let busy = record.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Some(person) = id.get_untracked() else { return };
        let input = match draft.get_untracked().input() {
            Ok(i) => i,
            Err(e) => {
                error.set(Some(e));
                return;
            }
        };
        record.dispatch((person, input, back()));
    };
    // The form sits inside <Show>, whose children are built again each time it shows.
    let on_submit = StoredValue::new_local(on_submit);
    view! {
        <section class="page">
            <p class="back"><a href=back>{t!("form.back")}</a></p>
            <h1>{t!("person.record_consent")}</h1>
            <Show when=move || person.with(Option::is_some) fallback=|| view! {
                <p>{t!("form.person_not_here")}</p>
            }>
                <p class="lead">{move || person.with(|p| p.as_ref().map(|p| t!("consent.lead", name = p.name).into_owned()))}</p>
                <Show when=may_record fallback=|| view! {
                    <p class="notice">{t!("consent.who")}</p>
                }>
                    <form on:submit=move |ev| on_submit.with_value(|f| f(ev)) novalidate>
                        <ConsentFields draft error on_change=keep_draft/>
                        <div class="save-bar">
                            <button class="button primary" type="submit" disabled=move || busy.get()>{t!("person.record_consent")}</button>
                            <Show when=move || save_error.get().is_some()>
                                <p class="field-error" role="alert">{move || save_error.get().unwrap_or_default()}</p>
                            </Show>
                        </div>
                    </form>
                </Show>
            </Show>
        </section>
    }
}
