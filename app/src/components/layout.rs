//! The console frame: a left navigation mirroring Services > Call > Features, and the main area.

use crate::api::session::SignOut;
use crate::paths;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let signed_in = move || use_location().pathname.get() != paths::SIGN_IN;
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <div class="layout">
            <header class="topbar">
                <span class="brand">"vext"</span>
                <span class="topbar-note">"Virtual Extensions console"</span>
                <Show when=signed_in>
                    <ActionForm action=sign_out attr:class="topbar-actions">
                        <button type="submit" class="button small">"Sign out"</button>
                    </ActionForm>
                </Show>
            </header>
            <nav class="sidenav" aria-label="Main">
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
                        </ul>
                    </li>
                </ul>
            </nav>
            <main id="main" class="main" tabindex="-1">
                {children()}
            </main>
        </div>
    }
}

/// "Services > Call > Features > Virtual Extension", the way admins find the page in Control Hub.
#[component]
pub fn Breadcrumb(current: &'static str) -> impl IntoView {
    view! {
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <ol>
                <li>"Services"</li>
                <li>"Call"</li>
                <li>"Features"</li>
                <li aria-current="page">{current}</li>
            </ol>
        </nav>
    }
}
