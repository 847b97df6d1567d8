//! 依頼一覧 for partner staff: the requests referred to their organisation (only for persons who
//! agreed to sharing with partners; the server decides). Online only.

use super::admin::api;
use super::admin::{Fetch, FetchStatus};
use super::chrome::SignOutButton;
use super::time::format_full;
use crate::api::admin::RequestSummary;
use leptos::prelude::*;

#[component]
pub fn RequestsPage() -> impl IntoView {
    let fetch = Fetch::new();
    let requests = RwSignal::new(Vec::<RequestSummary>::new());
    fetch.run(api::requests(), move |mut v: Vec<RequestSummary>| {
        v.sort_by_key(|r| std::cmp::Reverse(r.created_at));
        requests.set(v);
    });
    view! {
        <section class="page">
            <h1>"依頼一覧 " <span class="count">{move || requests.with(Vec::len)} "件"</span></h1>
            <FetchStatus fetch/>
            <Show when=move || fetch.loaded() && requests.with(Vec::is_empty)>
                <p class="empty">"あなたの法人につながれた依頼はまだありません。"</p>
            </Show>
            <ul class="cards" data-testid="requests">
                <For each=move || requests.get() key=|r| (r.id.clone(), r.status) let:r>
                    <RequestCard request=r/>
                </For>
            </ul>
            <SignOutButton/>
        </section>
    }
}

#[component]
fn RequestCard(request: RequestSummary) -> impl IntoView {
    let r = request;
    view! {
        <li class="card" data-testid="request">
            <div class="card-head">
                <span class=format!("tag status-{}", r.status.as_str())>{r.status.label_ja()}</span>
                <strong class="user-name">{r.need}</strong>
                <span class="when">{format_full(r.created_at)}</span>
            </div>
            <dl class="facts">
                <dt>"お名前"</dt><dd>{r.person_name}</dd>
                <dt>"住所"</dt><dd>{r.person_address}</dd>
                <dt>"電話番号"</dt>
                <dd>{match r.person_phone {
                    Some(p) => view! { <a href=format!("tel:{}", p.replace(['-', ' '], ""))>{p.clone()}</a> }.into_any(),
                    None => view! { "なし" }.into_any(),
                }}</dd>
                {(!r.detail.is_empty()).then(|| view! { <dt>"内容"</dt><dd class="note">{r.detail}</dd> })}
            </dl>
        </li>
    }
}
