//! Small pieces every management screen uses: a read from the server and its status line, a labelled text field with
//! its error, a checkbox with an explanation, a confirm-first button, and the managers-only gate.

use super::api::{Failure, OFFLINE_VIEW_JA};
use crate::domain::ValidationError;
use crate::ui::state::{use_app_state, AppState, SessionState};
use leptos::prelude::*;
use leptos_router::components::{Redirect, A};

/// A problem to show on a form: `code` says which field it belongs to (`invalid_name`…);
/// anything no field claims is shown at the form's foot only.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub code: String,
    pub message: String,
}

/// Code of a form problem that needs the user to sign in again.
pub const SIGN_IN_CODE: &str = "sign_in";

impl From<ValidationError> for FieldError {
    fn from(e: ValidationError) -> Self {
        FieldError { code: e.code.wire().to_owned(), message: e.message_ja().to_owned() }
    }
}

impl FieldError {
    pub fn new(code: &str, message: &str) -> Self {
        FieldError { code: code.to_owned(), message: message.to_owned() }
    }

    /// From a failed call; an ended session is also marked on the app state.
    pub fn from_failure(failure: &Failure, state: AppState) -> Self {
        if *failure == Failure::SignIn {
            expire_session(state);
            return FieldError::new(SIGN_IN_CODE, &failure.message_ja());
        }
        FieldError { code: failure.code().to_owned(), message: failure.message_ja() }
    }
}

/// The one problem a form shows (validation stops at the first).
pub type FormError = RwSignal<Option<FieldError>>;

/// The server ended the session: keep the user (for the sign-in form) but mark it expired.
/// Only a real change is written: every write re-runs what reads the session.
fn expire_session(state: AppState) {
    if let SessionState::SignedIn(user) = state.session.get_untracked() {
        state.session.set(SessionState::Expired(user));
    }
}

/// A management screen's read from the server: Leptos's `LocalResource`, so it is read again
/// whenever a signal its call reads changes (the month of a report, the person of a page), and is
/// `None` while it loads. [`ReadStatus`] shows where it stands; [`loaded`] gives its value.
pub type ServerRead<T> = LocalResource<Result<T, Failure>>;

/// What a read brought, once it has (the default, an empty list, while it loads or after a failure).
pub fn loaded<T: Clone + Default + PartialEq + Send + Sync + 'static>(read: ServerRead<T>) -> Memo<T> {
    Memo::new(move |_| read.with(|r| r.as_ref().and_then(|r| r.as_ref().ok()).cloned().unwrap_or_default()))
}

/// Whether the read has finished without a failure (an empty list then means "there are none").
pub fn read_ok<T: Send + Sync + 'static>(read: ServerRead<T>) -> bool {
    read.with(|r| matches!(r, Some(Ok(_))))
}

/// Changes what a read brought (a row a form added or changed), without reading it again.
pub fn edit_loaded<T: Send + Sync + 'static>(read: ServerRead<T>, f: impl FnOnce(&mut T)) {
    read.update(|r| {
        if let Some(Ok(value)) = r {
            f(value)
        }
    });
}

/// 読み込み中 until the read resolves, then what went wrong, if anything. Generic only in this
/// one line: the view below is built once for every kind of read (a generic `Suspense` per read
/// type made the management chunk 41 KB brotli larger, measured).
#[component]
pub fn ReadStatus<T: Send + Sync + 'static>(read: ServerRead<T>) -> impl IntoView {
    let status = Signal::derive(move || read.with(|r| r.as_ref().map(|r| r.as_ref().err().cloned())));
    view! { <ReadState status/> }
}

/// `None`: still loading; `Some(None)`: loaded; `Some(Some(failure))`: failed.
#[component]
fn ReadState(status: Signal<Option<Option<Failure>>>) -> impl IntoView {
    move || match status.get() {
        None => view! { <p class="loading" role="status">"読み込み中…"</p> }.into_any(),
        Some(None) => ().into_any(),
        Some(Some(failure)) => view! { <FailureNotice failure/> }.into_any(),
    }
}

/// Why a read failed: the offline notice or the server's message; an ended session goes to sign-in.
#[component]
pub fn FailureNotice(failure: Failure) -> impl IntoView {
    match failure {
        Failure::SignIn => {
            expire_session(use_app_state());
            view! { <Redirect path="/login"/> }.into_any()
        }
        Failure::Offline => view! {
            <p class="notice offline-notice" role="alert" data-testid="offline-notice">{OFFLINE_VIEW_JA}</p>
        }
        .into_any(),
        other => view! { <p class="field-error" role="alert">{other.message_ja()}</p> }.into_any(),
    }
}

