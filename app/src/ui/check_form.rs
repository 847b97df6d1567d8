//! 見守りの記録: the form on a person's page. Three taps from home for the usual case
//! (person → 変わりなし → 記録する); method, what was seen, a note and a location stamp are
//! optional. 緊急 puts one-tap calls on top and goes to the coordinator ahead of everything else.
//! What is typed is kept as a draft on the device until it is saved.

use super::actions::{self, CheckDetails};
use super::i18n;
use super::state::use_app_state;
use crate::domain::{concern_is_named, CheckMethod, CheckNote, CheckOutcome, Concern, GeoStamp, Person, PersonId};
use leptos::prelude::*;
use rust_i18n::t;
use serde::{Deserialize, Serialize};

/// The form as typed so far, kept in the device's `drafts` store.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct CheckDraft {
    outcome: Option<CheckOutcome>,
    method: Option<CheckMethod>,
    concerns: Vec<Concern>,
    note: String,
}

#[derive(Clone, Copy)]
struct Form {
    outcome: RwSignal<Option<CheckOutcome>>,
    method: RwSignal<Option<CheckMethod>>,
    concerns: RwSignal<Vec<Concern>>,
    note: RwSignal<String>,
}

impl Form {
    fn draft(&self) -> CheckDraft {
        CheckDraft {
            outcome: self.outcome.get_untracked(),
            method: self.method.get_untracked(),
            concerns: self.concerns.get_untracked(),
            note: self.note.get_untracked(),
        }
    }

    fn fill(&self, d: CheckDraft) {
        self.outcome.set(d.outcome);
        self.method.set(d.method);
        self.concerns.set(d.concerns);
        self.note.set(d.note);
    }
}

