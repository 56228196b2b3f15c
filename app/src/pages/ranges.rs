//! Services > Call > Features > Virtual Extension > Ranges: blocks of extensions that route
//! to external numbers (a prefix and patterns such as `12XX`). Roles as for entries: full
//! administrators anywhere, location administrators at their locations, read-only ones see.

use crate::api::locations::list_locations;
use crate::api::ranges::{list_ranges, split_patterns, CreateRange, DeleteRange, RangeForm, UpdateRange};
use crate::components::confirm::ConfirmDialog;
use crate::components::field::latest_error;
use crate::components::layout::{use_me, IfAllowed};
use crate::components::panel::SidePanel;
use crate::components::table::TableCard;
use crate::error::AppError;
use crate::model::admin::Actor;
use crate::model::range::{RangeInput, VirtualExtensionRange, RANGE_PATTERNS_MAX};
use crate::model::{Location, Scope, VirtualExtensionMode};
use crate::pages::virtual_extensions::VirtualExtensionTabs;
use crate::paths;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::{use_navigate, use_params_map};

/// The page's actions, shared with its panels so the list refetches after each change.
#[derive(Clone, Copy)]
struct RangesContext {
    create: ServerAction<CreateRange>,
    update: ServerAction<UpdateRange>,
    delete: ServerAction<DeleteRange>,
}

