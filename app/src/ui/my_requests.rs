//! 依頼したこと: the requests this user raised and what became of them (受付 → 対応中 →
//! 完了 / 他機関へ), newest change first. Read from the device, so it works offline as of the
//! last sync.

use super::state::use_app_state;
use super::time::format_datetime;
use crate::domain::FieldRequest;
use leptos::prelude::*;

#[component]
pub fn MyRequestsPage() -> impl IntoView {
    let state = use_app_state();
    let mine = Memo::new(move |_| {
        let me = state.session.with(|s| s.user().map(|u| u.id.clone()));
        state.requests.with(|rs| rs.iter().filter(|r| Some(&r.raised_by) == me.as_ref()).cloned().collect::<Vec<_>>())
    });
    let open = move || mine.with(|v| v.iter().filter(|r| r.status.is_open()).count());
    view! {
        <section class="page">
            <h1>"依頼したこと " <span class="count">{move || mine.with(Vec::len)} "件"</span></h1>
            <p class="lead">{move || format!("対応中・受付のものが {} 件あります。新しく動いたものから並びます。", open())}</p>
            <Show when=move || mine.with(Vec::is_empty)>
                <p class="empty">"まだ依頼はありません。御用聞きの記録で「相談・依頼として社協に伝える」を選ぶと、ここに出ます。"</p>
            </Show>
            <ul class="cards" data-testid="my-requests">
                <For each=move || mine.get() key=|r| (r.id.clone(), r.status, r.updated_at, r.pending) let:r>
                    <RequestItem request=r with_person=true/>
                </For>
            </ul>
        </section>
    }
}

/// One request: what was asked, where it stands and since when.
#[component]
pub(super) fn RequestItem(request: FieldRequest, with_person: bool) -> impl IntoView {
    let state = use_app_state();
    let r = request;
    let person = with_person.then(|| state.person(&r.person_id)).flatten();
    let status = if r.pending { "未送信".to_owned() } else { r.status.label_ja().to_owned() };
    let status_class =
        if r.pending { "tag pending-tag".to_owned() } else { format!("tag status-{}", r.status.as_str()) };
    view! {
        <li class="card request-item" data-testid="request-item">
            <div class="card-head">
                <span class=status_class data-testid="request-status">{status}</span>
                <strong>{r.need.label_ja()}</strong>
                <span class="when">{format_datetime(r.updated_at)}</span>
            </div>
            {person.map(|p| view! {
                <p><a href=format!("/persons/{}", p.id.as_str())>{format!("{}さん", p.name)}</a></p>
            })}
            {(!r.detail.is_empty()).then(|| view! { <p class="note">{r.detail.clone()}</p> })}
            <p class="meta">
                {match (&r.organization, r.to_partner) {
                    (Some(org), _) => format!("つないだ先：{org}"),
                    (None, true) => "協力法人の手助けを希望".to_owned(),
                    (None, false) => "社協が受け付けます".to_owned(),
                }}
                {(!with_person).then(|| format!("・{}", r.raised_by_name))}
            </p>
        </li>
    }
}