#[component]
pub fn CheckForm(id: PersonId, person: Memo<Option<Person>>) -> impl IntoView {
    let state = use_app_state();
    let form = Form {
        outcome: RwSignal::new(None),
        method: RwSignal::new(None),
        concerns: RwSignal::new(Vec::new()),
        note: RwSignal::new(String::new()),
    };
    let draft_key = StoredValue::new(actions::check_draft_key(&id));
    // A draft left by a reload or a killed app comes back, unless the user has started typing.
    leptos::task::spawn_local(async move {
        if let Some(d) = actions::load_draft::<CheckDraft>(draft_key.get_value()).await {
            if form.draft() == CheckDraft::default() {
                form.fill(d);
            }
        }
    });
    let keep_draft = move || actions::save_draft(draft_key.get_value(), form.draft());
    let stamp = RwSignal::new(None::<GeoStamp>);
    let outcome_error = RwSignal::new(None::<String>);
    let note_error = RwSignal::new(None::<String>);
    let concern_error = RwSignal::new(None::<String>);
    let save_error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let id = StoredValue::new(id);
    // `Ok` means durable in the device store: only then does the form say 保存しました.
    let save = Action::new_local(move |(chosen, details): &(CheckOutcome, CheckDetails)| {
        let (chosen, details) = (*chosen, details.clone());
        async move {
            match actions::save_check(state, id.get_value(), chosen, details).await {
                Ok(()) => {
                    form.fill(CheckDraft::default());
                    stamp.set(None);
                    saved.set(true);
                }
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
        saved.set(false);
        save_error.set(None);
        let chosen = form.outcome.get_untracked();
        outcome_error.set(chosen.is_none().then(|| t!("check.choose_outcome").into_owned()));
        let parsed = CheckNote::parse(&form.note.get_untracked());
        note_error.set(parsed.as_ref().err().map(i18n::validation));
        let (Some(chosen), Ok(note)) = (chosen, parsed) else { return };
        let details = CheckDetails {
            note,
            method: form.method.get_untracked(),
            concerns: form.concerns.get_untracked(),
            location: stamp.get_untracked(),
            ..CheckDetails::default()
        };
        if let Err(e) = concern_is_named(chosen, &details.concerns, details.note.as_ref()) {
            concern_error.set(Some(i18n::validation(&e)));
            return;
        }
        save.dispatch((chosen, details));
    };
    let outcome = form.outcome;
    let shows_concerns = move || matches!(outcome.get(), Some(o) if o != CheckOutcome::AllWell);
    view! {
        <form class="check-form" on:submit=on_submit novalidate>
            <OutcomeButtons legend=t!("check.legend").into_owned() outcome error=outcome_error on_change=move || {
                concern_error.set(None);
                saved.set(false);
                keep_draft();
            }/>
            <Show when=move || outcome.get() == Some(CheckOutcome::Emergency)>
                <EmergencyCalls person/>
            </Show>
            <p class="optional-heading">{t!("check.details")}</p>
            <Show when=shows_concerns>
                <ConcernChips concerns=form.concerns error=concern_error on_change=keep_draft/>
            </Show>
            <MethodChips method=form.method on_change=keep_draft/>
            <label for="note">{t!("check.note")}</label>
            <textarea id="note" rows="3" maxlength="1000"
                placeholder=t!("check.note_placeholder")
                prop:value=move || form.note.get()
                on:input=move |ev| {
                    form.note.set(event_target_value(&ev));
                    note_error.set(None);
                    concern_error.set(None);
                    keep_draft();
                }></textarea>
            <Show when=move || note_error.get().is_some()>
                <p class="field-error" role="alert">{move || note_error.get().unwrap_or_default()}</p>
            </Show>
            <LocationStamp stamp/>
            // Sticks to the bottom of the screen while the form is in view: the usual check is
            // person → outcome → save, without scrolling past the optional details.
            <div class="save-bar">
                <button class="button primary" type="submit" disabled=move || busy.get()>{t!("check.save")}</button>
                <Show when=move || saved.get()>
                    <p class="saved" role="status" data-testid="saved">{t!("check.saved")}</p>
                </Show>
                <Show when=move || save_error.get().is_some()>
                    <p class="field-error" role="alert">{move || save_error.get().unwrap_or_default()}</p>
                </Show>
            </div>
        </form>
    }
}

/// 変わりなし / 気になる / 不在 / 緊急: one must be chosen.
#[component]
pub(super) fn OutcomeButtons(
    legend: String,
    outcome: RwSignal<Option<CheckOutcome>>,
    error: RwSignal<Option<String>>,
    on_change: impl Fn() + Copy + 'static,
) -> impl IntoView {
    view! {
        <fieldset>
            <legend>{legend}</legend>
            <div class="outcomes">
                {CheckOutcome::ALL.into_iter().map(|o| view! {
                    <button type="button"
                        class=format!("outcome outcome-{}", o.as_str())
                        class:selected=move || outcome.get() == Some(o)
                        aria-pressed=move || (outcome.get() == Some(o)).to_string()
                        on:click=move |_| {
                            outcome.set(Some(o));
                            error.set(None);
                            on_change();
                        }>
                        {i18n::label(o)}
                    </button>
                }).collect_view()}
            </div>
            <Show when=move || error.get().is_some()>
                <p class="field-error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </fieldset>
    }
}

/// 方法: one of four, or none; tapping the chosen one again clears it.
#[component]
pub(super) fn MethodChips(
    method: RwSignal<Option<CheckMethod>>,
    on_change: impl Fn() + Copy + 'static,
) -> impl IntoView {
    view! {
        <fieldset class="chip-group">
            <legend>{t!("check.method")}</legend>
            {CheckMethod::ALL.into_iter().map(|m| view! {
                <button type="button" class="chip"
                    aria-pressed=move || (method.get() == Some(m)).to_string()
                    on:click=move |_| {
                        method.update(|v| *v = if *v == Some(m) { None } else { Some(m) });
                        on_change();
                    }>
                    {i18n::label(m)}
                </button>
            }).collect_view()}
        </fieldset>
    }
}

/// 気づいたこと: any number of the signs the network is trained to notice.
#[component]
fn ConcernChips(
    concerns: RwSignal<Vec<Concern>>,
    error: RwSignal<Option<String>>,
    on_change: impl Fn() + Copy + 'static,
) -> impl IntoView {
    view! {
        <fieldset class="chip-group" data-testid="concern-chips">
            <legend>{t!("check.concerns")}</legend>
            {Concern::ALL.into_iter().map(|c| view! {
                <button type="button" class="chip"
                    aria-pressed=move || concerns.with(|v| v.contains(&c)).to_string()
                    on:click=move |_| {
                        concerns.update(|v| {
                            if let Some(i) = v.iter().position(|x| *x == c) { v.remove(i); } else { v.push(c); v.sort(); }
                        });
                        error.set(None);
                        on_change();
                    }>
                    {i18n::label(c)}
                </button>
            }).collect_view()}
            <Show when=move || error.get().is_some()>
                <p class="field-error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </fieldset>
    }
}

/// 緊急: calls a tap away. The check itself is sent to the coordinator before anything else.
#[component]
pub(super) fn EmergencyCalls(person: Memo<Option<Person>>) -> impl IntoView {
    let tel = |n: &str| format!("tel:{}", n.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect::<String>());
    let calls = move || {
        person.with(|p| {
            let mut v = Vec::new();
            if let Some(p) = p {
                if let Some(phone) = &p.phone {
                    v.push((t!("check.call_person", name = p.name).into_owned(), tel(phone)));
                }
                for c in &p.emergency_contacts {
                    let who =
                        if c.relation.is_empty() { c.name.clone() } else { format!("{}（{}）", c.name, c.relation) };
                    v.push((t!("check.call_contact", who = who).into_owned(), tel(&c.phone)));
                }
            }
            v
        })
    };
    view! {
        <div class="emergency" role="region" aria-label=t!("check.emergency_region") data-testid="emergency-calls">
            <p class="emergency-lead">{t!("check.emergency_lead")}</p>
            <a class="button call call-119" href="tel:119">{t!("check.call_119")}</a>
            {move || calls().into_iter().map(|(label, href)| view! {
                <a class="button call" href=href>{label}</a>
            }).collect_view()}
            <p class="emergency-note">{t!("check.emergency_note")}</p>
        </div>
    }
}

/// この場所を記録: the position is taken when ticked (a fix can take a while indoors), so
/// saving never waits for it.
#[component]
pub(super) fn LocationStamp(stamp: RwSignal<Option<GeoStamp>>) -> impl IntoView {
    let wanted = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let on_change = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        wanted.set(on);
        error.set(None);
        stamp.set(None);
        if on {
            leptos::task::spawn_local(async move {
                match actions::current_position().await {
                    Ok(p) if wanted.get_untracked() => stamp.set(Some(p)),
                    Ok(_) => {}
                    Err(e) => {
                        wanted.set(false);
                        error.set(Some(e));
                    }
                }
            });
        }
    };
    view! {
        <label class="checkbox">
            <input type="checkbox" prop:checked=move || wanted.get() on:change=on_change/>
            {t!("check.stamp")}
        </label>
        <Show when=move || wanted.get()>
            <p class="hint" role="status">{move || match stamp.get() {
                Some(s) => t!("check.stamped", m = s.accuracy_m.round() as i64).into_owned(),
                None => t!("check.stamping").into_owned(),
            }}</p>
        </Show>
        <Show when=move || error.get().is_some()>
            <p class="field-error" role="alert">{move || error.get().unwrap_or_default()}</p>
        </Show>
    }
}
