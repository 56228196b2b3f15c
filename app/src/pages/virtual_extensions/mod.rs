//! Services > Call > Features > Virtual Extension: the list, and the panels opened from it.

pub mod bulk;
pub mod create;
pub mod details;
pub mod edit;
mod form;
mod live;
mod mode;
mod table;

use crate::api::locations::list_locations;
use crate::api::virtual_extensions::{
    list_virtual_extensions, CreateVirtualExtension, DeleteVirtualExtensions, UpdateVirtualExtension,
};
use crate::components::confirm::ConfirmDialog;
use crate::components::layout::{use_me, Breadcrumb, IfAllowed};
use crate::model::admin::Actor;
use crate::model::{DeleteOutcome, Level, ListQuery, Location, VirtualExtension, PAGE_SIZES};
use crate::paths;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::NavigateOptions;
pub use table::list_href;
use table::{Selection, VirtualExtensionTable};

/// `path` (a panel of the list, or the list itself) with the list's search, filters, sort and
/// page from the current address, so that a panel opened from a filtered list goes back to the
/// same list. Only the parameters that are set are written.
pub fn keeping_list(path: &str) -> String {
    let params = use_query_map();
    params.with_untracked(|p| ListQuery::from_params(|name| p.get(name))).on_path(path)
}

/// The data the page and its panels share.
#[derive(Clone, Copy)]
pub struct VirtualExtensionContext {
    pub create: ServerAction<CreateVirtualExtension>,
    pub update: ServerAction<UpdateVirtualExtension>,
    pub delete: ServerAction<DeleteVirtualExtensions>,
    /// The entry as it was when the admin saved an edit: the details panel says what changed.
    pub edited_from: RwSignal<Option<VirtualExtension>>,
}

