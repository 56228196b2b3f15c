//! Create Virtual Extension > Manually Add: the form, validated in the browser by the same
//! `app::model` code the server runs, with the server's verdict (numbering plan, conflicts)
//! shown beside the same fields.

use super::live::live_verdict;
use super::VirtualExtensionContext;
use crate::api::locations::list_locations;
use crate::api::virtual_extensions::CreateVirtualExtension;
use crate::components::field::TextField;
use crate::components::layout::use_me;
use crate::components::panel::SidePanel;
use crate::model::admin::Role;
use crate::model::directory::Verdict;
use crate::model::text::{char_count, normalize};
use crate::model::{Field, FieldError, Level, VirtualExtensionInput, VirtualExtensionMode, NAME_MAX_CHARS};
use crate::paths;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

/// The browser has no numbering-plan metadata, so the mode changes nothing in its checks;
/// the server applies the organization's mode.
const BROWSER_MODE: VirtualExtensionMode = VirtualExtensionMode::Standard;

/// The element id of each field's input, so errors can move focus to the first bad one.
fn input_id(field: Field) -> &'static str {
    match field {
        Field::Level => "ve-level",
        Field::Location => "ve-location",
        Field::FirstName => "ve-first-name",
        Field::LastName => "ve-last-name",
        Field::DisplayName => "ve-display-name",
        Field::Extension => "ve-extension",
        Field::PhoneNumber => "ve-phone-number",
        _ => "ve-display-name",
    }
}

