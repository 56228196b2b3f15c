//! Management > Locations: where location-level virtual extensions live. Full administrators
//! add, edit and delete them; read-only administrators see the list. A location that still has
//! virtual extensions or administrators is not deleted: the page says what to move first.

use crate::api::locations::{list_location_rows, CreateLocation, DeleteLocation, UpdateLocation};
use crate::components::confirm::ConfirmDialog;
use crate::components::field::latest_error;
use crate::components::layout::{use_me, IfAllowed, ManagementBreadcrumb};
use crate::components::panel::SidePanel;
use crate::components::table::TableCard;
use crate::error::AppError;
use crate::model::admin::Actor;
use crate::model::{
    Field, FieldError, ListQuery, LocationInput, LocationRow, LOCATION_NAME_MAX_CHARS,
    ROUTING_PREFIX_MAX_DIGITS,
};
use crate::pages::virtual_extensions::list_href;
use crate::paths;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::{use_navigate, use_params_map};

/// The page's actions, shared with its panels so the list refetches after each change.
#[derive(Clone, Copy)]
struct LocationsContext {
    create: ServerAction<CreateLocation>,
    update: ServerAction<UpdateLocation>,
    delete: ServerAction<DeleteLocation>,
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[component]
pub fn LocationsPage() -> impl IntoView {
    let actions = LocationsContext {
        create: ServerAction::new(),
        update: ServerAction::new(),
        delete: ServerAction::new(),
    };
    provide_context(actions);
    let rows = Resource::new(
        move || {
            (actions.create.version().get(), actions.update.version().get(), actions.delete.version().get())
        },
        |_| list_location_rows(),
    );
    view! {
        <Title text="Locations" />
        <ManagementBreadcrumb current="Locations" />
        <div class="page-header">
            <div>
                <h1>"Locations"</h1>
                <p class="page-lede">
                    "Sites of your organization. People at a location dial its virtual extensions directly; people elsewhere dial the location's routing prefix plus the extension (the ESN). The country gives hints for national numbers."
                </p>
            </div>
            <IfAllowed allowed=Actor::is_full>
                <div class="page-actions">
                    <A href=paths::ADD_LOCATION attr:class="button primary">"Add Location"</A>
                </div>
            </IfAllowed>
        </div>
        {move || {
            actions.delete.value().get().and_then(Result::ok).map(|gone| view! {
                <p class="banner success" role="status">{format!("Deleted location {}.", gone.name)}</p>
            })
        }}
        <Transition fallback=|| view! { <p class="loading">"Loading locations…"</p> }>
            {move || Suspend::new(async move {
                let full = use_me().await.is_some_and(|me| me.is_full());
                match rows.await {
                    Ok(rows) => view! { <LocationTable rows full /> }.into_any(),
                    Err(error) => view! { <p class="banner error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <Outlet />
    }
}

#[component]
fn LocationTable(rows: Vec<LocationRow>, full: bool) -> impl IntoView {
    if rows.is_empty() {
        return view! {
            <div class="empty-state">
                <h2>"No locations yet"</h2>
                <p>"Add a location to create location-level virtual extensions there."</p>
            </div>
        }
        .into_any();
    }
    let count = plural(rows.len() as u64, "location", "locations");
    let body = rows
        .into_iter()
        .map(|row| {
            let l = row.location;
            let name = if full {
                view! { <A href=paths::location(&l.id) attr:class="row-link">{l.name.clone()}</A> }.into_any()
            } else {
                l.name.clone().into_any()
            };
            let entries = list_href(&ListQuery { location: Some(l.id.clone()), ..ListQuery::default() });
            view! {
                <tr>
                    <td>{name}</td>
                    <td class="mono">{l.routing_prefix.unwrap_or_default()}</td>
                    <td>{l.country.unwrap_or_default()}</td>
                    <td><A href=entries>{row.virtual_extensions.to_string()}</A></td>
                    <td>{row.administrators.to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <TableCard
            caption="Locations"
            count_id="locations-count"
            count
            headers=&["Name", "Routing Prefix", "Country", "Virtual extensions", "Location administrators"]
        >
            {body}
        </TableCard>
    }
    .into_any()
}

/// The location form, checked in the browser by the model's rules; the server checks again
/// and adds what needs the database (names and prefixes in use, overlaps, ESN clashes).
#[component]
fn LocationForm(
    initial: LocationInput,
    /// The location being edited (posted as `id`).
    #[prop(optional)]
    editing: Option<String>,
    action_url: &'static str,
    #[prop(into)] on_save: Callback<LocationInput>,
    #[prop(into)] pending: Signal<bool>,
    #[prop(into)] answer: Signal<Option<AppError>>,
) -> impl IntoView {
    let name = RwSignal::new(initial.name);
    let prefix = RwSignal::new(initial.routing_prefix);
    let country = RwSignal::new(initial.country);
    let outside = RwSignal::new(initial.outside_dial_digit);
    crate::hydration::keep_typed([
        ("loc-name", name),
        ("loc-prefix", prefix),
        ("loc-country", country),
        ("loc-outside", outside),
    ]);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let form_error = RwSignal::new(None::<String>);
    let apply = move |error: Option<AppError>| match error {
        Some(error) if !error.field_errors().is_empty() => {
            form_error.set(None);
            errors.set(error.field_errors().to_vec());
        }
        Some(error) => form_error.set(Some(error.to_string())),
        None => {}
    };
    apply(answer.get_untracked());
    Effect::new(move |first: Option<()>| {
        let latest = answer.get();
        if first.is_some() {
            apply(latest);
        }
    });
    let input = move || LocationInput {
        name: name.get_untracked(),
        routing_prefix: prefix.get_untracked(),
        country: country.get_untracked(),
        outside_dial_digit: outside.get_untracked(),
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form_error.set(None);
        match input().validate() {
            Ok(_) => {
                errors.set(Vec::new());
                on_save.run(input());
            }
            Err(found) => errors.set(found),
        }
    };
    let message = move |field: Field| {
        Signal::derive(move || {
            errors.with(|list| list.iter().find(|e| e.field == field).map(|e| e.message.clone()))
        })
    };
    let field = move |id: &'static str,
                      label: &'static str,
                      name_attr: &'static str,
                      hint: String,
                      value: RwSignal<String>,
                      which: Field| {
        let error = message(which);
        let hint_id = format!("{id}-hint");
        let error_id = format!("{id}-error");
        let described = {
            let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
            move || if error.get().is_some() { format!("{hint_id} {error_id}") } else { hint_id.clone() }
        };
        view! {
            <div class="field" class:has-error=move || error.get().is_some()>
                <label for=id>{label}</label>
                <p class="field-hint" id=hint_id>{hint}</p>
                <input
                    id=id
                    name=name_attr
                    type="text"
                    autocomplete="off"
                    aria-invalid=move || error.get().is_some().then_some("true")
                    aria-describedby=described
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
                {move || error.get().map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> })}
            </div>
        }
    };
    view! {
        <form class="panel-form" action=action_url method="post" novalidate on:submit=on_submit>
            {editing.map(|id| view! { <input type="hidden" name="id" value=id /> })}
            {move || form_error.get().map(|m| view! { <p class="banner error" role="alert">{m}</p> })}
            {field(
                "loc-name",
                "Name",
                "input[name]",
                format!("Required and unique; up to {LOCATION_NAME_MAX_CHARS} characters."),
                name,
                Field::Name,
            )}
            {field(
                "loc-prefix",
                "Routing Prefix",
                "input[routing_prefix]",
                format!(
                    "Optional; up to {ROUTING_PREFIX_MAX_DIGITS} digits dialed before this location's extensions from elsewhere (the ESN). No prefix may start with another."
                ),
                prefix,
                Field::RoutingPrefix,
            )}
            {field(
                "loc-country",
                "Country",
                "input[country]",
                "Optional; a two-letter ISO code such as US, GB or DE, for phone number hints.".to_string(),
                country,
                Field::Country,
            )}
            {field(
                "loc-outside",
                "Outside Dial Digit",
                "input[outside_dial_digit]",
                "Optional; the one digit people here dial before an outside number, such as 9.".to_string(),
                outside,
                Field::OutsideDialDigit,
            )}
            <div class="panel-actions">
                <button type="submit" class="button primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Save" }}
                </button>
                <A href=paths::LOCATIONS attr:class="button" attr:role="button">"Cancel"</A>
            </div>
        </form>
    }
}

#[component]
pub fn AddLocationPanel() -> impl IntoView {
    let LocationsContext { create, .. } = expect_context();
    let opened_at = create.version().get_untracked();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if create.version().get() != opened_at && matches!(create.value().get(), Some(Ok(_))) {
            navigate(paths::LOCATIONS, Default::default());
        }
    });
    view! {
        <Title text="Add Location" />
        <SidePanel title_id="add-location-title" close_href=paths::LOCATIONS>
            <div class="panel-header">
                <div>
                    <p class="panel-eyebrow">"Locations"</p>
                    <h2 id="add-location-title">"Add Location"</h2>
                </div>
                <A href=paths::LOCATIONS attr:class="icon-button" attr:aria-label="Close">"×"</A>
            </div>
            <LocationForm
                initial=LocationInput::default()
                action_url=CreateLocation::url()
                on_save=move |input| {
                    create.dispatch(CreateLocation { input });
                }
                pending=create.pending()
                answer=latest_error(create)
            />
        </SidePanel>
    }
}

#[component]
pub fn EditLocationPanel() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let rows = Resource::new(move || id.get(), |_| list_location_rows());
    view! {
        <Title text="Edit Location" />
        <SidePanel title_id="edit-location-title" close_href=paths::LOCATIONS>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let full = use_me().await.is_some_and(|me| me.is_full());
                    let found = rows.await.map(|rows| rows.into_iter().find(|r| r.location.id == id.get_untracked()));
                    match found {
                        Ok(Some(row)) if full => view! { <EditLocation row /> }.into_any(),
                        Ok(Some(row)) => view! {
                            <h2 id="edit-location-title">{row.location.name}</h2>
                            <p class="banner error" role="alert">"Only full administrators change locations."</p>
                        }.into_any(),
                        Ok(None) => view! {
                            <div class="panel-header">
                                <h2 id="edit-location-title">"Location not found"</h2>
                                <A href=paths::LOCATIONS attr:class="icon-button" attr:aria-label="Close">"×"</A>
                            </div>
                            <p>"That location does not exist; it may have been deleted."</p>
                        }.into_any(),
                        Err(error) => view! {
                            <h2 id="edit-location-title">"Location"</h2>
                            <p class="banner error" role="alert">{error.to_string()}</p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </SidePanel>
    }
}

#[component]
fn EditLocation(row: LocationRow) -> impl IntoView {
    let LocationsContext { update, delete, .. } = expect_context();
    let location = row.location.clone();
    let id = location.id.clone();
    let opened_at = (update.version().get_untracked(), delete.version().get_untracked());
    let navigate = use_navigate();
    Effect::new(move |_| {
        let saved = update.version().get() != opened_at.0 && matches!(update.value().get(), Some(Ok(_)));
        let deleted = delete.version().get() != opened_at.1 && matches!(delete.value().get(), Some(Ok(_)));
        if saved || deleted {
            navigate(paths::LOCATIONS, Default::default());
        }
    });
    let confirming = RwSignal::new(false);
    // A location in use is not deleted: Delete explains what to move first instead.
    let explaining = RwSignal::new(false);
    let in_use = row.virtual_extensions > 0 || row.administrators > 0;
    let on_delete = move |_| {
        if in_use {
            explaining.set(true);
        } else {
            confirming.set(true);
        }
    };
    let entries_href = list_href(&ListQuery { location: Some(id.clone()), ..ListQuery::default() });
    // What blocks a delete: (what to do, where, the link's words).
    let mut blockers: Vec<(String, String, &'static str)> = Vec::new();
    if row.virtual_extensions > 0 {
        blockers.push((
            format!(
                "{} still here: move them to another location or to organization level, or delete them. ",
                plural(row.virtual_extensions, "virtual extension is", "virtual extensions are")
            ),
            entries_href,
            "Show its virtual extensions",
        ));
    }
    if row.administrators > 0 {
        blockers.push((
            format!(
                "{} it: change their locations first. ",
                plural(
                    row.administrators,
                    "location administrator manages",
                    "location administrators manage"
                )
            ),
            paths::ADMINISTRATORS.to_string(),
            "Go to Administrators",
        ));
    }
    let name = location.name.clone();
    let delete_error = move || {
        (delete.version().get() != opened_at.1)
            .then(|| delete.value().get().and_then(Result::err))
            .flatten()
            .map(|error| view! { <p class="banner error" role="alert">{error.to_string()}</p> })
    };
    let save_id = id.clone();
    view! {
        <div class="panel-header">
            <div>
                <p class="panel-eyebrow">"Edit Location"</p>
                <h2 id="edit-location-title">{location.name.clone()}</h2>
            </div>
            <A href=paths::LOCATIONS attr:class="icon-button" attr:aria-label="Close">"×"</A>
        </div>
        {delete_error}
        <Show when=move || explaining.get()>
            <div class="banner error" role="alert">
                <p><strong>{format!("{name} cannot be deleted yet.")}</strong></p>
                <ul>
                    {blockers
                        .iter()
                        .cloned()
                        .map(|(what, href, link)| view! { <li>{what}<A href=href>{link}</A></li> })
                        .collect_view()}
                </ul>
            </div>
        </Show>
        <LocationForm
            initial=location.to_input()
            editing=id.clone()
            action_url=UpdateLocation::url()
            on_save=move |input| {
                update.dispatch(UpdateLocation { id: save_id.clone(), input });
            }
            pending=update.pending()
            answer=latest_error(update)
        />
        <section class="panel-section danger-zone" aria-labelledby="delete-location-title">
            <h3 id="delete-location-title">"Delete location"</h3>
            <p class="field-hint">
                {format!(
                    "{} and {}.",
                    plural(row.virtual_extensions, "virtual extension", "virtual extensions"),
                    plural(row.administrators, "location administrator", "location administrators")
                )}
            </p>
            <button type="button" class="button danger" on:click=on_delete>"Delete"</button>
        </section>
        <ConfirmDialog
            open=confirming
            id="confirm-delete-location"
            title=format!("Delete location {}?", location.name)
            message=format!(
                "{} will be removed. Nothing else changes: it has no virtual extensions and no administrators.",
                location.name
            )
            confirm_label="Delete".to_string()
            danger=true
            on_confirm=move |_| {
                delete.dispatch(DeleteLocation { id: id.clone() });
            }
        />
    }
}
