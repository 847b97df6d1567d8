//! The sync loop: push the outbox, then pull what changed, and tell the UI where things stand.
//!
//! It runs on start, when the browser says it is back online, when the app comes to the front,
//! after every save and every minute while the app is open; and while records are waiting and the
//! server cannot be reached, again after 5 s, doubling to 60 s. The `online` event alone is not
//! trusted: on a weak signal the phone never goes "offline", and it is not always delivered. Only
//! one run is active at a time; a request during a run queues one more.
//!
//! One sync at a time per phone, too: tabs and an installed app share one device store, so once
//! the store is open each page asks for the Web Lock `mimamori-sync-leader` and holds it while it
//! lives. The page holding it leads: it alone syncs. The others ask it to (a message on the
//! `mimamori-sync` broadcast channel) whenever they would have synced themselves, and show where
//! its runs stand as it announces them, refreshing from the shared store. When the leader closes
//! (or locks, which reloads it), the lock passes to the next page. A browser without Web Locks
//! syncs in every page, as before; the server stores each record once either way.

use crate::api::{FetchPersonsRequest, MutationResult, PushRequest, MAX_FETCH_PERSONS, MAX_PUSH_BATCH};
use crate::domain::{PersonId, SyncState, User};
use crate::error::ClientError;
use crate::http;
use crate::state::{AppState, Notice, SessionState, SyncPhase};
use crate::store::{self, OutboxEntry, Settled};
use crate::time::now_millis;
use leptos::prelude::*;
use mimamori_core::error::ErrorCode;
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

thread_local! {
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    /// The checks store's mark when the UI last read it (`store::checks_mark`).
    static CHECKS_SEEN: Cell<Option<(u64, u32)>> = const { Cell::new(None) };
    /// Whether [`load_checks`] is under way.
    static LOADING_CHECKS: Cell<bool> = const { Cell::new(false) };
    static AGAIN: Cell<bool> = const { Cell::new(false) };
    /// The wait before the next retry while records wait and the server is out of reach (0: none
    /// scheduled).
    static RETRY_MS: Cell<u32> = const { Cell::new(0) };
    static NEXT_WAIT_MS: Cell<u32> = const { Cell::new(FIRST_RETRY_MS) };
    /// Whether this page asked to lead syncing, and whether it does.
    static ELECTED: Cell<bool> = const { Cell::new(false) };
    static LEADER: Cell<bool> = const { Cell::new(false) };
    static CHANNEL: RefCell<Option<web_sys::BroadcastChannel>> = const { RefCell::new(None) };
}

/// First retry after the server could not be reached with records waiting; it doubles up to
/// [`LAST_RETRY_MS`].
const FIRST_RETRY_MS: u32 = 5_000;
const LAST_RETRY_MS: u32 = 60_000;

/// After a run: records still waiting and no way through, so try again after the next wait in
/// the back-off (one retry scheduled at a time); a run that got through starts the back-off over.
fn schedule_retry(state: AppState, reached: bool) {
    let waiting = state.sync.with_untracked(|s| s.pending) > 0;
    retry_if_waiting(state, reached, waiting);
}

/// As [`schedule_retry`], with what waits said by the caller (an offline sign-out the server has
/// not heard of yet waits too, though no record does).
fn retry_if_waiting(state: AppState, reached: bool, waiting: bool) {
    if reached {
        NEXT_WAIT_MS.with(|n| n.set(FIRST_RETRY_MS));
        return;
    }
    if !waiting || RETRY_MS.with(|r| r.get()) != 0 {
        return;
    }
    let wait = NEXT_WAIT_MS.with(|n| n.replace((n.get() * 2).min(LAST_RETRY_MS)));
    RETRY_MS.with(|r| r.set(wait));
    gloo_timers::callback::Timeout::new(wait, move || {
        RETRY_MS.with(|r| r.set(0));
        request(state);
    })
    .forget();
}

const LEADER_LOCK: &str = "mimamori-sync-leader";
const CHANNEL_NAME: &str = "mimamori-sync";

