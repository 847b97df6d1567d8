//! 御用聞きの記録: a visit that asks what the household needs. The needs checklist, a note on
//! each, and for each need the household wants help with, a 相談・依頼 saved with the visit.
//! A request may go to a partner corporation only when the person's consent allows sharing
//! with partners; otherwise the screen says so and offers to record consent.

use super::actions::{self, CheckDetails, RequestAsk};
use super::check_form::{EmergencyCalls, MethodChips, OutcomeButtons};
use super::i18n;
use super::person_page::person_route;
use super::state::use_app_state;
use crate::domain::{
    need_text, needs_fit, CheckKind, CheckMethod, CheckNote, CheckOutcome, Need, NeedNote, Person, PersonId, Role,
};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use rust_i18n::t;
use serde::{Deserialize, Serialize};

/// One need as ticked and typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct NeedDraft {
    need: Need,
    note: String,
    /// The household wants help: becomes a 相談・依頼.
    request: bool,
    to_partner: bool,
}

/// The form as typed so far, kept in the device's `drafts` store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct InquiryDraft {
    outcome: Option<CheckOutcome>,
    method: Option<CheckMethod>,
    needs: Vec<NeedDraft>,
    note: String,
}

impl Default for InquiryDraft {
    fn default() -> Self {
        // A 御用聞き is usually a visit; the user can change it to a phone call.
        InquiryDraft { outcome: None, method: Some(CheckMethod::Visit), needs: Vec::new(), note: String::new() }
    }
}

#[component]
pub fn InquiryPage() -> impl IntoView {
    person_route(|id, person| view! { <InquiryForm id person/> }.into_any())
}

