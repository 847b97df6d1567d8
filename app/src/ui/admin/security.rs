//! セキュリティ記録 (admins): who signed in or failed to, which phones were enrolled, invited or
//! revoked, who was created, stopped or given a new password, and who changed whom a volunteer
//! watches. The audit log on each person's page says who read their data; this says who could.

use super::api;
use super::api::Failure;
use super::widgets::FailureNotice;
use crate::api::admin::{SecurityEntry, UserBrief};
use crate::ui::time::format_full;
use crate::words::Label;
use leptos::prelude::*;
use leptos_router::components::A;

/// An action in words.
fn action_ja(action: &str) -> &'static str {
    match action {
        "sign_in" => "サインイン",
        "sign_in.failed" => "サインイン失敗",
        "sign_in.locked" => "続けて失敗したためロック",
        "sign_out" => "サインアウト",
        "device.enroll" => "端末の登録（招待コード）",
        "device.revoke" => "端末の無効化",
        "invite.issue" => "招待コードの発行",
        "user.create" => "ユーザーの追加",
        "user.disable" => "利用停止",
        "user.enable" => "利用再開",
        "user.assignments" => "担当する方の変更",
        "user.areas" => "担当区域の変更",
        "password.change" => "パスワード変更",
        "password.reset" => "パスワード再設定",
        "event.start" => "安否確認の開始",
        "event.areas" => "安否確認の地域追加",
        "event.close" => "安否確認の終了",
        "event.checkers" => "安否確認の担当の引き継ぎ",
        "device.recovery_key" => "PINを忘れたときの復元鍵の発行",
        "device.recover" => "PINを忘れた端末の記録の復元",
        "device.records_aside" => "端末で読み取れない記録",
        _ => "その他",
    }
}

/// Whether the event is one an admin should look at twice.
fn is_alarm(action: &str) -> bool {
    matches!(
        action,
        "sign_in.failed"
            | "sign_in.locked"
            | "device.revoke"
            | "user.disable"
            | "password.reset"
            | "device.records_aside"
    )
}

