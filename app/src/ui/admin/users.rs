//! ユーザー・招待: who uses the app, what each is responsible for, and invite codes that enrol a
//! volunteer's phone.

use super::api;
use super::api::Failure;
use super::widgets::{
    edit_loaded, is_admin, loaded, ConfirmButton, FieldError, FormError, FormProblem, ReadStatus, ServerRead, TextField,
};
use crate::api::admin::{
    AreaTree, Invite, NewUserRequest, Organization, PersonSummary, SetAreasRequest, SetAssignmentsRequest, UserSummary,
};
use crate::domain::{PersonId, Role};
use crate::ui::state::use_app_state;
use crate::ui::time::format_full;
use crate::words::Label;
use leptos::prelude::*;
use leptos_router::components::A;

/// What the page has loaded; the cards and forms share it.
#[derive(Clone, Copy)]
struct Directory {
    read: ServerRead<Vec<UserSummary>>,
    users: Memo<Vec<UserSummary>>,
    persons: Memo<Vec<PersonSummary>>,
    areas: Memo<Option<AreaTree>>,
    organizations: Memo<Vec<Organization>>,
}

impl Directory {
    /// A user a form added or changed, as the server now has them.
    fn replace(self, summary: UserSummary) {
        edit_loaded(self.read, |us| match us.iter_mut().find(|u| u.user.id == summary.user.id) {
            Some(u) => *u = summary,
            None => us.push(summary),
        });
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let admin = is_admin();
    let read: ServerRead<Vec<UserSummary>> = LocalResource::new(api::users);
    // What the assignment and area editors choose from.
    let more: ServerRead<(Vec<PersonSummary>, AreaTree)> =
        LocalResource::new(|| async { Ok((api::persons().await?, api::areas().await?)) });
    // Only an admin makes partner staff; without the list the form just has no organisations.
    let organizations: ServerRead<Vec<Organization>> = LocalResource::new(move || async move {
        if admin {
            api::organizations().await
        } else {
            Ok(Vec::new())
        }
    });
    let got = move |r: &Option<Result<(Vec<PersonSummary>, AreaTree), Failure>>| {
        r.as_ref().and_then(|r| r.as_ref().ok()).cloned()
    };
    let dir = Directory {
        read,
        users: loaded(read),
        persons: Memo::new(move |_| more.with(|r| got(r).map(|m| m.0).unwrap_or_default())),
        areas: Memo::new(move |_| more.with(|r| got(r).map(|m| m.1))),
        organizations: loaded(organizations),
    };
    let sorted = move || {
        let mut v = dir.users.get();
        v.sort_by(|a, b| (a.user.role as u8, &a.user.login).cmp(&(b.user.role as u8, &b.user.login)));
        v
    };
    view! {
        <section class="page admin-page">
            <p class="back"><A href="/admin">"← 管理"</A></p>
            <h1>"ユーザー・招待"</h1>
            <ReadStatus read/>
            <ReadStatus read=more/>
            // The cards' own headings (invite, assignments) sit under this one.
            <h2>"ユーザー一覧"</h2>
            <ul class="cards" data-testid="users">
                <For each=sorted key=|u| u.user.id.as_str().to_owned() let:u>
                    <UserCard id=u.user.id.as_str().to_owned() dir admin/>
                </For>
            </ul>
            <h2>"ユーザーを追加"</h2>
            <AddUserForm dir admin/>
        </section>
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Panel {
    Persons,
    Areas,
    Password,
}

#[component]
fn UserCard(id: String, dir: Directory, admin: bool) -> impl IntoView {
    let state = use_app_state();
    let user = {
        let id = id.clone();
        Memo::new(move |_| dir.users.with(|us| us.iter().find(|u| u.user.id.as_str() == id).cloned()))
    };
    let panel = RwSignal::new(None::<Panel>);
    let status_id = id.clone();
    let invite = RwSignal::new(None::<Invite>);
    let invite_error: FormError = RwSignal::new(None);
    let issue_invite = Action::new_local(move |id: &String| {
        let id = id.clone();
        invite_error.set(None);
        async move {
            match api::issue_invite(&id).await {
                Ok(i) => invite.set(Some(i)),
                Err(f) => invite_error.set(Some(FieldError::from_failure(&f, state))),
            }
        }
    });
    let issuing = issue_invite.pending();
    let issue = {
        let id = id.clone();
        move |_| {
            if !issuing.get_untracked() {
                issue_invite.dispatch(id.clone());
            }
        }
    };
    let role = move || user.with(|u| u.as_ref().map(|u| u.user.role));
    let is_me = {
        let id = id.clone();
        Memo::new(move |_| state.session.with(|s| s.user().is_some_and(|me| me.id.as_str() == id)))
    };
    let toggle = move |p: Panel| panel.update(|cur| *cur = if *cur == Some(p) { None } else { Some(p) });
    // Who sees which districts is the admin's decision; coordinators set 民生委員's areas.
    let can_set_areas = move || match role() {
        Some(Role::Commissioner) => true,
        Some(r) => r.is_manager() && admin,
        None => false,
    };
    let summary = move || {
        user.with(|u| {
            u.as_ref().map(|u| match u.user.role {
                Role::Volunteer => format!("担当 {}人", u.person_ids.len()),
                Role::Commissioner | Role::Coordinator | Role::Admin => format!("担当区域 {}", u.area_ids.len()),
                Role::PartnerStaff => String::new(),
            })
        })
    };
    view! {
        <li class="card user-card" data-testid="user-card">
            {move || user.get().map(|u| view! {
                <div class="card-head">
                    <strong class="user-name">{u.user.display_name}</strong>
                    <span class="tag tag-role">{u.user.role.label_ja()}</span>
                    <span class="who">{format!("ID：{}", u.user.login)}</span>
                    <span class="who">{format!("端末 {}台", u.active_devices)}</span>
                    <span class="who">{summary}</span>
                    {u.disabled.then(|| view! { <span class="tag tag-no" data-testid="user-disabled">"利用停止中"</span> })}
                    {u.must_change_password.then(|| view! { <span class="tag tag-info">"パスワード変更待ち"</span> })}
                </div>
            })}
            <div class="actions">
                <Show when=move || role() == Some(Role::Volunteer)>
                    <button type="button" class="button small" aria-expanded=move || (panel.get() == Some(Panel::Persons)).to_string()
                        on:click=move |_| toggle(Panel::Persons)>"担当する方"</button>
                </Show>
                <Show when=can_set_areas>
                    <button type="button" class="button small" aria-expanded=move || (panel.get() == Some(Panel::Areas)).to_string()
                        on:click=move |_| toggle(Panel::Areas)>"担当区域"</button>
                </Show>
                <Show when=move || role() == Some(Role::Volunteer) && !user.with(|u| u.as_ref().is_some_and(|u| u.disabled))>
                    <button type="button" class="button small" disabled=move || issuing.get() on:click=issue.clone()>
                        {move || if issuing.get() { "発行中…" } else { "招待コードを発行" }}
                    </button>
                </Show>
                <Show when=move || admin && !matches!(role(), Some(Role::Volunteer) | None) && !is_me.get()>
                    <button type="button" class="button small" aria-expanded=move || (panel.get() == Some(Panel::Password)).to_string()
                        on:click=move |_| toggle(Panel::Password)>"パスワード再設定"</button>
                </Show>
            </div>
            <Show when=move || !is_me.get()>
                <UserStatus id=status_id.clone() user dir/>
            </Show>
            <FormProblem error=invite_error/>
            {move || invite.get().map(|i| view! { <InviteSheet invite=i on_close=Callback::new(move |_| invite.set(None))/> })}
            {
                let id = id.clone();
                move || {
                    let open = panel.get()?;
                    let u = user.get_untracked()?;
                    match open {
                        Panel::Persons => Some(view! {
                            <AssignmentsEditor id=id.clone() initial=u.person_ids dir on_close=Callback::new(move |_| panel.set(None))/>
                        }.into_any()),
                        Panel::Areas => Some(view! {
                            <AreasEditor id=id.clone() role=u.user.role initial=u.area_ids dir on_close=Callback::new(move |_| panel.set(None))/>
                        }.into_any()),
                        Panel::Password => Some(view! {
                            <PasswordReset id=id.clone() dir on_close=Callback::new(move |_| panel.set(None))/>
                        }.into_any()),
                    }
                }
            }
        </li>
    }
}

/// 利用停止 / 利用再開: a user who should no longer have access (left the network, a phone in the
/// wrong hands) is stopped at once; every device of theirs wipes itself at its next contact.
#[component]
fn UserStatus(id: String, user: Memo<Option<UserSummary>>, dir: Directory) -> impl IntoView {
    let state = use_app_state();
    let error: FormError = RwSignal::new(None);
    let disabled = move || user.with(|u| u.as_ref().is_some_and(|u| u.disabled));
    let name = move || user.with(|u| u.as_ref().map(|u| u.user.display_name.clone()).unwrap_or_default());
    let id = StoredValue::new(id);
    // Stopping and resuming are one action: one of them at a time.
    let set_disabled = Action::new_local(move |to: &bool| {
        let to = *to;
        error.set(None);
        async move {
            match api::set_disabled(&id.get_value(), to).await {
                Ok(u) => dir.replace(u),
                Err(f) => error.set(Some(FieldError::from_failure(&f, state))),
            }
        }
    });
    let busy = set_disabled.pending();
    let stop = Callback::new(move |_| {
        set_disabled.dispatch(true);
    });
    let resume = Callback::new(move |_| {
        set_disabled.dispatch(false);
    });
    view! {
        <div class="actions user-status">
            <Show when=disabled fallback=move || view! {
                <ConfirmButton label="利用停止にする"
                    question=format!("{} さんを利用停止にしますか？ すべての端末がサインアウトされ、端末内の記録は消去されます。サインインも招待コードでの登録もできなくなります。", name())
                    confirm_label="利用停止にする" busy on_confirm=stop/>
            }>
                <button type="button" class="button small" disabled=move || busy.get()
                    on:click=move |_| resume.run(())>"利用を再開する"</button>
            </Show>
            <FormProblem error/>
        </div>
    }
}

/// パスワード再設定 (admins): a temporary password to hand over in person; the user must change it
/// at their next sign-in, and every device of theirs is signed out now.
#[component]
fn PasswordReset(id: String, dir: Directory, on_close: Callback<()>) -> impl IntoView {
    let state = use_app_state();
    let password = RwSignal::new(String::new());
    let error: FormError = RwSignal::new(None);
    let done = RwSignal::new(false);
    let reset = Action::new_local(move |(id, p): &(String, String)| {
        let (id, p) = (id.clone(), p.clone());
        async move { api::reset_password(&id, p).await }
    });
    Effect::new(move |_| match reset.value().get() {
        Some(Ok(u)) => {
            dir.replace(u);
            done.set(true);
            password.set(String::new());
        }
        Some(Err(f)) => error.set(Some(FieldError::from_failure(&f, state))),
        None => {}
    });
    let field = format!("reset-{id}");
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(false);
        if password.with_untracked(|p| p.chars().count() < 8) {
            return error.set(Some(FieldError::new("weak_password", "パスワードは8文字以上にしてください。")));
        }
        error.set(None);
        reset.dispatch((id.clone(), password.get_untracked()));
    };
    view! {
        <form class="admin-form boxed" on:submit=on_submit novalidate data-testid="password-reset">
            <h3>"パスワード再設定"</h3>
            <p class="hint">"仮のパスワードを決めて、本人に直接伝えてください。本人は次のサインインで新しいパスワードに変更します。今サインインしている端末はすべてサインアウトされます。"</p>
            <TextField id=field label="仮のパスワード" value=password error codes=&["weak_password"] kind="password"
                autocomplete="new-password" hint="8文字以上" required=true/>
            <FormProblem error/>
            <Show when=move || done.get()><p class="saved" role="status">"再設定しました。"</p></Show>
            <div class="actions">
                <button class="button primary" type="submit" disabled=move || reset.pending().get()>"再設定する"</button>
                <button class="button secondary" type="button" on:click=move |_| on_close.run(())>"閉じる"</button>
            </div>
        </form>
    }
}

/// 招待コード: large grouped text to read out or type, the QR code to scan, and when it expires.
/// Prints on its own.
#[component]
fn InviteSheet(invite: Invite, on_close: Callback<()>) -> impl IntoView {
    let groups: Vec<String> = invite.code.split('-').map(str::to_owned).collect();
    view! {
        <div class="invite-card" data-testid="invite">
            <h3>{format!("{} さんの招待コード", invite.for_user.display_name)}</h3>
            <p class="invite-code" aria-label=format!("招待コード {}", invite.code) data-testid="invite-code">
                {groups.into_iter().map(|g| view! { <span class="code-group">{g}</span> }).collect_view()}
            </p>
            // The server draws the QR code (an SVG document with no script in it).
            <div class="invite-qr" role="img" aria-label="招待コードのQRコード" inner_html=invite.qr_svg></div>
            <ol class="invite-steps">
                <li>"スマートフォンのカメラでQRコードを読み取ります。"</li>
                <li>"開いたページで「この端末を登録する」を押します。"</li>
                <li>"読み取れないときは、次のページを開いて上のコードを入力します。"</li>
            </ol>
            <p class="invite-url">{invite.url}</p>
            <p>"有効期限：" <strong>{format_full(invite.expires_at)}</strong> "（1回だけ使えます）"</p>
            <div class="actions no-print">
                <button type="button" class="button" on:click=|_| api::print()>"印刷する"</button>
                <button type="button" class="button secondary" on:click=move |_| on_close.run(())>"閉じる"</button>
            </div>
        </div>
    }
}

/// 担当する方: which persons a volunteer watches.
#[component]
fn AssignmentsEditor(id: String, initial: Vec<PersonId>, dir: Directory, on_close: Callback<()>) -> impl IntoView {
    let state = use_app_state();
    let selected = RwSignal::new(initial);
    let filter = RwSignal::new(String::new());
    let error: FormError = RwSignal::new(None);
    let saved = RwSignal::new(false);
    let pick_id = format!("assign-{id}-filter");
    let id = StoredValue::new(id);
    let save = Action::new_local(move |req: &SetAssignmentsRequest| {
        let req = req.clone();
        async move {
            match api::set_assignments(&id.get_value(), &req).await {
                Ok(u) => {
                    dir.replace(u);
                    saved.set(true);
                }
                Err(f) => error.set(Some(FieldError::from_failure(&f, state))),
            }
        }
    });
    let busy = save.pending();
    let shown = move || {
        let q = filter.get();
        let q = q.trim();
        dir.persons.with(|ps| {
            let mut v: Vec<PersonSummary> = ps
                .iter()
                .filter(|p| q.is_empty() || p.name.contains(q) || p.kana.contains(q) || p.small_area.contains(q))
                .cloned()
                .collect();
            v.sort_by(|a, b| (&a.small_area, &a.kana).cmp(&(&b.small_area, &b.kana)));
            v
        })
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        saved.set(false);
        error.set(None);
        save.dispatch(SetAssignmentsRequest { person_ids: selected.get_untracked() });
    };
    view! {
        <form class="admin-form boxed" on:submit=on_submit novalidate data-testid="assignments">
            <h3>"担当する方"</h3>
            <p class="summary">"選んでいる方：" <strong>{move || selected.with(Vec::len)}</strong> "人"</p>
            <div class="field">
                <label for=pick_id.clone()>"絞り込み（氏名・ふりがな・小地域）"</label>
                <input id=pick_id type="search" prop:value=move || filter.get() on:input=move |ev| filter.set(event_target_value(&ev))/>
            </div>
            <ul class="check-list">
                <For each=shown key=|p| p.id.clone() let:p>
                    {
                        let pid = p.id.clone();
                        let checked = {
                            let pid = pid.clone();
                            move || selected.with(|s| s.contains(&pid))
                        };
                        let on_change = move |ev| {
                            let on = event_target_checked(&ev);
                            selected.update(|s| {
                                s.retain(|x| *x != pid);
                                if on {
                                    s.push(pid.clone());
                                }
                            });
                            saved.set(false);
                        };
                        view! {
                            <li>
                                <label class="check-row">
                                    <input type="checkbox" prop:checked=checked on:change=on_change/>
                                    <span>{p.name}</span>
                                    <span class="who">{p.small_area}</span>
                                    {(!p.consent.record).then(|| view! { <span class="tag tag-no">"同意なし"</span> })}
                                </label>
                            </li>
                        }
                    }
                </For>
            </ul>
            <FormProblem error/>
            <Show when=move || saved.get()><p class="saved" role="status">"保存しました。"</p></Show>
            <div class="actions">
                <button class="button primary" type="submit" disabled=move || busy.get()>"保存する"</button>
                <button class="button secondary" type="button" on:click=move |_| on_close.run(())>"閉じる"</button>
            </div>
        </form>
    }
}

/// 担当区域: small areas for a 民生委員, districts for coordinators and admins.
#[component]
fn AreasEditor(id: String, role: Role, initial: Vec<String>, dir: Directory, on_close: Callback<()>) -> impl IntoView {
    let state = use_app_state();
    let selected = RwSignal::new(initial);
    let error: FormError = RwSignal::new(None);
    let saved = RwSignal::new(false);
    let small_areas = role == Role::Commissioner;
    let id = StoredValue::new(id);
    let save = Action::new_local(move |req: &SetAreasRequest| {
        let req = req.clone();
        async move {
            match api::set_areas(&id.get_value(), &req).await {
                Ok(u) => {
                    dir.replace(u);
                    saved.set(true);
                }
                Err(f) => error.set(Some(FieldError::from_failure(&f, state))),
            }
        }
    });
    let busy = save.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        saved.set(false);
        error.set(None);
        save.dispatch(SetAreasRequest { area_ids: selected.get_untracked() });
    };
    let choice = move |area_id: String, name: String| {
        let checked = {
            let area_id = area_id.clone();
            move || selected.with(|s| s.contains(&area_id))
        };
        view! {
            <li>
                <label class="check-row">
                    <input type="checkbox" prop:checked=checked on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        selected.update(|s| {
                            s.retain(|x| *x != area_id);
                            if on { s.push(area_id.clone()) }
                        });
                        saved.set(false);
                    }/>
                    <span>{name}</span>
                </label>
            </li>
        }
    };
    view! {
        <form class="admin-form boxed" on:submit=on_submit novalidate data-testid="areas-editor">
            <h3>{if small_areas { "担当区域（小地域）" } else { "担当する地区" }}</h3>
            {move || dir.areas.get().map(|t| t.districts.into_iter().map(|d| {
                if small_areas {
                    view! {
                        <fieldset class="group">
                            <legend>{d.name}</legend>
                            <ul class="check-list">
                                {d.small_areas.into_iter().map(|a| choice(a.id, a.name)).collect_view()}
                            </ul>
                        </fieldset>
                    }.into_any()
                } else {
                    view! { <ul class="check-list">{choice(d.id, d.name)}</ul> }.into_any()
                }
            }).collect_view())}
            <FormProblem error/>
            <Show when=move || saved.get()><p class="saved" role="status">"保存しました。"</p></Show>
            <div class="actions">
                <button class="button primary" type="submit" disabled=move || busy.get()>"保存する"</button>
                <button class="button secondary" type="button" on:click=move |_| on_close.run(())>"閉じる"</button>
            </div>
        </form>
    }
}