#[component]
pub fn VirtualExtensionPage() -> impl IntoView {
    let create = ServerAction::<CreateVirtualExtension>::new();
    let update = ServerAction::<UpdateVirtualExtension>::new();
    let delete = ServerAction::<DeleteVirtualExtensions>::new();
    provide_context(VirtualExtensionContext { create, update, delete, edited_from: RwSignal::new(None) });
    // Any save or delete changes the list.
    let changes = move || (create.version().get(), update.version().get(), delete.version().get());
    // The address bar holds the query (search, filters, sort, page): back and shared links
    // restore it. Refetches after every save, so a new row appears without a reload.
    let params = use_query_map();
    let pathname = use_location().pathname;
    let query = Memo::new(move |_| params.with(|p| ListQuery::from_params(|name| p.get(name))));
    let list = Resource::new(move || (query.get(), changes()), |(query, _)| list_virtual_extensions(query));
    // Rows selected for deleting several at once; a new page or search starts afresh.
    let selection = Selection { selected: RwSignal::new(Vec::new()), confirming: RwSignal::new(false) };
    Effect::new(move |_| {
        query.track();
        delete.version().track();
        selection.selected.set(Vec::new());
    });
    let me = use_me();
    let how_many = Signal::derive(move || match selection.selected.with(Vec::len) {
        1 => "1 virtual extension".to_string(),
        n => format!("{n} virtual extensions"),
    });
    let locations = Resource::new(move || create.version().get(), |_| list_locations());
    // Create Virtual Extension is a GET form (it works before the WASM has loaded); with the
    // WASM, the router opens the panel without a page load.
    let navigate_to_create = use_navigate();
    let open_create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        navigate_to_create(
            &query.with_untracked(|q| q.on_path(paths::CREATE_VIRTUAL_EXTENSION)),
            Default::default(),
        );
    };

    view! {
        <Title text="Virtual Extension" />
        <Breadcrumb current="Virtual Extension" />
        <div class="page-header">
            <div>
                <h1>"Virtual Extension"</h1>
                <p class="page-lede">
                    "Give an external number (a remote worker, a key customer) an internal extension and a directory name. Colleagues dial the extension; when that number calls in, caller ID shows the name and extension."
                </p>
            </div>
            <div class="page-actions">
                // What the search and filters select, in the template's format (a download: the
                // router must not handle it).
                <a
                    class="button"
                    rel="external"
                    download
                    href=move || {
                        let q = query.with(|q| ListQuery { sort: Default::default(), descending: false, page: 0, ..q.clone() }.to_query_string());
                        if q.is_empty() { paths::VIRTUAL_EXTENSIONS_CSV.to_string() } else { format!("{}?{q}", paths::VIRTUAL_EXTENSIONS_CSV) }
                    }
                >
                    "Export"
                </a>
                // Every role: read-only administrators see every import, location
                // administrators their own.
                <A href=paths::TASKS attr:class="button">"Tasks"</A>
                // A GET form: a real button that also works before the WASM has loaded. Hidden
                // from read-only administrators (the server refuses them anyway).
                <IfAllowed allowed=Actor::may_change_any>
                    // Carries the list's query along, so closing the panel returns to it.
                    <form method="get" action=paths::CREATE_VIRTUAL_EXTENSION on:submit=open_create.clone()>
                        {move || query.with(ListQuery::to_params).into_iter().map(|(name, value)| view! {
                            <input type="hidden" name=name value=value />
                        }).collect_view()}
                        <button type="submit" class="button primary">
                            "Create Virtual Extension"
                        </button>
                    </form>
                </IfAllowed>
            </div>
        </div>
        <VirtualExtensionTabs current=paths::VIRTUAL_EXTENSIONS />
        // What the last delete did.
        {move || {
            delete.value().get().and_then(Result::ok).map(|done| view! {
                <p class="banner success" role="status">{deleted_message(done)}</p>
            })
        }}
        // What the last save did, and what the rules want the admin to know about it.
        {move || {
            create.value().get().and_then(Result::ok).map(|saved| {
                let warnings = saved.warnings.into_iter().map(|w| view! { <li>{w.message}</li> }).collect_view();
                view! {
                    <div class="banner success" role="status">
                        <p>{format!("Saved \"{}\" (extension {}).", saved.entry.display_name, saved.entry.extension)}</p>
                        <ul class="warnings">{warnings}</ul>
                    </div>
                }
            })
        }}
        // Not rendered behind an open panel, whose fields carry the same labels (Level,
        // Location): one label, one control.
        <Show when=move || pathname.get() == paths::VIRTUAL_EXTENSIONS>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let locations = locations.await.unwrap_or_default();
                    view! { <ListFilters query locations /> }
                })}
            </Transition>
        </Show>
        <Transition fallback=|| view! { <p class="loading">"Loading virtual extensions…"</p> }>
            {move || Suspend::new(async move {
                let locations = locations.await.unwrap_or_default();
                let me = me.await;
                match list.await {
                    Ok(page) => view! {
                        <VirtualExtensionTable page locations query=query.get_untracked() me selection />
                    }.into_any(),
                    Err(error) => view! { <p class="banner error">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <ConfirmDialog
            open=selection.confirming
            id="delete-selected"
            title=Signal::derive(move || format!("Delete {}?", how_many.get()))
            message=Signal::derive(move || format!(
                "{} will be deleted: colleagues can no longer dial them, and their calls will show bare numbers. This cannot be undone.",
                how_many.get()
            ))
            confirm_label=Signal::derive(move || format!("Delete {}", how_many.get()))
            danger=true
            on_confirm=move |_| {
                delete.dispatch(DeleteVirtualExtensions { ids: selection.selected.get_untracked() });
            }
        />
        // What went wrong with the last multi-delete (a refusal, or the server unreachable);
        // a delete from the details panel says so in the panel.
        {move || {
            (pathname.get() == paths::VIRTUAL_EXTENSIONS)
                .then(|| delete.value().get().and_then(Result::err))
                .flatten()
                .map(|error| view! { <p class="banner error" role="alert">{error.to_string()}</p> })
        }}
        <mode::ModeSettings />
        <Outlet />
    }
}

/// "Deleted 3 virtual extensions." (and how many someone else had deleted already).
fn deleted_message(done: DeleteOutcome) -> String {
    let mut message = match done.deleted {
        1 => "Deleted 1 virtual extension.".to_string(),
        n => format!("Deleted {n} virtual extensions."),
    };
    match done.already_gone {
        0 => {}
        1 => message.push_str(" 1 had already been deleted by someone else."),
        n => message.push_str(&format!(" {n} had already been deleted by someone else.")),
    }
    message
}

/// Search and filters: a GET form (it works before the WASM loads), which also updates the
/// list as the admin types or picks, through the address bar. Rendered once and kept in step
/// with the address (Back), so the search box keeps focus while the list follows the typing.
/// The list is only ever re-queried when its query changes, and never from under an open
/// panel (a search typed, then a row opened before the pause ran out).
#[component]
fn ListFilters(query: Memo<ListQuery>, locations: Vec<Location>) -> impl IntoView {
    let navigate = use_navigate();
    let pathname = use_location().pathname;
    // Typing waits for a pause, then replaces the address (one history entry per search).
    let pending = StoredValue::new(None::<leptos::leptos_dom::helpers::TimeoutHandle>);
    let cancel_pending = move || {
        if let Some(handle) = pending.try_get_value().flatten() {
            handle.clear();
        }
        pending.try_set_value(None);
    };
    let go = move |next: ListQuery, replace: bool| {
        cancel_pending();
        let unchanged = query.try_with_untracked(|q| q.normalized() == next.normalized()).unwrap_or(true);
        let on_list = pathname.try_get_untracked().is_some_and(|p| p == paths::VIRTUAL_EXTENSIONS);
        if unchanged || !on_list {
            return;
        }
        navigate(&list_href(&next), NavigateOptions { replace, scroll: false, ..Default::default() });
    };
    let search_box = NodeRef::<leptos::html::Input>::new();
    let on_search = {
        let go = go.clone();
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            cancel_pending();
            let go = go.clone();
            let handle = set_timeout_with_handle(
                move || {
                    if let Some(current) = query.try_get_untracked() {
                        go(ListQuery { search: value, page: 0, ..current }, true)
                    }
                },
                std::time::Duration::from_millis(250),
            )
            .ok();
            pending.set_value(handle);
        }
    };
    // Enter (or the Search button): at once, and only if the search changed.
    let on_submit = {
        let go = go.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let search = search_box.get_untracked().map(|input| input.value()).unwrap_or_default();
            go(ListQuery { search, page: 0, ..query.get_untracked() }, false)
        }
    };
    let on_level = {
        let go = go.clone();
        move |ev: leptos::ev::Event| {
            let level = Level::parse(&event_target_value(&ev)).ok();
            // Organization-level entries have no location: the location filter does not apply.
            let current = query.get_untracked();
            let location = if level == Some(Level::Organization) { None } else { current.location.clone() };
            go(ListQuery { level, location, page: 0, ..current }, false)
        }
    };
    let on_location = {
        let go = go.clone();
        move |ev: leptos::ev::Event| {
            let location = Some(event_target_value(&ev)).filter(|l| !l.is_empty());
            go(ListQuery { location, page: 0, ..query.get_untracked() }, false)
        }
    };
    let on_per_page = move |ev: leptos::ev::Event| {
        let current = query.get_untracked();
        let per_page = event_target_value(&ev).parse().unwrap_or(current.per_page);
        go(ListQuery { per_page, page: 0, ..current }, false)
    };
    on_cleanup(cancel_pending);
    let initial = query.get_untracked();
    let level_value = move || query.with(|q| q.level.map(|l| l.as_str()).unwrap_or_default().to_string());
    let location_value = move || query.with(|q| q.location.clone().unwrap_or_default());
    let organization_only = move || query.with(|q| q.level == Some(Level::Organization));
    let location_options = locations
        .into_iter()
        .map(|l| {
            let selected = Some(&l.id) == initial.location.as_ref();
            view! { <option value=l.id selected=selected>{l.name}</option> }
        })
        .collect_view();
    view! {
        <form
            method="get"
            action=paths::VIRTUAL_EXTENSIONS
            class="filters card"
            role="search"
            on:submit=on_submit
        >
            <div class="field grow">
                <label for="list-search">"Search"</label>
                <input
                    id="list-search"
                    name="q"
                    type="search"
                    node_ref=search_box
                    value=initial.search.clone()
                    prop:value=move || query.with(|q| q.search.clone())
                    placeholder="Name, extension or number"
                    autocomplete="off"
                    on:input=on_search
                />
            </div>
            <div class="field">
                <label for="list-level">"Level"</label>
                <select id="list-level" name="level" prop:value=level_value on:change=on_level>
                    <option value="" selected=initial.level.is_none()>"All"</option>
                    {Level::ALL
                        .into_iter()
                        .map(|l| view! { <option value=l.as_str() selected=initial.level == Some(l)>{l.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="list-location">"Location"</label>
                <select
                    id="list-location"
                    name="location"
                    prop:value=location_value
                    on:change=on_location
                    disabled=organization_only
                    aria-describedby=move || organization_only().then_some("list-location-hint")
                >
                    <option value="" selected=initial.location.is_none()>"All locations"</option>
                    {location_options}
                </select>
                {move || organization_only().then(|| view! {
                    <p class="field-hint" id="list-location-hint">"Organization-level entries belong to no location."</p>
                })}
            </div>
            <div class="field">
                <label for="list-per-page">"Per page"</label>
                <select
                    id="list-per-page"
                    name="per_page"
                    prop:value=move || query.with(|q| q.per_page.to_string())
                    on:change=on_per_page
                >
                    {PAGE_SIZES
                        .into_iter()
                        .map(|n| view! { <option value=n.to_string() selected=n == initial.per_page>{n.to_string()}</option> })
                        .collect_view()}
                </select>
            </div>
            // The sort has no field of its own: carried along hidden, and only when set (a plain
            // GET post writes every named field, empty or not).
            {move || query.with(|q| {
                q.to_params()
                    .into_iter()
                    .filter(|(name, _)| matches!(*name, "sort" | "dir"))
                    .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
                    .collect_view()
            })}
            <div class="filter-actions">
                <button type="submit" class="button">"Search"</button>
            </div>
        </form>
    }
}

/// The tabs of Services > Call > Features > Virtual Extension: the entries, and the ranges.
#[component]
pub fn VirtualExtensionTabs(current: &'static str) -> impl IntoView {
    let tab = move |href: &'static str, label: &'static str| {
        let here = href == current;
        view! {
            <li>
                // A plain link (the router still takes the click): `A` would also mark the
                // entries' tab current on the Ranges path, which starts with it.
                <a href=href class="tab" aria-current=here.then_some("page")>{label}</a>
            </li>
        }
    };
    view! {
        <nav class="tabs" aria-label="Entries and ranges">
            <ul>
                {tab(paths::VIRTUAL_EXTENSIONS, "Virtual Extensions")}
                {tab(paths::RANGES, "Ranges")}
            </ul>
        </nav>
    }
}
