//! One virtual extension's details (the ESN for location-level entries) and its history from
//! the audit log.

use super::edit::side_by_side;
use super::table::row_link_id;
use super::{keeping_list, VirtualExtensionContext};
use crate::api::audit::virtual_extension_history;
use crate::api::locations::list_locations;
use crate::api::virtual_extensions::{get_virtual_extension, DeleteVirtualExtensions};
use crate::components::confirm::ConfirmDialog;
use crate::components::layout::use_me;
use crate::components::panel::{PanelLoadError, SidePanel};
use crate::error::AppError;
use crate::model::audit::AuditEntry;
use crate::model::{Level, Location, VirtualExtension};
use crate::pages::admins::short_time;
use crate::pages::audit::ChangeList;
use crate::paths;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

/// What colleagues at other locations dial: the location's routing prefix + the extension.
fn esn(entry: &VirtualExtension, locations: &[Location]) -> Option<String> {
    let location = locations.iter().find(|l| Some(&l.id) == entry.location_id.as_ref())?;
    location.routing_prefix.as_ref().map(|prefix| format!("{prefix}{}", entry.extension))
}

#[component]
pub fn VirtualExtensionDetailsPanel() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let entry = Resource::new(move || id.get(), get_virtual_extension);
    // The history is part of the audit log: only its readers ask for it (the server decides
    // anyway; asking as a location administrator would only earn a 403).
    let me = use_me();
    let history = Resource::new(
        move || id.get(),
        move |id| async move {
            match me.await {
                Some(actor) if actor.may_read_audit() => virtual_extension_history(id).await.map(Some),
                _ => Ok(None),
            }
        },
    );
    let locations = Resource::new(|| (), |_| list_locations());
    let list = keeping_list(paths::VIRTUAL_EXTENSIONS);
    let close_href = list.clone();
    // The "what changed" note of a save belongs to this visit only.
    let VirtualExtensionContext { edited_from, .. } = expect_context();
    on_cleanup(move || {
        edited_from.try_set(None);
    });
    view! {
        <Title text="Virtual Extension details" />
        <SidePanel title_id="details-title" close_href=list return_focus_to=row_link_id(&id.get_untracked())>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || {
                let close_href = close_href.clone();
                Suspend::new(async move {
                    let locations = locations.await.unwrap_or_default();
                    let history = history.await;
                    match entry.await {
                        Ok(entry) => view! { <Details entry locations history close_href /> }.into_any(),
                        Err(error) => view! {
                            <PanelLoadError title_id="details-title" title="Virtual extension" close_href error />
                        }.into_any(),
                    }
                })}}
            </Transition>
        </SidePanel>
    }
}

