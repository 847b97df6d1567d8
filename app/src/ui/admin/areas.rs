//! 地域: the municipality's districts (地区) and small areas (小地域); admins add small areas.

use super::api;
use super::widgets::{edit_loaded, is_admin, FieldError, FormError, FormProblem, ReadStatus, ServerRead, TextField};
use crate::api::admin::{AreaTree, NewSmallAreaRequest};
use crate::ui::state::use_app_state;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn AreasPage() -> impl IntoView {
    let read: ServerRead<AreaTree> = LocalResource::new(api::areas);
    let tree = Memo::new(move |_| read.with(|r| r.as_ref().and_then(|r| r.as_ref().ok()).cloned()));
    view! {
        <section class="page admin-page">
            <p class="back"><A href="/admin">"← 管理"</A></p>
            <h1>"地域" {move || tree.with(|t| t.as_ref().map(|t| format!("（{}）", t.municipality)))}</h1>
            <ReadStatus read/>
            {move || tree.get().map(|t| view! {
                <ul class="area-tree" data-testid="area-tree">
                    {t.districts.into_iter().map(|d| view! {
                        <li>
                            <h2>{d.name} <span class="count">{format!("{}地域", d.small_areas.len())}</span></h2>
                            <ul class="chips">
                                {d.small_areas.into_iter().map(|a| view! { <li>{a.name}</li> }).collect_view()}
                            </ul>
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {is_admin().then(|| view! { <AddSmallAreaForm read tree/> })}
        </section>
    }
}

#[component]
fn AddSmallAreaForm(read: ServerRead<AreaTree>, tree: Memo<Option<AreaTree>>) -> impl IntoView {
    let state = use_app_state();
    let district = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let error: FormError = RwSignal::new(None);
    let add = Action::new_local(move |req: &NewSmallAreaRequest| {
        let req = req.clone();
        async move {
            match api::add_small_area(&req).await {
                Ok(area) => {
                    edit_loaded(read, |t| {
                        if let Some(node) = t.districts.iter_mut().find(|x| x.id == req.district_id) {
                            node.small_areas.push(area);
                        }
                    });
                    name.set(String::new());
                }
                Err(f) => error.set(Some(FieldError::from_failure(&f, state))),
            }
        }
    });
    let busy = add.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (d, n) = (district.get_untracked(), name.get_untracked().trim().to_owned());
        if d.is_empty() {
            return error.set(Some(FieldError::new("district_not_found", "地区を選んでください。")));
        }
        if n.is_empty() || n.chars().count() > 40 {
            return error.set(Some(FieldError::new("invalid_name", "名前を40文字以内で入力してください。")));
        }
        error.set(None);
        add.dispatch(NewSmallAreaRequest { district_id: d, name: n });
    };
    view! {
        <h2>"小地域を追加"</h2>
        <form class="admin-form boxed" on:submit=on_submit novalidate data-testid="add-area">
            <div class="form-grid">
                <div class="field">
                    <label for="a-district">"地区"</label>
                    <select id="a-district" on:change=move |ev| district.set(event_target_value(&ev))>
                        <option value="" selected=move || district.get().is_empty()>"選んでください"</option>
                        {move || tree.get().map(|t| t.districts.into_iter().map(|d| {
                            let id = d.id.clone();
                            view! { <option value=d.id selected=move || district.get() == id>{d.name}</option> }
                        }).collect_view())}
                    </select>
                </div>
                <TextField id="a-name" label="小地域の名前" value=name error codes=&["invalid_name"] required=true
                    hint="町内会・自治会の名前（例：本町二丁目）" autocomplete="off"/>
            </div>
            <FormProblem error/>
            <button class="button primary" type="submit" disabled=move || busy.get()>"追加する"</button>
        </form>
    }
}