/// Asks to lead syncing on this phone (see the module's header); then syncs, or has the leader sync.
/// Called once the store is open: a locked page cannot sync, so it never leads.
pub fn elect(state: AppState) {
    if !ELECTED.with(|e| e.replace(true)) {
        listen(state);
        let locks = web_sys::window()
            .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"locks".into()).ok())
            .filter(|l| !l.is_undefined());
        let ask = locks
            .as_ref()
            .and_then(|l| js_sys::Reflect::get(l, &"request".into()).ok()?.dyn_into::<js_sys::Function>().ok());
        match (locks, ask) {
            (Some(locks), Some(ask)) => {
                let granted = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
                    LEADER.with(|l| l.set(true));
                    request(state);
                    // Held while this page lives: the promise never settles.
                    js_sys::Promise::new(&mut |_, _| {}).into()
                });
                let _ = ask.call2(&locks, &LEADER_LOCK.into(), &granted);
            }
            _ => LEADER.with(|l| l.set(true)),
        }
    }
    request(state);
}

/// Whether another page leads syncing (so this one asks it instead of syncing itself).
fn follower() -> bool {
    ELECTED.with(Cell::get) && !LEADER.with(Cell::get)
}

fn announce(message: &str) {
    CHANNEL.with(|c| {
        if let Some(channel) = c.borrow().as_ref() {
            let _ = channel.post_message(&message.into());
        }
    });
}

/// The leader hears "sync"; the others hear where the leader's runs stand.
fn listen(state: AppState) {
    let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL_NAME) else { return };
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
        let Some(message) = ev.data().as_string() else { return };
        if !LEADER.with(Cell::get) {
            follow(state, message);
        } else if message == "sync" {
            request(state);
        }
    });
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    CHANNEL.with(|c| *c.borrow_mut() = Some(channel));
}

/// What a page that does not lead shows of the leader's run.
fn follow(state: AppState, message: String) {
    // The leader may have written checks: this page's record of its own writes does not know.
    store::checks_written_elsewhere();
    let phase = match message.as_str() {
        "syncing" => Some(SyncPhase::Syncing),
        "idle" => Some(SyncPhase::Idle),
        "offline" => Some(SyncPhase::Offline),
        "revoked" => {
            crate::vault::forget();
            state.notice.set(Some(Notice::Revoked));
            state.session.set(SessionState::SignedOut);
            Some(SyncPhase::NeedsSignIn)
        }
        "done" => None,
        _ => return,
    };
    let Some(phase) = phase else {
        leptos::task::spawn_local(refresh_from_store(state));
        return;
    };
    if phase == SyncPhase::Syncing {
        state.sync.update(|s| s.phase = phase);
        return;
    }
    leptos::task::spawn_local(async move {
        refresh_from_store(state).await;
        state.sync.update(|s| s.phase = phase);
    });
}

/// Starts a sync run now, or right after the one in progress (in the leader, if another page leads).
pub fn request(state: AppState) {
    if follower() {
        announce("sync");
        return;
    }
    if RUNNING.with(|r| r.replace(true)) {
        AGAIN.with(|a| a.set(true));
        return;
    }
    leptos::task::spawn_local(async move {
        loop {
            AGAIN.with(|a| a.set(false));
            run_once(state).await;
            if !AGAIN.with(|a| a.get()) {
                break;
            }
        }
        RUNNING.with(|r| r.set(false));
    });
}

async fn run_once(state: AppState) {
    if !matches!(state.session.get_untracked(), SessionState::SignedIn(_)) {
        // Not told yet (no way through): again soon, not only at the next minute's run.
        let told = finish_sign_out().await;
        retry_if_waiting(state, told, !told);
        return;
    }
    state.sync.update(|s| s.phase = SyncPhase::Syncing);
    announce("syncing");
    let result = match push_all(state).await {
        Ok(()) => pull_all(state).await,
        Err(e) => Err(e),
    };
    let phase = match result {
        Ok(()) => SyncPhase::Idle,
        Err(ClientError::Offline) => {
            crate::sw::request_background_sync();
            SyncPhase::Offline
        }
        Err(ClientError::SignedOut) => {
            // Keep unsent records: signing in again as the same user sends them.
            state.session.update(|s| {
                if let SessionState::SignedIn(user) = s {
                    *s = SessionState::Expired(user.clone());
                }
            });
            SyncPhase::NeedsSignIn
        }
        Err(ClientError::Revoked) => {
            // Revoked (a lost phone) or signed out elsewhere: nothing personal may stay here.
            if let Err(e) = store::wipe().await {
                SyncPhase::Failed(ClientError::WipeFailed(e.0))
            } else {
                state.notice.set(Some(Notice::Revoked));
                state.session.set(SessionState::SignedOut);
                SyncPhase::NeedsSignIn
            }
        }
        Err(e) if e.code() == Some(ErrorCode::PasswordChangeRequired) => SyncPhase::NeedsPasswordChange,
        Err(other) => SyncPhase::Failed(other),
    };
    refresh_from_store(state).await;
    announce(match &phase {
        SyncPhase::Idle => "idle",
        SyncPhase::Offline => "offline",
        SyncPhase::NeedsSignIn if state.session.with_untracked(|s| matches!(s, SessionState::SignedOut)) => "revoked",
        _ => "done",
    });
    // Out of reach, or a server failing for the moment (a proxy's 502 on a weak link, busy):
    // worth trying again soon. A refusal or a signed-out session is not.
    let unreachable = matches!(phase, SyncPhase::Offline | SyncPhase::Failed(ClientError::Server(_)))
        || matches!(&phase, SyncPhase::Failed(e) if matches!(e.code(), Some(ErrorCode::Busy | ErrorCode::DatabaseUnavailable | ErrorCode::Timeout)));
    state.sync.update(|s| s.phase = phase);
    schedule_retry(state, !unreachable);
}

