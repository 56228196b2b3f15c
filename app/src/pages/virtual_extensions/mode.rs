//! The organization-wide virtual extension mode, as a settings section of the Virtual Extension
//! page. Choosing Enhanced asks for confirmation first: it only works where the PSTN provider
//! supports the special network signalling.

use crate::api::settings::{get_virtual_extension_mode, SetVirtualExtensionMode};
use crate::components::confirm::ConfirmDialog;
use crate::components::layout::use_me;
use crate::model::VirtualExtensionMode;
use leptos::prelude::*;

fn explain(mode: VirtualExtensionMode) -> &'static str {
    match mode {
        VirtualExtensionMode::Standard => {
            "The default, for the vast majority of organizations: phone numbers must be valid E.164 numbers assigned in their country's numbering plan."
        }
        VirtualExtensionMode::Enhanced => {
            "For PSTN providers that support special network signalling extensions: numbers outside the public numbering plans are accepted too (still strict E.164)."
        }
    }
}

#[component]
pub fn ModeSettings() -> impl IntoView {
    let action = ServerAction::<SetVirtualExtensionMode>::new();
    let mode = Resource::new(move || action.version().get(), |_| get_virtual_extension_mode());
    let me = use_me();
    view! {
        // Unlabelled on purpose: a region named "Virtual extension mode" would also answer to
        // label look-ups for "Extension".
        <section class="card settings">
            <h2 id="mode-title">"Virtual extension mode"</h2>
            <p class="field-hint">"Applies to the whole organization."</p>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let full = me.await.is_some_and(|me| me.is_full());
                    match mode.await {
                        Ok(current) if full => view! { <ModeForm current action /> }.into_any(),
                        Ok(current) => view! {
                            <p><strong>{current.label()}</strong>": "{explain(current)}</p>
                            <p class="field-hint">"Only full administrators change the mode."</p>
                        }.into_any(),
                        Err(error) => view! { <p class="banner error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ModeForm(current: VirtualExtensionMode, action: ServerAction<SetVirtualExtensionMode>) -> impl IntoView {
    let chosen = RwSignal::new(current);
    let confirming = RwSignal::new(false);
    let save = move |mode: VirtualExtensionMode| {
        confirming.set(false);
        action.dispatch(SetVirtualExtensionMode { mode });
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mode = chosen.get_untracked();
        if mode == current {
            return;
        }
        if mode == VirtualExtensionMode::Enhanced {
            confirming.set(true);
        } else {
            save(mode);
        }
    };
    let radios = VirtualExtensionMode::ALL
        .into_iter()
        .map(|mode| {
            let id = format!("mode-{}", mode.as_str().to_lowercase());
            let hint = format!("{id}-hint");
            view! {
                <div class="radio">
                    <input
                        type="radio"
                        name="mode"
                        id=id.clone()
                        value=mode.as_str()
                        aria-describedby=hint.clone()
                        prop:checked=move || chosen.get() == mode
                        on:change=move |_| chosen.set(mode)
                    />
                    <label for=id>{mode.label()}</label>
                    <p class="field-hint" id=hint>{explain(mode)}</p>
                </div>
            }
        })
        .collect_view();
    view! {
        <form class="mode-form" on:submit=on_submit>
            {move || action.value().get().map(|result| match result {
                Ok(_) => view! { <p class="banner success" role="status">{format!("Virtual extension mode: {}.", current.label())}</p> }.into_any(),
                Err(error) => view! { <p class="banner error" role="alert">{error.to_string()}</p> }.into_any(),
            })}
            <fieldset class="radios">
                <legend class="visually-hidden">"Mode"</legend>
                {radios}
            </fieldset>
            <button type="submit" class="button primary" disabled=move || action.pending().get() || chosen.get() == current>
                "Save mode"
            </button>
        </form>
        <ConfirmDialog
            open=confirming
            id="enhanced"
            title="Switch to Enhanced mode?".to_string()
            message="Virtual extensions won't work properly unless your PSTN provider supports the special network signalling extensions Enhanced mode relies on. Most organizations should stay on Standard.".to_string()
            confirm_label="Switch to Enhanced".to_string()
            on_confirm=move |_| save(VirtualExtensionMode::Enhanced)
        />
    }
}
