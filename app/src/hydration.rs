//! Whether the page's first hydration is still going on (browser only: the server never
//! hydrates).
//!
//! The page's own WASM hydrates first; a lazy route's part (`pages::lazy`) waits for its chunk,
//! a moment later on a slow line or CPU. Meanwhile that part is the server's HTML, and an admin
//! may already type or choose in it: the components there read what the page shows then
//! ([`shown_value`]) and take it over once hydrated ([`keep_typed`]), instead of keeping their
//! initial values.

use leptos::prelude::*;

#[cfg(feature = "hydrate")]
thread_local! {
    static FINISHED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `leptos::mount::hydrate_lazy`, and then [`finished`].
#[cfg(feature = "hydrate")]
pub fn hydrate_lazy<F, N>(app: F)
where
    F: FnOnce() -> N + 'static,
    N: leptos::prelude::IntoView,
{
    wasm_bindgen_futures::spawn_local(async move {
        // Sets up Leptos's executor before anything is spawned on it.
        let page = leptos::mount::hydrate_from_async(leptos::tachys::dom::body(), app).await;
        finished();
        page.forget();
    });
}

/// Called once the whole page, lazy routes included, has hydrated: marks `<html
/// data-hydrated="true">` (tests, and curious admins, tell a live page from the server's HTML).
#[cfg(feature = "hydrate")]
fn finished() {
    FINISHED.set(true);
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}

/// The current value of the form control `id` while the first hydration is going on (what the
/// server rendered, or what the admin typed or chose in it since); `None` afterwards, and on
/// the server.
pub fn shown_value(id: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        if FINISHED.get() {
            return None;
        }
        let element = leptos::prelude::document().get_element_by_id(id)?;
        js_sys::Reflect::get(&element, &"value".into()).ok()?.as_string()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = id;
        None
    }
}

/// Keeps what the admin typed or chose in the server's HTML before this component's code ran:
/// each `(control id, signal)` whose control shows another value than the signal's takes it
/// over just after hydration. Hydration itself must meet the HTML the server rendered (a signal
/// seeded with the typed value can change the view and break the match), hence the effect. Does
/// nothing on the server or once the first hydration is over.
pub fn keep_typed<'a>(fields: impl IntoIterator<Item = (&'a str, RwSignal<String>)>) {
    let typed: Vec<(RwSignal<String>, String)> = fields
        .into_iter()
        .filter_map(|(id, signal)| shown_value(id).map(|value| (signal, value)))
        .filter(|(signal, value)| signal.get_untracked() != *value)
        .collect();
    if !typed.is_empty() {
        Effect::new(move |_| {
            for (signal, value) in &typed {
                signal.set(value.clone());
            }
        });
    }
}
