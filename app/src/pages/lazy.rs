//! The pages the Virtual Extension list does not need, as lazy routes: `cargo leptos build
//! --split` moves each one's code out of the first WASM download into a chunk of its own, which
//! the browser fetches when the page is first opened (and, for a page the server rendered, while
//! the main WASM loads: the server names the chunks it used in `modulepreload` links).
//!
//! The list itself (search, filters, table, paging, deletes, the mode) and the sign-in page stay
//! in the first download; its panels (Manually Add, details, Edit) are lazy too.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// A lazy route that shows `$page` (a component without props): its data loads inside it.
macro_rules! lazy_page {
    ($($route:ident => $page:path),* $(,)?) => {
        $(
            #[doc = concat!("`", stringify!($page), "`, loaded on first use.")]
            pub struct $route;

            #[lazy_route]
            impl LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                fn view(_this: Self) -> AnyView {
                    untrack($page).into_any()
                }
            }
        )*
    };
}

lazy_page! {
    CreateRoute => super::virtual_extensions::create::CreateVirtualExtensionPanel,
    DetailsRoute => super::virtual_extensions::details::VirtualExtensionDetailsPanel,
    EditRoute => super::virtual_extensions::edit::EditVirtualExtensionPanel,
    BulkAddRoute => super::virtual_extensions::bulk::BulkAddPanel,
    TasksRoute => super::tasks::TasksPage,
    TaskRoute => super::tasks::TaskPage,
    AdministratorsRoute => super::admins::AdministratorsPage,
    ApiTokensRoute => super::tokens::ApiTokensPage,
    CreateApiTokenRoute => super::tokens::CreateApiTokenPanel,
    AddAdministratorRoute => super::admins::AddAdministratorPanel,
    ManageAdministratorRoute => super::admins::ManageAdministratorPanel,
    LocationsRoute => super::locations::LocationsPage,
    AddLocationRoute => super::locations::AddLocationPanel,
    EditLocationRoute => super::locations::EditLocationPanel,
    AuditLogRoute => super::audit::AuditLogPage,
    RangesRoute => super::ranges::RangesPage,
    AddRangeRoute => super::ranges::AddRangePanel,
    EditRangeRoute => super::ranges::EditRangePanel,
    TestCallRoutingRoute => super::calls::TestCallRoutingPage,
}
