//! A confirmation dialog (`alertdialog`): says what will happen, keeps focus on its two
//! buttons, Escape cancels, and focus goes back where it was when it closes.

use leptos::prelude::*;

#[cfg(feature = "hydrate")]
fn active_element() -> Option<leptos::web_sys::HtmlElement> {
    use leptos::wasm_bindgen::JsCast;
    document().active_element().and_then(|el| el.dyn_into::<leptos::web_sys::HtmlElement>().ok())
}

#[component]
pub fn ConfirmDialog(
    /// Shown while true; the dialog sets it to false on Cancel, Escape and confirm.
    open: RwSignal<bool>,
    /// Id prefix for the title and message (unique on the page).
    id: &'static str,
    #[prop(into)] title: Signal<String>,
    #[prop(into)] message: Signal<String>,
    #[prop(into)] confirm_label: Signal<String>,
    /// Destructive (Delete): red button, and Cancel gets focus first.
    #[prop(optional)]
    danger: bool,
    #[prop(into)] on_confirm: Callback<()>,
) -> impl IntoView {
    let confirm_button = NodeRef::<leptos::html::Button>::new();
    let cancel_button = NodeRef::<leptos::html::Button>::new();
    // Where focus was before the dialog opened (browser only).
    #[cfg(feature = "hydrate")]
    let previous = StoredValue::new_local(None::<leptos::web_sys::HtmlElement>);
    Effect::new(move |was_open: Option<bool>| {
        let is_open = open.get();
        #[cfg(feature = "hydrate")]
        {
            if is_open && was_open != Some(true) {
                previous.set_value(active_element());
            }
            if !is_open && was_open == Some(true) {
                if let Some(el) = previous.get_value() {
                    let _ = el.focus();
                }
            }
        }
        let _ = was_open;
        is_open
    });
    // Focus the safe choice once the buttons exist.
    Effect::new(move |_| {
        if !open.get() {
            return;
        }
        let first = if danger { cancel_button.get() } else { confirm_button.get() };
        if let Some(button) = first {
            let _ = button.focus();
        }
    });
    let title_id = format!("{id}-title");
    let message_id = format!("{id}-message");
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            ev.stop_propagation();
            open.set(false);
        }
        "Tab" => {
            // Two buttons: Tab and Shift+Tab move between them and never leave (nor reach a
            // side panel's own Tab handling around the dialog).
            ev.prevent_default();
            ev.stop_propagation();
            let (Some(confirm), Some(cancel)) = (confirm_button.get(), cancel_button.get()) else { return };
            let confirm_focused = confirm.matches(":focus").unwrap_or(false);
            let _ = if confirm_focused { cancel.focus() } else { confirm.focus() };
        }
        _ => {}
    };
    view! {
        <Show when=move || open.get()>
            <div class="panel-backdrop centered">
                <div
                    class="confirm-dialog"
                    role="alertdialog"
                    aria-modal="true"
                    aria-labelledby=title_id.clone()
                    aria-describedby=message_id.clone()
                    on:keydown=on_keydown
                >
                    <h2 id=title_id.clone()>{move || title.get()}</h2>
                    <p id=message_id.clone()>{move || message.get()}</p>
                    <div class="panel-actions">
                        <button
                            type="button"
                            class=if danger { "button danger" } else { "button primary" }
                            node_ref=confirm_button
                            on:click=move |_| {
                                open.set(false);
                                on_confirm.run(());
                            }
                        >
                            {move || confirm_label.get()}
                        </button>
                        <button type="button" class="button" node_ref=cancel_button on:click=move |_| open.set(false)>
                            "Cancel"
                        </button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
