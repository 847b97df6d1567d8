//! 協力法人: partner organisations that requests can be referred to; admins add them.

use super::api;
use super::widgets::{
    edit_loaded, is_admin, loaded, read_ok, FieldError, FormError, FormProblem, ReadStatus, ServerRead, TextField,
};
use crate::api::admin::{NewOrganizationRequest, Organization};
use crate::ui::state::use_app_state;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn OrganizationsPage() -> impl IntoView {
    let read: ServerRead<Vec<Organization>> = LocalResource::new(api::organizations);
    let orgs = loaded(read);
    view! {
        <section class="page admin-page">
            <p class="back"><A href="/admin">"← 管理"</A></p>
            <h1>"協力法人"</h1>
            <ReadStatus read/>
            <Show when=move || read_ok(read) && orgs.with(Vec::is_empty)>
                <p class="empty">"まだ登録がありません。"</p>
            </Show>
            <Show when=move || !orgs.with(Vec::is_empty)>
                <table class="table" data-testid="organizations">
                    <thead><tr><th scope="col">"名前"</th><th scope="col">"できること"</th><th scope="col">"電話番号"</th></tr></thead>
                    <tbody>
                        <For each=move || orgs.get() key=|o| o.id.clone() let:o>
                            <tr>
                                <td data-label="名前">{o.name}</td>
                                <td data-label="できること" class="note">{o.services}</td>
                                <td data-label="電話番号">{o.phone.unwrap_or_else(|| "—".into())}</td>
                            </tr>
                        </For>
                    </tbody>
                </table>
            </Show>
            {is_admin().then(|| view! { <AddOrganizationForm read/> })}
        </section>
    }
}

#[component]
fn AddOrganizationForm(read: ServerRead<Vec<Organization>>) -> impl IntoView {
    let state = use_app_state();
    let name = RwSignal::new(String::new());
    let services = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let error: FormError = RwSignal::new(None);
    let add = Action::new_local(move |req: &NewOrganizationRequest| {
        let req = req.clone();
        async move {
            match api::add_organization(&req).await {
                Ok(o) => {
                    edit_loaded(read, |v| v.push(o));
                    name.set(String::new());
                    services.set(String::new());
                    phone.set(String::new());
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
        let n = name.get_untracked();
        if n.trim().is_empty() {
            return error.set(Some(FieldError::new("invalid_name", "法人名を入力してください。")));
        }
        let p = phone.get_untracked();
        let req = NewOrganizationRequest {
            name: n,
            services: services.get_untracked(),
            phone: (!p.trim().is_empty()).then_some(p),
        };
        error.set(None);
        add.dispatch(req);
    };
    view! {
        <h2>"協力法人を追加"</h2>
        <form class="admin-form boxed" on:submit=on_submit novalidate data-testid="add-organization">
            <div class="form-grid">
                <TextField id="o-name" label="名前" value=name error codes=&["invalid_name"] required=true autocomplete="off"/>
                <TextField id="o-phone" label="電話番号" value=phone error codes=&["invalid_phone"] kind="tel" inputmode="tel"/>
                <div class="wide">
                    <TextField id="o-services" label="できること" value=services error codes=&["invalid_services"]
                        multiline=true hint="例：除雪、買い物の付き添い、通院の送迎"/>
                </div>
            </div>
            <FormProblem error/>
            <button class="button primary" type="submit" disabled=move || busy.get()>"追加する"</button>
        </form>
    }
}
