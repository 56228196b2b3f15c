//! vext's shared crate: the domain model, the server functions and the UI.
//!
//! Built twice: with `ssr` into the server, with `hydrate` into the WASM frontend. Never both in
//! one cargo invocation.

// The view types of the larger forms nest deeper than the default limit allows.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod error;
pub mod hydration;
pub mod model;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};
use pages::lazy::*;

/// The URLs of vext's pages: the place admins know from Control Hub.
pub mod paths {
    pub const VIRTUAL_EXTENSIONS: &str = "/services/call/features/virtual-extension";
    pub const CREATE_VIRTUAL_EXTENSION: &str = "/services/call/features/virtual-extension/new";
    /// Create Virtual Extension > Bulk Add in CSV.
    pub const BULK_ADD: &str = "/services/call/features/virtual-extension/bulk-add";
    /// The Tasks list: CSV imports and their status.
    pub const TASKS: &str = "/services/call/features/virtual-extension/tasks";
    /// The Ranges tab: virtual extension ranges.
    pub const RANGES: &str = "/services/call/features/virtual-extension/ranges";
    pub const ADD_RANGE: &str = "/services/call/features/virtual-extension/ranges/new";
    /// Services > Call > Test Call Routing (and Caller ID).
    pub const TEST_CALL_ROUTING: &str = "/services/call/test-call-routing";
    /// The template, served from `public/` (kept equal to `model::csv::template()` by a test).
    pub const TEMPLATE_CSV: &str = "/virtual-extension-template.csv";
    pub const SIGN_IN: &str = "/sign-in";
    pub const ADMINISTRATORS: &str = "/management/administrators";
    pub const ADD_ADMINISTRATOR: &str = "/management/administrators/new";
    pub const AUDIT_LOG: &str = "/management/audit-log";
    pub const API_TOKENS: &str = "/management/api-tokens";
    pub const CREATE_API_TOKEN: &str = "/management/api-tokens/new";
    pub const LOCATIONS: &str = "/management/locations";
    pub const ADD_LOCATION: &str = "/management/locations/new";
    /// The CSV download of the audit log (a GET route on the server, not a page).
    pub const AUDIT_LOG_CSV: &str = "/api/audit.csv";
    /// The virtual extensions as CSV, in the template's format (same query as the list).
    pub const VIRTUAL_EXTENSIONS_CSV: &str = "/api/virtual_extensions.csv";

    /// One virtual extension's details.
    pub fn virtual_extension(id: &str) -> String {
        format!("{VIRTUAL_EXTENSIONS}/{id}")
    }

    /// The edit form of one virtual extension.
    pub fn edit_virtual_extension(id: &str) -> String {
        format!("{VIRTUAL_EXTENSIONS}/{id}/edit")
    }

    /// One import task's page.
    pub fn task(id: &str) -> String {
        format!("{TASKS}/{id}")
    }

    /// One range's panel on the Ranges tab.
    pub fn range(id: &str) -> String {
        format!("{RANGES}/{id}")
    }

    /// One location's panel on the Locations page.
    pub fn location(id: &str) -> String {
        format!("{LOCATIONS}/{id}")
    }

    /// One administrator's panel on the Administrators page.
    pub fn administrator(id: &str) -> String {
        format!("{ADMINISTRATORS}/{id}")
    }
}

/// The Content-Security-Policy of every page: scripts only from vext, inline ones only with this
/// response's nonce; WASM compilation allowed (`'wasm-unsafe-eval'`), nothing else loosened.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'"
    )
}

/// Sends the page's CSP with the nonce Leptos put on its scripts (server only).
#[cfg(feature = "ssr")]
fn send_content_security_policy() {
    use leptos::nonce::use_nonce;
    if let (Some(nonce), Some(response)) = (use_nonce(), use_context::<leptos_axum::ResponseOptions>()) {
        if let Ok(value) = http::HeaderValue::from_str(&content_security_policy(&nonce.to_string())) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    send_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/vext.css" />
        <Title formatter=|title: String| format!("{title} · vext") />
        <Router>
            <components::layout::Layout>
                <Routes fallback=pages::not_found::NotFound>
                    <Route
                        path=path!("/")
                        view=|| view! { <Redirect path=paths::VIRTUAL_EXTENSIONS /> }
                    />
                    <Route path=path!("/sign-in") view=pages::sign_in::SignInPage ssr=SsrMode::Async />
                    // Before the virtual extension routes, whose ":id" would take "tasks".
                    <Route
                        path=path!("/services/call/features/virtual-extension/tasks")
                        view={Lazy::<TasksRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/services/call/features/virtual-extension/tasks/:id")
                        view={Lazy::<TaskRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <ParentRoute
                        path=path!("/services/call/features/virtual-extension/ranges")
                        view={Lazy::<RangesRoute>::new()}
                        ssr=SsrMode::Async
                    >
                        <Route path=path!("") view=|| () />
                        <Route path=path!("new") view={Lazy::<AddRangeRoute>::new()} />
                        <Route path=path!(":id") view={Lazy::<EditRangeRoute>::new()} />
                    </ParentRoute>
                    <Route
                        path=path!("/services/call/test-call-routing")
                        view={Lazy::<TestCallRoutingRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    // Async: the whole page, data included, is rendered before the first byte, so
                    // it reads the same without JavaScript.
                    <ParentRoute
                        path=path!("/services/call/features/virtual-extension")
                        view=pages::virtual_extensions::VirtualExtensionPage
                        ssr=SsrMode::Async
                    >
                        <Route path=path!("") view=|| () />
                        <Route
                            path=path!("new")
                            view={Lazy::<CreateRoute>::new()}
                        />
                        <Route
                            path=path!("bulk-add")
                            view={Lazy::<BulkAddRoute>::new()}
                        />
                        <Route
                            path=path!(":id")
                            view={Lazy::<DetailsRoute>::new()}
                        />
                        <Route
                            path=path!(":id/edit")
                            view={Lazy::<EditRoute>::new()}
                        />
                    </ParentRoute>
                    <ParentRoute
                        path=path!("/management/administrators")
                        view={Lazy::<AdministratorsRoute>::new()}
                        ssr=SsrMode::Async
                    >
                        <Route path=path!("") view=|| () />
                        <Route path=path!("new") view={Lazy::<AddAdministratorRoute>::new()} />
                        <Route path=path!(":id") view={Lazy::<ManageAdministratorRoute>::new()} />
                    </ParentRoute>
                    <ParentRoute
                        path=path!("/management/locations")
                        view={Lazy::<LocationsRoute>::new()}
                        ssr=SsrMode::Async
                    >
                        <Route path=path!("") view=|| () />
                        <Route path=path!("new") view={Lazy::<AddLocationRoute>::new()} />
                        <Route path=path!(":id") view={Lazy::<EditLocationRoute>::new()} />
                    </ParentRoute>
                    <ParentRoute
                        path=path!("/management/api-tokens")
                        view={Lazy::<ApiTokensRoute>::new()}
                        ssr=SsrMode::Async
                    >
                        <Route path=path!("") view=|| () />
                        <Route path=path!("new") view={Lazy::<CreateApiTokenRoute>::new()} />
                    </ParentRoute>
                    <Route
                        path=path!("/management/audit-log")
                        view={Lazy::<AuditLogRoute>::new()}
                        ssr=SsrMode::Async
                    />
                </Routes>
            </components::layout::Layout>
        </Router>
    }
}