async fn push_all(state: AppState) -> Result<(), ClientError> {
    // 緊急 first: the coordinator must hear of an emergency at the first contact, not after
    // thirty days of routine checks.
    let urgent = store::urgent_outbox(MAX_PUSH_BATCH).await?;
    if !urgent.is_empty() {
        push_batch(state, urgent).await?;
    }
    loop {
        let batch = store::outbox_batch(MAX_PUSH_BATCH as u32).await?;
        if batch.is_empty() {
            return Ok(());
        }
        push_batch(state, batch).await?;
    }
}

async fn push_batch(state: AppState, batch: Vec<OutboxEntry>) -> Result<(), ClientError> {
    let request =
        PushRequest { mutations: batch.iter().map(|e| e.mutation.clone()).collect(), sent_at: Some(now_millis()) };
    // If the answer is lost, the next run pushes the same ids again; the server stores them once.
    let response = http::push(&request).await?;
    let settled: Vec<(OutboxEntry, Settled)> = batch
        .into_iter()
        .enumerate()
        .filter_map(|(index, entry)| {
            let id = entry.mutation.id();
            let result = response.results.iter().find(|r| match r {
                MutationResult::Malformed { index: i, .. } => *i == index,
                other => other.id() == Some(id),
            })?;
            let settled = match result {
                MutationResult::Applied { .. } | MutationResult::Duplicate { .. } | MutationResult::Conflict { .. } => {
                    Settled::Stored
                }
                MutationResult::Rejected { error, .. } | MutationResult::Malformed { error, .. } => {
                    Settled::Refused { code: error.code, message_ja: error.message_ja.clone() }
                }
            };
            Some((entry, settled))
        })
        .collect();
    // An answer that settles nothing would have us push the same batch forever.
    if settled.is_empty() {
        return Err(ClientError::Server(200));
    }
    store::settle(&settled).await?;
    refresh_from_store(state).await;
    Ok(())
}