#[cfg(feature = "hydrate")]
fn focus_field(field: Field) {
    use leptos::wasm_bindgen::JsCast;
    if let Some(el) = document()
        .get_element_by_id(input_id(field))
        .and_then(|el| el.dyn_into::<leptos::web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

#[cfg(not(feature = "hydrate"))]
fn focus_field(_field: Field) {}

#[component]
pub fn CreateVirtualExtensionPanel() -> impl IntoView {
    let VirtualExtensionContext { create } = expect_context();
    let locations = Resource::new(|| (), |_| list_locations());
    let me = use_me();

    let level = RwSignal::new(Level::Organization.as_str().to_string());
    let location = RwSignal::new(String::new());
    let first_name = RwSignal::new(String::new());
    let last_name = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let extension = RwSignal::new(String::new());
    let phone_number = RwSignal::new(String::new());
    // A submission made before the WASM loaded comes back as an error in the URL (Leptos puts
    // it there and in the action); show it, on the server and after hydration alike.
    let earlier = create.value().get_untracked().and_then(Result::err);
    let errors = RwSignal::new(earlier.as_ref().map(|e| e.field_errors().to_vec()).unwrap_or_default());
    let form_error = RwSignal::new(earlier.filter(|e| e.field_errors().is_empty()).map(|e| e.to_string()));

    let input = move || VirtualExtensionInput {
        level: level.get_untracked(),
        location: location.get_untracked(),
        first_name: first_name.get_untracked(),
        last_name: last_name.get_untracked(),
        display_name: display_name.get_untracked(),
        extension: extension.get_untracked(),
        phone_number: phone_number.get_untracked(),
    };
    // Re-checks one field when the admin leaves it, with the rules the server applies.
    let check = move |field: Field| {
        // A blur can fire after Save closed the panel and disposed its signals.
        if errors.is_disposed() {
            return;
        }
        let found = input().validate(BROWSER_MODE).err().unwrap_or_default();
        errors.update(|shown| {
            shown.retain(|e| e.field != field);
            shown.extend(found.into_iter().filter(|e| e.field == field));
        });
    };
    // The server's live verdict (numbering plan, conflicts, warnings) for fields the admin has
    // touched, fetched while they type; the browser's own checks win when both speak.
    let touched = RwSignal::new(Vec::<Field>::new());
    let live = RwSignal::new(Verdict::default());
    let touch = move |field: Field| {
        if touched.try_with_untracked(|t| !t.contains(&field)) == Some(true) {
            touched.update(|t| t.push(field));
        }
    };
    // A field speaks once the admin has typed in it or left it.
    let typed_in = move |field: Field| match field {
        Field::Location => !location.with(String::is_empty),
        Field::FirstName => !first_name.with(String::is_empty),
        Field::LastName => !last_name.with(String::is_empty),
        Field::DisplayName => !display_name.with(String::is_empty),
        Field::Extension => !extension.with(String::is_empty),
        Field::PhoneNumber => !phone_number.with(String::is_empty),
        _ => false,
    };
    let error_for = move |field: Field| {
        Signal::derive(move || {
            let message =
                |list: &Vec<FieldError>| list.iter().find(|e| e.field == field).map(|e| e.message.clone());
            errors.with(message).or_else(|| {
                if typed_in(field) || touched.with(|t| t.contains(&field)) {
                    live.with(|v| message(&v.errors))
                } else {
                    None
                }
            })
        })
    };
    let warning_for = move |field: Field| {
        Signal::derive(move || {
            live.with(|v| v.warnings.iter().find(|e| e.field == field).map(|e| e.message.clone()))
        })
    };
    live_verdict(
        input,
        touched,
        live,
        [level, location, first_name, last_name, display_name, extension, phone_number],
    );

    // The server's answer to this panel's submissions (not to earlier ones).
    let opened_at = create.version().get_untracked();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if create.version().get() == opened_at {
            return;
        }
        match create.value().get() {
            Some(Ok(_)) => navigate(paths::VIRTUAL_EXTENSIONS, Default::default()),
            Some(Err(error)) => {
                let fields = error.field_errors().to_vec();
                if let Some(first) = fields.first() {
                    focus_field(first.field);
                    form_error.set(None);
                } else {
                    form_error.set(Some(error.to_string()));
                }
                errors.set(fields);
            }
            None => {}
        }
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        match input().validate(BROWSER_MODE) {
            Err(found) => {
                if let Some(first) = found.first() {
                    focus_field(first.field);
                }
                errors.set(found);
            }
            Ok(_) => {
                errors.set(Vec::new());
                form_error.set(None);
                create.dispatch(CreateVirtualExtension { input: input() });
            }
        }
    };

    // Location administrators create location-level entries only.
    Effect::new(move |_| {
        if let Some(Some(me)) = me.get() {
            if me.role == Role::Location && level.get_untracked() != Level::Location.as_str() {
                level.set(Level::Location.as_str().to_string());
            }
        }
    });

    let on_level_change = move |ev| {
        let value = event_target_value(&ev);
        if value == Level::Organization.as_str() {
            location.set(String::new());
            errors.update(|shown| shown.retain(|e| e.field != Field::Location));
        }
        level.set(value);
    };

    let display_count = Memo::new(move |_| char_count(&normalize(&display_name.get())));
    let over_limit = Memo::new(move |_| display_count.get() > NAME_MAX_CHARS);

    view! {
        <Title text="Create Virtual Extension" />
        <SidePanel title_id="create-title" close_href=paths::VIRTUAL_EXTENSIONS>
            <div class="panel-header">
                <div>
                    <p class="panel-eyebrow">"Create Virtual Extension"</p>
                    <h2 id="create-title">"Manually Add"</h2>
                </div>
                <A href=paths::VIRTUAL_EXTENSIONS attr:class="icon-button" attr:aria-label="Close">
                    "×"
                </A>
            </div>
            <form
                class="panel-form"
                action=CreateVirtualExtension::url()
                method="post"
                novalidate
                on:submit=on_submit
            >
                {move || {
                    form_error.get().map(|message| view! { <p class="banner error" role="alert">{message}</p> })
                }}
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        me.await.filter(|me| !me.may_change_any()).map(|me| view! {
                            <p class="banner error" role="alert">
                                {format!("As a {}, you can look but not create virtual extensions.", me.role.label().to_lowercase())}
                            </p>
                        })
                    })}
                </Transition>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let location_only = me.await.is_some_and(|me| me.role == Role::Location);
                        let options = Level::ALL
                            .into_iter()
                            .filter(|l| !location_only || *l == Level::Location)
                            .map(|l| view! { <option value=l.as_str()>{l.label()}</option> })
                            .collect_view();
                        view! {
                            <div class="field">
                                <label for="ve-level">"Level"</label>
                                <p class="field-hint" id="ve-level-hint">
                                    "Organization: everyone dials the extension. Location: people at the location dial the extension; others dial the location's routing prefix plus the extension."
                                </p>
                                <select
                                    id="ve-level"
                                    name="input[level]"
                                    aria-describedby="ve-level-hint"
                                    prop:value=move || level.get()
                                    on:change=on_level_change
                                >
                                    {options}
                                </select>
                            </div>
                        }
                    })}
                </Transition>
                <Transition fallback=|| view! { <p class="loading">"Loading locations…"</p> }>
                    {move || Suspend::new(async move {
                        let mine = me.await.filter(|me| me.role == Role::Location).map(|me| me.locations);
                        // Location administrators see only their own locations.
                        let options: Vec<_> = locations
                            .await
                            .unwrap_or_default()
                            .into_iter()
                            .filter(|l| mine.as_ref().is_none_or(|own| own.contains(&l.id)))
                            .collect();
                        let empty = options.is_empty();
                        let error = error_for(Field::Location);
                        view! {
                            <div class="field location-field" class:has-error=move || error.get().is_some()>
                                <label for="ve-location">"Location"</label>
                                <select
                                    id="ve-location"
                                    name="input[location]"
                                    aria-invalid=move || error.get().is_some().then_some("true")
                                    aria-describedby=move || error.get().map(|_| "ve-location-error")
                                    prop:value=move || location.get()
                                    on:change=move |ev| {
                                        location.set(event_target_value(&ev));
                                        touch(Field::Location);
                                        check(Field::Location);
                                    }
                                >
                                    <option value="">"Choose a location"</option>
                                    {options
                                        .into_iter()
                                        .map(|l| view! { <option value=l.id>{l.name}</option> })
                                        .collect_view()}
                                </select>
                                {empty.then(|| view! {
                                    <p class="field-hint">
                                        "No locations yet. Create one with "
                                        <code>"vext location add --name NAME"</code>
                                        "."
                                    </p>
                                })}
                                {move || error.get().map(|m| view! { <p class="field-error" id="ve-location-error">{m}</p> })}
                            </div>
                        }
                    })}
                </Transition>
                <div class="field-row">
                    <TextField
                        id=input_id(Field::FirstName)
                        label="First Name"
                        name="input[first_name]"
                        value=first_name
                        error=error_for(Field::FirstName)
                        autocomplete="off"
                        on_check=move |_| {
                        touch(Field::FirstName);
                        check(Field::FirstName)
                    }
                    />
                    <TextField
                        id=input_id(Field::LastName)
                        label="Last Name"
                        name="input[last_name]"
                        value=last_name
                        error=error_for(Field::LastName)
                        on_check=move |_| {
                        touch(Field::LastName);
                        check(Field::LastName)
                    }
                    />
                </div>
                <TextField
                    id=input_id(Field::DisplayName)
                    label="Display Name"
                    name="input[display_name]"
                    value=display_name
                    error=error_for(Field::DisplayName)
                    required=true
                    hint="Required. Shown in directories and on caller ID; 1–60 characters, any script."
                    on_check=move |_| {
                        touch(Field::DisplayName);
                        check(Field::DisplayName)
                    }
                />
                <p class="counter" aria-live="polite" class:over=over_limit>
                    {move || format!("{} / {NAME_MAX_CHARS} characters", display_count.get())}
                </p>
                <TextField
                    id=input_id(Field::Extension)
                    warning=warning_for(Field::Extension)
                    label="Extension"
                    name="input[extension]"
                    value=extension
                    error=error_for(Field::Extension)
                    required=true
                    input_mode="numeric"
                    hint="2–10 digits that colleagues dial."
                    on_check=move |_| {
                        touch(Field::Extension);
                        check(Field::Extension)
                    }
                />
                <TextField
                    id=input_id(Field::PhoneNumber)
                    label="Phone Number"
                    name="input[phone_number]"
                    value=phone_number
                    error=error_for(Field::PhoneNumber)
                    required=true
                    input_mode="tel"
                    hint="The external number in E.164 form: + and country code, digits only, e.g. +12145550100."
                    on_check=move |_| {
                        touch(Field::PhoneNumber);
                        check(Field::PhoneNumber)
                    }
                />
                <div class="panel-actions">
                    <button type="submit" class="button primary" disabled=move || create.pending().get()>
                        {move || if create.pending().get() { "Saving…" } else { "Save" }}
                    </button>
                    <A href=paths::VIRTUAL_EXTENSIONS attr:class="button" attr:role="button">
                        "Cancel"
                    </A>
                </div>
            </form>
        </SidePanel>
    }
}
