//! Edit a virtual extension: every field, and its level or location (a move), under the same
//! rules as create. If someone else saved it meanwhile, Save says so, shows the current values
//! beside the admin's, and keeps the admin's edits in the form: nothing is overwritten unseen.

use super::form::VirtualExtensionForm;
use super::{keeping_list, VirtualExtensionContext};
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
    let close_href = keeping_list(paths::VIRTUAL_EXTENSIONS);
    view! {
        <Title text="Edit Virtual Extension" />
        <SidePanel title_id="edit-title" close_href=keeping_list(&paths::virtual_extension(&id.get_untracked()))>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || {
                let close_href = close_href.clone();
                Suspend::new(async move {
                    let locations = locations.await.unwrap_or_default();
                    match entry.await {
                        Ok(entry) => view! { <EditForm entry locations /> }.into_any(),
                        Err(error) => view! {
                            <PanelLoadError title_id="edit-title" title="Edit Virtual Extension" close_href error />
                        }.into_any(),
                    }
                })}}
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

/// The fields an admin sees, as (label, this value, that value): the conflict table, and the
/// note that says what a save changed.
pub(super) fn side_by_side(
    this: &VirtualExtensionInput,
    that: &VirtualExtensionInput,
    locations: &[Location],
) -> [(&'static str, String, String); 6] {
    [
        (
            "Location",
            location_label(&this.level, &this.location, locations),
            location_label(&that.level, &that.location, locations),
        ),
        ("First Name", this.first_name.clone(), that.first_name.clone()),
        ("Last Name", this.last_name.clone(), that.last_name.clone()),
        ("Display Name", this.display_name.clone(), that.display_name.clone()),
        ("Extension", this.extension.clone(), that.extension.clone()),
        ("Phone Number", this.phone_number.clone(), that.phone_number.clone()),
    ]
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
    let VirtualExtensionContext { update, edited_from, .. } = expect_context();
    let id = entry.id.clone();
    let details = keeping_list(&paths::virtual_extension(&id));
    let before = entry.clone();
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
        // What this save replaces: the values the form opened with or, after an edit conflict,
        // the other administrator's values, which Save now knowingly overwrites.
        let replaced = conflict.get_untracked().map(|c| c.current).unwrap_or_else(|| before.clone());
        conflict.set(None);
        edited_from.set(Some(replaced));
        update.dispatch(UpdateVirtualExtension {
            id: save_id.clone(),
            version: version.get_untracked(),
            input,
        });
    };
    let title = entry.display_name.clone();
    let compare = move || {
        conflict.get().map(|EditConflict { current, yours }| {
            let rows = side_by_side(&current.to_input(), &yours, &locations)
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
