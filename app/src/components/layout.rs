//! The console frame: a top bar with the signed-in administrator, a left navigation mirroring
//! Services > Call > Features and Management, and the main area.

use crate::api::session::{current_admin, SignOut, SignOutEverywhere};
use crate::model::admin::Actor;
use crate::paths;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

/// The signed-in administrator, loaded once per page (`None` on the sign-in page). Pages use it
/// to hide what the role cannot do; the server decides regardless.
#[derive(Clone, Copy)]
pub struct Me(pub Resource<Option<Actor>>);

/// The signed-in administrator's resource (read it inside a `Suspense`/`Transition`).
pub fn use_me() -> Resource<Option<Actor>> {
    expect_context::<Me>().0
}

/// Renders `children` only for an administrator `allowed` lets through; nothing while loading.
#[component]
pub fn IfAllowed(allowed: fn(&Actor) -> bool, children: ChildrenFn) -> impl IntoView {
    let me = use_me();
    let children = StoredValue::new(children);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                me.await.filter(allowed).map(|_| children.with_value(|c| c()))
            })}
        </Transition>
    }
}

/// A button for an argument-less server function: a plain form that posts without the WASM,
/// and with it runs `action`. (No `ActionForm`: its form-data parser would weigh on the first
/// WASM download for calls that carry nothing.)
fn action_button<S>(
    action: ServerAction<S>,
    call: S,
    label: &'static str,
    title: Option<&'static str>,
) -> impl IntoView
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    view! {
        <form
            method="post"
            action=S::url()
            on:submit=move |ev| {
                ev.prevent_default();
                action.dispatch(call.clone());
            }
        >
            <button type="submit" class="button small" title=title>{label}</button>
        </form>
    }
}

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let sign_out_everywhere = ServerAction::<SignOutEverywhere>::new();
    let location = use_location();
    let signed_in = move || location.pathname.get() != paths::SIGN_IN;
    let me = Resource::new(signed_in, |signed_in| async move {
        if signed_in {
            current_admin().await.ok()
        } else {
            None
        }
    });
    provide_context(Me(me));
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <div class="layout">
            // Below 1000 px the navigation folds behind the Menu button (no JavaScript needed).
            <input type="checkbox" id="nav-toggle" class="nav-toggle" aria-label="Menu" aria-controls="main-nav" />
            <header class="topbar">
                <label for="nav-toggle" class="menu-button" aria-hidden="true">"☰ Menu"</label>
                <span class="brand">"vext"</span>
                <span class="topbar-note">"Virtual Extensions console"</span>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        me.await.map(|me| view! {
                            <div class="topbar-actions">
                                <span class="whoami">
                                    <span class="whoami-email">{me.email.clone()}</span>
                                    <span class="whoami-role">{me.role.label()}</span>
                                </span>
                                {action_button(
                                    sign_out_everywhere,
                                    SignOutEverywhere {},
                                    "Sign out everywhere",
                                    Some("End your sessions in every browser, this one included"),
                                )}
                                {action_button(sign_out, SignOut {}, "Sign out", None)}
                            </div>
                        })
                    })}
                </Transition>
            </header>
            <nav class="sidenav" id="main-nav" aria-label="Main">
                <p class="sidenav-section" id="nav-services">"Services"</p>
                <ul aria-labelledby="nav-services">
                    <li>
                        <span class="sidenav-item is-open">"Call"</span>
                        <ul>
                            <li>
                                <span class="sidenav-subitem">"Features"</span>
                                <ul>
                                    <li>
                                        <A href=paths::VIRTUAL_EXTENSIONS attr:class="sidenav-link">
                                            "Virtual Extension"
                                        </A>
                                    </li>
                                </ul>
                            </li>
                            <li>
                                <A href=paths::TEST_CALL_ROUTING attr:class="sidenav-link">"Test Call Routing"</A>
                            </li>
                        </ul>
                    </li>
                </ul>
                // One resolution of who is signed in for the whole section (a second
                // Transition nested in it for the full-only link hydrated out of step).
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        me.await.filter(Actor::may_read_audit).map(|me| {
                            let full = me.is_full();
                            view! {
                                <p class="sidenav-section" id="nav-management">"Management"</p>
                                <ul aria-labelledby="nav-management">
                                    <li>
                                        <A href=paths::LOCATIONS attr:class="sidenav-link">"Locations"</A>
                                    </li>
                                    <li>
                                        <A href=paths::ADMINISTRATORS attr:class="sidenav-link">"Administrators"</A>
                                    </li>
                                    {full.then(|| view! {
                                        <li>
                                            <A href=paths::API_TOKENS attr:class="sidenav-link">"API Tokens"</A>
                                        </li>
                                    })}
                                    <li>
                                        <A href=paths::AUDIT_LOG attr:class="sidenav-link">"Audit Log"</A>
                                    </li>
                                </ul>
                            }
                        })
                    })}
                </Transition>
            </nav>
            <main id="main" class="main" tabindex="-1">
                {children()}
            </main>
        </div>
    }
}

/// "Services > Call > Features > Virtual Extension", the way admins find the page in Control Hub.
#[component]
pub fn Breadcrumb(
    current: &'static str,
    /// Pages between Features and this one, as (label, address): "Virtual Extension > Tasks".
    #[prop(optional)]
    links: &'static [(&'static str, &'static str)],
) -> impl IntoView {
    view! {
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <ol>
                <li>"Services"</li>
                <li>"Call"</li>
                <li>"Features"</li>
                {links.iter().map(|(label, href)| view! { <li><A href=*href>{*label}</A></li> }).collect_view()}
                <li aria-current="page">{current}</li>
            </ol>
        </nav>
    }
}

/// "Management > …" for the console's own administration pages.
#[component]
pub fn ManagementBreadcrumb(current: &'static str) -> impl IntoView {
    view! {
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <ol>
                <li>"Management"</li>
                <li aria-current="page">{current}</li>
            </ol>
        </nav>
    }
}
