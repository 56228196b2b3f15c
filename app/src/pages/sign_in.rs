//! The sign-in page: email and password, nothing else.

use crate::api::session::{safe_next, SignIn};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let next = move || use_query_map().with(|q| safe_next(q.get("next").as_deref().unwrap_or("")));
    let error = move || {
        action.value().get().and_then(Result::err).map(|e| match e {
            AppError::Unauthorized => "That email and password do not match an active administrator. Check both and try again; after repeated failures, wait a few minutes.".to_string(),
            other => other.to_string(),
        })
    };
    view! {
        <Title text="Sign in" />
        <div class="sign-in">
            <h1>"Sign in to vext"</h1>
            <ActionForm action attr:class="sign-in-form">
                {move || error().map(|m| view! { <p class="banner error" role="alert">{m}</p> })}
                <input type="hidden" name="next" value=next />
                <div class="field">
                    <label for="sign-in-email">"Email"</label>
                    <input id="sign-in-email" name="email" type="email" autocomplete="username" required />
                </div>
                <div class="field">
                    <label for="sign-in-password">"Password"</label>
                    <input id="sign-in-password" name="password" type="password" autocomplete="current-password" required />
                </div>
                <button type="submit" class="button primary">"Sign in"</button>
            </ActionForm>
        </div>
    }
}