/// Pulls every page after the cursor, then fetches the persons the scope manifest names that this
/// device lacks or holds an older copy of.
async fn pull_all(state: AppState) -> Result<(), ClientError> {
    let start = store::cursor().await?;
    let mut cursor = start;
    // Sent while the server may answer "nothing but checks changed" (`PullResponse::unchanged`).
    let mut mark = store::pull_mark().await?;
    let (mut scope, mut next_mark, mut first) = (None, None, true);
    loop {
        let page = match http::pull(cursor, mark).await {
            // A server that knows no marks (rolled back to a release before them) refuses the
            // parameter: ask again without it, and whole.
            Err(ClientError::Refused { code: ErrorCode::InvalidQuery, .. }) if mark.is_some() => {
                mark = None;
                http::pull(cursor, None).await?
            }
            other => other?,
        };
        // The server's clock is the reference; round-trip delay is small next to real skew.
        let offset = page.server_time - js_sys::Date::now() as i64;
        crate::time::set_clock_offset(offset);
        let ids: Option<HashSet<PersonId>> =
            (!page.unchanged).then(|| page.scope.iter().map(|s| s.id.clone()).collect());
        let dropped = store::apply_pull(ids.as_ref(), &page.checks, page.cursor, page.server_time, offset).await?;
        if dropped > 0 {
            state.sync.update(|s| s.dropped += dropped);
        }
        if first {
            state.new_devices.set(store::unseen_devices(&page.new_devices).await?);
            first = false;
        }
        if !page.unchanged && scope.is_none() {
            store::put_requests(&page.requests, &page.areas, &page.cases, &page.events).await?;
            scope = Some(page.scope);
            next_mark = page.mark;
            // The pages after a whole one are whole too: this device holds no mark until the end.
            mark = None;
        }
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    let scope = scope.unwrap_or_default();
    let held = store::held_versions().await?;
    let stale = store::persons_stale().await?;
    let (mut new, mut changed) = (Vec::new(), Vec::new());
    for entry in scope {
        match held.get(&entry.id) {
            None => new.push(entry.id),
            Some(v) if stale || *v != entry.version => changed.push(entry.id),
            Some(_) => {}
        }
    }
    // Checks after `start` came with the pages; a person new to this device needs the rest.
    let history_upto = (start > 0).then_some(start);
    for (ids, upto) in [(new, history_upto), (changed, None)] {
        for chunk in ids.chunks(MAX_FETCH_PERSONS) {
            let res = http::fetch_persons(&FetchPersonsRequest { ids: chunk.to_vec(), history_upto: upto }).await?;
            store::put_fetched(&res.persons, &res.checks).await?;
        }
    }
    if stale {
        store::clear_persons_stale().await?;
    }
    // Only now is everything the whole pull named on the device.
    if let Some(mark) = next_mark {
        store::set_pull_mark(mark).await?;
    }
    Ok(())
}

/// A sign-out made offline wiped the device at once; the server's session ends when it hears of
/// it, at the first contact after. (Until then an evicted-store recovery must not bring the data
/// back, which is why the mark outlives the wipe.)
/// True when nothing is left to tell.
async fn finish_sign_out() -> bool {
    if !store::sign_out_pending().await.unwrap_or(false) {
        return true;
    }
    if http::sign_out().await.is_ok() {
        let _ = store::clear_sign_out_pending().await;
        return true;
    }
    false
}

/// How many records the server refused, on the sync bar.
fn count_refused(state: AppState) {
    let refused_edits = state.refused.with_untracked(Vec::len);
    let rejected = state.checks.with_untracked(|cs| cs.iter().filter(|c| c.sync == SyncState::Rejected).count());
    state.sync.update(|s| s.refused = (rejected + refused_edits) as u32);
}

/// Returns once the screens show (the store read, the lock open) and the browser has painted
/// them (or 100 ms later); or after two seconds whatever the screen (a PIN still to be chosen).
async fn shown(state: AppState) {
    for _ in 0..100 {
        if state.booted.get_untracked() && state.lock.get_untracked() == crate::state::LockScreen::Open {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(20).await;
    }
    // A page in the background gets no frames: then 100 ms, so the history is never left unopened.
    if let Some(w) = web_sys::window() {
        let frame = js_sys::Promise::new(&mut |resolve, _| {
            let _ = w.request_animation_frame(&resolve);
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 100);
        });
        let _ = wasm_bindgen_futures::JsFuture::from(frame).await;
    }
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// Checks opened per page of [`store::checks_page`]: about 0.1 s of a slow phone's main thread.
const CHECKS_PAGE: u32 = 1_000;

/// Brings the UI's checks up to the device store's, if they may differ (`store::checks_mark`).
/// When the UI holds them all and only this page wrote since, by checks it can name (a save, a
/// push's answer, a pull's new checks), only those are read again and put in place; otherwise
/// every check is opened, a page at a time so the screen goes on answering meanwhile (a 民生委員's
/// phone holds tens of thousands: 2.7 s of a slow phone's time). Then the deciding ones are kept
/// apart for the next unlock ([`store::put_newest_checks`]). One load at a time: one asked for
/// while another runs is left to it, which looks at the store again when it is done.
async fn load_checks(state: AppState) {
    if LOADING_CHECKS.with(|l| l.replace(true)) {
        return;
    }
    loop {
        let mark = store::checks_mark().await.ok();
        if mark.is_some() && CHECKS_SEEN.with(Cell::get) == mark {
            break;
        }
        // Taken before reading: what is written from here on is named for the next round.
        let written = store::take_checks_written();
        let held = CHECKS_SEEN.with(Cell::get).is_some();
        let in_place = match (written, mark) {
            (Some(ids), Some(mark)) if held && ids.len() <= CHECKS_PAGE as usize => {
                put_in_place(state, ids, mark.1).await
            }
            _ => false,
        };
        if !in_place && !read_all(state).await {
            // What was taken must not be lost: next time, everything.
            store::checks_written_elsewhere();
            break;
        }
        let newest: Vec<String> = state.checks.with_untracked(|all| {
            crate::domain::LastChecks::deciding(all).into_iter().map(|c| c.id.0.to_string()).collect()
        });
        state.checks_complete.set(true);
        CHECKS_SEEN.with(|s| s.set(mark));
        count_refused(state);
        match mark {
            Some(mark) if store::checks_mark().await.ok() == Some(mark) => {
                let _ = store::put_newest_checks(newest, mark.1).await;
            }
            Some(_) => {}
            None => break,
        }
    }
    LOADING_CHECKS.with(|l| l.set(false));
}

/// Every check, a page at a time, then into the UI at once. False if the store would not read.
async fn read_all(state: AppState) -> bool {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        match store::checks_page(after, CHECKS_PAGE).await {
            Ok((page, next)) => {
                all.extend(page);
                match next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            Err(_) => return false,
        }
    }
    state.checks.set(all);
    true
}

/// These checks read again and put in place of the UI's copies (added if new). False, changing
/// nothing, if the store would not read, one of them is gone, or the result would not hold as many
/// checks as the store (`count`): then everything is read.
async fn put_in_place(state: AppState, mut ids: Vec<String>, count: u32) -> bool {
    ids.sort_unstable();
    ids.dedup();
    let Ok(fresh) = store::checks_by_id(&ids).await else { return false };
    if fresh.len() != ids.len() {
        return false;
    }
    // Where each is held now (none for a new one), found once.
    let (held, at): (usize, Vec<Option<usize>>) = state
        .checks
        .with_untracked(|all| (all.len(), fresh.iter().map(|f| all.iter().position(|c| c.id == f.id)).collect()));
    if held + at.iter().filter(|p| p.is_none()).count() != count as usize {
        return false;
    }
    state.checks.update(|all| {
        for (check, at) in fresh.into_iter().zip(at) {
            match at {
                Some(i) => all[i] = check,
                None => all.push(check),
            }
        }
    });
    true
}

/// Reloads the UI's view of the device store.
pub async fn refresh_from_store(state: AppState) {
    let me = state.session.with_untracked(|s| s.user().cloned());
    refresh_from_store_as(state, me.as_ref()).await;
}

/// [`refresh_from_store`] for a user whose session is not published yet (at sign-in).
pub(crate) async fn refresh_from_store_as(state: AppState, me: Option<&User>) {
    if let Ok(persons) = store::persons().await {
        state.persons.set(persons);
    }
    if let Ok(edits) = store::refused_edits().await {
        state.refused.set(edits);
    }
    // The checks: on a page just opened, the deciding ones first when they are kept, the history
    // after, without waiting for it; otherwise the history now, if the store's changed.
    let opening = CHECKS_SEEN.with(Cell::get).is_none() && !LOADING_CHECKS.with(|l| l.replace(true));
    let newest = if opening { store::newest_checks().await.ok().flatten() } else { None };
    if opening {
        LOADING_CHECKS.with(|l| l.set(false));
    }
    match newest {
        Some(newest) => {
            state.checks.set(newest);
            // The rest once the screen shows what it has, so as not to hold it up.
            LOADING_CHECKS.with(|l| l.set(true));
            leptos::task::spawn_local(async move {
                shown(state).await;
                LOADING_CHECKS.with(|l| l.set(false));
                load_checks(state).await;
            });
        }
        None => load_checks(state).await,
    }
    count_refused(state);
    if let Some(me) = me {
        if let Ok(requests) = store::requests(me).await {
            state.requests.set(requests);
        }
    }
    if let Ok(areas) = store::areas().await {
        state.areas.set(areas);
    }
    if let Some(me) = me {
        if let Ok(cases) = store::cases(me).await {
            state.cases.set(cases);
        }
        if let Ok(events) = store::events(me).await {
            state.events.set(events);
        }
    }
    let pending = store::pending_count().await.unwrap_or(0);
    let last = store::last_synced_at().await.ok().flatten();
    let aside = store::moved_aside();
    state.sync.update(|s| {
        s.pending = pending;
        s.last_synced = last;
        s.aside = aside;
    });
}
