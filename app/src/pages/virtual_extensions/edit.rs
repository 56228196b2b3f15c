//! Edit a virtual extension: every field, and its level or location (a move), under the same
//! rules as create. If someone else saved it meanwhile, Save says so, shows the current values
//! beside the admin's, and keeps the admin's edits in the form: nothing is overwritten unseen.

use super::form::VirtualExtensionForm;
use super::VirtualExtensionContext;
use crate::api::locations::list_locations;
use crate::api::virtual_extensions::{get_virtual_extension, UpdateVirtualExtension};
use crate::components::field::latest_error;
use crate::components::panel::{PanelLoadError, SidePanel};
use crate::model::{ErrorCode, Location, VirtualExtension, VirtualExtensionInput};
use crate::paths;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

#[component]
pub fn EditVirtualExtensionPanel() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let entry = Resource::new(move || id.get(), get_virtual_extension);
    let locations = Resource::new(|| (), |_| list_locations());
    view! {
        <Title text="Edit Virtual Extension" />
        <SidePanel title_id="edit-title" close_href=paths::virtual_extension(&id.get_untracked())>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let locations = locations.await.unwrap_or_default();
                    match entry.await {
                        Ok(entry) => view! { <EditForm entry locations /> }.into_any(),
                        Err(error) => view! {
                            <PanelLoadError title_id="edit-title" title="Edit Virtual Extension" close_href=paths::VIRTUAL_EXTENSIONS error />
                        }.into_any(),
                    }
                })}
            </Transition>
        </SidePanel>
    }
}

/// What someone else saved, beside what the admin is trying to save.
#[derive(Clone, Debug, PartialEq)]
struct EditConflict {
    current: VirtualExtension,
    yours: VirtualExtensionInput,
}

fn location_label(level: &str, location: &str, locations: &[Location]) -> String {
    if location.is_empty() {
        return if level == "LOCATION" { "—".to_string() } else { "Organization".to_string() };
    }
    locations
        .iter()
        .find(|l| l.id == location)
        .map(|l| l.name.clone())
        .unwrap_or_else(|| location.to_string())
}

#[component]
fn EditForm(entry: VirtualExtension, locations: Vec<Location>) -> impl IntoView {
    let VirtualExtensionContext { update, .. } = expect_context();
    let id = entry.id.clone();
    let details = paths::virtual_extension(&id);
    let version = RwSignal::new(entry.version);
    let submitted = StoredValue::new(None::<VirtualExtensionInput>);
    let conflict = RwSignal::new(None::<EditConflict>);
    let opened_at = update.version().get_untracked();
    let is_conflict =
        |e: &crate::error::AppError| e.field_errors().iter().any(|f| f.code == ErrorCode::EditConflict);
    // Field errors go to the form; an edit conflict is answered here instead (with the values
    // side by side), except after a plain form post, where the form shows its message.
    let latest = latest_error(update);
    let answer = Signal::derive(move || {
        let error = latest.get();
        if update.version().get() == opened_at {
            error
        } else {
            error.filter(|e| !is_conflict(e))
        }
    });
    let navigate = use_navigate();
    let after_save = details.clone();
    let conflict_id = id.clone();
    Effect::new(move |_| {
        if update.version().get() == opened_at {
            return;
        }
        match update.value().get() {
            Some(Ok(_)) => navigate(&after_save, Default::default()),
            Some(Err(error)) if is_conflict(&error) => {
                let id = conflict_id.clone();
                leptos::task::spawn_local(async move {
                    if let Ok(current) = get_virtual_extension(id).await {
                        let yours = submitted.get_value().unwrap_or_default();
                        // Saving again from here replaces what is current now, knowingly.
                        version.try_set(current.version);
                        conflict.try_set(Some(EditConflict { current, yours }));
                    }
                });
            }
            _ => {}
        }
    });
    let save_id = id.clone();
    let on_save = move |input: VirtualExtensionInput| {
        submitted.set_value(Some(input.clone()));
        conflict.set(None);
        update.dispatch(UpdateVirtualExtension {
            id: save_id.clone(),
            version: version.get_untracked(),
            input,
        });
    };
    let title = entry.display_name.clone();
    let compare = move || {
        conflict.get().map(|EditConflict { current, yours }| {
            let now = current.to_input();
            let rows = [
                (
                    "Location",
                    location_label(&now.level, &now.location, &locations),
                    location_label(&yours.level, &yours.location, &locations),
                ),
                ("First Name", now.first_name, yours.first_name),
                ("Last Name", now.last_name, yours.last_name),
                ("Display Name", now.display_name, yours.display_name),
                ("Extension", now.extension, yours.extension),
                ("Phone Number", now.phone_number, yours.phone_number),
            ]
            .into_iter()
            .map(|(field, now, yours)| {
                let differs = now.trim() != yours.trim();
                view! {
                    <tr class:differs=differs>
                        <th scope="row">{field}</th>
                        <td>{now}</td>
                        <td>{yours}</td>
                    </tr>
                }
            })
            .collect_view();
            view! {
                <div class="banner error conflict" role="alert">
                    <p>
                        <strong>"Someone else changed this virtual extension after you opened it."</strong>
                        " Nothing was saved. Their values are now current; yours are still in the form. Select Save to replace theirs with yours, or Cancel to keep theirs."
                    </p>
                    <table class="compare">
                        <caption class="visually-hidden">"Current values and yours"</caption>
                        <thead>
                            <tr><th scope="col">"Field"</th><th scope="col">"Current"</th><th scope="col">"Yours"</th></tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
        })
    };
    view! {
        <div class="panel-header">
            <div>
                <p class="panel-eyebrow">"Edit Virtual Extension"</p>
                <h2 id="edit-title">{title}</h2>
            </div>
            <A href=details.clone() attr:class="icon-button" attr:aria-label="Close">"×"</A>
        </div>
        {compare}
        <VirtualExtensionForm
            initial=entry.to_input()
            editing=(id, version)
            action_url=UpdateVirtualExtension::url()
            on_save=on_save
            pending=update.pending()
            answer
            close_href=details
        />
    }
}