/// Edit and Delete, for administrators who may change the entry where it is.
#[component]
fn DetailsActions(entry: VirtualExtension) -> impl IntoView {
    let VirtualExtensionContext { delete, .. } = expect_context();
    let me = use_me();
    let confirming = RwSignal::new(false);
    let id = entry.id.clone();
    let scope = entry.scope();
    let message = format!(
        "\"{}\" (extension {}) will be deleted: colleagues can no longer dial it, and calls from {} will show the bare number. This cannot be undone.",
        entry.display_name, entry.extension, entry.phone_number
    );
    let title = format!("Delete \"{}\"?", entry.display_name);
    let edit_href = keeping_list(&paths::edit_virtual_extension(&entry.id));
    let opened_at = delete.version().get_untracked();
    let navigate = use_navigate();
    let list = keeping_list(paths::VIRTUAL_EXTENSIONS);
    Effect::new(move |_| {
        if delete.version().get() != opened_at && matches!(delete.value().get(), Some(Ok(_))) {
            navigate(&list, Default::default());
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || {
                let (scope, edit_href) = (scope.clone(), edit_href.clone());
                Suspend::new(async move {
                    me.await.filter(|me| me.may_change(&scope)).map(|_| view! {
                        <div class="panel-actions top">
                            <A href=edit_href attr:class="button primary">"Edit"</A>
                            <button type="button" class="button danger" on:click=move |_| confirming.set(true)>
                                "Delete"
                            </button>
                        </div>
                    })
                })
            }}
        </Transition>
        {move || {
            (delete.version().get() != opened_at)
                .then(|| delete.value().get().and_then(Result::err))
                .flatten()
                .map(|error| view! { <p class="banner error" role="alert">{error.to_string()}</p> })
        }}
        <ConfirmDialog
            open=confirming
            id="delete-one"
            title=title
            message=message
            confirm_label="Delete".to_string()
            danger=true
            on_confirm=move |_| {
                delete.dispatch(DeleteVirtualExtensions { ids: vec![id.clone()] });
            }
        />
    }
}

/// A value in a sentence: "Ann", or empty.
fn quoted(value: &str) -> String {
    match value.trim() {
        "" => "empty".to_string(),
        v => format!("\"{v}\""),
    }
}

#[component]
fn Details(
    entry: VirtualExtension,
    locations: Vec<Location>,
    history: Result<Option<Vec<AuditEntry>>, AppError>,
    close_href: String,
) -> impl IntoView {
    let VirtualExtensionContext { edited_from, .. } = expect_context();
    // After Save in Edit: what the save changed (the form's confirmation).
    let what_changed = edited_from.get_untracked().filter(|before| before.id == entry.id).map(|before| {
        let changes: Vec<String> = side_by_side(&before.to_input(), &entry.to_input(), &locations)
            .into_iter()
            .filter(|(_, was, now)| was.trim() != now.trim())
            .map(|(field, was, now)| format!("{field} from {} to {}", quoted(&was), quoted(&now)))
            .collect();
        let message = if changes.is_empty() {
            "Saved. Nothing had changed.".to_string()
        } else {
            format!("Saved. Changed {}.", changes.join("; "))
        };
        view! { <p class="banner success" role="status">{message}</p> }
    });
    let esn = esn(&entry, &locations);
    let location = match entry.level {
        Level::Organization => "Organization".to_string(),
        Level::Location => entry.location_name.clone().unwrap_or_default(),
    };
    let dash = |v: Option<String>| v.filter(|v| !v.is_empty()).unwrap_or_else(|| "—".to_string());
    let readable = !matches!(history, Ok(None) | Err(AppError::Forbidden));
    let events = history
        .ok()
        .flatten()
        .unwrap_or_default()
        .into_iter()
        .map(|e| {
            view! {
                <li class="history-entry">
                    <p class="history-head">
                        <strong>{e.action.label()}</strong>
                        " · "{short_time(&e.at)}" · "{e.actor.clone()}
                        {e.import_file.map(|file| format!(" · CSV import {file}"))}
                    </p>
                    <ChangeList changes=e.changes />
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="panel-header">
            <div>
                <p class="panel-eyebrow">"Virtual Extension"</p>
                <h2 id="details-title">{entry.display_name.clone()}</h2>
            </div>
            <A href=close_href attr:class="icon-button" attr:aria-label="Close">"×"</A>
        </div>
        {what_changed}
        <DetailsActions entry=entry.clone() />
        <dl class="details">
            <dt>"Level"</dt><dd>{entry.level.label()}</dd>
            <dt>"Location"</dt><dd>{location}</dd>
            <dt>"First Name"</dt><dd>{dash(entry.first_name.clone())}</dd>
            <dt>"Last Name"</dt><dd>{dash(entry.last_name.clone())}</dd>
            <dt>"Display Name"</dt><dd>{entry.display_name.clone()}</dd>
            <dt>"Extension"</dt><dd class="mono">{entry.extension.clone()}</dd>
            {esn.map(|esn| view! { <dt>"ESN"</dt><dd class="mono">{esn}</dd> })}
            <dt>"Phone Number"</dt><dd class="mono">{entry.phone_number.clone()}</dd>
        </dl>
        <section class="panel-section" aria-labelledby="history-title">
            <h3 id="history-title">"History"</h3>
            {if readable {
                view! { <ol class="history">{events}</ol> }.into_any()
            } else {
                view! { <p class="muted">"The history is part of the audit log, which full and read-only administrators see."</p> }.into_any()
            }}
        </section>
    }
}
