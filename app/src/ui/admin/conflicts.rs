//! 食い違い: two people changed the same field differently while offline. Both values are kept;
//! a coordinator chooses which stays.

use super::api;
use super::widgets::{loaded, read_ok, FieldError, FormError, FormProblem, ReadStatus, ServerRead};
use crate::api::admin::{ConflictChoice, ConflictSummary};
use crate::error::Lang;
use crate::ui::state::use_app_state;
use crate::ui::time::format_full;
use crate::words::Label;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn ConflictsPage() -> impl IntoView {
    let read: ServerRead<Vec<ConflictSummary>> = LocalResource::new(api::conflicts);
    let conflicts = loaded(read);
    let error: FormError = RwSignal::new(None);
    view! {
        <section class="page admin-page">
            <p class="back"><A href="/admin">"← 管理"</A></p>
            <h1>"食い違いの確認"</h1>
            <p class="hint">
                "電波のない所で、二人が同じ項目を別々に変更したものです。どちらの内容も残してあります。"
                "本人や記入した方に確かめて、残す方を選んでください。"
            </p>
            <ReadStatus read/>
            <FormProblem error/>
            <Show when=move || read_ok(read) && conflicts.with(Vec::is_empty)>
                <p class="empty" data-testid="no-conflicts">"確認が必要な食い違いはありません。"</p>
            </Show>
            <ul class="conflict-list" data-testid="conflicts">
                <For each=move || conflicts.get() key=|c| c.id.clone() let:c>
                    <ConflictItem conflict=c read error/>
                </For>
            </ul>
        </section>
    }
}

#[component]
fn ConflictItem(conflict: ConflictSummary, read: ServerRead<Vec<ConflictSummary>>, error: FormError) -> impl IntoView {
    let state = use_app_state();
    let id = StoredValue::new(conflict.id.clone());
    // The server answers with the conflicts still open: they replace the list.
    let choose = Action::new_local(move |keep: &ConflictChoice| {
        let keep = *keep;
        error.set(None);
        async move {
            match api::resolve_conflict(&id.get_value(), keep).await {
                Ok(rest) => read.set(Some(Ok(rest))),
                Err(f) => error.set(Some(FieldError::from_failure(&f, state))),
            }
        }
    });
    let busy = choose.pending();
    let person_href = format!("/admin/persons/{}", conflict.person_id.as_str());
    view! {
        <li class="conflict" data-testid="conflict">
            <h2>
                <A href=person_href>{conflict.person_name.clone()}</A>
                " ・ " {conflict.field.label_ja()}
            </h2>
            <p class="who">{format!("{} に届きました", format_full(conflict.created_at))}</p>
            <div class="conflict-values">
                <div class="conflict-value">
                    <p class="label">"今の内容" {conflict.current_by.clone().map(|n| format!("（{n} さん）"))}</p>
                    <p class="value" data-testid="current-value">{crate::words::field_value(&conflict.current, Lang::Ja)}</p>
                    <button class="button secondary" type="button" disabled=move || busy.get()
                        on:click=move |_| { choose.dispatch(ConflictChoice::Current); }>"こちらを残す"</button>
                </div>
                <div class="conflict-value">
                    <p class="label">{format!("もう一方（{} さん）", conflict.other_by)}</p>
                    <p class="value" data-testid="other-value">{crate::words::field_value(&conflict.other, Lang::Ja)}</p>
                    <button class="button secondary" type="button" disabled=move || busy.get()
                        on:click=move |_| { choose.dispatch(ConflictChoice::Other); }>"こちらを残す"</button>
                </div>
            </div>
        </li>
    }
}
