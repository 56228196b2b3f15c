//! A labelled text input with its inline error, wired for screen readers.

use leptos::prelude::*;

/// `name` is the form field name the server function reads (e.g. `input[display_name]`).
/// `error` shows beside the input and is announced through `aria-describedby`.
#[component]
pub fn TextField(
    id: &'static str,
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    /// A note that does not block saving (e.g. this extension shadows an organization-level one).
    #[prop(optional, into)]
    warning: Option<Signal<Option<String>>>,
    #[prop(optional)] required: bool,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] input_mode: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    /// Re-validates the field: when the admin leaves it, and while they type once it shows an
    /// error (so a fixed value clears at once, and the layout does not jump under a click).
    #[prop(into)]
    on_check: Callback<()>,
) -> impl IntoView {
    let warning = warning.unwrap_or_else(|| Signal::derive(|| None));
    // Reads that tolerate a closed form: a panel that closes (Save by Enter, Escape) disposes
    // its signals while the browser may still deliver a blur or run a render effect.
    let error_now = move || error.try_get().flatten();
    let warning_now = move || warning.try_get().flatten();
    // "Required" and friends speak once the admin changed the field (or on Save), not when
    // they merely Tab through an empty form.
    let edited = StoredValue::new(false);
    let error_id = format!("{id}-error");
    let warning_id = format!("{id}-warning");
    let hint_id = format!("{id}-hint");
    let described_by = {
        let (error_id, hint_id, warning_id) = (error_id.clone(), hint_id.clone(), warning_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error_now().is_some() {
                ids.push(error_id.clone());
            } else if warning_now().is_some() {
                ids.push(warning_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let initial = value.get_untracked();
    view! {
        <div class="field" class:has-error=move || error_now().is_some()>
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id.clone()>{h}</p> })}
            <input
                id=id
                name=name
                type="text"
                // In the server's HTML too: without JavaScript (or before the WASM loads) the
                // form shows and posts what is stored.
                value=initial
                inputmode=input_mode
                autocomplete=autocomplete.unwrap_or("off")
                required=required
                aria-required=required.then_some("true")
                aria-invalid=move || error_now().is_some().then_some("true")
                aria-describedby=described_by
                prop:value=move || value.try_get().unwrap_or_default()
                on:input=move |ev| {
                    edited.try_set_value(true);
                    if value.try_set(event_target_value(&ev)).is_some() {
                        return;
                    }
                    if error.try_get_untracked().flatten().is_some() {
                        on_check.try_run(());
                    }
                }
                on:blur=move |ev| {
                    // A blur from an input being removed (its panel closed) checks nothing.
                    let connected = event_target::<leptos::web_sys::Element>(&ev).is_connected();
                    if connected && edited.try_get_value() == Some(true) {
                        on_check.try_run(());
                    }
                }
            />
            {move || match (error_now(), warning_now()) {
                (Some(message), _) => Some(view! { <p class="field-error" id=error_id.clone()>{message}</p> }.into_any()),
                (None, Some(note)) => Some(view! { <p class="field-warning" id=warning_id.clone()>{note}</p> }.into_any()),
                (None, None) => None,
            }}
        </div>
    }
}

/// What a panel shows of its form's server action: the error of the latest submission made
/// since the panel opened; before any, the error a plain form post brought back in the URL
/// (Leptos restores it into the action).
pub fn latest_error<A>(action: ServerAction<A>) -> Signal<Option<crate::error::AppError>>
where
    A: leptos::server_fn::ServerFn<Error = crate::error::AppError> + Clone + Send + Sync + 'static,
    A::Output: Clone + Send + Sync + 'static,
{
    let opened_at = action.version().get_untracked();
    let earlier = action.value().get_untracked().and_then(Result::err);
    Signal::derive(move || {
        if action.version().get() == opened_at {
            earlier.clone()
        } else {
            action.value().get().and_then(Result::err)
        }
    })
}
