//! Services > Call > Test Call Routing: where a call dialed at a location goes and why, and
//! what a phone shows when a number calls it (Caller ID). Both are GET forms whose inputs stay
//! in the address bar; the server answers them, so they work before the WASM has loaded and a
//! link shares the question.

use crate::api::calls::{caller_id, route_call};
use crate::api::locations::list_locations;
use crate::model::dial_plan::{CallerIdReport, RouteReport, ShownAs};
use crate::model::Location;
use crate::paths;
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

/// The page's four inputs, as the URL has them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Questions {
    from: String,
    dialed: String,
    calling: String,
    to: String,
}

#[component]
pub fn TestCallRoutingPage() -> impl IntoView {
    let query = use_query_map();
    let questions = Memo::new(move |_| {
        query.with(|q| Questions {
            from: q.get("from").unwrap_or_default(),
            dialed: q.get("dialed").unwrap_or_default(),
            calling: q.get("calling").unwrap_or_default(),
            to: q.get("to").unwrap_or_default(),
        })
    });
    let locations = Resource::new(|| (), |_| list_locations());
    let route = Resource::new(
        move || questions.with(|q| (q.from.clone(), q.dialed.clone())),
        |(from, dialed)| async move {
            if dialed.trim().is_empty() {
                None
            } else {
                Some(route_call(from, dialed).await)
            }
        },
    );
    let shown = Resource::new(
        move || questions.with(|q| (q.calling.clone(), q.to.clone())),
        |(calling, to)| async move {
            if calling.trim().is_empty() {
                None
            } else {
                Some(caller_id(calling, to).await)
            }
        },
    );
    view! {
        <Title text="Test Call Routing" />
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <ol>
                <li>"Services"</li>
                <li>"Call"</li>
                <li aria-current="page">"Test Call Routing"</li>
            </ol>
        </nav>
        <div class="page-header">
            <div>
                <h1>"Test Call Routing"</h1>
                <p class="page-lede">
                    "See where a call goes before anyone dials it: an extension, an ESN, a range or an outside number, and each step of the dial plan. Caller ID shows what a phone displays when a virtual extension's number calls in."
                </p>
            </div>
        </div>
        <Transition fallback=|| view! { <p class="loading">"Loading locations…"</p> }>
            {move || Suspend::new(async move {
                let locations = locations.await.unwrap_or_default();
                let q = questions.get();
                view! { <RouteForm locations=locations.clone() q=q.clone() /> <CallerIdForm locations q /> }
            })}
        </Transition>
        <section class="card answer-card" aria-labelledby="route-answer-heading">
            <h2 id="route-answer-heading">"Where the call goes"</h2>
            <Transition fallback=|| view! { <p class="loading">"Routing…"</p> }>
                {move || Suspend::new(async move {
                    match route.await {
                        None => EitherOf3::A(view! { <p class="muted">"Choose who calls and type what they dial, then select Test."</p> }),
                        Some(Ok(report)) => EitherOf3::B(route_answer(report)),
                        Some(Err(error)) => EitherOf3::C(view! { <p class="banner error" role="alert">{error.to_string()}</p> }),
                    }
                })}
            </Transition>
        </section>
        <section class="card answer-card" aria-labelledby="caller-answer-heading">
            <h2 id="caller-answer-heading">"What the phone shows"</h2>
            <Transition fallback=|| view! { <p class="loading">"Looking up…"</p> }>
                {move || Suspend::new(async move {
                    match shown.await {
                        None => EitherOf3::A(view! { <p class="muted">"Type an incoming number and the called location, then select Show Caller ID."</p> }),
                        Some(Ok(report)) => EitherOf3::B(caller_id_answer(report)),
                        Some(Err(error)) => EitherOf3::C(view! { <p class="banner error" role="alert">{error.to_string()}</p> }),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The locations as options, `selected` chosen; the first option is the organization.
fn location_options(locations: &[Location], selected: &str, none: &'static str) -> impl IntoView {
    let options = locations
        .iter()
        .map(|l| view! { <option value=l.id.clone() selected=l.id == selected>{l.name.clone()}</option> })
        .collect_view();
    view! {
        <option value="" selected=selected.is_empty()>{none}</option>
        {options}
    }
}

/// A GET form's submit as the router's navigation (no page load) once the WASM runs; before
/// that the browser submits it as a plain GET.
fn navigate_on_submit() -> impl Fn(leptos::ev::SubmitEvent) + 'static {
    let navigate = use_navigate();
    move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            use leptos::web_sys::{FormData, HtmlFormElement, UrlSearchParams};
            let form = ev.target().and_then(|t| t.dyn_into::<HtmlFormElement>().ok());
            let data = form.as_ref().and_then(|f| FormData::new_with_form(f).ok());
            let query = data.and_then(|d| UrlSearchParams::new_with_str_sequence_sequence(&d).ok());
            if let Some(query) = query {
                ev.prevent_default();
                navigate(
                    &format!("{}?{}", paths::TEST_CALL_ROUTING, String::from(query.to_string())),
                    Default::default(),
                );
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&navigate, ev);
    }
}

#[component]
fn RouteForm(locations: Vec<Location>, q: Questions) -> impl IntoView {
    view! {
        <form method="get" action=paths::TEST_CALL_ROUTING class="filters card" aria-label="Test Call Routing" on:submit=navigate_on_submit()>
            // The other question stays in the address bar.
            <input type="hidden" name="calling" value=q.calling.clone() />
            <input type="hidden" name="to" value=q.to.clone() />
            <div class="field">
                <label for="route-from">"Calling from"</label>
                <select id="route-from" name="from">
                    {location_options(&locations, &q.from, "Organization (no location)")}
                </select>
            </div>
            <div class="field grow">
                <label for="route-dialed">"Dialed digits"</label>
                <input id="route-dialed" name="dialed" type="text" inputmode="tel" autocomplete="off"
                    value=q.dialed.clone() placeholder="4001, 82144001, 9 214 555 0100, +44…" />
            </div>
            <div class="filter-actions">
                <button type="submit" class="button primary">"Test"</button>
            </div>
        </form>
    }
}

#[component]
fn CallerIdForm(locations: Vec<Location>, q: Questions) -> impl IntoView {
    view! {
        <form method="get" action=paths::TEST_CALL_ROUTING class="filters card" aria-label="Caller ID" on:submit=navigate_on_submit()>
            <input type="hidden" name="from" value=q.from.clone() />
            <input type="hidden" name="dialed" value=q.dialed.clone() />
            <div class="field grow">
                <label for="caller-number">"Incoming number"</label>
                <input id="caller-number" name="calling" type="text" inputmode="tel" autocomplete="off"
                    value=q.calling.clone() placeholder="+12015550123, (201) 555-0123…" />
            </div>
            <div class="field">
                <label for="caller-to">"Called location"</label>
                <select id="caller-to" name="to">
                    {location_options(&locations, &q.to, "Organization (no location)")}
                </select>
            </div>
            <div class="filter-actions">
                <button type="submit" class="button primary">"Show Caller ID"</button>
            </div>
        </form>
    }
}

fn place(location: Option<&str>) -> String {
    location.map_or_else(|| "organization level".to_string(), |l| format!("at {l}"))
}

fn route_answer(report: RouteReport) -> impl IntoView {
    let matched = match (&report.virtual_extension, &report.range) {
        (Some(m), _) => {
            let href = paths::virtual_extension(&m.entry.id);
            let label = format!(
                "{} ({}, {})",
                m.entry.display_name,
                m.entry.extension,
                place(m.location_name.as_deref())
            );
            Some(Either::Left(view! { <dt>"Virtual extension"</dt><dd><A href=href>{label}</A></dd> }))
        }
        (None, Some(r)) => {
            let href = paths::range(&r.id);
            let label = format!(
                "{} (prefix {}, pattern {}, {})",
                r.name,
                r.prefix,
                r.pattern,
                place(r.location_name.as_deref())
            );
            Some(Either::Right(view! { <dt>"Range"</dt><dd><A href=href>{label}</A></dd> }))
        }
        _ => None,
    };
    let steps = report.steps.iter().map(|s| view! { <li>{s.clone()}</li> }).collect_view();
    let called = if report.routing_address.is_empty() {
        "Nothing: the call is rejected".to_string()
    } else {
        report.routing_address.clone()
    };
    view! {
        <dl class="details" aria-live="polite">
            <dt>"Dialed"</dt>
            <dd><span class="mono">{report.dialed.clone()}</span>" "<span class="muted">{format!("from {}", place(report.from.as_deref()))}</span></dd>
            <dt>"Destination"</dt>
            <dd><span class="status" class:is-off=report.is_rejected>{report.destination.label()}</span>" "<span class="muted mono">{report.destination.as_str()}</span></dd>
            <dt>"Number called"</dt>
            <dd class="mono">{called}</dd>
            {matched}
            {report.signalled_extension.clone().map(|e| view! { <dt>"Signalled extension"</dt><dd class="mono">{e}" "<span class="muted">"(Enhanced mode)"</span></dd> })}
        </dl>
        <h3>"Steps"</h3>
        <ol class="steps">{steps}</ol>
    }
}

fn caller_id_answer(report: CallerIdReport) -> impl IntoView {
    let shown_as = report.shown_as.map(|s| match s {
        ShownAs::Extension => "its extension",
        ShownAs::Esn => "its ESN (routing prefix and extension)",
        ShownAs::PhoneNumber => "its own number",
    });
    let link = report.virtual_extension.as_ref().map(|m| {
        let href = paths::virtual_extension(&m.entry.id);
        view! { <dt>"Virtual extension"</dt><dd><A href=href>{format!("{} ({}, {})", m.entry.display_name, m.entry.extension, place(m.location_name.as_deref()))}</A></dd> }
    });
    let range = report.range.as_ref().map(|r| {
        let href = paths::range(&r.id);
        view! { <dt>"Range"</dt><dd><A href=href>{format!("{} ({})", r.name, r.prefix)}</A></dd> }
    });
    view! {
        <dl class="details" aria-live="polite">
            <dt>"Incoming number"</dt>
            <dd><span class="mono">{report.calling.clone()}</span>" "<span class="muted">{format!("to a phone {}", place(report.to.as_deref()))}</span></dd>
            <dt>"Name shown"</dt>
            <dd>{if report.found { report.name.clone() } else { "Nothing from the directory".to_string() }}</dd>
            <dt>"Number shown"</dt>
            <dd><span class="mono">{if report.found { report.number.clone() } else { report.calling.clone() }}</span>" "<span class="muted">{shown_as}</span></dd>
            {link}
            {range}
        </dl>
        <p>{report.explanation.clone()}</p>
    }
}