/// A labelled one-line (or, with `multiline`, several-line) text input, with its hint and the
/// error for the codes it answers for. Every text input of the management screens is one of these.
#[component]
pub fn TextField(
    #[prop(into)] id: String,
    label: &'static str,
    value: RwSignal<String>,
    error: FormError,
    /// Error codes shown next to this field.
    #[prop(optional)]
    codes: &'static [&'static str],
    #[prop(optional)] hint: Option<&'static str>,
    /// `password`, `date`…; plain text when not given.
    #[prop(optional)]
    kind: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] max: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] multiline: bool,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let hint_id = hint.map(|_| format!("{id}-hint"));
    let message =
        move || error.with(|e| e.as_ref().filter(|e| codes.contains(&e.code.as_str())).map(|e| e.message.clone()));
    let invalid = move || message().is_some();
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let parts: Vec<&str> =
                [hint_id.as_deref(), invalid().then_some(error_id.as_str())].into_iter().flatten().collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        value.set(event_target_value(&ev));
        if invalid() {
            error.set(None);
        }
    };
    let control = if multiline {
        view! {
            <textarea id=id.clone() rows="4" aria-invalid=move || invalid().to_string()
                aria-describedby=described_by.clone()
                prop:value=move || value.get() on:input=on_input></textarea>
        }
        .into_any()
    } else {
        view! {
            <input id=id.clone() type=kind.unwrap_or("text") inputmode=inputmode autocomplete=autocomplete max=max
                required=required aria-invalid=move || invalid().to_string() aria-describedby=described_by
                prop:value=move || value.get() on:input=on_input/>
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=id>{label} {required.then_some(view! { <span class="required">"（必須）"</span> })}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            {control}
            <Show when=invalid>
                <p class="field-error" id=error_id.clone() role="alert">{message}</p>
            </Show>
        </div>
    }
}

/// The form's error, shown where a group of controls (a fieldset) is, for the codes it answers for.
#[component]
pub fn ErrorFor(error: FormError, codes: &'static [&'static str]) -> impl IntoView {
    let message =
        move || error.with(|e| e.as_ref().filter(|e| codes.contains(&e.code.as_str())).map(|e| e.message.clone()));
    move || message().map(|m| view! { <p class="field-error" role="alert">{m}</p> })
}

/// The form's error at its foot, beside the button that was pressed (so it is seen on a long form),
/// with a way to sign in again when that is the problem.
#[component]
pub fn FormProblem(error: FormError) -> impl IntoView {
    move || {
        error.get().map(|e| {
            let sign_in = e.code == SIGN_IN_CODE;
            view! {
                <div class="form-problem" role="alert" data-testid="form-problem">
                    <p class="field-error">{e.message}</p>
                    {sign_in.then(|| view! { <A href="/login" attr:class="button small">"サインイン"</A> })}
                </div>
            }
        })
    }
}

/// A checkbox with a label and a plain explanation under it; the whole row is the tap target.
#[component]
pub fn CheckField(
    #[prop(into)] id: String,
    label: &'static str,
    value: RwSignal<bool>,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    view! {
        <div class="check-field">
            <input id=id.clone() type="checkbox" prop:checked=move || value.get()
                on:change=move |ev| value.set(event_target_checked(&ev))/>
            <label for=id>
                <span class="check-label">{label}</span>
                {hint.map(|h| view! { <span class="hint">{h}</span> })}
            </label>
        </div>
    }
}

/// A button that asks first: the question appears with a confirm and a cancel button.
#[component]
pub fn ConfirmButton(
    label: &'static str,
    #[prop(into)] question: String,
    confirm_label: &'static str,
    /// Whether what the button starts is under way (an `Action`'s `pending()`).
    #[prop(into)]
    busy: Signal<bool>,
    on_confirm: Callback<()>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    view! {
        <Show
            when=move || asking.get()
            fallback=move || view! {
                <button type="button" class="button danger" on:click=move |_| asking.set(true)>{label}</button>
            }
        >
            <div class="confirm" role="group" aria-label=label>
                <p class="warning" role="alert">{question.clone()}</p>
                <div class="actions">
                    <button type="button" class="button danger" disabled=move || busy.get()
                        on:click=move |_| { asking.set(false); on_confirm.run(()); }>{confirm_label}</button>
                    <button type="button" class="button secondary" on:click=move |_| asking.set(false)>"やめる"</button>
                </div>
            </div>
        </Show>
    }
}

/// Shows its children to coordinators and admins only.
#[component]
pub fn ManagerOnly(children: ChildrenFn) -> impl IntoView {
    let state = use_app_state();
    let is_manager = move || state.session.with(|s| s.user().is_some_and(|u| u.role.is_manager()));
    view! {
        <Show when=is_manager fallback=|| view! {
            <section class="page">
                <h1>"この画面は社協の職員用です"</h1>
                <p><A href="/" attr:class="button">"はじめの画面へ"</A></p>
            </section>
        }>
            {children()}
        </Show>
    }
}

/// True when the signed-in user is an admin (some forms offer more to them).
pub fn is_admin() -> bool {
    use_app_state().session.with_untracked(|s| s.user().is_some_and(|u| u.role == crate::domain::Role::Admin))
}
