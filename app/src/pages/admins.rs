//! Management > Administrators: who may sign in, with which role, and their open sessions.
//! Full administrators add, change, disable and re-enable administrators, reset passwords and
//! end sessions; read-only administrators see the same list without the controls.

use crate::api::admins::{
    list_admins, CreateAdmin, EndAdminSessions, ResetAdminPassword, SetAdminDisabled, UpdateAdmin,
};
use crate::api::locations::list_locations;
use crate::components::layout::{use_me, IfAllowed, ManagementBreadcrumb};
use crate::components::panel::SidePanel;
use crate::components::table::TableCard;
use crate::error::AppError;
use crate::model::admin::{Actor, AdminAccount, AdminChange, AdminInput, Role};
use crate::model::{Field, Location};
use crate::paths;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::{use_navigate, use_params_map};

/// What the page and its panels share: a counter bumped after every change, so the list
/// refetches.
#[derive(Clone, Copy)]
struct AdminsContext {
    changed: RwSignal<u32>,
}

fn location_names(ids: &[String], locations: &[Location]) -> String {
    let mut names: Vec<String> = ids
        .iter()
        .map(|id| locations.iter().find(|l| &l.id == id).map_or_else(|| id.clone(), |l| l.name.clone()))
        .collect();
    names.sort();
    names.join(", ")
}

/// "2026-11-27T10:04:05Z" → "2026-11-27 10:04 UTC".
pub fn short_time(rfc3339: &str) -> String {
    let trimmed = rfc3339.trim_end_matches('Z');
    match trimmed.split_once('T') {
        Some((day, time)) => format!("{day} {} UTC", time.get(..5).unwrap_or(time)),
        None => rfc3339.to_string(),
    }
}

