//! Services > Call > Features > Virtual Extension: the list, and the panels opened from it.

pub mod create;
pub mod details;
mod live;
mod table;

use crate::api::locations::list_locations;
use crate::api::virtual_extensions::{list_virtual_extensions, CreateVirtualExtension};
use crate::components::layout::{Breadcrumb, IfAllowed};
use crate::model::admin::Actor;
use crate::model::ListQuery;
use crate::paths;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, Outlet};
use table::VirtualExtensionTable;

/// The data the page and its panels share.
#[derive(Clone, Copy)]
pub struct VirtualExtensionContext {
    pub create: ServerAction<CreateVirtualExtension>,
}

#[component]
pub fn VirtualExtensionPage() -> impl IntoView {
    let create = ServerAction::<CreateVirtualExtension>::new();
    provide_context(VirtualExtensionContext { create });
    // Refetches after every save, so a new row appears without a reload.
    let list =
        Resource::new(move || create.version().get(), |_| list_virtual_extensions(ListQuery::default()));
    let locations = Resource::new(move || create.version().get(), |_| list_locations());

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
            // A GET form: a real button that also works before the WASM has loaded. Hidden from
            // read-only administrators (the server refuses them anyway).
            <IfAllowed allowed=Actor::may_change_any>
                <Form method="GET" action=paths::CREATE_VIRTUAL_EXTENSION attr:class="page-actions">
                    <button type="submit" class="button primary">
                        "Create Virtual Extension"
                    </button>
                </Form>
            </IfAllowed>
        </div>
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
        <Transition fallback=|| view! { <p class="loading">"Loading virtual extensions…"</p> }>
            {move || Suspend::new(async move {
                let locations = locations.await.unwrap_or_default();
                match list.await {
                    Ok(page) => view! { <VirtualExtensionTable page locations /> }.into_any(),
                    Err(error) => view! { <p class="banner error">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <Outlet />
    }
}
