//! A modal side panel (the console's create/edit surface): labelled, keeps focus inside,
//! Escape closes it. Closing is navigation to `close_href`, so it works before hydration too.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

#[cfg(feature = "hydrate")]
fn focusables(panel: &leptos::web_sys::HtmlElement) -> Vec<leptos::web_sys::HtmlElement> {
    use leptos::wasm_bindgen::JsCast;
    let selector = "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";
    let Ok(list) = panel.query_selector_all(selector) else { return Vec::new() };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|node| node.dyn_into::<leptos::web_sys::HtmlElement>().ok())
        .filter(|el| el.offset_parent().is_some())
        .collect()
}

#[component]
pub fn SidePanel(
    /// Id of the heading that names the dialog.
    title_id: &'static str,
    #[prop(into)] close_href: String,
    /// The element (by id) that takes focus when the panel closes, when what opened the panel
    /// is gone (the list re-rendered): the row it was opened from.
    #[prop(optional, into)]
    return_focus_to: Option<String>,
    children: Children,
) -> impl IntoView {
    let panel = NodeRef::<leptos::html::Div>::new();
    let navigate = use_navigate();
    let close = move || navigate(&close_href, Default::default());

    // When the panel closes, focus goes back to what opened it (the row's link, the Create
    // button), or to the main area when that is gone (the list re-rendered after a save).
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let opener = send_wrapper::SendWrapper::new(
            document().active_element().and_then(|el| el.dyn_into::<leptos::web_sys::HtmlElement>().ok()),
        );
        on_cleanup(move || {
            // Not now: moving focus while the panel is torn down blurs its inputs, whose
            // handlers would then run against signals that are being disposed. After the next
            // frame the panel is gone from the page, and the list has re-rendered.
            let opener = opener.take();
            request_animation_frame(move || {
                // Another panel opened in its place (details → Edit): it has the focus.
                if document().query_selector(".side-panel").ok().flatten().is_some() {
                    return;
                }
                let by_id = |id: &str| {
                    document()
                        .get_element_by_id(id)
                        .and_then(|el| el.dyn_into::<leptos::web_sys::HtmlElement>().ok())
                };
                let back = opener
                    .filter(|el| el.is_connected() && el.tag_name() != "BODY")
                    .or_else(|| return_focus_to.as_deref().and_then(by_id))
                    .or_else(|| by_id("main"));
                if let Some(el) = back {
                    let _ = el.focus();
                }
            });
        });
    }

    #[cfg(not(feature = "hydrate"))]
    let _ = return_focus_to;

    // Move focus into the panel when it opens.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(panel) = panel.get() {
            match focusables(&panel).into_iter().find(|el| el.tag_name() != "A") {
                // Without scrolling to it: the panel opens at its top (its title, its help).
                Some(first) => {
                    let options = leptos::web_sys::FocusOptions::new();
                    options.set_prevent_scroll(true);
                    let _ = first.focus_with_options(&options);
                    panel.set_scroll_top(0);
                }
                // Nothing to fill in (details), or still loading: the dialog itself takes focus,
                // so that Escape and Tab work from the start.
                None => {
                    let _ = panel.focus();
                }
            }
        }
    });

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        match ev.key().as_str() {
            "Escape" => {
                ev.prevent_default();
                close();
            }
            #[cfg(feature = "hydrate")]
            "Tab" => {
                // Keep Tab and Shift+Tab cycling inside the dialog.
                let Some(panel) = panel.get() else { return };
                let items = focusables(&panel);
                let (Some(first), Some(last)) = (items.first(), items.last()) else { return };
                let active = leptos::prelude::document().active_element();
                let at = |el: &leptos::web_sys::HtmlElement| {
                    active.as_ref().is_some_and(|a| a == AsRef::<leptos::web_sys::Element>::as_ref(el))
                };
                if ev.shift_key() && at(first) {
                    ev.prevent_default();
                    let _ = last.focus();
                } else if !ev.shift_key() && at(last) {
                    ev.prevent_default();
                    let _ = first.focus();
                }
            }
            _ => {}
        }
    };

    view! {
        <div class="panel-backdrop">
            <div
                class="side-panel"
                role="dialog"
                aria-modal="true"
                aria-labelledby=title_id
                tabindex="-1"
                node_ref=panel
                on:keydown=on_keydown
            >
                {children()}
            </div>
        </div>
    }
}

/// What a panel shows when what it opens could not be loaded (gone, or the server unreachable):
/// its heading, a way out, and the reason.
#[component]
pub fn PanelLoadError(
    /// The heading's id: the one the panel is labelled by.
    title_id: &'static str,
    title: &'static str,
    #[prop(into)] close_href: String,
    error: crate::error::AppError,
) -> impl IntoView {
    view! {
        <div class="panel-header">
            <h2 id=title_id>{title}</h2>
            <leptos_router::components::A href=close_href attr:class="icon-button" attr:aria-label="Close">"×"</leptos_router::components::A>
        </div>
        <p class="banner error" role="alert">{error.to_string()}</p>
    }
}
