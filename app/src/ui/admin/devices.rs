//! 端末: the devices signed in to the network; a lost phone is made useless here.

use super::api;
use super::widgets::{edit_loaded, loaded, ConfirmButton, FieldError, FormError, FormProblem, ReadStatus, ServerRead};
use crate::api::admin::DeviceInfo;
use crate::ui::state::use_app_state;
use crate::ui::time::{format_full, now_millis};
use crate::words::Label;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn DevicesPage() -> impl IntoView {
    let read: ServerRead<Vec<DeviceInfo>> = LocalResource::new(api::devices);
    let devices = loaded(read);
    let error: FormError = RwSignal::new(None);
    let sorted = move || {
        let mut v = devices.get();
        // In use first, most recently seen first.
        v.sort_by_key(|d| (d.revoked_at.is_some(), std::cmp::Reverse(d.last_seen_at)));
        v
    };
    view! {
        <section class="page admin-page">
            <p class="back"><A href="/admin">"← 管理"</A></p>
            <h1>"端末"</h1>
            <p class="hint">"スマートフォンをなくしたときは、その端末を無効にしてください。その端末では記録を見られなくなります。"</p>
            <ReadStatus read/>
            <FormProblem error/>
            <Show when=move || !devices.with(Vec::is_empty)>
                <table class="table" data-testid="devices">
                    <thead>
                        <tr><th scope="col">"利用者"</th><th scope="col">"端末"</th><th scope="col">"登録"</th>
                            <th scope="col">"最後に使った日時"</th><th scope="col">"状態"</th></tr>
                    </thead>
                    <tbody>
                        <For each=sorted key=|d| (d.id.clone(), d.revoked_at) let:d>
                            <DeviceRow device=d read error/>
                        </For>
                    </tbody>
                </table>
            </Show>
        </section>
    }
}

#[component]
fn DeviceRow(device: DeviceInfo, read: ServerRead<Vec<DeviceInfo>>, error: FormError) -> impl IntoView {
    let state = use_app_state();
    let current = device.current;
    let revoking = Action::new_local(move |id: &String| {
        let id = id.clone();
        error.set(None);
        async move {
            match api::revoke_device(&id).await {
                Ok(()) => edit_loaded(read, |ds| {
                    if let Some(d) = ds.iter_mut().find(|d| d.id == id) {
                        d.revoked_at = Some(now_millis());
                    }
                }),
                Err(f) => error.set(Some(FieldError::from_failure(&f, state))),
            }
        }
    });
    let id = device.id.clone();
    let revoke = Callback::new(move |_| {
        revoking.dispatch(id.clone());
    });
    let busy = revoking.pending();
    let question = if current {
        "これは今使っているこの端末です。無効にするとすぐにサインアウトされます。無効にしますか？".to_owned()
    } else {
        format!(
            "{} さんのこの端末を無効にしますか？ その端末ではもう一度登録するまで使えなくなります。",
            device.user.display_name
        )
    };
    view! {
        <tr class:revoked=device.revoked_at.is_some() data-testid="device-row">
            <td data-label="利用者">
                <strong>{device.user.display_name}</strong>
                <span class="who">{format!("（{}）", device.user.role.label_ja())}</span>
                {current.then(|| view! { <span class="tag tag-info">"この端末"</span> })}
            </td>
            <td data-label="端末" title=device.user_agent.clone()>{device_name(device.user_agent.as_deref())}</td>
            <td data-label="登録">{format_full(device.created_at)}</td>
            <td data-label="最後に使った日時">{format_full(device.last_seen_at)}</td>
            <td data-label="状態">
                {match device.revoked_at {
                    Some(at) => view! { <span class="tag tag-no">"無効"</span> {format_full(at)} }.into_any(),
                    None => view! {
                        <span class="tag tag-ok">"使用中"</span>
                        <ConfirmButton label="この端末を無効にする" question confirm_label="無効にする" busy on_confirm=revoke/>
                    }.into_any(),
                }}
            </td>
        </tr>
    }
}

/// A user agent in words a coordinator recognises: `Android・Chrome`.
pub(super) fn device_name(ua: Option<&str>) -> String {
    let Some(ua) = ua else { return "不明".into() };
    let os =
        [("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"), ("Mac OS", "Mac")]
            .into_iter()
            .find(|(k, _)| ua.contains(k))
            .map(|(_, v)| v);
    let browser = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
        .into_iter()
        .find(|(k, _)| ua.contains(k))
        .map(|(_, v)| v);
    match (os, browser) {
        (Some(o), Some(b)) => format!("{o}・{b}"),
        (Some(o), None) => o.into(),
        (None, Some(b)) => b.into(),
        (None, None) => ua.chars().take(40).collect(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn user_agents_in_words() {
        let ua = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36";
        assert_eq!(super::device_name(Some(ua)), "Android・Chrome");
        assert_eq!(super::device_name(None), "不明");
    }
}
