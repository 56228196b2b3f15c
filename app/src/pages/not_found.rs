use crate::paths;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <h1>"Page not found"</h1>
        <p>
            "There is nothing at this address. Go to "
            <A href=paths::VIRTUAL_EXTENSIONS>"Virtual Extension"</A>
            "."
        </p>
    }
}
