//! 管理: where coordinators and admins start.

use crate::domain::CheckOutcome;
use crate::ui::chrome::SignOutButton;
use crate::ui::state::use_app_state;
use crate::ui::time::{now_millis, DAY_MS};
use crate::words::Label;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn AdminHomePage() -> impl IntoView {
    let state = use_app_state();
    let who = move || {
        state
            .session
            .with(|s| s.user().map(|u| format!("{}（{}）", u.display_name, u.role.label_ja())).unwrap_or_default())
    };
    // 緊急 reaches this device ahead of routine records; say so before anything else on the page.
    let emergencies = move || {
        let since = now_millis() - 7 * DAY_MS;
        state
            .checks
            .with(|cs| cs.iter().filter(|c| c.outcome == CheckOutcome::Emergency && c.recorded_at >= since).count())
    };
    view! {
        <section class="page admin-page">
            <h1>"管理"</h1>
            <p class="who">{who}</p>
            <Show when=move || { emergencies() > 0 }>
                <div class="emergency-alert" role="alert" data-testid="emergency-alert">
                    <p>{move || format!("この1週間に「緊急」の記録が {} 件あります。", emergencies())}</p>
                    <A href="/admin/cases" attr:class="button">"要対応で確認する"</A>
                </div>
            </Show>
            <ul class="menu-grid" data-testid="admin-menu">
                <MenuLink href="/admin/events" title="安否確認" text="災害のとき、要援護者の安否を見守りのネットワークで確かめ、地域ごとに集計する"/>
                <MenuLink href="/admin/cases" title="要対応" text="気になる・緊急の記録と依頼を、人ごとに確認して対応を記録する"/>
                <MenuLink href="/admin/meetings" title="個別ケース検討会" text="検討する方を選んで会議の資料をつくり、決まったことを記録する"/>
                <MenuLink href="/admin/map" title="地図" text="担当地区の方を地図で。緊急・気になる・期限超過が一目で分かる"/>
                <MenuLink href="/admin/persons" title="対象者" text="見守りの対象者の登録・変更、本人同意の記録"/>
                <MenuLink href="/admin/users" title="ユーザー・招待" text="ボランティアなどの登録、担当の割り当て、招待コードの発行"/>
                <MenuLink href="/admin/areas" title="地域" text="地区と小地域（町内会・自治会）"/>
                <MenuLink href="/admin/organizations" title="協力法人" text="依頼をつなぐ社会福祉法人など"/>
                <MenuLink href="/requests" title="依頼" text="相談・依頼の状況を更新し、協力法人につなぐ"/>
                <MenuLink href="/admin/reports" title="集計" text="地区・小地域と月ごとの見守り・依頼・要対応の数。CSV・Excel で出力"/>
                <MenuLink href="/admin/activity" title="活動記録の集計" text="民生委員の月ごとの活動記録"/>
                <MenuLink href="/admin/conflicts" title="食い違いの確認" text="二人が別々に変更した項目の、残す方を選ぶ"/>
                <MenuLink href="/admin/devices" title="端末" text="サインインしている端末の確認と無効化"/>
                <MenuLink href="/checks" title="記録一覧" text="見守りの記録（新しい順）"/>
                <Show when=super::widgets::is_admin>
                    <MenuLink href="/admin/security" title="セキュリティ記録" text="サインイン、端末の登録・無効化、招待、利用停止、パスワードの記録"/>
                </Show>
            </ul>
            <SignOutButton/>
        </section>
    }
}

#[component]
fn MenuLink(href: &'static str, title: &'static str, text: &'static str) -> impl IntoView {
    view! {
        <li>
            <A href=href attr:class="menu-link">
                <span class="menu-title">{title}</span>
                <span class="menu-text">{text}</span>
            </A>
        </li>
    }
}