#[component]
pub fn RangesPage() -> impl IntoView {
    let actions = RangesContext {
        create: ServerAction::new(),
        update: ServerAction::new(),
        delete: ServerAction::new(),
    };
    provide_context(actions);
    let ranges = Resource::new(
        move || {
            (actions.create.version().get(), actions.update.version().get(), actions.delete.version().get())
        },
        |_| list_ranges(),
    );
    view! {
        <Title text="Virtual Extension Ranges" />
        <div class="page-header">
            <div>
                <h1>"Virtual Extension"</h1>
                <p class="page-lede">
                    "A range routes a block of extensions to external numbers: with prefix +1214555 and pattern 12XX, dialing 1234 calls +12145551234. An individual virtual extension always wins over a range."
                </p>
            </div>
            <IfAllowed allowed=Actor::may_change_any>
                <div class="page-actions">
                    <A href=paths::ADD_RANGE attr:class="button primary">"Add Range"</A>
                </div>
            </IfAllowed>
        </div>
        <VirtualExtensionTabs current=paths::RANGES />
        {move || actions.delete.value().get().and_then(Result::ok).map(|_| view! {
            <p class="banner success" role="status">"The range is deleted: its extensions no longer route."</p>
        })}
        {move || saved_message(actions)}
        <Transition fallback=|| view! { <p class="loading">"Loading ranges…"</p> }>
            {move || Suspend::new(async move {
                match ranges.await {
                    Ok(list) => view! { <RangeTable list /> }.into_any(),
                    Err(error) => view! { <p class="banner error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <Outlet />
    }
}

/// What the latest save said: the range, and the warnings its patterns raised.
fn saved_message(actions: RangesContext) -> Option<AnyView> {
    let created = actions.create.value().get().and_then(Result::ok);
    let updated = actions.update.value().get().and_then(Result::ok);
    let (verb, saved) = match (created, updated) {
        (Some(saved), None) => ("added", saved),
        (None, Some(saved)) => ("saved", saved),
        (Some(a), Some(b)) => {
            // Both ran on this page: the later one speaks.
            if actions.create.version().get() >= actions.update.version().get() {
                ("added", a)
            } else {
                ("saved", b)
            }
        }
        (None, None) => return None,
    };
    let warnings = saved.warnings.into_iter().map(|w| view! { <li>{w.error.message}</li> }).collect_view();
    Some(
        view! {
            <div class="banner success" role="status">
                <p>{format!("Range {} {verb}.", saved.range.name)}</p>
                <ul class="warnings">{warnings}</ul>
            </div>
        }
        .into_any(),
    )
}

fn level_label(range: &VirtualExtensionRange) -> String {
    match &range.location_name {
        Some(name) => name.clone(),
        None => "Organization".to_string(),
    }
}

#[component]
fn RangeTable(list: Vec<VirtualExtensionRange>) -> impl IntoView {
    if list.is_empty() {
        return view! {
            <div class="empty-state">
                <h2>"No ranges yet"</h2>
                <p>"Add a range to route a block of extensions (such as 1200–1299) to external numbers."</p>
            </div>
        }
        .into_any();
    }
    let count = match list.len() {
        1 => "1 range".to_string(),
        n => format!("{n} ranges"),
    };
    let rows = list
        .into_iter()
        .map(|range| {
            let patterns = match range.patterns.len() {
                0 => "None yet".to_string(),
                n if n <= 4 => range.patterns.join(", "),
                n => format!("{}, … ({n} in all)", range.patterns[..3].join(", ")),
            };
            let (href, place, count) = (paths::range(&range.id), level_label(&range), range.patterns.len());
            view! {
                <tr>
                    <td><A href=href attr:class="row-link">{range.name}</A></td>
                    <td class="mono">{range.prefix}</td>
                    <td class="mono">{patterns}</td>
                    <td>{count.to_string()}</td>
                    <td>{place}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <TableCard caption="Virtual extension ranges" count_id="ranges-count" count headers=&["Name", "Prefix", "Patterns", "Patterns count", "Location"]>
            {rows}
        </TableCard>
    }
    .into_any()
}

/// Each pattern line as the admin typed it, with its state: the model's rules for one pattern
/// and for the list (duplicates, overlaps, the total), run in the browser as they type.
fn pattern_states(text: &str) -> Vec<(String, Result<(), String>)> {
    let lines = split_patterns(text);
    let input = RangeInput {
        name: "x".into(),
        // A prefix every mode accepts: the prefix itself is the server's to judge.
        prefix: "+1".into(),
        patterns: lines.clone(),
        location: String::new(),
    };
    let verdict = input.validate(VirtualExtensionMode::Enhanced).err().unwrap_or_default();
    lines
        .into_iter()
        .map(|line| {
            let fault = verdict.errors.iter().find(|f| match &f.item {
                crate::model::range::RangeItem::Pattern(p) => *p == line,
                _ => false,
            });
            let state = match fault {
                Some(f) => Err(f.error.message.clone()),
                None => Ok(()),
            };
            (line, state)
        })
        .collect()
}

/// The range form. `scope_fixed`: editing, where the level and location stay.
#[component]
fn RangeFormView(
    initial: RangeForm,
    #[prop(optional)] editing: Option<(String, i32, String)>,
    locations: Vec<Location>,
    action_url: &'static str,
    #[prop(into)] on_save: Callback<RangeForm>,
    #[prop(into)] pending: Signal<bool>,
    #[prop(into)] answer: Signal<Option<AppError>>,
) -> impl IntoView {
    let name = RwSignal::new(initial.name);
    let prefix = RwSignal::new(initial.prefix);
    let location = RwSignal::new(initial.location);
    let patterns = RwSignal::new(initial.patterns);
    crate::hydration::keep_typed([
        ("range-name", name),
        ("range-prefix", prefix),
        ("range-patterns", patterns),
    ]);
    let states = Memo::new(move |_| patterns.with(|p| pattern_states(p)));
    let total = move || states.with(Vec::len);
    let form = move || RangeForm {
        name: name.get_untracked(),
        prefix: prefix.get_untracked(),
        patterns: patterns.get_untracked(),
        location: location.get_untracked(),
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        on_save.run(form());
    };
    let problems = move || {
        answer.get().map(|error| {
            let fields = error.field_errors().to_vec();
            if fields.is_empty() {
                view! { <p class="banner error" role="alert">{error.to_string()}</p> }.into_any()
            } else {
                let items = fields
                    .into_iter()
                    .map(|f| view! { <li>{format!("{}: {}", f.field, f.message)}</li> })
                    .collect_view();
                view! {
                    <div class="banner error" role="alert">
                        <p>"Nothing was saved:"</p>
                        <ul>{items}</ul>
                    </div>
                }
                .into_any()
            }
        })
    };
    let scope = match &editing {
        Some((_, _, place)) => view! {
            <p class="field-hint">{format!("Level: {place}. A range keeps its level and location; delete it and add another to move it.")}</p>
        }
        .into_any(),
        None => {
            let options = locations
                .into_iter()
                .map(|l| {
                    let selected = l.id == location.get_untracked();
                    view! { <option value=l.id.clone() selected=selected>{l.name.clone()}</option> }
                })
                .collect_view();
            view! {
                <div class="field">
                    <label for="range-location">"Location"</label>
                    <p class="field-hint" id="range-location-hint">"Organization: everyone dials the range. A location: people there dial it; others dial the routing prefix first."</p>
                    <select id="range-location" name="input[location]" aria-describedby="range-location-hint"
                        on:change=move |ev| location.set(event_target_value(&ev))>
                        <option value="" selected=location.get_untracked().is_empty()>"Organization"</option>
                        {options}
                    </select>
                </div>
            }
            .into_any()
        }
    };
    let text_field = move |id: &'static str,
                           label: &'static str,
                           field_name: &'static str,
                           hint: &'static str,
                           value: RwSignal<String>| {
        let hint_id = format!("{id}-hint");
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <p class="field-hint" id=hint_id.clone()>{hint}</p>
                <input id=id name=field_name type="text" autocomplete="off" aria-describedby=hint_id
                    value=value.get_untracked()
                    prop:value=move || value.try_get().unwrap_or_default()
                    on:input=move |ev| { value.try_set(event_target_value(&ev)); } />
            </div>
        }
    };
    view! {
        <form class="panel-form" action=action_url method="post" novalidate on:submit=on_submit>
            {editing.clone().map(|(id, version, _)| view! {
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="version" value=version.to_string() />
            })}
            {problems}
            {text_field("range-name", "Name", "input[name]", "Required and unique, such as Sales.", name)}
            {text_field("range-prefix", "Prefix", "input[prefix]", "The start of the numbers called: + and digits in Standard mode (+1214555); Enhanced mode also takes the provider's digits without +.", prefix)}
            {scope}
            <div class="field">
                <label for="range-patterns">"Patterns"</label>
                <p class="field-hint" id="range-patterns-hint">
                    {format!("One per line: digits followed by one or more X (12XX, 998001X), 2–10 characters; at most {RANGE_PATTERNS_MAX}.")}
                </p>
                <textarea id="range-patterns" name="input[patterns]" rows="6" autocomplete="off" spellcheck="false"
                    aria-describedby="range-patterns-hint range-pattern-states"
                    prop:value=move || patterns.try_get().unwrap_or_default()
                    on:input=move |ev| { patterns.try_set(event_target_value(&ev)); }>
                    {patterns.get_untracked()}
                </textarea>
                <ul class="pattern-states" id="range-pattern-states" aria-live="polite">
                    {move || states.get().into_iter().map(|(line, state)| match state {
                        Ok(()) => view! { <li class="is-ok"><span class="mono">{line}</span>" — valid"</li> }.into_any(),
                        Err(message) => view! { <li class="is-error"><span class="mono">{line}</span>" — "{message}</li> }.into_any(),
                    }).collect_view()}
                </ul>
                <p class="field-hint">{move || format!("{} of {RANGE_PATTERNS_MAX} patterns", total())}</p>
            </div>
            <div class="panel-actions">
                <button type="submit" class="button primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Save" }}
                </button>
                <A href=paths::RANGES attr:class="button" attr:role="button">"Cancel"</A>
            </div>
        </form>
    }
}

#[component]
pub fn AddRangePanel() -> impl IntoView {
    let RangesContext { create, .. } = expect_context();
    let opened_at = create.version().get_untracked();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if create.version().get() != opened_at && matches!(create.value().get(), Some(Ok(_))) {
            navigate(paths::RANGES, Default::default());
        }
    });
    let locations = Resource::new(|| (), |_| list_locations());
    view! {
        <Title text="Add Range" />
        <SidePanel title_id="add-range-title" close_href=paths::RANGES>
            <div class="panel-header">
                <div>
                    <p class="panel-eyebrow">"Virtual Extension Ranges"</p>
                    <h2 id="add-range-title">"Add Range"</h2>
                </div>
                <A href=paths::RANGES attr:class="icon-button" attr:aria-label="Close">"×"</A>
            </div>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let me = use_me().await;
                    let locations: Vec<Location> = locations.await.unwrap_or_default().into_iter()
                        .filter(|l| me.as_ref().is_some_and(|me| me.may_change(&Scope::Location(l.id.clone()))))
                        .collect();
                    // A location administrator with one location has it chosen.
                    let mut initial = RangeForm::default();
                    if !me.as_ref().is_some_and(Actor::is_full) && locations.len() == 1 {
                        initial.location = locations[0].id.clone();
                    }
                    view! {
                        <RangeFormView
                            initial
                            locations
                            action_url=CreateRange::url()
                            on_save=move |input| { create.dispatch(CreateRange { input }); }
                            pending=create.pending()
                            answer=latest_error(create)
                        />
                    }
                })}
            </Transition>
        </SidePanel>
    }
}

