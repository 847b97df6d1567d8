//! 対象者の一覧 (management): search by name or kana, filter by small area, consent at a glance.

use super::api;
use super::widgets::{loaded, read_ok, ReadStatus, ServerRead};
use crate::api::admin::PersonSummary;
use crate::words::Label;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn PersonsAdminPage() -> impl IntoView {
    let read: ServerRead<Vec<PersonSummary>> = LocalResource::new(api::persons);
    let persons = loaded(read);
    let query = RwSignal::new(String::new());
    let area = RwSignal::new(String::new());
    // The small areas that have someone in them, by district.
    let areas = Memo::new(move |_| {
        let mut v: Vec<(String, String, String)> = persons.with(|ps| {
            ps.iter().map(|p| (p.district.clone(), p.small_area.clone(), p.small_area_id.clone())).collect()
        });
        v.sort();
        v.dedup();
        v
    });
    let rows = Memo::new(move |_| {
        let q = query.get();
        let a = area.get();
        persons.with(|ps| {
            let mut v: Vec<PersonSummary> = ps
                .iter()
                .filter(|p| a.is_empty() || p.small_area_id == a)
                .filter(|p| crate::domain::due::matches(&q, &p.name, &p.kana))
                .cloned()
                .collect();
            v.sort_by(|x, y| x.kana.cmp(&y.kana));
            v
        })
    });
    view! {
        <section class="page admin-page">
            <p class="back"><A href="/admin">"← 管理"</A></p>
            <div class="page-head">
                <h1>"対象者 " <span class="count">{move || rows.with(Vec::len)} " / " {move || persons.with(Vec::len)} "人"</span></h1>
                <A href="/admin/persons/new" attr:class="button">"新しく登録"</A>
            </div>
            <div class="filters" role="search">
                <div class="field">
                    <label for="person-search">"氏名・ふりがなで探す"</label>
                    <input id="person-search" type="search" autocomplete="off"
                        prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="person-area">"小地域"</label>
                    <select id="person-area" on:change=move |ev| area.set(event_target_value(&ev))>
                        <option value="" selected=move || area.get().is_empty()>"すべて"</option>
                        <For each=move || areas.get() key=|a| a.2.clone() let:a>
                            <option value=a.2.clone() selected=move || area.get() == a.2>{format!("{}・{}", a.0, a.1)}</option>
                        </For>
                    </select>
                </div>
            </div>
            <ReadStatus read/>
            <Show when=move || read_ok(read) && persons.with(Vec::is_empty)>
                <p class="empty">"まだ登録がありません。「新しく登録」から始めます。"</p>
            </Show>
            <Show when=move || !persons.with(Vec::is_empty)>
                <table class="table" data-testid="admin-persons">
                    <thead>
                        <tr><th scope="col">"氏名"</th><th scope="col">"地区・小地域"</th><th scope="col">"世帯"</th><th scope="col">"同意・支援"</th></tr>
                    </thead>
                    <tbody>
                        <For each=move || rows.get() key=|p| p.id.clone() let:p>
                            <PersonSummaryRow person=p/>
                        </For>
                    </tbody>
                </table>
                <Show when=move || rows.with(Vec::is_empty)>
                    <p class="empty">"条件に合う方はいません。"</p>
                </Show>
            </Show>
        </section>
    }
}

#[component]
fn PersonSummaryRow(person: PersonSummary) -> impl IntoView {
    let href = format!("/admin/persons/{}", person.id.as_str());
    let c = person.consent;
    view! {
        <tr class:inactive=!person.active data-testid="admin-person-row">
            <td data-label="氏名">
                <A href=href attr:class="row-link">{person.name}</A>
                <span class="person-kana">{person.kana}</span>
            </td>
            <td data-label="地区・小地域">{format!("{}・{}", person.district, person.small_area)}</td>
            <td data-label="世帯">{person.household_type.label_ja()}</td>
            <td data-label="同意・支援">
                <ConsentBadges record=c.record share=c.share_partners/>
                {person.needs_evacuation_help.then(|| view! { <span class="tag tag-warn">"避難支援"</span> })}
                {(!person.active).then(|| view! { <span class="tag tag-muted">"休止中"</span> })}
            </td>
        </tr>
    }
}

/// 同意あり / 同意なし, and 共有可 when the person agreed to sharing with partner corporations.
#[component]
pub fn ConsentBadges(record: bool, share: bool) -> impl IntoView {
    view! {
        {if record {
            view! { <span class="tag tag-ok">"同意あり"</span> }.into_any()
        } else {
            view! { <span class="tag tag-no">"同意なし"</span> }.into_any()
        }}
        {(record && share).then(|| view! { <span class="tag tag-info" title="協力法人と情報を共有できます">"共有可"</span> })}
    }
}
