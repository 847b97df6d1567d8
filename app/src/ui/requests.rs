//! 依頼一覧 (online): coordinators route each request — where it stands and which partner works
//! on it — and partner staff report progress on those referred to them (only for persons who
//! agreed to sharing with partners; the server decides). A partner can be chosen only when the
//! person's consent allows it, and the screen says so.

use super::admin::api;
use super::admin::{loaded, read_ok, ReadStatus, ServerRead};
use super::chrome::SignOutButton;
use super::state::use_app_state;
use super::time::format_full;
use crate::api::admin::{Organization, RequestStatus, RequestSummary, RouteRequest};
use crate::domain::Role;
use crate::words::Label;
use leptos::prelude::*;

#[component]
pub fn RequestsPage() -> impl IntoView {
    let state = use_app_state();
    let partner = move || state.session.with(|s| s.user().is_some_and(|u| u.role == Role::PartnerStaff));
    // Newest movement first.
    let read: ServerRead<Vec<RequestSummary>> = LocalResource::new(|| async {
        let mut v = api::requests().await?;
        v.sort_by_key(|r| std::cmp::Reverse(r.updated_at));
        Ok(v)
    });
    let requests = loaded(read);
    // Partner staff route nothing, so they need no list of partners.
    let is_partner = partner();
    let organizations: ServerRead<Vec<Organization>> = LocalResource::new(move || async move {
        if is_partner {
            Ok(Vec::new())
        } else {
            api::organizations().await
        }
    });
    let organizations = loaded(organizations);
    let open = move || requests.with(|v| v.iter().filter(|r| r.status.is_open()).count());
    view! {
        <section class="page">
            <h1>"依頼一覧 " <span class="count">{move || requests.with(Vec::len)} "件"</span></h1>
            <p class="lead">{move || format!("受付・対応中 {}件。新しく動いたものから並びます。", open())}</p>
            <ReadStatus read/>
            <Show when=move || read_ok(read) && requests.with(Vec::is_empty)>
                <p class="empty">{move || if partner() {
                    "あなたの法人につながれた依頼はまだありません。"
                } else {
                    "依頼はまだありません。"
                }}</p>
            </Show>
            <ul class="cards" data-testid="requests">
                <For each=move || requests.get() key=|r| (r.id.clone(), r.status, r.updated_at) let:r>
                    <RequestCard request=r organizations partner=partner() on_saved=move |updated: RequestSummary| {
                        super::admin::edit_loaded(read, |v| {
                            v.retain(|r| r.id != updated.id);
                            v.insert(0, updated);
                        });
                    }/>
                </For>
            </ul>
            <SignOutButton/>
        </section>
    }
}

#[component]
fn RequestCard(
    request: RequestSummary,
    organizations: Memo<Vec<Organization>>,
    partner: bool,
    on_saved: impl Fn(RequestSummary) + Copy + 'static,
) -> impl IntoView {
    let r = request.clone();
    let id = StoredValue::new(r.id.clone());
    let status = RwSignal::new(r.status);
    let organization = RwSignal::new(r.organization_id.clone().unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    let route = Action::new_local(move |req: &RouteRequest| {
        let req = req.clone();
        async move {
            match api::route_request(&id.get_value(), &req).await {
                Ok(updated) => on_saved(updated),
                Err(e) => error.set(Some(e.message_ja())),
            }
        }
    });
    let busy = route.pending();
    let shares = r.shares_with_partners;
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let org = organization.get_untracked();
        let req = RouteRequest {
            status: status.get_untracked(),
            organization_id: (!partner && !org.is_empty()).then_some(org),
        };
        error.set(None);
        route.dispatch(req);
    };
    let field = |name: &str| format!("{name}-{}", r.id);
    let (status_id, org_id) = (field("status"), field("org"));
    view! {
        <li class="card" data-testid="request">
            <div class="card-head">
                <span class=format!("tag status-{}", r.status.as_str())>{r.status.label_ja()}</span>
                <strong class="user-name">{r.need.label_ja()}</strong>
                <span class="when">{format_full(r.updated_at)}</span>
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
                <dt>"依頼した人"</dt><dd>{r.raised_by_name}</dd>
                <dt>"つないだ先"</dt><dd data-testid="request-organization">{r.organization.unwrap_or_else(|| "（社協）".into())}</dd>
                {r.to_partner.then(|| view! { <dt>"希望"</dt><dd>"協力法人の手助けを希望"</dd> })}
            </dl>
            <form class="route-form" on:submit=save novalidate>
                <label for=status_id.clone()>"状況"</label>
                <select id=status_id
                    on:change=move |ev| {
                        if let Some(s) = RequestStatus::parse(&event_target_value(&ev)) {
                            status.set(s);
                        }
                    }>
                    {RequestStatus::ALL.into_iter()
                        .filter(|s| !partner || *s != RequestStatus::Received)
                        .map(|s| view! { <option value=s.as_str() selected=s == request.status>{s.label_ja()}</option> })
                        .collect_view()}
                </select>
                {(!partner).then(|| if shares {
                    view! {
                        <label for=org_id.clone()>"つなぐ協力法人"</label>
                        <select id=org_id.clone() on:change=move |ev| organization.set(event_target_value(&ev))>
                            <option value="" selected=request.organization_id.is_none()>"（つながない：社協で対応）"</option>
                            {move || organizations.get().into_iter().map(|o| {
                                let chosen = request.organization_id.as_deref() == Some(o.id.as_str());
                                view! { <option value=o.id.clone() selected=chosen>{o.name}</option> }
                            }).collect_view()}
                        </select>
                    }.into_any()
                } else {
                    view! {
                        <p class="notice" data-testid="no-partner-consent">
                            "この方の同意に「協力法人への提供」が含まれていないため、協力法人にはつなげません。地域包括支援センターや市町村など、ほかの窓口へは「他機関へ」で記録してください。"
                        </p>
                    }.into_any()
                })}
                <button class="button primary" type="submit" disabled=move || busy.get()>"更新する"</button>
                <Show when=move || error.get().is_some()>
                    <p class="field-error" role="alert">{move || error.get().unwrap_or_default()}</p>
                </Show>
            </form>
        </li>
    }
}
