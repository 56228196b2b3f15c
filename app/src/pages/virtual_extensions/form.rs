//! The virtual extension form (Manually Add, and Edit): validated in the browser by the same
//! `app::model` code the server runs, with the server's verdict (numbering plan, conflicts)
//! shown beside the same fields. Before the WASM loads it is a plain form that posts.

use super::live::live_verdict;
use crate::api::locations::list_locations;
use crate::components::field::TextField;
use crate::components::layout::use_me;
use crate::error::AppError;
use crate::model::admin::Role;
use crate::model::directory::Verdict;
use crate::model::text::{char_count, normalize};
use crate::model::{Field, FieldError, Level, VirtualExtensionInput, VirtualExtensionMode, NAME_MAX_CHARS};
use crate::paths;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;

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
pub(super) fn focus_field(field: Field) {
    use leptos::wasm_bindgen::JsCast;
    if let Some(el) = document()
        .get_element_by_id(input_id(field))
        .and_then(|el| el.dyn_into::<leptos::web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

#[cfg(not(feature = "hydrate"))]
pub(super) fn focus_field(_field: Field) {}

/// The fields this form shows.
const FORM_FIELDS: [Field; 7] = [
    Field::Level,
    Field::Location,
    Field::FirstName,
    Field::LastName,
    Field::DisplayName,
    Field::Extension,
    Field::PhoneNumber,
];

/// A refusal as (errors beside fields, one message above the form for everything else).
fn split_answer(error: AppError) -> (Vec<FieldError>, Option<String>) {
    if error.field_errors().is_empty() {
        return (Vec::new(), Some(error.to_string()));
    }
    let (beside, above): (Vec<FieldError>, Vec<FieldError>) =
        error.field_errors().iter().cloned().partition(|e| FORM_FIELDS.contains(&e.field));
    let above = above.into_iter().map(|e| e.message).collect::<Vec<_>>();
    (beside, (!above.is_empty()).then(|| above.join(" ")))
}

/// The form's fields, checks and buttons. The parent owns the panel around it and the server
/// action: `on_save` gets input that passed the browser's checks, `answer` brings back the
/// server's refusal of the latest save (shown beside the fields, focus on the first).
#[component]
pub fn VirtualExtensionForm(
    initial: VirtualExtensionInput,
    /// The entry being edited and the version the admin is editing (posted as `id` and `version`).
    #[prop(optional)]
    editing: Option<(String, RwSignal<i32>)>,
    /// Where the form posts before the WASM has loaded (the server function's URL).
    action_url: &'static str,
    #[prop(into)] on_save: Callback<VirtualExtensionInput>,
    #[prop(into)] pending: Signal<bool>,
    #[prop(into)] answer: Signal<Option<AppError>>,
    /// Cancel goes here.
    #[prop(into)]
    close_href: String,
) -> impl IntoView {
    let locations = Resource::new(|| (), |_| list_locations());
    let me = use_me();

    let level = RwSignal::new(if initial.level.is_empty() {
        Level::Organization.as_str().to_string()
    } else {
        initial.level.clone()
    });
    let location = RwSignal::new(initial.location.clone());
    let first_name = RwSignal::new(initial.first_name.clone());
    let last_name = RwSignal::new(initial.last_name.clone());
    let display_name = RwSignal::new(initial.display_name.clone());
    let extension = RwSignal::new(initial.extension.clone());
    let phone_number = RwSignal::new(initial.phone_number.clone());
    // A submission made before the WASM loaded comes back as an error in the URL (Leptos puts
    // it there and in the action); show it, on the server and after hydration alike.
    let (shown, general) = answer.get_untracked().map(split_answer).unwrap_or_default();
    let errors = RwSignal::new(shown);
    let form_error = RwSignal::new(general);

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
    let (editing_id, version) = match editing {
        Some((id, version)) => (Some(id), Some(version)),
        None => (None, None),
    };
    live_verdict(
        input,
        editing_id.clone(),
        touched,
        live,
        [level, location, first_name, last_name, display_name, extension, phone_number],
    );

    // The server's refusal of this form's latest submission.
    Effect::new(move |first: Option<()>| {
        let answer = answer.get();
        if first.is_none() {
            return;
        }
        if let Some(error) = answer {
            let (fields, general) = split_answer(error);
            if let Some(first) = fields.first() {
                focus_field(first.field);
            }
            form_error.set(general);
            errors.set(fields);
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
                on_save.run(input());
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
        <form
            class="panel-form"
            action=action_url
            method="post"
            novalidate
            on:submit=on_submit
        >
            {editing_id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
            {version.map(|version| view! { <input type="hidden" name="version" prop:value=move || version.get().to_string() /> })}
            {move || {
                form_error.get().map(|message| view! { <p class="banner error" role="alert">{message}</p> })
            }}
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    me.await.filter(|me| !me.may_change_any()).map(|me| view! {
                        <p class="banner error" role="alert">
                            {format!("As a {}, you can look but not change virtual extensions.", me.role.label().to_lowercase())}
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
                                    "No locations yet. A full administrator adds them under "
                                    <A href=paths::LOCATIONS>"Management > Locations"</A>
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
                <button type="submit" class="button primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Save" }}
                </button>
                <A href=close_href attr:class="button" attr:role="button">
                    "Cancel"
                </A>
            </div>
        </form>
    }
}