#[component]
fn InquiryForm(id: PersonId, person: Memo<Option<Person>>) -> impl IntoView {
    let state = use_app_state();
    let outcome = RwSignal::new(None::<CheckOutcome>);
    let method = RwSignal::new(Some(CheckMethod::Visit));
    let needs = RwSignal::new(Vec::<NeedDraft>::new());
    let note = RwSignal::new(String::new());
    let draft = move || InquiryDraft {
        outcome: outcome.get_untracked(),
        method: method.get_untracked(),
        needs: needs.get_untracked(),
        note: note.get_untracked(),
    };
    let draft_key = StoredValue::new(actions::inquiry_draft_key(&id));
    leptos::task::spawn_local(async move {
        if let Some(d) = actions::load_draft::<InquiryDraft>(draft_key.get_value()).await {
            if draft() == InquiryDraft::default() {
                outcome.set(d.outcome);
                method.set(d.method);
                needs.set(d.needs);
                note.set(d.note);
            }
        }
    });
    let keep_draft = move || actions::save_draft(draft_key.get_value(), draft());
    let outcome_error = RwSignal::new(None::<String>);
    let needs_error = RwSignal::new(None::<String>);
    let note_error = RwSignal::new(None::<String>);
    let save_error = RwSignal::new(None::<String>);
    let shares = move || person.with(|p| p.as_ref().is_some_and(|p| p.consent.share_partners));
    let id = StoredValue::new(id);
    let navigate = use_navigate();
    // Durable in the device store, then back to the person's page, which says it was saved.
    let save = Action::new_local(move |(chosen, details): &(CheckOutcome, CheckDetails)| {
        let (chosen, details, navigate) = (*chosen, details.clone(), navigate.clone());
        async move {
            let person = id.get_value();
            match actions::save_check(state, person.clone(), chosen, details).await {
                Ok(()) => navigate(&format!("/persons/{}?saved=inquiry", person.as_str()), Default::default()),
                // What was typed stays in the form (and in the draft).
                Err(e) => save_error.set(Some(e)),
            }
        }
    });
    let busy = save.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        save_error.set(None);
        let chosen = outcome.get_untracked();
        outcome_error.set(chosen.is_none().then(|| t!("inquiry.choose_outcome").into_owned()));
        let parsed = CheckNote::parse(&note.get_untracked());
        note_error.set(parsed.as_ref().err().map(i18n::validation));
        let ticked = needs.get_untracked();
        let mut heard = Vec::with_capacity(ticked.len());
        let mut requests = Vec::new();
        for n in &ticked {
            match need_text(&n.note) {
                Ok(text) => {
                    if n.request {
                        // Without consent to share the screen offers no partner; never send one.
                        let to_partner = n.to_partner && shares();
                        requests.push(RequestAsk { need: n.need, detail: text.clone(), to_partner });
                    }
                    heard.push(NeedNote { need: n.need, note: text });
                }
                Err(e) => {
                    needs_error.set(Some(i18n::validation(&e)));
                    return;
                }
            }
        }
        if let Err(e) = needs_fit(CheckKind::Inquiry, &heard) {
            needs_error.set(Some(i18n::validation(&e)));
            return;
        }
        let (Some(chosen), Ok(note_value)) = (chosen, parsed) else { return };
        let details = CheckDetails {
            note: note_value,
            method: method.get_untracked(),
            kind: CheckKind::Inquiry,
            needs: heard,
            requests,
            ..CheckDetails::default()
        };
        save.dispatch((chosen, details));
    };
    let name = move || person.with(|p| p.as_ref().map(|p| p.name.clone()).unwrap_or_default());
    let back = move || format!("/persons/{}", id.get_value().as_str());
    view! {
        <section class="page inquiry">
            <p class="back"><a href=back>{move || t!("form.back_to", name = name())}</a></p>
            <h1>{i18n::label(CheckKind::Inquiry)} " " <span class="person-name">{move || t!("form.person_name", name = name())}</span></h1>
            <form class="check-form" on:submit=on_submit novalidate>
                <OutcomeButtons legend=t!("inquiry.legend").into_owned() outcome error=outcome_error on_change=keep_draft/>
                <Show when=move || outcome.get() == Some(CheckOutcome::Emergency)>
                    <EmergencyCalls person/>
                </Show>
                <MethodChips method on_change=keep_draft/>
                <NeedsChecklist needs error=needs_error shares on_change=keep_draft person=id.get_value()/>
                <label for="inquiry-note">{t!("check.note")}</label>
                <textarea id="inquiry-note" rows="3" maxlength="1000"
                    placeholder=t!("inquiry.note_placeholder")
                    prop:value=move || note.get()
                    on:input=move |ev| {
                        note.set(event_target_value(&ev));
                        note_error.set(None);
                        keep_draft();
                    }></textarea>
                <Show when=move || note_error.get().is_some()>
                    <p class="field-error" role="alert">{move || note_error.get().unwrap_or_default()}</p>
                </Show>
                <div class="save-bar">
                    <button class="button primary" type="submit" disabled=move || busy.get()>
                        {move || match needs.with(|n| n.iter().filter(|n| n.request).count()) {
                            0 => t!("check.save").into_owned(),
                            k => t!("inquiry.save_with_requests", k = k).into_owned(),
                        }}
                    </button>
                    <Show when=move || save_error.get().is_some()>
                        <p class="field-error" role="alert">{move || save_error.get().unwrap_or_default()}</p>
                    </Show>
                </div>
            </form>
        </section>
    }
}