/// The event's detail (`key=value` pairs, see `storage::security::SecurityEvent`) in words.
fn detail_ja(detail: &str) -> String {
    if let Some(agent) = detail.strip_prefix("agent=") {
        return format!("端末：{}", super::devices::device_name((!agent.is_empty()).then_some(agent)));
    }
    let count = |v: &str| if v.is_empty() { 0 } else { v.split(',').count() };
    detail
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| match k {
            "reason" if v == "disabled" => "利用停止中の利用者".to_owned(),
            "reason" => "パスワードの誤り".to_owned(),
            "issued_by" => format!("招待コードを発行した人：{v}"),
            "signed_out" => format!("サインアウトさせた端末：{v}台"),
            "replaced" => format!("無効にした未使用の招待コード：{v}件"),
            "role" => format!("役割：{}", crate::domain::Role::parse(v).map(|r| r.label_ja()).unwrap_or("不明")),
            "areas" => format!("担当区域：{}件", count(v)),
            "small_areas" => format!("対象の小地域：{}件", count(v)),
            "event" => format!("安否確認：{v}"),
            "widened" => format!("同意のない方も対象（理由：{v}）"),
            "drill" => "訓練".to_owned(),
            "persons" => format!("担当する方：{}人", count(v)),
            "device" => format!("端末番号：{}", v.chars().take(8).collect::<String>()),
            "aside" => format!("別に保管した記録：{}", aside_ja(v)),
            _ => format!("{k}：{v}"),
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// 「persons:1,outbox:2」 as 「対象の方 1件、未送信 2件」.
fn aside_ja(v: &str) -> String {
    v.split(',')
        .filter_map(|pair| pair.split_once(':'))
        .map(|(store, n)| {
            let name = match store {
                "persons" => "対象の方",
                "checks" => "見守り記録",
                "outbox" => "未送信",
                "refused" => "受け付けられなかった変更",
                "drafts" => "下書き",
                "requests" => "依頼",
                _ => "その他",
            };
            format!("{name} {n}件")
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn who(u: &Option<UserBrief>) -> String {
    match u {
        Some(u) => format!("{}（{}）", u.display_name, u.login),
        None => "—".into(),
    }
}

#[component]
pub fn SecurityPage() -> impl IntoView {
    let entries = RwSignal::new(Vec::<SecurityEntry>::new());
    let more = RwSignal::new(true);
    // Each page (newest first) is one action: the first at once, the next on 「さらに前を表示」.
    let page = Action::new_local(move |before: &Option<i64>| {
        let before = *before;
        async move {
            let page = api::security_events(before).await?;
            // The server sends at most 200 at a time; fewer means there is nothing older.
            more.set(page.len() >= 200);
            entries.update(|e| e.extend(page));
            Ok::<(), Failure>(())
        }
    });
    page.dispatch(None);
    let older = move |_| {
        page.dispatch(entries.with_untracked(|e| e.last().map(|l| l.seq)));
    };
    view! {
        <section class="page admin-page">
            <p class="back"><A href="/admin">"← 管理"</A></p>
            <h1>"セキュリティ記録"</h1>
            <p class="hint">"サインイン、端末の登録と無効化、招待コード、ユーザーの追加・利用停止、パスワード、担当の変更の記録です（新しい順）。存在しないIDでのサインイン失敗は記録せず、回数だけ数えています。"</p>
            <Show when=move || page.pending().get()>
                <p class="loading" role="status">"読み込み中…"</p>
            </Show>
            {move || page.value().get().and_then(Result::err).map(|failure| view! { <FailureNotice failure/> })}
            <Show when=move || !entries.with(Vec::is_empty)>
                <table class="table" data-testid="security-events">
                    <thead>
                        <tr><th scope="col">"日時"</th><th scope="col">"できごと"</th><th scope="col">"操作した人"</th>
                            <th scope="col">"対象の人"</th><th scope="col">"詳細"</th></tr>
                    </thead>
                    <tbody>
                        <For each=move || entries.get() key=|e| e.seq let:e>
                            <tr class:alarm=is_alarm(&e.action)>
                                <td data-label="日時">{format_full(e.at)}</td>
                                <td data-label="できごと">{action_ja(&e.action)}</td>
                                <td data-label="操作した人">{who(&e.actor)}</td>
                                <td data-label="対象の人">{who(&e.subject)}</td>
                                <td data-label="詳細" class="detail" title=e.detail.clone()>{detail_ja(&e.detail)}</td>
                            </tr>
                        </For>
                    </tbody>
                </table>
                <Show when=move || more.get()>
                    <button type="button" class="button secondary" on:click=older>"さらに前を表示"</button>
                </Show>
            </Show>
        </section>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn details_are_put_in_words() {
        assert_eq!(super::detail_ja("role=commissioner;areas=sa-1,sa-2"), "役割：民生委員、担当区域：2件");
        assert_eq!(super::detail_ja("areas="), "担当区域：0件");
        assert_eq!(super::detail_ja("reason=wrong_password"), "パスワードの誤り");
        let ua = "agent=Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36";
        assert_eq!(super::detail_ja(ua), "端末：Android・Chrome");
        assert_eq!(super::detail_ja("issued_by=tanaka"), "招待コードを発行した人：tanaka");
        assert_eq!(super::detail_ja("aside=outbox:2,persons:1"), "別に保管した記録：未送信 2件、対象の方 1件");
    }

    #[test]
    fn every_logged_action_has_words() {
        for a in [
            "sign_in",
            "sign_in.failed",
            "sign_in.locked",
            "sign_out",
            "device.enroll",
            "device.revoke",
            "invite.issue",
            "user.create",
            "user.disable",
            "user.enable",
            "user.assignments",
            "user.areas",
            "password.change",
            "password.reset",
            "event.start",
            "event.areas",
            "event.close",
            "event.checkers",
            "device.recovery_key",
            "device.recover",
            "device.records_aside",
        ] {
            assert_ne!(super::action_ja(a), "その他", "{a}");
        }
    }
}
