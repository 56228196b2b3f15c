//! Management > API Tokens: the credentials scripts use for the REST API. Full administrators
//! create a token (its secret is shown once), see when each was last used, and revoke it.

use super::admins::{field_message, other_message, short_time, RoleFields};
use crate::api::locations::list_locations;
use crate::api::tokens::{list_api_tokens, CreateApiToken, RevokeApiToken};
use crate::components::confirm::ConfirmDialog;
use crate::components::layout::ManagementBreadcrumb;
use crate::components::panel::SidePanel;
use crate::components::table::TableCard;
use crate::model::admin::Role;
use crate::model::token::{ApiTokenInfo, ApiTokenInput, TokenStatus, TOKEN_MAX_DAYS, TOKEN_NAME_MAX_CHARS};
use crate::model::Field;
use crate::paths;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, A};

/// A counter bumped after every change, so the list refetches.
#[derive(Clone, Copy)]
struct TokensContext {
    changed: RwSignal<u32>,
}

#[component]
pub fn ApiTokensPage() -> impl IntoView {
    let changed = RwSignal::new(0u32);
    provide_context(TokensContext { changed });
    let tokens = Resource::new(move || changed.get(), |_| list_api_tokens());
    // Here, not in the table: the list is drawn anew after a revocation, and its answer stays.
    let revoke = ServerAction::<RevokeApiToken>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = revoke.value().get() {
            changed.update(|n| *n += 1);
        }
    });
    view! {
        <Title text="API Tokens" />
        <ManagementBreadcrumb current="API Tokens" />
        <div class="page-header">
            <div>
                <h1>"API Tokens"</h1>
                <p class="page-lede">
                    "Scripts and SDKs written for the cloud product's virtual extensions API use vext's REST API with one of these tokens (Authorization: Bearer …). A token has a role like an administrator's, and the audit log names what it changes \"API token\" and its name."
                </p>
            </div>
            <div class="page-actions">
                <A href=paths::CREATE_API_TOKEN attr:class="button primary">"Create API Token"</A>
            </div>
        </div>
        {move || revoke.value().get().and_then(Result::err).map(|e| view! { <p class="banner error" role="alert">{e.to_string()}</p> })}
        {move || revoke.value().get().and_then(Result::ok).map(|t| view! {
            <p class="banner success" role="status">{format!("API token {} is revoked: scripts using it are refused within a second.", t.name)}</p>
        })}
        <Transition fallback=|| view! { <p class="loading">"Loading API tokens…"</p> }>
            {move || Suspend::new(async move {
                match tokens.await {
                    Ok(list) => view! { <TokenTable list revoke /> }.into_any(),
                    Err(error) => view! { <p class="banner error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <Outlet />
    }
}

#[component]
fn TokenTable(list: Vec<ApiTokenInfo>, revoke: ServerAction<RevokeApiToken>) -> impl IntoView {
    // The token whose Revoke was pressed, waiting for the confirmation.
    let target = RwSignal::new(None::<(String, String)>);
    let confirming = RwSignal::new(false);
    let count = match list.len() {
        1 => "1 token".to_string(),
        n => format!("{n} tokens"),
    };
    let rows = list
        .into_iter()
        .map(|token| {
            let status = token.status();
            let locations = if token.locations.is_empty() { "—".to_string() } else { token.locations.join(", ") };
            let (id, name) = (token.id.clone(), token.name.clone());
            view! {
                <tr>
                    <td>{token.name.clone()}</td>
                    <td>{token.role.label()}</td>
                    <td>{locations}</td>
                    <td>{token.created_by.clone()}<br /><span class="muted">{short_time(&token.created_at)}</span></td>
                    <td>{token.last_used_at.as_deref().map_or_else(|| "Never".to_string(), short_time)}</td>
                    <td>{token.expires_at.as_deref().map_or_else(|| "Never".to_string(), short_time)}</td>
                    <td>
                        <span class="status" class:is-off=status != TokenStatus::Active>{status.label()}</span>
                    </td>
                    <td>
                        {(token.revoked_at.is_none()).then(|| view! {
                            <button
                                type="button"
                                class="button danger small"
                                aria-label=format!("Revoke {}", token.name)
                                on:click=move |_| {
                                    target.set(Some((id.clone(), name.clone())));
                                    confirming.set(true);
                                }
                            >
                                "Revoke"
                            </button>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <ConfirmDialog
            open=confirming
            id="confirm-revoke-token"
            title=Signal::derive(move || target.with(|t| t.as_ref().map(|(_, name)| format!("Revoke API token {name}?")).unwrap_or_default()))
            message="Scripts using it are refused from their next request (within a second on every server). This cannot be undone: a new token has a new secret.".to_string()
            confirm_label="Revoke".to_string()
            danger=true
            on_confirm=move |_| {
                if let Some((id, _)) = target.get_untracked() {
                    revoke.dispatch(RevokeApiToken { id });
                }
            }
        />
        <TableCard
            caption="API tokens"
            count_id="tokens-count"
            count
            headers=&["Name", "Role", "Locations", "Created", "Last used", "Expires", "Status", "Actions"]
        >
            {rows}
        </TableCard>
    }
}

#[component]
pub fn CreateApiTokenPanel() -> impl IntoView {
    let TokensContext { changed } = expect_context();
    let action = ServerAction::<CreateApiToken>::new();
    let locations = Resource::new(|| (), |_| list_locations());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::ReadOnly.as_str().to_string());
    let chosen = RwSignal::new(Vec::<String>::new());
    let days = RwSignal::new(String::new());
    crate::hydration::keep_typed([("token-name", name), ("token-days", days)]);
    let error = Memo::new(move |_| action.value().get().and_then(Result::err));
    let created = Memo::new(move |_| action.value().get().and_then(Result::ok));
    Effect::new(move |_| {
        if created.get().is_some() {
            changed.update(|n| *n += 1);
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if action.pending().get_untracked() {
            return;
        }
        let locations =
            if role.get_untracked() == Role::Location.as_str() { chosen.get_untracked() } else { Vec::new() };
        action.dispatch(CreateApiToken {
            input: ApiTokenInput {
                name: name.get_untracked(),
                role: role.get_untracked(),
                locations,
                expires_days: days.get_untracked(),
            },
        });
    };
    // Made here, not in the form: the form goes when the token is made, while the location
    // checkboxes' effects may still read their error once more.
    let message = move |field: Field| Signal::derive(move || field_message(&error.get(), field));
    let (name_error, role_error, location_error, expires_error) =
        (message(Field::Name), message(Field::Role), message(Field::Location), message(Field::Expires));
    let form = move || {
        view! {
            <form class="panel-form" novalidate on:submit=on_submit>
                {move || other_message(&error.get()).map(|m| view! { <p class="banner error" role="alert">{m}</p> })}
                <div class="field" class:has-error=move || name_error.get().is_some()>
                    <label for="token-name">"Name"</label>
                    <p class="field-hint" id="token-name-hint">
                        {format!("What uses it, such as \"Provisioning script\"; unique, up to {TOKEN_NAME_MAX_CHARS} characters. The audit log shows it.")}
                    </p>
                    <input id="token-name" type="text" autocomplete="off" aria-describedby="token-name-hint"
                        prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                    {move || name_error.get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <Transition fallback=|| view! { <p class="loading">"Loading locations…"</p> }>
                    {move || Suspend::new(async move {
                        let locations = locations.await.unwrap_or_default();
                        view! { <RoleFields role chosen locations error=location_error id_prefix="token" /> }
                    })}
                </Transition>
                {move || role_error.get().map(|m| view! { <p class="field-error">{m}</p> })}
                <div class="field" class:has-error=move || expires_error.get().is_some()>
                    <label for="token-days">"Expires after (days)"</label>
                    <p class="field-hint" id="token-days-hint">
                        {format!("1 to {TOKEN_MAX_DAYS}; leave empty for a token that does not expire.")}
                    </p>
                    <input id="token-days" type="text" inputmode="numeric" autocomplete="off" aria-describedby="token-days-hint"
                        prop:value=move || days.get() on:input=move |ev| days.set(event_target_value(&ev)) />
                    {move || expires_error.get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <div class="panel-actions">
                    <button type="submit" class="button primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Creating…" } else { "Create" }}
                    </button>
                    <A href=paths::API_TOKENS attr:class="button" attr:role="button">"Cancel"</A>
                </div>
            </form>
        }
    };
    view! {
        <Title text="Create API Token" />
        <SidePanel title_id="create-token-title" close_href=paths::API_TOKENS>
            <div class="panel-header">
                <div>
                    <p class="panel-eyebrow">"API Tokens"</p>
                    <h2 id="create-token-title">"Create API Token"</h2>
                </div>
                <A href=paths::API_TOKENS attr:class="icon-button" attr:aria-label="Close">"×"</A>
            </div>
            {move || match created.get() {
                Some(made) => view! {
                    <div class="panel-form">
                        <p class="banner success" role="status">
                            {format!("API token {} is created. Copy its secret now: vext keeps only a hash of it and cannot show it again.", made.token.name)}
                        </p>
                        <div class="field">
                            <label for="token-secret">"Secret"</label>
                            <input id="token-secret" type="text" readonly spellcheck="false" value=made.secret.clone() />
                            <p class="field-hint">"Give it to the script as Authorization: Bearer <secret>."</p>
                        </div>
                        <div class="panel-actions">
                            <A href=paths::API_TOKENS attr:class="button primary">"Done"</A>
                        </div>
                    </div>
                }.into_any(),
                None => form().into_any(),
            }}
        </SidePanel>
    }
}
