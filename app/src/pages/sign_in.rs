//! The sign-in page: email and password, nothing else.

use crate::api::session::SignIn;
use crate::error::AppError;
use leptos::html::Input;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    // Where the sign-in leads is the server's decision (`safe_next`, in this page's HTML and
    // again when the form is posted); the browser only carries the value along, so the URL
    // parser and its Unicode tables stay out of the WASM.
    let next = move || {
        use_query_map().with(|q| {
            let next = q.get("next").unwrap_or_default();
            #[cfg(feature = "ssr")]
            let next = crate::api::session::safe_next(&next);
            next
        })
    };
    let error = move || {
        action.value().get().and_then(Result::err).map(|e| match e {
            AppError::Unauthorized => "That email and password do not match an active administrator. Check both and try again; after repeated failures, wait a few minutes.".to_string(),
            other => other.to_string(),
        })
    };
    // A plain form (it posts without the WASM too); with the WASM, the action sends the fields.
    // No ActionForm: its form-data parser would weigh on the first download.
    let (email, password, next_field) =
        (NodeRef::<Input>::new(), NodeRef::<Input>::new(), NodeRef::<Input>::new());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value =
            |field: NodeRef<Input>| field.get_untracked().map(|input| input.value()).unwrap_or_default();
        action.dispatch(SignIn { email: value(email), password: value(password), next: value(next_field) });
    };
    view! {
        <Title text="Sign in" />
        <div class="sign-in">
            <h1>"Sign in to vext"</h1>
            <form method="post" action=SignIn::url() class="sign-in-form" on:submit=on_submit>
                {move || error().map(|m| view! { <p class="banner error" role="alert">{m}</p> })}
                <input type="hidden" name="next" value=next node_ref=next_field />
                <div class="field">
                    <label for="sign-in-email">"Email"</label>
                    <input id="sign-in-email" name="email" type="email" autocomplete="username" required node_ref=email />
                </div>
                <div class="field">
                    <label for="sign-in-password">"Password"</label>
                    <input id="sign-in-password" name="password" type="password" autocomplete="current-password" required node_ref=password />
                </div>
                <button type="submit" class="button primary">"Sign in"</button>
            </form>
        </div>
    }
}