/// ユーザーを追加: admins choose any role; coordinators add volunteers (who need no password).
#[component]
fn AddUserForm(dir: Directory, admin: bool) -> impl IntoView {
    let state = use_app_state();
    let login = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Volunteer);
    let organization = RwSignal::new(String::new());
    let error: FormError = RwSignal::new(None);
    let added = RwSignal::new(None::<String>);
    let add = Action::new_local(move |req: &NewUserRequest| {
        let req = req.clone();
        async move {
            match api::add_user(&req).await {
                Ok(u) => {
                    added.set(Some(format!("{} さんを追加しました。", u.user.display_name)));
                    dir.replace(u);
                    login.set(String::new());
                    name.set(String::new());
                    password.set(String::new());
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
        added.set(None);
        let r = role.get_untracked();
        let l = login.get_untracked().trim().to_owned();
        let login_ok = (3..=32).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        let p = password.get_untracked();
        let problem = if !login_ok {
            Some(("invalid_login", "IDは半角の小文字・数字・「._-」で3〜32文字にしてください。"))
        } else if name.with_untracked(|n| n.trim().is_empty()) {
            Some(("invalid_display_name", "氏名を入力してください。"))
        } else if r != Role::Volunteer && p.chars().count() < 8 {
            Some(("weak_password", "パスワードは8文字以上にしてください。"))
        } else if r == Role::PartnerStaff && organization.with_untracked(String::is_empty) {
            Some(("organization_not_found", "協力法人を選んでください。"))
        } else {
            None
        };
        if let Some((code, message)) = problem {
            return error.set(Some(FieldError::new(code, message)));
        }
        error.set(None);
        add.dispatch(NewUserRequest {
            login: l,
            display_name: name.get_untracked(),
            role: r,
            password: (r != Role::Volunteer).then_some(p),
            organization_id: (r == Role::PartnerStaff).then(|| organization.get_untracked()),
            area_ids: Vec::new(),
        });
    };
    let roles: &'static [Role] = if admin { &Role::ALL } else { &[Role::Volunteer] };
    view! {
        <form class="admin-form boxed" on:submit=on_submit novalidate data-testid="add-user">
            <div class="form-grid">
                <TextField id="u-name" label="氏名" value=name error codes=&["invalid_display_name"] required=true autocomplete="off"/>
                <TextField id="u-login" label="ID（サインイン用）" value=login error codes=&["invalid_login", "login_taken"]
                    required=true autocomplete="off" hint="半角の小文字・数字・「._-」で3〜32文字"/>
                <div class="field">
                    <label for="u-role">"役割"</label>
                    <select id="u-role" disabled=!admin on:change=move |ev| {
                        if let Some(r) = Role::parse(&event_target_value(&ev)) { role.set(r) }
                    }>
                        {roles.iter().map(|&r| view! {
                            <option value=r.as_str() selected=move || role.get() == r>{r.label_ja()}</option>
                        }).collect_view()}
                    </select>
                    {(!admin).then(|| view! { <p class="hint">"コーディネーターが追加できるのは見守りボランティアです。"</p> })}
                </div>
                <Show when=move || role.get() != Role::Volunteer>
                    <TextField id="u-password" label="パスワード" value=password error
                        codes=&["weak_password", "password_required"] kind="password" autocomplete="new-password"
                        hint="8文字以上。本人に安全な方法で伝えてください。" required=true/>
                </Show>
                <Show when=move || role.get() == Role::PartnerStaff>
                    <div class="field">
                        <label for="u-org">"協力法人"</label>
                        <select id="u-org" on:change=move |ev| organization.set(event_target_value(&ev))>
                            <option value="" selected=move || organization.get().is_empty()>"選んでください"</option>
                            <For each=move || dir.organizations.get() key=|o| o.id.clone() let:o>
                                {
                                    let oid = o.id.clone();
                                    view! { <option value=o.id selected=move || organization.get() == oid>{o.name}</option> }
                                }
                            </For>
                        </select>
                    </div>
                </Show>
            </div>
            <p class="hint">"ボランティアはパスワードを使いません。追加したあと「招待コードを発行」で端末を登録します。担当は追加したあとに決めます。"</p>
            <FormProblem error/>
            {move || added.get().map(|m| view! { <p class="saved" role="status">{m}</p> })}
            <button class="button primary" type="submit" disabled=move || busy.get()>"追加する"</button>
        </form>
    }
}