#[component]
pub fn EditRangePanel() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let ranges = Resource::new(move || id.get(), |_| list_ranges());
    view! {
        <Title text="Edit Range" />
        <SidePanel title_id="edit-range-title" close_href=paths::RANGES>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let me = use_me().await;
                    let found = ranges.await.map(|list| list.into_iter().find(|r| r.id == id.get_untracked()));
                    match found {
                        Ok(Some(range)) => {
                            let may = me.as_ref().is_some_and(|me| me.may_change(&range.scope()));
                            view! { <EditRange range may /> }.into_any()
                        }
                        Ok(None) => view! {
                            <div class="panel-header">
                                <h2 id="edit-range-title">"Range not found"</h2>
                                <A href=paths::RANGES attr:class="icon-button" attr:aria-label="Close">"×"</A>
                            </div>
                            <p>"That range does not exist; it may have been deleted."</p>
                        }.into_any(),
                        Err(error) => view! {
                            <h2 id="edit-range-title">"Range"</h2>
                            <p class="banner error" role="alert">{error.to_string()}</p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </SidePanel>
    }
}

#[component]
fn EditRange(range: VirtualExtensionRange, may: bool) -> impl IntoView {
    let RangesContext { update, delete, .. } = expect_context();
    let opened_at = (update.version().get_untracked(), delete.version().get_untracked());
    let navigate = use_navigate();
    Effect::new(move |_| {
        let saved = update.version().get() != opened_at.0 && matches!(update.value().get(), Some(Ok(_)));
        let deleted = delete.version().get() != opened_at.1 && matches!(delete.value().get(), Some(Ok(_)));
        if saved || deleted {
            navigate(paths::RANGES, Default::default());
        }
    });
    let header = view! {
        <div class="panel-header">
            <div>
                <p class="panel-eyebrow">{if may { "Edit Range" } else { "Range" }}</p>
                <h2 id="edit-range-title">{range.name.clone()}</h2>
            </div>
            <A href=paths::RANGES attr:class="icon-button" attr:aria-label="Close">"×"</A>
        </div>
    };
    if !may {
        let patterns =
            range.patterns.iter().map(|p| view! { <li class="mono">{p.clone()}</li> }).collect_view();
        return view! {
            {header}
            <dl class="details">
                <dt>"Prefix"</dt><dd class="mono">{range.prefix.clone()}</dd>
                <dt>"Location"</dt><dd>{level_label(&range)}</dd>
            </dl>
            <h3>"Patterns"</h3>
            <ul>{patterns}</ul>
            <p class="field-hint">"Your role does not allow changing this range."</p>
        }
        .into_any();
    }
    let confirming = RwSignal::new(false);
    let (id, version) = (range.id.clone(), range.version);
    let save_id = id.clone();
    let delete_error = move || {
        (delete.version().get() != opened_at.1)
            .then(|| delete.value().get().and_then(Result::err))
            .flatten()
            .map(|error| view! { <p class="banner error" role="alert">{error.to_string()}</p> })
    };
    view! {
        {header}
        {delete_error}
        <RangeFormView
            initial=RangeForm::from_input(&range.to_input())
            editing=(id.clone(), version, level_label(&range))
            locations=Vec::new()
            action_url=UpdateRange::url()
            on_save=move |input| { update.dispatch(UpdateRange { id: save_id.clone(), version, input }); }
            pending=update.pending()
            answer=latest_error(update)
        />
        <section class="panel-section danger-zone" aria-labelledby="delete-range-title">
            <h3 id="delete-range-title">"Delete range"</h3>
            <p class="field-hint">{format!("Its {} patterns stop routing.", range.patterns.len())}</p>
            <button type="button" class="button danger" on:click=move |_| confirming.set(true)>"Delete"</button>
        </section>
        <ConfirmDialog
            open=confirming
            id="confirm-delete-range"
            title=format!("Delete range {}?", range.name)
            message=format!("Calls to its extensions ({}) will no longer reach {}.", range.patterns.join(", "), range.prefix)
            confirm_label="Delete".to_string()
            danger=true
            on_confirm=move |_| { delete.dispatch(DeleteRange { id: id.clone() }); }
        />
    }
    .into_any()
}