/// 困りごと: the checklist. A ticked need opens its note and the choice to ask for help.
#[component]
fn NeedsChecklist(
    needs: RwSignal<Vec<NeedDraft>>,
    error: RwSignal<Option<String>>,
    shares: impl Fn() -> bool + Copy + Send + Sync + 'static,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
    person: PersonId,
) -> impl IntoView {
    let person = StoredValue::new(person);
    let toggle = move |need: Need| {
        needs.update(|v| {
            if let Some(i) = v.iter().position(|n| n.need == need) {
                v.remove(i);
            } else {
                v.push(NeedDraft { need, note: String::new(), request: false, to_partner: false });
                v.sort_by_key(|n| n.need);
            }
        });
        error.set(None);
        on_change();
    };
    let edit = move |need: Need, f: &dyn Fn(&mut NeedDraft)| {
        needs.update(|v| {
            if let Some(n) = v.iter_mut().find(|n| n.need == need) {
                f(n);
            }
        });
        error.set(None);
        on_change();
    };
    view! {
        <fieldset class="needs" data-testid="needs">
            <legend>{t!("inquiry.needs")}</legend>
            <div class="chip-group">
                {Need::ALL.into_iter().map(|n| view! {
                    <button type="button" class="chip"
                        aria-pressed=move || needs.with(|v| v.iter().any(|d| d.need == n)).to_string()
                        on:click=move |_| toggle(n)>
                        {i18n::label(n)}
                    </button>
                }).collect_view()}
            </div>
            <Show when=move || needs.with(Vec::is_empty)>
                <p class="hint">{t!("inquiry.no_needs_hint")}</p>
            </Show>
            <For each=move || needs.with(|v| v.iter().map(|n| n.need).collect::<Vec<_>>()) key=|n| *n let:need>
                <NeedDetail need needs shares edit person=person.get_value()/>
            </For>
            <Show when=move || error.get().is_some()>
                <p class="field-error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </fieldset>
    }
}

/// One ticked need: what was said, and whether it becomes a request (and to whom).
#[component]
fn NeedDetail(
    need: Need,
    needs: RwSignal<Vec<NeedDraft>>,
    shares: impl Fn() -> bool + Copy + Send + Sync + 'static,
    edit: impl Fn(Need, &dyn Fn(&mut NeedDraft)) + Copy + Send + Sync + 'static,
    person: PersonId,
) -> impl IntoView {
    let state = use_app_state();
    let this = move || needs.with(|v| v.iter().find(|n| n.need == need).cloned());
    let requested = move || this().is_some_and(|n| n.request);
    let note_id = format!("need-note-{}", need.as_str());
    let editor = move || {
        state
            .session
            .with(|s| s.user().is_some_and(|u| matches!(u.role, Role::Commissioner | Role::Coordinator | Role::Admin)))
    };
    let consent_href = StoredValue::new(format!("/persons/{}/consent?back=inquiry", person.as_str()));
    view! {
        <div class="need-detail" data-testid=format!("need-{}", need.as_str())>
            <label for=note_id.clone()>{t!("inquiry.need_detail", need = i18n::label(need))}
                {(need == Need::Other).then(|| t!("form.required"))}</label>
            <textarea id=note_id rows="2" maxlength="500"
                prop:value=move || this().map(|n| n.note).unwrap_or_default()
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    edit(need, &|n| n.note = text.clone());
                }></textarea>
            <label class="checkbox">
                <input type="checkbox" prop:checked=requested
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        edit(need, &|n| {
                            n.request = on;
                            if !on {
                                n.to_partner = false;
                            }
                        });
                    }/>
                {t!("inquiry.as_request")}
            </label>
            <Show when=requested>
                <Show when=shares fallback=move || view! {
                    <div class="notice consent-gate" role="note" data-testid="consent-gate">
                        <p>{t!("inquiry.consent_gate")}</p>
                        <Show when=editor fallback=|| view! {
                            <p>{t!("inquiry.consent_ask")}</p>
                        }>
                            <a class="button secondary" href=move || consent_href.get_value()>{t!("person.record_consent")}</a>
                        </Show>
                    </div>
                }>
                    <label class="checkbox">
                        <input type="checkbox" prop:checked=move || this().is_some_and(|n| n.to_partner)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                edit(need, &|n| n.to_partner = on);
                            }/>
                        {t!("inquiry.to_partner")}
                    </label>
                </Show>
            </Show>
        </div>
    }
}
