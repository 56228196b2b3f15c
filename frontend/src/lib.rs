//! The WASM entry point: hydrate the server-rendered page, and nothing else. Asynchronously:
//! a lazy route's chunk (`app::pages::lazy`) must be loaded before its part of the page hydrates.

// The app's view type, awaited whole by the asynchronous hydration, nests deeper than the default
// limit allows in a release build (debug builds erase component types).
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    app::hydration::hydrate_lazy(app::App);
}
