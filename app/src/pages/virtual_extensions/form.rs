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
    // The admin may have typed or chosen in the server's HTML before this panel's code arrived.
    crate::hydration::keep_typed(
        [
            (Field::Level, level),
            (Field::Location, location),
            (Field::FirstName, first_name),
            (Field::LastName, last_name),
            (Field::DisplayName, display_name),
            (Field::Extension, extension),
            (Field::PhoneNumber, phone_number),
        ]
        .map(|(field, signal)| (input_id(field), signal)),
    );
    // A submission made before the WASM loaded comes back as an error in the URL (Leptos puts
    // it there and in the action); show it, on the server and after hydration alike.
    let (shown, general) = answer.get_untracked().map(split_answer).unwrap_or_default();
    let errors = RwSignal::new(shown);
    let form_error = RwSignal::new(general);

    // Whether the form is still open: every handler that can run after the panel closed
    // (an answer, a blur, a keypress queued before the close) asks first.
    let alive = move || !errors.is_disposed() && !display_name.is_disposed();
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
        // A blur or a late answer can arrive after Save closed the panel and disposed it.
        if !alive() {
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
            touched.try_update(|t| t.push(field));
        }
    };
    // A field speaks once the admin has typed in it or left it.
    let typed_in = move |field: Field| {
        let signal = match field {
            Field::Location => location,
            Field::FirstName => first_name,
            Field::LastName => last_name,
            Field::DisplayName => display_name,
            Field::Extension => extension,
            Field::PhoneNumber => phone_number,
            _ => return false,
        };
        signal.try_with(|v| !v.is_empty()).unwrap_or(false)
    };
    // Derived with `try_` reads: a render effect may run once more while the panel closes.
    let error_for = move |field: Field| {
        Signal::derive(move || {
            let message =
                |list: &Vec<FieldError>| list.iter().find(|e| e.field == field).map(|e| e.message.clone());
            errors.try_with(message).flatten().or_else(|| {
                if typed_in(field) || touched.try_with(|t| t.contains(&field)).unwrap_or(false) {
                    live.try_with(|v| message(&v.errors)).flatten()
                } else {
                    None
                }
            })
        })
    };
    let warning_for = move |field: Field| {
        Signal::derive(move || {
            live.try_with(|v| v.warnings.iter().find(|e| e.field == field).map(|e| e.message.clone()))
                .flatten()
        })
    };
    // Made here, not inside the location list's Suspend (which re-runs and disposes what it made).
    let location_error = error_for(Field::Location);
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
        if first.is_none() || !alive() {
            return;
        }
        if let Some(error) = answer {
            let (fields, general) = split_answer(error);
            if let Some(first) = fields.first() {
                focus_field(first.field);
            }
            form_error.try_set(general);
            errors.try_set(fields);
        }
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        // Enter pressed twice, or Save while the last save is still on its way: one save.
        if !alive() || pending.try_get_untracked() != Some(false) {
            return;
        }
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

    // The panel took focus while it was loading: once the form shows, its first field takes it
    // (unless the admin already moved on).
    let form_ref = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if form_ref.get().is_some() {
            // After the frame: the parts that wait on data (Level, Location) have rendered.
            request_animation_frame(move || {
                use leptos::wasm_bindgen::JsCast;
                let Some(form) = form_ref.try_get_untracked().flatten() else { return };
                let idle = document()
                    .active_element()
                    .is_none_or(|el| el.tag_name() == "BODY" || el.class_list().contains("side-panel"));
                let Ok(fields) = form.query_selector_all("select, input:not([type='hidden'])") else {
                    return;
                };
                let first = (0..fields.length())
                    .filter_map(|i| fields.item(i))
                    .filter_map(|node| node.dyn_into::<leptos::web_sys::HtmlElement>().ok())
                    .find(|el| el.offset_parent().is_some() && !el.has_attribute("disabled"));
                if let (true, Some(first)) = (idle, first) {
                    let _ = first.focus();
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = form_ref;
    });

    let display_count =
        Memo::new(move |_| display_name.try_with(|name| char_count(&normalize(name))).unwrap_or_default());
    let over_limit = Memo::new(move |_| display_count.get() > NAME_MAX_CHARS);

    view! {
        <form
            class="panel-form"
            node_ref=form_ref
            action=action_url
            method="post"
            novalidate
            on:submit=on_submit
        >
            {editing_id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
            {version.map(|version| {
                let stored = version.get_untracked().to_string();
                view! {
                    <input
                        type="hidden"
                        name="version"
                        value=stored
                        prop:value=move || version.try_get().map(|v| v.to_string()).unwrap_or_default()
                    />
                }
            })}
            {move || {
                form_error.try_get().flatten().map(|message| view! { <p class="banner error" role="alert">{message}</p> })
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
                    let chosen = level.get_untracked();
                    let options = Level::ALL
                        .into_iter()
                        .filter(|l| !location_only || *l == Level::Location)
                        .map(|l| view! { <option value=l.as_str() selected=chosen == l.as_str()>{l.label()}</option> })
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
                                prop:value=move || level.try_get().unwrap_or_default()
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
                    // A location administrator with one location has nothing to choose.
                    if mine.is_some() && options.len() == 1 && location.get_untracked().is_empty() {
                        location.set(options[0].id.clone());
                    }
                    let chosen = location.get_untracked();
                    let error = location_error;
                    view! {
                        <div class="field location-field" class:has-error=move || error.try_get().flatten().is_some()>
                            <label for="ve-location">"Location"</label>
                            <select
                                id="ve-location"
                                name="input[location]"
                                aria-invalid=move || error.try_get().flatten().is_some().then_some("true")
                                aria-describedby=move || error.try_get().flatten().map(|_| "ve-location-error")
                                prop:value=move || location.try_get().unwrap_or_default()
                                on:change=move |ev| {
                                    location.set(event_target_value(&ev));
                                    touch(Field::Location);
                                    check(Field::Location);
                                }
                            >
                                <option value="">"Choose a location"</option>
                                {options
                                    .into_iter()
                                    .map(|l| {
                                        let selected = l.id == chosen;
                                        view! { <option value=l.id selected=selected>{l.name}</option> }
                                    })
                                    .collect_view()}
                            </select>
                            {empty.then(|| view! {
                                <p class="field-hint">
                                    "No locations yet. A full administrator adds them under "
                                    <A href=paths::LOCATIONS>"Management > Locations"</A>
                                    "."
                                </p>
                            })}
                            {move || error.try_get().flatten().map(|m| view! { <p class="field-error" id="ve-location-error">{m}</p> })}
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
            // What colleagues elsewhere dial for a location-level entry (its ESN), as it is typed.
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let locations = locations.await.unwrap_or_default();
                    let esn = move || {
                        let at_location = level.try_get()? == Level::Location.as_str();
                        let extension = extension.try_get()?;
                        let extension = extension.trim();
                        if !at_location || extension.is_empty() || !extension.bytes().all(|b| b.is_ascii_digit()) {
                            return None;
                        }
                        let chosen = location.try_get()?;
                        let prefix = locations.iter().find(|l| l.id == chosen)?.routing_prefix.clone()?;
                        Some(format!("Colleagues at this location dial {extension}; at other locations they dial {prefix} {extension} (the ESN)."))
                    };
                    view! { <p class="field-hint esn-note" aria-live="polite">{esn}</p> }
                })}
            </Transition>
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
                <button type="submit" class="button primary" disabled=move || pending.try_get().unwrap_or(false)>
                    {move || if pending.try_get().unwrap_or(false) { "Saving…" } else { "Save" }}
                </button>
                <A href=close_href attr:class="button" attr:role="button">
                    "Cancel"
                </A>
            </div>
        </form>
    }
}