#[component]
pub fn AdministratorsPage() -> impl IntoView {
    let changed = RwSignal::new(0u32);
    provide_context(AdminsContext { changed });
    let admins = Resource::new(move || changed.get(), |_| list_admins());
    let locations = Resource::new(|| (), |_| list_locations());
    view! {
        <Title text="Administrators" />
        <ManagementBreadcrumb current="Administrators" />
        <div class="page-header">
            <div>
                <h1>"Administrators"</h1>
                <p class="page-lede">
                    "Who may sign in to vext and what each may do. Full administrators manage everything; read-only administrators see everything and change nothing; location administrators manage the location-level virtual extensions of their locations."
                </p>
            </div>
            <IfAllowed allowed=Actor::is_full>
                <div class="page-actions">
                    <A href=paths::ADD_ADMINISTRATOR attr:class="button primary">"Add Administrator"</A>
                </div>
            </IfAllowed>
        </div>
        <Transition fallback=|| view! { <p class="loading">"Loading administrators…"</p> }>
            {move || Suspend::new(async move {
                let locations = locations.await.unwrap_or_default();
                let full = use_me().await.is_some_and(|me| me.is_full());
                match admins.await {
                    Ok(list) => view! { <AdminTable list locations full /> }.into_any(),
                    Err(error) => view! { <p class="banner error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <Outlet />
    }
}

#[component]
fn AdminTable(list: Vec<AdminAccount>, locations: Vec<Location>, full: bool) -> impl IntoView {
    let count = match list.len() {
        1 => "1 administrator".to_string(),
        n => format!("{n} administrators"),
    };
    let rows = list
        .into_iter()
        .map(|admin| {
            let status = if admin.disabled {
                "Disabled"
            } else if admin.locked_until.is_some() {
                "Active (failed sign-ins paused)"
            } else {
                "Active"
            };
            let href = paths::administrator(&admin.id);
            let email = admin.email.clone();
            view! {
                <tr>
                    <td>
                        {if full {
                            view! { <A href=href attr:class="row-link">{email}</A> }.into_any()
                        } else {
                            email.into_any()
                        }}
                    </td>
                    <td>{admin.role.label()}</td>
                    <td>{location_names(&admin.locations, &locations)}</td>
                    <td>
                        <span class="status" class:is-off=admin.disabled>{status}</span>
                    </td>
                    <td>{admin.sessions.len()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <TableCard
            caption="Administrators"
            count_id="admins-count"
            count
            headers=&["Email", "Role", "Locations", "Status", "Open sessions"]
        >
            {rows}
        </TableCard>
    }
}

/// The role select and, for location administrators, the location checkboxes.
#[component]
pub(super) fn RoleFields(
    role: RwSignal<String>,
    chosen: RwSignal<Vec<String>>,
    locations: Vec<Location>,
    error: Signal<Option<String>>,
    id_prefix: &'static str,
) -> impl IntoView {
    let role_id = format!("{id_prefix}-role");
    crate::hydration::keep_typed([(role_id.as_str(), role)]);
    let is_location = move || role.get() == Role::Location.as_str();
    let boxes = locations
        .into_iter()
        .map(|l| {
            let id = l.id.clone();
            let checked_id = l.id.clone();
            let input_id = format!("{id_prefix}-location-{}", l.id);
            let label_for = input_id.clone();
            view! {
                <label class="check" for=label_for>
                    <input
                        type="checkbox"
                        id=input_id
                        prop:checked=move || chosen.with(|c| c.contains(&checked_id))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            let id = id.clone();
                            chosen.update(|c| {
                                c.retain(|x| *x != id);
                                if on {
                                    c.push(id);
                                }
                            });
                        }
                    />
                    {l.name}
                </label>
            }
        })
        .collect_view();
    view! {
        <div class="field">
            <label for=role_id.clone()>"Role"</label>
            <select id=role_id prop:value=move || role.get() on:change=move |ev| role.set(event_target_value(&ev))>
                {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
            </select>
        </div>
        <fieldset class="field checks" class:is-hidden=move || !is_location() class:has-error=move || error.get().is_some()>
            <legend>"Locations"</legend>
            <p class="field-hint">"A location administrator manages the location-level virtual extensions of these locations."</p>
            {boxes}
            {move || error.get().map(|m| view! { <p class="field-error">{m}</p> })}
        </fieldset>
    }
}

pub(super) fn field_message(error: &Option<AppError>, field: Field) -> Option<String> {
    error.as_ref().and_then(|e| e.message_for(field)).map(str::to_string)
}

pub(super) fn other_message(error: &Option<AppError>) -> Option<String> {
    error.as_ref().filter(|e| e.field_errors().is_empty()).map(|e| e.to_string())
}

#[component]
pub fn AddAdministratorPanel() -> impl IntoView {
    let AdminsContext { changed } = expect_context();
    let action = ServerAction::<CreateAdmin>::new();
    let locations = Resource::new(|| (), |_| list_locations());
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::ReadOnly.as_str().to_string());
    let chosen = RwSignal::new(Vec::<String>::new());
    let password = RwSignal::new(String::new());
    crate::hydration::keep_typed([("admin-email", email), ("admin-password", password)]);
    let error = Memo::new(move |_| action.value().get().and_then(Result::err));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            changed.update(|n| *n += 1);
            navigate(paths::ADMINISTRATORS, Default::default());
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let locations =
            if role.get_untracked() == Role::Location.as_str() { chosen.get_untracked() } else { Vec::new() };
        action.dispatch(CreateAdmin {
            input: AdminInput {
                email: email.get_untracked(),
                role: role.get_untracked(),
                locations,
                password: password.get_untracked(),
            },
        });
    };
    let message = move |field: Field| Signal::derive(move || field_message(&error.get(), field));
    view! {
        <Title text="Add Administrator" />
        <SidePanel title_id="add-admin-title" close_href=paths::ADMINISTRATORS>
            <div class="panel-header">
                <div>
                    <p class="panel-eyebrow">"Administrators"</p>
                    <h2 id="add-admin-title">"Add Administrator"</h2>
                </div>
                <A href=paths::ADMINISTRATORS attr:class="icon-button" attr:aria-label="Close">"×"</A>
            </div>
            <form class="panel-form" novalidate on:submit=on_submit>
                {move || other_message(&error.get()).map(|m| view! { <p class="banner error" role="alert">{m}</p> })}
                <div class="field" class:has-error=move || message(Field::Email).get().is_some()>
                    <label for="admin-email">"Email"</label>
                    <input id="admin-email" type="email" autocomplete="off" prop:value=move || email.get()
                        on:input=move |ev| email.set(event_target_value(&ev)) />
                    {move || message(Field::Email).get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <Transition fallback=|| view! { <p class="loading">"Loading locations…"</p> }>
                    {move || Suspend::new(async move {
                        let locations = locations.await.unwrap_or_default();
                        view! { <RoleFields role chosen locations error=message(Field::Location) id_prefix="add" /> }
                    })}
                </Transition>
                {move || message(Field::Role).get().map(|m| view! { <p class="field-error">{m}</p> })}
                <div class="field" class:has-error=move || message(Field::Password).get().is_some()>
                    <label for="admin-password">"Initial password"</label>
                    <p class="field-hint" id="admin-password-hint">
                        "8–128 characters; common passwords are refused. Give it to them in person or over a trusted channel."
                    </p>
                    <input id="admin-password" type="password" autocomplete="new-password" aria-describedby="admin-password-hint"
                        prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
                    {move || message(Field::Password).get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <div class="panel-actions">
                    <button type="submit" class="button primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Adding…" } else { "Add" }}
                    </button>
                    <A href=paths::ADMINISTRATORS attr:class="button" attr:role="button">"Cancel"</A>
                </div>
            </form>
        </SidePanel>
    }
}

/// The panel's actions, made once so that their results outlive the re-renders they cause.
#[derive(Clone, Copy)]
struct ManageActions {
    update: ServerAction<UpdateAdmin>,
    status: ServerAction<SetAdminDisabled>,
    reset: ServerAction<ResetAdminPassword>,
    end: ServerAction<EndAdminSessions>,
}

#[component]
pub fn ManageAdministratorPanel() -> impl IntoView {
    let AdminsContext { changed } = expect_context();
    let actions = ManageActions {
        update: ServerAction::new(),
        status: ServerAction::new(),
        reset: ServerAction::new(),
        end: ServerAction::new(),
    };
    // Every successful change refreshes the list (and this panel with it).
    for value in [
        Signal::derive(move || actions.update.value().get().map(|r| r.is_ok())),
        Signal::derive(move || actions.status.value().get().map(|r| r.is_ok())),
        Signal::derive(move || actions.reset.value().get().map(|r| r.is_ok())),
        Signal::derive(move || actions.end.value().get().map(|r| r.is_ok())),
    ] {
        Effect::new(move |_| {
            if value.get() == Some(true) {
                changed.update(|n| *n += 1);
            }
        });
    }
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let admins = Resource::new(move || changed.get(), |_| list_admins());
    let locations = Resource::new(|| (), |_| list_locations());
    view! {
        <Title text="Manage Administrator" />
        <SidePanel title_id="manage-admin-title" close_href=paths::ADMINISTRATORS>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let locations = locations.await.unwrap_or_default();
                    let me = use_me().await;
                    let found = admins.await.map(|list| list.into_iter().find(|a| a.id == id()));
                    match (found, me) {
                        (Ok(Some(admin)), Some(me)) if !me.is_full() => view! {
                            <h2 id="manage-admin-title">{admin.email}</h2>
                            <p class="banner error" role="alert">"Only full administrators manage administrators."</p>
                        }.into_any(),
                        (Ok(Some(admin)), Some(me)) => view! { <ManageAdministrator admin locations me actions /> }.into_any(),
                        (Ok(None), _) => view! {
                            <h2 id="manage-admin-title">"Administrator not found"</h2>
                            <p>"That administrator does not exist."</p>
                        }.into_any(),
                        (Err(error), _) => view! {
                            <h2 id="manage-admin-title">"Administrator"</h2>
                            <p class="banner error" role="alert">{error.to_string()}</p>
                        }.into_any(),
                        (_, None) => ().into_any(),
                    }
                })}
            </Transition>
        </SidePanel>
    }
}

#[component]
fn ManageAdministrator(
    admin: AdminAccount,
    locations: Vec<Location>,
    me: Actor,
    actions: ManageActions,
) -> impl IntoView {
    let ManageActions { update, status, reset, end } = actions;
    let role = RwSignal::new(admin.role.as_str().to_string());
    let chosen = RwSignal::new(admin.locations.clone());
    let password = RwSignal::new(String::new());
    let current = RwSignal::new(String::new());
    crate::hydration::keep_typed([("manage-password", password), ("manage-current-password", current)]);
    let update_error = Memo::new(move |_| update.value().get().and_then(Result::err));
    let status_error = Memo::new(move |_| status.value().get().and_then(Result::err));
    let reset_error = Memo::new(move |_| reset.value().get().and_then(Result::err));
    let end_error = Memo::new(move |_| end.value().get().and_then(Result::err));
    let id = StoredValue::new(admin.id.clone());
    let is_me = admin.id == me.id;

    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let locations =
            if role.get_untracked() == Role::Location.as_str() { chosen.get_untracked() } else { Vec::new() };
        update.dispatch(UpdateAdmin {
            id: id.get_value(),
            change: AdminChange { role: role.get_untracked(), locations },
        });
    };
    let set_password = move |ev: SubmitEvent| {
        ev.prevent_default();
        reset.dispatch(ResetAdminPassword {
            id: id.get_value(),
            password: password.get_untracked(),
            current: Some(current.get_untracked()).filter(|c| !c.is_empty()),
        });
        password.set(String::new());
        current.set(String::new());
    };
    let disabled = admin.disabled;
    let sessions = admin
        .sessions
        .iter()
        .map(|s| {
            let session = s.id.clone();
            let label = format!(
                "Signed in {} from {}, last active {}",
                short_time(&s.created_at),
                s.ip.clone().unwrap_or_else(|| "an unknown address".to_string()),
                short_time(&s.last_seen_at)
            );
            view! {
                <li class="session">
                    <span>
                        {label}
                        {s.current.then(|| view! { <strong>" (this browser)"</strong> })}
                        <br />
                        <span class="muted">{s.user_agent.clone().unwrap_or_default()}</span>
                    </span>
                    <button type="button" class="button" on:click=move |_| {
                        end.dispatch(EndAdminSessions { id: id.get_value(), session: Some(session.clone()) });
                    }>"End session"</button>
                </li>
            }
        })
        .collect_view();
    let has_sessions = !admin.sessions.is_empty();
    let update_message =
        move |field: Field| Signal::derive(move || field_message(&update_error.get(), field));

    view! {
        <div class="panel-header">
            <div>
                <p class="panel-eyebrow">"Manage Administrator"</p>
                <h2 id="manage-admin-title">{admin.email.clone()}</h2>
            </div>
            <A href=paths::ADMINISTRATORS attr:class="icon-button" attr:aria-label="Close">"×"</A>
        </div>
        {move || update.value().get().and_then(Result::ok).map(|_| view! { <p class="banner success" role="status">"Role and locations saved."</p> })}
        {move || reset.value().get().and_then(Result::ok).map(|_| view! { <p class="banner success" role="status">"New password set; their sessions have ended."</p> })}
        <form class="panel-form" novalidate on:submit=save>
            <h3>"Role and locations"</h3>
            {move || other_message(&update_error.get()).map(|m| view! { <p class="banner error" role="alert">{m}</p> })}
            <RoleFields role chosen locations error=update_message(Field::Location) id_prefix="manage" />
            {move || update_message(Field::Role).get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
            <button type="submit" class="button primary" disabled=move || update.pending().get()>"Save role"</button>
        </form>

        <section class="panel-section" aria-labelledby="status-title">
            <h3 id="status-title">"Status"</h3>
            <p>{if disabled { "Disabled: cannot sign in." } else { "Active." }}</p>
            {admin.locked_until.clone().map(|until| view! {
                <p class="field-hint">{format!("Sign-ins from the addresses that failed repeatedly are paused until {}; from any other address the right password still works. A new password lifts the pause.", short_time(&until))}</p>
            })}
            {move || status_error.get().map(|e| view! { <p class="banner error" role="alert">{e.field_errors().first().map_or_else(|| e.to_string(), |f| f.message.clone())}</p> })}
            {if disabled {
                view! {
                    <button type="button" class="button" on:click=move |_| {
                        status.dispatch(SetAdminDisabled { id: id.get_value(), disabled: false });
                    }>"Re-enable"</button>
                }.into_any()
            } else if is_me {
                view! { <p class="field-hint">"You cannot disable your own account."</p> }.into_any()
            } else {
                view! {
                    <button type="button" class="button danger" on:click=move |_| {
                        status.dispatch(SetAdminDisabled { id: id.get_value(), disabled: true });
                    }>"Disable"</button>
                }.into_any()
            }}
        </section>

        <form class="panel-section" novalidate on:submit=set_password aria-labelledby="password-title">
            <h3 id="password-title">{if is_me { "Change your password" } else { "Reset password" }}</h3>
            {move || reset_error.get().filter(|e| e.field_errors().is_empty()).map(|e| view! { <p class="banner error" role="alert">{e.to_string()}</p> })}
            {is_me.then(|| view! {
                <div class="field" class:has-error=move || field_message(&reset_error.get(), Field::CurrentPassword).is_some()>
                    <label for="manage-current-password">"Current password"</label>
                    <input id="manage-current-password" type="password" autocomplete="current-password" required
                        prop:value=move || current.get() on:input=move |ev| current.set(event_target_value(&ev)) />
                    {move || field_message(&reset_error.get(), Field::CurrentPassword).map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                </div>
            })}
            <div class="field" class:has-error=move || field_message(&reset_error.get(), Field::Password).is_some()>
                <label for="manage-password">"New password"</label>
                <p class="field-hint" id="manage-password-hint">
                    {if is_me { "Your sessions end, this one included: sign in again with the new password." } else { "Their sessions end; give them the new password over a trusted channel." }}
                </p>
                <input id="manage-password" type="password" autocomplete="new-password" aria-describedby="manage-password-hint"
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
                {move || field_message(&reset_error.get(), Field::Password).map(|m| view! { <p class="field-error">{m}</p> })}
            </div>
            <button type="submit" class="button" disabled=move || reset.pending().get()>"Set new password"</button>
        </form>

        <section class="panel-section" aria-labelledby="sessions-title">
            <h3 id="sessions-title">"Open sessions"</h3>
            {move || end_error.get().map(|e| view! { <p class="banner error" role="alert">{e.to_string()}</p> })}
            {if has_sessions {
                view! {
                    <ul class="sessions">{sessions}</ul>
                    <button type="button" class="button danger" on:click=move |_| {
                        end.dispatch(EndAdminSessions { id: id.get_value(), session: None });
                    }>"End all sessions"</button>
                }.into_any()
            } else {
                view! { <p class="muted">"No open sessions."</p> }.into_any()
            }}
        </section>
    }
}
